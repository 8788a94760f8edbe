//! Loads what the access policy needs and applies it
//! ([`peerhub_domain::access`]). Handlers call these; nothing else checks
//! roles.
use peerhub_domain::access::{
    AccessRefusal, CommunityNeed, Decision, Need, Principal, decide, decide_community, decide_self,
};
use peerhub_domain::account::{ApiTokenScope, NetworkRole};
use peerhub_domain::community::{CommunityRole, TermsStatus};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, RelationDef, Select, Statement,
};

use crate::caller::{RawCaller, Who, absent, shape_caller, with_caller};
use crate::entities::{community, community_member, network, network_member, terms_version};
use crate::error::Failure;
use crate::memo::Memo;

fn apply(d: Decision, what: &'static str) -> Result<(), Failure> {
    Ok(d.into_result(what)?)
}

/// The caller's role in a network, if any.
pub async fn role_in<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    network_id: &str,
) -> Result<Option<NetworkRole>, Failure> {
    let m = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(user_id))
        .one(conn)
        .await?;
    // A stored role that does not decode is a 500, never "not a member"
    // (which would hide the network) nor a guessed role.
    m.map(|m| crate::stored::decode("network_member.role", &m.role))
        .transpose()
}

/// Checks the caller may act on `network_id` with `need`; answers 404 for a
/// network that does not exist or that the caller is not in.
pub async fn network<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
    need: Need,
    accepts: Option<ApiTokenScope>,
) -> Result<network::Model, Failure> {
    Ok(network_access(conn, principal, network_id, need, accepts)
        .await?
        .0)
}

/// Like [`network`], also returning the caller's role in the network.
pub async fn network_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
    need: Need,
    accepts: Option<ApiTokenScope>,
) -> Result<(network::Model, Option<NetworkRole>), Failure> {
    struct Row(network::Model, Option<String>);
    impl FromQueryResult for Row {
        fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
            Ok(Self(
                network::Model::from_query_result(res, pre)?,
                res.try_get("", "network_role")?,
            ))
        }
    }
    // One statement: the network with the caller's membership joined
    // (unique per network and person, so at most one row).
    let nm = Alias::new(MY_NETWORK_MEMBERSHIP);
    let uid = principal.user_id.clone();
    let mine: RelationDef = network::Entity::belongs_to(network_member::Entity)
        .from(network::Column::Id)
        .to(network_member::Column::NetworkId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, network_member::Column::UserId)).eq(uid.clone()))
        })
        .into();
    let Row(net, role) = network::Entity::find_by_id(network_id.to_owned())
        .join_as(JoinType::LeftJoin, mine, nm.clone())
        .expr_as(
            Expr::col((nm, network_member::Column::Role)),
            "network_role",
        )
        .into_model::<Row>()
        .one(conn)
        .await?
        .ok_or(Failure::not_found("network"))?;
    // A stored role that does not decode is a 500, never "not a member".
    let role: Option<NetworkRole> = role
        .map(|r| crate::stored::decode("network_member.role", &r))
        .transpose()?;
    apply(decide(principal, role, need, accepts), "network")?;
    Ok((net, role))
}

/// Checks the caller may act on their own account.
pub fn own_account(principal: &Principal, accepts: Option<ApiTokenScope>) -> Result<(), Failure> {
    apply(decide_self(principal, accepts), "account")
}

/// Checks the caller is a platform admin (people only).
pub fn platform_admin(principal: &Principal) -> Result<(), Failure> {
    if principal.is_token() {
        return apply(Decision::MissingScope, "account");
    }
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(Failure::Refused(AccessRefusal::NotPlatformAdmin.into()))
    }
}

/// The caller's active role in a community, if any.
pub async fn community_role_of<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    community_id: &str,
) -> Result<Option<CommunityRole>, Failure> {
    let m = community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::active())
        .one(conn)
        .await?;
    m.map(|m| crate::stored::decode("community_member.role", &m.role))
        .transpose()
}

/// Checks the caller may act on a community with `need`; answers 404 for a
/// community that does not exist or whose network the caller is not in.
pub async fn community<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    community_id: &str,
    need: CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Result<community::Model, Failure> {
    Ok(
        community_access(conn, principal, community_id, need, accepts)
            .await?
            .community,
    )
}

/// A community the caller may act on, with the caller's standing in it.
#[derive(Debug, Clone)]
pub struct CommunityAccess {
    pub community: community::Model,
    /// The caller's active role in the community, if a member (left out,
    /// `None`, when the need is `NetworkMember` or `Manager`, which do not
    /// depend on it).
    pub role: Option<CommunityRole>,
    /// A manager of the community's network, or a platform admin.
    pub is_manager: bool,
    /// Who the read acted for (for a session, authenticated by the read).
    pub principal: Principal,
}

/// The aliases under which [`with_standing`] joins the caller's network
/// and community memberships (so correlated subqueries on the same tables
/// stay unambiguous).
const MY_NETWORK_MEMBERSHIP: &str = "my_nm";
const MY_COMMUNITY_MEMBERSHIP: &str = "my_cm";

/// Joins the caller's account ([`with_caller`]), network membership
/// (`network_role`) and active community membership (`community_role`) to
/// a select whose `network_id` and `community_id` columns are
/// `network_col` and `community_col`: one statement authenticates a
/// session, loads a resource and the caller's standing in its community.
/// Both joins find at most one row (unique indexes on network members and
/// on active community members).
pub(crate) fn with_standing<E: EntityTrait>(
    select: Select<E>,
    who: &Who<'_>,
    network_col: E::Column,
    community_col: E::Column,
) -> Select<E> {
    let user_id = who.user_id();
    let (nm, cm) = (
        Alias::new(MY_NETWORK_MEMBERSHIP),
        Alias::new(MY_COMMUNITY_MEMBERSHIP),
    );
    let uid = user_id.to_owned();
    let network: RelationDef = E::belongs_to(network_member::Entity)
        .from(network_col)
        .to(network_member::Column::NetworkId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, network_member::Column::UserId)).eq(uid.clone()))
        })
        .into();
    let uid = user_id.to_owned();
    let membership: RelationDef = E::belongs_to(community_member::Entity)
        .from(community_col)
        .to(community_member::Column::CommunityId)
        .on_condition(move |_, right| {
            Condition::all()
                .add(Expr::col((right.clone(), community_member::Column::UserId)).eq(uid.clone()))
                .add(community_member::active_in(right))
        })
        .into();
    with_caller(select, who)
        .join_as(JoinType::LeftJoin, network, nm.clone())
        .join_as(JoinType::LeftJoin, membership, cm.clone())
        .expr_as(
            Expr::col((nm, network_member::Column::Role)),
            "network_role",
        )
        .expr_as(
            Expr::col((cm, community_member::Column::Role)),
            "community_role",
        )
}

/// The stored roles [`with_standing`] selected, undecoded.
#[derive(Debug, Clone)]
pub(crate) struct RawStanding {
    caller: RawCaller,
    network_role: Option<String>,
    community_role: Option<String>,
}

impl RawStanding {
    pub(crate) fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            caller: RawCaller::from_row(res)?,
            network_role: res.try_get("", "network_role")?,
            community_role: res.try_get("", "community_role")?,
        })
    }

    /// Authenticates a session caller (401 first), decodes the roles and
    /// applies the policy for `need`. A stored role that does not decode
    /// is an error (never "not a member", nor a guessed role); the
    /// community role is decoded only when `need` depends on it.
    pub(crate) fn decide(
        self,
        who: &Who<'_>,
        community: community::Model,
        need: CommunityNeed,
        accepts: Option<ApiTokenScope>,
    ) -> Result<CommunityAccess, Failure> {
        let Standing {
            role,
            is_manager,
            principal,
        } = self.standing(who, need, accepts)?;
        Ok(CommunityAccess {
            community,
            role,
            is_manager,
            principal,
        })
    }

    /// [`RawStanding::decide`] for a read that does not need the
    /// community's row (the caller's standing is all it decides on).
    pub(crate) fn standing(
        self,
        who: &Who<'_>,
        need: CommunityNeed,
        accepts: Option<ApiTokenScope>,
    ) -> Result<Standing, Failure> {
        let principal = self.caller.principal(who)?;
        let network_role: Option<NetworkRole> = self
            .network_role
            .map(|r| crate::stored::decode("network_member.role", &r))
            .transpose()?;
        let community_role: Option<CommunityRole> =
            if matches!(need, CommunityNeed::NetworkMember | CommunityNeed::Manager) {
                None
            } else {
                self.community_role
                    .map(|r| crate::stored::decode("community_member.role", &r))
                    .transpose()?
            };
        apply(
            decide_community(&principal, network_role, community_role, need, accepts),
            "community",
        )?;
        Ok(Standing {
            role: community_role,
            is_manager: principal.is_platform_admin || network_role == Some(NetworkRole::Manager),
            principal,
        })
    }
}

/// The caller's standing in a community, decided: [`CommunityAccess`]
/// without the community's row.
#[derive(Debug, Clone)]
pub struct Standing {
    /// As [`CommunityAccess::role`].
    pub role: Option<CommunityRole>,
    /// As [`CommunityAccess::is_manager`].
    pub is_manager: bool,
    /// As [`CommunityAccess::principal`].
    pub principal: Principal,
}

/// A community row with the caller's standing in it.
struct CommunityRow {
    community: community::Model,
    standing: RawStanding,
}

impl FromQueryResult for CommunityRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            community: community::Model::from_query_result(res, pre)?,
            standing: RawStanding::from_row(res)?,
        })
    }
}

/// Like [`community`], also returning the caller's role and whether they
/// manage the network. One statement: the community with the caller's
/// network and community memberships joined.
pub async fn community_access<'a, C: ConnectionTrait>(
    conn: &C,
    who: impl Into<Who<'a>>,
    community_id: &str,
    need: CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Result<CommunityAccess, Failure> {
    let who = who.into();
    let row: CommunityRow = community_row(
        conn,
        &who,
        community_id,
        &COMMUNITY_ACCESS,
        community_access_statement,
    )
    .await?;
    row.standing.decide(&who, row.community, need, accepts)
}

static COMMUNITY_ACCESS: Memo = Memo::new();

/// The one row a memoised statement about a community (built from the
/// caller's user id and the community's id) returns for the caller, or,
/// when there is none, the caller's 401 (revoked session) or the
/// community's 404.
async fn community_row<R: FromQueryResult, C: ConnectionTrait>(
    conn: &C,
    who: &Who<'_>,
    community_id: &str,
    memo: &Memo,
    build: fn(DbBackend, [&str; 2]) -> Statement,
) -> Result<R, Failure> {
    let stmt = memo.statement(
        conn.get_database_backend(),
        [who.user_id(), community_id],
        build,
    );
    match R::find_by_statement(stmt).one(conn).await? {
        Some(row) => Ok(row),
        None => Err(absent(conn, who, "community").await),
    }
}

/// [`community_access`]'s statement: the community with the caller's
/// account and standing ([`with_standing`]).
fn community_access_statement(backend: DbBackend, [user_id, community_id]: [&str; 2]) -> Statement {
    community_with_standing(user_id, community_id)
        .limit(1)
        .build(backend)
}

/// The caller's standing in a community, for a handler that needs no
/// more of the community than its id: [`community_access`] without the
/// community's columns, which every statement would otherwise carry
/// through its joins (docs/performance.md).
pub async fn community_standing<'a, C: ConnectionTrait>(
    conn: &C,
    who: impl Into<Who<'a>>,
    community_id: &str,
    need: CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Result<Standing, Failure> {
    struct StandingRow(RawStanding);
    impl FromQueryResult for StandingRow {
        fn from_query_result(res: &QueryResult, _: &str) -> Result<Self, DbErr> {
            RawStanding::from_row(res).map(Self)
        }
    }
    let who = who.into();
    let StandingRow(row) = community_row(
        conn,
        &who,
        community_id,
        &COMMUNITY_STANDING,
        community_standing_statement,
    )
    .await?;
    row.standing(&who, need, accepts)
}

static COMMUNITY_STANDING: Memo = Memo::new();

/// [`community_standing`]'s statement: the community's id with the
/// caller's account and standing.
fn community_standing_statement(
    backend: DbBackend,
    [user_id, community_id]: [&str; 2],
) -> Statement {
    let id_only = community::Entity::find_by_id(community_id.to_owned())
        .select_only()
        .column(community::Column::Id);
    with_standing_of(user_id, id_only).limit(1).build(backend)
}

/// A community by id with the account and standing of the person
/// `user_id` ([`with_standing`]), for a memoised statement.
fn community_with_standing(user_id: &str, community_id: &str) -> Select<community::Entity> {
    with_standing_of(
        user_id,
        community::Entity::find_by_id(community_id.to_owned()),
    )
}

/// `select` (of communities) with the account and standing of the person
/// `user_id` ([`with_standing`]), for a memoised statement.
fn with_standing_of(user_id: &str, select: Select<community::Entity>) -> Select<community::Entity> {
    with_standing(
        select,
        &Who::Principal(&shape_caller(user_id)),
        community::Column::NetworkId,
        community::Column::Id,
    )
}

/// A community the caller may read, with its member count and whether it
/// has approved Terms of Reference (what its view shows).
#[derive(Debug, Clone)]
pub struct CommunitySummary {
    pub access: CommunityAccess,
    /// Active members.
    pub member_count: u64,
    pub has_approved_terms: bool,
}

struct SummaryRow {
    row: CommunityRow,
    member_count: i64,
    has_approved_terms: bool,
}

impl FromQueryResult for SummaryRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: CommunityRow::from_query_result(res, pre)?,
            member_count: res.try_get("", "member_count")?,
            has_approved_terms: res.try_get("", "has_approved_terms")?,
        })
    }
}

/// Adds `member_count` (active members) and `has_approved_terms` of the
/// community in `community_col` to a select, as correlated subqueries.
pub(crate) fn with_summary<E: EntityTrait>(
    select: Select<E>,
    community_col: E::Column,
) -> Select<E> {
    let members = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(community_member::Entity)
        .and_where(
            Expr::col((
                community_member::Entity,
                community_member::Column::CommunityId,
            ))
            .equals((E::default(), community_col)),
        )
        .and_where(community_member::active())
        .to_owned();
    let terms = Query::select()
        .expr(Expr::cust("1"))
        .from(terms_version::Entity)
        .and_where(
            Expr::col((terms_version::Entity, terms_version::Column::CommunityId))
                .equals((E::default(), community_col)),
        )
        .and_where(
            Expr::col((terms_version::Entity, terms_version::Column::Status))
                .eq(TermsStatus::Approved.as_str()),
        )
        .to_owned();
    select
        .expr_as(Expr::from(members), "member_count")
        .expr_as(Expr::exists(terms), "has_approved_terms")
}

/// Like [`community_access`], with what the community's view shows, in
/// the same one statement.
pub async fn community_summary<'a, C: ConnectionTrait>(
    conn: &C,
    who: impl Into<Who<'a>>,
    community_id: &str,
    need: CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Result<CommunitySummary, Failure> {
    let who = who.into();
    let row: SummaryRow = community_row(
        conn,
        &who,
        community_id,
        &COMMUNITY_SUMMARY,
        community_summary_statement,
    )
    .await?;
    Ok(CommunitySummary {
        access: row
            .row
            .standing
            .decide(&who, row.row.community, need, accepts)?,
        member_count: u64::try_from(row.member_count).unwrap_or(0),
        has_approved_terms: row.has_approved_terms,
    })
}

static COMMUNITY_SUMMARY: Memo = Memo::new();

/// [`community_summary`]'s statement: [`community_access_statement`] with
/// the summary's subqueries ([`with_summary`]).
fn community_summary_statement(
    backend: DbBackend,
    [user_id, community_id]: [&str; 2],
) -> Statement {
    with_summary(
        community_with_standing(user_id, community_id),
        community::Column::Id,
    )
    .limit(1)
    .build(backend)
}

/// Ids of the networks a person belongs to (for filtering lists).
pub async fn network_ids_of<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<String>, Failure> {
    Ok(network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .filter(network_member::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The same as a subquery (`network_id IN (…)` without a round trip).
pub fn network_ids_query(user_id: &str) -> SelectStatement {
    Query::select()
        .column(network_member::Column::NetworkId)
        .from(network_member::Entity)
        .and_where(Expr::col(network_member::Column::UserId).eq(user_id))
        .to_owned()
}

/// A person's network memberships with their networks, in network id
/// order, in one statement. A stored role that does not decode is an error.
pub async fn networks_of<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<(network::Model, NetworkRole)>, Failure> {
    struct Row(network::Model, String);
    impl FromQueryResult for Row {
        fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
            Ok(Self(
                network::Model::from_query_result(res, pre)?,
                res.try_get("", "my_role")?,
            ))
        }
    }
    let mine: RelationDef = network::Entity::belongs_to(network_member::Entity)
        .from(network::Column::Id)
        .to(network_member::Column::NetworkId)
        .into();
    let rows = network::Entity::find()
        .join(JoinType::InnerJoin, mine)
        .expr_as(
            Expr::col((network_member::Entity, network_member::Column::Role)),
            "my_role",
        )
        .filter(network_member::Column::UserId.eq(user_id))
        .order_by_asc(network::Column::Id)
        .into_model::<Row>()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|Row(n, role)| Ok((n, crate::stored::decode("network_member.role", &role)?)))
        .collect()
}
