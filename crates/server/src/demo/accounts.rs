//! The demo accounts ([`PEOPLE`] and [`BACKGROUND`]) and their network
//! roles. An account is created only when its email is unknown (its profile
//! is set then); the network role is ensured on every load.
use peerhub_domain::profile::ProfilePatch;
use peerhub_persistence::entities::user;
use peerhub_persistence::{Ctx, Db, accounts, networks};

use super::people::{BACKGROUND, DEMO_PASSWORD, PEOPLE, Person};
use super::support;

/// Creates the missing accounts and makes everyone a member of their
/// network with their role. Needs the networks.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let ctx = Ctx::system();
    for p in PEOPLE.iter().chain(BACKGROUND) {
        let u = match support::find_user(db, p.email).await? {
            Some(u) => u,
            None if p.network.is_none() => {
                accounts::create_admin(db, p.email, DEMO_PASSWORD, p.name).await?
            }
            None => create_person(db, p).await?,
        };
        if let Some(slug) = p.network
            && let Some(n) = networks::find_by_slug(db, slug).await?
        {
            networks::ensure_member(db, &ctx, &n.id, &u.id, p.role).await?;
        }
    }
    Ok(())
}

/// A member's account, with the profile they would set through
/// PATCH /v1/me.
async fn create_person(db: &Db, p: &Person) -> anyhow::Result<user::Model> {
    let u = support::create_account(db, p.email, p.name).await?;
    Ok(accounts::update_profile(
        db,
        &Ctx::system().with_actor(&u.id),
        &u.id,
        ProfilePatch {
            profession: p.profession.map(|x| Some(x.to_owned())),
            level: p.level.map(|x| Some(x.to_owned())),
            region: p.region.map(|x| Some(x.to_owned())),
            ..Default::default()
        },
        None,
    )
    .await?)
}
