//! Demo data, loaded idempotently by `peerhub demo` and `make run`
//! (docs/getting-started.md describes it): two networks and their people,
//! seven communities with approved terms, core teams and applications, a
//! year of meetings with minutes, and two matching programmes. Everything
//! is written through the stores, so the same rules, audit entries and
//! events apply as for people using the API (the one exception is named in
//! `support::create_account`).
//!
//! One file per area. Imports go one way: `people` (the shared constants)
//! imports no sibling, `support` only `people`, the areas only those two
//! (the two programmes also `matching`), and this file calls the areas in
//! the order their data depends on.
mod accounts;
mod governance;
mod guild_exchange;
mod matching;
mod meetings;
mod memberships;
mod networks;
mod people;
mod ppn_support;
mod support;
mod webhooks;

use peerhub_persistence::Db;
use peerhub_persistence::entities::{
    audit_event, community, community_member, meeting, minutes, network, network_member,
    peer_match, programme, user,
};
use sea_orm::{EntityTrait, PaginatorTrait};

pub use people::DEMO_PASSWORD;

/// A listed demo login.
pub struct DemoLogin {
    pub email: &'static str,
    pub role: &'static str,
}

/// Loads whatever of the demo data is missing. Returns the logins.
pub async fn load(db: &Db) -> anyhow::Result<Vec<DemoLogin>> {
    networks::load(db).await?;
    accounts::load(db).await?;
    networks::load_communities(db).await?;
    memberships::load(db).await?;
    meetings::load(db).await?;
    governance::load(db).await?;
    guild_exchange::load(db).await?;
    ppn_support::load(db).await?;
    webhooks::load(db).await?;
    Ok(logins())
}

/// The listed demo logins, in order (all with [`DEMO_PASSWORD`]).
pub fn logins() -> Vec<DemoLogin> {
    people::PEOPLE
        .iter()
        .map(|p| DemoLogin {
            email: p.email,
            role: p.label,
        })
        .collect()
}

/// A count of the rows the demo writes (accounts, networks and their
/// members, communities, meetings, minutes, programmes, matches, audit
/// entries). Equal before and after [`load`] means it loaded nothing.
pub async fn footprint(db: &Db) -> anyhow::Result<u64> {
    Ok(count::<user::Entity>(db).await?
        + count::<network::Entity>(db).await?
        + count::<network_member::Entity>(db).await?
        + count::<community::Entity>(db).await?
        + count::<community_member::Entity>(db).await?
        + count::<meeting::Entity>(db).await?
        + count::<minutes::Entity>(db).await?
        + count::<programme::Entity>(db).await?
        + count::<peer_match::Entity>(db).await?
        + count::<audit_event::Entity>(db).await?)
}

async fn count<E: EntityTrait>(db: &Db) -> anyhow::Result<u64>
where
    E::Model: Sync,
{
    Ok(E::find().count(db).await?)
}

/// What `peerhub demo` prints: whether anything was loaded, every listed
/// login, and how the unlisted demo people log in.
pub fn summary(loaded: bool) -> String {
    let mut out = String::new();
    out.push_str(if loaded {
        "Demo data loaded.\n"
    } else {
        "Demo data already present; nothing to load.\n"
    });
    out.push_str(&format!("Logins (password for all: {DEMO_PASSWORD}):\n"));
    for l in logins() {
        out.push_str(&format!("  {:<45} {}\n", l.email, l.role));
    }
    let examples: Vec<&str> = people::BACKGROUND
        .iter()
        .filter(|p| p.email.ends_with("@nhs.net"))
        .take(1)
        .chain(
            people::BACKGROUND
                .iter()
                .filter(|p| !p.email.ends_with("@nhs.net"))
                .take(1),
        )
        .map(|p| p.email)
        .collect();
    out.push_str(&format!(
        "Everyone else in the demo data (core teams, supporters, peers waiting for a match) \
         logs in as first.last@nhs.net or first.last@positivepsychologyguild.org \
         with the same password, e.g. {}.\n",
        examples.join(", ")
    ));
    out
}
