//! The governance report (docs/governance.md, "Download the governance
//! report"): managers of a network (and platform admins, and API tokens
//! with `reports:read`) read one row of figures per Community of Practice
//! for a period, and the network total.
//!
//! Every figure is counted by the database, one aggregate query per topic
//! grouped by community (see [`queries`]), all in one read transaction so
//! the figures agree with each other; nothing loads meetings row by row.
//! Cut-off instants are computed here and passed as parameters, so the
//! same SQL runs on SQLite and PostgreSQL.
mod queries;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::ApiTokenScope;
use peerhub_domain::community::{CadenceUnit, CommunityStatus};
use peerhub_domain::governance::escalation::overdue_before;
use peerhub_domain::governance::report::{
    self as rules, CopRow, Figures, MAX_COMMUNITIES, Period, Total,
};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, EntityTrait, IsolationLevel, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use crate::Db;
use crate::access;
use crate::entities::community;
use crate::error::Failure;
use crate::stored::decode;

/// A governance report, figures counted.
#[derive(Debug, Clone)]
pub struct Report {
    pub network_id: String,
    pub network_name: String,
    pub period: Period,
    pub generated_at: DateTime<Utc>,
    pub rows: Vec<CopRow>,
    pub total: Total,
}

/// The instants and dates a report reads its figures at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cutoffs {
    /// The period's first instant.
    pub start: DateTime<Utc>,
    /// The instant after the period.
    pub end: DateTime<Utc>,
    /// Now: meetings that have not started are not held.
    pub now: DateTime<Utc>,
    /// "At the period's end": its end, or now while it runs.
    pub as_of: DateTime<Utc>,
    /// The day states are judged on: the period's last day, or today.
    pub on: NaiveDate,
    /// An escalation open at `as_of` and raised before this is overdue.
    pub overdue_before: DateTime<Utc>,
}

/// The report of `network_id` for `period` (managers of the network,
/// platform admins, API tokens with `reports:read`).
pub async fn governance_report(
    db: &Db,
    principal: &Principal,
    network_id: &str,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, Failure> {
    // One snapshot for every figure (PostgreSQL; a SQLite transaction reads
    // one snapshot already).
    let txn = if crate::db::is_postgres(db) {
        db.begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?
    } else {
        db.begin().await?
    };
    let net = access::network(
        &txn,
        principal,
        network_id,
        Need::Manager,
        Some(ApiTokenScope::ReportsRead),
    )
    .await?;
    let overdue_days = queries::escalation_overdue_days(&txn, network_id).await?;
    let as_of = period.as_of(now);
    let cut = Cutoffs {
        start: period.start(),
        end: period.end(),
        now,
        as_of,
        on: period.to.min(now.date_naive()),
        overdue_before: overdue_before(overdue_days, as_of),
    };
    let communities = communities(&txn, network_id, &cut).await?;
    let mut figures: HashMap<String, Figures> = HashMap::new();
    let mut team: HashMap<String, (i64, i64)> = HashMap::new();
    queries::meetings(&txn, network_id, &cut, &mut figures).await?;
    queries::minutes_approved(&txn, network_id, &cut, &mut figures).await?;
    queries::attendance(&txn, network_id, &cut, &mut figures).await?;
    queries::members(&txn, network_id, &cut, &mut figures, &mut team).await?;
    queries::applications(&txn, network_id, &mut figures, now).await?;
    queries::actions(&txn, network_id, &cut, &mut figures).await?;
    queries::feedback_points(&txn, network_id, &cut, &mut figures).await?;
    queries::escalations(&txn, network_id, &cut, &mut figures).await?;
    let terms = queries::terms_in_force(&txn, network_id, &cut).await?;
    txn.commit().await?;

    let today = now.date_naive();
    let mut rows = Vec::with_capacity(communities.len());
    for c in communities {
        let unit = decode_for::<CadenceUnit>("community.cadence_unit", &c.cadence_unit, &c.id)?;
        let mut f = figures.remove(&c.id).unwrap_or_default();
        f.meetings_expected = rules::expected_in_period(
            c.cadence_every,
            unit,
            c.created_at.date_naive(),
            c.archived_at.map(|a| a.date_naive()),
            &period,
            today,
        );
        let (chairs, secretaries) = team.get(&c.id).copied().unwrap_or((0, 0));
        let review = terms.get(&c.id).copied();
        rows.push(CopRow {
            status: rules::reported_status(c.archived_at, cut.end),
            terms: rules::terms_state(review, cut.on),
            terms_review_due: review.flatten(),
            no_chair: chairs == 0,
            no_secretary: secretaries == 0,
            figures: f,
            community_id: c.id,
            name: c.name,
        });
    }
    let total = rules::total(&rows);
    Ok(Report {
        network_id: net.id,
        network_name: net.name,
        period,
        generated_at: now,
        rows,
        total,
    })
}

/// Decodes a closed set read for community `id` (500, logged, when the
/// stored value is unknown).
pub(crate) fn decode_for<T: peerhub_domain::closed::ClosedSet>(
    what: &'static str,
    raw: &str,
    id: &str,
) -> Result<T, Failure> {
    decode::<T>(what, raw).map_err(|e| Failure::internal(format!("{e} (community {id})")))
}

/// The CoPs the report covers: active or archived (not proposed), created
/// before the period ended and not archived before it began, by name.
async fn communities<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
) -> Result<Vec<community::Model>, Failure> {
    use sea_orm::Condition;
    let rows = community::Entity::find()
        .filter(community::Column::NetworkId.eq(network_id))
        .filter(community::Column::Status.is_in([
            CommunityStatus::Active.as_str(),
            CommunityStatus::Archived.as_str(),
        ]))
        .filter(community::Column::CreatedAt.lt(cut.end))
        .filter(
            Condition::any()
                .add(community::Column::ArchivedAt.is_null())
                .add(community::Column::ArchivedAt.gte(cut.start)),
        )
        .order_by_asc(community::Column::Name)
        .order_by_asc(community::Column::Id)
        .limit(MAX_COMMUNITIES as u64 + 1)
        .all(conn)
        .await?;
    if rows.len() > MAX_COMMUNITIES {
        return Err(Failure::invalid(
            "id",
            "too_many_communities",
            format!("a report covers at most {MAX_COMMUNITIES} communities"),
        ));
    }
    Ok(rows)
}
