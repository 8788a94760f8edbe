use sea_orm::entity::prelude::*;

use crate::stored::Json;

/// The post-meeting feedback form of one meeting (docs/governance.md):
/// at most one per meeting (`meeting_id` is unique).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_forms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub community_id: String,
    #[sea_orm(unique)]
    pub meeting_id: String,
    pub author_id: String,
    pub content_summary: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub outputs: Json<Vec<String>>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
