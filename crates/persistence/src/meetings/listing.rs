//! Which meetings a person sees, and listing them.

use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::meeting::MeetingStatus;
use sea_orm::sea_query::{Condition, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::detail::{MeetingWithStanding, with_meeting_standing};
use crate::caller::Who;
use crate::entities::{community_member, meeting, network_member};
use crate::error::Failure;
use crate::page::{Page, PageRequest};

/// Filters for listing meetings.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub community_id: Option<String>,
    pub series_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<MeetingStatus>,
}

/// The communities whose meetings a person sees: those they are a current
/// member of, and every community in networks they manage. `None` means
/// all (a platform admin).
pub async fn visible_scope<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
) -> Result<Option<(Vec<String>, Vec<String>)>, Failure> {
    if principal.is_platform_admin {
        return Ok(None);
    }
    let communities: Vec<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .filter(community_member::Column::UserId.eq(&principal.user_id))
        .filter(community_member::active())
        .into_tuple()
        .all(conn)
        .await?;
    let managed: Vec<String> = network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .filter(network_member::Column::UserId.eq(&principal.user_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Some((communities, managed)))
}

/// The cursor of a meeting in start order: `"<RFC 3339>|<id>"`.
pub fn cursor_of(m: &meeting::Model) -> String {
    format!("{}|{}", m.starts_at.to_rfc3339(), m.id)
}

/// Meetings the caller may see, by start time (then id).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<meeting::Model>, Failure> {
    let mut q = meeting::Entity::find();
    if !principal.is_platform_admin {
        // The scope of `visible_scope`, as subqueries (no round trips).
        let communities = Query::select()
            .column(community_member::Column::CommunityId)
            .from(community_member::Entity)
            .and_where(community_member::Column::UserId.eq(&principal.user_id))
            .and_where(community_member::active())
            .to_owned();
        let managed = Query::select()
            .column(network_member::Column::NetworkId)
            .from(network_member::Entity)
            .and_where(network_member::Column::UserId.eq(&principal.user_id))
            .and_where(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(meeting::Column::CommunityId.in_subquery(communities))
                .add(meeting::Column::NetworkId.in_subquery(managed)),
        );
    }
    if let Some(c) = &f.community_id {
        q = q.filter(meeting::Column::CommunityId.eq(c));
    }
    let items = filtered(q, f, page)?.all(conn).await?;
    Ok(paged(items, page))
}

/// One page of a community's meetings for a caller who may act on it with
/// `need`, in one statement: the page with the caller's account and
/// standing in the community ([`super::detail`]'s join), so the access
/// check, the authentication of a session and the page are one round trip.
/// Every meeting of a community the caller may read is visible to them (a
/// member, a manager of its network or a platform admin), so no further
/// scope applies. An empty page checks the community on its own
/// ([`crate::access::community_standing`]). `f.community_id` is ignored.
pub async fn list_of_community<'a, C: ConnectionTrait>(
    conn: &C,
    who: impl Into<Who<'a>>,
    community_id: &str,
    need: CommunityNeed,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<meeting::Model>, Failure> {
    let who = who.into();
    let q = with_meeting_standing(
        meeting::Entity::find().filter(meeting::Column::CommunityId.eq(community_id)),
        &who,
    );
    let rows: Vec<MeetingWithStanding> = filtered(q, f, page)?.into_model().all(conn).await?;
    let Some(first) = rows.first() else {
        crate::access::community_standing(conn, who, community_id, need, None).await?;
        return Ok(Page {
            items: Vec::new(),
            next_after: None,
        });
    };
    first.standing.clone().standing(&who, need, None)?;
    let items = rows.into_iter().map(|r| r.meeting).collect();
    Ok(paged(items, page))
}

/// The filters, cursor, order and limit (one more than the page, to see
/// whether another follows) of a meeting listing.
fn filtered(
    mut q: Select<meeting::Entity>,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Select<meeting::Entity>, Failure> {
    if let Some(s) = &f.series_id {
        q = q.filter(meeting::Column::SeriesId.eq(s));
    }
    if let Some(t) = f.from {
        q = q.filter(meeting::Column::StartsAt.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(meeting::Column::StartsAt.lt(t));
    }
    if let Some(s) = f.status {
        q = q.filter(meeting::Column::Status.eq(s.as_str()));
    }
    if let Some(after) = &page.after {
        let (at, id) = after
            .split_once('|')
            .and_then(|(at, id)| {
                DateTime::parse_from_rfc3339(at)
                    .ok()
                    .map(|at| (at.with_timezone(&Utc), id.to_owned()))
            })
            .ok_or_else(|| {
                Failure::invalid(
                    "cursor",
                    "invalid_cursor",
                    "is not a cursor this API returned",
                )
            })?;
        q = q.filter(
            Condition::any().add(meeting::Column::StartsAt.gt(at)).add(
                Condition::all()
                    .add(meeting::Column::StartsAt.eq(at))
                    .add(meeting::Column::Id.gt(id)),
            ),
        );
    }
    Ok(q.order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .limit(page.limit + 1))
}

/// A page from up to `page.limit + 1` rows in order.
fn paged(mut items: Vec<meeting::Model>, page: &PageRequest) -> Page<meeting::Model> {
    let next_after = if items.len() as u64 > page.limit {
        items.truncate(page.limit as usize);
        items.last().map(cursor_of)
    } else {
        None
    };
    Page { items, next_after }
}

/// Every meeting of a community, by start (for its calendar).
pub async fn of_community<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<Vec<meeting::Model>, Failure> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::CommunityId.eq(community_id))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?)
}
