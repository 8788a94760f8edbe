//! iCalendar (RFC 5545) export: a whole `VCALENDAR` with its `VEVENT`s (see
//! the [`calendar`](crate::calendar) module documentation for the choices
//! made).

mod content;
mod vtimezone;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use chrono_tz::Tz;

use super::local::to_local;
use content::{Lines, escape_text, ical_local, ical_utc, param_value, uri_value};
use vtimezone::write_vtimezone;

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
    /// Also the `DTSTAMP` (see the [`calendar`](crate::calendar) module
    /// documentation).
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
    let local_start = ical_local(&to_local(e.tz, e.start));
    out.prop(&format!("DTSTART;TZID={zone}"), &local_start);
    if e.duration_minutes > 0 {
        let local_end = ical_local(&to_local(e.tz, e.end()));
        out.prop(&format!("DTEND;TZID={zone}"), &local_end);
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
    ical_utc(&t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::local::resolve;
    use crate::calendar::local::tests::{local, utc};
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;
    use content::MAX_LINE_OCTETS;
    use content::tests::{tricky_string, unfold};
    use proptest::prelude::*;

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

    proptest! {
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
}
