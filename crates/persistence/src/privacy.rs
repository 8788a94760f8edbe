//! Data protection: a person's export of everything held about them, and
//! erasure (pseudonymisation) at their request.
use chrono::{DateTime, Utc};
use peerhub_domain::account::{NetworkRole, UserStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use crate::Db;
use crate::entities::{
    action, api_token, audit_event, calendar_feed, complaint, email_verification, invitation,
    match_feedback, match_note, match_request, match_session, meeting_response, network,
    network_member, peer_match, programme, programme_supporter, refresh_token,
    safeguarding_concern, user,
};
use crate::error::StoreError;
use crate::secrets::{hash_password, random_token};
use crate::trail::{self, Audit, Ctx};

/// Everything held about one person.
pub struct Export {
    pub user: user::Model,
    pub memberships: Vec<network_member::Model>,
    pub api_tokens: Vec<api_token::Model>,
    pub invitations_received: Vec<invitation::Model>,
    pub invitations_sent: Vec<invitation::Model>,
    pub audit_events: Vec<audit_event::Model>,
    /// My RSVPs and recorded attendance.
    pub meeting_responses: Vec<meeting_response::Model>,
    /// Actions I own.
    pub actions: Vec<action::Model>,
    /// My matching data (requests, matches, sessions, my own notes,
    /// feedback, concerns raised, complaints made), ready to serialise.
    pub matching: MatchingExport,
}

pub async fn export(db: &Db, user_id: &str) -> Result<Export, StoreError> {
    let user = user::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let memberships = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .order_by_asc(network_member::Column::Id)
        .all(db)
        .await?;
    let api_tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?;
    let invitations_received = invitation::Entity::find()
        .filter(invitation::Column::Email.eq(&user.email))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let invitations_sent = invitation::Entity::find()
        .filter(invitation::Column::CreatedBy.eq(user_id))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let audit_events = audit_event::Entity::find()
        .filter(
            audit_event::Column::ActorId
                .eq(user_id)
                .or(audit_event::Column::EntityId.eq(user_id)),
        )
        .order_by_asc(audit_event::Column::Id)
        .limit(10_000)
        .all(db)
        .await?;
    let meeting_responses = meeting_response::Entity::find()
        .filter(meeting_response::Column::UserId.eq(user_id))
        .order_by_asc(meeting_response::Column::Id)
        .all(db)
        .await?;
    let actions = action::Entity::find()
        .filter(action::Column::OwnerId.eq(user_id))
        .order_by_asc(action::Column::Id)
        .all(db)
        .await?;
    let matching = matching_export(db, user_id).await?;
    Ok(Export {
        matching,
        user,
        memberships,
        api_tokens,
        invitations_received,
        invitations_sent,
        audit_events,
        meeting_responses,
        actions,
    })
}

/// Erases a person: their name and email are replaced by a pseudonym
/// (audit entries and other records keep pointing at the same id, which now
/// names nobody), their profile is cleared, their sessions, API tokens and
/// memberships end, and they can no longer log in. The last manager of a
/// network must hand over first (409 `last-manager`).
pub async fn erase(db: &Db, ctx: &Ctx, user_id: &str) -> Result<(), StoreError> {
    let unusable = hash_password(random_token("")).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let managed = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .all(&txn)
        .await?;
    for m in &managed {
        // Same lock as role changes, so two managers cannot both leave.
        network::Entity::find_by_id(m.network_id.clone())
            .lock_exclusive()
            .one(&txn)
            .await?;
        if crate::networks::manager_count(&txn, &m.network_id).await? <= 1 {
            return Err(StoreError::conflict(
                "last-manager",
                "you are the only manager of a network; make someone else a manager first",
            ));
        }
    }
    let short = user_id.split('-').next_back().unwrap_or(user_id);
    let version = u.version;
    let old_email = u.email.clone();
    let mut am = u.into_active_model();
    am.email = Set(format!("erased-{user_id}@erased.invalid"));
    am.display_name = Set(format!("Former member {short}"));
    am.password_hash = Set(unusable);
    am.status = Set(UserStatus::Erased.as_str().to_owned());
    am.is_platform_admin = Set(false);
    am.job_title = Set(None);
    am.team = Set(None);
    am.line_manager_id = Set(None);
    am.organisation = Set(None);
    am.region = Set(None);
    am.profession = Set(None);
    am.level = Set(None);
    am.registers = Set("[]".into());
    am.specialties = Set("[]".into());
    am.interests = Set("[]".into());
    am.sensitive = Set(None);
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    am.update(&txn).await?;
    end_community_ties(&txn, ctx, user_id, now).await?;
    end_matching_ties(&txn, ctx, user_id, now).await?;
    network_member::Entity::delete_many()
        .filter(network_member::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    email_verification::Entity::delete_many()
        .filter(email_verification::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Email,
            sea_orm::sea_query::Expr::value(format!("erased-{user_id}@erased.invalid")),
        )
        .filter(invitation::Column::Email.eq(old_email.clone()))
        .exec(&txn)
        .await?;
    scrub_outbox(&txn, user_id, &old_email).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("user.erased", "user", user_id).changed(vec![
            "email",
            "display_name",
            "profile",
            "status",
        ]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Removes the person's address and message text from queued and sent
/// emails about them.
async fn scrub_outbox<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    email: &str,
) -> Result<(), StoreError> {
    use crate::entities::outbox;
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Recipient,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::Payload,
            sea_orm::sea_query::Expr::value("{}"),
        )
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value("erased"),
        )
        .filter(outbox::Column::Kind.eq("email"))
        .filter(
            outbox::Column::AggregateId
                .eq(user_id)
                .or(outbox::Column::Recipient.eq(email)),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends the person's community memberships (offering the places to the
/// wait-lists) and withdraws their open applications.
async fn end_community_ties(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Ctx,
    user_id: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::entities::{application, community, community_member};
    application::Entity::update_many()
        .col_expr(
            application::Column::Status,
            sea_orm::sea_query::Expr::value("withdrawn"),
        )
        .col_expr(
            application::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(application::Column::UserId.eq(user_id))
        .filter(application::Column::Status.is_in(["pending", "waitlisted", "offered"]))
        .exec(txn)
        .await?;
    let active = community_member::Entity::find()
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::Column::Status.eq("active"))
        .all(txn)
        .await?;
    for m in active {
        let Some(c) = community::Entity::find_by_id(m.community_id.clone())
            .lock_exclusive()
            .one(txn)
            .await?
        else {
            continue;
        };
        community_member::Entity::update_many()
            .col_expr(
                community_member::Column::Status,
                sea_orm::sea_query::Expr::value("left"),
            )
            .col_expr(
                community_member::Column::EndedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                community_member::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                community_member::Column::Version,
                sea_orm::sea_query::Expr::value(m.version + 1),
            )
            .filter(community_member::Column::Id.eq(m.id.clone()))
            .exec(txn)
            .await?;
        trail::write(
            txn,
            ctx,
            now,
            Audit::new("membership.ended", "community_member", &m.id)
                .network(&c.network_id)
                .changed(vec!["status"]),
            vec![crate::trail::Message::event(
                "membership.ended",
                "community",
                &c.id,
                serde_json::json!({"community_id": c.id, "network_id": c.network_id, "user_id": user_id, "how": "erased"}),
            )
            .network(&c.network_id)],
        )
        .await?;
        crate::applications::fill_places(txn, ctx, &c, now).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- matching

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

async fn matching_export<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<MatchingExport, StoreError> {
    use crate::matching::{reasons_of, status_of, visible_reasons};
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
    Ok(MatchingExport {
        requests: requests
            .into_iter()
            .map(|r| RequestRecord {
                programme_name: names.get(&r.programme_id).cloned(),
                preferences: serde_json::from_str(&r.preferences)
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
            .map(|m| {
                let (score, reasons) = visible_reasons(&reasons_of(&m), Some(user_id));
                let side_a = m.user_a_id == user_id;
                MatchRecord {
                    programme_name: names.get(&m.programme_id).cloned(),
                    status: status_of(&m).as_str().to_owned(),
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

/// Erases the person's matching data: their private notes are deleted;
/// their open matches close (a pending proposal is declined on their
/// behalf, an active match ends) so the other participant and a
/// supporter's place are freed; their open requests are withdrawn and
/// their supporter registrations paused. Matches, sessions, feedback,
/// safeguarding concerns and complaints are kept as records: they point
/// at the now pseudonymous user id.
async fn end_matching_ties(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Ctx,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::matching::{OPEN_STATUSES, request_status, status_of};
    use peerhub_domain::matching::lifecycle::MatchStatus;
    use sea_orm::sea_query::Expr;
    match_note::Entity::delete_many()
        .filter(match_note::Column::AuthorId.eq(user_id))
        .exec(txn)
        .await?;
    let open = peer_match::Entity::find()
        .filter(
            peer_match::Column::UserAId
                .eq(user_id)
                .or(peer_match::Column::UserBId.eq(user_id)),
        )
        .filter(peer_match::Column::Status.is_in(OPEN_STATUSES))
        .order_by_asc(peer_match::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    let programmes: std::collections::HashMap<String, programme::Model> = programme::Entity::find()
        .filter(programme::Column::Id.is_in(open.iter().map(|m| m.programme_id.clone())))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    for m in open {
        let Some(p) = programmes.get(&m.programme_id) else {
            continue;
        };
        let to = match status_of(&m) {
            MatchStatus::Active => MatchStatus::Ended,
            s if s.is_pending() => MatchStatus::Declined,
            _ => MatchStatus::Expired,
        };
        let c = crate::matching::Closing {
            to,
            by: user_id,
            end_reason: None,
            how: Some("erased"),
        };
        crate::matching::close(txn, ctx, p, m, c, now).await?;
    }
    match_request::Entity::update_many()
        .col_expr(
            match_request::Column::Status,
            Expr::value(request_status::WITHDRAWN),
        )
        .col_expr(
            match_request::Column::OpenUserId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(match_request::Column::WithdrawnAt, Expr::value(now))
        .col_expr(match_request::Column::UpdatedAt, Expr::value(now))
        .filter(match_request::Column::UserId.eq(user_id))
        .filter(
            match_request::Column::Status.is_in([request_status::WAITING, request_status::MATCHED]),
        )
        .exec(txn)
        .await?;
    programme_supporter::Entity::update_many()
        .col_expr(programme_supporter::Column::Status, Expr::value("paused"))
        .col_expr(programme_supporter::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            programme_supporter::Column::Version,
            Expr::col(programme_supporter::Column::Version).add(1),
        )
        .filter(programme_supporter::Column::UserId.eq(user_id))
        .filter(programme_supporter::Column::Status.ne("paused"))
        .exec(txn)
        .await?;
    Ok(())
}
