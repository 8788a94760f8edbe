//! Who is calling, and authentication folded into a read.
//!
//! A person's access token is verified without the database (signature,
//! issuer, audience, lifetime); whether the account still accepts it
//! (`peerhub_domain::auth::session_admits`: active, and not cut off by
//! "log out everywhere" or a password change after the token was issued)
//! needs the account row. A read that knows its caller only by such a claim
//! ([`Who::Session`]) joins that row into its own statement
//! ([`with_caller`]) and checks it before the access policy, so the
//! request costs one statement instead of two. When the resource is not
//! there, [`absent`] reads the account alone, so an invalid token still
//! gets 401 before anyone learns what exists (docs/performance.md).
use peerhub_domain::access::Principal;
use peerhub_domain::account::NetworkRole;
use peerhub_domain::account::UserStatus;
use peerhub_domain::auth::{AuthRefusal, SessionClaim, session_admits};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, RelationDef,
    Select, Statement,
};

use crate::entities::{network, network_member, user};
use crate::error::Failure;
use crate::memo::Memo;
use crate::stored::decode;

/// The caller of a read.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// Authenticated already (an API token, or a session checked on its own).
    Principal(&'a Principal),
    /// A verified access token whose account is checked in the read itself.
    Session(&'a SessionClaim),
}

impl<'a> From<&'a Principal> for Who<'a> {
    fn from(p: &'a Principal) -> Self {
        Who::Principal(p)
    }
}

impl<'a> From<&'a SessionClaim> for Who<'a> {
    fn from(c: &'a SessionClaim) -> Self {
        Who::Session(c)
    }
}

impl Who<'_> {
    pub fn user_id(&self) -> &str {
        match self {
            Who::Principal(p) => &p.user_id,
            Who::Session(c) => &c.user_id,
        }
    }
}

/// The alias under which [`with_caller`] joins the caller's account.
const CALLER: &str = "caller";

/// Left-joins the account of `who` to a select (one row at most: by
/// primary key), with its status, cut-off and admin flag as `caller_*`
/// columns for [`RawCaller`]. Joined for every caller, so one query text
/// serves both kinds; for [`Who::Principal`] the columns are not used.
///
/// The SQL depends on `who` only through its user id's value, never its
/// kind, so a statement built around it can be memoised ([`crate::memo`],
/// [`shape_caller`]).
pub(crate) fn with_caller<E: EntityTrait>(mut select: Select<E>, who: &Who<'_>) -> Select<E> {
    let alias = Alias::new(CALLER);
    QueryTrait::query(&mut select).join_as(
        JoinType::LeftJoin,
        user::Entity,
        alias.clone(),
        Expr::col((alias.clone(), user::Column::Id)).eq(who.user_id().to_owned()),
    );
    select
        .expr_as(
            Expr::col((alias.clone(), user::Column::Status)),
            "caller_status",
        )
        .expr_as(
            Expr::col((alias.clone(), user::Column::SessionsValidAfter)),
            "caller_sessions_valid_after",
        )
        .expr_as(
            Expr::col((alias, user::Column::IsPlatformAdmin)),
            "caller_is_platform_admin",
        )
}

/// A stand-in caller for building a memoised statement's shape
/// ([`crate::memo`]): [`with_caller`] and `access::with_standing` use only
/// the user id, so the shape serves a session and an API token alike.
pub(crate) fn shape_caller(user_id: &str) -> Principal {
    Principal {
        user_id: user_id.to_owned(),
        is_platform_admin: false,
        token_scopes: None,
    }
}

/// The caller's account columns [`with_caller`] selected, undecoded.
#[derive(Debug, Clone)]
pub(crate) struct RawCaller {
    status: Option<String>,
    sessions_valid_after: Option<sea_orm::prelude::DateTimeUtc>,
    is_platform_admin: Option<bool>,
}

impl RawCaller {
    pub(crate) fn from_row(res: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            status: res.try_get("", "caller_status")?,
            sessions_valid_after: res.try_get("", "caller_sessions_valid_after")?,
            is_platform_admin: res.try_get("", "caller_is_platform_admin")?,
        })
    }

    /// The principal the read acts for: `who` itself when already
    /// authenticated; for a session, the account joined in, if it still
    /// admits the token (401 `invalid-token` if not, or if there is no
    /// such account). A stored status that does not decode is an error.
    pub(crate) fn principal(self, who: &Who<'_>) -> Result<Principal, Failure> {
        match who {
            Who::Principal(p) => Ok((*p).clone()),
            Who::Session(claim) => {
                let (Some(status), Some(is_platform_admin)) = (self.status, self.is_platform_admin)
                else {
                    return Err(invalid_token());
                };
                let status: UserStatus = decode("users.status", &status)?;
                admitted(claim, status, self.sessions_valid_after, is_platform_admin)
            }
        }
    }
}

/// The principal of a session whose account row says `status`,
/// `sessions_valid_after` and `is_platform_admin`, if that account still
/// admits the token (401 `invalid-token` if not).
fn admitted(
    claim: &SessionClaim,
    status: UserStatus,
    sessions_valid_after: Option<sea_orm::prelude::DateTimeUtc>,
    is_platform_admin: bool,
) -> Result<Principal, Failure> {
    session_admits(
        status,
        sessions_valid_after.map(|t| t.timestamp_millis()),
        claim.issued_at_ms,
    )
    .map_err(|r| Failure::from(peerhub_domain::Refusal::from(r)))?;
    Ok(Principal {
        user_id: claim.user_id.clone(),
        is_platform_admin,
        token_scopes: None,
    })
}

/// [`admitted`] for a whole account row (its status logged with the row
/// when it does not decode).
fn admitted_row(claim: &SessionClaim, u: &user::Model) -> Result<Principal, Failure> {
    admitted(
        claim,
        crate::accounts::user_status_of(u)?,
        u.sessions_valid_after,
        u.is_platform_admin,
    )
}

fn invalid_token() -> Failure {
    peerhub_domain::Refusal::from(AuthRefusal::InvalidToken).into()
}

/// Checks a session on its own: the account row, if it admits the token
/// (401 `invalid-token` otherwise, including when there is no such
/// account). What authentication does before a handler that does not fold
/// it, and what [`absent`] does when the resource is not there.
pub async fn session_account<C: ConnectionTrait>(
    conn: &C,
    claim: &SessionClaim,
) -> Result<Principal, Failure> {
    let u = user::Entity::find_by_id(claim.user_id.clone())
        .one(conn)
        .await?
        .ok_or_else(invalid_token)?;
    admitted_row(claim, &u)
}

/// For a read that found nothing to check the account on: a session's
/// account read on its own (401 if it does not admit the token).
pub(crate) async fn confirm<C: ConnectionTrait>(conn: &C, who: &Who<'_>) -> Result<(), Failure> {
    if let Who::Session(claim) = who {
        session_account(conn, claim).await?;
    }
    Ok(())
}

/// The refusal for a read whose resource (`what`) is not there: 404, but
/// 401 first when `who` is a session its account no longer admits.
pub(crate) async fn absent<C: ConnectionTrait>(
    conn: &C,
    who: &Who<'_>,
    what: &'static str,
) -> Failure {
    match confirm(conn, who).await {
        Err(e) => e,
        Ok(()) => Failure::not_found(what),
    }
}

/// The condition "the caller joined by [`with_caller`] is a platform
/// admin".
pub(crate) fn caller_is_platform_admin() -> sea_orm::sea_query::SimpleExpr {
    Expr::col((Alias::new(CALLER), user::Column::IsPlatformAdmin)).eq(true)
}

/// Prefix of the network columns in [`own_account`]'s rows.
const NETWORK: &str = "n_";

/// One row of [`own_account`]: the account, and one of its networks with
/// the role in it (none when the account is in no network).
struct OwnRow {
    user: user::Model,
    network: Option<(network::Model, String)>,
}

impl FromQueryResult for OwnRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let role: Option<String> = res.try_get("", "my_role")?;
        Ok(Self {
            user: user::Model::from_query_result(res, pre)?,
            network: match role {
                Some(role) => Some((network::Model::from_query_result(res, NETWORK)?, role)),
                None => None,
            },
        })
    }
}

/// The caller's own account with their networks and roles (by network id),
/// in one statement: the account left-joined with its network
/// memberships. For a session, the account must admit the token (401
/// `invalid-token` otherwise). A stored status or role that does not
/// decode is an error.
pub async fn own_account<C: ConnectionTrait>(
    conn: &C,
    who: Who<'_>,
) -> Result<(Principal, user::Model, Vec<(network::Model, NetworkRole)>), Failure> {
    let stmt = OWN_ACCOUNT.statement(
        conn.get_database_backend(),
        [who.user_id()],
        own_account_statement,
    );
    let rows = OwnRow::find_by_statement(stmt).all(conn).await?;
    let Some(first) = rows.first() else {
        return Err(match who {
            Who::Session(_) => invalid_token(),
            Who::Principal(_) => Failure::not_found("user"),
        });
    };
    let u = first.user.clone();
    let principal = match who {
        Who::Principal(p) => p.clone(),
        Who::Session(claim) => admitted_row(claim, &u)?,
    };
    let networks = rows
        .into_iter()
        .filter_map(|r| r.network)
        .map(|(n, role)| Ok((n, decode::<NetworkRole>("network_member.role", &role)?)))
        .collect::<Result<_, Failure>>()?;
    Ok((principal, u, networks))
}

static OWN_ACCOUNT: Memo = Memo::new();

/// [`own_account`]'s statement: the account left-joined with its network
/// memberships and their networks, by network id.
fn own_account_statement(backend: DbBackend, [user_id]: [&str; 1]) -> Statement {
    let memberships: RelationDef = user::Entity::belongs_to(network_member::Entity)
        .from(user::Column::Id)
        .to(network_member::Column::UserId)
        .into();
    let of_network: RelationDef = network_member::Entity::belongs_to(network::Entity)
        .from(network_member::Column::NetworkId)
        .to(network::Column::Id)
        .into();
    let mut select = user::Entity::find()
        .filter(user::Column::Id.eq(user_id))
        .join(JoinType::LeftJoin, memberships)
        .join(JoinType::LeftJoin, of_network)
        .expr_as(
            Expr::col((network_member::Entity, network_member::Column::Role)),
            "my_role",
        );
    for col in network::Column::iter() {
        select = select.expr_as(
            Expr::col((network::Entity, col)),
            format!("{NETWORK}{}", col.as_str()),
        );
    }
    select.order_by_asc(network::Column::Id).build(backend)
}
