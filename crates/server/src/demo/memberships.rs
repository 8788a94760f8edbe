//! A few members, core-team roles and pending applications with each
//! verdict, so the review queue has something to show. A role is given
//! only to someone not yet a member, an application made only when the
//! person has no open one and is not a member.
use peerhub_domain::Refusal;
use peerhub_domain::community::{ApplicationDecision, CommunityRole};
use peerhub_domain::profile::ProfilePatch;
use peerhub_persistence::applications::{self, DecisionInput};
use peerhub_persistence::{Ctx, Db, Failure, accounts};

use super::people::GUILD_MANAGER;
use super::support;

/// The register the guild's closed circle asks for.
const GUILD_REGISTER: &str = "Register of Positive Psychology Practitioners";

/// Gives the core-team roles and makes the applications. Needs the
/// communities.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    // Tom holds the guild's register (his profile says so).
    let tom = support::user_id(db, "tom.reed@positivepsychologyguild.org").await?;
    let u = accounts::get(db, &tom).await?;
    let holds = u.registers.decode("users.registers", &u.id)?;
    if holds.is_empty() {
        accounts::update_profile(
            db,
            &Ctx::system().with_actor(&tom),
            &tom,
            ProfilePatch {
                registers: Some(vec![GUILD_REGISTER.into()]),
                ..Default::default()
            },
            None,
        )
        .await?;
    }

    // Core teams.
    core(
        db,
        "priya.shah@nhs.net",
        "Chief Psychological Professions Officers (CPPO)",
        CommunityRole::Chair,
    )
    .await?;
    core(
        db,
        "sam.patel@nhs.net",
        "Psychological Practitioners",
        CommunityRole::Secretary,
    )
    .await?;

    // Tom applies to the guild's closed circle and the guild manager approves.
    if let Some(a) = apply(
        db,
        "tom.reed@positivepsychologyguild.org",
        "Strengths-Based Practice Circle",
    )
    .await?
    {
        let grace = support::user_id(db, GUILD_MANAGER).await?;
        applications::decide(
            db,
            &Ctx::system().with_actor(&grace),
            &a,
            DecisionInput {
                decision: ApplicationDecision::Approve,
                reason: None,
                override_reason: None,
            },
        )
        .await?;
    }

    // Pending applications, one of each verdict and more:
    // Chris (CAP) to the practitioners' CoP → ineligible (profession);
    // Chris to the CAP CoP → eligible; Sam to physical healthcare →
    // needs review (a free-text criterion); Ana (no register) to the
    // closed circle → ineligible; Ana to the open interest group → eligible.
    for (email, community) in [
        ("chris.evans@nhs.net", "Psychological Practitioners"),
        ("chris.evans@nhs.net", "Clinical Associate in Psychology"),
        (
            "sam.patel@nhs.net",
            "Psychological Professionals in Physical Healthcare",
        ),
        ("ana.lima@gmail.com", "Strengths-Based Practice Circle"),
        ("ana.lima@gmail.com", "Wellbeing in Schools Interest Group"),
    ] {
        apply(db, email, community).await?;
    }
    Ok(())
}

/// Makes `email` a core-team member of `community` unless already a member.
async fn core(db: &Db, email: &str, community: &str, role: CommunityRole) -> anyhow::Result<()> {
    let uid = support::user_id(db, email).await?;
    let c = support::community(db, community).await?;
    support::join(db, &c, &uid, role).await
}

/// Applies unless an open application or a membership already exists (the
/// store refuses with a conflict then); returns the new application's id.
async fn apply(db: &Db, email: &str, community: &str) -> anyhow::Result<Option<String>> {
    let uid = support::user_id(db, email).await?;
    let c = support::community(db, community).await?;
    match applications::submit(
        db,
        &Ctx::system().with_actor(&uid),
        &uid,
        &c.id,
        Some("I would like to join.".into()),
    )
    .await
    {
        Ok(a) => Ok(Some(a.id)),
        Err(Failure::Refused(Refusal::Conflict { .. })) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
