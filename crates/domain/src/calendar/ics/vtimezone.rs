//! Generated `VTIMEZONE` components (see the [`calendar`](crate::calendar)
//! module documentation).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TzOffset};

use super::content::{Lines, escape_text, ical_local};

/// How often the offset of a zone is sampled when looking for transitions.
/// No zone changes its offset twice within this span.
const SAMPLE_STEP_SECONDS: i64 = 6 * 3600;

/// How many rendered `VTIMEZONE`s [`write_vtimezone`] keeps. A zone and a
/// span of years is one entry (a few KiB for a span of a decade); when full,
/// the memo starts again empty, so a caller choosing unusual years can cost
/// a re-render, never unbounded memory.
const MEMO_ENTRIES: usize = 64;

/// Rendered `VTIMEZONE`s by (zone name, first year, last year).
type Memo = HashMap<(&'static str, i32, i32), Arc<str>>;

fn memo() -> &'static Mutex<Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(Mutex::default)
}

/// Writes the `VTIMEZONE` of `tz` covering local years `first_year` to
/// `last_year` inclusive (see the [`calendar`](crate::calendar) module
/// documentation).
///
/// Finding a zone's transitions samples its offset every few hours across
/// the span, which made it most of a feed's cost; the result depends on
/// the zone and the years only (the time zone database is compiled in), so
/// it is rendered once and reused from a bounded memo.
pub(super) fn write_vtimezone(out: &mut Lines, tz: Tz, first_year: i32, last_year: i32) {
    let key = (tz.name(), first_year, last_year);
    // A poisoned lock only means another render panicked; the map is
    // still whole, and rendering afresh is always correct.
    if let Some(text) = memo().lock().ok().and_then(|m| m.get(&key).cloned()) {
        out.0.push_str(&text);
        return;
    }
    let mut fresh = Lines::default();
    render_vtimezone(&mut fresh, tz, first_year, last_year);
    out.0.push_str(&fresh.0);
    if let Ok(mut m) = memo().lock() {
        if m.len() >= MEMO_ENTRIES {
            m.clear();
        }
        m.insert(key, Arc::from(fresh.0));
    }
}

/// Renders the `VTIMEZONE` [`write_vtimezone`] writes, without the memo.
fn render_vtimezone(out: &mut Lines, tz: Tz, first_year: i32, last_year: i32) {
    let start_local = NaiveDate::from_ymd_opt(first_year, 1, 1)
        .unwrap_or(NaiveDate::MIN)
        .and_time(NaiveTime::MIN);
    let end_local = NaiveDate::from_ymd_opt(last_year.saturating_add(1), 1, 1)
        .unwrap_or(NaiveDate::MAX)
        .and_time(NaiveTime::MIN);
    let start = utc_of_local(tz, start_local);
    let end = utc_of_local(tz, end_local);
    let initial = offset_at(tz, start);

    out.prop("BEGIN", "VTIMEZONE");
    out.prop("TZID", &escape_text(tz.name()));
    write_observance(out, start_local, initial, initial);
    for (at, from, to) in transitions(tz, start, end, initial) {
        // The onset is the local time at the transition in the offset before it.
        let onset = at
            .checked_add_signed(TimeDelta::seconds(i64::from(total_seconds(from))))
            .unwrap_or(at);
        write_observance(out, onset, from, to);
    }
    out.prop("END", "VTIMEZONE");
}

/// One `STANDARD` or `DAYLIGHT` observance starting at local time `onset`.
fn write_observance(out: &mut Lines, onset: NaiveDateTime, from: TzOffset, to: TzOffset) {
    let kind = if to.dst_offset() == TimeDelta::zero() {
        "STANDARD"
    } else {
        "DAYLIGHT"
    };
    out.prop("BEGIN", kind);
    out.prop("DTSTART", &ical_local(&onset));
    out.prop("TZOFFSETFROM", &format_offset(total_seconds(from)));
    out.prop("TZOFFSETTO", &format_offset(total_seconds(to)));
    if let Some(abbreviation) = to.abbreviation() {
        out.prop("TZNAME", &escape_text(abbreviation));
    }
    out.prop("END", kind);
}

/// Every change of offset (or of its name or daylight-saving part) of `tz`
/// in `(start, end)`, as (instant, offset before, offset after), with the
/// instants as UTC naive date-times.
fn transitions(
    tz: Tz,
    start: NaiveDateTime,
    end: NaiveDateTime,
    initial: TzOffset,
) -> Vec<(NaiveDateTime, TzOffset, TzOffset)> {
    let (start, end) = (start.and_utc().timestamp(), end.and_utc().timestamp());
    let at = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .unwrap_or_default()
            .naive_utc()
    };
    let mut found = Vec::new();
    let (mut t, mut current) = (start, initial);
    while t < end {
        let next = t.saturating_add(SAMPLE_STEP_SECONDS).min(end);
        let sampled = offset_at(tz, at(next));
        // Normally at most one change per step; loop in case of more.
        let mut lo = t;
        while sampled != current {
            // Invariant: offset(lo) == current, offset(hi) != current.
            let mut hi = next;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, at(mid)) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let changed = offset_at(tz, at(hi));
            found.push((at(hi), current, changed));
            (lo, current) = (hi, changed);
        }
        t = next;
    }
    found
}

/// The instant (as a UTC naive date-time) of a local time, taking the earlier
/// of two and, in a gap, reading the local time as UTC (only used for range
/// bounds, where a few hours do not matter).
fn utc_of_local(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    tz.from_local_datetime(&local)
        .earliest()
        .map_or(local, |t| t.naive_utc())
}

fn offset_at(tz: Tz, utc: NaiveDateTime) -> TzOffset {
    tz.offset_from_utc_datetime(&utc)
}

fn total_seconds(offset: TzOffset) -> i32 {
    offset.fix().local_minus_utc()
}

/// A UTC offset as `±HHMM`, or `±HHMMSS` when it has seconds (§3.3.14).
fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ics::content::tests::unfold;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;

    /// The `VTIMEZONE` of `tz` for local years `first_year` to `last_year`,
    /// as `render` writes it for events in the years between (one year
    /// either side of theirs).
    fn vtimezone(tz: Tz, first_year: i32, last_year: i32) -> String {
        let mut out = Lines::default();
        write_vtimezone(&mut out, tz, first_year, last_year);
        out.0
    }

    /// The observances (kind, DTSTART, FROM, TO, TZNAME) of the first
    /// VTIMEZONE of `ics`, from the raw lines.
    fn observances(ics: &str) -> Vec<[String; 5]> {
        let text = unfold(ics);
        let mut out = Vec::new();
        let mut current: Option<[String; 5]> = None;
        for line in text.split("\r\n") {
            if line == "END:VTIMEZONE" {
                break;
            }
            if let Some(kind) = line.strip_prefix("BEGIN:") {
                if kind == "STANDARD" || kind == "DAYLIGHT" {
                    current = Some([
                        kind.to_owned(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]);
                }
            } else if line.starts_with("END:") {
                if let Some(c) = current.take() {
                    out.push(c);
                }
            } else if let (Some(c), Some((k, v))) = (current.as_mut(), line.split_once(':')) {
                let i = match k {
                    "DTSTART" => 1,
                    "TZOFFSETFROM" => 2,
                    "TZOFFSETTO" => 3,
                    "TZNAME" => 4,
                    _ => continue,
                };
                c[i] = v.to_owned();
            }
        }
        out
    }

    fn obs(kind: &str, start: &str, from: &str, to: &str, name: &str) -> [String; 5] {
        [kind, start, from, to, name].map(str::to_owned)
    }

    #[test]
    fn memo_answers_what_a_fresh_render_writes_and_stays_bounded() {
        let fresh = |tz, a, b| {
            let mut out = Lines::default();
            render_vtimezone(&mut out, tz, a, b);
            out.0
        };
        // Twice: the second comes from the memo.
        for _ in 0..2 {
            assert_eq!(vtimezone(London, 2025, 2027), fresh(London, 2025, 2027));
            assert_eq!(vtimezone(New_York, 2025, 2027), fresh(New_York, 2025, 2027));
        }
        // More spans than it keeps: still right, and never more entries.
        for year in 1990..1990 + 2 * MEMO_ENTRIES as i32 {
            assert_eq!(vtimezone(London, year, year), fresh(London, year, year));
            assert!(memo().lock().map(|m| m.len()).unwrap_or(0) <= MEMO_ENTRIES);
        }
    }

    #[test]
    fn vtimezone_london_lists_each_change_in_range() {
        let ics = vtimezone(London, 2026, 2028);
        assert_eq!(
            observances(&ics),
            [
                obs("STANDARD", "20260101T000000", "+0000", "+0000", "GMT"),
                obs("DAYLIGHT", "20260329T010000", "+0000", "+0100", "BST"),
                obs("STANDARD", "20261025T020000", "+0100", "+0000", "GMT"),
                obs("DAYLIGHT", "20270328T010000", "+0000", "+0100", "BST"),
                obs("STANDARD", "20271031T020000", "+0100", "+0000", "GMT"),
                obs("DAYLIGHT", "20280326T010000", "+0000", "+0100", "BST"),
                obs("STANDARD", "20281029T020000", "+0100", "+0000", "GMT"),
            ]
        );
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
    }

    #[test]
    fn vtimezone_new_york_and_half_hour_dst() {
        let ics = vtimezone(New_York, 2026, 2028);
        let o = observances(&ics);
        assert_eq!(
            o[0],
            obs("STANDARD", "20260101T000000", "-0500", "-0500", "EST")
        );
        assert!(o.contains(&obs("DAYLIGHT", "20270314T020000", "-0500", "-0400", "EDT")));
        assert!(o.contains(&obs("STANDARD", "20271107T020000", "-0400", "-0500", "EST")));
        assert_eq!(o.len(), 7);

        let lord_howe = chrono_tz::Australia::Lord_Howe;
        let ics = vtimezone(lord_howe, 2026, 2028);
        let o = observances(&ics);
        // Southern hemisphere: summer time at the start of the year.
        assert_eq!(o[0][0], "DAYLIGHT");
        assert_eq!(o[0][3], "+1100");
        assert!(o.iter().any(|x| x[2] == "+1100" && x[3] == "+1030"));
    }

    #[test]
    fn vtimezone_without_transitions_is_one_observance() {
        for (tz, offset, name) in [
            (Tz::UTC, "+0000", "UTC"),
            (chrono_tz::Asia::Tokyo, "+0900", "JST"),
        ] {
            let ics = vtimezone(tz, 2026, 2028);
            assert_eq!(
                observances(&ics),
                [obs("STANDARD", "20260101T000000", offset, offset, name)]
            );
        }
    }

    #[test]
    fn vtimezone_offsets_with_seconds() {
        assert_eq!(format_offset(0), "+0000");
        assert_eq!(format_offset(-75), "-000115");
        assert_eq!(format_offset(5 * 3600 + 30 * 60), "+0530");
        assert_eq!(format_offset(-(9 * 3600 + 30 * 60)), "-0930");
        // London kept local mean time (-0:01:15) until 1 December 1847.
        let ics = vtimezone(London, 1846, 1848);
        let o = observances(&ics);
        assert_eq!(o[0][2..4], ["-000115", "-000115"]);
        assert!(
            o.iter()
                .any(|x| x[1] == "18471201T000000" && x[2] == "-000115" && x[3] == "+0000"),
            "{o:?}"
        );
    }
}
