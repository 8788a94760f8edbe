//! The workers' side of webhooks. Every node runs the same loop (see
//! `crates/server/src/webhooks.rs`):
//!
//! 1. [`dispatch`] turns pending outbox events into one delivery per
//!    subscription that wants them, and marks the events sent, in one
//!    transaction. Events are taken with `FOR UPDATE SKIP LOCKED` on
//!    PostgreSQL (SQLite has one writer), and the unique index on
//!    (event, subscription) makes a second fan-out of the same event a
//!    no-op, so each event reaches each subscription once.
//! 2. [`claim`] reserves due deliveries (`sending`, for the claim
//!    period, [`CLAIM_SECONDS`] by default) the same way; a delivery whose
//!    worker died is claimed again when its reservation lapses, so
//!    delivery is at least once (receivers dedupe by `webhook-id`).
//!
//! Both first look for work with a plain read, so an idle node does not
//! take SQLite's write lock several times a second.
//! 3. [`record`] stores the attempt and what follows from it: success, a
//!    retry with back-off, giving up, and disabling the subscription.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::outbox::{Delivery, OutboxStatus};
#[cfg(doc)]
use peerhub_domain::webhook::schedule::CLAIM_SECONDS;
use peerhub_domain::webhook::schedule::after_attempt;
use peerhub_domain::webhook::{
    DeliveryStatus, DisabledReason, EventType, Next, Outcome, catalogue, disabled_notice,
};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::Subscription;
use crate::Db;
use crate::entities::{network_member, outbox, user, webhook, webhook_attempt, webhook_delivery};
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx, Message};

/// A delivery reserved for this worker, with where to send it and the
/// secrets that sign it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: webhook_delivery::Model,
    pub url: String,
    pub secrets: Vec<String>,
}

/// How an attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The answer's status code; `None` when there was no answer.
    pub status_code: Option<u16>,
    pub duration_ms: i32,
    /// What went wrong, for the deliveries list (no secret, no body).
    pub error: Option<String>,
}

/// Fans out up to `limit` pending events; returns how many were taken.
pub async fn dispatch(db: &Db, limit: u64) -> Result<usize, Failure> {
    let waiting: Option<String> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::Kind.eq(Delivery::Event.as_str()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .into_tuple()
        .one(db)
        .await?;
    if waiting.is_none() {
        return Ok(0);
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let events = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(Delivery::Event.as_str()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if events.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let mut networks: Vec<&str> = events
        .iter()
        .filter_map(|e| e.network_id.as_deref())
        .collect();
    networks.sort_unstable();
    networks.dedup();
    let subs: Vec<Subscription> = if networks.is_empty() {
        Vec::new()
    } else {
        webhook::Entity::find()
            .filter(webhook::Column::NetworkId.is_in(networks))
            .filter(webhook::Column::Enabled.eq(true))
            .all(&txn)
            .await?
            .into_iter()
            .filter_map(|row| {
                let id = row.id.clone();
                // A subscription whose stored filter does not decode gets
                // nothing (fail closed) and does not hold up the others.
                Subscription::decode(row)
                    .inspect_err(|e| tracing::error!(webhook = %id, error = %e, "webhook skipped"))
                    .ok()
            })
            .collect()
    };
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    for e in &events {
        let Some(t) = EventType::parse(&e.topic) else {
            tracing::error!(event = %e.id, topic = %e.topic, "outbox event type is not in the catalogue");
            unknown.push(e.id.clone());
            continue;
        };
        let Some(network_id) = e.network_id.as_deref() else {
            continue;
        };
        let wanted: Vec<&Subscription> = subs
            .iter()
            .filter(|s| {
                s.row.network_id == network_id
                    && s.row.created_at <= e.created_at
                    && s.events.wants(t)
            })
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let data: serde_json::Value = match serde_json::from_str(&e.payload) {
            Ok(v) => v,
            Err(err) => {
                tracing::error!(event = %e.id, error = %err, "outbox event payload does not decode");
                unknown.push(e.id.clone());
                continue;
            }
        };
        let body = catalogue::body(t, e.created_at, data).to_string();
        for s in wanted {
            rows.push(new_delivery(&s.row, Some(&e.id), t, body.clone(), now));
        }
    }
    for chunk in rows.chunks(200) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                webhook_delivery::Column::EventId,
                webhook_delivery::Column::WebhookId,
            ])
            .exec_without_returning(&txn)
            .await?;
    }
    let ids: Vec<String> = events
        .iter()
        .map(|e| e.id.clone())
        .filter(|id| !unknown.contains(id))
        .collect();
    settle(&txn, ids, OutboxStatus::Sent, None, now).await?;
    settle(
        &txn,
        unknown,
        OutboxStatus::Failed,
        Some("event type or payload does not decode"),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(events.len())
}

async fn settle<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
    status: OutboxStatus,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status.as_str()))
        .col_expr(outbox::Column::SentAt, Expr::value(now))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.map(str::to_owned)),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .exec(conn)
        .await?;
    Ok(())
}

/// A new pending delivery of `body` to `sub`, due now.
pub(crate) fn new_delivery(
    sub: &webhook::Model,
    event_id: Option<&str>,
    t: EventType,
    body: String,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(trail::new_id()),
        webhook_id: Set(sub.id.clone()),
        network_id: Set(sub.network_id.clone()),
        event_id: Set(event_id.map(str::to_owned)),
        event_type: Set(t.as_str().to_owned()),
        body: Set(body),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status_code: Set(None),
        last_duration_ms: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
}

/// Reserves up to `limit` due deliveries of enabled subscriptions (and
/// pings, whatever the subscription's state) for this worker for
/// `claim_secs` seconds, counting the attempt. `claim_secs` must be longer
/// than a send takes ([`TIMEOUT_SECONDS`]) or a slow send is tried twice.
///
/// [`TIMEOUT_SECONDS`]: peerhub_domain::webhook::schedule::TIMEOUT_SECONDS
pub async fn claim(db: &Db, limit: u64, claim_secs: i64) -> Result<Vec<Claimed>, Failure> {
    let now = Utc::now();
    if limit == 0 {
        return Ok(Vec::new());
    }
    let waiting: Option<String> = due_deliveries(now)
        .select_only()
        .column(webhook_delivery::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    if waiting.is_none() {
        return Ok(Vec::new());
    }
    let txn = crate::db::begin_write(db).await?;
    let due = due_deliveries(now)
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if due.is_empty() {
        txn.rollback().await?;
        return Ok(Vec::new());
    }
    let ids: Vec<String> = due.iter().map(|d| d.id.clone()).collect();
    let until = now + Duration::seconds(claim_secs);
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Sending.as_str()),
        )
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(until))
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .filter(webhook_delivery::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    let mut hook_ids: Vec<&str> = due.iter().map(|d| d.webhook_id.as_str()).collect();
    hook_ids.sort_unstable();
    hook_ids.dedup();
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(hook_ids))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut out = Vec::with_capacity(due.len());
    for mut d in due {
        let Some(h) = hooks.iter().find(|h| h.id == d.webhook_id) else {
            continue;
        };
        d.attempts += 1;
        d.status = DeliveryStatus::Sending.as_str().to_owned();
        d.next_attempt_at = until;
        out.push(Claimed {
            url: h.url.clone(),
            secrets: super::signing_secrets(h, now),
            delivery: d,
        });
    }
    Ok(out)
}

/// Deliveries due at `now`: pending or with a lapsed reservation, of an
/// enabled subscription, or pings.
fn due_deliveries(now: DateTime<Utc>) -> sea_orm::Select<webhook_delivery::Entity> {
    let enabled = Query::select()
        .column(webhook::Column::Id)
        .from(webhook::Entity)
        .and_where(webhook::Column::Enabled.eq(true))
        .to_owned();
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.is_in([
            DeliveryStatus::Pending.as_str(),
            DeliveryStatus::Sending.as_str(),
        ]))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(webhook_delivery::Column::WebhookId.in_subquery(enabled))
                .add(webhook_delivery::Column::EventType.eq(EventType::WebhookPing.as_str())),
        )
}

/// Records an attempt at `claimed` and what follows. Returns the reason
/// when this attempt disabled the subscription. Does nothing if the
/// delivery is no longer this worker's (its reservation lapsed and another
/// worker took it) or was deleted with its subscription.
pub async fn record(
    db: &Db,
    claimed: &Claimed,
    attempt: Attempt,
    jitter: f64,
) -> Result<Option<DisabledReason>, Failure> {
    let now = Utc::now();
    let d = &claimed.delivery;
    let ping = d.event_type == EventType::WebhookPing.as_str();
    let outcome = Outcome::of(attempt.status_code);
    let txn = crate::db::begin_write(db).await?;
    // A failure counts towards the subscription's run, so concurrent
    // failures are serialised on its row; a success (which can only reset
    // the run to 0) and a ping need no lock, so many deliveries to one
    // receiver are recorded in parallel.
    let mut find = webhook::Entity::find_by_id(d.webhook_id.clone());
    if !ping && outcome != Outcome::Delivered {
        find = find.lock_exclusive();
    }
    let Some(hook) = find.one(&txn).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    let next = if ping {
        // A ping is tried once and never changes the subscription.
        Next {
            status: if outcome == Outcome::Delivered {
                DeliveryStatus::Succeeded
            } else {
                DeliveryStatus::Failed
            },
            retry_in: None,
            failed_run: hook.failed_run,
            disable: None,
        }
    } else {
        after_attempt(d.attempts, outcome, hook.failed_run, jitter)
    };
    let error = attempt
        .error
        .as_deref()
        .map(|e| e.chars().take(500).collect::<String>());
    let updated = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(next.status.as_str()),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(now + Duration::seconds(next.retry_in.unwrap_or(0))),
        )
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::value(attempt.status_code.map(i32::from)),
        )
        .col_expr(
            webhook_delivery::Column::LastDurationMs,
            Expr::value(attempt.duration_ms),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(error.clone()),
        )
        .col_expr(
            webhook_delivery::Column::FinishedAt,
            Expr::value((next.retry_in.is_none()).then_some(now)),
        )
        .filter(webhook_delivery::Column::Id.eq(d.id.clone()))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Sending.as_str()))
        .filter(webhook_delivery::Column::Attempts.eq(d.attempts))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(None);
    }
    webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
        id: Set(trail::new_id()),
        delivery_id: Set(d.id.clone()),
        attempted_at: Set(now),
        status_code: Set(attempt.status_code.map(i32::from)),
        duration_ms: Set(attempt.duration_ms),
        error: Set(error),
    })
    .exec_without_returning(&txn)
    .await?;
    let disabled = if next.disable.is_some() && hook.enabled {
        next.disable
    } else {
        None
    };
    if next.failed_run != hook.failed_run || disabled.is_some() {
        let mut am = hook.clone().into_active_model();
        am.failed_run = Set(next.failed_run);
        if let Some(reason) = disabled {
            am.enabled = Set(false);
            am.disabled_reason = Set(Some(reason.as_str().to_owned()));
        }
        sea_orm::ActiveModelTrait::update(am, &txn).await?;
    }
    if let Some(reason) = disabled {
        let messages = disabled_emails(&txn, &hook, reason).await?;
        trail::write(
            &txn,
            &Ctx::system(),
            now,
            Audit::new("webhook.disabled", "webhook", &hook.id)
                .network(&hook.network_id)
                .changed(vec!["enabled", "disabled_reason"]),
            messages,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(disabled)
}

/// One email per manager of the subscription's network.
async fn disabled_emails<C: sea_orm::ConnectionTrait>(
    conn: &C,
    hook: &webhook::Model,
    reason: DisabledReason,
) -> Result<Vec<Message>, Failure> {
    let host = url::Url::parse(&hook.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "its receiver".to_owned());
    let (subject, body) = disabled_notice(&host, &hook.description, reason);
    let managers: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Email)
        .filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(network_member::Column::UserId)
                    .from(network_member::Entity)
                    .and_where(network_member::Column::NetworkId.eq(hook.network_id.clone()))
                    .and_where(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
                    .to_owned(),
            ),
        )
        .filter(user::Column::Status.eq(peerhub_domain::account::UserStatus::Active.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(managers
        .iter()
        .map(|to| {
            Message::email(
                "webhook.disabled",
                "webhook",
                &hook.id,
                to,
                serde_json::json!({"subject": subject, "body": body, "webhook_id": hook.id, "reason": reason.as_str()}),
            )
            .network(&hook.network_id)
        })
        .collect())
}
