//! Sessions logged by a match's participants, end-of-match feedback, and
//! the programme evaluation summary managers read (aggregates only).
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::matching::evaluation::{
    self as rules, EvaluationRefusal, FeedbackSummary, Ratings,
};
use peerhub_domain::matching::lifecycle::MatchStatus;
use peerhub_domain::matching::request::MatchRequestStatus;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};

use crate::Db;
use crate::entities::{match_feedback, match_request, match_session, peer_match};
use crate::error::{Failure, is_unique_violation};
use crate::matching::{self, MatchAccess};
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, new_id};

/// A typed refusal of the domain as a store's failure.
fn refused(r: impl Into<peerhub_domain::Refusal>) -> Failure {
    Failure::from(r.into())
}

/// A session to log.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
}

/// Re-reads the match under a write lock (so a session or feedback cannot
/// race an end) and returns its effective status.
async fn locked_status<C: ConnectionTrait>(
    conn: &C,
    match_id: &str,
) -> Result<(peer_match::Model, MatchStatus), Failure> {
    let m = peer_match::Entity::find_by_id(match_id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(Failure::not_found("match"))?;
    let s = matching::match_status(&m)?;
    Ok((m, s))
}

/// Logs a session: a participant of an active match. 404 for anyone else,
/// 409 `match-not-active` unless the match is active, 422 for a date in
/// the future or before the match became active, or a length outside
/// 1–480 minutes.
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    match_id: &str,
    input: NewSession,
) -> Result<match_session::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = matching::participant_access(&txn, principal, match_id).await?;
    let (m, status) = locked_status(&txn, &a.m.id).await?;
    rules::check_session_status(status).map_err(refused)?;
    rules::check_session(input.held_on, input.duration_minutes, m.activated_at, now)?;
    let s = match_session::ActiveModel {
        id: Set(new_id()),
        match_id: Set(m.id.clone()),
        held_on: Set(input.held_on),
        duration_minutes: Set(input.duration_minutes),
        logged_by: Set(Some(principal.user_id.clone())),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("match_session.created", "match_session", &s.id)
            .network(&a.programme.network_id)
            .changed(vec!["held_on", "duration_minutes"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// A match's sessions in the order they were logged (id order), for its
/// participants and the network's managers.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    match_id: &str,
    page: &PageRequest,
) -> Result<Page<match_session::Model>, Failure> {
    let a: MatchAccess = matching::match_access(conn, principal, match_id).await?;
    let q = match_session::Entity::find().filter(match_session::Column::MatchId.eq(&a.m.id));
    Ok(page::fetch(conn, q, match_session::Column::Id, |s| s.id.clone(), page).await?)
}

/// Records a participant's end-of-match feedback: once per person and
/// match (409 `feedback-exists`), only after the match ended (409
/// `match-not-ended`). The audit entry names the fields, never the values.
pub async fn give_feedback(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    match_id: &str,
    ratings: Ratings,
) -> Result<match_feedback::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = matching::participant_access(&txn, principal, match_id).await?;
    let (m, status) = locked_status(&txn, &a.m.id).await?;
    rules::check_feedback(status, false).map_err(refused)?;
    let exists = || refused(EvaluationRefusal::FeedbackExists);
    let mine = match_feedback::Entity::find()
        .filter(match_feedback::Column::MatchId.eq(&m.id))
        .filter(match_feedback::Column::UserId.eq(&principal.user_id))
        .one(&txn)
        .await?;
    rules::check_feedback(status, mine.is_some()).map_err(refused)?;
    rules::check_ratings(&ratings)?;
    let f = match_feedback::ActiveModel {
        id: Set(new_id()),
        match_id: Set(m.id.clone()),
        programme_id: Set(m.programme_id.clone()),
        user_id: Set(principal.user_id.clone()),
        overall: Set(ratings.overall),
        felt_safe: Set(ratings.felt_safe),
        helpfulness: Set(ratings.helpfulness),
        would_recommend: Set(ratings.would_recommend),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            exists()
        } else {
            e.into()
        }
    })?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("match_feedback.submitted", "match_feedback", &f.id)
            .network(&a.programme.network_id)
            .changed(vec![
                "overall",
                "felt_safe",
                "helpfulness",
                "would_recommend",
            ]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(f)
}

/// Matches of a programme by effective status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchCounts {
    pub proposed: u64,
    pub accepted: u64,
    pub active: u64,
    pub declined: u64,
    pub expired: u64,
    pub ended: u64,
}

impl MatchCounts {
    pub fn total(&self) -> u64 {
        self.proposed + self.accepted + self.active + self.declined + self.expired + self.ended
    }

    fn add(&mut self, s: MatchStatus) {
        let slot = match s {
            MatchStatus::Proposed => &mut self.proposed,
            MatchStatus::Accepted => &mut self.accepted,
            MatchStatus::Active => &mut self.active,
            MatchStatus::Declined => &mut self.declined,
            MatchStatus::Expired => &mut self.expired,
            MatchStatus::Ended => &mut self.ended,
        };
        *slot += 1;
    }
}

/// Everything the evaluation summary shows: aggregates only.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub programme_id: String,
    pub generated_at: DateTime<Utc>,
    pub matches: MatchCounts,
    /// Requests by status (statuses without requests left out).
    pub requests: HashMap<MatchRequestStatus, u64>,
    /// Median days from activation to end over ended matches.
    pub median_match_days: Option<f64>,
    /// Ended matches with both dates (the median's basis).
    pub ended_with_dates: u64,
    pub sessions_total: u64,
    /// Median number of sessions per active or ended match (matches with
    /// none count as 0).
    pub median_sessions_per_match: Option<f64>,
    pub median_session_minutes: Option<f64>,
    pub feedback: FeedbackSummary,
}

/// The evaluation summary of a programme (managers of its network; 403 for
/// members, 404 outside the network).
pub async fn evaluation<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    programme_id: &str,
) -> Result<Evaluation, Failure> {
    let p = matching::programme_access(conn, principal, programme_id, Need::Manager)
        .await?
        .programme;
    let now = Utc::now();
    let matches = peer_match::Entity::find()
        .filter(peer_match::Column::ProgrammeId.eq(&p.id))
        .all(conn)
        .await?;
    let mut counts = MatchCounts::default();
    let mut spans = Vec::new();
    let mut per_match: HashMap<String, i64> = HashMap::new();
    for m in &matches {
        let s = matching::match_status(m)?;
        counts.add(s);
        if s == MatchStatus::Ended
            && let (Some(a), Some(e)) = (m.activated_at, m.ended_at)
        {
            spans.push((a, e));
        }
        if matches!(s, MatchStatus::Active | MatchStatus::Ended) {
            per_match.insert(m.id.clone(), 0);
        }
    }
    let of_programme = Query::select()
        .column(peer_match::Column::Id)
        .from(peer_match::Entity)
        .and_where(peer_match::Column::ProgrammeId.eq(&p.id))
        .to_owned();
    let sessions: Vec<(String, i32)> = match_session::Entity::find()
        .select_only()
        .column(match_session::Column::MatchId)
        .column(match_session::Column::DurationMinutes)
        .filter(match_session::Column::MatchId.in_subquery(of_programme))
        .into_tuple()
        .all(conn)
        .await?;
    let mut minutes = Vec::with_capacity(sessions.len());
    for (match_id, d) in &sessions {
        minutes.push(i64::from(*d));
        if let Some(n) = per_match.get_mut(match_id) {
            *n += 1;
        }
    }
    let per_match: Vec<i64> = per_match.into_values().collect();
    let requests: Vec<(String, i64)> = match_request::Entity::find()
        .select_only()
        .column(match_request::Column::Status)
        .column_as(match_request::Column::Id.count(), "n")
        .filter(match_request::Column::ProgrammeId.eq(&p.id))
        .group_by(match_request::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let feedback: Vec<(i32, i32, i32, bool)> = match_feedback::Entity::find()
        .select_only()
        .column(match_feedback::Column::Overall)
        .column(match_feedback::Column::FeltSafe)
        .column(match_feedback::Column::Helpfulness)
        .column(match_feedback::Column::WouldRecommend)
        .filter(match_feedback::Column::ProgrammeId.eq(&p.id))
        .into_tuple()
        .all(conn)
        .await?;
    let ratings: Vec<Ratings> = feedback
        .into_iter()
        .map(
            |(overall, felt_safe, helpfulness, would_recommend)| Ratings {
                overall,
                felt_safe,
                helpfulness,
                would_recommend,
            },
        )
        .collect();
    let mut by_status = HashMap::new();
    for (s, n) in requests {
        let s: MatchRequestStatus = decode("match_request.status", &s)?;
        *by_status.entry(s).or_insert(0) += n.max(0) as u64;
    }
    Ok(Evaluation {
        programme_id: p.id,
        generated_at: now,
        matches: counts,
        requests: by_status,
        median_match_days: rules::median_days(&spans),
        ended_with_dates: spans.len() as u64,
        sessions_total: sessions.len() as u64,
        median_sessions_per_match: rules::median(&per_match),
        median_session_minutes: rules::median(&minutes),
        feedback: rules::summarise_feedback(&ratings),
    })
}
