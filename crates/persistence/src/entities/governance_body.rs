use sea_orm::entity::prelude::*;

/// One governance body of a network, named by its key. Every row of a
/// network carries the list's version (`list_version`); removed bodies keep
/// their row so that version never goes back.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "governance_bodies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub network_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub position: i32,
    pub name: String,
    pub contact_email: Option<String>,
    pub retired: bool,
    pub removed: bool,
    pub list_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
