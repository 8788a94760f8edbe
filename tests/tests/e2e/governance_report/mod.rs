//! The governance report (docs/governance.md, "Download the governance
//! report"): a hand-built world where every figure is known, checked column
//! by column in JSON and CSV; the HTML page parsed (no scripts, no URLs,
//! every chart well-formed SVG); content negotiation; the period's
//! validation; who may read it.
mod world;

use chrono::Utc;
use peerhub_tests::world::*;
use peerhub_tests::*;
use serde_json::{Value, json};
use world::*;

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
