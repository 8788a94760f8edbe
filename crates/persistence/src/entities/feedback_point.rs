use sea_orm::entity::prelude::*;

/// One advise / assure / alert point of a feedback form, in its position.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_points")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub form_id: String,
    pub network_id: String,
    pub community_id: String,
    pub meeting_id: String,
    pub position: i32,
    pub kind: String,
    pub nature: String,
    pub text: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
