use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub occurred_at: DateTimeUtc,
    pub actor_id: Option<String>,
    pub network_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub changed_fields: String,
    pub request_id: Option<String>,
    /// The client address, for unauthenticated events (failed logins).
    pub client_address: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
