//! Requests to be matched: made and withdrawn by members, listed for
//! managers. How a request follows its match is the domain's rule
//! ([`peerhub_domain::matching::request`]).
use std::collections::HashMap;

use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::matching::request::{
    self, MAX_AVAILABILITY, MatchRequestStatus, RequestRefusal,
};
use peerhub_domain::matching::score::Preferences;
use peerhub_domain::validation::{Violations, bounded_text};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};

use super::access::{authorise_programme, authorise_within, match_status};
use super::matches::close_pending;
use super::shared::{lock_programme, open_statuses, refused, to_json};
use crate::Db;
use crate::db::begin_write;
use crate::entities::{match_request, peer_match, programme};
use crate::error::Failure;
use crate::load::find_or_404;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, new_id};

/// A request's stored status.
pub fn request_status_of(r: &match_request::Model) -> Result<MatchRequestStatus, Failure> {
    decode("match_request.status", &r.status)
}

/// What a request takes.
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    pub preferences: Preferences,
    pub availability: Option<String>,
}

/// A request's stored preferences; ones that do not read back (say, an
/// unknown meeting mode) are an error, never taken as none.
pub fn preferences_of(r: &match_request::Model) -> Result<Preferences, Failure> {
    r.preferences.decode("match_requests.preferences", &r.id)
}

/// Someone asks to be matched in a programme (one open request per person
/// per programme); no caller to check: the demo data.
pub async fn create_request(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    user_id: &str,
    input: NewRequest,
) -> Result<match_request::Model, Failure> {
    let txn = begin_write(db).await?;
    let r = create_in(&txn, ctx, p, user_id, input).await?;
    txn.commit().await?;
    Ok(r)
}

/// The caller asks to be matched in a programme. One transaction loads
/// the programme, checks the caller's standing (`need`) against it, checks
/// the request, and writes it.
pub async fn create_request_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    programme_id: &str,
    need: Need,
    input: NewRequest,
) -> Result<match_request::Model, Failure> {
    let txn = begin_write(db).await?;
    let p = find_or_404::<programme::Entity, _>(&txn, programme_id, "programme").await?;
    let p = authorise_programme(&txn, principal, p, need)
        .await?
        .programme;
    let r = create_in(&txn, ctx, &p, &principal.user_id, input).await?;
    txn.commit().await?;
    Ok(r)
}

async fn create_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    user_id: &str,
    input: NewRequest,
) -> Result<match_request::Model, Failure> {
    let mut v = Violations::new();
    let preferences = match input.preferences.check() {
        Ok(p) => Some(p),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    let availability = input
        .availability
        .as_deref()
        .and_then(|a| v.check("availability", bounded_text(a, 0, MAX_AVAILABILITY)))
        .filter(|a| !a.is_empty());
    v.clone().into_result()?;
    let Some(preferences) = preferences else {
        return Err(Failure::violations(v));
    };
    let now = Utc::now();
    let open = match_request::Entity::find()
        .filter(match_request::Column::ProgrammeId.eq(&p.id))
        .filter(match_request::Column::OpenUserId.eq(user_id))
        .one(txn)
        .await?;
    if open.is_some() {
        return Err(refused(RequestRefusal::AlreadyRequested));
    }
    let r = match_request::ActiveModel {
        id: Set(new_id()),
        programme_id: Set(p.id.clone()),
        user_id: Set(user_id.to_owned()),
        preferences: Set(to_json(&preferences)?),
        availability: Set(availability),
        status: Set(MatchRequestStatus::Waiting.as_str().into()),
        open_user_id: Set(Some(user_id.to_owned())),
        withdrawn_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            refused(RequestRefusal::AlreadyRequested)
        } else {
            e.into()
        }
    })?;
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("match_request.created", "match_request", &r.id).network(&p.network_id),
        vec![],
    )
    .await?;
    Ok(r)
}

/// Loads a request.
pub async fn find_request<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<match_request::Model, Failure> {
    crate::load::find_or_404::<match_request::Entity, _>(conn, id, "match request").await
}

/// A programme's requests (everyone's for a manager, `only_user`'s
/// otherwise), oldest first, optionally of one status.
pub async fn list_requests(
    db: &Db,
    programme_id: &str,
    only_user: Option<&str>,
    status: Option<MatchRequestStatus>,
    page: &PageRequest,
) -> Result<Page<match_request::Model>, Failure> {
    let mut q =
        match_request::Entity::find().filter(match_request::Column::ProgrammeId.eq(programme_id));
    if let Some(u) = only_user {
        q = q.filter(match_request::Column::UserId.eq(u));
    }
    if let Some(s) = status {
        q = q.filter(match_request::Column::Status.eq(s.as_str()));
    }
    Ok(page::fetch(db, q, match_request::Column::Id, |r| r.id.clone(), page).await?)
}

/// Requests by id (for views of many matches at once).
pub async fn requests_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, match_request::Model>, Failure> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(match_request::Entity::find()
        .filter(match_request::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect())
}

/// Withdraws a request for a caller: its owner, or a manager of the
/// programme's network (anyone else gets 404 `match request`). A request in
/// a pending proposal declines the proposal on its owner's behalf; one in
/// an active match is refused (end the match instead). One transaction
/// locks the programme, checks the caller against it and the locked
/// request, and writes.
pub async fn withdraw_request_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    request_id: &str,
) -> Result<(), Failure> {
    let hidden = || Failure::not_found("match request");
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let programme_id = find_request(&txn, request_id).await?.programme_id;
    let p = lock_programme(&txn, &programme_id)
        .await
        .map_err(|e| if e.is_not_found() { hidden() } else { e })?;
    let a = authorise_within(&txn, principal, p, Need::Member, "match request").await?;
    let r = match_request::Entity::find_by_id(request_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(hidden)?;
    if !a.manager && r.user_id != principal.user_id {
        return Err(hidden());
    }
    let p = a.programme;
    let status = request_status_of(&r)?;
    let open_match = if status == MatchRequestStatus::Matched {
        open_match_of_request(&txn, &r.id).await?
    } else {
        None
    };
    let open_status = open_match.as_ref().map(match_status).transpose()?;
    let closing = request::withdraw(status, open_status).map_err(refused)?;
    if let (Some(to), Some(m)) = (closing, open_match) {
        close_pending(&txn, ctx, &p, m, to, &r.user_id, now).await?;
    }
    let r = match_request::Entity::find_by_id(r.id.clone())
        .one(&txn)
        .await?
        .ok_or_else(hidden)?;
    let mut am = r.into_active_model();
    am.status = Set(MatchRequestStatus::Withdrawn.as_str().into());
    am.open_user_id = Set(None);
    am.withdrawn_at = Set(Some(now));
    am.updated_at = Set(now);
    let r = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("match_request.withdrawn", "match_request", &r.id)
            .network(&p.network_id)
            .changed(vec!["status"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The open match a request is in, if any.
async fn open_match_of_request<C: ConnectionTrait>(
    conn: &C,
    request_id: &str,
) -> Result<Option<peer_match::Model>, Failure> {
    Ok(peer_match::Entity::find()
        .filter(
            peer_match::Column::RequestAId
                .eq(request_id)
                .or(peer_match::Column::RequestBId.eq(request_id)),
        )
        .filter(peer_match::Column::Status.is_in(open_statuses()))
        .lock_exclusive()
        .one(conn)
        .await?)
}
