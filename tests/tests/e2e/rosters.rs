//! Community rosters (JSON and CSV), core-team roles, my memberships and
//! community proposals.
use chrono::{DateTime, TimeZone, Utc};
use peerhub_domain::community::{CadenceUnit, CommunityKind, CommunityRole, RawSettings};
use peerhub_persistence::Ctx;
use peerhub_persistence::entities::community;
use peerhub_persistence::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, TransactionTrait,
};
use peerhub_persistence::{communities, memberships};
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A network with a manager and a community in it.
struct World {
    net: String,
    mgr: String,
    community: community::Model,
}

/// Creates a network (allowing nhs.net), its manager, and a closed
/// community created through the store (status active).
async fn world(app: &TestApp, slug: &str) -> World {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let net = net["id"].as_str().unwrap().to_owned();
    let mgr = app
        .invited(&admin, &net, &format!("mgr@{slug}.org"), "manager")
        .await;
    let community = new_community(app, &net, "Psychological Practitioners").await;
    World {
        net,
        mgr,
        community,
    }
}

async fn new_community(app: &TestApp, network_id: &str, name: &str) -> community::Model {
    communities::create(
        &app.db,
        &Ctx::system(),
        network_id,
        RawSettings {
            name: Some(name.into()),
            focus: Some("Professional growth".into()),
            audience: Some("PWP, CYWP, EMHP, MHWP".into()),
            kind: Some(CommunityKind::Closed),
            capacity: Some(50),
            cadence_every: Some(3),
            cadence_unit: Some(CadenceUnit::Months),
            duration_minutes: Some(120),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap()
}

/// Adds `user_id` to the community as `role`, joining at `at`.
async fn add(
    app: &TestApp,
    c: &community::Model,
    user_id: &str,
    role: CommunityRole,
    at: DateTime<Utc>,
) {
    memberships::insert_member(&app.db, &Ctx::system(), c, user_id, role, None, at)
        .await
        .unwrap();
}

/// A verified member of the network: (token, user id).
async fn person(app: &TestApp, net: &str, email: &str) -> (String, String) {
    let t = app.member(net, email).await;
    let id = user_id_of(&t);
    (t, id)
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

fn members_path(c: &community::Model) -> String {
    format!("/v1/communities/{}/members", c.id)
}

fn user_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["user_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn get_accept(app: &TestApp, path: &str, token: &str, accept: &str) -> Resp {
    app.send(
        app.req(Method::GET, path, Some(token))
            .header("Accept", accept),
    )
    .await
}

async fn patch_if(
    app: &TestApp,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> Resp {
    let mut rb = app.req(Method::PATCH, path, Some(token)).json(&body);
    if let Some(v) = if_match {
        rb = rb.header("If-Match", v);
    }
    app.send(rb).await
}

async fn api_token(app: &TestApp, owner: &str, scopes: &[&str]) -> String {
    let r = app
        .post(
            "/v1/api-tokens",
            Some(owner),
            json!({"name": "sync", "scopes": scopes, "current_password": PASSWORD}),
        )
        .await;
    r.expect(201)["secret"].as_str().unwrap().to_owned()
}

/// A strict RFC 4180 parser: CRLF line ends only, quoted fields with
/// doubled inner quotes; the last record must end with CRLF.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                    assert!(
                        matches!(chars.peek(), None | Some(',') | Some('\r')),
                        "text after a closing quote"
                    );
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("bare LF line end"),
            c => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "the last record must end with CRLF"
    );
    rows
}

const CSV_HEADER: [&str; 12] = [
    "user_id",
    "display_name",
    "email",
    "role",
    "status",
    "joined_at",
    "ended_at",
    "updated_at",
    "profession",
    "level",
    "organisation",
    "region",
];

// ---------------------------------------------------------------------------
// Roster as JSON
// ---------------------------------------------------------------------------

dual! {
    async fn roster_json_filters_and_pages(app) {
        let w = world(app, "ros-json").await;
        let (t1, u1) = person(app, &w.net, "one@nhs.net").await;
        let (_, u2) = person(app, &w.net, "two@nhs.net").await;
        let (_, u3) = person(app, &w.net, "three@nhs.net").await;
        let (t4, _) = person(app, &w.net, "four@nhs.net").await; // in the network, not the community
        add(app, &w.community, &u1, CommunityRole::Member, at(2026, 1, 1)).await;
        add(app, &w.community, &u2, CommunityRole::Secretary, at(2026, 2, 1)).await;
        add(app, &w.community, &u3, CommunityRole::Member, at(2026, 6, 1)).await;
        app.patch("/v1/me", Some(&t1), json!({"profession": "PWP", "level": "senior", "organisation": "MPFT", "region": "West Midlands"}))
            .await
            .expect(200);

        // Any member of the network may read it, even one not in the community.
        let path = members_path(&w.community);
        let page = app.get(&path, Some(&t4)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u1.clone(), u2.clone(), u3.clone()]);
        assert_eq!(page["next_cursor"], Value::Null);
        let first = &page["items"][0];
        assert_eq!(first["display_name"], "one");
        assert_eq!(first["email"], "one@nhs.net");
        assert_eq!(first["role"], "member");
        assert_eq!(first["status"], "active");
        assert_eq!(first["joined_at"], "2026-01-01T09:00:00Z");
        assert_eq!(first["ended_at"], Value::Null);
        assert_eq!(first["profession"], "PWP");
        assert_eq!(first["level"], "senior");
        assert_eq!(first["organisation"], "MPFT");
        assert_eq!(first["region"], "West Midlands");
        assert_eq!(first["version"], 1);
        assert!(first["updated_at"].is_string());
        // The manager reads it too.
        app.get(&path, Some(&w.mgr)).await.expect(200);

        // role filter
        let page = app.get(&format!("{path}?role=secretary"), Some(&t1)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u2.clone()]);
        assert_eq!(page["items"][0]["role"], "secretary");
        let page = app.get(&format!("{path}?role=chair"), Some(&t1)).await.expect(200);
        assert!(user_ids(&page).is_empty());
        assert_invalid(&app.get(&format!("{path}?role=owner"), Some(&t1)).await, "role");

        // updated_since (inclusive)
        let page = app.get(&format!("{path}?updated_since=2026-02-01T09:00:00Z"), Some(&t1)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u2.clone(), u3.clone()]);
        let page = app.get(&format!("{path}?updated_since=2026-03-01T10:00:00%2B01:00"), Some(&t1)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u3.clone()]);
        let page = app.get(&format!("{path}?updated_since=2030-01-01T00:00:00Z"), Some(&t1)).await.expect(200);
        assert!(user_ids(&page).is_empty());
        for bad in ["yesterday", "2026-13-01T00:00:00Z", "2026-01-01"] {
            assert_invalid(&app.get(&format!("{path}?updated_since={bad}"), Some(&t1)).await, "updated_since");
        }

        // Departed members only with include_departed=true.
        app.db
            .execute_unprepared(&format!(
                "UPDATE community_members SET status = 'left', ended_at = updated_at WHERE user_id = '{u3}'"
            ))
            .await
            .unwrap();
        let page = app.get(&path, Some(&t1)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u1.clone(), u2.clone()]);
        let page = app.get(&format!("{path}?include_departed=true"), Some(&t1)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u1.clone(), u2.clone(), u3.clone()]);
        assert_eq!(page["items"][2]["status"], "left");
        assert!(page["items"][2]["ended_at"].is_string());
        let page = app
            .get(&format!("{path}?include_departed=true&updated_since=2026-03-01T00:00:00Z"), Some(&t1))
            .await
            .expect(200);
        assert_eq!(user_ids(&page), vec![u3.clone()]);
        let page = app.get(&format!("{path}?include_departed=false"), Some(&t1)).await.expect(200);
        assert_eq!(user_ids(&page).len(), 2);
        app.get(&format!("{path}?include_departed=yes"), Some(&t1)).await.problem(400, "invalid-query-parameter");

        // Pagination with a Link header that keeps the filters.
        let r = app.get(&format!("{path}?include_departed=true&limit=2"), Some(&t1)).await;
        let page = r.expect(200);
        assert_eq!(user_ids(&page), vec![u1.clone(), u2.clone()]);
        let cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let link = r.header("link").unwrap();
        assert!(link.contains("include_departed=true") && link.contains("rel=\"next\""), "{link}");
        let page = app
            .get(&format!("{path}?include_departed=true&limit=2&cursor={cursor}"), Some(&t1))
            .await
            .expect(200);
        assert_eq!(user_ids(&page), vec![u3.clone()]);
        assert_eq!(page["next_cursor"], Value::Null);
        assert_invalid(&app.get(&format!("{path}?limit=0"), Some(&t1)).await, "limit");
        assert_invalid(&app.get(&format!("{path}?cursor=nope"), Some(&t1)).await, "cursor");
    }
}

// ---------------------------------------------------------------------------
// Roster as CSV
// ---------------------------------------------------------------------------

dual! {
    async fn roster_csv_export(app) {
        let w = world(app, "ros-csv").await;
        let (t1, u1) = person(app, &w.net, "quote@nhs.net").await;
        let (t2, u2) = person(app, &w.net, "formula@nhs.net").await;
        let (_, u3) = person(app, &w.net, "plain@nhs.net").await;
        app.patch("/v1/me", Some(&t1), json!({"display_name": "Doe, \"Jo\"", "organisation": "Trust, North"}))
            .await
            .expect(200);
        app.patch("/v1/me", Some(&t2), json!({"display_name": "=HYPERLINK(\"http://x\")", "organisation": "-2+3", "region": "@SUM(A1)", "level": "qualified"}))
            .await
            .expect(200);
        add(app, &w.community, &u1, CommunityRole::Chair, at(2026, 1, 1)).await;
        add(app, &w.community, &u2, CommunityRole::Member, at(2026, 2, 1)).await;
        add(app, &w.community, &u3, CommunityRole::Member, at(2026, 3, 1)).await;

        let path = members_path(&w.community);
        let r = get_accept(app, &path, &t1, "text/csv").await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"), "{:?}", r.header("content-type"));
        assert_eq!(
            r.header("content-disposition").unwrap(),
            format!("attachment; filename=\"community-{}-members.csv\"", w.community.id)
        );
        assert!(r.header("link").is_none());
        assert!(r.text.ends_with("\r\n"));
        // Quoting: the field is quoted and the inner quotes doubled.
        assert!(r.text.contains(",\"Doe, \"\"Jo\"\"\","), "{}", r.text);
        let rows = parse_csv(&r.text);
        assert_eq!(rows[0], CSV_HEADER);
        assert_eq!(rows.len(), 4, "{}", r.text);
        assert!(rows.iter().all(|row| row.len() == 12));
        let by_id = |id: &str| rows.iter().find(|row| row[0] == id).unwrap().clone();
        let quoted = by_id(&u1);
        assert_eq!(quoted[1], "Doe, \"Jo\"");
        assert_eq!(quoted[2], "quote@nhs.net");
        assert_eq!(quoted[3], "chair");
        assert_eq!(quoted[4], "active");
        assert_eq!(quoted[5], "2026-01-01T09:00:00Z");
        assert_eq!(quoted[6], "");
        assert_eq!(quoted[10], "Trust, North");
        // CSV injection guard
        let formula = by_id(&u2);
        assert_eq!(formula[1], "'=HYPERLINK(\"http://x\")");
        assert_eq!(formula[9], "qualified");
        assert_eq!(formula[10], "'-2+3");
        assert_eq!(formula[11], "'@SUM(A1)");
        assert_eq!(by_id(&u3)[1], "plain");

        // Same filters as JSON.
        let rows = parse_csv(&get_accept(app, &format!("{path}?role=chair"), &t1, "text/csv").await.text);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], u1);
        let rows = parse_csv(&get_accept(app, &format!("{path}?updated_since=2026-02-01T09:00:00Z"), &t1, "text/csv").await.text);
        assert_eq!(rows.len(), 3);
        app.db
            .execute_unprepared(&format!("UPDATE community_members SET status = 'removed' WHERE user_id = '{u3}'"))
            .await
            .unwrap();
        assert_eq!(parse_csv(&get_accept(app, &path, &t1, "text/csv").await.text).len(), 3);
        let rows = parse_csv(&get_accept(app, &format!("{path}?include_departed=true"), &t1, "text/csv").await.text);
        assert_eq!(rows.len(), 4);
        assert_eq!(by_id(&u3)[0], u3);
        assert_eq!(rows.iter().find(|r| r[0] == u3).unwrap()[4], "removed");
        // No rows: just the header.
        let r = get_accept(app, &format!("{path}?role=facilitator"), &t1, "text/csv").await;
        assert_eq!(parse_csv(&r.text), vec![CSV_HEADER.map(str::to_owned).to_vec()]);
        // Bad filters are still problems.
        get_accept(app, &format!("{path}?updated_since=x"), &t1, "text/csv").await.problem(422, "validation-failed");

        // Content negotiation: CSV wins only with a quality at least JSON's.
        for (accept, csv) in [
            ("text/csv, application/json", true),
            ("application/json;q=0.5, text/csv", true),
            ("text/csv;q=0.8, application/json;q=0.8", true),
            ("text/csv;q=0.5, application/json", false),
            ("application/json", false),
            ("*/*", false),
        ] {
            let r = get_accept(app, &path, &t1, accept).await;
            assert_eq!(r.status.as_u16(), 200);
            let ct = r.header("content-type").unwrap();
            assert_eq!(ct.starts_with("text/csv"), csv, "{accept}: {ct}");
            if !csv {
                assert!(ct.starts_with("application/json"), "{accept}: {ct}");
            }
        }
    }
}

dual! {
    async fn roster_format_parameter(app) {
        let w = world(app, "ros-format").await;
        let (t1, u1) = person(app, &w.net, "alpha@nhs.net").await;
        let (_, u2) = person(app, &w.net, "beta@nhs.net").await;
        let (_, u3) = person(app, &w.net, "gamma@nhs.net").await;
        add(app, &w.community, &u1, CommunityRole::Chair, at(2026, 1, 1)).await;
        add(app, &w.community, &u2, CommunityRole::Member, at(2026, 2, 1)).await;
        add(app, &w.community, &u3, CommunityRole::Secretary, at(2026, 3, 1)).await;
        let path = members_path(&w.community);

        // format=csv: the same rows as the JSON page, as text/csv.
        let json_page = app.get(&format!("{path}?format=json"), Some(&t1)).await.expect(200);
        let r = app.get(&format!("{path}?format=csv"), Some(&t1)).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"), "{:?}", r.header("content-type"));
        let rows = parse_csv(&r.text);
        assert_eq!(rows[0], CSV_HEADER);
        let from_json: Vec<Vec<String>> = json_page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                ["user_id", "display_name", "email", "role", "status", "joined_at"]
                    .iter()
                    .map(|k| i[*k].as_str().unwrap().to_owned())
                    .collect()
            })
            .collect();
        let from_csv: Vec<Vec<String>> = rows[1..].iter().map(|row| row[..6].to_vec()).collect();
        assert_eq!(from_csv, from_json);
        assert_eq!(from_json.len(), 3);
        // The typed download for generated clients answers the same file.
        let r = app.get(&format!("/v1/communities/{}/members.csv", w.community.id), Some(&t1)).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        assert_eq!(parse_csv(&r.text), rows);
        let r = app.get(&format!("/v1/communities/{}/members.csv?role=secretary", w.community.id), Some(&t1)).await;
        assert_eq!(parse_csv(&r.text).len(), 2);
        let r = app.get(&format!("/v1/communities/{}/members.csv?role=boss", w.community.id), Some(&t1)).await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.text);
        app.get(&format!("/v1/communities/{}/members.csv", w.community.id), None).await.problem(401, "authentication-required");
        // Filters apply to CSV as to JSON; an explicit format wins over Accept.
        let rows = parse_csv(&app.get(&format!("{path}?format=csv&role=secretary"), Some(&t1)).await.text);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], u3);
        let r = get_accept(app, &format!("{path}?format=csv"), &t1, "application/json").await;
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        let r = get_accept(app, &format!("{path}?format=json"), &t1, "text/csv").await;
        assert_eq!(r.status.as_u16(), 200);
        assert!(r.header("content-type").unwrap().starts_with("application/json"), "{:?}", r.header("content-type"));
        assert_eq!(user_ids(&r.json()), vec![u1.clone(), u2.clone(), u3.clone()]);
        // Without format, Accept still decides.
        let r = get_accept(app, &path, &t1, "text/csv").await;
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        // An API token with memberships:read may export too.
        let tok = api_token(app, &t1, &["memberships:read"]).await;
        let r = app.get(&format!("{path}?format=csv"), Some(&tok)).await;
        assert_eq!(parse_csv(&r.text).len(), 4);

        // Values outside a closed set: 422 naming the allowed values.
        let p = assert_invalid(&app.get(&format!("{path}?format=xml"), Some(&t1)).await, "format");
        assert_eq!(p["errors"][0]["code"], "invalid_value");
        assert_eq!(p["errors"][0]["message"], "must be one of json, csv");
        let p = assert_invalid(&get_accept(app, &format!("{path}?format=xml"), &t1, "text/csv").await, "format");
        assert_eq!(p["errors"][0]["message"], "must be one of json, csv");
        let p = assert_invalid(&app.get(&format!("{path}?role=owner"), Some(&t1)).await, "role");
        assert_eq!(p["errors"][0]["message"], "must be one of member, chair, co_chair, secretary, facilitator");
        let url = format!("{path}/{u2}");
        let p = assert_invalid(&app.patch(&url, Some(&w.mgr), json!({"role": "owner"})).await, "role");
        let m = p["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("co_chair") && m.contains("facilitator"), "{m}");
        let v = app.patch(&url, Some(&w.mgr), json!({"role": "co_chair"})).await.expect(200);
        assert_eq!(v["role"], "co_chair");

        // My memberships carry the codes.
        let mine = app.get("/v1/me/memberships", Some(&t1)).await.expect(200);
        assert_eq!(mine["items"][0]["role"], "chair");
        assert_eq!(mine["items"][0]["community_status"], "active");
    }
}

dual! {
    async fn proposal_closed_sets_name_their_allowed_values(app) {
        let w = world(app, "prop-enums").await;
        let (t1, _) = person(app, &w.net, "enums@nhs.net").await;
        let p = app.post("/v1/community-proposals", Some(&t1), proposal(&w.net, "Enums")).await.expect(201);
        let id = p["id"].as_str().unwrap().to_owned();
        assert_eq!(p["status"], "pending");
        let q = format!("/v1/community-proposals?network_id={}", w.net);
        let e = assert_invalid(&app.get(&format!("{q}&status=maybe"), Some(&w.mgr)).await, "status");
        assert_eq!(e["errors"][0]["code"], "invalid_value");
        assert_eq!(e["errors"][0]["message"], "must be one of pending, approved, rejected");
        let page = app.get(&format!("{q}&status=pending"), Some(&w.mgr)).await.expect(200);
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        let decision = format!("/v1/community-proposals/{id}/decision");
        let e = assert_invalid(&app.post(&decision, Some(&w.mgr), json!({"decision": "maybe"})).await, "decision");
        let m = e["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("approve") && m.contains("reject"), "{m}");
        let v = app.post(&decision, Some(&w.mgr), json!({"decision": "reject", "reason": "Covered elsewhere"})).await.expect(200);
        assert_eq!(v["status"], "rejected");
        let page = app.get(&format!("{q}&status=rejected"), Some(&w.mgr)).await.expect(200);
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
    }
}

dual! {
    async fn roster_csv_streams_large_rosters_in_chunks(app) {
        let w = world(app, "ros-big").await;
        const N: usize = 1_234;
        let txn = app.db.begin().await.unwrap();
        let now = Utc::now();
        for i in 0..N {
            let u = peerhub_persistence::entities::user::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                email: Set(format!("bulk{i}@nhs.net")),
                password_hash: Set("x".into()),
                display_name: Set(format!("Bulk, Person {i}")),
                status: Set("active".into()),
                is_platform_admin: Set(false),
                job_title: Set(None),
                organisation: Set(None),
                region: Set(None),
                profession: Set(None),
                level: Set(None),
                registers: Set(peerhub_persistence::stored::Json::strings(&[])),
                specialties: Set(peerhub_persistence::stored::Json::strings(&[])),
                interests: Set(peerhub_persistence::stored::Json::strings(&[])),
                sensitive: Set(None),
                team: Set(None),
                line_manager_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                sessions_valid_after: Set(None),
            }
            .insert(&txn)
            .await
            .unwrap();
            memberships::insert_member(&txn, &Ctx::system(), &w.community, &u.id, CommunityRole::Member, None, now)
                .await
                .unwrap();
        }
        txn.commit().await.unwrap();

        let r = get_accept(app, &members_path(&w.community), &w.mgr, "text/csv").await;
        assert_eq!(r.status.as_u16(), 200);
        let rows = parse_csv(&r.text);
        assert_eq!(rows.len(), N + 1);
        let mut ids: Vec<&String> = rows[1..].iter().map(|r| &r[0]).collect();
        let in_order = ids.windows(2).all(|w| w[0] < w[1]);
        assert!(in_order, "rows are in membership order");
        ids.dedup();
        assert_eq!(ids.len(), N, "no row repeats across chunks");
        assert!(rows[1..].iter().all(|r| r[1].starts_with("Bulk, Person ")));
    }
}

dual! {
    async fn roster_access(app) {
        let w = world(app, "ros-acc").await;
        let (t1, u1) = person(app, &w.net, "in@nhs.net").await;
        add(app, &w.community, &u1, CommunityRole::Member, at(2026, 1, 1)).await;
        let path = members_path(&w.community);

        // A memberships:read token of a network member: JSON and CSV.
        let tok = api_token(app, &t1, &["memberships:read"]).await;
        let page = app.get(&path, Some(&tok)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u1.clone()]);
        let r = get_accept(app, &path, &tok, "text/csv").await;
        assert_eq!(parse_csv(&r.text).len(), 2);
        // A token without the scope.
        let other = api_token(app, &t1, &["users:read"]).await;
        app.get(&path, Some(&other)).await.problem(403, "insufficient-scope");
        get_accept(app, &path, &other, "text/csv").await.problem(403, "insufficient-scope");

        // Someone from another network, and their token, see nothing.
        let admin = app.admin_token().await;
        let net2 = app.create_network(&admin, "ros-acc-2", &["nhs.uk"]).await;
        let outsider = app.member(net2["id"].as_str().unwrap(), "out@nhs.uk").await;
        app.get(&path, Some(&outsider)).await.problem(404, "not-found");
        get_accept(app, &path, &outsider, "text/csv").await.problem(404, "not-found");
        let out_tok = api_token(app, &outsider, &["memberships:read"]).await;
        app.get(&path, Some(&out_tok)).await.problem(404, "not-found");

        // Unknown community, malformed id, no credentials.
        app.get(&format!("/v1/communities/{}/members", uuid::Uuid::now_v7()), Some(&t1)).await.problem(404, "not-found");
        app.get("/v1/communities/not-a-uuid/members", Some(&t1)).await.problem(400, "invalid-parameter");
        app.get(&path, None).await.problem(401, "authentication-required");
        // A platform admin reads any network's rosters.
        app.get(&path, Some(&admin)).await.expect(200);
    }
}

// ---------------------------------------------------------------------------
// Core-team roles
// ---------------------------------------------------------------------------

dual! {
    async fn core_team_roles(app) {
        let w = world(app, "ros-roles").await;
        let mut people = Vec::new();
        for n in ["a", "b", "c", "d", "e", "f"] {
            let p = person(app, &w.net, &format!("{n}@nhs.net")).await;
            add(app, &w.community, &p.1, CommunityRole::Member, at(2026, 1, 1)).await;
            people.push(p);
        }
        let (outside_t, outside_id) = person(app, &w.net, "notin@nhs.net").await;
        let base = members_path(&w.community);
        let url = |id: &str| format!("{base}/{id}");

        // Chair, with If-Match; the ETag is the membership version.
        let r = patch_if(app, &url(&people[0].1), &w.mgr, Some("\"1\""), json!({"role": "chair"})).await;
        let v = r.expect(200);
        assert_eq!(v["role"], "chair");
        assert_eq!(v["user_id"], people[0].1.as_str());
        assert_eq!(v["version"], 2);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        // Stale If-Match
        patch_if(app, &url(&people[0].1), &w.mgr, Some("\"1\""), json!({"role": "member"}))
            .await
            .problem(412, "stale-version");
        // Several co-chairs.
        for p in &people[1..3] {
            app.patch(&url(&p.1), Some(&w.mgr), json!({"role": "co_chair"})).await.expect(200);
        }
        let page = app.get(&format!("{base}?role=co_chair"), Some(&w.mgr)).await.expect(200);
        assert_eq!(user_ids(&page).len(), 2);
        // One secretary without a ToR.
        app.patch(&url(&people[3].1), Some(&w.mgr), json!({"role": "secretary"})).await.expect(200);
        let p = app.patch(&url(&people[4].1), Some(&w.mgr), json!({"role": "secretary"})).await.problem(409, "secretary-limit");
        assert!(p["detail"].as_str().unwrap().contains("at most 1"), "{p}");
        // Setting the same role again is a no-op, not a limit breach.
        let v = app.patch(&url(&people[3].1), Some(&w.mgr), json!({"role": "secretary"})).await.expect(200);
        assert_eq!(v["version"], 2);
        // An approved ToR allowing two.
        let d = communities::draft_terms(
            &app.db,
            &Ctx::system(),
            &w.community,
            communities::TermsDraft {
                purpose: "Peer support".into(),
                aims: vec![],
                eligibility: Default::default(),
                meeting_arrangements: "Quarterly".into(),
                chairing_arrangements: "Chair".into(),
                notes_arrangements: "Secretary".into(),
                max_secretaries: Some(2),
            },
        )
        .await
        .unwrap();
        communities::approve_terms(&app.db, &Ctx::system(), &w.community, d.number).await.unwrap();
        app.patch(&url(&people[4].1), Some(&w.mgr), json!({"role": "secretary"})).await.expect(200);
        app.patch(&url(&people[5].1), Some(&w.mgr), json!({"role": "secretary"})).await.problem(409, "secretary-limit");
        // Facilitator and back to member.
        app.patch(&url(&people[5].1), Some(&w.mgr), json!({"role": "facilitator"})).await.expect(200);
        let v = app.patch(&url(&people[5].1), Some(&w.mgr), json!({"role": "member"})).await.expect(200);
        assert_eq!(v["role"], "member");
        assert_eq!(v["version"], 3);

        // A role for someone who is not an active member: 404, no writes.
        let audits_before = app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'membership.role_changed'").await;
        app.patch(&url(&outside_id), Some(&w.mgr), json!({"role": "chair"})).await.problem(404, "not-found");
        app.patch(&url(&uuid::Uuid::now_v7().to_string()), Some(&w.mgr), json!({"role": "chair"})).await.problem(404, "not-found");
        app.db
            .execute_unprepared(&format!("UPDATE community_members SET status = 'left' WHERE user_id = '{}'", people[5].1))
            .await
            .unwrap();
        app.patch(&url(&people[5].1), Some(&w.mgr), json!({"role": "chair"})).await.problem(404, "not-found");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'membership.role_changed'").await,
            audits_before
        );
        // Invalid bodies.
        assert_invalid(&app.patch(&url(&people[1].1), Some(&w.mgr), json!({"role": "owner"})).await, "role");
        assert_invalid(&app.patch(&url(&people[1].1), Some(&w.mgr), json!({})).await, "role");
        assert_invalid(&app.patch(&url(&people[1].1), Some(&w.mgr), json!({"role": "chair", "x": 1})).await, "x");
        app.patch(&format!("{base}/not-a-uuid"), Some(&w.mgr), json!({"role": "chair"})).await.problem(400, "invalid-parameter");

        // Who may: managers only (not members, not the chair, not tokens);
        // other networks see nothing.
        app.patch(&url(&people[1].1), Some(&people[2].0), json!({"role": "member"})).await.problem(403, "forbidden");
        app.patch(&url(&people[1].1), Some(&people[0].0), json!({"role": "member"})).await.problem(403, "forbidden");
        app.patch(&url(&people[1].1), Some(&outside_t), json!({"role": "member"})).await.problem(403, "forbidden");
        let mgr_token = api_token(app, &w.mgr, &["memberships:read", "users:read"]).await;
        app.patch(&url(&people[1].1), Some(&mgr_token), json!({"role": "member"})).await.problem(403, "insufficient-scope");
        let admin = app.admin_token().await;
        let net2 = app.create_network(&admin, "ros-roles-2", &["nhs.uk"]).await;
        let mgr2 = app.invited(&admin, net2["id"].as_str().unwrap(), "mgr2@other.org", "manager").await;
        app.patch(&url(&people[1].1), Some(&mgr2), json!({"role": "member"})).await.problem(404, "not-found");

        // Audited (field names only) with an outbox event.
        let rows = app
            .query(&format!(
                "SELECT changed_fields, actor_id FROM audit_events WHERE action = 'membership.role_changed' AND network_id = '{}' ORDER BY id",
                w.net
            ))
            .await;
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0][0], "[\"role\"]");
        assert_eq!(rows[0][1], user_id_of(&w.mgr).as_str());
        let events = app
            .query(&format!(
                "SELECT payload FROM outbox WHERE topic = 'membership.role_changed' AND aggregate_id = '{}' ORDER BY id",
                w.community.id
            ))
            .await;
        assert_eq!(events.len(), 7);
        let first: Value = serde_json::from_str(events[0][0].as_str().unwrap()).unwrap();
        assert_eq!(first["role"], "chair");
        assert_eq!(first["previous_role"], "member");
        assert_eq!(first["user_id"], people[0].1.as_str());
    }
}

// ---------------------------------------------------------------------------
// My memberships
// ---------------------------------------------------------------------------

dual! {
    async fn my_memberships(app) {
        let w = world(app, "ros-me").await;
        let second = new_community(app, &w.net, "Leaders").await;
        let third = new_community(app, &w.net, "Left behind").await;
        let (t, u) = person(app, &w.net, "me@nhs.net").await;
        add(app, &w.community, &u, CommunityRole::Member, at(2026, 1, 1)).await;
        add(app, &second, &u, CommunityRole::Chair, at(2026, 2, 1)).await;
        add(app, &third, &u, CommunityRole::Member, at(2026, 3, 1)).await;
        app.db
            .execute_unprepared(&format!("UPDATE community_members SET status = 'left' WHERE community_id = '{}'", third.id))
            .await
            .unwrap();

        let page = app.get("/v1/me/memberships", Some(&t)).await.expect(200);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["community_id"], w.community.id.as_str());
        assert_eq!(items[0]["community_name"], "Psychological Practitioners");
        assert_eq!(items[0]["network_id"], w.net.as_str());
        assert_eq!(items[0]["role"], "member");
        assert_eq!(items[0]["community_status"], "active");
        assert_eq!(items[0]["joined_at"], "2026-01-01T09:00:00Z");
        assert_eq!(items[1]["community_id"], second.id.as_str());
        assert_eq!(items[1]["role"], "chair");

        let page = app.get("/v1/me/memberships?limit=1", Some(&t)).await.expect(200);
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        let cursor = page["next_cursor"].as_str().unwrap();
        let page = app.get(&format!("/v1/me/memberships?limit=1&cursor={cursor}"), Some(&t)).await.expect(200);
        assert_eq!(page["items"][0]["community_id"], second.id.as_str());
        assert_eq!(page["next_cursor"], Value::Null);

        // Nobody else's; empty for the manager; people only.
        let page = app.get("/v1/me/memberships", Some(&w.mgr)).await.expect(200);
        assert!(page["items"].as_array().unwrap().is_empty());
        let tok = api_token(app, &t, &["memberships:read"]).await;
        app.get("/v1/me/memberships", Some(&tok)).await.problem(403, "insufficient-scope");
        app.get("/v1/me/memberships", None).await.problem(401, "authentication-required");
        assert_invalid(&app.get("/v1/me/memberships?limit=500", Some(&t)).await, "limit");
    }
}

dual! {
    async fn members_approved_through_applications_are_listed(app) {
        let w = world(app, "ros-flow").await;
        let (t, u) = person(app, &w.net, "joiner@nhs.net").await;
        let c = app
            .post(
                "/v1/communities",
                Some(&w.mgr),
                json!({"network_id": w.net, "name": "Joiners", "focus": "Peer support", "audience": "Anyone",
                       "kind": "open", "cadence": {"every": 1, "unit": "months"}, "duration_minutes": 60}),
            )
            .await
            .expect(201);
        let cid = c["id"].as_str().unwrap().to_owned();
        app.post(
            &format!("/v1/communities/{cid}/terms"),
            Some(&w.mgr),
            json!({"purpose": "Peer support", "meeting_arrangements": "Monthly", "chairing_arrangements": "A chair",
                   "notes_arrangements": "Notes"}),
        )
        .await
        .expect(201);
        app.send(app.req(Method::POST, &format!("/v1/communities/{cid}/terms/1/approve"), Some(&w.mgr)))
            .await
            .expect(200);
        let a = app.post(&format!("/v1/communities/{cid}/applications"), Some(&t), json!({})).await.expect(201);
        let a = a["id"].as_str().unwrap().to_owned();
        app.post(&format!("/v1/applications/{a}/decision"), Some(&w.mgr), json!({"decision": "approve"}))
            .await
            .expect(200);

        let page = app.get(&format!("/v1/communities/{cid}/members"), Some(&t)).await.expect(200);
        assert_eq!(user_ids(&page), vec![u.clone()]);
        assert_eq!(page["items"][0]["role"], "member");
        let mine = app.get("/v1/me/memberships", Some(&t)).await.expect(200);
        assert_eq!(mine["items"][0]["community_id"], cid.as_str());
        assert_eq!(mine["items"][0]["role"], "member");
        // The manager makes the new member chair.
        let r = app.patch(&format!("/v1/communities/{cid}/members/{u}"), Some(&w.mgr), json!({"role": "chair"})).await;
        assert_eq!(r.expect(200)["role"], "chair");
    }
}

// ---------------------------------------------------------------------------
// Community proposals
// ---------------------------------------------------------------------------

const REGISTER: &str = "Register of Positive Psychology Practitioners";

fn proposal(net: &str, name: &str) -> Value {
    json!({
        "network_id": net,
        "name": name,
        "focus": "Applying positive psychology in everyday practice",
        "audience": "Practitioners on the register",
        "kind": "closed",
        "capacity": 8,
        "cadence": {"every": 1, "unit": "months"},
        "duration_minutes": 90,
        "delivery_mode": "online",
        "organised_around": "subject_expertise",
        "fee_note": "Optional facilitator fee",
        "rationale": "Several members asked for it.",
        "terms": {
            "purpose": "Peer support for positive psychology practitioners.",
            "aims": ["Share practice", "Support CPD"],
            "eligibility": {"professions": ["PWP"], "registers": [REGISTER], "allow_out_of_region": true},
            "meeting_arrangements": "Monthly online, 90 minutes.",
            "chairing_arrangements": "The proposer chairs for the first year.",
            "notes_arrangements": "Notes shared after each meeting.",
            "max_secretaries": 2
        }
    })
}

dual! {
    async fn proposal_register_rule_and_validation(app) {
        let w = world(app, "prop-val").await;
        let (t1, _) = person(app, &w.net, "proposer@nhs.net").await;
        app.patch(&format!("/v1/networks/{}", w.net), Some(&w.mgr), json!({"require_register_to_propose": REGISTER}))
            .await
            .expect(200);

        // Without the register: 403 naming it, nothing stored.
        let p = app.post("/v1/community-proposals", Some(&t1), proposal(&w.net, "Positive")).await.problem(403, "register-required");
        assert!(p["detail"].as_str().unwrap().contains(REGISTER), "{p}");
        assert_eq!(app.count("SELECT COUNT(*) FROM community_proposals").await, 0);
        // With it (matched ignoring case): 201.
        app.patch("/v1/me", Some(&t1), json!({"registers": ["HCPC", "register of positive psychology PRACTITIONERS"]}))
            .await
            .expect(200);
        let r = app.post("/v1/community-proposals", Some(&t1), proposal(&w.net, "Positive")).await;
        let v = r.expect(201);
        assert_eq!(r.header("location"), Some(format!("/v1/community-proposals/{}", v["id"].as_str().unwrap())));
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(v["status"], "pending");
        assert_eq!(v["proposed_by"], user_id_of(&t1).as_str());
        assert_eq!(v["kind"], "closed");
        assert_eq!(v["capacity"], 8);
        assert_eq!(v["cadence"], json!({"every": 1, "unit": "months"}));
        assert_eq!(v["organised_around"], "subject_expertise");
        assert_eq!(v["fee_note"], "Optional facilitator fee");
        assert_eq!(v["rationale"], "Several members asked for it.");
        assert_eq!(v["terms"]["purpose"], "Peer support for positive psychology practitioners.");
        assert_eq!(v["terms"]["eligibility"]["registers"], json!([REGISTER]));
        assert_eq!(v["terms"]["max_secretaries"], 2);
        assert_eq!(v["community_id"], Value::Null);

        // Defaults and no terms.
        let mut minimal = proposal(&w.net, "Minimal");
        for k in ["capacity", "delivery_mode", "organised_around", "fee_note", "rationale", "terms"] {
            minimal.as_object_mut().unwrap().remove(k);
        }
        minimal["kind"] = json!("open");
        let v = app.post("/v1/community-proposals", Some(&t1), minimal).await.expect(201);
        assert_eq!(v["capacity"], 20);
        assert_eq!(v["delivery_mode"], "online");
        assert_eq!(v["terms"], Value::Null);

        // Validation names every field, terms ones prefixed.
        let mut bad = proposal(&w.net, "");
        bad["capacity"] = json!(0);
        bad["cadence"]["every"] = json!(0);
        bad["terms"]["purpose"] = json!(" ");
        bad["terms"]["max_secretaries"] = json!(9);
        bad["rationale"] = json!("");
        let r = app.post("/v1/community-proposals", Some(&t1), bad).await;
        let p = r.problem(422, "validation-failed");
        let got = fields(&p);
        for f in ["name", "capacity", "cadence.every", "rationale", "terms.purpose", "terms.max_secretaries"] {
            assert!(got.iter().any(|g| g == f), "expected {f} in {got:?}");
        }
        // An unknown closed-set value is refused by itself, naming the
        // allowed values.
        let mut bad = proposal(&w.net, "X");
        bad["kind"] = json!("secret");
        assert_invalid(&app.post("/v1/community-proposals", Some(&t1), bad).await, "kind");
        let mut bad = proposal(&w.net, "X");
        bad["terms"]["eligibility"]["professions"] = json!(["PWP", "WIZARD"]);
        assert_invalid(&app.post("/v1/community-proposals", Some(&t1), bad).await, "terms.eligibility.professions[1]");
        let mut bad = proposal(&w.net, "X");
        bad["cadence"]["unit"] = json!("days");
        assert_invalid(&app.post("/v1/community-proposals", Some(&t1), bad).await, "cadence.unit");
        let mut bad = proposal(&w.net, "X");
        bad["terms"]["colour"] = json!("red");
        assert_invalid(&app.post("/v1/community-proposals", Some(&t1), bad).await, "terms.colour");
        let mut bad = proposal(&w.net, "X");
        bad.as_object_mut().unwrap().remove("focus");
        assert_invalid(&app.post("/v1/community-proposals", Some(&t1), bad).await, "focus");
        assert_invalid(&app.post("/v1/community-proposals", Some(&t1), proposal("nope", "X")).await, "network_id");
        assert_eq!(app.count("SELECT COUNT(*) FROM community_proposals").await, 2);

        // Another network (or none): 404. Tokens: 403.
        let admin = app.admin_token().await;
        let net2 = app.create_network(&admin, "prop-val-2", &["nhs.uk"]).await;
        let net2 = net2["id"].as_str().unwrap().to_owned();
        app.post("/v1/community-proposals", Some(&t1), proposal(&net2, "Elsewhere")).await.problem(404, "not-found");
        app.post("/v1/community-proposals", Some(&t1), proposal(&uuid::Uuid::now_v7().to_string(), "Nowhere"))
            .await
            .problem(404, "not-found");
        let tok = api_token(app, &t1, &["memberships:read", "networks:read"]).await;
        app.post("/v1/community-proposals", Some(&tok), proposal(&w.net, "Token")).await.problem(403, "insufficient-scope");
        app.get("/v1/community-proposals", Some(&tok)).await.problem(403, "insufficient-scope");
        app.post("/v1/community-proposals", None, proposal(&w.net, "Anon")).await.problem(401, "authentication-required");

        // The submission is audited and announced.
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'proposal.submitted'").await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'proposal.submitted'").await, 2);
    }
}

dual! {
    async fn proposal_decisions(app) {
        let w = world(app, "prop-dec").await;
        let (t1, u1) = person(app, &w.net, "alice@nhs.net").await;
        let (t2, _) = person(app, &w.net, "bob@nhs.net").await;
        let p1 = app.post("/v1/community-proposals", Some(&t1), proposal(&w.net, "Positive Practice")).await.expect(201);
        let p1 = p1["id"].as_str().unwrap().to_owned();
        let mut no_terms = proposal(&w.net, "Bob's group");
        no_terms.as_object_mut().unwrap().remove("terms");
        let p2 = app.post("/v1/community-proposals", Some(&t2), no_terms.clone()).await.expect(201);
        let p2 = p2["id"].as_str().unwrap().to_owned();
        let p3 = app.post("/v1/community-proposals", Some(&t2), no_terms).await.expect(201);
        let p3 = p3["id"].as_str().unwrap().to_owned();

        // Visibility: managers see all, members their own.
        let ids = |v: &Value| -> Vec<String> {
            v["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
        };
        let q = format!("/v1/community-proposals?network_id={}", w.net);
        assert_eq!(ids(&app.get(&q, Some(&w.mgr)).await.expect(200)), vec![p1.clone(), p2.clone(), p3.clone()]);
        assert_eq!(ids(&app.get(&q, Some(&t1)).await.expect(200)), vec![p1.clone()]);
        assert_eq!(ids(&app.get(&q, Some(&t2)).await.expect(200)), vec![p2.clone(), p3.clone()]);
        assert_eq!(ids(&app.get("/v1/community-proposals", Some(&t1)).await.expect(200)), vec![p1.clone()]);
        assert_eq!(ids(&app.get("/v1/community-proposals", Some(&w.mgr)).await.expect(200)).len(), 3);
        let page = app.get(&format!("{q}&limit=2"), Some(&w.mgr)).await.expect(200);
        assert_eq!(ids(&page).len(), 2);
        assert!(page["next_cursor"].is_string());
        assert_invalid(&app.get(&format!("{q}&status=maybe"), Some(&w.mgr)).await, "status");
        assert_invalid(&app.get("/v1/community-proposals?network_id=x", Some(&w.mgr)).await, "network_id");
        app.get(&format!("/v1/community-proposals/{p1}"), Some(&t1)).await.expect(200);
        app.get(&format!("/v1/community-proposals/{p1}"), Some(&w.mgr)).await.expect(200);
        app.get(&format!("/v1/community-proposals/{p1}"), Some(&t2)).await.problem(403, "forbidden");
        app.get(&format!("/v1/community-proposals/{}", uuid::Uuid::now_v7()), Some(&t1)).await.problem(404, "not-found");
        app.get("/v1/community-proposals/xyz", Some(&t1)).await.problem(400, "invalid-parameter");

        // Another network's people see nothing.
        let admin = app.admin_token().await;
        let net2 = app.create_network(&admin, "prop-dec-2", &["nhs.uk"]).await;
        let net2 = net2["id"].as_str().unwrap().to_owned();
        let mgr2 = app.invited(&admin, &net2, "mgr2@other.org", "manager").await;
        app.get(&format!("/v1/community-proposals/{p1}"), Some(&mgr2)).await.problem(404, "not-found");
        app.get(&q, Some(&mgr2)).await.problem(404, "not-found");
        assert!(ids(&app.get("/v1/community-proposals", Some(&mgr2)).await.expect(200)).is_empty());
        let decision = |p: &str| format!("/v1/community-proposals/{p}/decision");
        app.post(&decision(&p1), Some(&mgr2), json!({"decision": "approve"})).await.problem(404, "not-found");

        // Only managers decide.
        app.post(&decision(&p1), Some(&t1), json!({"decision": "approve"})).await.problem(403, "forbidden");
        let mgr_tok = api_token(app, &w.mgr, &["memberships:read"]).await;
        app.post(&decision(&p1), Some(&mgr_tok), json!({"decision": "approve"})).await.problem(403, "insufficient-scope");
        // Bad decisions.
        assert_invalid(&app.post(&decision(&p2), Some(&w.mgr), json!({"decision": "reject"})).await, "reason");
        assert_invalid(&app.post(&decision(&p2), Some(&w.mgr), json!({"decision": "reject", "reason": "  "})).await, "reason");
        assert_invalid(&app.post(&decision(&p2), Some(&w.mgr), json!({"decision": "maybe"})).await, "decision");
        assert_invalid(&app.post(&decision(&p2), Some(&w.mgr), json!({"decision": "approve", "extra": 1})).await, "extra");
        app.post(&decision(&uuid::Uuid::now_v7().to_string()), Some(&w.mgr), json!({"decision": "approve"}))
            .await
            .problem(404, "not-found");
        assert_eq!(app.count("SELECT COUNT(*) FROM community_proposals WHERE status = 'pending'").await, 3);

        // Approve: community (active) + draft ToR + proposer as chair.
        let communities_before = app.count("SELECT COUNT(*) FROM communities").await;
        let r = app.post(&decision(&p1), Some(&w.mgr), json!({"decision": "approve"})).await;
        let v = r.expect(200);
        assert_eq!(v["status"], "approved");
        assert_eq!(v["decided_by"], user_id_of(&w.mgr).as_str());
        assert!(v["decided_at"].is_string());
        assert_eq!(v["version"], 2);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        let cid = v["community_id"].as_str().unwrap().to_owned();
        assert_eq!(app.count("SELECT COUNT(*) FROM communities").await, communities_before + 1);
        let roster = app.get(&format!("/v1/communities/{cid}/members"), Some(&t2)).await.expect(200);
        assert_eq!(user_ids(&roster), vec![u1.clone()]);
        assert_eq!(roster["items"][0]["role"], "chair");
        let mine = app.get("/v1/me/memberships", Some(&t1)).await.expect(200);
        assert_eq!(mine["items"][0]["community_id"], cid.as_str());
        assert_eq!(mine["items"][0]["community_name"], "Positive Practice");
        assert_eq!(mine["items"][0]["community_status"], "active");
        assert_eq!(mine["items"][0]["role"], "chair");
        // The community, through the communities API.
        let c = app.get(&format!("/v1/communities/{cid}"), Some(&t1)).await.expect(200);
        assert_eq!(c["network_id"], w.net.as_str());
        assert_eq!(c["name"], "Positive Practice");
        assert_eq!(c["status"], "active");
        assert_eq!(c["kind"], "closed");
        assert_eq!(c["capacity"], 8);
        assert_eq!(c["cadence"], json!({"every": 1, "unit": "months"}));
        assert_eq!(c["organised_around"], "subject_expertise");
        assert_eq!(c["fee_note"], "Optional facilitator fee");
        assert_eq!(c["member_count"], 1);
        assert_eq!(c["has_approved_terms"], false);
        // Its ToR: one draft from the proposal, which the new chair (core
        // team) sees and an ordinary member does not.
        let versions = app.get(&format!("/v1/communities/{cid}/terms/versions"), Some(&t1)).await.expect(200);
        let items = versions["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["version"], 1);
        assert_eq!(items[0]["status"], "draft");
        assert_eq!(items[0]["purpose"], "Peer support for positive psychology practitioners.");
        assert_eq!(items[0]["aims"], json!(["Share practice", "Support CPD"]));
        assert_eq!(items[0]["eligibility"]["registers"], json!([REGISTER]));
        assert_eq!(items[0]["eligibility"]["professions"], json!(["PWP"]));
        assert_eq!(items[0]["max_secretaries"], 2);
        let versions = app.get(&format!("/v1/communities/{cid}/terms/versions"), Some(&t2)).await.expect(200);
        assert!(versions["items"].as_array().unwrap().is_empty());
        // The manager can approve that draft as usual.
        let v = app.send(app.req(Method::POST, &format!("/v1/communities/{cid}/terms/1/approve"), Some(&w.mgr))).await.expect(200);
        assert_eq!(v["status"], "approved");
        // The proposer was told.
        let mail = app.outbox_payload("alice@nhs.net", "proposal.decided").await.unwrap();
        assert_eq!(mail["community_id"], cid.as_str());
        assert!(mail["subject"].as_str().unwrap().contains("approved"));
        for (action, entity) in [("proposal.decided", &p1), ("community.created", &cid), ("terms.drafted", &cid)] {
            let sql = format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND entity_id = '{entity}'");
            assert_eq!(app.count(&sql).await, 1, "{action}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'membership.created'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'proposal.decided' AND kind = 'event'").await, 1);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE topic = 'community.created' AND aggregate_id = '{cid}'")).await, 1);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE topic = 'membership.approved' AND aggregate_id = '{cid}'")).await, 1);

        // Deciding twice: 409, nothing more created.
        app.post(&decision(&p1), Some(&w.mgr), json!({"decision": "approve"})).await.problem(409, "proposal-not-pending");
        app.post(&decision(&p1), Some(&w.mgr), json!({"decision": "reject", "reason": "Changed my mind"}))
            .await
            .problem(409, "proposal-not-pending");
        assert_eq!(app.count("SELECT COUNT(*) FROM communities").await, communities_before + 1);

        // Reject with a reason: emailed, no community.
        let v = app
            .post(&decision(&p2), Some(&w.mgr), json!({"decision": "reject", "reason": "An existing community covers this."}))
            .await
            .expect(200);
        assert_eq!(v["status"], "rejected");
        assert_eq!(v["decision_reason"], "An existing community covers this.");
        assert_eq!(v["community_id"], Value::Null);
        let mail = app.outbox_payload("bob@nhs.net", "proposal.decided").await.unwrap();
        assert!(mail["body"].as_str().unwrap().contains("An existing community covers this."));
        app.post(&decision(&p2), Some(&w.mgr), json!({"decision": "approve"})).await.problem(409, "proposal-not-pending");

        // Approval without terms: no ToR draft.
        let v = app.post(&decision(&p3), Some(&w.mgr), json!({"decision": "approve", "reason": "Welcome"})).await.expect(200);
        let cid3 = v["community_id"].as_str().unwrap().to_owned();
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM terms_versions WHERE community_id = '{cid3}'")).await, 0);
        assert_eq!(v["decision_reason"], "Welcome");

        // Status filter.
        assert_eq!(ids(&app.get(&format!("{q}&status=approved"), Some(&w.mgr)).await.expect(200)), vec![p1.clone(), p3.clone()]);
        assert_eq!(ids(&app.get(&format!("{q}&status=rejected"), Some(&t2)).await.expect(200)), vec![p2.clone()]);
        assert!(ids(&app.get(&format!("{q}&status=pending"), Some(&w.mgr)).await.expect(200)).is_empty());
    }
}

dual! {
    async fn proposal_of_a_departed_proposer_cannot_be_approved(app) {
        let w = world(app, "prop-gone").await;
        let (t1, u1) = person(app, &w.net, "gone@nhs.net").await;
        let p = app.post("/v1/community-proposals", Some(&t1), proposal(&w.net, "Orphan")).await.expect(201);
        let p = p["id"].as_str().unwrap().to_owned();
        app.db
            .execute_unprepared(&format!("DELETE FROM network_members WHERE user_id = '{u1}'"))
            .await
            .unwrap();
        let communities_before = app.count("SELECT COUNT(*) FROM communities").await;
        app.post(&format!("/v1/community-proposals/{p}/decision"), Some(&w.mgr), json!({"decision": "approve"}))
            .await
            .problem(409, "proposer-not-member");
        assert_eq!(app.count("SELECT COUNT(*) FROM communities").await, communities_before);
        app.post(&format!("/v1/community-proposals/{p}/decision"), Some(&w.mgr), json!({"decision": "reject", "reason": "Proposer left"}))
            .await
            .expect(200);
    }
}
