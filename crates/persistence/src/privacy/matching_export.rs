//! The matching part of a person's export: their requests, matches,
//! sessions, own notes, feedback, concerns raised and complaints made.
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{
    complaint, match_feedback, match_note, match_request, match_session, peer_match, programme,
    programme_supporter, safeguarding_concern,
};
use crate::error::Failure;

/// One of my match requests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestRecord {
    pub id: String,
    pub programme_id: String,
    pub programme_name: Option<String>,
    /// The preferences as I gave them (sensitive ones included: they are
    /// mine).
    pub preferences: serde_json::Value,
    pub availability: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A match I am (or was) in. The other person's private reasons (their
/// sensitive preferences) are left out, and so are their points; the end
/// reason only when I gave it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MatchRecord {
    pub id: String,
    pub programme_id: String,
    pub programme_name: Option<String>,
    /// The other participant's user id.
    pub with_user_id: String,
    pub status: String,
    /// The points of the reasons shown here.
    pub score: i64,
    pub reasons: Vec<crate::matching::StoredReason>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When I accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    pub activated_at: Option<DateTime<Utc>>,
    pub declined_by: Option<String>,
    pub declined_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    /// My private reason for ending it, if I ended it and gave one.
    pub end_reason: Option<String>,
}

/// A session logged on one of my matches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionRecord {
    pub id: String,
    pub match_id: String,
    pub held_on: chrono::NaiveDate,
    pub duration_minutes: i32,
    pub logged_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One of my private notes, in full.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoteRecord {
    pub id: String,
    pub match_id: String,
    pub body: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// My end-of-match feedback.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedbackRecord {
    pub id: String,
    pub match_id: String,
    pub programme_id: String,
    pub overall: i32,
    pub felt_safe: i32,
    pub helpfulness: i32,
    pub would_recommend: bool,
    pub created_at: DateTime<Utc>,
}

/// A safeguarding concern I raised.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConcernRecord {
    pub id: String,
    pub match_id: String,
    pub programme_id: String,
    pub category: String,
    pub summary: String,
    pub lead_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A complaint I made (its status; the managers' outcome note is theirs).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComplaintRecord {
    pub id: String,
    pub network_id: String,
    pub match_id: Option<String>,
    pub subject_user_id: Option<String>,
    pub summary: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// My registration as a supporter in a programme.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SupporterRecord {
    pub id: String,
    pub programme_id: String,
    pub capacity: i32,
    pub trained_on: Option<chrono::NaiveDate>,
    pub supervisor_id: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Everything matching holds about me. Never anyone else's notes, nor
/// the private reasons (sensitive preferences) of the other participant.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MatchingExport {
    pub requests: Vec<RequestRecord>,
    pub supporter_roles: Vec<SupporterRecord>,
    pub matches: Vec<MatchRecord>,
    pub sessions: Vec<SessionRecord>,
    pub notes: Vec<NoteRecord>,
    pub feedback: Vec<FeedbackRecord>,
    pub concerns_raised: Vec<ConcernRecord>,
    pub complaints_made: Vec<ComplaintRecord>,
}

pub(super) async fn matching_export<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<MatchingExport, Failure> {
    use crate::matching::{match_status, visible_reasons};
    let requests = match_request::Entity::find()
        .filter(match_request::Column::UserId.eq(user_id))
        .order_by_asc(match_request::Column::Id)
        .all(conn)
        .await?;
    let supporters = programme_supporter::Entity::find()
        .filter(programme_supporter::Column::UserId.eq(user_id))
        .order_by_asc(programme_supporter::Column::Id)
        .all(conn)
        .await?;
    let matches = peer_match::Entity::find()
        .filter(
            peer_match::Column::UserAId
                .eq(user_id)
                .or(peer_match::Column::UserBId.eq(user_id)),
        )
        .order_by_asc(peer_match::Column::Id)
        .all(conn)
        .await?;
    let match_ids: Vec<String> = matches.iter().map(|m| m.id.clone()).collect();
    let sessions = if match_ids.is_empty() {
        Vec::new()
    } else {
        match_session::Entity::find()
            .filter(match_session::Column::MatchId.is_in(match_ids))
            .order_by_asc(match_session::Column::Id)
            .all(conn)
            .await?
    };
    let notes = match_note::Entity::find()
        .filter(match_note::Column::AuthorId.eq(user_id))
        .order_by_asc(match_note::Column::Id)
        .all(conn)
        .await?;
    let feedback = match_feedback::Entity::find()
        .filter(match_feedback::Column::UserId.eq(user_id))
        .order_by_asc(match_feedback::Column::Id)
        .all(conn)
        .await?;
    let concerns = safeguarding_concern::Entity::find()
        .filter(safeguarding_concern::Column::RaisedBy.eq(user_id))
        .order_by_asc(safeguarding_concern::Column::Id)
        .all(conn)
        .await?;
    let complaints = complaint::Entity::find()
        .filter(complaint::Column::ComplainantId.eq(user_id))
        .order_by_asc(complaint::Column::Id)
        .all(conn)
        .await?;
    let mut programme_ids: Vec<String> = requests
        .iter()
        .map(|r| r.programme_id.clone())
        .chain(matches.iter().map(|m| m.programme_id.clone()))
        .collect();
    programme_ids.sort();
    programme_ids.dedup();
    let names: std::collections::HashMap<String, String> = if programme_ids.is_empty() {
        Default::default()
    } else {
        programme::Entity::find()
            .select_only()
            .column(programme::Column::Id)
            .column(programme::Column::Name)
            .filter(programme::Column::Id.is_in(programme_ids))
            .into_tuple::<(String, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    // Stored values that do not decode fail the export (a logged 500),
    // never an export with them left out.
    for r in &requests {
        crate::matching::preferences_of(r)?;
    }
    let stored_reasons = matches
        .iter()
        .map(crate::matching::match_reasons)
        .collect::<Result<Vec<_>, Failure>>()?;
    let statuses = matches
        .iter()
        .map(match_status)
        .collect::<Result<Vec<_>, Failure>>()?;
    Ok(MatchingExport {
        requests: requests
            .into_iter()
            .map(|r| RequestRecord {
                programme_name: names.get(&r.programme_id).cloned(),
                preferences: r
                    .preferences
                    .raw()
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
                id: r.id,
                programme_id: r.programme_id,
                availability: r.availability,
                status: r.status,
                created_at: r.created_at,
                withdrawn_at: r.withdrawn_at,
            })
            .collect(),
        supporter_roles: supporters
            .into_iter()
            .map(|s| SupporterRecord {
                id: s.id,
                programme_id: s.programme_id,
                capacity: s.capacity,
                trained_on: s.trained_on,
                supervisor_id: s.supervisor_id,
                status: s.status,
                created_at: s.created_at,
            })
            .collect(),
        matches: matches
            .into_iter()
            .zip(stored_reasons.into_iter().zip(statuses))
            .map(|(m, (stored, status))| {
                let (score, reasons) = visible_reasons(&stored, Some(user_id));
                let side_a = m.user_a_id == user_id;
                MatchRecord {
                    programme_name: names.get(&m.programme_id).cloned(),
                    status: status.as_str().to_owned(),
                    with_user_id: if side_a {
                        m.user_b_id.clone()
                    } else {
                        m.user_a_id.clone()
                    },
                    accepted_at: if side_a {
                        m.accepted_a_at
                    } else {
                        m.accepted_b_at
                    },
                    end_reason: m
                        .end_reason
                        .clone()
                        .filter(|_| m.ended_by.as_deref() == Some(user_id)),
                    id: m.id,
                    programme_id: m.programme_id,
                    score,
                    reasons,
                    created_at: m.created_at,
                    expires_at: m.expires_at,
                    activated_at: m.activated_at,
                    declined_by: m.declined_by,
                    declined_at: m.declined_at,
                    ended_by: m.ended_by,
                    ended_at: m.ended_at,
                }
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionRecord {
                id: s.id,
                match_id: s.match_id,
                held_on: s.held_on,
                duration_minutes: s.duration_minutes,
                logged_by: s.logged_by,
                created_at: s.created_at,
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|n| NoteRecord {
                id: n.id,
                match_id: n.match_id,
                body: n.body,
                version: n.version,
                created_at: n.created_at,
                updated_at: n.updated_at,
            })
            .collect(),
        feedback: feedback
            .into_iter()
            .map(|f| FeedbackRecord {
                id: f.id,
                match_id: f.match_id,
                programme_id: f.programme_id,
                overall: f.overall,
                felt_safe: f.felt_safe,
                helpfulness: f.helpfulness,
                would_recommend: f.would_recommend,
                created_at: f.created_at,
            })
            .collect(),
        concerns_raised: concerns
            .into_iter()
            .map(|c| ConcernRecord {
                id: c.id,
                match_id: c.match_id,
                programme_id: c.programme_id,
                category: c.category,
                summary: c.summary,
                lead_id: c.lead_id,
                created_at: c.created_at,
            })
            .collect(),
        complaints_made: complaints
            .into_iter()
            .map(|c| ComplaintRecord {
                id: c.id,
                network_id: c.network_id,
                match_id: c.match_id,
                subject_user_id: c.subject_user_id,
                summary: c.summary,
                status: c.status,
                created_at: c.created_at,
                closed_at: c.closed_at,
            })
            .collect(),
    })
}
