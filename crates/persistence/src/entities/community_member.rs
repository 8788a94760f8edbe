use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "community_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub network_id: String,
    pub user_id: String,
    pub role: String,
    pub status: String,
    pub application_id: Option<String>,
    pub joined_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();

/// `status = 'active'`, with the status written into the SQL rather than
/// bound. SQLite re-plans a statement at every execution when a bound value
/// decides whether a partial index applies, and `ux_community_members_active`
/// is partial on exactly this condition: bound, it cost each read that
/// joins or filters memberships a re-plan (about 25 µs).
pub fn active() -> sea_orm::sea_query::Expr {
    active_in(Entity)
}

/// [`active`] for the table under `alias` (a join of community members).
pub fn active_in<T: sea_orm::sea_query::IntoIden>(table: T) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col((table, Column::Status)).eq(Expr::Constant(
        peerhub_domain::community::MembershipStatus::Active
            .as_str()
            .into(),
    ))
}
