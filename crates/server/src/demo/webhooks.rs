//! The PPN's demo **webhook subscription** (docs/integrations.md): created
//! by the network's manager through the store, **disabled**, pointing at
//! the local receiver `docs/webhook-receiver.py` serves on
//! `http://127.0.0.1:8090/webhooks`. Turning it on needs the server started
//! with `PEERHUB_WEBHOOK_ALLOW_PRIVATE=true` (a local address; development
//! only), as docs/integrations.md shows. Loaded only while the network has
//! no subscription.
use peerhub_domain::access::Principal;
use peerhub_domain::webhook::EventFilter;
use peerhub_persistence::webhooks::subscriptions::{self, NewSubscription};
use peerhub_persistence::{Ctx, Db, PageRequest, networks};

use super::people::{PPN, PPN_MANAGER};
use super::support;

/// Where the documented receiver listens.
pub const RECEIVER_URL: &str = "http://127.0.0.1:8090/webhooks";

pub async fn load(db: &Db) -> anyhow::Result<()> {
    let Some(net) = networks::find_by_slug(db, PPN).await? else {
        return Ok(());
    };
    let manager = Principal {
        user_id: support::user_id(db, PPN_MANAGER).await?,
        is_platform_admin: false,
        token_scopes: None,
    };
    let existing =
        subscriptions::list(db, &manager, &net.id, None, &PageRequest::default()).await?;
    if !existing.items.is_empty() {
        return Ok(());
    }
    subscriptions::create(
        db,
        &Ctx::system().with_actor(&manager.user_id),
        &manager,
        NewSubscription {
            network_id: net.id.clone(),
            url: RECEIVER_URL.to_owned(),
            events: EventFilter::All,
            description: "Demo: the local receiver of docs/webhook-receiver.py".to_owned(),
            enabled: false,
        },
    )
    .await?;
    Ok(())
}
