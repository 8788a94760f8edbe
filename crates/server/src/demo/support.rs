//! Look-ups and writes every demo area shares, all through the stores.
//! Imports only [`super::people`].
use chrono::{Duration, Utc};
use peerhub_domain::access::Principal;
use peerhub_domain::account::Email;
use peerhub_domain::community::CommunityRole;
use peerhub_persistence::communities::{self, ListFilter};
use peerhub_persistence::entities::{community, user};
use peerhub_persistence::{Ctx, Db, PageRequest, accounts, admins, memberships};

use super::people::DEMO_PASSWORD;

/// How long ago the demo core teams and members joined their communities:
/// long enough to have been invited to the demo's past year of meetings.
const JOINED_DAYS_AGO: i64 = 400;

/// The account with this email, if any.
pub async fn find_user(db: &Db, email: &str) -> anyhow::Result<Option<user::Model>> {
    let e = Email::parse(email).map_err(|e| anyhow::anyhow!("demo email {email}: {e}"))?;
    Ok(accounts::find_by_email(db, &e).await?)
}

/// The id of the demo account with this email (which must exist).
pub async fn user_id(db: &Db, email: &str) -> anyhow::Result<String> {
    Ok(find_user(db, email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))?
        .id)
}

/// Creates an active account with the demo password that is not a platform
/// admin. `accounts::create_admin` is the one store function that creates
/// an active account with a password (the same validation and audit as any
/// scripted account), so the account is created as an admin and demoted
/// through `admins::set_platform_admin` (audited too).
pub async fn create_account(db: &Db, email: &str, name: &str) -> anyhow::Result<user::Model> {
    let u = accounts::create_admin(db, email, DEMO_PASSWORD, name).await?;
    Ok(admins::set_platform_admin(db, &Ctx::system(), &u.id, false).await?)
}

/// The community of this name (in `network_id` when given), if any.
pub async fn community_named(
    db: &Db,
    network_id: Option<&str>,
    name: &str,
) -> anyhow::Result<Option<community::Model>> {
    let admin = Principal {
        user_id: String::new(),
        is_platform_admin: true,
        token_scopes: None,
    };
    let filter = ListFilter {
        network_id: network_id.map(str::to_owned),
        status: None,
        q: Some(name.to_owned()),
    };
    let mut page = PageRequest::default();
    loop {
        let found = communities::list(db, &admin, &filter, &page).await?;
        if let Some(c) = found.items.into_iter().find(|c| c.name == name) {
            return Ok(Some(c));
        }
        match found.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(None),
        }
    }
}

/// The demo community of this name (which must exist).
pub async fn community(db: &Db, name: &str) -> anyhow::Result<community::Model> {
    community_named(db, None, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo community {name} missing"))
}

/// Makes the person an active member of `c` with `role` unless they are
/// one already, joined [`JOINED_DAYS_AGO`] days ago.
pub async fn join(
    db: &Db,
    c: &community::Model,
    user_id: &str,
    role: CommunityRole,
) -> anyhow::Result<()> {
    if memberships::active_of(db, &c.id, user_id).await?.is_some() {
        return Ok(());
    }
    let txn = peerhub_persistence::db::begin_write(db).await?;
    memberships::insert_member(
        &txn,
        &Ctx::system(),
        c,
        user_id,
        role,
        None,
        Utc::now() - Duration::days(JOINED_DAYS_AGO),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `["a", "b"]` → owned strings.
pub fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
