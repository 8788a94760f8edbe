//! Zones and local wall-clock times: the API's representation of a zone and
//! of a local time, and the conversion between local times and instants.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::validation::Invalid;

/// The API's local wall-clock format (see [`parse_local`], [`format_local`]).
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";
/// The same without seconds, accepted on input.
const LOCAL_FORMAT_MINUTES: &str = "%Y-%m-%dT%H:%M";

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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    pub(in crate::calendar) fn local(s: &str) -> NaiveDateTime {
        parse_local(s).unwrap()
    }

    pub(in crate::calendar) fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

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
}
