//! Community rosters: who is in a community (for people and integrations),
//! core-team roles, and each person's own memberships.
use chrono::{DateTime, Utc};
use peerhub_domain::community::{CommunityRole, MembershipStatus};
use peerhub_domain::membership::{self, RoleState};
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    IntoActiveModel, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef,
};
use serde_json::json;

use crate::Db;
use crate::communities::current_terms;
use crate::entities::{community, community_member, user};
use crate::error::Failure;
use crate::memberships::active_of;
use crate::page::{Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// Rows fetched per query when exporting a whole roster.
pub const EXPORT_CHUNK: u64 = 500;

pub use peerhub_domain::membership::DEFAULT_MAX_SECRETARIES;

/// Which memberships of a community to list.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    pub role: Option<CommunityRole>,
    /// Only memberships changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
    /// Also memberships that ended (`left`, `removed`), so a sync can
    /// delete them; otherwise only active ones.
    pub include_departed: bool,
}

/// One membership with the directory details of its person (and nothing
/// else of the account: no password hash or private profile data is read).
#[derive(Debug, Clone, FromQueryResult)]
pub struct RosterEntry {
    pub membership_id: String,
    pub user_id: String,
    /// A [`CommunityRole`] code (see [`RosterEntry::role`]).
    pub role: String,
    /// A [`MembershipStatus`] code (see [`RosterEntry::status`]).
    pub status: String,
    pub joined_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub display_name: String,
    pub email: String,
    pub profession: Option<String>,
    pub level: Option<String>,
    pub organisation: Option<String>,
    pub region: Option<String>,
}

impl RosterEntry {
    /// The stored role, decoded.
    pub fn role(&self) -> Result<CommunityRole, Failure> {
        crate::stored::decode("community_member.role", &self.role)
    }

    /// The stored status, decoded.
    pub fn status(&self) -> Result<MembershipStatus, Failure> {
        crate::stored::decode("community_member.status", &self.status)
    }

    fn from_models(m: community_member::Model, u: user::Model) -> Self {
        Self {
            membership_id: m.id,
            user_id: m.user_id,
            role: m.role,
            status: m.status,
            joined_at: m.joined_at,
            ended_at: m.ended_at,
            updated_at: m.updated_at,
            version: m.version,
            display_name: u.display_name,
            email: u.email,
            profession: u.profession,
            level: u.level,
            organisation: u.organisation,
            region: u.region,
        }
    }
}

/// Cuts `limit + 1` rows fetched in keyset order down to a page of at most
/// `limit`, with the id to continue after when there is more.
fn keyset_page<T>(mut rows: Vec<T>, limit: u64, id_of: impl Fn(&T) -> String) -> Page<T> {
    let next_after = if rows.len() as u64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(id_of)
    } else {
        None
    };
    Page {
        items: rows,
        next_after,
    }
}

/// One page of a community's memberships, oldest first (keyset on the
/// membership id). A person who left and rejoined appears once per
/// membership.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    f: &RosterFilter,
    page: &PageRequest,
) -> Result<Page<RosterEntry>, Failure> {
    let mut q = community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id));
    if !f.include_departed {
        q = q.filter(community_member::active());
    }
    if let Some(r) = f.role {
        q = q.filter(community_member::Column::Role.eq(r.as_str()));
    }
    if let Some(t) = f.updated_since {
        q = q.filter(community_member::Column::UpdatedAt.gte(t));
    }
    if let Some(after) = &page.after {
        q = q.filter(community_member::Column::Id.gt(after.clone()));
    }
    // One query with a join rather than a second `IN (…)` lookup of the
    // users: on PostgreSQL a statement carrying hundreds of ids costs tens
    // of milliseconds more per round trip.
    let with_user: RelationDef = community_member::Entity::belongs_to(user::Entity)
        .from(community_member::Column::UserId)
        .to(user::Column::Id)
        .into();
    let rows = q
        .join(JoinType::InnerJoin, with_user)
        .select_only()
        .column_as(community_member::Column::Id, "membership_id")
        .columns([
            community_member::Column::UserId,
            community_member::Column::Role,
            community_member::Column::Status,
            community_member::Column::JoinedAt,
            community_member::Column::EndedAt,
            community_member::Column::UpdatedAt,
            community_member::Column::Version,
        ])
        .columns([
            user::Column::DisplayName,
            user::Column::Email,
            user::Column::Profession,
            user::Column::Level,
            user::Column::Organisation,
            user::Column::Region,
        ])
        .order_by_asc(community_member::Column::Id)
        .limit(page.limit + 1)
        .into_model::<RosterEntry>()
        .all(conn)
        .await?;
    Ok(keyset_page(rows, page.limit, |e| e.membership_id.clone()))
}

/// Active secretaries of a community.
async fn secretary_count<C: ConnectionTrait>(conn: &C, community_id: &str) -> Result<u64, Failure> {
    Ok(community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::active())
        .filter(community_member::Column::Role.eq(CommunityRole::Secretary.as_str()))
        .count(conn)
        .await?)
}

/// Gives an active member a core-team role (or takes it back). Several
/// co-chairs are fine; secretaries are limited by the current approved
/// Terms of Reference (one without). The community row is locked while
/// the limit is checked, so concurrent changes cannot both pass it.
pub async fn set_role(
    db: &Db,
    ctx: &Ctx,
    community_id: &str,
    user_id: &str,
    role: CommunityRole,
    if_match: Option<i32>,
) -> Result<RosterEntry, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = community::Entity::find_by_id(community_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("community"))?;
    let m = active_of(&txn, community_id, user_id)
        .await?
        .ok_or(Failure::not_found("community member"))?;
    peerhub_domain::Refusal::check_version(if_match, m.version)?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("community member"))?;
    let state = RoleState {
        community: crate::communities::status_of(&c)?,
        current: decode("community_member.role", &m.role)?,
        secretaries: secretary_count(&txn, community_id).await?,
        max_secretaries: current_terms(&txn, community_id)
            .await?
            .map(|t| t.max_secretaries),
    };
    let Some(role) = membership::change_role(state, role)? else {
        return Ok(RosterEntry::from_models(m, u));
    };
    let previous = m.role.clone();
    let mut am = m.into_active_model();
    am.role = Set(role.as_str().to_owned());
    let m = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("membership.role_changed", "community_member", &m.id)
            .network(&c.network_id)
            .changed(vec!["role"]),
        vec![
            Message::event(
                EventType::MembershipRoleChanged,
                "community",
                &c.id,
                json!({
                    "community_id": c.id,
                    "network_id": c.network_id,
                    "user_id": user_id,
                    "membership_id": m.id,
                    "role": role.as_str(),
                    "previous_role": previous,
                }),
            )
            .network(&c.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(RosterEntry::from_models(m, u))
}

/// A person's active membership with its community.
#[derive(Debug, Clone)]
pub struct MyMembership {
    pub membership: community_member::Model,
    pub community: community::Model,
}

/// The caller's active memberships, oldest first.
pub async fn of_user(
    db: &Db,
    user_id: &str,
    page: &PageRequest,
) -> Result<Page<MyMembership>, Failure> {
    let rel: RelationDef = community_member::Entity::belongs_to(community::Entity)
        .from(community_member::Column::CommunityId)
        .to(community::Column::Id)
        .into();
    let mut q = community_member::Entity::find()
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::active());
    if let Some(after) = &page.after {
        q = q.filter(community_member::Column::Id.gt(after.clone()));
    }
    let rows = q
        .join(JoinType::InnerJoin, rel)
        .select_also(community::Entity)
        .order_by_asc(community_member::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let p = keyset_page(rows, page.limit, |(m, _)| m.id.clone());
    Ok(Page {
        items: p
            .items
            .into_iter()
            .filter_map(|(membership, community)| {
                Some(MyMembership {
                    membership,
                    community: community?,
                })
            })
            .collect(),
        next_after: p.next_after,
    })
}
