//! Helpers every matching store shares: stored JSON, the programme lock,
//! people by id, and the stored codes of open and pending matches.
use std::collections::HashMap;

use peerhub_domain::matching::lifecycle::MatchStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{programme, user};
use crate::error::Failure;

/// A typed refusal of the domain as a store's failure.
pub(crate) fn refused(r: impl Into<peerhub_domain::Refusal>) -> Failure {
    Failure::from(r.into())
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
    programme::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(Failure::not_found("programme"))
}

/// A row by its id, or `what` not found: the one loader the matching
/// stores share.
pub(crate) async fn find_or_not_found<E, C>(
    conn: &C,
    id: &str,
    what: &'static str,
) -> Result<E::Model, Failure>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<String>,
{
    E::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found(what))
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
