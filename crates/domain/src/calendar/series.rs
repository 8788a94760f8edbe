//! Recurring series: the local start times of a meeting repeated every N
//! weeks or months, bounded by a count or an inclusive end date.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime};

use crate::community::CadenceUnit;
use crate::validation::{Invalid, Violations};

/// Most occurrences one series may create.
pub const MAX_OCCURRENCES: u32 = 52;

/// How a series ends, once validated.
enum Bound {
    Count(u32),
    Until(NaiveDate),
}

/// Local start times of a series: `first`, then every `every` weeks or
/// months, keeping the wall-clock time.
///
/// Occurrence *k* is computed from `first`, not from the previous occurrence,
/// so month-end dates clamp without drifting: a series from 31 January runs
/// 31 Jan, 28 Feb (29 in a leap year), 31 Mar, 30 Apr, …
///
/// Exactly one of `count` (1 to [`MAX_OCCURRENCES`]) and `until` (a local
/// date, inclusive) must be given. Errors name the field: `count`, `until`
/// or `every`.
pub fn occurrences(
    first: NaiveDateTime,
    every: u32,
    unit: CadenceUnit,
    count: Option<u32>,
    until: Option<NaiveDate>,
) -> Result<Vec<NaiveDateTime>, Violations> {
    let mut v = Violations::new();
    if every == 0 {
        v.add("every", Invalid::new("out_of_range", "must be at least 1"));
    }
    let bound = match (count, until) {
        (None, None) => {
            v.add("count", Invalid::new("required", "give count or until"));
            None
        }
        (Some(_), Some(_)) => {
            v.add(
                "until",
                Invalid::new("exclusive", "give count or until, not both"),
            );
            None
        }
        (Some(n), None) if (1..=MAX_OCCURRENCES).contains(&n) => Some(Bound::Count(n)),
        (Some(_), None) => {
            v.add(
                "count",
                Invalid::new(
                    "out_of_range",
                    format!("must be between 1 and {MAX_OCCURRENCES}"),
                ),
            );
            None
        }
        (None, Some(u)) if u < first.date() => {
            v.add(
                "until",
                Invalid::new(
                    "before_start",
                    format!("must not be before the first occurrence ({})", first.date()),
                ),
            );
            None
        }
        (None, Some(u)) => Some(Bound::Until(u)),
    };
    let Some(bound) = bound.filter(|_| v.is_empty()) else {
        return Err(v);
    };

    let series = Series { first, every, unit };
    let (field, n) = match bound {
        Bound::Count(n) => ("count", n),
        Bound::Until(u) => {
            let n = series.count_until(u);
            match u32::try_from(n) {
                Ok(n) if n <= MAX_OCCURRENCES => ("until", n),
                _ => {
                    return Err(Violations::single(
                        "until",
                        Invalid::new(
                            "too_many",
                            format!(
                                "a series may have at most {MAX_OCCURRENCES} occurrences; \
                                 this one would have {n}"
                            ),
                        ),
                    ));
                }
            }
        }
    };
    (0..n)
        .map(|k| {
            series.nth(k).ok_or_else(|| {
                Violations::single(
                    field,
                    Invalid::new(
                        "out_of_range",
                        "the series runs past the last supported date",
                    ),
                )
            })
        })
        .collect()
}

/// A validated series (`every` ≥ 1).
struct Series {
    first: NaiveDateTime,
    every: u32,
    unit: CadenceUnit,
}

impl Series {
    /// Occurrence `k` (0 = `first`), or `None` past chrono's range.
    fn nth(&self, k: u32) -> Option<NaiveDateTime> {
        match self.unit {
            CadenceUnit::Weeks => {
                let days = 7 * u64::from(self.every) * u64::from(k);
                self.first.checked_add_days(Days::new(days))
            }
            CadenceUnit::Months => {
                let months = self.every.checked_mul(k)?;
                let date = self.first.date().checked_add_months(Months::new(months))?;
                Some(date.and_time(self.first.time()))
            }
        }
    }

    /// How many occurrences fall on or before `until` (≥ `first.date()`).
    fn count_until(&self, until: NaiveDate) -> u64 {
        let start = self.first.date();
        let every = u64::from(self.every.max(1));
        match self.unit {
            CadenceUnit::Weeks => {
                let days = u64::try_from((until - start).num_days()).unwrap_or(0);
                days / (7 * every) + 1
            }
            CadenceUnit::Months => {
                let months = (i64::from(until.year()) - i64::from(start.year())) * 12
                    + i64::from(until.month())
                    - i64::from(start.month());
                let last = u64::try_from(months).unwrap_or(0) / every;
                // Occurrences before `last` fall in months before `until`'s
                // month; `last` itself may fall after `until` in the same month.
                let last_fits = u32::try_from(last)
                    .ok()
                    .and_then(|k| self.nth(k))
                    .is_some_and(|t| t.date() <= until);
                last + u64::from(last_fits)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::local::tests::local;
    use crate::calendar::local::{format_local, resolve, to_local};
    use chrono::Timelike;
    use chrono_tz::Europe::London;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn locals(v: &[NaiveDateTime]) -> Vec<String> {
        v.iter().map(|t| format_local(*t)).collect()
    }

    /// The (field, code) pairs of a failed `occurrences`.
    fn errors(r: Result<Vec<NaiveDateTime>, Violations>) -> Vec<(String, String)> {
        r.unwrap_err()
            .0
            .into_iter()
            .map(|v| (v.field, v.code))
            .collect()
    }

    fn err(field: &str, code: &str) -> Vec<(String, String)> {
        vec![(field.to_owned(), code.to_owned())]
    }

    #[test]
    fn monthly_series_keeps_wall_clock_time_across_dst() {
        let series = occurrences(
            local("2027-01-10T10:00"),
            1,
            CadenceUnit::Months,
            Some(12),
            None,
        )
        .unwrap();
        assert_eq!(series.len(), 12);
        let instants: Vec<_> = series
            .iter()
            .map(|t| resolve(London, *t).unwrap())
            .collect();
        for (t, instant) in series.iter().zip(&instants) {
            assert_eq!(to_local(London, *instant), *t);
            assert_eq!(
                to_local(London, *instant).format("%H:%M").to_string(),
                "10:00"
            );
        }
        // The UTC hour really does change (GMT in winter, BST in summer).
        let hours: Vec<u32> = instants.iter().map(|i| i.hour()).collect();
        assert_eq!(hours, [10, 10, 10, 9, 9, 9, 9, 9, 9, 9, 10, 10]);
    }

    #[test]
    fn every_three_months() {
        let s = occurrences(
            local("2027-01-15T18:30"),
            3,
            CadenceUnit::Months,
            Some(5),
            None,
        )
        .unwrap();
        assert_eq!(
            locals(&s),
            [
                "2027-01-15T18:30:00",
                "2027-04-15T18:30:00",
                "2027-07-15T18:30:00",
                "2027-10-15T18:30:00",
                "2028-01-15T18:30:00",
            ]
        );
    }

    #[test]
    fn month_end_clamps_from_first_without_drift() {
        let s = occurrences(
            local("2027-01-31T09:00"),
            1,
            CadenceUnit::Months,
            Some(5),
            None,
        )
        .unwrap();
        assert_eq!(
            locals(&s),
            [
                "2027-01-31T09:00:00",
                "2027-02-28T09:00:00",
                "2027-03-31T09:00:00",
                "2027-04-30T09:00:00",
                "2027-05-31T09:00:00",
            ]
        );
        let leap = occurrences(
            local("2028-01-31T09:00"),
            1,
            CadenceUnit::Months,
            Some(2),
            None,
        )
        .unwrap();
        assert_eq!(leap[1], local("2028-02-29T09:00"));
    }

    #[test]
    fn weekly_and_fortnightly() {
        let s = occurrences(
            local("2027-03-21T19:00"),
            1,
            CadenceUnit::Weeks,
            Some(3),
            None,
        )
        .unwrap();
        assert_eq!(
            locals(&s),
            [
                "2027-03-21T19:00:00",
                "2027-03-28T19:00:00",
                "2027-04-04T19:00:00"
            ]
        );
        let s = occurrences(
            local("2027-12-20T19:00"),
            2,
            CadenceUnit::Weeks,
            Some(3),
            None,
        )
        .unwrap();
        assert_eq!(
            locals(&s),
            [
                "2027-12-20T19:00:00",
                "2028-01-03T19:00:00",
                "2028-01-17T19:00:00"
            ]
        );
    }

    #[test]
    fn until_is_inclusive() {
        let first = local("2027-01-05T10:00");
        let weeks = |until: &str| {
            occurrences(first, 1, CadenceUnit::Weeks, None, Some(date(until))).unwrap()
        };
        assert_eq!(weeks("2027-01-19").len(), 3);
        assert_eq!(weeks("2027-01-18").len(), 2);
        assert_eq!(weeks("2027-01-05"), [first]);
        assert_eq!(weeks("2027-01-19").last(), Some(&local("2027-01-19T10:00")));

        let months = |first: &str, until: &str| {
            occurrences(
                local(first),
                1,
                CadenceUnit::Months,
                None,
                Some(date(until)),
            )
            .unwrap()
        };
        assert_eq!(months("2027-01-05T10:00", "2027-03-05").len(), 3);
        assert_eq!(months("2027-01-05T10:00", "2027-03-04").len(), 2);
        // 31 Jan, 28 Feb, 31 Mar: the clamped one counts, the March one does not yet.
        assert_eq!(
            locals(&months("2027-01-31T10:00", "2027-03-30")),
            ["2027-01-31T10:00:00", "2027-02-28T10:00:00"]
        );
        let quarterly = occurrences(
            local("2027-01-31T10:00"),
            3,
            CadenceUnit::Months,
            None,
            Some(date("2027-12-31")),
        )
        .unwrap();
        assert_eq!(
            locals(&quarterly),
            [
                "2027-01-31T10:00:00",
                "2027-04-30T10:00:00",
                "2027-07-31T10:00:00",
                "2027-10-31T10:00:00",
            ]
        );
    }

    #[test]
    fn until_allows_exactly_the_maximum() {
        let first = local("2027-01-04T10:00");
        // 52 weekly occurrences: the last is 51 weeks after the first.
        let last = first.date() + Days::new(7 * 51);
        let s = occurrences(first, 1, CadenceUnit::Weeks, None, Some(last)).unwrap();
        assert_eq!(s.len(), MAX_OCCURRENCES as usize);
        let r = occurrences(
            first,
            1,
            CadenceUnit::Weeks,
            None,
            Some(last + Days::new(7)),
        );
        let v = r.unwrap_err();
        assert_eq!(errors(Err(v.clone())), err("until", "too_many"));
        assert!(v.0[0].message.contains("52"), "{}", v.0[0].message);
        assert!(v.0[0].message.contains("53"), "{}", v.0[0].message);
    }

    #[test]
    fn series_errors_name_field_and_code() {
        let first = local("2027-01-10T10:00");
        let m = CadenceUnit::Months;
        assert_eq!(
            errors(occurrences(first, 1, m, None, None)),
            err("count", "required")
        );
        let v = occurrences(first, 1, m, None, None).unwrap_err();
        assert_eq!(v.0[0].message, "give count or until");
        let v = occurrences(first, 1, m, Some(3), Some(date("2027-06-01"))).unwrap_err();
        assert_eq!(errors(Err(v.clone())), err("until", "exclusive"));
        assert_eq!(v.0[0].message, "give count or until, not both");
        for bad in [0, MAX_OCCURRENCES + 1, u32::MAX] {
            let v = occurrences(first, 1, m, Some(bad), None).unwrap_err();
            assert_eq!(errors(Err(v.clone())), err("count", "out_of_range"));
            assert_eq!(v.0[0].message, "must be between 1 and 52");
        }
        assert_eq!(occurrences(first, 1, m, Some(52), None).unwrap().len(), 52);
        assert_eq!(
            errors(occurrences(first, 1, m, None, Some(date("2027-01-09")))),
            err("until", "before_start")
        );
        assert_eq!(
            errors(occurrences(first, 1, m, None, Some(date("2032-01-10")))),
            err("until", "too_many")
        );
        assert_eq!(
            errors(occurrences(first, 0, CadenceUnit::Weeks, Some(3), None)),
            err("every", "out_of_range")
        );
        // Independent problems are reported together.
        assert_eq!(
            errors(occurrences(first, 0, m, None, None)),
            [
                ("every".to_owned(), "out_of_range".to_owned()),
                ("count".to_owned(), "required".to_owned())
            ]
        );
    }

    #[test]
    fn too_many_counts_exactly_for_months() {
        // Monthly from 31 Jan 2027 to 30 Jun 2031: 53 months after the first,
        // the last (clamped to 30 Jun 2031) included, so 54 occurrences.
        let v = occurrences(
            local("2027-01-31T10:00"),
            1,
            CadenceUnit::Months,
            None,
            Some(date("2031-06-30")),
        )
        .unwrap_err();
        assert_eq!(v.0[0].code, "too_many");
        assert!(
            v.0[0].message.ends_with("would have 54"),
            "{}",
            v.0[0].message
        );
    }
}
