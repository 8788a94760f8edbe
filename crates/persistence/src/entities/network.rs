use sea_orm::entity::prelude::*;

use crate::stored::Json;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "networks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub description: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub allowed_email_domains: Json<Vec<String>>,
    pub require_register_to_propose: Option<String>,
    /// Days after which an open escalation is overdue (docs/governance.md).
    pub escalation_overdue_days: i32,
    /// Retention in days (docs/operations.md, "Retention"): private match
    /// notes after their match closed, closed matches before they are
    /// anonymised, and the network's audit entries.
    pub private_note_retention_days: i32,
    pub closed_match_retention_days: i32,
    pub audit_retention_days: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
