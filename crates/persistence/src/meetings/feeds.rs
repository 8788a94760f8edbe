//! Personal calendar feeds: their secrets and the meetings they list.
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use peerhub_domain::account::UserStatus;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::Db;
use crate::entities::{calendar_feed, community_member, meeting, user};
use crate::error::Failure;
use crate::load;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, new_id};

/// Creates or replaces a person's calendar-feed secret; the old one stops
/// working at once. Returns the new secret (stored only as a hash).
pub async fn rotate_feed(db: &Db, ctx: &Ctx, user_id: &str) -> Result<String, Failure> {
    let secret = crate::secrets::random_token("");
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let id = new_id();
    calendar_feed::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id.to_owned()),
        secret_hash: Set(crate::secrets::token_hash(&secret)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("calendar_feed.rotated", "user", user_id).changed(vec!["secret"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

/// Switches a person's calendar feed off. Returns whether there was one.
pub async fn delete_feed(db: &Db, ctx: &Ctx, user_id: &str) -> Result<bool, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let r = calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if r.rows_affected > 0 {
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("calendar_feed.deleted", "user", user_id).changed(vec!["secret"]),
            vec![],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(r.rows_affected > 0)
}

/// The active person a feed secret belongs to.
pub async fn feed_owner(db: &Db, secret: &str) -> Result<user::Model, Failure> {
    let hash = crate::secrets::token_hash(secret);
    let feed = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::SecretHash.eq(hash))
        .one(db)
        .await?
        .ok_or(Failure::not_found("calendar feed"))?;
    let u = load::find_or_404::<user::Entity, _>(db, &feed.user_id, "calendar feed").await?;
    if decode::<UserStatus>("user.status", &u.status)? != UserStatus::Active {
        return Err(Failure::not_found("calendar feed"));
    }
    Ok(u)
}

/// How far back a personal feed reaches.
pub const FEED_HISTORY_DAYS: i64 = 365;

/// A person's meetings for their feed: every meeting they are invited to
/// (their membership covered its start) from a year ago on, cancelled ones
/// included so calendar clients remove them.
pub async fn of_person<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<meeting::Model>, Failure> {
    let stints = community_member::Entity::find()
        .filter(community_member::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    if stints.is_empty() {
        return Ok(Vec::new());
    }
    let communities: BTreeSet<String> = stints.iter().map(|s| s.community_id.clone()).collect();
    let meetings = meeting::Entity::find()
        .filter(meeting::Column::CommunityId.is_in(communities))
        .filter(meeting::Column::StartsAt.gte(now - Duration::days(FEED_HISTORY_DAYS)))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?;
    Ok(meetings
        .into_iter()
        .filter(|m| {
            stints.iter().any(|s| {
                s.community_id == m.community_id
                    && s.joined_at <= m.starts_at
                    && s.ended_at.is_none_or(|e| e > m.starts_at)
            })
        })
        .collect())
}
