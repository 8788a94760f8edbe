//! Typed JSON columns (docs/decisions.md, "Typed JSON columns").
//!
//! The upgrade test restores the demo data as it was stored before JSON
//! columns were typed (`tests/fixtures/upgrade/*-before-json.sql`, made with
//! `peerhub demo` by the code before the change: a Python `iterdump()` of
//! the SQLite file and `pg_dump --inserts` of the PostgreSQL database),
//! migrates it forward with the real migrations, and reads every row of
//! every table with a JSON column through the entities: every row survives
//! and every value decodes.
//!
//! The corruption tests set every JSON column, one at a time, to valid
//! JSON of the wrong shape (what a `jsonb` column can hold) and read it
//! through a real endpoint: a 500 problem, never a 200 with a defaulted or
//! widened value; with the value put back, the same answer as before.
use std::collections::BTreeMap;

use peerhub_persistence::entities::*;
use peerhub_persistence::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait, Statement,
};
use peerhub_tests::matching_world::*;
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const SQLITE_BEFORE: &str = include_str!("../../fixtures/upgrade/sqlite-before-json.sql");
const POSTGRES_BEFORE: &str = include_str!("../../fixtures/upgrade/postgres-before-json.sql");

async fn connect(url: &str) -> DatabaseConnection {
    let mut o = ConnectOptions::new(url.to_owned());
    o.max_connections(1).sqlx_logging(false);
    Database::connect(o)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// The rows of `table`, or `None` when the database has no such table (a
/// fixture from before the table was created).
async fn count(db: &DatabaseConnection, table: &str) -> Option<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) FROM \"{table}\""),
        ))
        .await
        .ok()?
        .unwrap_or_else(|| panic!("{table}: no count"));
    Some(row.try_get_by_index::<i64>(0).unwrap())
}

/// Rows of every table with a JSON column that the database has.
async fn counts(db: &DatabaseConnection) -> BTreeMap<&'static str, i64> {
    let mut out = BTreeMap::new();
    for (table, _) in peerhub_migrations::JSON_COLUMNS {
        if let Some(n) = count(db, table).await {
            out.insert(*table, n);
        }
    }
    out
}

/// Every table the fixture had keeps its rows; tables created by later
/// migrations start empty.
fn same_rows(before: &BTreeMap<&'static str, i64>, after: &BTreeMap<&'static str, i64>) {
    for (table, n) in after {
        assert_eq!(
            before.get(table).unwrap_or(&0),
            n,
            "{table}: row count changed"
        );
    }
    for table in before.keys() {
        assert!(after.contains_key(table), "{table} is gone");
    }
}

/// Reads every row of `$entity` and decodes each listed JSON column.
macro_rules! decode_all {
    ($db:expr, $entity:ident, $table:literal, [$($col:ident),*], [$($opt:ident),*]) => {{
        let rows = $entity::Entity::find().all($db).await
            .unwrap_or_else(|e| panic!("{}: {e}", $table));
        for r in &rows {
            $(r.$col.decode(concat!($table, ".", stringify!($col)), &r.id)
                .unwrap_or_else(|e| panic!("{e:?}"));)*
            $(if let Some(v) = &r.$opt {
                v.decode(concat!($table, ".", stringify!($opt)), &r.id)
                    .unwrap_or_else(|e| panic!("{e:?}"));
            })*
        }
        rows.len() as i64
    }};
}

/// Every row of every table with a JSON column, read through the entities.
async fn decode_everything(db: &DatabaseConnection) -> BTreeMap<&'static str, i64> {
    let mut n = BTreeMap::new();
    n.insert(
        "users",
        decode_all!(
            db,
            user,
            "users",
            [registers, specialties, interests],
            [sensitive]
        ),
    );
    n.insert(
        "networks",
        decode_all!(db, network, "networks", [allowed_email_domains], []),
    );
    n.insert(
        "invitations",
        decode_all!(db, invitation, "invitations", [community_ids], []),
    );
    n.insert(
        "api_tokens",
        decode_all!(db, api_token, "api_tokens", [scopes], []),
    );
    n.insert(
        "terms_versions",
        decode_all!(db, terms_version, "terms_versions", [aims, eligibility], []),
    );
    n.insert(
        "applications",
        decode_all!(db, application, "applications", [checks], []),
    );
    n.insert(
        "community_proposals",
        decode_all!(db, community_proposal, "community_proposals", [details], []),
    );
    n.insert(
        "meetings",
        decode_all!(db, meeting, "meetings", [agenda], []),
    );
    n.insert(
        "minutes",
        decode_all!(db, minutes, "minutes", [content], []),
    );
    n.insert(
        "minutes_revisions",
        decode_all!(db, minutes_revision, "minutes_revisions", [content], []),
    );
    n.insert(
        "programmes",
        decode_all!(db, programme, "programmes", [weights, constraints], []),
    );
    n.insert(
        "match_requests",
        decode_all!(db, match_request, "match_requests", [preferences], []),
    );
    n.insert(
        "matches",
        decode_all!(db, peer_match, "matches", [reasons], []),
    );
    n.insert(
        "matching_runs",
        decode_all!(db, matching_run, "matching_runs", [result], []),
    );
    n
}

async fn upgrade(db: &DatabaseConnection, fixture: &str) {
    // The dump creates tables in name order; parents may come later.
    db.execute_unprepared("PRAGMA foreign_keys = OFF")
        .await
        .unwrap();
    db.execute_unprepared(fixture)
        .await
        .expect("restoring the fixture");
    db.execute_unprepared("PRAGMA foreign_keys = ON")
        .await
        .unwrap();
    let before = counts(db).await;
    peerhub_persistence::db::migrate(db)
        .await
        .expect("migrating forward");
    same_rows(&before, &counts(db).await);
    let read = decode_everything(db).await;
    for (table, n) in &read {
        assert_eq!(before[table], *n, "{table}: rows read through the entity");
    }
    // The demo data has something in every JSON column worth checking.
    for table in [
        "users",
        "networks",
        "terms_versions",
        "programmes",
        "meetings",
    ] {
        assert!(read[table] > 0, "{table} is empty in the fixture");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_every_json_value_sqlite() {
    let path = std::env::temp_dir().join(format!("peerhub-upgrade-{}.db", uuid::Uuid::new_v4()));
    let db = connect(&format!("sqlite://{}?mode=rwc", path.display())).await;
    upgrade(&db, SQLITE_BEFORE).await;
    db.close().await.ok();
    std::fs::remove_file(&path).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_every_json_value_postgres() {
    let server = pg_server_url();
    let admin = connect(&server).await;
    let name = format!("peerhub_upgrade_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    // The dump schema-qualifies everything; a fresh connection then
    // migrates with the default search path.
    let restore = connect(url.as_str()).await;
    restore
        .execute_unprepared(POSTGRES_BEFORE)
        .await
        .expect("restoring the fixture");
    let before = counts(&restore).await;
    restore.close().await.ok();
    let db = connect(url.as_str()).await;
    peerhub_persistence::db::migrate(&db)
        .await
        .expect("migrating forward");
    same_rows(&before, &counts(&db).await);
    let read = decode_everything(&db).await;
    for (table, n) in &read {
        assert_eq!(before[table], *n, "{table}: rows read through the entity");
    }
    // Every JSON column is jsonb now.
    for (table, col) in peerhub_migrations::JSON_COLUMNS {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT data_type FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{col}'"),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get_by_index::<String>(0).unwrap(),
            "jsonb",
            "{table}.{col}"
        );
    }
    db.close().await.ok();
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .ok();
}

async fn exec(app: &TestApp, sql: &str) {
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// One JSON column of one row, a value of the wrong shape for it, and a
/// `GET` that reads it (as `token`).
struct Case<'a> {
    table: &'static str,
    col: &'static str,
    id: String,
    bad: &'static str,
    path: String,
    token: &'a str,
}

fn case<'a>(
    table: &'static str,
    col: &'static str,
    id: &str,
    bad: &'static str,
    path: &str,
    token: &'a str,
) -> Case<'a> {
    Case {
        table,
        col,
        id: id.to_owned(),
        bad,
        path: path.to_owned(),
        token,
    }
}

/// The stored JSON of a case's row, as text (exactly one row).
async fn stored(app: &TestApp, c: &Case<'_>) -> Value {
    let rows = app
        .query(&format!(
            "SELECT {} FROM {} WHERE id = '{}'",
            c.col, c.table, c.id
        ))
        .await;
    assert_eq!(rows.len(), 1, "{}.{}: no row {}", c.table, c.col, c.id);
    rows[0][0].clone()
}

/// The endpoint answers 200; with the column set to the wrong shape, a 500
/// problem (never a 200 with a defaulted or widened value); with the value
/// put back, the same 200 answer as before.
async fn fails_closed(app: &TestApp, c: &Case<'_>) {
    let what = format!("{}.{} = {} via GET {}", c.table, c.col, c.bad, c.path);
    let before = app.get(&c.path, Some(c.token)).await;
    assert_eq!(
        before.status.as_u16(),
        200,
        "{what}, before: {}",
        before.text
    );
    let original = stored(app, c).await;
    exec(
        app,
        &format!(
            "UPDATE {} SET {} = '{}' WHERE id = '{}'",
            c.table, c.col, c.bad, c.id
        ),
    )
    .await;
    let r = app.get(&c.path, Some(c.token)).await;
    assert_eq!(r.status.as_u16(), 500, "{what}: {}", r.text);
    r.problem(500, "internal-error");
    let repair = match original.as_str() {
        Some(v) => format!("'{}'", v.replace('\'', "''")),
        None => "NULL".into(),
    };
    exec(
        app,
        &format!(
            "UPDATE {} SET {} = {repair} WHERE id = '{}'",
            c.table, c.col, c.id
        ),
    )
    .await;
    let after = app.get(&c.path, Some(c.token)).await;
    assert_eq!(
        after.status.as_u16(),
        200,
        "{what}, repaired: {}",
        after.text
    );
    assert_eq!(
        after.json(),
        before.json(),
        "{what}: not the same after repair"
    );
}

/// A JSON column added later needs a corruption case below too.
#[test]
fn every_json_column_has_a_corruption_case() {
    let src = include_str!("stored_json.rs");
    for (table, col) in peerhub_migrations::JSON_COLUMNS {
        assert!(
            src.contains(&format!("case(\"{table}\", \"{col}\",")),
            "{table}.{col} has no corruption case in this file"
        );
    }
}

/// The id of the only row of `table` where `column` is `value`.
async fn only_id(app: &TestApp, table: &str, column: &str, value: &str) -> String {
    let rows = app
        .query(&format!(
            "SELECT id FROM {table} WHERE {column} = '{value}'"
        ))
        .await;
    assert_eq!(rows.len(), 1, "{table} where {column} = {value}");
    rows[0][0]
        .as_str()
        .unwrap_or_else(|| panic!("{table}: id {:?}", rows[0][0]))
        .to_owned()
}

/// With the community's stored eligibility rules set to `bad`, applying
/// (as `token`) answers a 500 problem and stores no application; the rules
/// are then put back as they were.
async fn applying_fails_closed(
    app: &TestApp,
    cop: &str,
    terms: &str,
    token: &str,
    bad: &'static str,
) {
    let path = format!("/v1/communities/{cop}/applications");
    let c = case("terms_versions", "eligibility", terms, bad, &path, token);
    let applicant = user_id_of(token);
    let applications = format!(
        "SELECT COUNT(*) FROM applications WHERE community_id = '{cop}' AND user_id = '{applicant}'"
    );
    assert_eq!(
        app.count(&applications).await,
        0,
        "{bad}: an application already"
    );
    let original = stored(app, &c).await;
    let original = original
        .as_str()
        .unwrap_or_else(|| panic!("terms_versions.eligibility of {terms}: {original:?}"))
        .replace('\'', "''");
    exec(
        app,
        &format!("UPDATE terms_versions SET eligibility = '{bad}' WHERE id = '{terms}'"),
    )
    .await;
    let r = app.post(&path, Some(token), json!({})).await;
    assert_eq!(
        r.status.as_u16(),
        500,
        "eligibility = {bad} via POST {path}: {}",
        r.text
    );
    r.problem(500, "internal-error");
    assert_eq!(
        app.count(&applications).await,
        0,
        "eligibility = {bad}: an application was stored"
    );
    exec(
        app,
        &format!("UPDATE terms_versions SET eligibility = '{original}' WHERE id = '{terms}'"),
    )
    .await;
}

dual! {
    /// Each JSON column, set to valid JSON of the wrong shape (what a jsonb
    /// column can hold), makes the endpoint that reads it answer a 500
    /// problem: never a 200 with a defaulted or widened value.
    async fn json_values_that_do_not_decode_are_500s(app) {
        let w = match_world(app, "stored-json").await;
        let me = &w.peer.token;
        let peer = user_id_of(me);
        let programme = format!("/v1/programmes/{}", w.programme_id);
        let request = format!("/v1/match-requests/{}", w.peer_request_id);
        let matched = w.match_path("");
        let run = app
            .post(&w.programme_path("/matching-runs"), Some(&w.manager.token), json!({"dry_run": true}))
            .await
            .expect(201);
        let run_id = id_of(&run);
        let cases = vec![
            case("users", "registers", &peer, r#"{"x":1}"#, "/v1/me", me),
            case("users", "specialties", &peer, r#""cbt""#, "/v1/me", me),
            case("users", "interests", &peer, "7", "/v1/me", me),
            case("users", "sensitive", &peer, "[1]", "/v1/me", me),
            // serde reads an array as a struct, field by field, filling the
            // rest with defaults: `[]` and `[null]` would be "nothing
            // declared", not an error.
            case("users", "sensitive", &peer, "[]", "/v1/me", me),
            case("users", "sensitive", &peer, "[null]", "/v1/me", me),
            case("match_requests", "preferences", &w.peer_request_id, r#""online""#, &request, me),
            // "No preferences", or `areas: []` and the rest defaulted.
            case("match_requests", "preferences", &w.peer_request_id, "[]", &request, me),
            case("match_requests", "preferences", &w.peer_request_id, "[[]]", &request, me),
            case("matches", "reasons", &w.match_id, r#"{"x":1}"#, &matched, me),
            case("programmes", "weights", &w.programme_id, "7", &programme, me),
            case("programmes", "weights", &w.programme_id, "[]", &programme, me),
            case("programmes", "constraints", &w.programme_id, r#""none""#, &programme, me),
            // Not "no safeguarding constraints".
            case("programmes", "constraints", &w.programme_id, "[]", &programme, me),
            // A run whose result is a bare list of pairs, not the object.
            case("matching_runs", "result", &run_id, r#"[]"#, &format!("/v1/matching-runs/{run_id}"), &w.manager.token),
            case("matching_runs", "result", &run_id, r#""done""#, &format!("/v1/matching-runs/{run_id}"), &w.manager.token),
        ];
        for c in &cases {
            fails_closed(app, c).await;
        }
    }
}

dual! {
    /// The same for the JSON columns of networks, invitations, API tokens,
    /// Terms of Reference, applications, proposals, meetings and minutes.
    async fn community_json_values_that_do_not_decode_are_500s(app) {
        let w = cop_world(app, "stored-json-cop", 1).await;
        let mgr = &w.manager.token;
        let cop = &w.community_id;
        let net = &w.network_id;

        // An invitation offering the community.
        let inv = app
            .post(
                "/v1/invitations",
                Some(mgr),
                json!({"network_id": net, "email": "invitee@nhs.net", "community_ids": [cop]}),
            )
            .await
            .expect(201);
        let invitation = id_of(&inv["invitation"]);

        // An API token of the outsider's, and a read it authorises.
        let outsider = &w.outsider.token;
        let t = app
            .post(
                "/v1/api-tokens",
                Some(outsider),
                json!({"name": "integration", "scopes": ["networks:read"], "current_password": PASSWORD}),
            )
            .await
            .expect(201);
        let api_token = id_of(&t["token"]);
        let secret = t["secret"].as_str().unwrap_or_default().to_owned();

        // The community's approved Terms of Reference.
        let terms = only_id(app, "terms_versions", "community_id", cop).await;

        // Applying assesses the applicant against the stored rules: rules
        // stored as `[]` are a 500, never "no rules" (everyone eligible),
        // and leave no application behind.
        applying_fails_closed(app, cop, &terms, outsider, "[]").await;
        applying_fails_closed(app, cop, &terms, outsider, "[[]]").await;

        // The outsider applies, and proposes a community.
        let a = app
            .post(&format!("/v1/communities/{cop}/applications"), Some(outsider), json!({}))
            .await
            .expect(201);
        let application = id_of(&a);
        let p = app
            .post(
                "/v1/community-proposals",
                Some(outsider),
                json!({
                    "network_id": net, "name": "Positive practice",
                    "focus": "Applying positive psychology in everyday practice",
                    "audience": "Practitioners", "kind": "closed", "capacity": 8,
                    "cadence": {"every": 1, "unit": "months"}, "duration_minutes": 90,
                    "delivery_mode": "online", "organised_around": "subject_expertise",
                    "terms": {
                        "purpose": "Peer support.", "aims": ["Share practice"],
                        "eligibility": {"professions": ["PWP"]},
                        "meeting_arrangements": "Monthly online.",
                        "chairing_arrangements": "The proposer chairs.",
                        "notes_arrangements": "Notes after each meeting.",
                        "max_secretaries": 2
                    }
                }),
            )
            .await
            .expect(201);
        let proposal = id_of(&p);

        // A meeting that has happened, with published minutes.
        let m = app
            .post(
                &format!("/v1/communities/{cop}/meetings"),
                Some(&w.chair.token),
                json!({
                    "title": "Quarterly meeting", "starts_at_local": "2031-05-01T10:00",
                    "timezone": "Europe/London", "duration_minutes": 120, "mode": "teams",
                    "join_url": "https://teams.example.org/x",
                    "agenda": [{"title": "Welcome"}, {"title": "Case discussion"}]
                }),
            )
            .await
            .expect(201);
        let meeting = id_of(&m);
        move_into_past(app, &meeting, 3).await;
        let minutes_path = format!("/v1/meetings/{meeting}/minutes");
        let sec = &w.secretary.token;
        app.send(app.req(Method::PUT, &minutes_path, Some(sec)).json(&json!({})))
            .await
            .expect(200);
        app.post(&format!("{minutes_path}/submit"), Some(sec), json!({})).await.expect(200);
        app.post(&format!("{minutes_path}/approve"), Some(&w.chair.token), json!({}))
            .await
            .expect(200);
        let minutes = only_id(app, "minutes", "meeting_id", &meeting).await;
        let revision = only_id(app, "minutes_revisions", "meeting_id", &meeting).await;
        let member = &w.members[0].token;

        let cases = vec![
            // "Any domain" is not a list of domains.
            case("networks", "allowed_email_domains", net, r#""*""#, &format!("/v1/networks/{net}"), &w.admin),
            case("invitations", "community_ids", &invitation, r#""all""#, &format!("/v1/invitations?network_id={net}"), mgr),
            case("api_tokens", "scopes", &api_token, r#""*""#, "/v1/api-tokens", outsider),
            // The token itself: it does not authorise anything.
            case("api_tokens", "scopes", &api_token, r#"{"networks:read":true}"#, &format!("/v1/networks/{net}"), &secret),
            case("terms_versions", "aims", &terms, r#""Share practice""#, &format!("/v1/communities/{cop}/terms"), mgr),
            // "Anyone" is not a rule set (no rules is `{}`).
            case("terms_versions", "eligibility", &terms, r#""anyone""#, &format!("/v1/communities/{cop}/terms"), mgr),
            case("terms_versions", "eligibility", &terms, r#"{"professions":"PWP"}"#, &format!("/v1/communities/{cop}/terms"), mgr),
            case("terms_versions", "eligibility", &terms, r#"{"anyone":true}"#, &format!("/v1/communities/{cop}/terms"), mgr),
            // Not "no rules", nor `professions: []` and the rest defaulted.
            case("terms_versions", "eligibility", &terms, "[]", &format!("/v1/communities/{cop}/terms"), mgr),
            case("terms_versions", "eligibility", &terms, "[[]]", &format!("/v1/communities/{cop}/terms"), mgr),
            // One check where a list of them belongs.
            case("applications", "checks", &application, r#"{"rule":"professions","outcome":"met","reason":"PWP"}"#, &format!("/v1/applications/{application}"), outsider),
            case("community_proposals", "details", &proposal, r#""closed""#, &format!("/v1/community-proposals/{proposal}"), outsider),
            case("community_proposals", "details", &proposal, "[]", &format!("/v1/community-proposals/{proposal}"), outsider),
            case("meetings", "agenda", &meeting, r#""Welcome""#, &format!("/v1/meetings/{meeting}"), &w.chair.token),
            case("meetings", "agenda", &meeting, r#"[{"minutes":10}]"#, &format!("/v1/meetings/{meeting}"), &w.chair.token),
            // The core team reads the working copy; members the revision.
            case("minutes", "content", &minutes, r#""Notes""#, &minutes_path, &w.chair.token),
            case("minutes", "content", &minutes, "[]", &minutes_path, &w.chair.token),
            case("minutes_revisions", "content", &revision, r#""Notes""#, &minutes_path, member),
            case("minutes_revisions", "content", &revision, r#"{"items":[]}"#, &format!("{minutes_path}/revisions"), member),
        ];
        for c in &cases {
            fails_closed(app, c).await;
        }
    }
}

dual! {
    /// The same for the outputs of a feedback form, read alone and in the
    /// list.
    async fn feedback_json_values_that_do_not_decode_are_500s(app) {
        let w = cop_world(app, "stored-json-feedback", 0).await;
        let m = crate::feedback::past_meeting(app, &w, &w.community_id, 3).await;
        let f = crate::feedback::file(app, &m, &w.chair.token, crate::feedback::form()).await.expect(201);
        let form = id_of(&f);
        let path = crate::feedback::feedback_path(&m);
        let cases = vec![
            case("feedback_forms", "outputs", &form, r#""A shared template""#, &path, &w.chair.token),
            case("feedback_forms", "outputs", &form, r#"[1]"#, &path, &w.manager.token),
            case("feedback_forms", "outputs", &form, r#"{"0":"x"}"#, "/v1/feedback", &w.manager.token),
        ];
        for c in &cases {
            fails_closed(app, c).await;
        }
    }
}

dual! {
    /// The events a webhook subscription asked for: a stored value that is
    /// not a list of catalogue types (or `["*"]` alone) is a 500, read
    /// alone and in the list, never "every event" or "none". The worker
    /// skips such a subscription (it gets nothing) without holding up the
    /// others.
    async fn webhook_event_types_that_do_not_decode_are_500s(app) {
        let w = cop_world(app, "stored-json-webhooks", 0).await;
        let created = app
            .post("/v1/webhooks", Some(&w.manager.token), json!({
                "network_id": w.network_id, "url": "http://127.0.0.1:9/hooks",
                "events": ["meeting.scheduled"], "enabled": false,
            }))
            .await
            .expect(201);
        let hook = id_of(&created);
        let one = format!("/v1/webhooks/{hook}");
        let list = format!("/v1/webhooks?network_id={}", w.network_id);
        let cases = vec![
            case("webhooks", "event_types", &hook, r#""*""#, &one, &w.manager.token),
            case("webhooks", "event_types", &hook, r#"["meeting.moved"]"#, &one, &w.manager.token),
            case("webhooks", "event_types", &hook, r#"["*", "meeting.scheduled"]"#, &list, &w.manager.token),
            case("webhooks", "event_types", &hook, r#"[]"#, &list, &w.manager.token),
        ];
        for c in &cases {
            fails_closed(app, c).await;
        }
    }
}
