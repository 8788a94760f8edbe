//! iCalendar (RFC 5545) feeds: per meeting, per community and per person.
//! Every feed is read back with a real iCalendar parser (the `icalendar`
//! crate), both its raw component tree and its typed model, after the wire
//! format itself (CRLF, 75-octet folding) has been checked.
use chrono::{DateTime, NaiveDateTime, Utc};
use icalendar::{CalendarDateTime, Component as _, DatePerhapsTime, EventLike as _};
use peerhub_domain::community::CommunityRole;
use peerhub_tests::world::*;
use peerhub_tests::*;
use serde_json::{Value, json};

const JOIN: &str = "https://teams.example.org/l/meetup-join/abc?ctx=a,b;c=1";
const ICAL_LOCAL: &str = "%Y%m%dT%H%M%S";

// ------------------------------------------------------------------ model

/// A parsed property, owned.
#[derive(Debug, Clone)]
struct Prop {
    name: String,
    params: Vec<(String, Option<String>)>,
    value: String,
}

impl Prop {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// A parsed component, owned.
#[derive(Debug, Clone)]
struct Comp {
    name: String,
    props: Vec<Prop>,
    children: Vec<Comp>,
}

impl Comp {
    fn from_parsed(c: &icalendar::parser::Component<'_>) -> Comp {
        Comp {
            name: c.name.as_str().to_owned(),
            props: c
                .properties
                .iter()
                .map(|p| Prop {
                    name: p.name.as_str().to_owned(),
                    params: p
                        .params
                        .iter()
                        .map(|x| {
                            (
                                x.key.as_str().to_owned(),
                                x.val.as_ref().map(|v| v.as_str().to_owned()),
                            )
                        })
                        .collect(),
                    value: p.val.as_str().to_owned(),
                })
                .collect(),
            children: c.components.iter().map(Comp::from_parsed).collect(),
        }
    }

    fn opt(&self, name: &str) -> Option<&Prop> {
        let all: Vec<&Prop> = self.props.iter().filter(|p| p.name == name).collect();
        assert!(all.len() <= 1, "{name} more than once in {}", self.name);
        all.first().copied()
    }

    #[track_caller]
    fn prop(&self, name: &str) -> &Prop {
        self.opt(name)
            .unwrap_or_else(|| panic!("no {name} in {}: {:?}", self.name, self.props))
    }

    #[track_caller]
    fn val(&self, name: &str) -> &str {
        &self.prop(name).value
    }

    fn children(&self, name: &str) -> Vec<&Comp> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn events(&self) -> Vec<&Comp> {
        self.children("VEVENT")
    }

    #[track_caller]
    fn event(&self, uid: &str) -> &Comp {
        let found: Vec<&Comp> = self
            .events()
            .into_iter()
            .filter(|e| e.val("UID") == uid)
            .collect();
        assert_eq!(found.len(), 1, "VEVENTs with UID {uid}");
        found[0]
    }

    fn uids(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e.val("UID").to_owned())
            .collect()
    }

    #[track_caller]
    fn vtimezone(&self, tzid: &str) -> &Comp {
        let found: Vec<&Comp> = self
            .children("VTIMEZONE")
            .into_iter()
            .filter(|z| z.val("TZID") == tzid)
            .collect();
        assert_eq!(found.len(), 1, "VTIMEZONEs with TZID {tzid}");
        found[0]
    }
}

/// A feed as received and parsed.
struct Feed {
    raw: String,
    /// The raw text with folds removed (escapes still in place).
    unfolded: String,
    cal: Comp,
    typed: icalendar::Calendar,
}

/// Checks the wire format: CRLF only, each line at most 75 octets, folded
/// lines continued with a space, nothing lost to invalid UTF-8.
#[track_caller]
fn check_wire(raw: &str) {
    assert!(
        raw.starts_with("BEGIN:VCALENDAR\r\n"),
        "starts with {:?}",
        &raw[..raw.len().min(40)]
    );
    assert!(raw.ends_with("END:VCALENDAR\r\n"), "ends without CRLF");
    assert!(!raw.contains('\u{FFFD}'), "invalid UTF-8 in the feed");
    let body = &raw[..raw.len() - 2];
    for (i, line) in body.split("\r\n").enumerate() {
        assert!(
            !line.contains(['\r', '\n']),
            "line {i} has a bare CR or LF: {line:?}"
        );
        assert!(
            line.len() <= 75,
            "line {i} has {} octets: {line:?}",
            line.len()
        );
        assert!(!line.is_empty(), "line {i} is empty");
        assert!(!line.starts_with('\t'), "line {i} folded with a tab");
    }
}

/// Parses a feed after checking its wire format and the calendar-level
/// rules every feed must keep.
#[track_caller]
fn parse(raw: &str) -> Feed {
    check_wire(raw);
    let unfolded = icalendar::parser::unfold(raw);
    let roots = icalendar::parser::read_components(&unfolded)
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{raw}"));
    assert_eq!(roots.len(), 1, "one root component");
    let cal = Comp::from_parsed(&roots[0]);
    assert_eq!(cal.name, "VCALENDAR");
    assert_eq!(cal.val("VERSION"), "2.0");
    assert!(!cal.val("PRODID").is_empty());
    assert!(
        cal.opt("METHOD").is_none(),
        "a published feed has no METHOD"
    );
    for e in cal.events() {
        assert!(!e.val("UID").is_empty());
        let stamp = e.val("DTSTAMP");
        assert!(
            NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok(),
            "DTSTAMP {stamp}"
        );
        // Every TZID used has its VTIMEZONE (RFC 5545 §3.2.19).
        for name in ["DTSTART", "DTEND"] {
            if let Some(p) = e.opt(name) {
                let tzid = p
                    .param("TZID")
                    .unwrap_or_else(|| panic!("{name} without TZID: {p:?}"));
                cal.vtimezone(tzid);
            }
        }
    }
    let typed: icalendar::Calendar = raw
        .parse()
        .unwrap_or_else(|e| panic!("typed parse failed: {e}"));
    assert_eq!(
        typed.components.iter().filter_map(|c| c.as_event()).count(),
        cal.events().len()
    );
    Feed {
        raw: raw.to_owned(),
        unfolded,
        cal,
        typed,
    }
}

impl Feed {
    #[track_caller]
    fn typed_event(&self, uid: &str) -> &icalendar::Event {
        self.typed
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .find(|e| e.get_uid() == Some(uid))
            .unwrap_or_else(|| panic!("typed model has no event {uid}"))
    }
}

/// GETs an `.ics` resource, asserts 200 and `text/calendar`, and parses it.
async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> Feed {
    let r = app.get(path, token).await;
    assert_eq!(r.status.as_u16(), 200, "GET {path}: {}", r.text);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/calendar; charset=utf-8"),
        "GET {path}"
    );
    parse(&r.text)
}

/// The instant a local time in `tzid` stands for, read from the feed's own
/// VTIMEZONE the way a calendar client would: the observance with the
/// latest onset at or before the local time gives the offset.
#[track_caller]
fn instant(cal: &Comp, tzid: &str, local: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(local, ICAL_LOCAL)
        .unwrap_or_else(|e| panic!("local time {local}: {e}"));
    let obs = observance_at(cal.vtimezone(tzid), local);
    let offset = parse_offset(obs.val("TZOFFSETTO"));
    (local - chrono::Duration::seconds(offset)).and_utc()
}

/// The observance in force at `local`.
#[track_caller]
fn observance_at(zone: &Comp, local: NaiveDateTime) -> &Comp {
    zone.children
        .iter()
        .filter(|o| o.name == "STANDARD" || o.name == "DAYLIGHT")
        .filter_map(|o| {
            let onset = NaiveDateTime::parse_from_str(o.val("DTSTART"), ICAL_LOCAL)
                .unwrap_or_else(|e| panic!("observance DTSTART {}: {e}", o.val("DTSTART")));
            (onset <= local).then_some((onset, o))
        })
        .max_by_key(|(onset, _)| *onset)
        .map(|(_, o)| o)
        .unwrap_or_else(|| panic!("no observance covers {local} in {:?}", zone.val("TZID")))
}

/// `±HHMM[SS]` → seconds east of UTC.
fn parse_offset(s: &str) -> i64 {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits = &s[1..];
    let n = |r: std::ops::Range<usize>| digits.get(r).map_or(0, |d| d.parse::<i64>().unwrap());
    sign * (n(0..2) * 3600 + n(2..4) * 60 + n(4..6))
}

fn time_of(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("not a time: {v}: {e}"))
}

fn stamp(v: &Value) -> String {
    time_of(v).format("%Y%m%dT%H%M%SZ").to_string()
}

/// The event agrees with the meeting's JSON on identity, revision and
/// time: UID, SEQUENCE, STATUS, LAST-MODIFIED and CREATED, and DTSTART and
/// DTEND (local times with the meeting's TZID, which the feed's VTIMEZONE
/// turns back into `starts_at` and `ends_at`).
#[track_caller]
fn assert_matches(cal: &Comp, e: &Comp, m: &Value) {
    assert_eq!(e.val("UID"), m["ical_uid"].as_str().unwrap());
    assert_eq!(
        e.val("UID"),
        format!("{}@peerhub", m["id"].as_str().unwrap())
    );
    assert_eq!(e.val("SEQUENCE"), m["sequence"].to_string());
    let status = if m["status"] == "cancelled" {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    assert_eq!(e.val("STATUS"), status);
    assert_eq!(e.val("SUMMARY"), m["title"].as_str().unwrap());
    assert_eq!(e.val("LAST-MODIFIED"), stamp(&m["updated_at"]));
    assert_eq!(e.val("DTSTAMP"), stamp(&m["updated_at"]));
    assert_eq!(e.val("CREATED"), stamp(&m["created_at"]));
    let tz = m["timezone"].as_str().unwrap();
    let start = e.prop("DTSTART");
    assert_eq!(start.params.len(), 1, "{start:?}");
    assert_eq!(start.param("TZID"), Some(tz));
    let local: NaiveDateTime = m["starts_at_local"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("starts_at_local: {e}"));
    assert_eq!(start.value, local.format(ICAL_LOCAL).to_string());
    assert_eq!(instant(cal, tz, &start.value), time_of(&m["starts_at"]));
    let end = e.prop("DTEND");
    assert_eq!(end.param("TZID"), Some(tz));
    assert_eq!(instant(cal, tz, &end.value), time_of(&m["ends_at"]));
}

// ---------------------------------------------------------------- helpers

fn teams(title: &str, local: &str) -> Value {
    json!({
        "title": title, "starts_at_local": local, "timezone": "Europe/London", "duration_minutes": 120,
        "mode": "teams", "join_url": JOIN, "agenda": [{"title": "Welcome"}]
    })
}

async fn schedule(app: &TestApp, token: &str, community_id: &str, body: Value) -> Value {
    app.post(
        &format!("/v1/communities/{community_id}/meetings"),
        Some(token),
        body,
    )
    .await
    .expect(201)
}

fn uid_of(v: &Value) -> String {
    v["ical_uid"].as_str().unwrap_or_default().to_owned()
}

async fn meeting(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/v1/meetings/{id}"), Some(token))
        .await
        .expect(200)
}

fn meeting_ics(id: &str) -> String {
    format!("/v1/meetings/{id}/calendar.ics")
}

/// Creates (or rotates) a person's feed; returns (path, secret).
async fn new_feed(app: &TestApp, token: &str) -> (String, String) {
    let r = app
        .post("/v1/me/calendar-feed", Some(token), json!({}))
        .await;
    let f = r.expect(201);
    let secret = f["secret"].as_str().unwrap().to_owned();
    let base = app.config.public_base_url.trim_end_matches('/');
    let url = f["url"].as_str().unwrap();
    assert_eq!(url, format!("{base}/v1/calendar-feeds/{secret}.ics"));
    let path = url.strip_prefix(base).unwrap().to_owned();
    assert_eq!(
        f["webcal_url"].as_str().unwrap(),
        format!(
            "webcal://{}{path}",
            base.split_once("://").map_or(base, |(_, h)| h)
        )
    );
    (path, secret)
}

fn organizer_email(app: &TestApp) -> String {
    let from = &app.config.smtp_from;
    match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => from[a + 1..b].to_owned(),
        _ => from.clone(),
    }
}

// ------------------------------------------------------------------ tests

dual! {
    async fn meeting_feed_fields_escaping_and_folding(app) {
        let w = cop_world(app, "ics-meeting", 1).await;
        // A community name that needs a quoted parameter and TEXT escapes.
        let cname = "Leeds, Bradford; Peer: Support";
        app.patch(&w.community_path(""), Some(&w.manager.token), json!({"name": cname})).await.expect(200);
        let title = "Peer review, Q2; notes \\ actions";
        let location = "Room 4, The Hub; Level 2";
        let long = "Révision des pratiques ☕ et café 🎉, suite; ".repeat(8);
        let long = long.trim().to_owned();
        assert!(long.chars().count() > 300 && long.chars().count() <= 500);
        let m = schedule(app, &w.chair.token, &w.community_id, json!({
            "title": title, "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London",
            "duration_minutes": 120, "mode": "teams", "join_url": JOIN, "location": location,
            "agenda": [{"title": "Welcome, apologies; intro", "minutes": 10}, {"title": long}]
        })).await;
        assert_eq!(m["starts_at"], "2031-05-01T09:00:00Z");
        assert_eq!(m["join_url"], JOIN);
        assert_eq!(m["sequence"], 0);
        let id = id_of(&m);

        let r = app.get(&meeting_ics(&id), Some(&w.members[0].token)).await;
        assert_eq!(r.header("content-disposition").as_deref(), Some("inline; filename=\"meeting.ics\""));
        let f = fetch(app, &meeting_ics(&id), Some(&w.members[0].token)).await;
        assert_eq!(f.raw, r.text, "the same meeting renders to the same bytes");
        let cal = &f.cal;
        assert_eq!(cal.val("X-WR-CALNAME"), title);
        let events = cal.events();
        assert_eq!(events.len(), 1);
        let e = events[0];
        assert_matches(cal, e, &m);
        assert_eq!(e.val("SEQUENCE"), "0");
        assert_eq!(e.val("STATUS"), "CONFIRMED");
        assert_eq!(e.prop("DTSTART").value, "20310501T100000");
        assert_eq!(e.prop("DTEND").value, "20310501T120000");

        // One VTIMEZONE, with both kinds of observance; summer time applies.
        let zones = cal.children("VTIMEZONE");
        assert_eq!(zones.len(), 1);
        let london = cal.vtimezone("Europe/London");
        let kinds: Vec<&str> = london.children.iter().map(|c| c.name.as_str()).collect();
        assert!(kinds.contains(&"STANDARD") && kinds.contains(&"DAYLIGHT"), "{kinds:?}");
        let obs = observance_at(london, NaiveDateTime::parse_from_str("20310501T100000", ICAL_LOCAL).unwrap());
        assert_eq!((obs.name.as_str(), obs.val("TZOFFSETTO"), obs.val("TZNAME")), ("DAYLIGHT", "+0100", "BST"));

        // Join link in URL, the place in LOCATION, both in DESCRIPTION.
        assert_eq!(e.val("URL"), JOIN);
        assert_eq!(e.val("LOCATION"), location);
        let d = e.val("DESCRIPTION");
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines[0], cname, "{d}");
        assert!(lines.contains(&format!("Join online: {JOIN}").as_str()), "{d}");
        assert!(lines.contains(&format!("Location: {location}").as_str()), "{d}");
        assert!(lines.contains(&"Agenda:"), "{d}");
        assert!(lines.contains(&"1. Welcome, apologies; intro (10 min)"), "{d}");
        assert!(lines.contains(&format!("2. {long}").as_str()), "{d}");

        // The organiser is the community.
        let org = e.prop("ORGANIZER");
        assert_eq!(org.param("CN"), Some(cname));
        assert_eq!(org.value, format!("mailto:{}", organizer_email(app)));
        assert!(org.value.starts_with("mailto:") && org.value.contains('@'));

        // On the wire: TEXT escapes, a quoted parameter, a URI left alone.
        let u = &f.unfolded;
        assert!(u.contains("\r\nSUMMARY:Peer review\\, Q2\\; notes \\\\ actions\r\n"), "{u}");
        assert!(u.contains("\r\nLOCATION:Room 4\\, The Hub\\; Level 2\r\n"), "{u}");
        assert!(u.contains("\r\nX-WR-CALNAME:Peer review\\, Q2\\; notes \\\\ actions\r\n"), "{u}");
        assert!(u.contains("\r\nDESCRIPTION:Leeds\\, Bradford\\; Peer: Support\\n\\nJoin online: "), "{u}");
        assert!(u.contains("\\n1. Welcome\\, apologies\\; intro (10 min)\\n"), "{u}");
        assert!(u.contains(&format!("\r\nURL:{JOIN}\r\n")), "{u}");
        assert!(u.contains(&format!("\r\nORGANIZER;CN=\"{cname}\":mailto:")), "{u}");
        assert!(u.contains("\r\nDTSTART;TZID=Europe/London:20310501T100000\r\n"), "{u}");
        // The long agenda item is folded, and unfolds to itself.
        assert!(f.raw.contains("\r\n "), "nothing folded");
        let desc_lines = f.raw[f.raw.find("\r\nDESCRIPTION:").unwrap() + 2..]
            .split("\r\n")
            .skip(1)
            .take_while(|l| l.starts_with(' '))
            .count();
        assert!(desc_lines >= 5, "DESCRIPTION folded over {desc_lines} continuation lines");

        // The typed model agrees.
        let t = f.typed_event(&uid_of(&m));
        assert_eq!(t.get_summary(), Some(title));
        assert_eq!(t.get_location(), Some(location));
        assert_eq!(t.get_url(), Some(JOIN));
        assert_eq!(t.get_sequence(), Some(0));
        assert_eq!(t.get_status(), Some(icalendar::EventStatus::Confirmed));
        assert_eq!(t.get_description(), Some(d));
        assert_eq!(
            t.get_start(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                date_time: NaiveDateTime::parse_from_str("20310501T100000", ICAL_LOCAL).unwrap(),
                tzid: "Europe/London".to_owned(),
            }))
        );

        // Who may read it.
        fetch(app, &meeting_ics(&id), Some(&w.chair.token)).await;
        fetch(app, &meeting_ics(&id), Some(&w.manager.token)).await;
        app.get(&meeting_ics(&id), Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&meeting_ics(&id), Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&meeting_ics(&id), None).await.problem(401, "authentication-required");
        app.get(&meeting_ics(&uuid::Uuid::now_v7().to_string()), Some(&w.chair.token)).await.problem(404, "not-found");
    }
}

dual! {
    async fn changes_bump_sequence_and_cancellation_is_marked(app) {
        let w = cop_world(app, "ics-changes", 1).await;
        let m = schedule(app, &w.chair.token, &w.community_id, teams("Spring meeting", "2031-05-01T10:00")).await;
        let id = id_of(&m);
        let uid = uid_of(&m);
        let reader = w.members[0].token.clone();
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        assert_eq!(f.cal.uids(), std::slice::from_ref(&uid));
        assert_eq!(f.cal.event(&uid).val("SEQUENCE"), "0");

        // A new title.
        let m = app.patch(&format!("/v1/meetings/{id}"), Some(&w.chair.token), json!({"title": "Spring meeting (moved)"})).await.expect(200);
        assert_eq!(m["sequence"], 1);
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        let e = f.cal.event(&uid);
        assert_matches(&f.cal, e, &m);
        assert_eq!((e.val("SEQUENCE"), e.val("SUMMARY")), ("1", "Spring meeting (moved)"));

        // A new time.
        let m = app.patch(&format!("/v1/meetings/{id}"), Some(&w.chair.token), json!({"starts_at_local": "2031-05-02T14:30", "duration_minutes": 90})).await.expect(200);
        assert_eq!(m["sequence"], 2);
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        let e = f.cal.event(&uid);
        assert_matches(&f.cal, e, &m);
        assert_eq!(e.val("SEQUENCE"), "2");
        assert_eq!((e.prop("DTSTART").value.as_str(), e.prop("DTEND").value.as_str()), ("20310502T143000", "20310502T160000"));

        // A new zone: same wall-clock time, now in New York.
        let m = app.patch(&format!("/v1/meetings/{id}"), Some(&w.chair.token), json!({"timezone": "America/New_York"})).await.expect(200);
        assert_eq!(m["sequence"], 3);
        assert_eq!(m["starts_at"], "2031-05-02T18:30:00Z");
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        let e = f.cal.event(&uid);
        assert_matches(&f.cal, e, &m);
        assert_eq!(e.val("SEQUENCE"), "3");
        assert_eq!(e.prop("DTSTART").param("TZID"), Some("America/New_York"));
        let zones: Vec<&str> = f.cal.children("VTIMEZONE").iter().map(|z| z.val("TZID")).collect();
        assert_eq!(zones, ["America/New_York"]);

        // A new agenda (it is in the description).
        let m = app.send(app.req(reqwest::Method::PUT, &format!("/v1/meetings/{id}/agenda"), Some(&w.chair.token))
            .json(&json!({"items": [{"title": "Case review", "minutes": 45}]}))).await.expect(200);
        assert_eq!(m["sequence"], 4);
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        let e = f.cal.event(&uid);
        assert_matches(&f.cal, e, &m);
        assert_eq!(e.val("SEQUENCE"), "4");
        let d = e.val("DESCRIPTION");
        assert!(d.lines().any(|l| l == "1. Case review (45 min)"), "{d}");
        assert!(!d.contains("Welcome"), "{d}");

        // Cancelled: still there, marked, with the reason.
        let reason = "Venue closed, sorry; see you next time";
        let m = app.post(&format!("/v1/meetings/{id}/cancel"), Some(&w.chair.token), json!({"reason": reason})).await.expect(200);
        assert_eq!(m["status"], "cancelled");
        assert_eq!(m["sequence"], 5);
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        assert_eq!(f.cal.uids(), std::slice::from_ref(&uid));
        let e = f.cal.event(&uid);
        assert_matches(&f.cal, e, &m);
        assert_eq!((e.val("STATUS"), e.val("SEQUENCE")), ("CANCELLED", "5"));
        let d = e.val("DESCRIPTION");
        assert!(d.lines().any(|l| l == format!("Cancelled: {reason}")), "{d}");
        assert!(f.unfolded.contains("Cancelled: Venue closed\\, sorry\\; see you next time"), "{}", f.unfolded);
        assert_eq!(f.typed_event(&uid).get_status(), Some(icalendar::EventStatus::Cancelled));
        assert_eq!(f.typed_event(&uid).get_sequence(), Some(5));

        // A refused change leaves the revision alone.
        app.patch(&format!("/v1/meetings/{id}"), Some(&w.chair.token), json!({"title": "Again"})).await.problem(409, "meeting-cancelled");
        let f = fetch(app, &meeting_ics(&id), Some(&reader)).await;
        assert_eq!(f.cal.event(&uid).val("SEQUENCE"), "5");
        assert_eq!(meeting(app, &reader, &id).await["sequence"], 5);
    }
}

dual! {
    async fn community_feed_lists_every_meeting_of_its_community(app) {
        let w = cop_world(app, "ics-cop", 1).await;
        let later = schedule(app, &w.chair.token, &w.community_id, json!({
            "title": "Summer meeting", "starts_at_local": "2031-07-01T10:00", "timezone": "Europe/London",
            "duration_minutes": 60, "mode": "teams", "join_url": JOIN
        })).await;
        let social = schedule(app, &w.chair.token, &w.community_id, json!({
            "title": "Social", "starts_at_local": "2031-06-01T18:00", "timezone": "Europe/London",
            "duration_minutes": 120, "mode": "in_person", "location": "The Crown, Leeds"
        })).await;
        let first = schedule(app, &w.chair.token, &w.community_id, teams("Spring meeting", "2031-05-01T10:00")).await;
        let social = app.post(&format!("/v1/meetings/{}/cancel", id_of(&social)), Some(&w.chair.token), json!({"reason": "Venue closed"})).await.expect(200);
        // Another community of the same network, with its own meeting.
        let other = app.community(&w.manager.token, &w.network_id, "closed", 50, json!({})).await;
        let elsewhere = schedule(app, &w.manager.token, other["id"].as_str().unwrap(), teams("Elsewhere meeting", "2031-05-15T10:00")).await;

        let path = w.community_path("/calendar.ics");
        let f = fetch(app, &path, Some(&w.members[0].token)).await;
        let cal = &f.cal;
        assert_eq!(cal.val("X-WR-CALNAME"), w.community_name);
        // Every meeting once, in start order; the other community's not at all.
        assert_eq!(cal.uids(), [uid_of(&first), uid_of(&social), uid_of(&later)]);
        assert!(!f.raw.contains(&id_of(&elsewhere)));
        assert!(!f.unfolded.contains("Elsewhere meeting"));
        for m in [&first, &social, &later] {
            let m = meeting(app, &w.chair.token, &id_of(m)).await;
            let e = cal.event(&uid_of(&m));
            assert_matches(cal, e, &m);
            assert_eq!(e.prop("ORGANIZER").param("CN"), Some(w.community_name.as_str()));
            assert_eq!(e.val("DESCRIPTION").lines().next(), Some(w.community_name.as_str()));
        }
        assert_eq!(cal.children("VTIMEZONE").len(), 1);

        let e = cal.event(&uid_of(&social));
        assert_eq!((e.val("STATUS"), e.val("SEQUENCE")), ("CANCELLED", "1"));
        assert!(e.val("DESCRIPTION").lines().any(|l| l == "Cancelled: Venue closed"));
        // In person: a place and no link.
        assert_eq!(e.val("LOCATION"), "The Crown, Leeds");
        assert!(e.opt("URL").is_none());
        assert!(!e.val("DESCRIPTION").contains("Join online"));
        // Online only: the link is the location too.
        let e = cal.event(&uid_of(&later));
        assert_eq!(e.val("STATUS"), "CONFIRMED");
        assert_eq!((e.val("URL"), e.val("LOCATION")), (JOIN, JOIN));
        assert!(e.val("DESCRIPTION").lines().any(|l| l == format!("Join online: {JOIN}")));
        assert_eq!(e.prop("DTEND").value, "20310701T110000");
        assert_eq!(f.typed_event(&uid_of(&social)).get_status(), Some(icalendar::EventStatus::Cancelled));

        // The other community's feed holds only its meeting.
        let o = fetch(app, &format!("/v1/communities/{}/calendar.ics", id_of(&other)), Some(&w.manager.token)).await;
        assert_eq!(o.cal.uids(), [uid_of(&elsewhere)]);
        assert_eq!(o.cal.val("X-WR-CALNAME"), other["name"].as_str().unwrap());

        // Who may read it.
        fetch(app, &path, Some(&w.chair.token)).await;
        fetch(app, &path, Some(&w.manager.token)).await;
        app.get(&path, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&path, None).await.problem(401, "authentication-required");
    }
}

dual! {
    async fn personal_feed_secret_url_rotation_and_switch_off(app) {
        let w = cop_world(app, "ics-feed", 1).await;
        let me = &w.members[0];
        let mine = schedule(app, &w.chair.token, &w.community_id, teams("Home meeting", "2031-05-01T10:00")).await;
        // A second community I am in, and one I am not.
        let second = app.community(&w.manager.token, &w.network_id, "closed", 50, json!({})).await;
        add_member(app, second["id"].as_str().unwrap(), &me.id, CommunityRole::Member, JOINED_DAYS_AGO).await;
        let also_mine = schedule(app, &w.manager.token, second["id"].as_str().unwrap(), teams("Second home", "2031-04-01T10:00")).await;
        let called_off = schedule(app, &w.chair.token, &w.community_id, teams("Called off", "2031-06-01T10:00")).await;
        let called_off = app.post(&format!("/v1/meetings/{}/cancel", id_of(&called_off)), Some(&w.chair.token), json!({"reason": "No quorum"})).await.expect(200);
        let not_mine_c = app.community(&w.manager.token, &w.network_id, "closed", 50, json!({})).await;
        let not_mine = schedule(app, &w.manager.token, not_mine_c["id"].as_str().unwrap(), teams("Not my meeting", "2031-04-15T10:00")).await;

        let r = app.post("/v1/me/calendar-feed", Some(&me.token), json!({})).await;
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        let f1 = r.expect(201);
        let secret1 = f1["secret"].as_str().unwrap().to_owned();
        assert!(f1["url"].as_str().unwrap().ends_with(&format!("/v1/calendar-feeds/{secret1}.ics")));
        assert!(f1["webcal_url"].as_str().unwrap().starts_with("webcal://"));
        assert!(secret1.len() >= 32, "secret {secret1:?}");
        let base = app.config.public_base_url.trim_end_matches('/');
        let path1 = f1["url"].as_str().unwrap().strip_prefix(base).unwrap().to_owned();

        // No bearer token: the secret is the credential.
        let f = fetch(app, &path1, None).await;
        let display = app.get("/v1/me", Some(&me.token)).await.expect(200)["display_name"].as_str().unwrap().to_owned();
        assert_eq!(f.cal.val("X-WR-CALNAME"), format!("PeerHub: {display}"));
        // The feed's name follows the profile, escaped.
        app.patch("/v1/me", Some(&me.token), json!({"display_name": "Smith, Jo; Dr"})).await.expect(200);
        let f = fetch(app, &path1, None).await;
        assert_eq!(f.cal.val("X-WR-CALNAME"), "PeerHub: Smith, Jo; Dr");
        assert!(f.unfolded.contains("\r\nX-WR-CALNAME:PeerHub: Smith\\, Jo\\; Dr\r\n"), "{}", f.unfolded);
        assert_eq!(f.cal.uids(), [uid_of(&also_mine), uid_of(&mine), uid_of(&called_off)]);
        assert!(!f.unfolded.contains("Not my meeting"));
        // Cancelled meetings stay, marked, so calendar apps remove them.
        let e = f.cal.event(&uid_of(&called_off));
        assert_matches(&f.cal, e, &called_off);
        assert_eq!((e.val("STATUS"), e.val("SEQUENCE")), ("CANCELLED", "1"));
        assert!(!f.raw.contains(&id_of(&not_mine)));
        // Each event is organised by its own community.
        for (m, c) in [(&mine, w.community_name.as_str()), (&also_mine, second["name"].as_str().unwrap())] {
            let m = meeting(app, &me.token, &id_of(m)).await;
            let e = f.cal.event(&uid_of(&m));
            assert_matches(&f.cal, e, &m);
            assert_eq!(e.prop("ORGANIZER").param("CN"), Some(c));
        }

        // Another person's feed is separate.
        let (chair_path, _) = new_feed(app, &w.chair.token).await;
        assert_eq!(fetch(app, &chair_path, None).await.cal.uids(), [uid_of(&mine), uid_of(&called_off)]);

        // Rotating: a new secret, and the old one is gone at once.
        let (path2, secret2) = new_feed(app, &me.token).await;
        assert_ne!(secret2, secret1);
        app.get(&path1, None).await.problem(404, "not-found");
        assert_eq!(fetch(app, &path2, None).await.cal.uids(), [uid_of(&also_mine), uid_of(&mine), uid_of(&called_off)]);
        fetch(app, &chair_path, None).await;

        // An API token acting for me cannot manage the feed.
        let t = app.post("/v1/api-tokens", Some(&me.token), json!({"name": "sync", "scopes": ["memberships:read"], "current_password": PASSWORD})).await.expect(201);
        let api = t["secret"].as_str().unwrap();
        app.post("/v1/me/calendar-feed", Some(api), json!({})).await.problem(403, "insufficient-scope");
        app.delete("/v1/me/calendar-feed", Some(api)).await.problem(403, "insufficient-scope");
        fetch(app, &path2, None).await;
        app.post("/v1/me/calendar-feed", None, json!({})).await.problem(401, "authentication-required");

        // Unknown secrets.
        app.get("/v1/calendar-feeds/not-a-secret.ics", None).await.problem(404, "not-found");
        app.get(&format!("/v1/calendar-feeds/{}.ics", "a".repeat(200)), None).await.problem(404, "not-found");
        // A bearer token does not stand in for the secret.
        app.get("/v1/calendar-feeds/x.ics", Some(&me.token)).await.problem(404, "not-found");

        // Switched off.
        let r = app.delete("/v1/me/calendar-feed", Some(&me.token)).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        app.get(&path2, None).await.problem(404, "not-found");
        app.delete("/v1/me/calendar-feed", Some(&me.token)).await.problem(404, "not-found");
        fetch(app, &chair_path, None).await;
        // And on again, with a fresh secret.
        let (path3, secret3) = new_feed(app, &me.token).await;
        assert!(secret3 != secret1 && secret3 != secret2);
        assert_eq!(fetch(app, &path3, None).await.cal.uids().len(), 3);
    }
}

dual! {
    async fn personal_feed_follows_membership(app) {
        let w = cop_world(app, "ics-leave", 2).await;
        let future = schedule(app, &w.chair.token, &w.community_id, teams("Future meeting", "2031-05-01T10:00")).await;
        let recent = schedule(app, &w.chair.token, &w.community_id, teams("Recent meeting", "2031-03-01T10:00")).await;
        move_into_past(app, &id_of(&recent), 30).await;
        // Within the membership but more than a year ago: not in the feed.
        let old = schedule(app, &w.chair.token, &w.community_id, teams("Old meeting", "2031-02-01T10:00")).await;
        move_into_past(app, &id_of(&old), 380).await;
        let all = fetch(app, &w.community_path("/calendar.ics"), Some(&w.chair.token)).await;
        assert_eq!(all.cal.uids(), [uid_of(&old), uid_of(&recent), uid_of(&future)]);

        let (leaver, removed) = (&w.members[0], &w.members[1]);
        let (leaver_feed, _) = new_feed(app, &leaver.token).await;
        let (removed_feed, _) = new_feed(app, &removed.token).await;
        let (chair_feed, _) = new_feed(app, &w.chair.token).await;
        for p in [&leaver_feed, &removed_feed, &chair_feed] {
            assert_eq!(fetch(app, p, None).await.cal.uids(), [uid_of(&recent), uid_of(&future)], "{p}");
        }

        // Leaving: the future meeting drops out; the one I was invited to stays.
        let r = app.delete(&format!("/v1/communities/{}/members/{}", w.community_id, leaver.id), Some(&leaver.token)).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        let f = fetch(app, &leaver_feed, None).await;
        assert_eq!(f.cal.uids(), [uid_of(&recent)]);
        assert!(!f.unfolded.contains("Future meeting"));
        app.get(&w.community_path("/calendar.ics"), Some(&leaver.token)).await.problem(403, "forbidden");
        app.get(&meeting_ics(&id_of(&future)), Some(&leaver.token)).await.problem(403, "forbidden");

        // Removed by a manager: the same.
        let r = app.delete(&format!("/v1/communities/{}/members/{}?reason=Moved%20on", w.community_id, removed.id), Some(&w.manager.token)).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        assert_eq!(fetch(app, &removed_feed, None).await.cal.uids(), [uid_of(&recent)]);

        // Those still in the community keep everything.
        assert_eq!(fetch(app, &chair_feed, None).await.cal.uids(), [uid_of(&recent), uid_of(&future)]);
        // Someone joining today is invited to what is still to come only.
        let newcomer = &w.outsider;
        add_member(app, &w.community_id, &newcomer.id, CommunityRole::Member, 0).await;
        let (newcomer_feed, _) = new_feed(app, &newcomer.token).await;
        assert_eq!(fetch(app, &newcomer_feed, None).await.cal.uids(), [uid_of(&future)]);
        // Meetings scheduled after leaving never appear.
        let next = schedule(app, &w.chair.token, &w.community_id, teams("Next meeting", "2031-06-01T10:00")).await;
        assert_eq!(fetch(app, &leaver_feed, None).await.cal.uids(), [uid_of(&recent)]);
        assert_eq!(fetch(app, &chair_feed, None).await.cal.uids(), [uid_of(&recent), uid_of(&future), uid_of(&next)]);
    }
}

dual! {
    async fn erased_account_feed_is_gone(app) {
        let w = cop_world(app, "ics-erase", 1).await;
        schedule(app, &w.chair.token, &w.community_id, teams("Spring meeting", "2031-05-01T10:00")).await;
        let me = &w.members[0];
        let (path, _) = new_feed(app, &me.token).await;
        let (chair_path, _) = new_feed(app, &w.chair.token).await;
        assert_eq!(fetch(app, &path, None).await.cal.events().len(), 1);
        let r = app.erase_me(&me.token, PASSWORD).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        app.get(&path, None).await.problem(404, "not-found");
        let rows = app.query(&format!("SELECT id FROM calendar_feeds WHERE user_id = '{}'", me.id)).await;
        assert!(rows.is_empty(), "{rows:?}");
        // Others' feeds are untouched.
        assert_eq!(fetch(app, &chair_path, None).await.cal.events().len(), 1);
    }
}

dual! {
    async fn clock_changes_and_zones(app) {
        let w = cop_world(app, "ics-dst", 0).await;
        let body = |title: &str, local: &str, tz: &str, minutes: i32| json!({
            "title": title, "starts_at_local": local, "timezone": tz,
            "duration_minutes": minutes, "mode": "teams", "join_url": JOIN
        });
        let winter = schedule(app, &w.chair.token, &w.community_id, body("Winter", "2031-01-15T10:00", "Europe/London", 120)).await;
        let summer = schedule(app, &w.chair.token, &w.community_id, body("Summer", "2031-07-15T10:00", "Europe/London", 120)).await;
        // Starts in GMT, ends in BST: two hours of real time.
        let across = schedule(app, &w.chair.token, &w.community_id, body("Across", "2031-03-30T00:30", "Europe/London", 120)).await;
        let new_york = schedule(app, &w.chair.token, &w.community_id, body("New York", "2031-07-15T10:00", "America/New_York", 60)).await;
        assert_eq!(winter["starts_at"], "2031-01-15T10:00:00Z");
        assert_eq!(summer["starts_at"], "2031-07-15T09:00:00Z");
        assert_eq!(across["ends_at"], "2031-03-30T02:30:00Z");
        assert_eq!(new_york["starts_at"], "2031-07-15T14:00:00Z");

        let f = fetch(app, &w.community_path("/calendar.ics"), Some(&w.chair.token)).await;
        let cal = &f.cal;
        for m in [&winter, &summer, &across, &new_york] {
            assert_matches(cal, cal.event(&uid_of(m)), m);
        }
        let start = |m: &Value| {
            let p = cal.event(&uid_of(m)).prop("DTSTART").clone();
            (p.param("TZID").unwrap_or_default().to_owned(), p.value)
        };
        // The same wall-clock time either side of the change.
        assert_eq!(start(&winter), ("Europe/London".to_owned(), "20310115T100000".to_owned()));
        assert_eq!(start(&summer), ("Europe/London".to_owned(), "20310715T100000".to_owned()));
        assert_eq!(start(&new_york), ("America/New_York".to_owned(), "20310715T100000".to_owned()));
        assert_eq!(cal.event(&uid_of(&across)).prop("DTEND").value, "20310330T033000");

        // One VTIMEZONE per zone used, sorted.
        let zones: Vec<&str> = cal.children("VTIMEZONE").iter().map(|z| z.val("TZID")).collect();
        assert_eq!(zones, ["America/New_York", "Europe/London"]);
        let london = cal.vtimezone("Europe/London");
        let at = |zone: &Comp, local: &str| {
            let o = observance_at(zone, NaiveDateTime::parse_from_str(local, ICAL_LOCAL).unwrap());
            (o.name.clone(), o.val("TZOFFSETFROM").to_owned(), o.val("TZOFFSETTO").to_owned(), o.val("TZNAME").to_owned())
        };
        let obs = |kind: &str, from: &str, to: &str, name: &str| (kind.to_owned(), from.to_owned(), to.to_owned(), name.to_owned());
        assert_eq!(at(london, "20310115T100000").2, "+0000");
        assert_eq!(at(london, "20310115T100000").0, "STANDARD");
        assert_eq!(at(london, "20310715T100000"), obs("DAYLIGHT", "+0000", "+0100", "BST"));
        assert_eq!(at(cal.vtimezone("America/New_York"), "20310715T100000"), obs("DAYLIGHT", "-0500", "-0400", "EDT"));
        // The 2031 changes themselves, at their local onsets.
        let onsets: Vec<(String, String, String, String)> = london
            .children
            .iter()
            .filter(|o| o.val("DTSTART").starts_with("2031"))
            .map(|o| (o.name.clone(), o.val("DTSTART").to_owned(), o.val("TZOFFSETFROM").to_owned(), o.val("TZOFFSETTO").to_owned()))
            .collect();
        let change = |kind: &str, at: &str, from: &str, to: &str| (kind.to_owned(), at.to_owned(), from.to_owned(), to.to_owned());
        assert_eq!(onsets, [
            change("DAYLIGHT", "20310330T010000", "+0000", "+0100"),
            change("STANDARD", "20311026T020000", "+0100", "+0000"),
        ]);
        let offsets: std::collections::BTreeSet<&str> = london.children.iter().map(|o| o.val("TZOFFSETTO")).collect();
        assert_eq!(offsets.into_iter().collect::<Vec<_>>(), ["+0000", "+0100"]);

        // The typed model reads the local times with their zone.
        for (m, local, tz) in [(&winter, "20310115T100000", "Europe/London"), (&summer, "20310715T100000", "Europe/London"), (&new_york, "20310715T100000", "America/New_York")] {
            assert_eq!(
                f.typed_event(&uid_of(m)).get_start(),
                Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                    date_time: NaiveDateTime::parse_from_str(local, ICAL_LOCAL).unwrap(),
                    tzid: tz.to_owned(),
                }))
            );
        }
    }
}

dual! {
    async fn series_occurrences_are_events_of_their_own(app) {
        let w = cop_world(app, "ics-series", 1).await;
        // The community meets every 3 months: January to October, across
        // both clock changes.
        let s = app.post(&w.community_path("/meeting-series"), Some(&w.chair.token), json!({
            "first_starts_at_local": "2031-01-10T10:00", "timezone": "Europe/London", "count": 4,
            "join_url": JOIN, "agenda": [{"title": "Round table"}]
        })).await.expect(201);
        let ms: Vec<Value> = s["meetings"].as_array().unwrap().clone();
        assert_eq!(ms.len(), 4);
        let uids: Vec<String> = ms.iter().map(uid_of).collect();
        let distinct: std::collections::BTreeSet<&String> = uids.iter().collect();
        assert_eq!(distinct.len(), 4, "{uids:?}");

        // One occurrence changes on its own.
        let moved = app.patch(&format!("/v1/meetings/{}", id_of(&ms[1])), Some(&w.chair.token), json!({"title": "April, special"})).await.expect(200);
        assert_eq!(moved["sequence"], 1);

        let path = w.community_path("/calendar.ics");
        let f = fetch(app, &path, Some(&w.members[0].token)).await;
        assert_eq!(f.cal.uids(), uids);
        let starts: Vec<&str> = uids.iter().map(|u| f.cal.event(u).prop("DTSTART").value.as_str()).collect();
        assert_eq!(starts, ["20310110T100000", "20310410T100000", "20310710T100000", "20311010T100000"]);
        let seqs: Vec<&str> = uids.iter().map(|u| f.cal.event(u).val("SEQUENCE")).collect();
        assert_eq!(seqs, ["0", "1", "0", "0"]);
        for u in &uids {
            let id = u.trim_end_matches("@peerhub");
            assert_matches(&f.cal, f.cal.event(u), &meeting(app, &w.chair.token, id).await);
        }

        // Cancelling the series cancels each occurrence, each revised once more.
        let reason = "The group is pausing; back in 2032";
        let c = app.post(&format!("/v1/meeting-series/{}/cancel", id_of(&s)), Some(&w.chair.token), json!({"reason": reason})).await.expect(200);
        assert_eq!(c["status"], "cancelled");
        let f = fetch(app, &path, Some(&w.members[0].token)).await;
        assert_eq!(f.cal.uids(), uids);
        let seqs: Vec<&str> = uids.iter().map(|u| f.cal.event(u).val("SEQUENCE")).collect();
        assert_eq!(seqs, ["1", "2", "1", "1"]);
        for u in &uids {
            let e = f.cal.event(u);
            assert_eq!(e.val("STATUS"), "CANCELLED", "{u}");
            assert!(e.val("DESCRIPTION").lines().any(|l| l == format!("Cancelled: {reason}")), "{u}");
            let id = u.trim_end_matches("@peerhub");
            assert_matches(&f.cal, e, &meeting(app, &w.chair.token, id).await);
            assert_eq!(f.typed_event(u).get_status(), Some(icalendar::EventStatus::Cancelled));
        }
    }
}

dual! {
    // The community feed as a calendar client reads it (unfolded, after
    // `parse` has checked the wire format), with its UIDs, DTSTAMPs and
    // other instants redacted; one snapshot for both backends (see
    // golden.rs).
    async fn community_feed_snapshot(app) {
        let w = cop_world(app, "ics-snap", 1).await;
        app.patch(&w.community_path(""), Some(&w.manager.token), json!({"name": "Leeds Peer Support"})).await.expect(200);
        schedule(app, &w.chair.token, &w.community_id, teams("Spring meeting", "2031-05-01T10:00")).await;
        let social = schedule(app, &w.chair.token, &w.community_id, json!({
            "title": "Social", "starts_at_local": "2031-11-06T18:00", "timezone": "Europe/London",
            "duration_minutes": 90, "mode": "in_person", "location": "The Crown, Leeds"
        })).await;
        app.post(&format!("/v1/meetings/{}/cancel", id_of(&social)), Some(&w.chair.token), json!({"reason": "Venue closed"}))
            .await
            .expect(200);
        let f = fetch(app, &w.community_path("/calendar.ics"), Some(&w.members[0].token)).await;
        assert_eq!(f.cal.events().len(), 2);
        let text = f.unfolded.replace("\r\n", "\n");
        insta::with_settings!({filters => vec![
            (crate::golden::UUID, "[id]"),
            (r"\b\d{8}T\d{6}Z\b", "[instant]"),
        ]}, {
            insta::assert_snapshot!("community_feed", text);
        });
    }
}
