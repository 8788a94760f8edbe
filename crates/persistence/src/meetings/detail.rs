//! Reading one meeting with what its page shows, in one statement: the
//! meeting, the caller's standing in its community, invitation, answer and
//! the status of the minutes, with the actions it carries and their
//! owners' names joined to it (one row per carried action).
use std::collections::HashMap;

use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::{ActionStatus, MinutesStatus, RsvpResponse};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, RelationDef,
    Select, Statement,
};

use crate::access::{RawStanding, Standing, with_standing};
use crate::caller::{Who, absent, shape_caller};
use crate::entities::{
    action, community, community_member, meeting, meeting_response, minutes, minutes_revision, user,
};
use crate::error::Failure;
use crate::memo::Memo;
use crate::stored::decode;

/// Prefix of a carried action's columns in the meeting read.
const CARRIED: &str = "a_";

/// A meeting the caller may see, with what its page shows.
#[derive(Debug, Clone)]
pub struct MeetingDetail {
    pub meeting: meeting::Model,
    /// The caller's standing in the meeting's community.
    pub standing: Standing,
    /// People invited: the members whose membership covered the start.
    pub invitee_count: u64,
    /// Whether the caller is one of them.
    pub invited: bool,
    /// The caller's answer, if any.
    pub my_rsvp: Option<RsvpResponse>,
    /// The status of the minutes the caller may see: the working copy's
    /// for the core team and managers, `published` for other members once
    /// a revision is approved.
    pub minutes_status: Option<MinutesStatus>,
    /// The community's open actions from meetings that started before
    /// this one, by due date then id.
    pub carried: Vec<action::Model>,
    /// Display names of the carried actions' owners, by user id.
    pub owner_names: HashMap<String, String>,
}

struct Row {
    meeting: meeting::Model,
    standing: RawStanding,
    invitee_count: i64,
    invited: bool,
    my_rsvp: Option<String>,
    working_status: Option<String>,
    published: bool,
    /// The carried action of this row and its owner's name, if any.
    carried: Option<(action::Model, Option<String>)>,
}

impl FromQueryResult for Row {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            meeting: meeting::Model::from_query_result(res, pre)?,
            standing: RawStanding::from_row(res)?,
            invitee_count: res.try_get("", "invitee_count")?,
            invited: res.try_get("", "invited")?,
            my_rsvp: res.try_get("", "my_rsvp")?,
            working_status: res.try_get("", "working_status")?,
            published: res.try_get("", "published")?,
            carried: carried_of(res)?,
        })
    }
}

/// The carried action of a row of [`detail`]'s statement and its owner's
/// name; `None` on the one row of a meeting that carries none.
fn carried_of(res: &QueryResult) -> Result<Option<(action::Model, Option<String>)>, DbErr> {
    if res.try_get::<Option<String>>(CARRIED, "id")?.is_none() {
        return Ok(None);
    }
    Ok(Some((
        action::Model::from_query_result(res, CARRIED)?,
        res.try_get("", "owner_name")?,
    )))
}

/// `community_members` rows of the meeting's community whose membership
/// covered its start (the invitees; see the module docs of `meetings`).
fn invitees() -> SelectStatement {
    let cm = community_member::Entity;
    Query::select()
        .from(cm)
        .and_where(
            Expr::col((cm, community_member::Column::CommunityId))
                .equals((meeting::Entity, meeting::Column::CommunityId)),
        )
        .and_where(
            Expr::col((cm, community_member::Column::JoinedAt))
                .lte(Expr::col((meeting::Entity, meeting::Column::StartsAt))),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((cm, community_member::Column::EndedAt)).is_null())
                .add(
                    Expr::col((cm, community_member::Column::EndedAt))
                        .gt(Expr::col((meeting::Entity, meeting::Column::StartsAt))),
                ),
        )
        .to_owned()
}

/// A meeting of [`calendar_of`] or [`super::list_of_community`], with the
/// caller's standing in its community ([`with_standing`]). The
/// community's own columns are not joined: the standing is all these
/// reads decide on, and every column a statement carries through its joins
/// costs the database on each execution (docs/performance.md).
pub(super) struct MeetingWithStanding {
    pub(super) meeting: meeting::Model,
    pub(super) standing: RawStanding,
}

impl FromQueryResult for MeetingWithStanding {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            meeting: meeting::Model::from_query_result(res, pre)?,
            standing: RawStanding::from_row(res)?,
        })
    }
}

/// Meetings with the caller's account and standing in their community.
pub(super) fn with_meeting_standing(
    select: Select<meeting::Entity>,
    who: &Who<'_>,
) -> Select<meeting::Entity> {
    with_standing(
        select,
        who,
        meeting::Column::NetworkId,
        meeting::Column::CommunityId,
    )
}

/// A community the caller may act on with `need`, its name, and every one
/// of its meetings by start (its calendar), in one statement: the meetings
/// with the community's name and the caller's account and standing. A
/// community without meetings is checked on its own
/// ([`crate::access::community_access`]).
pub async fn calendar_of<'a, C: ConnectionTrait>(
    conn: &C,
    who: impl Into<Who<'a>>,
    community_id: &str,
    need: CommunityNeed,
) -> Result<(String, Vec<meeting::Model>), Failure> {
    struct Named(MeetingWithStanding, String);
    impl FromQueryResult for Named {
        fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
            Ok(Self(
                MeetingWithStanding::from_query_result(res, pre)?,
                res.try_get("", COMMUNITY_NAME)?,
            ))
        }
    }
    let who = who.into();
    let stmt = CALENDAR.statement(
        conn.get_database_backend(),
        [who.user_id(), community_id],
        calendar_statement,
    );
    let rows = Named::find_by_statement(stmt).all(conn).await?;
    let Some(Named(first, name)) = rows.first() else {
        let access = crate::access::community_access(conn, who, community_id, need, None).await?;
        return Ok((access.community.name, Vec::new()));
    };
    first.standing.clone().standing(&who, need, None)?;
    let name = name.clone();
    Ok((
        name,
        rows.into_iter().map(|Named(r, _)| r.meeting).collect(),
    ))
}

/// The alias of the community's name in [`calendar_of`]'s statement.
const COMMUNITY_NAME: &str = "community_name";

static CALENDAR: Memo = Memo::new();

/// [`calendar_of`]'s statement: the community's meetings by start with the
/// community's name, the caller's account and standing.
fn calendar_statement(backend: DbBackend, [user_id, community_id]: [&str; 2]) -> Statement {
    let principal = shape_caller(user_id);
    let of_community: RelationDef = meeting::Entity::belongs_to(community::Entity)
        .from(meeting::Column::CommunityId)
        .to(community::Column::Id)
        .into();
    with_meeting_standing(
        meeting::Entity::find()
            .filter(meeting::Column::CommunityId.eq(community_id))
            .join(JoinType::InnerJoin, of_community)
            .expr_as(
                Expr::col((community::Entity, community::Column::Name)),
                COMMUNITY_NAME,
            ),
        &Who::Principal(&principal),
    )
    .order_by_asc(meeting::Column::StartsAt)
    .order_by_asc(meeting::Column::Id)
    .build(backend)
}

/// Loads a meeting and checks the caller's standing in its community
/// (`need`), with the invitation, the caller's answer, the minutes' status
/// and the actions it carries with their owners' names, in one statement.
/// A meeting of a community the caller cannot see answers 404 naming the
/// meeting.
pub async fn detail<'a, C: ConnectionTrait>(
    conn: &C,
    who: impl Into<Who<'a>>,
    id: &str,
    need: CommunityNeed,
) -> Result<MeetingDetail, Failure> {
    let who = who.into();
    let stmt = DETAIL.statement(
        conn.get_database_backend(),
        [who.user_id(), id],
        detail_statement,
    );
    let rows = conn.query_all_raw(stmt).await?;
    let Some((first, more)) = rows.split_first() else {
        return Err(absent(conn, &who, "meeting").await);
    };
    // The meeting and its summaries repeat on every row: decoded once.
    let mut row = Row::from_query_result(first, "")?;
    let mut carried = Vec::new();
    let mut owner_names = HashMap::new();
    let later = more.iter().map(carried_of).collect::<Result<Vec<_>, _>>()?;
    for (a, name) in row
        .carried
        .take()
        .into_iter()
        .chain(later.into_iter().flatten())
    {
        if let Some(n) = name {
            owner_names.insert(a.owner_id.clone(), n);
        }
        carried.push(a);
    }
    let standing = row
        .standing
        .standing(&who, need, None)
        .map_err(|e| match e {
            e if e.is_not_found() => Failure::not_found("meeting"),
            e => e,
        })?;
    let my_rsvp = row
        .my_rsvp
        .map(|r| decode::<RsvpResponse>("meeting_response.rsvp", &r))
        .transpose()?;
    let minutes_status = if standing.role.is_some_and(|r| r.is_core()) {
        row.working_status
            .map(|s| decode::<MinutesStatus>("minutes.status", &s))
            .transpose()?
    } else {
        row.published.then_some(MinutesStatus::Published)
    };
    Ok(MeetingDetail {
        meeting: row.meeting,
        standing,
        invitee_count: u64::try_from(row.invitee_count).unwrap_or(0),
        invited: row.invited,
        my_rsvp,
        minutes_status,
        carried,
        owner_names,
    })
}

static DETAIL: Memo = Memo::new();

/// [`detail`]'s statement. The meeting with the caller's account and
/// standing in its community ([`with_standing`]; the community's own row
/// is not needed), and the invitation, answer and minutes
/// subqueries is one derived row (`d`; its `LIMIT` keeps both databases
/// from flattening it, so the subqueries run once); the community's open
/// actions of meetings that started earlier are left-joined to it with
/// their owners' names, their columns prefixed [`CARRIED`].
fn detail_statement(backend: DbBackend, [user_id, id]: [&str; 2]) -> Statement {
    let principal = shape_caller(user_id);
    let uid = user_id.to_owned();
    let select = with_meeting_standing(
        meeting::Entity::find_by_id(id.to_owned()),
        &Who::Principal(&principal),
    );
    let count = invitees()
        .expr(Expr::cust("COUNT(DISTINCT community_members.user_id)"))
        .to_owned();
    let mine = invitees()
        .expr(Expr::cust("1"))
        .and_where(
            Expr::col((community_member::Entity, community_member::Column::UserId)).eq(uid.clone()),
        )
        .to_owned();
    let rsvp = Query::select()
        .column(meeting_response::Column::Rsvp)
        .from(meeting_response::Entity)
        .and_where(
            Expr::col((
                meeting_response::Entity,
                meeting_response::Column::MeetingId,
            ))
            .equals((meeting::Entity, meeting::Column::Id)),
        )
        .and_where(
            Expr::col((meeting_response::Entity, meeting_response::Column::UserId)).eq(uid.clone()),
        )
        .limit(1)
        .to_owned();
    let working = Query::select()
        .column(minutes::Column::Status)
        .from(minutes::Entity)
        .and_where(
            Expr::col((minutes::Entity, minutes::Column::MeetingId))
                .equals((meeting::Entity, meeting::Column::Id)),
        )
        .limit(1)
        .to_owned();
    let published = Query::select()
        .expr(Expr::cust("1"))
        .from(minutes_revision::Entity)
        .and_where(
            Expr::col((
                minutes_revision::Entity,
                minutes_revision::Column::MeetingId,
            ))
            .equals((meeting::Entity, meeting::Column::Id)),
        )
        .to_owned();
    let row = select
        .expr_as(Expr::from(count), "invitee_count")
        .expr_as(Expr::exists(mine), "invited")
        .expr_as(Expr::from(rsvp), "my_rsvp")
        .expr_as(Expr::from(working), "working_status")
        .expr_as(Expr::exists(published), "published")
        .limit(1)
        .into_query();

    let d = Alias::new("d");
    let earlier_alias = Alias::new("earlier");
    let owner = Alias::new("owner");
    let earlier = Query::select()
        .column((earlier_alias.clone(), meeting::Column::Id))
        .from_as(meeting::Entity, earlier_alias.clone())
        .and_where(
            Expr::col((earlier_alias.clone(), meeting::Column::CommunityId))
                .equals((d.clone(), meeting::Column::CommunityId)),
        )
        .and_where(
            Expr::col((earlier_alias.clone(), meeting::Column::StartsAt))
                .lt(Expr::col((d.clone(), meeting::Column::StartsAt))),
        )
        .to_owned();
    let mut outer = Query::select();
    outer
        .column((d.clone(), Asterisk))
        .from_subquery(row, d.clone())
        .join(
            JoinType::LeftJoin,
            action::Entity,
            Condition::all()
                .add(
                    Expr::col((action::Entity, action::Column::CommunityId))
                        .equals((d.clone(), meeting::Column::CommunityId)),
                )
                .add(
                    Expr::col((action::Entity, action::Column::Status))
                        .eq(ActionStatus::Open.as_str()),
                )
                .add(Expr::col((action::Entity, action::Column::MeetingId)).in_subquery(earlier)),
        )
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            owner.clone(),
            Expr::col((owner.clone(), user::Column::Id))
                .equals((action::Entity, action::Column::OwnerId)),
        )
        .expr_as(
            Expr::col((owner, user::Column::DisplayName)),
            Alias::new("owner_name"),
        );
    for col in action::Column::iter() {
        outer.expr_as(
            Expr::col((action::Entity, col)),
            Alias::new(format!("{CARRIED}{}", col.as_str())),
        );
    }
    outer
        .order_by((action::Entity, action::Column::DueOn), Order::Asc)
        .order_by((action::Entity, action::Column::Id), Order::Asc);
    backend.build(&outer)
}
