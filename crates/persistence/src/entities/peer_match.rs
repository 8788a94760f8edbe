use sea_orm::entity::prelude::*;

use crate::matching::StoredReason;
use crate::stored::Json;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub programme_id: String,
    pub run_id: Option<String>,
    pub request_a_id: String,
    pub request_b_id: Option<String>,
    pub supporter_id: Option<String>,
    pub user_a_id: String,
    pub user_b_id: String,
    pub score: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub reasons: Json<Vec<StoredReason>>,
    pub status: String,
    pub accepted_a_at: Option<DateTimeUtc>,
    pub accepted_b_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
    pub activated_at: Option<DateTimeUtc>,
    pub declined_by: Option<String>,
    pub declined_at: Option<DateTimeUtc>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTimeUtc>,
    pub end_reason: Option<String>,
    pub created_by: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
