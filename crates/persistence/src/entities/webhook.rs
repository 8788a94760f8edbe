use sea_orm::entity::prelude::*;

use crate::stored::Json;

/// A network's webhook subscription (docs/integrations.md). `secret` and
/// `previous_secret` are `whsec_` secrets; the previous one signs too until
/// `previous_secret_expires_at`. `failed_run` counts deliveries in a row
/// that spent all their attempts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub url: String,
    pub description: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub event_types: Json<Vec<String>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub failed_run: i32,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
