use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::matching::score::Preferences;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "match_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub programme_id: String,
    pub user_id: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub preferences: Json<Preferences>,
    pub availability: Option<String>,
    pub status: String,
    pub open_user_id: Option<String>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
