//! Sessions, end-of-match feedback and the programme evaluation summary:
//! the pure rules and arithmetic.
//!
//! The evaluation a manager reads holds aggregates only: counts, medians,
//! and rating figures that are shown only when at least [`MIN_RESPONSES`]
//! people answered, so a figure can never be traced back to one or two
//! participants.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::lifecycle::MatchStatus;
use crate::validation::{Invalid, Violations};

/// Rating figures (means, distributions, the would-recommend share) are
/// shown only when at least this many feedback responses exist; below it
/// they are `null` and the summary says `suppressed: true`. Three is the
/// smallest group in which one answer cannot be read off from the total and
/// one's own answer.
pub const MIN_RESPONSES: usize = 3;

/// Allowed length of one session, in minutes (up to a working day).
pub const SESSION_MINUTES: std::ops::RangeInclusive<i32> = 1..=480;

/// Allowed value of each rating (1 = poor … 5 = excellent).
pub const RATING: std::ops::RangeInclusive<i32> = 1..=5;

/// Hours that local time can be ahead of UTC (Line Islands, UTC+14).
const AHEAD_HOURS: i64 = 14;
/// Hours that local time can be behind UTC (Baker Island, UTC−12).
const BEHIND_HOURS: i64 = 12;

/// The latest `held_on` accepted at `now`: today's date in the time zone
/// furthest ahead of UTC, so someone logging a session just after local
/// midnight is never told their "today" is in the future.
pub fn latest_session_date(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(AHEAD_HOURS)).date_naive()
}

/// The earliest `held_on` for a match that became active at `activated_at`:
/// that instant's date in the time zone furthest behind UTC.
pub fn earliest_session_date(activated_at: DateTime<Utc>) -> NaiveDate {
    (activated_at - Duration::hours(BEHIND_HOURS)).date_naive()
}

/// Checks a session's date and length. `activated_at` is when the match
/// became active (a session cannot predate it); dates are compared in any
/// time zone (see [`latest_session_date`], [`earliest_session_date`]).
pub fn check_session(
    held_on: NaiveDate,
    duration_minutes: i32,
    activated_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    if held_on > latest_session_date(now) {
        v.add(
            "held_on",
            Invalid::new("in_future", "must not be in the future"),
        );
    } else if let Some(a) = activated_at
        && held_on < earliest_session_date(a)
    {
        v.add(
            "held_on",
            Invalid::new(
                "before_match",
                format!(
                    "must not be before the match became active ({})",
                    a.date_naive()
                ),
            ),
        );
    }
    if !SESSION_MINUTES.contains(&duration_minutes) {
        v.add(
            "duration_minutes",
            Invalid::new(
                "out_of_range",
                format!(
                    "must be between {} and {} minutes",
                    SESSION_MINUTES.start(),
                    SESSION_MINUTES.end()
                ),
            ),
        );
    }
    v.into_result()
}

/// The rating set of one feedback response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratings {
    pub overall: i32,
    pub felt_safe: i32,
    pub helpfulness: i32,
    pub would_recommend: bool,
}

/// Checks each rating is 1–5 (`out_of_range`, naming the field).
pub fn check_ratings(r: &Ratings) -> Result<(), Violations> {
    let mut v = Violations::new();
    for (field, value) in [
        ("overall", r.overall),
        ("felt_safe", r.felt_safe),
        ("helpfulness", r.helpfulness),
    ] {
        if !RATING.contains(&value) {
            v.add(
                field,
                Invalid::new(
                    "out_of_range",
                    format!("must be between {} and {}", RATING.start(), RATING.end()),
                ),
            );
        }
    }
    v.into_result()
}

/// The median of `values` (any order): the middle value, or the mean of
/// the two middle values for an even count; `None` when empty.
pub fn median(values: &[i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid] as f64
    } else {
        (v[mid - 1] as f64 + v[mid] as f64) / 2.0
    })
}

/// Rounds to one decimal place (halves away from zero).
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The median length of matches in days (one decimal), from
/// `(activated_at, ended_at)` pairs; pairs that end before they start are
/// ignored.
pub fn median_days(spans: &[(DateTime<Utc>, DateTime<Utc>)]) -> Option<f64> {
    let secs: Vec<i64> = spans
        .iter()
        .map(|(a, e)| (*e - *a).num_seconds())
        .filter(|s| *s >= 0)
        .collect();
    median(&secs).map(|m| round1(m / 86_400.0))
}

/// One rating's figures: its mean (one decimal) and how many answered
/// 1, 2, 3, 4 and 5.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingFigures {
    pub mean: f64,
    pub distribution: [u32; 5],
}

/// Figures for one rating over all responses; `None` when there are none or
/// a value is outside 1–5 (which the store never holds).
pub fn rating_figures(values: &[i32]) -> Option<RatingFigures> {
    if values.is_empty() {
        return None;
    }
    let mut distribution = [0u32; 5];
    let mut sum = 0i64;
    for &x in values {
        if !RATING.contains(&x) {
            return None;
        }
        distribution[(x - 1) as usize] += 1;
        sum += i64::from(x);
    }
    Some(RatingFigures {
        mean: round1(sum as f64 / values.len() as f64),
        distribution,
    })
}

/// The feedback part of a programme evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackSummary {
    pub responses: usize,
    /// True when fewer than [`MIN_RESPONSES`] responses exist; every figure
    /// below is then `None`.
    pub suppressed: bool,
    pub overall: Option<RatingFigures>,
    pub felt_safe: Option<RatingFigures>,
    pub helpfulness: Option<RatingFigures>,
    /// Share answering "would recommend", in percent (one decimal).
    pub would_recommend_percent: Option<f64>,
}

/// Summarises feedback responses, suppressing every figure below
/// [`MIN_RESPONSES`].
pub fn summarise_feedback(responses: &[Ratings]) -> FeedbackSummary {
    let n = responses.len();
    if n < MIN_RESPONSES {
        return FeedbackSummary {
            responses: n,
            suppressed: true,
            overall: None,
            felt_safe: None,
            helpfulness: None,
            would_recommend_percent: None,
        };
    }
    let pick = |f: fn(&Ratings) -> i32| -> Vec<i32> { responses.iter().map(f).collect() };
    let yes = responses.iter().filter(|r| r.would_recommend).count();
    FeedbackSummary {
        responses: n,
        suppressed: false,
        overall: rating_figures(&pick(|r| r.overall)),
        felt_safe: rating_figures(&pick(|r| r.felt_safe)),
        helpfulness: rating_figures(&pick(|r| r.helpfulness)),
        would_recommend_percent: Some(round1(100.0 * yes as f64 / n as f64)),
    }
}

/// Why a session or feedback is refused (HTTP 409, with this code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationRefusal {
    /// Sessions are logged on an active match only.
    NotActive(MatchStatus),
    /// Feedback is given once the match has ended.
    NotEnded(MatchStatus),
    /// Feedback is given once per person and match.
    FeedbackExists,
}

impl EvaluationRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotActive(_) => "match-not-active",
            Self::NotEnded(_) => "match-not-ended",
            Self::FeedbackExists => "feedback-exists",
        }
    }

    pub fn message(self) -> String {
        match self {
            Self::NotActive(s) => format!(
                "this match is {}; sessions are logged on an active match only",
                s.as_str()
            ),
            Self::NotEnded(s) => format!(
                "this match is {}; feedback is given once the match has ended",
                s.as_str()
            ),
            Self::FeedbackExists => "you have already given feedback on this match".into(),
        }
    }
}

impl From<EvaluationRefusal> for crate::Refusal {
    fn from(r: EvaluationRefusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// A session may be logged on a match of effective status `status` only
/// when it is active.
pub fn check_session_status(status: MatchStatus) -> Result<(), EvaluationRefusal> {
    if status == MatchStatus::Active {
        Ok(())
    } else {
        Err(EvaluationRefusal::NotActive(status))
    }
}

/// Feedback may be given on a match of effective status `status` once it
/// has ended, and once per person (`given`: this person already gave it).
pub fn check_feedback(status: MatchStatus, given: bool) -> Result<(), EvaluationRefusal> {
    if status != MatchStatus::Ended {
        Err(EvaluationRefusal::NotEnded(status))
    } else if given {
        Err(EvaluationRefusal::FeedbackExists)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7.0));
        assert_eq!(median(&[3, 1, 2]), Some(2.0));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2.5));
        assert_eq!(median(&[10, 20]), Some(15.0));
        assert_eq!(median(&[5, 5, 5, 5]), Some(5.0));
        assert_eq!(median(&[0, 0, 1, 100]), Some(0.5));
        assert_eq!(median(&[-3, 9, 1, 1, 2]), Some(1.0));
    }

    #[test]
    fn median_days_uses_seconds_and_rounds() {
        let a = at(2027, 1, 1, 0);
        assert_eq!(median_days(&[]), None);
        assert_eq!(median_days(&[(a, a + Duration::days(10))]), Some(10.0));
        // Even count: the mean of 10 and 31 days.
        let spans = [
            (a, a + Duration::days(31)),
            (a, a + Duration::days(10)),
            (a, a + Duration::days(5)),
            (a, a + Duration::days(40)),
        ];
        assert_eq!(median_days(&spans), Some(20.5));
        assert_eq!(median_days(&[(a, a + Duration::hours(36))]), Some(1.5));
        // An end before the start is ignored.
        assert_eq!(
            median_days(&[(a, a - Duration::days(1)), (a, a + Duration::days(2))]),
            Some(2.0)
        );
    }

    #[test]
    fn rating_figures_mean_and_distribution() {
        assert_eq!(rating_figures(&[]), None);
        let f = rating_figures(&[5, 4, 4]).unwrap();
        assert_eq!(f.mean, 4.3);
        assert_eq!(f.distribution, [0, 0, 0, 2, 1]);
        let f = rating_figures(&[1, 2, 3, 4, 5, 5]).unwrap();
        assert_eq!(f.mean, 3.3);
        assert_eq!(f.distribution, [1, 1, 1, 1, 2]);
        assert_eq!(rating_figures(&[0, 3]), None);
    }

    fn r(overall: i32, felt_safe: i32, helpfulness: i32, would_recommend: bool) -> Ratings {
        Ratings {
            overall,
            felt_safe,
            helpfulness,
            would_recommend,
        }
    }

    #[test]
    fn feedback_is_suppressed_below_the_minimum() {
        assert_eq!(MIN_RESPONSES, 3);
        for n in 0..MIN_RESPONSES {
            let rs = vec![r(5, 5, 5, true); n];
            let s = summarise_feedback(&rs);
            assert_eq!(s.responses, n);
            assert!(s.suppressed);
            assert_eq!(s.overall, None);
            assert_eq!(s.felt_safe, None);
            assert_eq!(s.helpfulness, None);
            assert_eq!(s.would_recommend_percent, None);
        }
    }

    #[test]
    fn feedback_figures_at_the_minimum() {
        let s = summarise_feedback(&[r(5, 4, 3, true), r(4, 4, 2, false), r(2, 5, 3, true)]);
        assert_eq!(s.responses, 3);
        assert!(!s.suppressed);
        assert_eq!(
            s.overall,
            Some(RatingFigures {
                mean: 3.7,
                distribution: [0, 1, 0, 1, 1]
            })
        );
        assert_eq!(s.felt_safe.as_ref().map(|f| f.mean), Some(4.3));
        assert_eq!(
            s.helpfulness.as_ref().map(|f| f.distribution),
            Some([0, 1, 2, 0, 0])
        );
        assert_eq!(s.would_recommend_percent, Some(66.7));
    }

    #[test]
    fn session_dates_and_lengths() {
        let now = at(2027, 3, 10, 12);
        let activated = Some(at(2027, 3, 1, 9));
        assert!(check_session(day(2027, 3, 10), 60, activated, now).is_ok());
        assert!(check_session(day(2027, 3, 1), 1, activated, now).is_ok());
        assert!(check_session(day(2027, 3, 5), 480, activated, now).is_ok());
        // Tomorrow is today somewhere east of UTC at 12:00Z (UTC+14 → 02:00
        // on the 11th); the day after is in the future everywhere.
        assert!(check_session(day(2027, 3, 11), 60, activated, now).is_ok());
        let e = check_session(day(2027, 3, 12), 60, activated, now).unwrap_err();
        assert_eq!(e.0[0].field, "held_on");
        assert_eq!(e.0[0].code, "in_future");
        // Before activation (09:00Z on the 1st is the 28th at the earliest).
        let e = check_session(day(2027, 2, 27), 60, activated, now).unwrap_err();
        assert_eq!(e.0[0].code, "before_match");
        for bad in [0, -5, 481] {
            let e = check_session(day(2027, 3, 5), bad, activated, now).unwrap_err();
            assert_eq!(e.0.len(), 1);
            assert_eq!(e.0[0].field, "duration_minutes");
            assert_eq!(e.0[0].code, "out_of_range");
        }
        // Both at once.
        let e = check_session(day(2030, 1, 1), 0, activated, now).unwrap_err();
        assert_eq!(e.0.len(), 2);
    }

    #[test]
    fn time_zone_bounds() {
        let t = at(2027, 6, 30, 23);
        assert_eq!(latest_session_date(t), day(2027, 7, 1));
        assert_eq!(earliest_session_date(at(2027, 6, 30, 11)), day(2027, 6, 29));
        assert_eq!(earliest_session_date(at(2027, 6, 30, 12)), day(2027, 6, 30));
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert!(check_ratings(&r(1, 5, 3, false)).is_ok());
        let e = check_ratings(&r(0, 6, 3, true)).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["overall", "felt_safe"]);
        assert!(e.0.iter().all(|f| f.code == "out_of_range"));
    }

    #[test]
    fn sessions_are_logged_on_active_matches_only() {
        assert_eq!(check_session_status(MatchStatus::Active), Ok(()));
        for st in MatchStatus::ALL
            .iter()
            .filter(|s| **s != MatchStatus::Active)
        {
            let r = check_session_status(*st).unwrap_err();
            assert_eq!(r.code(), "match-not-active");
            assert_eq!(
                r.message(),
                format!("this match is {st}; sessions are logged on an active match only")
            );
        }
    }

    #[test]
    fn feedback_once_after_the_end() {
        assert_eq!(check_feedback(MatchStatus::Ended, false), Ok(()));
        assert_eq!(
            check_feedback(MatchStatus::Ended, true),
            Err(EvaluationRefusal::FeedbackExists)
        );
        assert_eq!(
            check_feedback(MatchStatus::Active, false),
            Err(EvaluationRefusal::NotEnded(MatchStatus::Active))
        );
        let crate::Refusal::Conflict { code, message } =
            crate::Refusal::from(EvaluationRefusal::FeedbackExists)
        else {
            panic!("not a conflict");
        };
        assert_eq!(code, "feedback-exists");
        assert_eq!(message, "you have already given feedback on this match");
    }
}
