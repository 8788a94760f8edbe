use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::eligibility::EligibilityRules;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "terms_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub number: i32,
    pub status: String,
    pub purpose: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub aims: Json<Vec<String>>,
    #[sea_orm(column_type = "JsonBinary")]
    pub eligibility: Json<EligibilityRules>,
    pub meeting_arrangements: String,
    pub chairing_arrangements: String,
    pub notes_arrangements: String,
    pub max_secretaries: i32,
    pub drafted_by: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub review_due: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
