//! A person's export of everything held about them.
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect};

use super::matching_export::{MatchingExport, matching_export};
use crate::Db;
use crate::entities::{
    action, api_token, audit_event, invitation, meeting_response, network_member, user,
};
use crate::error::Failure;
use crate::load;

/// Everything held about one person.
pub struct Export {
    pub user: user::Model,
    pub memberships: Vec<network_member::Model>,
    pub api_tokens: Vec<api_token::Model>,
    pub invitations_received: Vec<invitation::Model>,
    pub invitations_sent: Vec<invitation::Model>,
    pub audit_events: Vec<audit_event::Model>,
    /// My RSVPs and recorded attendance.
    pub meeting_responses: Vec<meeting_response::Model>,
    /// Actions I own.
    pub actions: Vec<action::Model>,
    /// My matching data (requests, matches, sessions, my own notes,
    /// feedback, concerns raised, complaints made), ready to serialise.
    pub matching: MatchingExport,
}

pub async fn export(db: &Db, user_id: &str) -> Result<Export, Failure> {
    let user = load::find_or_404::<user::Entity, _>(db, user_id, "user").await?;
    let memberships = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .order_by_asc(network_member::Column::Id)
        .all(db)
        .await?;
    let api_tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?;
    let invitations_received = invitation::Entity::find()
        .filter(invitation::Column::Email.eq(&user.email))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let invitations_sent = invitation::Entity::find()
        .filter(invitation::Column::CreatedBy.eq(user_id))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let audit_events = audit_event::Entity::find()
        .filter(
            audit_event::Column::ActorId
                .eq(user_id)
                .or(audit_event::Column::EntityId.eq(user_id)),
        )
        .order_by_asc(audit_event::Column::Id)
        .limit(10_000)
        .all(db)
        .await?;
    let meeting_responses = meeting_response::Entity::find()
        .filter(meeting_response::Column::UserId.eq(user_id))
        .order_by_asc(meeting_response::Column::Id)
        .all(db)
        .await?;
    let actions = action::Entity::find()
        .filter(action::Column::OwnerId.eq(user_id))
        .order_by_asc(action::Column::Id)
        .all(db)
        .await?;
    let matching = matching_export(db, user_id).await?;
    Ok(Export {
        matching,
        user,
        memberships,
        api_tokens,
        invitations_received,
        invitations_sent,
        audit_events,
        meeting_responses,
        actions,
    })
}
