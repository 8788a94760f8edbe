use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::profile::SensitiveAttributes;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub status: String,
    pub is_platform_admin: bool,
    pub job_title: Option<String>,
    pub organisation: Option<String>,
    pub region: Option<String>,
    pub profession: Option<String>,
    pub level: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub registers: Json<Vec<String>>,
    #[sea_orm(column_type = "JsonBinary")]
    pub specialties: Json<Vec<String>>,
    #[sea_orm(column_type = "JsonBinary")]
    pub interests: Json<Vec<String>>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub sensitive: Option<Json<SensitiveAttributes>>,
    pub team: Option<String>,
    pub line_manager_id: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Access tokens issued before this instant are refused (log out
    /// everywhere, password change or reset).
    pub sessions_valid_after: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
