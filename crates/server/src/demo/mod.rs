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

use peerhub_persistence::Db;

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
