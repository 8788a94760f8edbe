use sea_orm::entity::prelude::*;

use crate::stored::Json;
use peerhub_domain::matching::score::{Constraints, Weights};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programmes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub weights: Json<Weights>,
    #[sea_orm(column_type = "JsonBinary")]
    pub constraints: Json<Constraints>,
    pub proposal_days: i32,
    pub safeguarding_lead_id: Option<String>,
    pub version: i32,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
