use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::meeting::AgendaItem;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub network_id: String,
    pub series_id: Option<String>,
    pub title: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub starts_at_local: String,
    pub timezone: String,
    pub duration_minutes: i32,
    pub mode: String,
    pub location: Option<String>,
    pub join_url: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub agenda: Json<Vec<AgendaItem>>,
    pub status: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub sequence: i32,
    pub version: i32,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
