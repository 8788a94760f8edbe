//! What the demo matching programmes share ([`super::guild_exchange`] and
//! [`super::ppn_support`] hold the data): the people they create and the
//! requests they make, and the store calls that load them.
//!
//! Idempotent: people are created only when their email is unknown (their
//! profile is set then), a programme only when the network has none of its
//! name, a request only when that person has none in the programme.
use peerhub_domain::account::NetworkRole;
use peerhub_domain::matching::score::{
    Constraints, Preferences, PreferredMeetingMode, ProgrammeKind, Weights,
};
use peerhub_domain::profile::{ProfilePatch, SensitiveAttributes};
use peerhub_persistence::entities::{programme, user};
use peerhub_persistence::matching::{self, NewProgramme, NewRequest};
use peerhub_persistence::{Ctx, Db, PageRequest, accounts, networks};

use super::support::{self, owned, user_id};

/// Someone the demo creates, with the profile matching reads.
pub struct Member {
    pub email: &'static str,
    pub name: &'static str,
    pub profession: &'static str,
    pub level: &'static str,
    pub region: &'static str,
    pub specialties: &'static [&'static str],
    pub interests: &'static [&'static str],
    pub team: Option<&'static str>,
    /// Email of their line manager (created earlier in the list).
    pub line_manager: Option<&'static str>,
    /// Self-declared sensitive attributes, `(key, value)`.
    pub sensitive: &'static [(&'static str, &'static str)],
}

/// The empty member, for `..MEMBER`.
pub const MEMBER: Member = Member {
    email: "",
    name: "",
    profession: "",
    level: "",
    region: "",
    specialties: &[],
    interests: &[],
    team: None,
    line_manager: None,
    sensitive: &[],
};

/// A request to be matched (by email of an existing or demo person).
pub struct Ask {
    pub email: &'static str,
    pub areas: &'static [&'static str],
    pub profession: Option<&'static str>,
    pub level: Option<&'static str>,
    pub mode: Option<PreferredMeetingMode>,
    pub region: Option<&'static str>,
    pub sensitive: &'static [(&'static str, &'static str)],
    pub availability: Option<&'static str>,
}

/// The request without preferences, for `..ASK`.
pub const ASK: Ask = Ask {
    email: "",
    areas: &[],
    profession: None,
    level: None,
    mode: None,
    region: None,
    sensitive: &[],
    availability: None,
};

/// Creates the network members whose email is unknown, with their
/// profiles. One after the other, in list order: line managers exist before
/// the people they manage, and ids (which order people in the engine's
/// tie-breaks) come out in the same order on every load.
pub async fn ensure_people(db: &Db, network_id: &str, members: &[Member]) -> anyhow::Result<()> {
    for m in members {
        if support::find_user(db, m.email).await?.is_some() {
            continue;
        }
        let u = support::create_account(db, m.email, m.name).await?;
        set_up_person(db, network_id, m, &u).await?;
    }
    Ok(())
}

/// Adds a new account to the network and sets its profile through the
/// same store as PATCH /v1/me.
async fn set_up_person(
    db: &Db,
    network_id: &str,
    m: &Member,
    u: &user::Model,
) -> anyhow::Result<()> {
    networks::ensure_member(db, &Ctx::system(), network_id, &u.id, NetworkRole::Member).await?;
    let line_manager_id = match m.line_manager {
        Some(e) => Some(user_id(db, e).await?),
        None => None,
    };
    let sensitive = (!m.sensitive.is_empty()).then(|| {
        let get = |key: &str| {
            m.sensitive
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        };
        SensitiveAttributes {
            gender: get("gender"),
            ethnicity: get("ethnicity"),
            age_band: get("age_band"),
            sexual_orientation: get("sexual_orientation"),
            disability: get("disability"),
            religion_or_belief: get("religion_or_belief"),
            culture: get("culture"),
        }
    });
    accounts::update_profile(
        db,
        &Ctx::system().with_actor(&u.id),
        &u.id,
        ProfilePatch {
            profession: Some(Some(m.profession.to_owned())),
            level: Some(Some(m.level.to_owned())),
            region: Some(Some(m.region.to_owned())),
            specialties: Some(owned(m.specialties)),
            interests: Some(owned(m.interests)),
            team: Some(m.team.map(str::to_owned)),
            line_manager_id: Some(line_manager_id),
            sensitive: sensitive.map(Some),
            ..Default::default()
        },
        None,
    )
    .await?;
    Ok(())
}

/// The network's programme of this name, created by its manager (also its
/// safeguarding lead) if missing, with every hard constraint on.
pub async fn ensure_programme(
    db: &Db,
    network_id: &str,
    manager: &str,
    name: &str,
    description: &str,
    kind: ProgrammeKind,
    min_score: i64,
) -> anyhow::Result<programme::Model> {
    let mut page = PageRequest::default();
    loop {
        let found = matching::list_programmes(db, network_id, &page).await?;
        if let Some(p) = found.items.into_iter().find(|p| p.name == name) {
            return Ok(p);
        }
        match found.next_after {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    Ok(matching::create_programme(
        db,
        &Ctx::system().with_actor(manager),
        network_id,
        NewProgramme {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            kind,
            weights: Some(Weights::default()),
            constraints: Some(Constraints {
                exclude_same_team: true,
                exclude_line_manager: true,
                exclude_previous_pairs: true,
                min_score,
            }),
            proposal_days: Some(14),
            safeguarding_lead_id: manager.to_owned(),
        },
    )
    .await?)
}

/// Makes the request unless its person already has one (of any status) in
/// the programme; returns the new request's id.
pub async fn ensure_request(
    db: &Db,
    p: &programme::Model,
    a: &Ask,
) -> anyhow::Result<Option<String>> {
    let uid = user_id(db, a.email).await?;
    let mine =
        matching::list_requests(db, &p.id, Some(&uid), None, &PageRequest::default()).await?;
    if !mine.items.is_empty() {
        return Ok(None);
    }
    let r = matching::create_request(
        db,
        &Ctx::system().with_actor(&uid),
        p,
        &uid,
        NewRequest {
            preferences: Preferences {
                areas: owned(a.areas),
                profession: a.profession.map(str::to_owned),
                level: a.level.map(str::to_owned),
                mode: a.mode,
                region: a.region.map(str::to_owned),
                sensitive: a
                    .sensitive
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
            availability: a.availability.map(str::to_owned),
        },
    )
    .await?;
    Ok(Some(r.id))
}
