use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::eligibility::Check;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub network_id: String,
    pub user_id: String,
    pub statement: Option<String>,
    pub status: String,
    pub verdict: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub checks: Json<Vec<Check>>,
    pub terms_number: i32,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_reason: Option<String>,
    pub override_reason: Option<String>,
    pub offer_expires_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
