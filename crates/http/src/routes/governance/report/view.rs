//! The JSON representation of the governance report.
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::governance::report::{CopRow, Figures, ReportedStatus, TermsState, Total};
use peerhub_persistence::governance::report::Report;
use serde::Serialize;
use utoipa::ToSchema;

/// The period a report covers, both days inclusive (UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The counted figures of one CoP or of the whole network
/// (docs/governance.md, "How the figures are counted").
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFigures {
    /// Meetings the cadence expects from the later of the CoP's creation
    /// and `from`, to the earliest of `to`, today and its archiving.
    pub meetings_expected: i64,
    /// Meetings that started in the period, by now, and were not cancelled.
    pub meetings_held: i64,
    /// Meetings due to start in the period that were cancelled.
    pub meetings_cancelled: i64,
    /// Invitations to held meetings: each member of the CoP when a held
    /// meeting started.
    pub invitations: i64,
    /// Of those invitations, present: recorded `present`, or not recorded
    /// with an `attending` RSVP.
    pub attendances: i64,
    /// `attendances` ÷ `invitations` (0–1, 4 decimal places); `null` when
    /// nobody was invited.
    pub attendance_rate: Option<f64>,
    /// Members at the period's end (or now, while it runs).
    pub members_at_end: i64,
    /// Memberships that started in the period.
    pub joiners: i64,
    /// Memberships that ended in the period (left or removed).
    pub leavers: i64,
    /// Applications `pending` now.
    pub pending_applications: i64,
    /// Age in whole days of the oldest pending application; `null` when
    /// none is pending. In the total: the oldest of all.
    pub oldest_pending_days: Option<i64>,
    /// Meetings whose minutes (any revision) were approved in the period.
    pub minutes_approved: i64,
    /// Held meetings with no approved minutes yet.
    pub held_without_approved_minutes: i64,
    /// Actions open at the period's end.
    pub actions_open: i64,
    /// Of those, past their due date then.
    pub actions_overdue: i64,
    /// Triple A points of meetings in the period: `advise`.
    pub advise: i64,
    /// … `assure`.
    pub assure: i64,
    /// … `alert`.
    pub alert: i64,
    /// The same points by nature: `escalation`.
    pub escalation_points: i64,
    /// … `commendation`.
    pub commendation_points: i64,
    /// Escalations raised in the period.
    pub escalations_raised: i64,
    /// Escalations open (not closed) at the period's end.
    pub escalations_open: i64,
    /// Of those, open longer than the network's `escalation_overdue_days`.
    pub escalations_overdue: i64,
}

/// One Community of Practice.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRow {
    #[schema(format = Uuid)]
    pub community_id: String,
    pub community_name: String,
    /// `archived` when the CoP was archived during the period.
    pub status: ReportedStatus,
    /// The Terms of Reference at the period's end.
    pub terms_state: TermsState,
    /// The review date of the Terms of Reference in force, if any.
    pub terms_review_due: Option<NaiveDate>,
    /// Nobody in the role `chair` at the period's end.
    pub no_chair: bool,
    /// Nobody in the role `secretary` at the period's end.
    pub no_secretary: bool,
    #[serde(flatten)]
    pub figures: ReportFigures,
}

/// How many CoPs are in each Terms of Reference state.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsStateCounts {
    pub approved: i64,
    pub review_due: i64,
    pub overdue: i64,
    pub none: i64,
}

/// The whole network: the rows added up.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportTotal {
    /// CoPs in the report.
    pub communities: i64,
    pub active: i64,
    pub archived: i64,
    pub terms_states: TermsStateCounts,
    /// CoPs without a chair.
    pub without_chair: i64,
    /// CoPs without a secretary.
    pub without_secretary: i64,
    #[serde(flatten)]
    pub figures: ReportFigures,
}

/// A network's governance report for a period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "network_id": super::super::super::EX_NETWORK_ID,
    "network_name": "PPN Midlands",
    "period": {"from": "2026-07-01", "to": "2026-09-30"},
    "generated_at": "2026-12-08T09:30:00Z",
    "rows": [{
        "community_id": super::super::super::views::EX_COMMUNITY_ID,
        "community_name": "Perinatal PWP CoP",
        "status": "active",
        "terms_state": "overdue", "terms_review_due": "2026-09-01",
        "no_chair": true, "no_secretary": false,
        "meetings_expected": 3, "meetings_held": 2, "meetings_cancelled": 1,
        "invitations": 24, "attendances": 19, "attendance_rate": 0.7917,
        "members_at_end": 12, "joiners": 1, "leavers": 1,
        "pending_applications": 1, "oldest_pending_days": 10,
        "minutes_approved": 1, "held_without_approved_minutes": 1,
        "actions_open": 3, "actions_overdue": 1,
        "advise": 2, "assure": 1, "alert": 1,
        "escalation_points": 1, "commendation_points": 3,
        "escalations_raised": 1, "escalations_open": 1, "escalations_overdue": 0
    }],
    "total": {
        "communities": 1, "active": 1, "archived": 0,
        "terms_states": {"approved": 0, "review_due": 0, "overdue": 1, "none": 0},
        "without_chair": 1, "without_secretary": 0,
        "meetings_expected": 3, "meetings_held": 2, "meetings_cancelled": 1,
        "invitations": 24, "attendances": 19, "attendance_rate": 0.7917,
        "members_at_end": 12, "joiners": 1, "leavers": 1,
        "pending_applications": 1, "oldest_pending_days": 10,
        "minutes_approved": 1, "held_without_approved_minutes": 1,
        "actions_open": 3, "actions_overdue": 1,
        "advise": 2, "assure": 1, "alert": 1,
        "escalation_points": 1, "commendation_points": 3,
        "escalations_raised": 1, "escalations_open": 1, "escalations_overdue": 0
    }
}))]
pub struct GovernanceReport {
    #[schema(format = Uuid)]
    pub network_id: String,
    pub network_name: String,
    pub period: ReportPeriod,
    pub generated_at: DateTime<Utc>,
    /// One per CoP, by name.
    pub rows: Vec<ReportRow>,
    pub total: ReportTotal,
}

fn figures(f: &Figures) -> ReportFigures {
    ReportFigures {
        meetings_expected: f.meetings_expected,
        meetings_held: f.meetings_held,
        meetings_cancelled: f.meetings_cancelled,
        invitations: f.invitations,
        attendances: f.attendances,
        attendance_rate: f.attendance_rate(),
        members_at_end: f.members_at_end,
        joiners: f.joiners,
        leavers: f.leavers,
        pending_applications: f.pending_applications,
        oldest_pending_days: f.oldest_pending_days,
        minutes_approved: f.minutes_approved,
        held_without_approved_minutes: f.held_without_approved_minutes,
        actions_open: f.actions_open,
        actions_overdue: f.actions_overdue,
        advise: f.advise,
        assure: f.assure,
        alert: f.alert,
        escalation_points: f.escalation_points,
        commendation_points: f.commendation_points,
        escalations_raised: f.escalations_raised,
        escalations_open: f.escalations_open,
        escalations_overdue: f.escalations_overdue,
    }
}

fn row(r: &CopRow) -> ReportRow {
    ReportRow {
        community_id: r.community_id.clone(),
        community_name: r.name.clone(),
        status: r.status,
        terms_state: r.terms,
        terms_review_due: r.terms_review_due,
        no_chair: r.no_chair,
        no_secretary: r.no_secretary,
        figures: figures(&r.figures),
    }
}

fn total(t: &Total) -> ReportTotal {
    ReportTotal {
        communities: t.communities,
        active: t.active,
        archived: t.archived,
        terms_states: TermsStateCounts {
            approved: t.terms.approved,
            review_due: t.terms.review_due,
            overdue: t.terms.overdue,
            none: t.terms.none,
        },
        without_chair: t.without_chair,
        without_secretary: t.without_secretary,
        figures: figures(&t.figures),
    }
}

/// The JSON view of a report.
pub fn report(r: &Report) -> GovernanceReport {
    GovernanceReport {
        network_id: r.network_id.clone(),
        network_name: r.network_name.clone(),
        period: ReportPeriod {
            from: r.period.from,
            to: r.period.to,
        },
        generated_at: r.generated_at,
        rows: r.rows.iter().map(row).collect(),
        total: total(&r.total),
    }
}
