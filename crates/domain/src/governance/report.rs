//! The governance report (docs/governance.md, "Download the governance
//! report"): per network and period, one row of figures per Community of
//! Practice and a network total. The figures are counted by the database;
//! the rules here decide the period, what is expected, what state the Terms
//! of Reference are in, and how rows add up to the total.
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};

use crate::community::CadenceUnit;
use crate::validation::{Invalid, Violations};

/// Longest period a report may cover, in months (5 years).
pub const MAX_PERIOD_MONTHS: u32 = 60;
/// Terms of Reference whose review falls due within this many days of the
/// period's end are `review_due`.
pub const REVIEW_DUE_WITHIN_DAYS: u64 = 30;
/// Most communities one report covers (a network has far fewer; the bound
/// keeps one request's work finite).
pub const MAX_COMMUNITIES: usize = 2000;

crate::closed_set!(
    /// The state of a CoP's Terms of Reference at the period's end:
    /// `approved` (in force, review more than 30 days away), `review_due`
    /// (review within 30 days), `overdue` (review date passed) or `none`
    /// (no version approved by then).
    TermsState { Approved => "approved", ReviewDue => "review_due", Overdue => "overdue", None => "none" }
);

crate::closed_set!(
    /// Where a CoP stood at the period's end: `active`, or `archived`
    /// during the period (it is reported for the part it was open).
    ReportedStatus { Active => "active", Archived => "archived" }
);

/// The dates a report covers, both inclusive, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

impl Period {
    /// The last full calendar quarter before `today` (the default period).
    pub fn last_full_quarter(today: NaiveDate) -> Period {
        let this_quarter_month = (today.month0() / 3) * 3 + 1;
        let this_quarter =
            NaiveDate::from_ymd_opt(today.year(), this_quarter_month, 1).unwrap_or(today);
        let from = this_quarter
            .checked_sub_months(Months::new(3))
            .unwrap_or(this_quarter);
        let to = this_quarter.pred_opt().unwrap_or(this_quarter);
        Period { from, to }
    }

    /// A period from the query: both dates (`YYYY-MM-DD`), or neither for
    /// the last full quarter. `from` after `to` is refused on `from`
    /// (`after_to`), a period over [`MAX_PERIOD_MONTHS`] on `to`
    /// (`period_too_long`); a date that does not parse is `invalid_date`,
    /// and one date without the other is `required` on the missing one.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, Violations> {
        let from = from.map(str::trim).filter(|s| !s.is_empty());
        let to = to.map(str::trim).filter(|s| !s.is_empty());
        let mut v = Violations::new();
        let parsed_from = from.and_then(|s| v.check("from", parse_date(s)));
        let parsed_to = to.and_then(|s| v.check("to", parse_date(s)));
        match (from, to) {
            (None, None) => return Ok(Self::last_full_quarter(today)),
            (Some(_), None) => v.add(
                "to",
                Invalid::new("required", "give both from and to, or neither"),
            ),
            (None, Some(_)) => v.add(
                "from",
                Invalid::new("required", "give both from and to, or neither"),
            ),
            (Some(_), Some(_)) => {}
        }
        match (parsed_from, parsed_to) {
            (Some(from), Some(to)) if v.0.is_empty() => Self::new(from, to),
            _ => Err(v),
        }
    }

    /// Checks the order and the length of a period.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, Violations> {
        if from > to {
            return Err(Violations::single(
                "from",
                Invalid::new("after_to", "must be on or before to"),
            ));
        }
        let limit = from.checked_add_months(Months::new(MAX_PERIOD_MONTHS));
        if limit.is_none_or(|l| to >= l) {
            return Err(Violations::single(
                "to",
                Invalid::new(
                    "period_too_long",
                    format!("a report covers at most {} years", MAX_PERIOD_MONTHS / 12),
                ),
            ));
        }
        Ok(Period { from, to })
    }

    /// The first instant of the period (`from` at 00:00 UTC).
    pub fn start(&self) -> DateTime<Utc> {
        midnight(self.from)
    }

    /// The instant after the period (the day after `to` at 00:00 UTC).
    pub fn end(&self) -> DateTime<Utc> {
        midnight(self.to.succ_opt().unwrap_or(self.to))
    }

    /// When "at the period's end" is read: its end, or `now` while the
    /// period is still running.
    pub fn as_of(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.end().min(now)
    }
}

fn parse_date(raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| Invalid::new("invalid_date", "must be a date, YYYY-MM-DD"))
}

/// How many meetings a cadence of every `every` `unit` expects from `first`
/// to `last` (both inclusive): one on `first`, then one each interval.
/// None when `last` is before `first` or the cadence is not positive.
pub fn expected_meetings(every: i32, unit: CadenceUnit, first: NaiveDate, last: NaiveDate) -> i64 {
    if last < first || every <= 0 {
        return 0;
    }
    let every = every as u32;
    match unit {
        CadenceUnit::Weeks => {
            let days = (last - first).num_days();
            days / (7 * i64::from(every)) + 1
        }
        CadenceUnit::Months => {
            // Months from the anchor, clamped to month ends, so 31 Jan
            // monthly expects 28/29 Feb, 31 Mar, …
            let mut n: i64 = 0;
            loop {
                let step = u32::try_from(n).unwrap_or(u32::MAX).saturating_mul(every);
                match first.checked_add_months(Months::new(step)) {
                    Some(d) if d <= last => n += 1,
                    _ => return n,
                }
            }
        }
    }
}

/// The meetings a CoP's cadence expects in a period: counted from the
/// later of its creation and the period's start, to the earliest of the
/// period's end, `today` (meetings still to come are not yet owed) and the
/// day it was archived.
pub fn expected_in_period(
    every: i32,
    unit: CadenceUnit,
    created_on: NaiveDate,
    archived_on: Option<NaiveDate>,
    period: &Period,
    today: NaiveDate,
) -> i64 {
    let first = created_on.max(period.from);
    let mut last = period.to.min(today);
    if let Some(a) = archived_on {
        last = last.min(a);
    }
    expected_meetings(every, unit, first, last)
}

/// The state of the Terms of Reference in force on `on`: `None` when no
/// version was approved by then; otherwise by its review date (a version
/// without one counts as `approved`).
pub fn terms_state(in_force: Option<Option<NaiveDate>>, on: NaiveDate) -> TermsState {
    match in_force {
        None => TermsState::None,
        Some(None) => TermsState::Approved,
        Some(Some(review)) if review < on => TermsState::Overdue,
        Some(Some(review)) => match on.checked_add_days(Days::new(REVIEW_DUE_WITHIN_DAYS)) {
            Some(soon) if review <= soon => TermsState::ReviewDue,
            _ => TermsState::Approved,
        },
    }
}

/// A CoP's status at the period's end (`end`: the instant after it).
pub fn reported_status(archived_at: Option<DateTime<Utc>>, end: DateTime<Utc>) -> ReportedStatus {
    match archived_at {
        Some(a) if a < end => ReportedStatus::Archived,
        _ => ReportedStatus::Active,
    }
}

/// Whole days from `since` to `now` (0 for the future).
pub fn age_days(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - since).num_days().max(0)
}

/// Present ÷ invited, to 4 decimal places; `None` when nobody was invited.
pub fn attendance_rate(present: i64, invited: i64) -> Option<f64> {
    if invited <= 0 {
        return None;
    }
    let r = present as f64 / invited as f64;
    Some((r * 10_000.0).round() / 10_000.0)
}

/// The counted figures of one CoP, or of the network (summed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub meetings_expected: i64,
    pub meetings_held: i64,
    pub meetings_cancelled: i64,
    /// Invitations to held meetings: members of the CoP when each started.
    pub invitations: i64,
    /// Of those, present (recorded, or an `attending` RSVP unrecorded).
    pub attendances: i64,
    pub members_at_end: i64,
    pub joiners: i64,
    pub leavers: i64,
    pub pending_applications: i64,
    pub oldest_pending_days: Option<i64>,
    pub minutes_approved: i64,
    pub held_without_approved_minutes: i64,
    pub actions_open: i64,
    pub actions_overdue: i64,
    pub advise: i64,
    pub assure: i64,
    pub alert: i64,
    pub escalation_points: i64,
    pub commendation_points: i64,
    pub escalations_raised: i64,
    pub escalations_open: i64,
    pub escalations_overdue: i64,
}

impl Figures {
    /// Present ÷ invited over held meetings.
    pub fn attendance_rate(&self) -> Option<f64> {
        attendance_rate(self.attendances, self.invitations)
    }

    /// Adds another CoP's figures: counts sum, the oldest pending age is
    /// the largest.
    pub fn add(&mut self, o: &Figures) {
        self.meetings_expected += o.meetings_expected;
        self.meetings_held += o.meetings_held;
        self.meetings_cancelled += o.meetings_cancelled;
        self.invitations += o.invitations;
        self.attendances += o.attendances;
        self.members_at_end += o.members_at_end;
        self.joiners += o.joiners;
        self.leavers += o.leavers;
        self.pending_applications += o.pending_applications;
        self.oldest_pending_days = match (self.oldest_pending_days, o.oldest_pending_days) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.minutes_approved += o.minutes_approved;
        self.held_without_approved_minutes += o.held_without_approved_minutes;
        self.actions_open += o.actions_open;
        self.actions_overdue += o.actions_overdue;
        self.advise += o.advise;
        self.assure += o.assure;
        self.alert += o.alert;
        self.escalation_points += o.escalation_points;
        self.commendation_points += o.commendation_points;
        self.escalations_raised += o.escalations_raised;
        self.escalations_open += o.escalations_open;
        self.escalations_overdue += o.escalations_overdue;
    }
}

/// One CoP's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopRow {
    pub community_id: String,
    pub name: String,
    pub status: ReportedStatus,
    pub terms: TermsState,
    /// The review date of the version in force, if any.
    pub terms_review_due: Option<NaiveDate>,
    pub no_chair: bool,
    pub no_secretary: bool,
    pub figures: Figures,
}

/// How many CoPs are in each Terms of Reference state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TermsCounts {
    pub approved: i64,
    pub review_due: i64,
    pub overdue: i64,
    pub none: i64,
}

/// The network total row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Total {
    pub communities: i64,
    pub active: i64,
    pub archived: i64,
    pub terms: TermsCounts,
    pub without_chair: i64,
    pub without_secretary: i64,
    pub figures: Figures,
}

/// Adds the rows up.
pub fn total(rows: &[CopRow]) -> Total {
    let mut t = Total::default();
    for r in rows {
        t.communities += 1;
        match r.status {
            ReportedStatus::Active => t.active += 1,
            ReportedStatus::Archived => t.archived += 1,
        }
        match r.terms {
            TermsState::Approved => t.terms.approved += 1,
            TermsState::ReviewDue => t.terms.review_due += 1,
            TermsState::Overdue => t.terms.overdue += 1,
            TermsState::None => t.terms.none += 1,
        }
        t.without_chair += i64::from(r.no_chair);
        t.without_secretary += i64::from(r.no_secretary);
        t.figures.add(&r.figures);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_period_is_the_last_full_quarter() {
        let q = Period::last_full_quarter(d(2026, 12, 8));
        assert_eq!((q.from, q.to), (d(2026, 7, 1), d(2026, 9, 30)));
        let q = Period::last_full_quarter(d(2026, 1, 1));
        assert_eq!((q.from, q.to), (d(2025, 10, 1), d(2025, 12, 31)));
        let q = Period::last_full_quarter(d(2026, 3, 31));
        assert_eq!((q.from, q.to), (d(2025, 10, 1), d(2025, 12, 31)));
        let q = Period::last_full_quarter(d(2026, 4, 1));
        assert_eq!((q.from, q.to), (d(2026, 1, 1), d(2026, 3, 31)));
    }

    #[test]
    fn neither_date_gives_the_default_and_both_are_checked() {
        let today = d(2026, 5, 20);
        assert_eq!(
            Period::parse(None, None, today),
            Ok(Period::last_full_quarter(today))
        );
        assert_eq!(
            Period::parse(Some(" "), Some(""), today),
            Ok(Period::last_full_quarter(today))
        );
        let p = Period::parse(Some("2026-01-01"), Some("2026-01-01"), today).unwrap();
        assert_eq!((p.from, p.to), (d(2026, 1, 1), d(2026, 1, 1)));
    }

    fn fields(r: Result<Period, Violations>) -> Vec<(String, String)> {
        r.unwrap_err()
            .0
            .into_iter()
            .map(|v| (v.field, v.code))
            .collect()
    }

    #[test]
    fn bad_periods_name_the_field() {
        let today = d(2026, 5, 20);
        let f = |a, b| fields(Period::parse(a, b, today));
        let pair = |x: &str, y: &str| vec![(x.to_owned(), y.to_owned())];
        assert_eq!(
            f(Some("2026-02-01"), Some("2026-01-31")),
            pair("from", "after_to")
        );
        assert_eq!(
            f(Some("2026-13-01"), Some("2026-12-31")),
            pair("from", "invalid_date")
        );
        assert_eq!(
            f(Some("2026-01-01"), Some("31/12/2026")),
            pair("to", "invalid_date")
        );
        assert_eq!(f(Some("2026-01-01"), None), pair("to", "required"));
        assert_eq!(f(None, Some("2026-01-01")), pair("from", "required"));
        assert_eq!(
            f(Some("2020-01-01"), Some("2025-01-01")),
            pair("to", "period_too_long")
        );
        // Exactly five years (inclusive) is allowed.
        assert!(Period::parse(Some("2020-01-01"), Some("2024-12-31"), today).is_ok());
    }

    #[test]
    fn the_period_runs_from_midnight_to_the_next_midnight_utc() {
        let p = Period::new(d(2026, 1, 1), d(2026, 3, 31)).unwrap();
        assert_eq!(p.start().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(p.end().to_rfc3339(), "2026-04-01T00:00:00+00:00");
        let now = midnight(d(2026, 2, 1));
        assert_eq!(p.as_of(now), now);
        assert_eq!(p.as_of(midnight(d(2027, 1, 1))), p.end());
    }

    #[test]
    fn weekly_cadences_count_from_the_first_day() {
        let w = CadenceUnit::Weeks;
        assert_eq!(expected_meetings(1, w, d(2026, 1, 1), d(2026, 1, 1)), 1);
        assert_eq!(expected_meetings(1, w, d(2026, 1, 1), d(2026, 1, 7)), 1);
        assert_eq!(expected_meetings(1, w, d(2026, 1, 1), d(2026, 1, 8)), 2);
        assert_eq!(expected_meetings(2, w, d(2026, 1, 1), d(2026, 3, 31)), 7);
        assert_eq!(expected_meetings(1, w, d(2026, 1, 2), d(2026, 1, 1)), 0);
        assert_eq!(expected_meetings(0, w, d(2026, 1, 1), d(2026, 3, 1)), 0);
    }

    #[test]
    fn monthly_cadences_clamp_to_month_ends() {
        let m = CadenceUnit::Months;
        // A quarter, monthly: 1 Jan, 1 Feb, 1 Mar.
        assert_eq!(expected_meetings(1, m, d(2026, 1, 1), d(2026, 3, 31)), 3);
        // Quarterly: one.
        assert_eq!(expected_meetings(3, m, d(2026, 1, 1), d(2026, 3, 31)), 1);
        assert_eq!(expected_meetings(3, m, d(2026, 1, 1), d(2026, 4, 1)), 2);
        // 31 Jan monthly: 28 Feb, 31 Mar.
        assert_eq!(expected_meetings(1, m, d(2026, 1, 31), d(2026, 3, 31)), 3);
        assert_eq!(expected_meetings(1, m, d(2026, 1, 31), d(2026, 3, 30)), 2);
        // Five years monthly.
        assert_eq!(expected_meetings(1, m, d(2021, 1, 1), d(2025, 12, 31)), 60);
        assert_eq!(expected_meetings(12, m, d(2021, 1, 1), d(2025, 12, 31)), 5);
    }

    #[test]
    fn expected_meetings_start_with_the_community_and_stop_when_archived_or_today() {
        let p = Period::new(d(2026, 1, 1), d(2026, 6, 30)).unwrap();
        let m = CadenceUnit::Months;
        let far = d(2030, 1, 1);
        assert_eq!(expected_in_period(1, m, d(2025, 6, 1), None, &p, far), 6);
        // Created in March: Mar 15, Apr 15, May 15, Jun 15.
        assert_eq!(expected_in_period(1, m, d(2026, 3, 15), None, &p, far), 4);
        // Archived on 10 Feb: Jan 1, Feb 1.
        assert_eq!(
            expected_in_period(1, m, d(2025, 6, 1), Some(d(2026, 2, 10)), &p, far),
            2
        );
        // Today is 20 Apr: meetings still to come are not owed yet.
        assert_eq!(
            expected_in_period(1, m, d(2025, 6, 1), None, &p, d(2026, 4, 20)),
            4
        );
        // Created after the period.
        assert_eq!(expected_in_period(1, m, d(2026, 7, 1), None, &p, far), 0);
    }

    #[test]
    fn terms_states_follow_the_review_date() {
        let on = d(2026, 6, 30);
        assert_eq!(terms_state(None, on), TermsState::None);
        assert_eq!(terms_state(Some(None), on), TermsState::Approved);
        assert_eq!(
            terms_state(Some(Some(d(2026, 6, 29))), on),
            TermsState::Overdue
        );
        assert_eq!(terms_state(Some(Some(on)), on), TermsState::ReviewDue);
        assert_eq!(
            terms_state(Some(Some(d(2026, 7, 30))), on),
            TermsState::ReviewDue
        );
        assert_eq!(
            terms_state(Some(Some(d(2026, 7, 31))), on),
            TermsState::Approved
        );
        assert_eq!(
            TermsState::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
            ["approved", "review_due", "overdue", "none"]
        );
    }

    #[test]
    fn status_age_and_rate() {
        let end = midnight(d(2026, 4, 1));
        assert_eq!(reported_status(None, end), ReportedStatus::Active);
        assert_eq!(reported_status(Some(end), end), ReportedStatus::Active);
        assert_eq!(
            reported_status(Some(midnight(d(2026, 3, 31))), end),
            ReportedStatus::Archived
        );
        assert_eq!(age_days(midnight(d(2026, 3, 22)), end), 10);
        assert_eq!(age_days(end, midnight(d(2026, 3, 22))), 0);
        assert_eq!(attendance_rate(0, 0), None);
        assert_eq!(attendance_rate(2, 3), Some(0.6667));
        assert_eq!(attendance_rate(3, 3), Some(1.0));
    }

    #[test]
    fn rows_add_up_to_the_total() {
        let row = |status, terms, no_chair, fig: Figures| CopRow {
            community_id: "c".into(),
            name: "CoP".into(),
            status,
            terms,
            terms_review_due: None,
            no_chair,
            no_secretary: false,
            figures: fig,
        };
        let a = Figures {
            meetings_held: 2,
            invitations: 10,
            attendances: 5,
            oldest_pending_days: Some(3),
            ..Figures::default()
        };
        let b = Figures {
            meetings_held: 1,
            invitations: 10,
            attendances: 10,
            oldest_pending_days: Some(12),
            escalations_open: 4,
            ..Figures::default()
        };
        let t = total(&[
            row(ReportedStatus::Active, TermsState::Overdue, true, a),
            row(ReportedStatus::Archived, TermsState::None, false, b),
            row(
                ReportedStatus::Active,
                TermsState::Overdue,
                true,
                Figures::default(),
            ),
        ]);
        assert_eq!((t.communities, t.active, t.archived), (3, 2, 1));
        assert_eq!(
            t.terms,
            TermsCounts {
                overdue: 2,
                none: 1,
                ..TermsCounts::default()
            }
        );
        assert_eq!((t.without_chair, t.without_secretary), (2, 0));
        assert_eq!(t.figures.meetings_held, 3);
        assert_eq!(t.figures.oldest_pending_days, Some(12));
        assert_eq!(t.figures.escalations_open, 4);
        assert_eq!(t.figures.attendance_rate(), Some(0.75));
        assert_eq!(total(&[]).figures.attendance_rate(), None);
    }
}
