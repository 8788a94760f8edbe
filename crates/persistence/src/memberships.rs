//! Community memberships: the rows every path into a community shares.
use chrono::{DateTime, Utc};
use peerhub_domain::community::{CommunityRole, MembershipStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use serde_json::json;

use crate::entities::{community, community_member};
use crate::error::StoreError;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// Current (active) members of a community, core team included.
pub async fn active_count<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<u64, StoreError> {
    Ok(community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::Status.eq(MembershipStatus::Active.as_str()))
        .count(conn)
        .await?)
}

/// The active membership of `user_id`, if any.
pub async fn active_of<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    user_id: &str,
) -> Result<Option<community_member::Model>, StoreError> {
    Ok(community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::Column::Status.eq(MembershipStatus::Active.as_str()))
        .one(conn)
        .await?)
}

/// Adds an active member (inside the caller's transaction, which has
/// already checked capacity under the community lock). Writes the audit
/// entry and the `membership.approved` event.
pub async fn insert_member<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    c: &community::Model,
    user_id: &str,
    role: CommunityRole,
    application_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<community_member::Model, StoreError> {
    let m = community_member::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        network_id: Set(c.network_id.clone()),
        user_id: Set(user_id.to_owned()),
        role: Set(role.as_str().to_owned()),
        status: Set(MembershipStatus::Active.as_str().to_owned()),
        application_id: Set(application_id.map(str::to_owned)),
        joined_at: Set(now),
        ended_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            StoreError::conflict(
                "already-member",
                "this person is already a member of the community",
            )
        } else {
            e.into()
        }
    })?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("membership.created", "community_member", &m.id)
            .network(&c.network_id)
            .changed(vec!["status", "role"]),
        vec![Message::event(
            "membership.approved",
            "community",
            &c.id,
            json!({"community_id": c.id, "network_id": c.network_id, "user_id": user_id, "role": role.as_str(), "membership_id": m.id}),
        )
        .network(&c.network_id)],
    )
    .await?;
    Ok(m)
}
