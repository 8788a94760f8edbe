use sea_orm::entity::prelude::*;

/// A bulletin sent for one network and period (docs/governance.md, "The
/// bulletin"); unique per network and period, so a second send is a replay.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulletin_sends")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub period_from: Date,
    pub period_to: Date,
    pub recipients: i32,
    pub sent_by: Option<String>,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
