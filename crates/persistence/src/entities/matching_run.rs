use sea_orm::entity::prelude::*;

use crate::matching::RunResult;
use crate::stored::Json;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matching_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub programme_id: String,
    pub dry_run: bool,
    pub requests: i32,
    pub supporters: i32,
    pub pairs: i32,
    pub unmatched: i32,
    pub total_score: i64,
    pub duration_micros: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub result: Json<RunResult>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
