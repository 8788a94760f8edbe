use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "communities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub name: String,
    pub focus: String,
    pub audience: String,
    pub organised_around: String,
    pub kind: String,
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence_every: i32,
    pub cadence_unit: String,
    pub duration_minutes: i32,
    pub delivery_mode: String,
    pub status: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();
