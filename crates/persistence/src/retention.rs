//! Applies each network's retention settings (docs/operations.md,
//! "Retention"; the rules are `peerhub_domain::retention`): deletes private
//! match notes of long-closed matches, anonymises long-closed matches and
//! deletes old audit entries.
//!
//! Every statement touches at most [`BATCH`] rows, in its own transaction,
//! and is repeated until nothing is left. Rows are chosen by a cutoff and
//! removed or rewritten by id, so two nodes running housekeeping at once
//! only do the work once (the second finds nothing, or, on PostgreSQL,
//! skips the matches the first has locked). Each kind of purge that
//! touched rows writes one audit entry for the network with the count
//! only, never what was removed.
use chrono::{DateTime, Utc};
use peerhub_domain::matching::lifecycle::MatchStatus;
use peerhub_domain::retention::{self, ANONYMISED_A, ANONYMISED_B, BATCH};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::Db;
use crate::entities::{
    audit_event, match_feedback, match_note, match_session, network, peer_match, programme,
};
use crate::error::Failure;
use crate::matching::StoredReason;

/// One network's settings, as (id, note days, match days, audit days).
type Settings = (String, i32, i32, i32);

/// Applies every network's retention at `now`; returns how many rows were
/// deleted or anonymised.
pub async fn apply(db: &Db, now: DateTime<Utc>) -> Result<u64, Failure> {
    let mut total = 0;
    let mut after = String::new();
    loop {
        let nets: Vec<Settings> = network::Entity::find()
            .select_only()
            .column(network::Column::Id)
            .column(network::Column::PrivateNoteRetentionDays)
            .column(network::Column::ClosedMatchRetentionDays)
            .column(network::Column::AuditRetentionDays)
            .filter(network::Column::Id.gt(after.as_str()))
            .order_by_asc(network::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = nets.last() else { break };
        after = last.0.clone();
        for (id, notes, matches, audit) in &nets {
            total += network(db, id, (*notes, *matches, *audit), now).await?;
        }
    }
    Ok(total)
}

async fn network(
    db: &Db,
    id: &str,
    (notes, matches, audit): (i32, i32, i32),
    now: DateTime<Utc>,
) -> Result<u64, Failure> {
    let n = delete_notes(db, id, retention::cutoff(notes, now)).await?;
    record(db, id, "retention.private_notes_deleted", n, now).await?;
    let m = anonymise_matches(db, id, matches, now).await?;
    record(db, id, "retention.matches_anonymised", m, now).await?;
    let a = delete_audit(db, id, retention::cutoff(audit, now)).await?;
    record(db, id, "retention.audit_deleted", a, now).await?;
    Ok(n + m + a)
}

/// Writes the one audit entry of a purge that touched `count` rows (the
/// count only, never what the rows held).
async fn record(
    db: &Db,
    network_id: &str,
    action: &'static str,
    count: u64,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    if count == 0 {
        return Ok(());
    }
    crate::trail::write(
        db,
        &crate::trail::Ctx::system(),
        now,
        crate::trail::Audit::new(action, "network", network_id)
            .network(network_id)
            .count(count),
        Vec::new(),
    )
    .await?;
    Ok(())
}

/// Closed matches of the network's programmes that closed before
/// `cutoff` (the SQL form of `retention::match_closed_at`).
fn closed_before(network_id: &str, cutoff: DateTime<Utc>) -> Condition {
    use peer_match::Column as C;
    let programmes = Query::select()
        .column(programme::Column::Id)
        .from(programme::Entity)
        .and_where(programme::Column::NetworkId.eq(network_id))
        .to_owned();
    Condition::all()
        .add(C::ProgrammeId.in_subquery(programmes))
        .add(
            Condition::any()
                .add(
                    C::Status
                        .eq(MatchStatus::Declined.as_str())
                        .and(C::DeclinedAt.lt(cutoff)),
                )
                .add(
                    C::Status
                        .eq(MatchStatus::Expired.as_str())
                        .and(C::ExpiresAt.lt(cutoff)),
                )
                .add(
                    C::Status
                        .eq(MatchStatus::Ended.as_str())
                        .and(C::EndedAt.lt(cutoff)),
                ),
        )
}

fn match_ids(cond: Condition) -> SelectStatement {
    Query::select()
        .column(peer_match::Column::Id)
        .from(peer_match::Entity)
        .cond_where(cond)
        .to_owned()
}

async fn delete_notes(db: &Db, network_id: &str, cutoff: DateTime<Utc>) -> Result<u64, Failure> {
    let mut n = 0;
    loop {
        let ids: Vec<String> = match_note::Entity::find()
            .select_only()
            .column(match_note::Column::Id)
            .filter(
                match_note::Column::MatchId
                    .in_subquery(match_ids(closed_before(network_id, cutoff))),
            )
            .order_by_asc(match_note::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(n);
        }
        n += match_note::Entity::delete_many()
            .filter(match_note::Column::Id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
    }
}

async fn delete_audit(db: &Db, network_id: &str, cutoff: DateTime<Utc>) -> Result<u64, Failure> {
    delete_in_batches::<audit_event::Entity>(
        db,
        audit_event::Column::Id,
        Condition::all()
            .add(audit_event::Column::NetworkId.eq(network_id))
            .add(audit_event::Column::OccurredAt.lt(cutoff)),
    )
    .await
}

/// Deletes the rows of `E` matching `due`, [`BATCH`] at a time by their
/// string id `id`, until none is left; returns how many went. Each batch
/// is chosen and deleted by id, so two nodes at once do the work once.
pub(crate) async fn delete_in_batches<E>(
    db: &Db,
    id: E::Column,
    due: Condition,
) -> Result<u64, Failure>
where
    E: EntityTrait,
{
    let mut n = 0;
    loop {
        let ids: Vec<String> = E::find()
            .select_only()
            .column(id)
            .filter(due.clone())
            .order_by_asc(id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(n);
        }
        n += E::delete_many()
            .filter(id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
    }
}

/// Anonymises the network's matches that closed more than `days` ago and
/// are not anonymised yet: the people (sides, requests, supporter, who
/// declined, ended or proposed), the match reasons, the private reason
/// for ending, the private notes and who logged each session go; status,
/// score, dates, sessions and feedback ratings stay.
async fn anonymise_matches(
    db: &Db,
    network_id: &str,
    days: i32,
    now: DateTime<Utc>,
) -> Result<u64, Failure> {
    use peer_match::Column as C;
    let cutoff = retention::cutoff(days, now);
    let no_reasons: sea_orm::Value =
        crate::stored::Json::<Vec<StoredReason>>::encode(&Vec::new())?.into();
    let mut n = 0;
    loop {
        let txn = crate::db::begin_write(db).await?;
        let batch = peer_match::Entity::find()
            .filter(closed_before(network_id, cutoff))
            .filter(C::UserAId.ne(ANONYMISED_A))
            .order_by_asc(C::Id)
            .limit(BATCH)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&txn)
            .await?;
        if batch.is_empty() {
            return Ok(n);
        }
        let mut ids = Vec::with_capacity(batch.len());
        for m in &batch {
            let status = crate::matching::match_status(m)?;
            let closed =
                retention::match_closed_at(status, m.declined_at, m.expires_at, m.ended_at);
            if retention::is_due(closed, days, now) && !retention::is_anonymised(&m.user_a_id) {
                ids.push(m.id.clone());
            }
        }
        if ids.is_empty() {
            return Ok(n);
        }
        let feedback = match_feedback::Entity::find()
            .filter(match_feedback::Column::MatchId.is_in(ids.clone()))
            .all(&txn)
            .await?;
        for f in feedback {
            // (match, person) is unique: side a, side b, or else (never
            // expected) a stand-in of its own.
            let m = batch.iter().find(|m| m.id == f.match_id);
            let who = match m {
                Some(m) if m.user_a_id == f.user_id => ANONYMISED_A.to_owned(),
                Some(m) if m.user_b_id == f.user_id => ANONYMISED_B.to_owned(),
                _ => format!("anonymised-{}", f.id),
            };
            match_feedback::Entity::update_many()
                .col_expr(match_feedback::Column::UserId, Expr::value(who))
                .filter(match_feedback::Column::Id.eq(f.id))
                .exec(&txn)
                .await?;
        }
        match_note::Entity::delete_many()
            .filter(match_note::Column::MatchId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        match_session::Entity::update_many()
            .col_expr(match_session::Column::LoggedBy, Expr::value(None::<String>))
            .filter(match_session::Column::MatchId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        let side_b = |c: C| {
            Expr::case(Expr::col(c).is_null(), Expr::value(None::<String>))
                .finally(Expr::value(ANONYMISED_B))
        };
        n += peer_match::Entity::update_many()
            .col_expr(C::UserAId, Expr::value(ANONYMISED_A))
            .col_expr(C::UserBId, Expr::value(ANONYMISED_B))
            .col_expr(C::RequestAId, Expr::value(ANONYMISED_A))
            .col_expr(C::RequestBId, side_b(C::RequestBId).into())
            .col_expr(C::SupporterId, side_b(C::SupporterId).into())
            .col_expr(C::DeclinedBy, Expr::value(None::<String>))
            .col_expr(C::EndedBy, Expr::value(None::<String>))
            .col_expr(C::CreatedBy, Expr::value(None::<String>))
            .col_expr(C::EndReason, Expr::value(None::<String>))
            .col_expr(C::Reasons, Expr::value(no_reasons.clone()))
            .col_expr(C::Version, Expr::col(C::Version).add(1))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.is_in(ids))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        if (batch.len() as u64) < BATCH {
            return Ok(n);
        }
    }
}
