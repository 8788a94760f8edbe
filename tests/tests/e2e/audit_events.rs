//! Reading the audit trail: `GET /v1/audit-events` as JSON and CSV, its
//! filters, keyset pages followed through `Link`, who may read it, the
//! refusals, fail-closed decoding, and that no note or concern text ever
//! reaches it (docs/integrations.md, "Read the audit trail").
use chrono::{DateTime, Utc};
use peerhub_tests::matching_world::*;
use peerhub_tests::problems::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const BASE: &str = "http://peerhub.test";

const CSV_HEADER: [&str; 11] = [
    "id",
    "occurred_at",
    "actor_id",
    "actor_display_name",
    "network_id",
    "action",
    "entity_type",
    "entity_id",
    "changed_fields",
    "request_id",
    "client_address",
];

fn audit_path(query: &str) -> String {
    format!("/v1/audit-events?{query}")
}

async fn get_as(app: &TestApp, path: &str, token: &str, accept: &str) -> Resp {
    app.send(
        app.req(Method::GET, path, Some(token))
            .header("Accept", accept),
    )
    .await
}

/// The path and query of a `Link: <…>; rel="next"` header.
fn next_of(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    let url = link
        .strip_prefix('<')
        .and_then(|l| l.split_once('>'))
        .map(|(u, _)| u)
        .unwrap_or_else(|| panic!("not a link: {link}"));
    Some(
        url.strip_prefix(BASE)
            .unwrap_or_else(|| panic!("not under the public base URL: {url}"))
            .to_owned(),
    )
}

fn items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .clone()
}

fn time_of(e: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(e["occurred_at"].as_str().unwrap_or_default())
        .unwrap_or_else(|_| panic!("occurred_at: {e}"))
        .with_timezone(&Utc)
}

/// Asserts newest first: `(occurred_at, id)` strictly descending.
#[track_caller]
fn assert_newest_first(entries: &[Value]) {
    for w in entries.windows(2) {
        let a = (time_of(&w[0]), w[0]["id"].as_str().unwrap_or_default());
        let b = (time_of(&w[1]), w[1]["id"].as_str().unwrap_or_default());
        assert!(a > b, "not newest first: {} then {}", w[0], w[1]);
    }
}

/// Every entry of `query`, in one page of at most 200.
async fn all(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(&audit_path(&format!("{query}&limit=200")), Some(token))
        .await;
    let page = r.expect(200);
    assert!(
        page["next_cursor"].is_null(),
        "more than 200 entries: {query}"
    );
    assert!(r.header("link").is_none());
    items(&page)
}

fn ids_of(entries: &[Value]) -> Vec<String> {
    entries.iter().map(id_of).collect()
}

/// Parses a CSV body: the header and the rows.
fn parse_csv(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .unwrap_or_else(|e| panic!("CSV header: {e}: {text}"))
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("CSV rows: {e}: {text}"));
    (header, rows)
}

/// A network with a manager and a member, and entries from two community
/// set-ups by the manager (each: created, terms drafted, terms approved).
struct World {
    admin: String,
    network_id: String,
    manager: String,
    manager_id: String,
    member: String,
    community_ids: Vec<String>,
}

async fn world(app: &TestApp, slug: &str) -> World {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let network_id = id_of(&net);
    let manager = app
        .invited(
            &admin,
            &network_id,
            &format!("manager@{slug}.org"),
            "manager",
        )
        .await;
    let member = app
        .member(&network_id, &format!("member.{slug}@nhs.net"))
        .await;
    let mut community_ids = Vec::new();
    for _ in 0..2 {
        let c = app
            .community(&manager, &network_id, "closed", 10, json!({}))
            .await;
        community_ids.push(id_of(&c));
    }
    World {
        admin,
        manager_id: user_id_of(&manager),
        network_id,
        manager,
        member,
        community_ids,
    }
}

dual! {
    async fn managers_read_their_network_newest_first_with_every_filter(app) {
        let w = world(app, "audit-filters").await;
        let net = &w.network_id;
        let every = all(app, &w.manager, &format!("network_id={net}")).await;
        assert!(every.len() >= 8, "{every:?}");
        assert_newest_first(&every);
        for e in &every {
            assert_eq!(e["network_id"], json!(net), "{e}");
            assert!(e["changed_fields"].is_array(), "{e}");
            let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["action", "actor", "changed_fields", "client_address", "entity_id", "entity_type", "id", "network_id", "occurred_at", "request_id"]);
        }
        // the manager's own community set-up, with their name
        let created: Vec<&Value> = every.iter().filter(|e| e["action"] == "community.created").collect();
        assert_eq!(created.len(), 2);
        for e in &created {
            assert_eq!(e["actor"]["id"], json!(w.manager_id));
            assert_eq!(e["actor"]["display_name"], "Invited Person");
            assert_eq!(e["entity_type"], "community");
            assert!(e["changed_fields"].as_array().unwrap().contains(&json!("name")), "{e}");
            assert!(e["request_id"].is_string(), "{e}");
        }
        // a platform admin reads the same entries
        assert_eq!(ids_of(&all(app, &w.admin, &format!("network_id={net}")).await), ids_of(&every));

        // each filter gives exactly the entries it names, in the same order
        let check = |query: String, keep: Box<dyn Fn(&Value) -> bool>| {
            let want: Vec<String> = every.iter().filter(|e| keep(e)).map(id_of).collect();
            (query, want)
        };
        let community = w.community_ids[0].clone();
        let manager_id = w.manager_id.clone();
        let mid = time_of(&every[every.len() / 2]);
        let late = time_of(&every[1]);
        let cases = vec![
            check("entity_type=community".into(), Box::new(|e| e["entity_type"] == "community")),
            check("entity_type=network_member".into(), Box::new(|e| e["entity_type"] == "network_member")),
            check(format!("entity_id={community}"), Box::new(move |e| e["entity_id"] == json!(community))),
            check(format!("actor_id={manager_id}"), Box::new(move |e| e["actor"]["id"] == json!(manager_id))),
            check("action=terms.approved".into(), Box::new(|e| e["action"] == "terms.approved")),
            check(format!("from={}", mid.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)), Box::new(move |e| time_of(e) >= mid)),
            check(format!("to={}", mid.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)), Box::new(move |e| time_of(e) < mid)),
            check(
                format!("from={}&to={}", mid.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true), late.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)),
                Box::new(move |e| time_of(e) >= mid && time_of(e) < late),
            ),
            check("entity_type=community&action=community.created".into(), Box::new(|e| e["action"] == "community.created")),
            check("action=minutes.approved".into(), Box::new(|_| false)),
        ];
        for (query, want) in cases {
            let got = all(app, &w.manager, &format!("network_id={net}&{query}")).await;
            assert_eq!(ids_of(&got), want, "{query}");
        }
        // the filters that pick something do pick something
        assert_eq!(all(app, &w.manager, &format!("network_id={net}&entity_id={}", w.community_ids[0])).await.len(), 3);
        // an offset in `from` is an instant; an unencoded `+` reads as one
        let at = time_of(&every[0]).with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap());
        let plus = at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, false);
        let got = all(app, &w.manager, &format!("network_id={net}&from={plus}")).await;
        assert_eq!(ids_of(&got), ids_of(&every[..1]), "{plus}");
        let got = all(app, &w.manager, &format!("network_id={net}&from={}", plus.replace('+', "%2B"))).await;
        assert_eq!(ids_of(&got), ids_of(&every[..1]));
    }
}

dual! {
    async fn pages_follow_the_link_to_the_end_as_json_and_csv(app) {
        let w = world(app, "audit-pages").await;
        let net = &w.network_id;
        let every = all(app, &w.manager, &format!("network_id={net}")).await;
        let limit = 3;
        assert!(every.len() > 2 * limit, "{}", every.len());

        // JSON: next_cursor and Link agree, and the pages are the whole list
        let mut seen = Vec::new();
        let mut path = Some(audit_path(&format!("network_id={net}&limit={limit}")));
        let mut pages = 0;
        while let Some(p) = path {
            let r = app.get(&p, Some(&w.manager)).await;
            let page = r.expect(200);
            let got = items(&page);
            assert!(got.len() <= limit);
            seen.extend(ids_of(&got));
            path = next_of(&r);
            match page["next_cursor"].as_str() {
                Some(c) => {
                    assert_eq!(got.len(), limit);
                    let next = path.as_deref().unwrap_or_default();
                    assert!(next.contains(&format!("cursor={c}")) && next.contains(&format!("network_id={net}")) && next.contains("limit=3"), "{next}");
                }
                None => assert!(path.is_none()),
            }
            pages += 1;
            assert!(pages < 50, "does not end");
        }
        assert_eq!(seen, ids_of(&every));
        assert_eq!(pages, every.len().div_ceil(limit));

        // CSV: the same pages, each with its header row and the same Link
        let mut csv_ids = Vec::new();
        let mut path = Some(audit_path(&format!("network_id={net}&limit={limit}")));
        while let Some(p) = path {
            let r = get_as(app, &p, &w.manager, "text/csv").await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.text);
            assert_eq!(r.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
            assert_eq!(r.header("content-disposition").as_deref(), Some("attachment; filename=\"audit-events.csv\""));
            assert!(r.header("vary").unwrap_or_default().contains("Accept"));
            let (header, rows) = parse_csv(&r.text);
            assert_eq!(header, CSV_HEADER);
            assert!(r.text.ends_with("\r\n"), "CRLF line ends");
            assert!(!rows.is_empty() && rows.len() <= limit);
            csv_ids.extend(rows.iter().map(|row| row[0].to_owned()));
            path = next_of(&r);
            if path.is_some() {
                assert_eq!(rows.len(), limit);
            }
        }
        assert_eq!(csv_ids, ids_of(&every));

        // a CSV row says what the JSON entry says
        let r = get_as(app, &audit_path(&format!("network_id={net}&limit=200")), &w.manager, "text/csv").await;
        let (_, rows) = parse_csv(&r.text);
        assert_eq!(rows.len(), every.len(), "header + N rows");
        for (row, e) in rows.iter().zip(&every) {
            assert_eq!(&row[0], e["id"].as_str().unwrap());
            assert_eq!(DateTime::parse_from_rfc3339(&row[1]).unwrap(), time_of(e));
            assert_eq!(&row[2], e["actor"]["id"].as_str().unwrap_or_default());
            assert_eq!(&row[3], e["actor"]["display_name"].as_str().unwrap_or_default());
            assert_eq!(&row[4], net.as_str());
            assert_eq!(&row[5], e["action"].as_str().unwrap());
            assert_eq!(&row[6], e["entity_type"].as_str().unwrap());
            assert_eq!(&row[7], e["entity_id"].as_str().unwrap());
            let fields: Vec<&str> = e["changed_fields"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            assert_eq!(&row[8], fields.join(" "));
        }
        // text/* and a preference for CSV pick CSV; no Accept is JSON
        let r = get_as(app, &audit_path(&format!("network_id={net}")), &w.manager, "application/json;q=0.5, text/*").await;
        assert!(r.header("content-type").unwrap_or_default().starts_with("text/csv"));
        let r = app.get(&audit_path(&format!("network_id={net}")), Some(&w.manager)).await;
        assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"));
    }
}

dual! {
    async fn entries_of_the_same_instant_page_by_id(app) {
        // Entries written in one instant (a change and its follow-ups in
        // one transaction share `occurred_at`) still page without gaps or
        // repeats: the cursor holds the instant and the id.
        let w = world(app, "audit-instant").await;
        let net = &w.network_id;
        peerhub_persistence::sea_orm::ConnectionTrait::execute_unprepared(
            &app.db,
            &format!("UPDATE audit_events SET occurred_at = (SELECT MIN(occurred_at) FROM audit_events WHERE network_id = '{net}') WHERE network_id = '{net}'"),
        )
        .await
        .unwrap();
        let every = all(app, &w.manager, &format!("network_id={net}")).await;
        let mut sorted = ids_of(&every);
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(ids_of(&every), sorted, "same instant: id descending");
        let mut seen = Vec::new();
        let mut path = Some(audit_path(&format!("network_id={net}&limit=2")));
        while let Some(p) = path {
            let r = app.get(&p, Some(&w.manager)).await;
            seen.extend(ids_of(&items(&r.expect(200))));
            path = next_of(&r);
        }
        assert_eq!(seen, sorted);
    }
}

dual! {
    async fn only_managers_and_admins_read_and_only_people(app) {
        let w = world(app, "audit-who").await;
        let net = &w.network_id;
        let path = audit_path(&format!("network_id={net}"));
        // a member of the network: 403
        app.get(&path, Some(&w.member)).await.problem(403, "forbidden");
        // a stranger, and a manager of another network: 404
        let other = app.create_network(&w.admin, "audit-who-other", &["nhs.net"]).await;
        let other_id = id_of(&other);
        let stranger = app.member(&other_id, "stranger.audit@nhs.net").await;
        app.get(&path, Some(&stranger)).await.problem(404, "not-found");
        let other_manager = app.invited(&w.admin, &other_id, "other.manager@audit.org", "manager").await;
        app.get(&path, Some(&other_manager)).await.problem(404, "not-found");
        // …who reads their own network, and none of this one's entries
        let theirs = all(app, &other_manager, &format!("network_id={other_id}")).await;
        assert!(!theirs.is_empty());
        assert!(theirs.iter().all(|e| e["network_id"] == json!(other_id)));
        // a network that does not exist: 404
        app.get(&audit_path("network_id=0193a6f2-0000-7000-8000-000000000000"), Some(&w.manager)).await.problem(404, "not-found");
        // a manager must name the network
        let r = app.get("/v1/audit-events", Some(&w.manager)).await;
        assert_violation(&r, "network_id", "required");
        let r = app.get("/v1/audit-events", Some(&w.member)).await;
        assert_violation(&r, "network_id", "required");
        // a platform admin may leave it out and reads everything, including
        // entries of no network
        let r = app.get("/v1/audit-events?limit=200", Some(&w.admin)).await;
        let page = r.expect(200);
        let entries = items(&page);
        assert_newest_first(&entries);
        assert!(entries.iter().any(|e| e["network_id"].is_null()), "account-level entries");
        assert!(entries.iter().any(|e| e["network_id"] == json!(other_id)));
        assert!(entries.iter().any(|e| e["network_id"] == json!(net)));
        // no credentials: 401
        app.get(&path, None).await.problem(401, "authentication-required");
        // API tokens, even a manager's or an admin's: 403 insufficient-scope
        for (who, session) in [("manager", &w.manager), ("admin", &w.admin)] {
            let t = app
                .post("/v1/api-tokens", Some(session), json!({"name": format!("audit {who}"), "scopes": ["networks:read", "reports:read"], "current_password": PASSWORD}))
                .await
                .expect(201);
            let secret = t["secret"].as_str().unwrap().to_owned();
            app.get(&path, Some(&secret)).await.problem(403, "insufficient-scope");
            if who == "admin" {
                app.get("/v1/audit-events", Some(&secret)).await.problem(403, "insufficient-scope");
            }
        }
    }
}

dual! {
    async fn bad_input_is_refused_naming_the_field(app) {
        let w = world(app, "audit-bad").await;
        let net = &w.network_id;
        let get = |q: String| {
            let token = w.manager.clone();
            async move { app.get(&audit_path(&q), Some(&token)).await }
        };
        for (query, field, code) in [
            ("network_id=nope".to_owned(), "network_id", "invalid_uuid"),
            (format!("network_id={net}&entity_id=42"), "entity_id", "invalid_uuid"),
            (format!("network_id={net}&actor_id=x"), "actor_id", "invalid_uuid"),
            (format!("network_id={net}&entity_type=Community"), "entity_type", "invalid_format"),
            (format!("network_id={net}&entity_type=match-note"), "entity_type", "invalid_format"),
            (format!("network_id={net}&entity_type={}", "a".repeat(51)), "entity_type", "invalid_format"),
            (format!("network_id={net}&entity_type="), "entity_type", "invalid_format"),
            (format!("network_id={net}&action=minutes%20approved"), "action", "invalid_format"),
            (format!("network_id={net}&action={}", "a".repeat(81)), "action", "invalid_format"),
            (format!("network_id={net}&from=yesterday"), "from", "invalid_datetime"),
            (format!("network_id={net}&to=2026-12-01"), "to", "invalid_datetime"),
            (format!("network_id={net}&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z"), "from", "after_to"),
            (format!("network_id={net}&limit=0"), "limit", "out_of_range"),
            (format!("network_id={net}&limit=201"), "limit", "out_of_range"),
            (format!("network_id={net}&cursor=%21%21"), "cursor", "invalid_cursor"),
        ] {
            let r = get(query.clone()).await;
            assert_eq!(r.status.as_u16(), 422, "{query}: {}", r.text);
            assert_violation(&r, field, code);
        }
        // a well-formed cursor this list did not make (another list's)
        use base64::Engine;
        let foreign = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json!({"a": w.community_ids[0]}).to_string());
        assert_violation(&get(format!("network_id={net}&cursor={foreign}")).await, "cursor", "invalid_cursor");
        // several at once are all named
        let r = get(format!("network_id={net}&entity_id=1&actor_id=2&action=A")).await;
        let mut f = fields(&r.json());
        f.sort();
        assert_eq!(f, ["action", "actor_id", "entity_id"]);
        // a limit that is not a number is a query that does not parse
        get(format!("network_id={net}&limit=lots")).await.problem(400, "invalid-query-parameter");
        // a media type neither JSON nor CSV: 406
        let r = get_as(app, &audit_path(&format!("network_id={net}")), &w.manager, "application/xml").await;
        r.problem(406, "not-acceptable");
        // append-only: no method but GET
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let r = app.send(app.req(m.clone(), "/v1/audit-events", Some(&w.admin)).json(&json!({}))).await;
            r.problem(405, "method-not-allowed");
            assert_eq!(r.header("allow").as_deref(), Some("GET"), "{m}");
        }
        let r = app.send(app.req(Method::DELETE, &format!("/v1/audit-events/{}", w.community_ids[0]), Some(&w.admin))).await;
        r.problem(404, "not-found");
    }
}

dual! {
    async fn undecodable_changed_fields_are_a_500(app) {
        let w = world(app, "audit-corrupt").await;
        let net = &w.network_id;
        let path = audit_path(&format!("network_id={net}&limit=200"));
        let every = all(app, &w.manager, &format!("network_id={net}")).await;
        let victim = id_of(&every[every.len() / 2]);
        for corrupt in ["not json", "{\"status\": true}", "[1, 2]", "\"status\"", "null", "[[\"status\"]]"] {
            let q = corrupt.replace('\'', "''");
            peerhub_persistence::sea_orm::ConnectionTrait::execute_unprepared(
                &app.db,
                &format!("UPDATE audit_events SET changed_fields = '{q}' WHERE id = '{victim}'"),
            )
            .await
            .unwrap();
            app.get(&path, Some(&w.manager)).await.problem(500, "internal-error");
            get_as(app, &path, &w.manager, "text/csv").await.problem(500, "internal-error");
            app.get("/v1/audit-events?limit=200", Some(&w.admin)).await.problem(500, "internal-error");
        }
        // pages without the broken entry are unaffected
        let after = every.iter().position(|e| id_of(e) == victim).unwrap();
        let newer = time_of(&every[after - 1]);
        let got = all(app, &w.manager, &format!("network_id={net}&from={}", newer.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))).await;
        assert!(!got.iter().any(|e| id_of(e) == victim));
        // an empty list is a real answer
        peerhub_persistence::sea_orm::ConnectionTrait::execute_unprepared(
            &app.db,
            &format!("UPDATE audit_events SET changed_fields = '[]' WHERE id = '{victim}'"),
        )
        .await
        .unwrap();
        let fixed = all(app, &w.manager, &format!("network_id={net}")).await;
        assert_eq!(ids_of(&fixed), ids_of(&every));
        assert_eq!(fixed[after]["changed_fields"], json!([]));
    }
}

dual! {
    async fn no_note_or_concern_text_reaches_the_trail(app) {
        let w = match_world(app, "audit-secrets").await;
        let marker = format!("MARKER-{}", uuid::Uuid::now_v7().simple());
        let note = app
            .post(&w.match_path("/notes"), Some(&w.peer.token), json!({"body": format!("private {marker} note")}))
            .await
            .expect(201);
        app.post(&w.match_path("/concerns"), Some(&w.peer.token), json!({"category": "other", "summary": format!("concern {marker} details")}))
            .await
            .expect(201);
        let net = &w.network_id;
        // the trail records both, by field name
        let every = all(app, &w.manager.token, &format!("network_id={net}")).await;
        let of = |t: &str| every.iter().filter(|e| e["entity_type"] == t).cloned().collect::<Vec<_>>();
        let notes = of("match_note");
        assert_eq!(notes.len(), 1, "{every:?}");
        assert_eq!(notes[0]["entity_id"], note["id"]);
        assert_eq!(notes[0]["changed_fields"], json!(["body"]));
        let concerns = of("safeguarding_concern");
        assert_eq!(concerns.len(), 1);
        assert_eq!(concerns[0]["changed_fields"], json!(["category", "summary"]));
        // …and the text nowhere: JSON and CSV, a manager's and an admin's
        // view, and the author's own export
        let mut answers = Vec::new();
        for (token, query) in [(&w.manager.token, format!("network_id={net}&limit=200")), (&w.admin, "limit=200".to_owned())] {
            let r = app.get(&audit_path(&query), Some(token)).await;
            r.expect(200);
            answers.push(r.text);
            let r = get_as(app, &audit_path(&query), token, "text/csv").await;
            assert_eq!(r.status.as_u16(), 200);
            assert!(r.text.contains("match_note") && r.text.contains("safeguarding_concern"));
            answers.push(r.text);
        }
        // The author's own export holds their note and concern (their
        // data), but its audit entries do not; the other participant's and
        // a manager's exports hold neither.
        let export = app.get("/v1/me/export", Some(&w.peer.token)).await.expect(200);
        assert!(export.to_string().contains(&marker), "the author's own data is exported");
        let audit = &export["audit_events"];
        assert!(audit.as_array().unwrap().iter().any(|e| e["entity_type"] == "match_note"), "{audit}");
        answers.push(audit.to_string());
        for token in [&w.supporter.token, &w.manager.token] {
            let r = app.get("/v1/me/export", Some(token)).await;
            r.expect(200);
            answers.push(r.text);
        }
        for a in &answers {
            assert!(!a.contains(&marker), "the marker leaked: {a}");
        }
        // the marker is really stored (so the search above means something)
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM safeguarding_concerns WHERE summary LIKE '%{marker}%'")).await, 1);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE changed_fields LIKE '%{marker}%'")).await, 0);
    }
}
