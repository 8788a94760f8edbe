use sea_orm::entity::prelude::*;

/// An escalation raised from one feedback point (`feedback_point_id` is
/// unique), routed to a governance body of the network by its key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub community_id: String,
    pub meeting_id: String,
    #[sea_orm(unique)]
    pub feedback_point_id: String,
    pub kind: String,
    pub nature: String,
    pub status: String,
    pub routed_to: Option<String>,
    pub raised_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
