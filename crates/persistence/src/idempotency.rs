//! The Idempotency-Key store: the first request with a key reserves it;
//! its response is saved and replayed for later requests with the same key
//! (and the same caller, method and path). A key reused with a different
//! body is refused; a key whose first request is still running answers
//! "in progress".
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, ExprTrait, QueryFilter,
};

use crate::Db;
use crate::entities::idempotency_key;
use crate::error::{Failure, is_unique_violation};
use crate::trail::new_id;
use peerhub_domain::idempotency::KeyStatus;
pub use peerhub_domain::idempotency::{KEY_TTL_HOURS, STALE_RESERVATION_SECS};

pub enum Reservation {
    /// First use: go ahead, then call [`complete`] (or [`release`]).
    Fresh { id: String },
    /// Seen before with this body: replay this response.
    Replay {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Seen before with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

pub async fn reserve(
    db: &Db,
    scope_hash: &str,
    request_hash: &str,
) -> Result<Reservation, Failure> {
    let now = Utc::now();
    // Drop an expired or abandoned entry for this scope first.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ScopeHash.eq(scope_hash))
        .filter(
            idempotency_key::Column::ExpiresAt
                .lte(now)
                .or(idempotency_key::Column::Status
                    .eq(KeyStatus::InProgress.as_str())
                    .and(
                        idempotency_key::Column::CreatedAt
                            .lte(now - Duration::seconds(STALE_RESERVATION_SECS)),
                    )),
        )
        .exec(db)
        .await?;
    let id = new_id();
    let insert = idempotency_key::ActiveModel {
        id: Set(id.clone()),
        scope_hash: Set(scope_hash.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(KeyStatus::InProgress.as_str().to_owned()),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(KEY_TTL_HOURS)),
    }
    .insert(db)
    .await;
    match insert {
        Ok(_) => Ok(Reservation::Fresh { id }),
        Err(e) if is_unique_violation(&e) => {
            let Some(row) = idempotency_key::Entity::find()
                .filter(idempotency_key::Column::ScopeHash.eq(scope_hash))
                .one(db)
                .await?
            else {
                return Ok(Reservation::InProgress);
            };
            if row.request_hash != request_hash {
                return Ok(Reservation::Mismatch);
            }
            replay_of(row)
        }
        Err(e) => Err(e.into()),
    }
}

/// The saved response of a key seen before. A saved response that does not
/// decode is an error (500, logged), never a replay with a guessed status,
/// no headers or an empty body.
fn replay_of(row: idempotency_key::Model) -> Result<Reservation, Failure> {
    match crate::stored::decode::<KeyStatus>("idempotency_key.status", &row.status)? {
        KeyStatus::InProgress => Ok(Reservation::InProgress),
        KeyStatus::Done => {
            let (Some(status), Some(headers), Some(body)) =
                (row.response_status, row.response_headers, row.response_body)
            else {
                return Err(Failure::internal(
                    "stored idempotency_key response is incomplete",
                ));
            };
            let status = u16::try_from(status).map_err(|_| {
                Failure::internal(format!(
                    "stored idempotency_key.response_status {status} is not an HTTP status"
                ))
            })?;
            Ok(Reservation::Replay {
                status,
                headers: crate::stored::decode_json("idempotency_key.response_headers", &headers)?,
                body,
            })
        }
    }
}

/// Saves the response of a reserved key.
pub async fn complete(
    db: &Db,
    id: &str,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> Result<(), Failure> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::Status,
            sea_orm::sea_query::Expr::value(KeyStatus::Done.as_str()),
        )
        .col_expr(
            idempotency_key::Column::ResponseStatus,
            sea_orm::sea_query::Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_key::Column::ResponseHeaders,
            sea_orm::sea_query::Expr::value(
                serde_json::to_string(headers).map_err(|e| {
                    Failure::internal(format!("response headers do not encode: {e}"))
                })?,
            ),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            sea_orm::sea_query::Expr::value(body.to_owned()),
        )
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Frees a reservation whose request failed in a way worth retrying.
pub async fn release(db: &Db, id: &str) -> Result<(), Failure> {
    idempotency_key::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes expired keys; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64, Failure> {
    let r = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ExpiresAt.lte(Utc::now()))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
