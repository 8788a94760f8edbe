use sea_orm::entity::prelude::*;

use crate::stored::Json;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub email: String,
    pub role: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub community_ids: Json<Vec<String>>,
    pub token_hash: String,
    pub status: String,
    pub expires_at: DateTimeUtc,
    pub created_by: String,
    pub accepted_user_id: Option<String>,
    pub accepted_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
