use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::minutes::MinutesContent;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "minutes_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub meeting_id: String,
    pub revision: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub content: Json<MinutesContent>,
    pub submitted_by: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
