//! Wall-clock time, recurring series and iCalendar (RFC 5545) export.
//!
//! Meetings are planned in local wall-clock time in a named IANA zone
//! ("18:30 in Europe/London, every month"), and stored as instants. This
//! module holds the pure rules that connect the two:
//!
//! - [`parse_timezone`], [`parse_local`] and [`format_local`] read and write
//!   the API's representation of a zone and a local time;
//! - [`resolve`] turns a local time into an instant, refusing the times that do
//!   not exist (spring gap) or happen twice (autumn overlap) rather than
//!   guessing; [`to_local`] goes back;
//! - [`occurrences`] expands a series (every N weeks or months, bounded by a
//!   count or an inclusive end date) in local time, so every occurrence keeps
//!   its wall-clock time across clock changes;
//! - [`render`] writes a whole `VCALENDAR`.
//!
//! Choices made in [`render`]:
//!
//! - **Generated `VTIMEZONE`.** Events carry `DTSTART;TZID=<IANA name>` with
//!   local times, so a client shows them at the intended wall-clock time even
//!   if the zone's rules change. RFC 5545 requires a `VTIMEZONE` for every
//!   `TZID` used; chrono-tz does not expose its transition table, so the
//!   transitions are found by sampling the zone's offset every few hours over
//!   the years the events span (plus one year either side) and
//!   binary-searching the exact second of each change. Each transition becomes
//!   one `STANDARD` or `DAYLIGHT` observance with an explicit `DTSTART` (no
//!   `RRULE`), preceded by one observance for the offset in force on 1 January
//!   of the first year, so the whole range is covered.
//! - **`DTSTAMP` = the event's `last_modified`.** Without a `METHOD` property,
//!   RFC 5545 §3.8.7.2 defines `DTSTAMP` as the time the event was last
//!   revised, so using `last_modified` is correct and keeps the output
//!   deterministic: the same events always give the same bytes (useful for
//!   `ETag`s and caching), and nothing reads the clock.
//! - **No `METHOD`.** The feed is a published calendar, not an iTIP scheduling
//!   message (RFC 5546); `METHOD` would change the meaning of `DTSTAMP`.
//!
//! Text values are escaped per §3.3.11 (control characters other than line
//! breaks are dropped), parameter values are quoted when they must be, and
//! content lines are folded at 75 octets without splitting a UTF-8 character.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TzOffset};

use crate::community::CadenceUnit;
use crate::validation::{Invalid, Violations};

/// Most occurrences one series may create.
pub const MAX_OCCURRENCES: u32 = 52;

/// The API's local wall-clock format (see [`parse_local`], [`format_local`]).
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";
/// The same without seconds, accepted on input.
const LOCAL_FORMAT_MINUTES: &str = "%Y-%m-%dT%H:%M";
/// iCalendar DATE-TIME, local form (RFC 5545 §3.3.5, form #3 with `TZID`).
const ICAL_LOCAL: &str = "%Y%m%dT%H%M%S";
/// iCalendar DATE-TIME, UTC form (§3.3.5, form #2).
const ICAL_UTC: &str = "%Y%m%dT%H%M%SZ";
/// Longest content line, in octets, excluding the line break (§3.1).
const MAX_LINE_OCTETS: usize = 75;
/// How often the offset of a zone is sampled when looking for transitions.
/// No zone changes its offset twice within this span.
const SAMPLE_STEP_SECONDS: i64 = 6 * 3600;

// ---------------------------------------------------------------------------
// Zones and local times
// ---------------------------------------------------------------------------

/// An IANA zone name (e.g. `Europe/London`) → [`Tz`]. Surrounding whitespace
/// is ignored; the name is case-sensitive.
pub fn parse_timezone(s: &str) -> Result<Tz, Invalid> {
    let s = s.trim();
    s.parse::<Tz>().map_err(|_| {
        Invalid::new(
            "unknown_timezone",
            format!("`{s}` is not an IANA time zone name (e.g. Europe/London)"),
        )
    })
}

/// A local wall-clock time, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (no
/// fraction, no offset). Surrounding whitespace is ignored.
///
/// A time with an offset or `Z` is refused with `not_local_time`: the zone
/// is given separately, and an offset would be ambiguous with it.
pub fn parse_local(s: &str) -> Result<NaiveDateTime, Invalid> {
    let s = s.trim();
    if has_offset(s) {
        return Err(Invalid::new(
            "not_local_time",
            format!(
                "`{s}` has a UTC offset; give the local wall-clock time without an offset \
                 (e.g. 2027-03-01T18:30) and put the zone in `timezone`"
            ),
        ));
    }
    let shape_ok = matches!(s.len(), 16 | 19)
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    let format = if s.len() == 16 {
        LOCAL_FORMAT_MINUTES
    } else {
        LOCAL_FORMAT
    };
    shape_ok
        .then(|| NaiveDateTime::parse_from_str(s, format).ok())
        .flatten()
        // `%S` accepts a leap second (60), which has no wall-clock meaning here.
        .filter(|t| t.nanosecond() == 0)
        .ok_or_else(|| {
            Invalid::new(
                "invalid_datetime",
                format!("`{s}` is not a local date and time like 2027-03-01T18:30"),
            )
        })
}

/// Whether `s` looks like a date-time whose time part carries a UTC offset
/// (`+01:00`, `-0500`) or `Z`.
fn has_offset(s: &str) -> bool {
    let Some(sep) = s.find(['T', 't', ' ']) else {
        return false;
    };
    let time = &s[sep + 1..];
    time.starts_with(|c: char| c.is_ascii_digit())
        && (time.contains(['+', '-']) || time.ends_with(['Z', 'z']))
}

/// Formats a local time as `YYYY-MM-DDTHH:MM:SS`, the inverse of
/// [`parse_local`].
pub fn format_local(t: NaiveDateTime) -> String {
    t.format(LOCAL_FORMAT).to_string()
}

/// The instant of the local time `local` in `tz`.
///
/// A time skipped by a clock change (`nonexistent_local_time`) or repeated by
/// one (`ambiguous_local_time`) is refused rather than guessed.
pub fn resolve(tz: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>, Invalid> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(..) => Err(Invalid::new(
            "ambiguous_local_time",
            format!(
                "{} happens twice in {}: the clocks go back at that time; \
                 choose a time outside the repeated hour",
                format_local(local),
                tz.name()
            ),
        )),
        LocalResult::None => Err(Invalid::new(
            "nonexistent_local_time",
            format!(
                "{} does not exist in {}: the clocks go forward at that time; \
                 choose a time outside the skipped hour",
                format_local(local),
                tz.name()
            ),
        )),
    }
}

/// The local wall-clock time of `instant` in `tz`.
pub fn to_local(tz: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&tz).naive_local()
}

// ---------------------------------------------------------------------------
// Series
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// iCalendar
// ---------------------------------------------------------------------------

/// Whether an event takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    Cancelled,
}

impl EventStatus {
    fn ical(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Who organises an event (`ORGANIZER;CN=<name>:mailto:<email>`).
#[derive(Debug, Clone)]
pub struct Organizer<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// One `VEVENT`.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Globally unique and stable across revisions.
    pub uid: &'a str,
    /// Revision number; bump it on every significant change.
    pub sequence: i32,
    pub status: EventStatus,
    pub summary: &'a str,
    /// Plain text; omitted when empty.
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    /// The zone the event is planned in; `DTSTART`/`DTEND` are local to it.
    pub tz: Tz,
    pub start: DateTime<Utc>,
    /// `DTEND` is written only when positive.
    pub duration_minutes: i32,
    pub created: DateTime<Utc>,
    /// Also the `DTSTAMP` (see the module documentation).
    pub last_modified: DateTime<Utc>,
    pub organizer: Option<Organizer<'a>>,
}

impl Event<'_> {
    /// The end instant: start + duration in real time, so a meeting across a
    /// clock change keeps its length (its local end shifts instead).
    fn end(&self) -> DateTime<Utc> {
        self.start
            .checked_add_signed(TimeDelta::minutes(i64::from(self.duration_minutes.max(0))))
            .unwrap_or(self.start)
    }
}

/// A whole `VCALENDAR` (RFC 5545) named `name`, with a generated `VTIMEZONE`
/// for each zone the events use and the events in the given order.
///
/// CRLF line endings, lines folded at 75 octets. Deterministic: the same
/// input gives the same bytes.
pub fn render(name: &str, events: &[Event<'_>]) -> String {
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//PeerHub//PeerHub API//EN");
    out.line("CALSCALE:GREGORIAN");
    out.prop("X-WR-CALNAME", &escape_text(name));
    out.prop("NAME", &escape_text(name));

    // Each zone with the local years its events span, sorted by zone name.
    let mut zones: BTreeMap<&'static str, (Tz, i32, i32)> = BTreeMap::new();
    for e in events {
        let first = to_local(e.tz, e.start).year();
        let last = to_local(e.tz, e.end()).year();
        let span = zones.entry(e.tz.name()).or_insert((e.tz, first, last));
        span.1 = span.1.min(first);
        span.2 = span.2.max(last);
    }
    for &(tz, first, last) in zones.values() {
        write_vtimezone(
            &mut out,
            tz,
            first.saturating_sub(1),
            last.saturating_add(1),
        );
    }

    for e in events {
        write_event(&mut out, e);
    }
    out.line("END:VCALENDAR");
    out.0
}

fn write_event(out: &mut Lines, e: &Event<'_>) {
    let zone = param_value(e.tz.name());
    out.line("BEGIN:VEVENT");
    out.prop("UID", &escape_text(e.uid));
    out.prop("DTSTAMP", &utc_stamp(e.last_modified));
    out.prop("CREATED", &utc_stamp(e.created));
    out.prop("LAST-MODIFIED", &utc_stamp(e.last_modified));
    out.prop("SEQUENCE", &e.sequence.max(0).to_string());
    out.prop("STATUS", e.status.ical());
    out.prop("SUMMARY", &escape_text(e.summary));
    let local_start = to_local(e.tz, e.start).format(ICAL_LOCAL);
    out.prop(&format!("DTSTART;TZID={zone}"), &local_start.to_string());
    if e.duration_minutes > 0 {
        let local_end = to_local(e.tz, e.end()).format(ICAL_LOCAL);
        out.prop(&format!("DTEND;TZID={zone}"), &local_end.to_string());
    }
    let description = escape_text(e.description);
    if !description.is_empty() {
        out.prop("DESCRIPTION", &description);
    }
    if let Some(location) = e.location.map(escape_text).filter(|l| !l.is_empty()) {
        out.prop("LOCATION", &location);
    }
    if let Some(url) = e.url.map(uri_value).filter(|u| !u.is_empty()) {
        out.prop("URL", &url);
    }
    if let Some(organizer) = &e.organizer {
        let email = uri_value(organizer.email);
        if !email.is_empty() {
            let cn = param_value(organizer.name);
            let params = if cn.is_empty() {
                String::new()
            } else {
                format!(";CN={cn}")
            };
            out.prop(&format!("ORGANIZER{params}"), &format!("mailto:{email}"));
        }
    }
    out.line("TRANSP:OPAQUE");
    out.line("END:VEVENT");
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format(ICAL_UTC).to_string()
}

// --- VTIMEZONE --------------------------------------------------------------

/// Writes the `VTIMEZONE` of `tz` covering local years `first_year` to
/// `last_year` inclusive (see the module documentation).
fn write_vtimezone(out: &mut Lines, tz: Tz, first_year: i32, last_year: i32) {
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
    out.prop("DTSTART", &onset.format(ICAL_LOCAL).to_string());
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

// --- Values and lines ---------------------------------------------------------

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\`, `;` and `,` get a
/// backslash, a line break (LF or CRLF) becomes `\n`, a lone CR and every
/// other control character are dropped.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // CR of a CRLF (whose LF gives the `\n`) or a lone CR.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (§3.2): control characters dropped, `"` (not allowed
/// at all) replaced by `'`, and the whole quoted if it contains `:`, `;` or `,`.
fn param_value(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    if cleaned.contains([':', ';', ',']) {
        format!("\"{cleaned}\"")
    } else {
        cleaned
    }
}

/// A URI value (URL, `mailto:`): not TEXT-escaped, but line breaks and other
/// control characters, which cannot appear in a content line, are dropped.
fn uri_value(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Content lines being written: each folded and ended with CRLF.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, content: &str) {
        fold_into(&mut self.0, content);
    }

    /// `name` (with any parameters) `:` `value`; the value already encoded.
    fn prop(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }
}

/// Appends `line` folded (§3.1): no physical line longer than 75 octets, the
/// continuation lines starting with one space (which counts), never splitting
/// a UTF-8 character; every physical line ends with CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;
    use proptest::prelude::*;

    fn local(s: &str) -> NaiveDateTime {
        parse_local(s).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

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

    // --- zones and local times ---------------------------------------------

    #[test]
    fn parse_timezone_accepts_iana_names_only() {
        assert_eq!(parse_timezone(" Europe/London ").unwrap(), London);
        assert_eq!(parse_timezone("UTC").unwrap(), Tz::UTC);
        let e = parse_timezone("Europe/Londn").unwrap_err();
        assert_eq!(e.code, "unknown_timezone");
        assert_eq!(
            e.message,
            "`Europe/Londn` is not an IANA time zone name (e.g. Europe/London)"
        );
        assert_eq!(parse_timezone("").unwrap_err().code, "unknown_timezone");
        assert_eq!(
            parse_timezone("+01:00").unwrap_err().code,
            "unknown_timezone"
        );
    }

    #[test]
    fn parse_local_accepts_minutes_or_seconds_without_offset() {
        let t = local("2027-03-01T18:30");
        assert_eq!(format_local(t), "2027-03-01T18:30:00");
        assert_eq!(
            format_local(local(" 2027-03-01T18:30:15 ")),
            "2027-03-01T18:30:15"
        );
        assert_eq!(parse_local(&format_local(t)).unwrap(), t);

        for with_offset in [
            "2027-03-01T18:30Z",
            "2027-03-01T18:30:00Z",
            "2027-03-01T18:30:00+01:00",
            "2027-03-01T18:30-0500",
            "2027-03-01T18:30:00.000Z",
        ] {
            let e = parse_local(with_offset).unwrap_err();
            assert_eq!(e.code, "not_local_time", "{with_offset}");
            assert!(e.message.contains("timezone"), "{}", e.message);
        }
        for bad in [
            "",
            "2027-03-01",
            "2027-03-01 18:30",
            "2027-3-1T18:30",
            "2027-02-30T18:30",
            "2027-03-01T24:00",
            "2027-03-01T18:30:60",
            "2027-03-01T18:30:00.5",
            "+2027-03-01T18:30",
            "tomorrow",
        ] {
            assert_eq!(
                parse_local(bad).unwrap_err().code,
                "invalid_datetime",
                "{bad}"
            );
        }
    }

    #[test]
    fn london_spring_forward() {
        // 2027-03-28 is the last Sunday of March: GMT → BST at 01:00 GMT.
        assert_eq!(
            resolve(London, local("2027-03-27T10:00")).unwrap(),
            utc("2027-03-27T10:00:00Z")
        );
        assert_eq!(
            resolve(London, local("2027-03-29T10:00")).unwrap(),
            utc("2027-03-29T09:00:00Z")
        );
        let e = resolve(London, local("2027-03-28T01:30")).unwrap_err();
        assert_eq!(e.code, "nonexistent_local_time");
        assert_eq!(
            e.message,
            "2027-03-28T01:30:00 does not exist in Europe/London: the clocks go forward \
             at that time; choose a time outside the skipped hour"
        );
        assert_eq!(
            to_local(London, utc("2027-03-29T09:00:00Z")),
            local("2027-03-29T10:00")
        );
    }

    #[test]
    fn london_fall_back() {
        // 2027-10-31 is the last Sunday of October: BST → GMT at 01:00 GMT.
        assert_eq!(
            resolve(London, local("2027-10-30T10:00")).unwrap(),
            utc("2027-10-30T09:00:00Z")
        );
        assert_eq!(
            resolve(London, local("2027-10-31T10:00")).unwrap(),
            utc("2027-10-31T10:00:00Z")
        );
        assert_eq!(
            resolve(London, local("2027-11-01T10:00")).unwrap(),
            utc("2027-11-01T10:00:00Z")
        );
        let e = resolve(London, local("2027-10-31T01:30")).unwrap_err();
        assert_eq!(e.code, "ambiguous_local_time");
        assert_eq!(
            e.message,
            "2027-10-31T01:30:00 happens twice in Europe/London: the clocks go back \
             at that time; choose a time outside the repeated hour"
        );
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

    // --- series ------------------------------------------------------------

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

    // --- values and lines ----------------------------------------------------

    /// Inverse of `escape_text`, independent of it.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n' | 'N') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    #[test]
    fn text_escaping() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h\ti"),
            "a\\\\b\\;c\\,d\\ne\\nfghi"
        );
        assert_eq!(escape_text("☕ Café: 10:00 🎉"), "☕ Café: 10:00 🎉");
        assert_eq!(escape_text("\\n"), "\\\\n");
        assert_eq!(unescape(&escape_text("x\\n,;\\")), "x\\n,;\\");
    }

    #[test]
    fn param_quoting() {
        assert_eq!(param_value("Jo Smith"), "Jo Smith");
        assert_eq!(param_value("Smith, Jo"), "\"Smith, Jo\"");
        assert_eq!(param_value("a;b"), "\"a;b\"");
        assert_eq!(param_value("Dr: Who"), "\"Dr: Who\"");
        assert_eq!(param_value("Jo \"JJ\" Smith"), "Jo 'JJ' Smith");
        assert_eq!(param_value("Jo \"JJ\", Smith"), "\"Jo 'JJ', Smith\"");
        assert_eq!(param_value("Jo\r\n\tSmith"), "JoSmith");
        assert_eq!(
            uri_value("https://x.org/a\r\nb?c=d,e;f"),
            "https://x.org/ab?c=d,e;f"
        );
    }

    #[test]
    fn folding_at_75_octets() {
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));

        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));

        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(75 + 74 + 1));
        assert_eq!(
            out,
            format!("{}\r\n {}\r\n a\r\n", "a".repeat(75), "a".repeat(74))
        );

        // A 4-octet character that would straddle octet 75 moves to the next line.
        let mut out = String::new();
        fold_into(&mut out, &format!("{}🎉b", "a".repeat(73)));
        assert_eq!(out, format!("{}\r\n 🎉b\r\n", "a".repeat(73)));

        let mut out = String::new();
        fold_into(&mut out, "");
        assert_eq!(out, "\r\n");
    }

    /// Characters that are interesting to escaping and folding, mixed with
    /// arbitrary ones.
    fn tricky_string() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            4 => any::<char>(),
            1 => prop::sample::select(vec!['\\', ';', ',', '\n', '\r', ':', '"', 'é', '漢', '🎉', ' ']),
        ];
        prop::collection::vec(c, 0..400).prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn folded_lines_fit_and_unfold_exactly(s in tricky_string()) {
            let content = format!("DESCRIPTION:{}", escape_text(&s));
            let mut out = String::new();
            fold_into(&mut out, &content);
            prop_assert!(out.ends_with("\r\n"));
            let body = &out[..out.len() - 2];
            for line in body.split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE_OCTETS, "{} octets: {:?}", line.len(), line);
            }
            for (i, line) in body.split("\r\n").enumerate() {
                prop_assert_eq!(i > 0, line.starts_with(' '));
            }
            prop_assert_eq!(unfold(body), content);
            // No raw line breaks or other control characters survive escaping.
            let escaped = escape_text(&s);
            prop_assert!(!escaped.chars().any(char::is_control));
            let expected: String = s
                .chars()
                .filter(|c| *c == '\n' || !c.is_control())
                .collect();
            prop_assert_eq!(unescape(&escaped), expected);
        }

        #[test]
        fn rendered_calendar_lines_fit(summary in tricky_string(), name in tricky_string()) {
            let mut e: Event<'_> = sample_events()[0].clone();
            e.summary = &summary;
            e.description = &summary;
            e.organizer = Some(Organizer { name: &name, email: "a@b.org" });
            let out = render(&name, &[e]);
            prop_assert!(out.ends_with("\r\n"));
            for line in out[..out.len() - 2].split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE_OCTETS);
                prop_assert!(!line.contains(['\r', '\n']));
            }
        }
    }

    // --- VTIMEZONE -----------------------------------------------------------

    fn event_at(tz: Tz, start: DateTime<Utc>) -> Event<'static> {
        Event {
            uid: "e@peerhub",
            sequence: 0,
            status: EventStatus::Confirmed,
            summary: "Meeting",
            description: "",
            location: None,
            url: None,
            tz,
            start,
            duration_minutes: 60,
            created: start,
            last_modified: start,
            organizer: None,
        }
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
    fn vtimezone_london_lists_each_change_in_range() {
        let ics = render("x", &[event_at(London, utc("2027-06-01T09:00:00Z"))]);
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
        let ics = render("x", &[event_at(New_York, utc("2027-06-01T13:00:00Z"))]);
        let o = observances(&ics);
        assert_eq!(
            o[0],
            obs("STANDARD", "20260101T000000", "-0500", "-0500", "EST")
        );
        assert!(o.contains(&obs("DAYLIGHT", "20270314T020000", "-0500", "-0400", "EDT")));
        assert!(o.contains(&obs("STANDARD", "20271107T020000", "-0400", "-0500", "EST")));
        assert_eq!(o.len(), 7);

        let lord_howe = parse_timezone("Australia/Lord_Howe").unwrap();
        let ics = render("x", &[event_at(lord_howe, utc("2027-06-01T00:00:00Z"))]);
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
            let ics = render("x", &[event_at(tz, utc("2027-06-01T00:00:00Z"))]);
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
        let ics = render("x", &[event_at(London, utc("1847-06-01T12:00:00Z"))]);
        let o = observances(&ics);
        assert_eq!(o[0][2..4], ["-000115", "-000115"]);
        assert!(
            o.iter()
                .any(|x| x[1] == "18471201T000000" && x[2] == "-000115" && x[3] == "+0000"),
            "{o:?}"
        );
    }

    #[test]
    fn vtimezone_covers_all_events_per_zone_sorted() {
        let events = [
            event_at(London, utc("2030-06-01T09:00:00Z")),
            event_at(New_York, utc("2027-06-01T13:00:00Z")),
            event_at(London, utc("2027-01-01T09:00:00Z")),
        ];
        let ics = render("x", &events);
        let zones: Vec<&str> = ics
            .split("\r\n")
            .filter_map(|l| l.strip_prefix("TZID:"))
            .collect();
        assert_eq!(zones, ["America/New_York", "Europe/London"]);
        let london = &ics[ics.find("TZID:Europe/London").unwrap()..];
        let london = &london[..london.find("END:VTIMEZONE").unwrap()];
        assert!(london.contains("DTSTART:20260101T000000"));
        assert!(london.contains("DTSTART:20311026T020000"));
        assert!(!london.contains("DTSTART:2025"));
        assert!(!london.contains("DTSTART:2032"));
    }

    // --- VEVENT ----------------------------------------------------------------

    const LONG_DESCRIPTION: &str = "Bring a friend; we meet in the café, then walk.";

    fn sample_events() -> Vec<Event<'static>> {
        let created = utc("2026-11-02T08:15:00Z");
        vec![
            Event {
                uid: "0190a8c4-1111-7000-8000-000000000001@peerhub",
                sequence: 2,
                status: EventStatus::Confirmed,
                summary: "Peer support, Leeds; evening ☕ \\ group",
                description: LONG_DESCRIPTION,
                location: Some("Room 2, The Hub; Level 3\nLeeds LS1"),
                url: Some("https://example.org/m/1?a=1,2;b=3"),
                tz: London,
                start: utc("2027-01-12T18:30:00Z"),
                duration_minutes: 90,
                created,
                last_modified: utc("2026-12-01T10:00:00Z"),
                organizer: Some(Organizer {
                    name: "Smith, Jo",
                    email: "jo@example.org",
                }),
            },
            Event {
                uid: "0190a8c4-1111-7000-8000-000000000002@peerhub",
                sequence: 3,
                status: EventStatus::Cancelled,
                summary: "Summer social 🎉",
                description: "Cancelled: venue closed.\r\nSee you in September!",
                location: Some("Park, bandstand"),
                url: None,
                tz: London,
                start: utc("2027-07-13T17:30:00Z"),
                duration_minutes: 120,
                created,
                last_modified: utc("2027-06-30T12:00:00Z"),
                organizer: None,
            },
            Event {
                uid: "0190a8c4-1111-7000-8000-000000000003@peerhub",
                sequence: 0,
                status: EventStatus::Confirmed,
                summary: "Online check-in",
                description: "",
                location: None,
                url: None,
                tz: New_York,
                start: utc("2027-03-16T23:00:00Z"),
                duration_minutes: 45,
                created,
                last_modified: created,
                organizer: None,
            },
        ]
    }

    #[test]
    fn event_lines() {
        let ics = render("Leeds peers", &sample_events());
        let text = unfold(&ics);
        for expected in [
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//PeerHub//PeerHub API//EN\r\n\
             CALSCALE:GREGORIAN\r\nX-WR-CALNAME:Leeds peers\r\nNAME:Leeds peers\r\n",
            "\r\nBEGIN:VEVENT\r\nUID:0190a8c4-1111-7000-8000-000000000001@peerhub\r\n\
             DTSTAMP:20261201T100000Z\r\nCREATED:20261102T081500Z\r\n\
             LAST-MODIFIED:20261201T100000Z\r\nSEQUENCE:2\r\nSTATUS:CONFIRMED\r\n\
             SUMMARY:Peer support\\, Leeds\\; evening ☕ \\\\ group\r\n\
             DTSTART;TZID=Europe/London:20270112T183000\r\n\
             DTEND;TZID=Europe/London:20270112T200000\r\n",
            "\r\nLOCATION:Room 2\\, The Hub\\; Level 3\\nLeeds LS1\r\n\
             URL:https://example.org/m/1?a=1,2;b=3\r\n\
             ORGANIZER;CN=\"Smith, Jo\":mailto:jo@example.org\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n",
            "STATUS:CANCELLED\r\n",
            "DESCRIPTION:Cancelled: venue closed.\\nSee you in September!\r\n",
            // 23:00Z on 16 March 2027 is 19:00 EDT.
            "DTSTART;TZID=America/New_York:20270316T190000\r\n\
             DTEND;TZID=America/New_York:20270316T194500\r\nTRANSP:OPAQUE\r\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(!text.contains("METHOD"));
        // The third event has no description, location, URL or organizer.
        let third = &text[text.rfind("BEGIN:VEVENT").unwrap()..];
        for absent in ["DESCRIPTION", "LOCATION", "URL", "ORGANIZER"] {
            assert!(!third.contains(absent), "{absent}");
        }
    }

    #[test]
    fn dtend_keeps_real_duration_across_clock_change() {
        // 00:30 GMT + 2 h = 02:30 UTC = 03:30 BST.
        let mut e = event_at(London, resolve(London, local("2027-03-28T00:30")).unwrap());
        e.duration_minutes = 120;
        let ics = render("x", &[e.clone()]);
        assert!(ics.contains("DTSTART;TZID=Europe/London:20270328T003000\r\n"));
        assert!(ics.contains("DTEND;TZID=Europe/London:20270328T033000\r\n"));
        // No DTEND for a non-positive duration (DTEND must follow DTSTART).
        e.duration_minutes = 0;
        assert!(!render("x", &[e]).contains("DTEND"));
    }

    #[test]
    fn empty_calendar() {
        assert_eq!(
            render("Empty, for now", &[]),
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//PeerHub//PeerHub API//EN\r\n\
             CALSCALE:GREGORIAN\r\nX-WR-CALNAME:Empty\\, for now\r\nNAME:Empty\\, for now\r\n\
             END:VCALENDAR\r\n"
        );
    }

    #[test]
    fn rendering_is_deterministic() {
        let events = sample_events();
        let a = render("Leeds peers", &events);
        let b = render("Leeds peers", &events.clone());
        assert_eq!(a.as_bytes(), b.as_bytes());
        // And depends on the input.
        let mut changed = events.clone();
        changed[0].sequence = 4;
        assert_ne!(render("Leeds peers", &changed), a);
    }

    #[test]
    fn real_parser_reads_it_back() {
        use icalendar::parser::{read_calendar, unfold};
        use icalendar::{CalendarDateTime, Component as _, DatePerhapsTime, EventLike as _};

        let long = format!(
            "{} {}",
            "Long; text, with \\ and ✨.".repeat(11),
            "x".repeat(24)
        );
        assert_eq!(long.chars().count(), 300);
        let mut events: Vec<Event<'_>> = sample_events();
        events[0].description = &long;
        let ics = render("Leeds peers, 2027", &events);
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));

        let unfolded = unfold(&ics);
        let cal = read_calendar(&unfolded).unwrap();
        fn prop(c: &icalendar::parser::Component<'_>, name: &str) -> String {
            c.find_prop(name)
                .unwrap_or_else(|| panic!("no {name} in {}", c.name))
                .val
                .as_str()
                .to_owned()
        }
        let cal_prop = |name: &str| {
            cal.properties
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.val.as_str().to_owned())
        };
        assert_eq!(cal_prop("VERSION").as_deref(), Some("2.0"));
        assert_eq!(
            cal_prop("X-WR-CALNAME").as_deref(),
            Some("Leeds peers, 2027")
        );
        // The parser only unescapes properties it knows to be TEXT; NAME
        // (RFC 7986) is not among them and comes back in its wire form.
        assert_eq!(cal_prop("NAME").as_deref(), Some("Leeds peers\\, 2027"));

        let zones: Vec<_> = cal
            .components
            .iter()
            .filter(|c| c.name == "VTIMEZONE")
            .collect();
        let ids: Vec<String> = zones.iter().map(|z| prop(z, "TZID")).collect();
        assert_eq!(ids, ["America/New_York", "Europe/London"]);
        let london = zones[1];
        let kinds: Vec<&str> = london.components.iter().map(|c| c.name.as_str()).collect();
        assert!(
            kinds.contains(&"STANDARD") && kinds.contains(&"DAYLIGHT"),
            "{kinds:?}"
        );
        let daylight = london
            .components
            .iter()
            .find(|c| c.name == "DAYLIGHT")
            .unwrap();
        assert_eq!(prop(daylight, "TZOFFSETTO"), "+0100");
        assert_eq!(prop(daylight, "TZNAME"), "BST");

        let parsed: Vec<_> = cal
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .collect();
        assert_eq!(parsed.len(), 3);
        for (p, e) in parsed.iter().zip(&events) {
            assert_eq!(prop(p, "UID"), e.uid);
            assert_eq!(prop(p, "SEQUENCE"), e.sequence.to_string());
            assert_eq!(
                prop(p, "STATUS"),
                if e.status == EventStatus::Cancelled {
                    "CANCELLED"
                } else {
                    "CONFIRMED"
                }
            );
            assert_eq!(prop(p, "SUMMARY"), e.summary);
            let description = e.description.replace("\r\n", "\n");
            if description.is_empty() {
                assert!(p.find_prop("DESCRIPTION").is_none());
            } else {
                assert_eq!(prop(p, "DESCRIPTION"), description);
            }
            assert_eq!(p.find_prop("LOCATION").map(|l| l.val.as_str()), e.location);
            assert_eq!(p.find_prop("URL").map(|u| u.val.as_str()), e.url);
            let dtstart = p.find_prop("DTSTART").unwrap();
            assert_eq!(dtstart.params.len(), 1);
            assert_eq!(dtstart.params[0].key, "TZID");
            assert_eq!(
                dtstart.params[0].val.as_ref().map(|v| v.as_str()),
                Some(e.tz.name())
            );
            assert_eq!(
                dtstart.val.as_str(),
                to_local(e.tz, e.start).format("%Y%m%dT%H%M%S").to_string()
            );
        }
        assert_eq!(prop(parsed[0], "DESCRIPTION").chars().count(), 300);
        let organizer = parsed[0].find_prop("ORGANIZER").unwrap();
        assert_eq!(organizer.val.as_str(), "mailto:jo@example.org");
        assert_eq!(organizer.params[0].key, "CN");
        assert_eq!(
            organizer.params[0].val.as_ref().map(|v| v.as_str()),
            Some("Smith, Jo")
        );

        // The typed model agrees.
        let typed: icalendar::Calendar = ics.parse().unwrap();
        let typed: Vec<_> = typed
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .collect();
        assert_eq!(typed.len(), 3);
        assert_eq!(typed[0].get_summary(), Some(events[0].summary));
        assert_eq!(typed[0].get_description(), Some(long.as_str()));
        assert_eq!(typed[0].get_location(), events[0].location);
        assert_eq!(
            typed[1].get_status(),
            Some(icalendar::EventStatus::Cancelled)
        );
        assert_eq!(typed[2].get_sequence(), Some(0));
        assert_eq!(
            typed[1].get_start(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                date_time: local("2027-07-13T18:30"),
                tzid: "Europe/London".to_owned(),
            }))
        );
    }
}
