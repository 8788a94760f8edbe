use sea_orm::entity::prelude::*;

/// One step in the history of an escalation: who moved it from which
/// status to which, when, with what note (the first step has no `from`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_transitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub escalation_id: String,
    pub network_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub routed_to: Option<String>,
    pub note: Option<String>,
    pub actor_id: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
