use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::minutes::MinutesContent;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "minutes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub meeting_id: String,
    pub community_id: String,
    pub network_id: String,
    pub status: String,
    pub revision: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub content: Json<MinutesContent>,
    pub drafted_by: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub published_revision: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
