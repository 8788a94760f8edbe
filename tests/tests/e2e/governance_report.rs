//! The governance report (docs/governance.md, "Download the governance
//! report"): a hand-built world where every figure is known, checked column
//! by column in JSON and CSV; the HTML page parsed (no scripts, no URLs,
//! every chart well-formed SVG); content negotiation; the period's
//! validation; who may read it.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use peerhub_domain::community::CommunityRole;
use peerhub_persistence::sea_orm::sea_query::{Expr, ExprTrait, Query};
use peerhub_persistence::sea_orm::{ConnectionTrait, Value as Db};
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Sets columns of the rows of `table` where every `(column, value)` of
/// `key` matches: time passing, for the rows the world needs in the past.
async fn set(app: &TestApp, table: &'static str, key: &[(&'static str, &str)], values: Vec<(&'static str, Db)>) {
    let mut q = Query::update();
    q.table(table);
    for (c, v) in values {
        q.value(c, v);
    }
    for (c, v) in key {
        q.and_where(Expr::col(*c).eq(*v));
    }
    let r = app.db.execute(&q).await.unwrap_or_else(|e| panic!("update {table}: {e}"));
    assert!(r.rows_affected() > 0, "no {table} row matched {key:?}");
}

fn ago(days: i64) -> Db {
    (Utc::now() - Duration::days(days)).into()
}

fn report_path(network_id: &str, query: &str) -> String {
    format!("/v1/networks/{network_id}/reports/governance{query}")
}

async fn get_as(app: &TestApp, path: &str, token: &str, accept: &str) -> Resp {
    app.send(app.req(Method::GET, path, Some(token)).header("Accept", accept)).await
}

/// Schedules a Teams meeting in 2031; its id.
async fn schedule(app: &TestApp, community_id: &str, token: &str) -> String {
    app.post(
        &format!("/v1/communities/{community_id}/meetings"),
        Some(token),
        json!({
            "title": "Monthly meeting", "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London",
            "duration_minutes": 90, "mode": "teams", "join_url": "https://teams.example.org/x",
            "agenda": [{"title": "Case discussion"}]
        }),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn rsvp(app: &TestApp, meeting_id: &str, p: &Person) {
    app.send(
        app.req(Method::PUT, &format!("/v1/meetings/{meeting_id}/rsvp"), Some(&p.token))
            .json(&json!({"response": "attending"})),
    )
    .await
    .expect(200);
}

/// A community of the network whose rows are moved 400 days into the past
/// and which meets monthly.
async fn old_community(app: &TestApp, w: &CopWorld) -> String {
    let c = app.community(&w.manager.token, &w.network_id, "closed", 20, json!({})).await;
    let id = id_of(&c);
    set(app, "communities", &[("id", &id)], vec![
        ("created_at", ago(400)),
        ("cadence_every", 1.into()),
        ("cadence_unit", "months".into()),
    ])
    .await;
    id
}

/// The world of the report, and the period it is read for.
struct ReportWorld {
    w: CopWorld,
    from: NaiveDate,
    to: NaiveDate,
    /// No members, no Terms of Reference in force.
    empty: String,
    /// Archived ten days into the period.
    archived: String,
}

/// CoP A (the world's community, monthly, 400 days old) in the period
/// `today - 80 … today - 1`:
/// - the chair left 20 days ago (a leaver; no chair at the end); a joiner
///   came 30 days ago; members at the end: co-chair, secretary, 3 members
///   and the joiner (6);
/// - meetings: M1 held ~60 days ago (6 invited: co-chair present by RSVP,
///   member 0 recorded present, the secretary recorded absent despite an
///   RSVP), M2 ~10 days ago not recorded (6 invited: member 2 present by
///   RSVP), M3 ~40 days ago cancelled, one 100 days ago (before the
///   period) and one in 2031 (after it);
/// - M1's minutes approved 55 days ago with two actions (one due 5 days
///   ago: overdue); M2 has no minutes;
/// - an application pending for 10 days; Terms of Reference whose review
///   was due 3 days ago (overdue);
/// - M1's feedback: advise/escalation, alert/escalation,
///   assure/commendation, advise/commendation; both escalations raised 58
///   days ago, one closed 50 days ago (open 1, overdue 1 at 30 days).
async fn report_world(app: &TestApp, slug: &str) -> ReportWorld {
    let w = cop_world(app, slug, 3).await;
    let today = Utc::now().date_naive();
    let (from, to) = (today - Duration::days(80), today - Duration::days(1));
    let a = w.community_id.clone();
    set(app, "communities", &[("id", &a)], vec![
        ("created_at", ago(400)),
        ("cadence_every", 1.into()),
        ("cadence_unit", "months".into()),
    ])
    .await;
    set(app, "terms_versions", &[("community_id", &a)], vec![
        ("approved_at", ago(400)),
        ("review_due", (today - Duration::days(3)).into()),
    ])
    .await;
    let (m0, m1, m2) = (&w.members[0], &w.members[1], &w.members[2]);

    // Meetings, answered while still to come, then moved into the past.
    let m_1 = schedule(app, &a, &w.chair.token).await;
    rsvp(app, &m_1, &w.co_chair).await;
    rsvp(app, &m_1, &w.secretary).await;
    move_into_past(app, &m_1, 60).await;
    app.send(
        app.req(Method::PUT, &format!("/v1/meetings/{m_1}/attendance"), Some(&w.secretary.token)).json(&json!([
            {"user_id": m0.id, "status": "present"},
            {"user_id": m1.id, "status": "absent"},
            {"user_id": w.secretary.id, "status": "absent"}
        ])),
    )
    .await
    .expect(200);
    let m_2 = schedule(app, &a, &w.chair.token).await;
    rsvp(app, &m_2, m2).await;
    move_into_past(app, &m_2, 10).await;
    let m_3 = schedule(app, &a, &w.chair.token).await;
    app.post(&format!("/v1/meetings/{m_3}/cancel"), Some(&w.chair.token), json!({"reason": "Clashes with the conference"}))
        .await
        .expect(200);
    move_into_past(app, &m_3, 40).await;
    let before = schedule(app, &a, &w.chair.token).await;
    move_into_past(app, &before, 100).await;
    schedule(app, &a, &w.chair.token).await;

    // M1's minutes, approved by the co-chair, with two actions.
    app.send(
        app.req(Method::PUT, &format!("/v1/meetings/{m_1}/minutes"), Some(&w.secretary.token)).json(&json!({
            "items": [{"agenda_item": "Case discussion", "discussion": "Supervision models"}],
            "actions": [
                {"description": "Circulate the slides", "owner_id": m0.id, "due_on": "2099-01-01"},
                {"description": "Book a room", "owner_id": m1.id, "due_on": "2099-01-01"}
            ]
        })),
    )
    .await
    .expect(200);
    app.post(&format!("/v1/meetings/{m_1}/minutes/submit"), Some(&w.secretary.token), json!({}))
        .await
        .expect(200);
    app.post(&format!("/v1/meetings/{m_1}/minutes/approve"), Some(&w.co_chair.token), json!({}))
        .await
        .expect(200);
    set(app, "minutes_revisions", &[("meeting_id", &m_1)], vec![("approved_at", ago(55))]).await;
    set(app, "actions", &[("meeting_id", &m_1)], vec![("created_at", ago(55))]).await;
    let overdue = app
        .query(&format!("SELECT id FROM actions WHERE meeting_id = '{m_1}' AND owner_id = '{}'", m0.id))
        .await;
    let overdue = overdue[0][0].as_str().unwrap_or_default().to_owned();
    set(app, "actions", &[("id", &overdue)], vec![("due_on", (today - Duration::days(5)).into())]).await;

    // Triple A feedback on M1; its escalations raised 58 days ago.
    app.post(&format!("/v1/meetings/{m_1}/feedback"), Some(&w.manager.token), json!({
        "content_summary": "Supervision models for newly qualified PWPs.",
        "points": [
            {"kind": "advise", "nature": "escalation", "text": "Supervision capacity is short."},
            {"kind": "alert", "nature": "escalation", "text": "Waiting lists have doubled."},
            {"kind": "assure", "nature": "commendation", "text": "Induction works well."},
            {"kind": "advise", "nature": "commendation", "text": "Share the template."}
        ]
    }))
    .await
    .expect(201);
    set(app, "escalations", &[("community_id", &a)], vec![("raised_at", ago(58))]).await;
    let esc = app.query(&format!("SELECT id FROM escalations WHERE community_id = '{a}' ORDER BY id")).await;
    assert_eq!(esc.len(), 2, "{esc:?}");
    let closed = esc[0][0].as_str().unwrap_or_default().to_owned();
    set(app, "escalations", &[("id", &closed)], vec![("status", "closed".into()), ("closed_at", ago(50))]).await;

    // Membership changes: the chair left 20 days ago, a joiner came 30 days ago.
    set(app, "community_members", &[("community_id", &a), ("user_id", &w.chair.id)], vec![
        ("status", "left".into()),
        ("ended_at", ago(20)),
    ])
    .await;
    let joiner = app.member(&w.network_id, &format!("joiner.{slug}@nhs.net")).await;
    add_member(app, &a, &user_id_of(&joiner), CommunityRole::Member, 30).await;

    // An application pending for 10 days.
    let applied = app.post(&format!("/v1/communities/{a}/applications"), Some(&w.outsider.token), json!({})).await.expect(201);
    assert_eq!(applied["status"], "pending", "{applied}");
    set(app, "applications", &[("id", &id_of(&applied))], vec![(
        "created_at",
        (Utc::now() - Duration::days(10) - Duration::hours(1)).into(),
    )])
    .await;

    // B: no members, Terms approved only now (none in force at the end).
    let empty = old_community(app, &w).await;
    // C: archived ten days into the period.
    let archived = old_community(app, &w).await;
    app.post(&format!("/v1/communities/{archived}/archive"), Some(&w.manager.token), json!({})).await.expect(200);
    let archived_at: DateTime<Utc> = (from + Duration::days(10)).and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
    set(app, "communities", &[("id", &archived)], vec![("archived_at", archived_at.into())]).await;
    // Not reported: a proposed CoP, and one created after the period.
    let proposed = old_community(app, &w).await;
    set(app, "communities", &[("id", &proposed)], vec![("status", "proposed".into())]).await;
    app.community(&w.manager.token, &w.network_id, "closed", 20, json!({})).await;

    ReportWorld { w, from, to, empty, archived }
}

fn row<'a>(report: &'a Value, community_id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["community_id"] == community_id))
        .unwrap_or_else(|| panic!("no row for {community_id} in {report}"))
}

/// The figures every row and the total carry, with the values expected.
fn figures(
    expected: i64,
    held: i64,
    cancelled: i64,
    invited: i64,
    present: i64,
    rate: Value,
) -> Vec<(&'static str, Value)> {
    vec![
        ("meetings_expected", json!(expected)),
        ("meetings_held", json!(held)),
        ("meetings_cancelled", json!(cancelled)),
        ("invitations", json!(invited)),
        ("attendances", json!(present)),
        ("attendance_rate", rate),
    ]
}

#[track_caller]
fn check(v: &Value, expected: &[(&str, Value)]) {
    for (k, want) in expected {
        assert_eq!(&v[*k], want, "{k} in {v}");
    }
}

/// CoP A's row: every column.
fn a_row(rw: &ReportWorld) -> Vec<(&'static str, Value)> {
    let review = (Utc::now().date_naive() - Duration::days(3)).to_string();
    let mut v = vec![
        ("community_id", json!(rw.w.community_id)),
        ("community_name", json!(rw.w.community_name)),
        ("status", json!("active")),
        ("terms_state", json!("overdue")),
        ("terms_review_due", json!(review)),
        ("no_chair", json!(true)),
        ("no_secretary", json!(false)),
        ("members_at_end", json!(6)),
        ("joiners", json!(1)),
        ("leavers", json!(1)),
        ("pending_applications", json!(1)),
        ("oldest_pending_days", json!(10)),
        ("minutes_approved", json!(1)),
        ("held_without_approved_minutes", json!(1)),
        ("actions_open", json!(2)),
        ("actions_overdue", json!(1)),
        ("advise", json!(2)),
        ("assure", json!(1)),
        ("alert", json!(1)),
        ("escalation_points", json!(2)),
        ("commendation_points", json!(2)),
        ("escalations_raised", json!(2)),
        ("escalations_open", json!(1)),
        ("escalations_overdue", json!(1)),
    ];
    v.extend(figures(3, 2, 1, 12, 3, json!(0.25)));
    v
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

dual! {
    async fn every_figure_of_a_known_world(app) {
        let rw = report_world(app, "gr-world").await;
        let path = report_path(&rw.w.network_id, &format!("?from={}&to={}", rw.from, rw.to));
        let r = app.get(&path, Some(&rw.w.manager.token)).await;
        let v = r.expect(200);
        assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"));
        assert_eq!(v["network_id"], rw.w.network_id.as_str());
        assert_eq!(v["network_name"], "Network gr-world");
        assert_eq!(v["period"], json!({"from": rw.from.to_string(), "to": rw.to.to_string()}));
        assert!(v["generated_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{v}");
        let rows = v["rows"].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 3, "A, the empty CoP and the archived one (not the proposed nor the new one): {v}");

        // Every key of a row is checked: A's exactly, B's and C's by figure.
        let a = row(&v, &rw.w.community_id);
        let want = a_row(&rw);
        assert_eq!(a.as_object().map(|o| o.len()), Some(want.len()), "a column not checked: {a}");
        check(a, &want);

        let b = row(&v, &rw.empty);
        check(b, &[("status", json!("active")), ("terms_state", json!("none")), ("terms_review_due", Value::Null),
            ("no_chair", json!(true)), ("no_secretary", json!(true)), ("members_at_end", json!(0)),
            ("oldest_pending_days", Value::Null)]);
        check(b, &figures(3, 0, 0, 0, 0, Value::Null));
        let c = row(&v, &rw.archived);
        check(c, &[("status", json!("archived")), ("terms_state", json!("none"))]);
        check(c, &figures(1, 0, 0, 0, 0, Value::Null));

        let t = &v["total"];
        let mut want_total = vec![
            ("communities", json!(3)), ("active", json!(2)), ("archived", json!(1)),
            ("terms_states", json!({"approved": 0, "review_due": 0, "overdue": 1, "none": 2})),
            ("without_chair", json!(3)), ("without_secretary", json!(2)),
        ];
        let per_cop = ["community_id", "community_name", "status", "terms_state", "terms_review_due", "no_chair", "no_secretary"];
        want_total.extend(want.into_iter().filter(|(k, _)| !per_cop.contains(k)).map(|(k, v)| match k {
            "meetings_expected" => (k, json!(7)),
            _ => (k, v),
        }));
        assert_eq!(t.as_object().map(|o| o.len()), Some(want_total.len()), "a total column not checked: {t}");
        check(t, &want_total);

        // CSV: the same figures, one line per CoP and the total.
        let r = get_as(app, &path, &rw.w.manager.token, "text/csv").await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert_eq!(r.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
        assert_eq!(
            r.header("content-disposition"),
            Some(format!("attachment; filename=\"governance-report-{}-to-{}.csv\"", rw.from, rw.to))
        );
        assert!(r.header("vary").unwrap_or_default().contains("Accept"));
        assert!(r.text.contains("\r\n"), "CRLF line ends");
        let mut rd = csv::Reader::from_reader(r.text.as_bytes());
        let header: Vec<String> = rd.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
        assert_eq!(header.len(), 30);
        let lines: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap_or_else(|e| panic!("{e}"))).collect();
        assert_eq!(lines.len(), rows.len() + 1, "N rows and the total");
        let cell = |line: &csv::StringRecord, name: &str| -> String {
            let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
            line.get(i).unwrap_or_default().to_owned()
        };
        let a_line = lines.iter().find(|l| cell(l, "community_id") == rw.w.community_id).cloned().unwrap_or_default();
        for (k, want) in a_row(&rw) {
            let want = match want {
                Value::String(s) => s,
                Value::Bool(b) => i64::from(b).to_string(),
                other => other.to_string(),
            };
            assert_eq!(cell(&a_line, k), want, "CSV {k}");
        }
        let total = &lines[lines.len() - 1];
        assert_eq!((cell(total, "community_name"), cell(total, "status")), ("Network total".into(), "total".into()));
        assert_eq!((cell(total, "no_chair"), cell(total, "no_secretary"), cell(total, "meetings_expected")), ("3".into(), "2".into(), "7".into()));
        assert_eq!(cell(total, "attendance_rate"), "0.25");
    }
}

dual! {
    async fn the_printable_page_is_self_contained_and_well_formed(app) {
        let rw = report_world(app, "gr-html").await;
        // Names that try to break out of the page and the spreadsheet.
        set(app, "communities", &[("id", &rw.empty)], vec![("name", "=HYPERLINK(\"http://evil.example\")".into())]).await;
        set(app, "communities", &[("id", &rw.archived)], vec![("name", "<script>alert(1)</script> & co".into())]).await;
        let path = report_path(&rw.w.network_id, &format!("?from={}&to={}", rw.from, rw.to));
        let r = get_as(app, &path, &rw.w.manager.token, "text/html").await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert_eq!(r.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        let page = &r.text;
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("@page { size: A4"));

        let doc = scraper::Html::parse_document(page);
        let sel = |s: &str| scraper::Selector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let count = |s: &str| doc.select(&sel(s)).count();
        assert_eq!(count("html[lang=en]"), 1);
        let title: String = doc.select(&sel("head > title")).flat_map(|t| t.text()).collect();
        assert!(title.contains("Network gr-html") && title.contains(&rw.from.to_string()), "{title}");
        assert_eq!(count("h1"), 1);
        assert!(count("h2") >= 5, "sections have headings");
        assert_eq!(count("script"), 0);
        assert_eq!(count("link"), 0, "no external stylesheets");
        assert_eq!(count("table"), 4);
        assert_eq!(count("table > caption"), 4);
        assert_eq!(count("figure > figcaption"), 3);
        assert!(count("time[datetime]") >= 3, "period and generation time");
        for el in doc.root_element().descendants().filter_map(scraper::ElementRef::wrap) {
            for (name, value) in el.value().attrs() {
                let lower = value.to_ascii_lowercase();
                assert!(!lower.contains("http://") && !lower.contains("https://"), "URL in {name}={value}");
                assert!(!name.starts_with("on"), "event handler {name}");
            }
        }
        // The hostile name is text, not markup.
        let names: String = doc.select(&sel("tbody th")).flat_map(|t| t.text()).collect();
        assert!(names.contains("<script>alert(1)</script> & co"), "{names}");

        // Each chart is an SVG document of its own.
        let svgs = count("svg");
        assert_eq!(svgs, 3, "meetings, attendance, Triple A");
        let mut parsed = 0;
        let mut rest = page.as_str();
        while let Some(start) = rest.find("<svg") {
            let end = rest[start..].find("</svg>").map(|e| start + e + "</svg>".len()).unwrap_or_else(|| panic!("unclosed svg"));
            let xml = &rest[start..end];
            let d = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("SVG does not parse: {e}\n{xml}"));
            assert_eq!(d.root_element().tag_name().name(), "svg");
            assert!(d.root_element().attribute("viewBox").is_some());
            assert!(d.descendants().any(|n| n.tag_name().name() == "title"), "a title for screen readers");
            parsed += 1;
            rest = &rest[end..];
        }
        assert_eq!(parsed, svgs);

        // The CSV neutralises the formula.
        let r = get_as(app, &path, &rw.w.manager.token, "text/csv").await;
        let mut rd = csv::Reader::from_reader(r.text.as_bytes());
        let names: Vec<String> = rd.records().filter_map(Result::ok).map(|l| l.get(1).unwrap_or_default().to_owned()).collect();
        assert!(names.contains(&"'=HYPERLINK(\"http://evil.example\")".to_owned()), "{names:?}");
    }
}

dual! {
    async fn representations_are_negotiated(app) {
        let w = cop_world(app, "gr-accept", 1).await;
        let path = report_path(&w.network_id, "");
        let t = &w.manager.token;
        for (accept, starts) in [
            ("application/json", "application/json"),
            ("*/*", "application/json"),
            ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
            ("text/csv", "text/csv"),
            ("application/json;q=0.5, text/csv", "text/csv"),
        ] {
            let r = get_as(app, &path, t, accept).await;
            assert_eq!(r.status.as_u16(), 200, "{accept}: {}", r.text);
            assert!(r.header("content-type").unwrap_or_default().starts_with(starts), "{accept}");
        }
        for accept in ["application/xml", "image/png", "text/csv;q=0"] {
            let r = get_as(app, &path, t, accept).await;
            r.problem(406, "not-acceptable");
        }
        // Without dates: the last full calendar quarter.
        let v = app.get(&path, Some(t)).await.expect(200);
        let today = Utc::now().date_naive();
        let q = peerhub_domain::governance::report::Period::last_full_quarter(today);
        assert_eq!(v["period"], json!({"from": q.from.to_string(), "to": q.to.to_string()}));
        assert_eq!(v["rows"].as_array().map(Vec::len), Some(0), "the CoP is newer than the quarter: {v}");
    }
}

dual! {
    async fn the_period_is_validated(app) {
        let w = cop_world(app, "gr-period", 0).await;
        let t = &w.manager.token;
        let get = |q: &str| {
            let p = report_path(&w.network_id, q);
            async move { app.get(&p, Some(t)).await }
        };
        assert_violation(&get("?from=2026-02-01&to=2026-01-31").await, "from", "after_to");
        assert_violation(&get("?from=2020-01-01&to=2025-01-01").await, "to", "period_too_long");
        get("?from=2020-01-01&to=2024-12-31").await.expect(200);
        assert_violation(&get("?from=2026-02-30&to=2026-03-31").await, "from", "invalid_date");
        assert_violation(&get("?from=2026-01-01&to=tomorrow").await, "to", "invalid_date");
        assert_violation(&get("?from=2026-01-01").await, "to", "required");
        assert_violation(&get("?to=2026-01-01").await, "from", "required");
        get("?from=2026-01-01&to=2026-01-01").await.expect(200);
    }
}

dual! {
    async fn managers_admins_and_report_tokens_only(app) {
        let w = cop_world(app, "gr-access", 1).await;
        let path = report_path(&w.network_id, "");
        app.get(&path, Some(&w.manager.token)).await.expect(200);
        app.get(&path, Some(&w.admin)).await.expect(200);
        app.get(&path, None).await.problem(401, "authentication-required");
        // A member (even a CoP chair) may not; another network's people and
        // a network that does not exist are "not found".
        app.get(&path, Some(&w.chair.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.members[0].token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&report_path("0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e", ""), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get("/v1/networks/nope/reports/governance", Some(&w.manager.token)).await.problem(400, "invalid-parameter");

        let token = |session: &str, scope: &str| {
            let session = session.to_owned();
            let scope = scope.to_owned();
            async move {
                let t = app.post("/v1/api-tokens", Some(&session), json!({"name": scope, "scopes": [scope], "current_password": PASSWORD})).await.expect(201);
                t["secret"].as_str().unwrap_or_default().to_owned()
            }
        };
        let reports = token(&w.manager.token, "reports:read").await;
        let v = app.get(&path, Some(&reports)).await.expect(200);
        assert_eq!(v["network_id"], w.network_id.as_str());
        let r = get_as(app, &path, &reports, "text/csv").await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        let other = token(&w.manager.token, "memberships:read").await;
        app.get(&path, Some(&other)).await.problem(403, "insufficient-scope");
        // The scope does not lift a member to a manager.
        let member_reports = token(&w.members[0].token, "reports:read").await;
        app.get(&path, Some(&member_reports)).await.problem(403, "forbidden");
        let stranger_reports = token(&w.stranger.token, "reports:read").await;
        app.get(&path, Some(&stranger_reports)).await.problem(404, "not-found");
    }
}
