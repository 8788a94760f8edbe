//! Loading one row by its id, or the domain's "not found": the loader the
//! stores share, so "find by id, or `Refusal::NotFound(what)`" has one
//! home. `what` names the thing in the 404 (e.g. `"meeting"`), which may
//! differ from the table when the caller must not learn more (an
//! application of someone else's is "application", not "forbidden").
use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait, QuerySelect};

use crate::error::Failure;

/// The row of `E` with this id, or `what` not found.
pub(crate) async fn find_or_404<E, C>(
    conn: &C,
    id: &str,
    what: &'static str,
) -> Result<E::Model, Failure>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    E::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found(what))
}

/// [`find_or_404`], locking the row for the rest of the transaction
/// (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's single writer already
/// serialises writes).
pub(crate) async fn find_for_update_or_404<E, C>(
    conn: &C,
    id: &str,
    what: &'static str,
) -> Result<E::Model, Failure>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    E::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(Failure::not_found(what))
}

/// The value looked up for `id` in a batch read by id (names of people or
/// communities a page refers to). Every id comes from a foreign key, so a
/// missing row is a store inconsistency (a logged 500 naming the row),
/// never an empty name.
pub(crate) fn joined<V: Clone>(
    found: &std::collections::HashMap<String, V>,
    what: &'static str,
    id: &str,
) -> Result<V, Failure> {
    found
        .get(id)
        .cloned()
        .ok_or_else(|| Failure::internal(format!("{what} {id} is referred to but missing")))
}
