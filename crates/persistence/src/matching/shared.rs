//! Helpers every matching store shares: stored JSON, ids from request
//! bodies, the programme lock, people by id, and the stored codes of open
//! and pending matches.
use std::collections::HashMap;

use peerhub_domain::matching::lifecycle::MatchStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{programme, user};
use crate::error::Failure;

/// A typed refusal of the domain as a store's failure.
pub(crate) fn refused(r: impl Into<peerhub_domain::Refusal>) -> Failure {
    Failure::from(r.into())
}

/// An id from a request body in its canonical form (lower-case,
/// hyphenated), or 422 `invalid_uuid` naming `field`. Stores check it after
/// the caller's standing, so a caller who may not act gets 403/404 first.
pub(crate) fn canonical_uuid(field: &str, raw: &str) -> Result<String, Failure> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Failure::invalid(field, "invalid_uuid", "must be a UUID"))
}

/// A value for a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(t: &T) -> Result<crate::stored::Json<T>, Failure> {
    crate::stored::Json::encode(t)
}

/// The stored codes of the match statuses that hold a place
/// ([`MatchStatus::is_open`]), for queries on the `status` column.
pub fn open_statuses() -> Vec<&'static str> {
    MatchStatus::open().map(MatchStatus::as_str).collect()
}

/// The stored codes of pending match statuses ([`MatchStatus::is_pending`]).
pub fn pending_statuses() -> Vec<&'static str> {
    MatchStatus::pending().map(MatchStatus::as_str).collect()
}

/// Locks a programme's row: runs, manual pairs, answers and withdrawals
/// take it first, so (on PostgreSQL) a run never proposes a request that a
/// manual pair or a withdrawal changed after the run read it, and they
/// always lock in the same order (programme, then requests and matches).
/// SQLite's single writer already serialises them.
pub(crate) async fn lock_programme<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<programme::Model, Failure> {
    crate::load::find_for_update_or_404::<programme::Entity, _>(conn, id, "programme").await
}

/// People by id.
pub(crate) async fn users_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, user::Model>, Failure> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for u in user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(u.id.clone(), u);
        }
    }
    Ok(out)
}
