//! People as the engine sees them: requests and supporters with their
//! owners' profiles, and the pairs a programme has made before.
use std::collections::BTreeSet;

use peerhub_domain::matching::score::{Exclusion, Participant, Preferences, sensitive_map};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::requests::preferences_of;
use crate::accounts::sensitive_of;
use crate::entities::{match_request, peer_match, programme_supporter, user};
use crate::error::Failure;

/// A request as the engine sees it: its owner's profile and its
/// preferences.
pub(super) fn request_participant(
    r: &match_request::Model,
    u: &user::Model,
) -> Result<Participant, Failure> {
    let mut p = profile_participant(&r.id, u)?;
    p.preferences = preferences_of(r)?;
    Ok(p)
}

/// A supporter as the engine sees them (supporters state no preferences).
pub(super) fn supporter_participant(
    s: &programme_supporter::Model,
    u: &user::Model,
) -> Result<Participant, Failure> {
    profile_participant(&s.id, u)
}

fn profile_participant(id: &str, u: &user::Model) -> Result<Participant, Failure> {
    Ok(Participant {
        id: id.to_owned(),
        user_id: u.id.clone(),
        profession: u.profession.clone(),
        level: u.level.clone(),
        region: u.region.clone(),
        specialties: u.specialties.decode("users.specialties", &u.id)?,
        interests: u.interests.decode("users.interests", &u.id)?,
        team: u.team.clone(),
        line_manager_id: u.line_manager_id.clone(),
        sensitive: sensitive_of(u)?
            .map(|s| sensitive_map(&s))
            .unwrap_or_default(),
        preferences: Preferences::default(),
    })
}

/// Every pair of people matched (in any status) before in a programme.
pub(super) async fn previous_pairs<C: ConnectionTrait>(
    conn: &C,
    programme_id: &str,
) -> Result<BTreeSet<(String, String)>, Failure> {
    let rows: Vec<(String, String)> = peer_match::Entity::find()
        .select_only()
        .column(peer_match::Column::UserAId)
        .column(peer_match::Column::UserBId)
        .filter(peer_match::Column::ProgrammeId.eq(programme_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

pub(super) fn excluded_error(field: &str, e: Exclusion, min: i64) -> Failure {
    let message = match e {
        Exclusion::BelowMinimum => {
            format!("this pair scores below the programme's minimum score ({min})")
        }
        e => format!("this pair is excluded by a hard constraint: {}", e.text()),
    };
    Failure::invalid(field, e.code(), message)
}
