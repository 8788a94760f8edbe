//! Meetings: scheduling and series (with clock changes), changes and
//! cancellation, agenda, listing and reading, who is invited, RSVP,
//! attendance and the events integrations receive.
use peerhub_domain::community::CommunityRole;
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const TEAMS_URL: &str = "https://teams.microsoft.com/l/meetup-join/abc";
const NO_SUCH_ID: &str = "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e";

/// A refused request: changes to a valid body, keys to remove from it, and
/// the `(field, code)` pairs expected.
type Case<'a> = (Value, Vec<&'a str>, Vec<(&'a str, &'a str)>);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn teams_meeting(title: &str, local: &str) -> Value {
    json!({
        "title": title, "starts_at_local": local, "timezone": "Europe/London", "duration_minutes": 120,
        "mode": "teams", "join_url": TEAMS_URL,
        "agenda": [{"title": "Welcome", "minutes": 10}]
    })
}

/// `base` with the keys of `patch` set and the keys in `remove` removed.
fn merged(base: &Value, patch: Value, remove: &[&str]) -> Value {
    let mut b = base.clone();
    if let (Some(o), Some(p)) = (b.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            o.insert(k.clone(), v.clone());
        }
        for k in remove {
            o.remove(*k);
        }
    }
    b
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {v}"))
}

fn mpath(id: &str, rest: &str) -> String {
    format!("/v1/meetings/{id}{rest}")
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> Resp {
    app.send(app.req(Method::PUT, path, token).json(&body))
        .await
}

async fn with_if_match(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    etag: &str,
    body: Value,
) -> Resp {
    app.send(
        app.req(method, path, Some(token))
            .header("If-Match", etag)
            .json(&body),
    )
    .await
}

/// Schedules a Teams meeting (by the chair) and returns it.
async fn schedule(app: &TestApp, w: &CopWorld, title: &str, local: &str) -> Value {
    app.post(
        &w.community_path("/meetings"),
        Some(&w.chair.token),
        teams_meeting(title, local),
    )
    .await
    .expect(201)
}

async fn meeting_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM meetings").await
}

/// Payloads of the outbox events with `topic` about meeting `id`, oldest
/// first (ordered by the calendar sequence they carry).
async fn events(app: &TestApp, topic: &str, id: &str) -> Vec<Value> {
    let rows = app
        .query(&format!(
            "SELECT payload FROM outbox WHERE topic = '{topic}' AND aggregate_id = '{id}' AND recipient IS NULL"
        ))
        .await;
    let mut out: Vec<Value> = rows
        .iter()
        .filter_map(|r| r.first().and_then(Value::as_str))
        .map(|s| serde_json::from_str(s).unwrap_or(Value::Null))
        .collect();
    out.sort_by_key(|p| p["ical_sequence"].as_i64());
    out
}

async fn cancel(app: &TestApp, id: &str, token: &str, reason: &str) -> Resp {
    app.post(
        &mpath(id, "/cancel"),
        Some(token),
        json!({ "reason": reason }),
    )
    .await
}

async fn rsvp(app: &TestApp, id: &str, token: &str, response: &str) -> Resp {
    put(
        app,
        &mpath(id, "/rsvp"),
        Some(token),
        json!({ "response": response }),
    )
    .await
}

/// The user ids of an attendance view's entries.
fn entry_ids(a: &Value) -> Vec<String> {
    a["entries"]
        .as_array()
        .map(|es| {
            es.iter()
                .map(|e| e["user_id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn entry<'a>(a: &'a Value, user_id: &str) -> &'a Value {
    a["entries"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["user_id"] == user_id))
        .unwrap_or_else(|| panic!("{user_id} not in {a}"))
}

fn counts(a: &Value) -> (i64, i64, i64) {
    (
        a["present"].as_i64().unwrap_or(-1),
        a["apologies"].as_i64().unwrap_or(-1),
        a["absent"].as_i64().unwrap_or(-1),
    )
}

// ---------------------------------------------------------------------------
// Scheduling
// ---------------------------------------------------------------------------

dual! {
    async fn create_by_core_team_and_managers_only(app) {
        let w = cop_world(app, "mt-create", 1).await;
        let path = w.community_path("/meetings");
        let body = json!({
            "title": "Spring meeting", "starts_at_local": "2030-04-01T10:00", "timezone": "Europe/London",
            "duration_minutes": 90, "mode": "teams", "join_url": TEAMS_URL,
            "agenda": [
                {"title": "Welcome", "minutes": 10},
                {"title": "Case discussion", "presenter_id": w.members[0].id, "minutes": 60}
            ]
        });
        let r = app.post(&path, Some(&w.chair.token), body).await;
        let m = r.expect(201);
        let id = id_of(&m);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(r.header("location"), Some(format!("/v1/meetings/{id}")));
        assert_eq!(m["community_id"], w.community_id.as_str());
        assert_eq!(m["network_id"], w.network_id.as_str());
        assert_eq!(m["series_id"], Value::Null);
        assert_eq!(m["title"], "Spring meeting");
        // 1 April 2030 is British Summer Time: 10:00 local is 09:00 UTC.
        assert_eq!(m["starts_at"], "2030-04-01T09:00:00Z");
        assert_eq!(m["ends_at"], "2030-04-01T10:30:00Z");
        assert_eq!(m["starts_at_local"], "2030-04-01T10:00:00");
        assert_eq!(m["timezone"], "Europe/London");
        assert_eq!(m["duration_minutes"], 90);
        assert_eq!(m["mode"], "teams");
        assert_eq!(m["location"], Value::Null);
        assert_eq!(m["join_url"], TEAMS_URL);
        assert_eq!(
            m["agenda"],
            json!([
                {"title": "Welcome", "presenter_id": null, "minutes": 10},
                {"title": "Case discussion", "presenter_id": w.members[0].id, "minutes": 60}
            ])
        );
        assert_eq!(m["status"], "scheduled");
        assert_eq!(m["cancel_reason"], Value::Null);
        assert_eq!(m["cancelled_at"], Value::Null);
        assert_eq!(m["ical_uid"], format!("{id}@peerhub"));
        assert_eq!(m["sequence"], 0);
        assert_eq!(m["version"], 1);
        let rows = app
            .query(&format!("SELECT starts_at_local, timezone, created_by, status FROM meetings WHERE id = '{id}'"))
            .await;
        assert_eq!(rows, vec![vec![json!("2030-04-01T10:00:00"), json!("Europe/London"), json!(w.chair.id), json!("scheduled")]]);
        // Reading it back gives the same meeting and ETag.
        let g = app.get(&mpath(&id, ""), Some(&w.members[0].token)).await;
        let d = g.expect(200);
        assert_eq!(g.header("etag").as_deref(), Some("\"1\""));
        for k in ["starts_at", "ends_at", "starts_at_local", "timezone", "agenda", "ical_uid", "sequence", "version"] {
            assert_eq!(d[k], m[k], "{k}");
        }

        // The secretary, in winter (GMT = UTC) and with seconds.
        let m = app
            .post(&path, Some(&w.secretary.token), merged(&teams_meeting("Winter", "2030-12-01T18:30:15"), json!({}), &[]))
            .await
            .expect(201);
        assert_eq!(m["starts_at"], "2030-12-01T18:30:15Z");
        assert_eq!(m["starts_at_local"], "2030-12-01T18:30:15");
        // A co-chair, Zoom, a zone name with surrounding spaces.
        let m = app
            .post(&path, Some(&w.co_chair.token), merged(&teams_meeting("Zoom", "2030-06-01T10:00"), json!({"mode": "zoom", "timezone": " Europe/London "}), &[]))
            .await
            .expect(201);
        assert_eq!((m["mode"].clone(), m["timezone"].clone()), (json!("zoom"), json!("Europe/London")));
        // A manager (not a member), in person, in another zone.
        let m = app
            .post(
                &path,
                Some(&w.manager.token),
                json!({
                    "title": "  Summer social  ", "starts_at_local": "2030-07-04T18:30", "timezone": "America/New_York",
                    "duration_minutes": 60, "mode": "in_person", "location": "Room 1, Civic Centre"
                }),
            )
            .await
            .expect(201);
        assert_eq!(m["title"], "Summer social");
        assert_eq!(m["starts_at"], "2030-07-04T22:30:00Z");
        assert_eq!(m["ends_at"], "2030-07-04T23:30:00Z");
        assert_eq!(m["starts_at_local"], "2030-07-04T18:30:00");
        assert_eq!(m["timezone"], "America/New_York");
        assert_eq!((m["mode"].clone(), m["location"].clone(), m["join_url"].clone()), (json!("in_person"), json!("Room 1, Civic Centre"), Value::Null));
        assert_eq!(m["agenda"], json!([]));
        let mid = id_of(&m);
        assert_eq!(
            app.query(&format!("SELECT created_by FROM meetings WHERE id = '{mid}'")).await,
            vec![vec![json!(w.manager.id)]]
        );
        assert_eq!(meeting_count(app).await, 4);
        // A repeated Idempotency-Key replays the first answer.
        let keyed = || {
            app.req(Method::POST, &path, Some(&w.chair.token))
                .header("Idempotency-Key", "mt-create-once")
                .json(&teams_meeting("Once", "2030-09-01T10:00"))
        };
        let first = app.send(keyed()).await.expect(201);
        let again = app.send(keyed()).await.expect(201);
        assert_eq!(again["id"], first["id"]);
        assert_eq!(meeting_count(app).await, 5);

        // Who may not.
        let b = teams_meeting("Refused", "2030-05-01T10:00");
        app.post(&path, Some(&w.members[0].token), b.clone()).await.problem(403, "forbidden");
        app.post(&path, Some(&w.outsider.token), b.clone()).await.problem(403, "forbidden");
        app.post(&path, Some(&w.stranger.token), b.clone()).await.problem(404, "not-found");
        app.post(&path, None, b.clone()).await.problem(401, "authentication-required");
        let t = app
            .post("/v1/api-tokens", Some(&w.manager.token), json!({"name": "t", "scopes": ["memberships:read"], "current_password": PASSWORD}))
            .await
            .expect(201);
        app.post(&path, Some(str_of(&t["secret"])), b.clone()).await.problem(403, "insufficient-scope");
        app.post(&format!("/v1/communities/{NO_SUCH_ID}/meetings"), Some(&w.manager.token), b.clone())
            .await
            .problem(404, "not-found");
        app.post("/v1/communities/not-a-uuid/meetings", Some(&w.manager.token), b.clone())
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(meeting_count(app).await, 5);
    }
}

dual! {
    async fn create_validation_names_field_and_code_and_writes_nothing(app) {
        let w = cop_world(app, "mt-valid", 1).await;
        let path = w.community_path("/meetings");
        let base = teams_meeting("Validation", "2031-05-01T10:00");
        let many: Vec<Value> = (0..51).map(|i| json!({"title": format!("Item {i}")})).collect();
        let cases: Vec<Case> = vec![
            (json!({"timezone": "Europe/Londn"}), vec![], vec![("timezone", "unknown_timezone")]),
            (json!({"timezone": "GMT+1"}), vec![], vec![("timezone", "unknown_timezone")]),
            (json!({"timezone": "europe/london"}), vec![], vec![("timezone", "unknown_timezone")]),
            // 30 March 2031 is the last Sunday of March: 01:00–02:00 does not exist.
            (json!({"starts_at_local": "2031-03-30T01:30"}), vec![], vec![("starts_at_local", "nonexistent_local_time")]),
            (json!({"starts_at_local": "2031-03-30T01:00"}), vec![], vec![("starts_at_local", "nonexistent_local_time")]),
            // 26 October 2031 is the last Sunday of October: 01:00–02:00 happens twice.
            (json!({"starts_at_local": "2031-10-26T01:30"}), vec![], vec![("starts_at_local", "ambiguous_local_time")]),
            (json!({"starts_at_local": "2031-10-26T01:00"}), vec![], vec![("starts_at_local", "ambiguous_local_time")]),
            (json!({"starts_at_local": "2031-05-01T10:00:00+01:00"}), vec![], vec![("starts_at_local", "not_local_time")]),
            (json!({"starts_at_local": "2031-05-01T09:00Z"}), vec![], vec![("starts_at_local", "not_local_time")]),
            (json!({"starts_at_local": "2031-02-30T10:00"}), vec![], vec![("starts_at_local", "invalid_datetime")]),
            (json!({"starts_at_local": "2031-05-01 10:00"}), vec![], vec![("starts_at_local", "invalid_datetime")]),
            (json!({"duration_minutes": 0}), vec![], vec![("duration_minutes", "out_of_range")]),
            (json!({"duration_minutes": 721}), vec![], vec![("duration_minutes", "out_of_range")]),
            (json!({"duration_minutes": -30}), vec![], vec![("duration_minutes", "out_of_range")]),
            (json!({}), vec!["join_url"], vec![("join_url", "required")]),
            (json!({"join_url": "   "}), vec![], vec![("join_url", "required")]),
            (json!({"mode": "zoom"}), vec!["join_url"], vec![("join_url", "required")]),
            (json!({"mode": "in_person"}), vec!["join_url"], vec![("location", "required")]),
            (json!({"mode": "in_person", "location": "  "}), vec![], vec![("location", "required")]),
            (json!({"mode": "other"}), vec!["join_url"], vec![("location", "required")]),
            (json!({"join_url": "ftp://files.example.org/x"}), vec![], vec![("join_url", "invalid_url")]),
            (json!({"join_url": "not a url"}), vec![], vec![("join_url", "invalid_url")]),
            (json!({"join_url": "javascript:alert(1)"}), vec![], vec![("join_url", "invalid_url")]),
            (json!({"mode": "carrier_pigeon"}), vec![], vec![("mode", "invalid_type")]),
            (json!({"agenda": [{"title": "Talk", "presenter_id": w.outsider.id}]}), vec![], vec![("agenda[0].presenter_id", "not_a_member")]),
            (json!({"agenda": [{"title": "Ok", "presenter_id": w.chair.id}, {"title": "Talk", "presenter_id": w.stranger.id}]}), vec![], vec![("agenda[1].presenter_id", "not_a_member")]),
            (json!({"agenda": [{"title": "Ok"}, {"title": "  "}]}), vec![], vec![("agenda[1].title", "required")]),
            (json!({"agenda": [{"title": "Long", "minutes": 0}]}), vec![], vec![("agenda[0].minutes", "out_of_range")]),
            (json!({"agenda": many}), vec![], vec![("agenda", "too_many")]),
            (json!({"title": "  "}), vec![], vec![("title", "required")]),
            (json!({"title": "x".repeat(201)}), vec![], vec![("title", "too_long")]),
            (json!({"colour": "red"}), vec![], vec![("colour", "unknown_field")]),
            (json!({}), vec!["timezone"], vec![("timezone", "required")]),
            (json!({}), vec!["starts_at_local"], vec![("starts_at_local", "required")]),
            (json!({"duration_minutes": "two hours"}), vec![], vec![("duration_minutes", "invalid_type")]),
            // Independent problems are reported together.
            (
                json!({"timezone": "Nowhere/City", "duration_minutes": 0, "mode": "zoom"}),
                vec!["join_url"],
                vec![("timezone", "unknown_timezone"), ("duration_minutes", "out_of_range"), ("join_url", "required")],
            ),
        ];
        for (patch, remove, expected) in cases {
            let body = merged(&base, patch.clone(), &remove);
            let r = app.post(&path, Some(&w.chair.token), body).await;
            assert_invalid_all(&r, &expected, &format!("{patch} without {remove:?}"));
            assert_eq!(meeting_count(app).await, 0, "{patch}: a meeting was written");
        }
        // Nothing was written anywhere: no meeting, no event, no audit entry.
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic LIKE 'meeting.%'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'meeting'").await, 0);
        // The same body with the problems fixed is accepted.
        app.post(&path, Some(&w.chair.token), base).await.expect(201);
        assert_eq!(meeting_count(app).await, 1);
    }
}

// ---------------------------------------------------------------------------
// Series
// ---------------------------------------------------------------------------

dual! {
    async fn series_keeps_local_time_across_clock_changes(app) {
        let w = cop_world(app, "mt-dst", 0).await;
        let community = w.community_path("");
        let c = app.get(&community, Some(&w.manager.token)).await.expect(200);
        assert_eq!(c["cadence"], json!({"every": 3, "unit": "months"}));
        let c = app
            .patch(&community, Some(&w.manager.token), json!({"cadence": {"every": 1, "unit": "months"}}))
            .await
            .expect(200);
        assert_eq!(c["cadence"], json!({"every": 1, "unit": "months"}));
        let series = w.community_path("/meeting-series");
        let s = app
            .post(&series, Some(&w.chair.token), json!({
                "first_starts_at_local": "2031-01-15T10:00", "timezone": "Europe/London", "count": 12, "join_url": TEAMS_URL
            }))
            .await
            .expect(201);
        assert_eq!(s["occurrences"], 12);
        assert_eq!(s["cadence"], json!({"every": 1, "unit": "months"}));
        let ms = s["meetings"].as_array().unwrap_or_else(|| panic!("{s}"));
        assert_eq!(ms.len(), 12);
        for (i, m) in ms.iter().enumerate() {
            let month = i + 1;
            // GMT (UTC+0) until the last Sunday of March (30 March 2031) and
            // from the last Sunday of October (26 October 2031); BST between.
            let hour = if (4..=10).contains(&month) { 9 } else { 10 };
            assert_eq!(m["starts_at_local"], format!("2031-{month:02}-15T10:00:00"), "{m}");
            assert_eq!(m["starts_at"], format!("2031-{month:02}-15T{hour:02}:00:00Z"), "{m}");
            assert_eq!(m["ends_at"], format!("2031-{month:02}-15T{:02}:00:00Z", hour + 2), "{m}");
            assert_eq!(m["timezone"], "Europe/London");
        }
        // The stored rows agree.
        let sid = id_of(&s);
        let rows = app
            .query(&format!("SELECT starts_at_local FROM meetings WHERE series_id = '{sid}' ORDER BY starts_at_local"))
            .await;
        assert_eq!(rows.len(), 12);
        assert!(rows.iter().all(|r| r[0].as_str().is_some_and(|l| l.ends_with("-15T10:00:00"))), "{rows:?}");

        // Around the changes themselves (confirming those are the change days).
        let path = w.community_path("/meetings");
        for (local, utc) in [
            ("2031-03-29T01:30", "2031-03-29T01:30:00Z"),
            ("2031-03-30T00:30", "2031-03-30T00:30:00Z"),
            ("2031-03-30T02:00", "2031-03-30T01:00:00Z"),
            ("2031-10-25T01:30", "2031-10-25T00:30:00Z"),
            ("2031-10-26T00:30", "2031-10-25T23:30:00Z"),
            ("2031-10-26T02:00", "2031-10-26T02:00:00Z"),
        ] {
            let m = app.post(&path, Some(&w.chair.token), teams_meeting("Edge", local)).await.expect(201);
            assert_eq!(m["starts_at"], utc, "{local}");
        }

        // Another zone: New York moves its clocks on 9 March 2031.
        let s = app
            .post(&series, Some(&w.chair.token), json!({
                "first_starts_at_local": "2031-02-10T18:00", "timezone": "America/New_York", "count": 3, "join_url": TEAMS_URL
            }))
            .await
            .expect(201);
        let starts: Vec<&Value> = s["meetings"].as_array().map(|a| a.iter().map(|m| &m["starts_at"]).collect()).unwrap_or_default();
        assert_eq!(starts, [&json!("2031-02-10T23:00:00Z"), &json!("2031-03-10T22:00:00Z"), &json!("2031-04-10T22:00:00Z")]);

        // Weekly, through the spring change day itself.
        app.patch(&community, Some(&w.manager.token), json!({"cadence": {"every": 1, "unit": "weeks"}}))
            .await
            .expect(200);
        let s = app
            .post(&series, Some(&w.chair.token), json!({
                "first_starts_at_local": "2031-03-23T10:00", "timezone": "Europe/London", "count": 3, "join_url": TEAMS_URL
            }))
            .await
            .expect(201);
        assert_eq!(s["cadence"], json!({"every": 1, "unit": "weeks"}));
        let got: Vec<(Value, Value)> = s["meetings"]
            .as_array()
            .map(|a| a.iter().map(|m| (m["starts_at_local"].clone(), m["starts_at"].clone())).collect())
            .unwrap_or_default();
        assert_eq!(got, vec![
            (json!("2031-03-23T10:00:00"), json!("2031-03-23T10:00:00Z")),
            (json!("2031-03-30T10:00:00"), json!("2031-03-30T09:00:00Z")),
            (json!("2031-04-06T10:00:00"), json!("2031-04-06T09:00:00Z")),
        ]);
    }
}

dual! {
    async fn series_bounds_defaults_and_reading(app) {
        let w = cop_world(app, "mt-series", 1).await;
        let community = w.community_path("");
        let c = app.get(&community, Some(&w.manager.token)).await.expect(200);
        assert_eq!(c["cadence"], json!({"every": 3, "unit": "months"}));
        assert_eq!(c["duration_minutes"], 120);
        // A non-default duration, to see that series take the community's.
        app.patch(&community, Some(&w.manager.token), json!({"duration_minutes": 90})).await.expect(200);
        let path = w.community_path("/meeting-series");
        let base = json!({"first_starts_at_local": "2031-01-15T10:00", "timezone": "Europe/London", "join_url": TEAMS_URL});

        // By count, with the community's defaults.
        let r = app.post(&path, Some(&w.chair.token), merged(&base, json!({"count": 4}), &[])).await;
        let s = r.expect(201);
        let sid = id_of(&s);
        assert_eq!(r.header("location"), Some(format!("/v1/meeting-series/{sid}")));
        assert_eq!(s["community_id"], w.community_id.as_str());
        assert_eq!(s["timezone"], "Europe/London");
        assert_eq!(s["first_starts_at_local"], "2031-01-15T10:00:00");
        assert_eq!(s["cadence"], json!({"every": 3, "unit": "months"}));
        assert_eq!(s["occurrences"], 4);
        assert_eq!(s["status"], "active");
        assert_eq!(s["cancel_reason"], Value::Null);
        assert_eq!(s["cancelled_at"], Value::Null);
        let ms = s["meetings"].as_array().cloned().unwrap_or_default();
        let locals: Vec<&str> = ms.iter().map(|m| str_of(&m["starts_at_local"])).collect();
        assert_eq!(locals, ["2031-01-15T10:00:00", "2031-04-15T10:00:00", "2031-07-15T10:00:00", "2031-10-15T10:00:00"]);
        let ends: Vec<&str> = ms.iter().map(|m| str_of(&m["ends_at"])).collect();
        assert_eq!(ends, ["2031-01-15T11:30:00Z", "2031-04-15T10:30:00Z", "2031-07-15T10:30:00Z", "2031-10-15T10:30:00Z"]);
        for m in &ms {
            assert_eq!(m["series_id"], sid.as_str());
            assert_eq!(m["title"], w.community_name.as_str());
            assert_eq!(m["duration_minutes"], 90);
            assert_eq!(m["mode"], "teams");
            assert_eq!(m["join_url"], TEAMS_URL);
            assert_eq!(m["agenda"], json!([]));
            assert_eq!((m["status"].clone(), m["sequence"].clone(), m["version"].clone()), (json!("scheduled"), json!(0), json!(1)));
        }
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meetings WHERE series_id = '{sid}'")).await, 4);

        // Reading it back: members and managers; nobody else.
        let spath = format!("/v1/meeting-series/{sid}");
        for t in [&w.members[0].token, &w.manager.token] {
            let g = app.get(&spath, Some(t)).await.expect(200);
            assert_eq!(g["id"], sid.as_str());
            assert_eq!(g["occurrences"], 4);
            let gids: Vec<&Value> = g["meetings"].as_array().map(|a| a.iter().map(|m| &m["id"]).collect()).unwrap_or_default();
            let sids: Vec<&Value> = ms.iter().map(|m| &m["id"]).collect();
            assert_eq!(gids, sids);
        }
        app.get(&spath, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&spath, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&spath, None).await.problem(401, "authentication-required");
        app.get(&format!("/v1/meeting-series/{NO_SUCH_ID}"), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get("/v1/meeting-series/nope", Some(&w.manager.token)).await.problem(400, "invalid-parameter");

        // By an inclusive end date, with given title, duration, venue and agenda (a manager).
        let r = app
            .post(&path, Some(&w.manager.token), json!({
                "first_starts_at_local": "2031-01-15T18:00", "timezone": "Europe/London", "until": "2031-07-15",
                "title": "Quarterly evening", "duration_minutes": 60, "mode": "in_person", "location": "Room 2",
                "agenda": [{"title": "Welcome", "presenter_id": w.members[0].id, "minutes": 5}]
            }))
            .await;
        let s = r.expect(201);
        let ms = s["meetings"].as_array().cloned().unwrap_or_default();
        let locals: Vec<&str> = ms.iter().map(|m| str_of(&m["starts_at_local"])).collect();
        assert_eq!(locals, ["2031-01-15T18:00:00", "2031-04-15T18:00:00", "2031-07-15T18:00:00"]);
        assert_eq!(s["occurrences"], 3);
        for m in &ms {
            assert_eq!(m["title"], "Quarterly evening");
            assert_eq!(m["duration_minutes"], 60);
            assert_eq!((m["mode"].clone(), m["location"].clone(), m["join_url"].clone()), (json!("in_person"), json!("Room 2"), Value::Null));
            assert_eq!(m["agenda"], json!([{"title": "Welcome", "presenter_id": w.members[0].id, "minutes": 5}]));
        }
        // One day short of the last occurrence leaves it out.
        let s = app
            .post(&path, Some(&w.secretary.token), merged(&base, json!({"until": "2031-07-14"}), &[]))
            .await
            .expect(201);
        assert_eq!(s["occurrences"], 2);
        assert_eq!(s["meetings"].as_array().map(Vec::len), Some(2));
        // Until the first day: one occurrence.
        let s = app
            .post(&path, Some(&w.secretary.token), merged(&base, json!({"until": "2031-01-15"}), &[]))
            .await
            .expect(201);
        assert_eq!(s["occurrences"], 1);
        let (series_before, meetings_before) = (app.count("SELECT COUNT(*) FROM meeting_series").await, meeting_count(app).await);
        assert_eq!((series_before, meetings_before), (4, 10));

        // Refused, with nothing written.
        let cases: Vec<Case> = vec![
            (json!({"until": "2031-01-14"}), vec![], vec![("until", "before_start")]),
            (json!({"count": 53}), vec![], vec![("count", "out_of_range")]),
            (json!({"count": 0}), vec![], vec![("count", "out_of_range")]),
            (json!({"count": -1}), vec![], vec![("count", "out_of_range")]),
            (json!({"count": 2, "until": "2031-12-31"}), vec![], vec![("until", "exclusive")]),
            (json!({}), vec![], vec![("count", "required")]),
            // Quarterly: 53 occurrences would be needed.
            (json!({"until": "2044-06-01"}), vec![], vec![("until", "too_many")]),
            (json!({"until": "15/07/2031"}), vec![], vec![("until", "invalid_type")]),
            // Quarterly from 30 Dec 2030: the second falls in the spring gap.
            (json!({"count": 2, "first_starts_at_local": "2030-12-30T01:30"}), vec![], vec![("first_starts_at_local", "nonexistent_local_time")]),
            // Quarterly from 26 Jul 2031: the second falls in the autumn overlap.
            (json!({"count": 3, "first_starts_at_local": "2031-07-26T01:30"}), vec![], vec![("first_starts_at_local", "ambiguous_local_time")]),
            (json!({"count": 2, "first_starts_at_local": "2031-01-15T10:00+00:00"}), vec![], vec![("first_starts_at_local", "not_local_time")]),
            (json!({"count": 2, "timezone": "Europe/Londn"}), vec![], vec![("timezone", "unknown_timezone")]),
            (json!({"count": 2}), vec!["join_url"], vec![("join_url", "required")]),
            (json!({"count": 2, "duration_minutes": 0}), vec![], vec![("duration_minutes", "out_of_range")]),
            (json!({"count": 2, "duration_minutes": 721}), vec![], vec![("duration_minutes", "out_of_range")]),
            (json!({"count": 2, "title": " "}), vec![], vec![("title", "required")]),
            (json!({"count": 2, "agenda": [{"title": "Talk", "presenter_id": w.outsider.id}]}), vec![], vec![("agenda[0].presenter_id", "not_a_member")]),
            (json!({"count": 2, "every": 2}), vec![], vec![("every", "unknown_field")]),
        ];
        // The refusal names the occurrence that falls in the clock change.
        let p = app
            .post(&path, Some(&w.chair.token), merged(&base, json!({"count": 3, "first_starts_at_local": "2030-12-30T01:30"}), &[]))
            .await
            .problem(422, "validation-failed");
        let message = str_of(&p["errors"][0]["message"]);
        assert!(message.starts_with("occurrence 2: 2031-03-30T01:30:00 does not exist in Europe/London"), "{p}");
        for (patch, remove, expected) in cases {
            let r = app.post(&path, Some(&w.chair.token), merged(&base, patch.clone(), &remove)).await;
            assert_invalid_all(&r, &expected, &format!("{patch} without {remove:?}"));
            assert_eq!(app.count("SELECT COUNT(*) FROM meeting_series").await, series_before, "{patch}");
            assert_eq!(meeting_count(app).await, meetings_before, "{patch}");
        }
        // Who may not.
        let ok = merged(&base, json!({"count": 2}), &[]);
        app.post(&path, Some(&w.members[0].token), ok.clone()).await.problem(403, "forbidden");
        app.post(&path, Some(&w.outsider.token), ok.clone()).await.problem(403, "forbidden");
        app.post(&path, Some(&w.stranger.token), ok.clone()).await.problem(404, "not-found");
        app.post(&path, None, ok).await.problem(401, "authentication-required");
        assert_eq!(meeting_count(app).await, meetings_before);
    }
}

dual! {
    async fn series_occurrences_edit_alone_and_cancel_from_now_on(app) {
        let w = cop_world(app, "mt-series-cancel", 1).await;
        let s = app
            .post(&w.community_path("/meeting-series"), Some(&w.chair.token), json!({
                "first_starts_at_local": "2030-01-10T10:00", "timezone": "Europe/London", "count": 4, "join_url": TEAMS_URL
            }))
            .await
            .expect(201);
        let sid = id_of(&s);
        let spath = format!("/v1/meeting-series/{sid}");
        let ids: Vec<String> = s["meetings"].as_array().map(|a| a.iter().map(id_of).collect()).unwrap_or_default();
        assert_eq!(ids.len(), 4);

        // Editing one occurrence moves only it.
        let e = app
            .patch(&mpath(&ids[1], ""), Some(&w.chair.token), json!({"starts_at_local": "2030-04-11T14:00", "title": "Moved"}))
            .await
            .expect(200);
        assert_eq!((e["starts_at"].clone(), e["sequence"].clone(), e["series_id"].clone()), (json!("2030-04-11T13:00:00Z"), json!(1), json!(sid)));
        let g = app.get(&spath, Some(&w.members[0].token)).await.expect(200);
        let gm = g["meetings"].as_array().cloned().unwrap_or_default();
        let got: Vec<(Value, Value, Value)> = gm.iter().map(|m| (m["starts_at_local"].clone(), m["title"].clone(), m["sequence"].clone())).collect();
        let name = json!(w.community_name);
        assert_eq!(got, vec![
            (json!("2030-01-10T10:00:00"), name.clone(), json!(0)),
            (json!("2030-04-11T14:00:00"), json!("Moved"), json!(1)),
            (json!("2030-07-10T10:00:00"), name.clone(), json!(0)),
            (json!("2030-10-10T10:00:00"), name.clone(), json!(0)),
        ]);

        // The first occurrence has taken place; the last was called off on its own.
        move_into_past(app, &ids[0], 10).await;
        cancel(app, &ids[3], &w.chair.token, "Room double-booked").await.expect(200);

        // Who may cancel, and the reason.
        let cpath = format!("{spath}/cancel");
        let reason = json!({"reason": "The CoP is merging with the regional one"});
        app.post(&cpath, Some(&w.members[0].token), reason.clone()).await.problem(403, "forbidden");
        app.post(&cpath, Some(&w.outsider.token), reason.clone()).await.problem(403, "forbidden");
        app.post(&cpath, Some(&w.stranger.token), reason.clone()).await.problem(404, "not-found");
        app.post(&format!("/v1/meeting-series/{NO_SUCH_ID}/cancel"), Some(&w.chair.token), reason.clone()).await.problem(404, "not-found");
        assert_invalid_all(&app.post(&cpath, Some(&w.chair.token), json!({})).await, &[("reason", "required")], "no reason");
        assert_invalid_all(&app.post(&cpath, Some(&w.chair.token), json!({"reason": "  "})).await, &[("reason", "required")], "blank reason");
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings WHERE status = 'cancelled'").await, 1);

        let c = app.post(&cpath, Some(&w.chair.token), reason.clone()).await.expect(200);
        assert_eq!(c["status"], "cancelled");
        assert_eq!(c["cancel_reason"], "The CoP is merging with the regional one");
        assert!(c["cancelled_at"].is_string(), "{c}");
        let cm = c["meetings"].as_array().cloned().unwrap_or_default();
        let got: Vec<(Value, Value, Value)> = cm.iter().map(|m| (m["status"].clone(), m["cancel_reason"].clone(), m["sequence"].clone())).collect();
        let why = json!("The CoP is merging with the regional one");
        assert_eq!(got, vec![
            (json!("scheduled"), Value::Null, json!(0)),
            (json!("cancelled"), why.clone(), json!(2)),
            (json!("cancelled"), why.clone(), json!(1)),
            (json!("cancelled"), json!("Room double-booked"), json!(1)),
        ]);
        assert!(cm[1..].iter().all(|m| m["cancelled_at"].is_string()));
        // One event per cancelled occurrence, none for the past one.
        assert!(events(app, "meeting.cancelled", &ids[0]).await.is_empty());
        for id in &ids[1..] {
            assert_eq!(events(app, "meeting.cancelled", id).await.len(), 1, "{id}");
        }
        let past = app.get(&mpath(&ids[0], ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(past["status"], "scheduled");
        // It can still be held.
        put(app, &mpath(&ids[0], "/attendance"), Some(&w.chair.token), json!([{"user_id": w.members[0].id, "status": "present"}]))
            .await
            .expect(200);

        // Once is enough.
        app.post(&cpath, Some(&w.chair.token), reason.clone()).await.problem(409, "series-cancelled");
        let g = app.get(&spath, Some(&w.members[0].token)).await.expect(200);
        assert_eq!((g["status"].clone(), g["cancel_reason"].clone()), (json!("cancelled"), why));
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings WHERE status = 'cancelled'").await, 3);
    }
}

// ---------------------------------------------------------------------------
// Changing
// ---------------------------------------------------------------------------

dual! {
    async fn update_changes_fields_and_bumps_sequence(app) {
        let w = cop_world(app, "mt-update", 1).await;
        let m = schedule(app, &w, "Before", "2030-06-01T10:00").await;
        let id = id_of(&m);
        let path = mpath(&id, "");

        app.patch(&path, Some(&w.members[0].token), json!({"title": "Nope"})).await.problem(403, "forbidden");
        app.patch(&path, Some(&w.outsider.token), json!({"title": "Nope"})).await.problem(403, "forbidden");
        app.patch(&path, Some(&w.stranger.token), json!({"title": "Nope"})).await.problem(404, "not-found");
        app.patch(&path, None, json!({"title": "Nope"})).await.problem(401, "authentication-required");
        app.patch(&mpath(NO_SUCH_ID, ""), Some(&w.chair.token), json!({"title": "Nope"})).await.problem(404, "not-found");
        app.patch("/v1/meetings/nope", Some(&w.chair.token), json!({"title": "Nope"})).await.problem(400, "invalid-parameter");

        // Several fields at once, with the current ETag.
        let r = with_if_match(app, Method::PATCH, &path, &w.chair.token, "\"1\"", json!({
            "title": "After", "starts_at_local": "2030-12-01T09:30", "duration_minutes": 60,
            "mode": "in_person", "location": "Boardroom", "join_url": ""
        }))
        .await;
        let u = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!((u["version"].clone(), u["sequence"].clone()), (json!(2), json!(1)));
        assert_eq!(u["title"], "After");
        assert_eq!(u["starts_at_local"], "2030-12-01T09:30:00");
        assert_eq!(u["starts_at"], "2030-12-01T09:30:00Z");
        assert_eq!(u["ends_at"], "2030-12-01T10:30:00Z");
        assert_eq!(u["duration_minutes"], 60);
        assert_eq!((u["mode"].clone(), u["location"].clone(), u["join_url"].clone()), (json!("in_person"), json!("Boardroom"), Value::Null));
        assert_eq!(u["agenda"], m["agenda"]);
        assert_eq!(u["ical_uid"], m["ical_uid"]);
        assert_eq!(u["created_at"], m["created_at"]);
        assert_eq!(u["status"], "scheduled");

        // A stale ETag changes nothing.
        with_if_match(app, Method::PATCH, &path, &w.chair.token, "\"1\"", json!({"title": "Stale"}))
            .await
            .problem(412, "stale-version");
        let g = app.get(&path, Some(&w.chair.token)).await.expect(200);
        assert_eq!((g["title"].clone(), g["version"].clone(), g["sequence"].clone()), (json!("After"), json!(2), json!(1)));

        // A change to nothing keeps sequence and version.
        for noop in [
            json!({"title": "After"}),
            json!({}),
            json!({"timezone": "Europe/London", "starts_at_local": "2030-12-01T09:30:00"}),
            json!({"timezone": " Europe/London", "starts_at_local": "2030-12-01T09:30", "mode": "in_person", "location": "Boardroom"}),
        ] {
            let r = app.patch(&path, Some(&w.chair.token), noop.clone()).await;
            let n = r.expect(200);
            assert_eq!((n["version"].clone(), n["sequence"].clone()), (json!(2), json!(1)), "{noop}");
            assert_eq!(r.header("etag").as_deref(), Some("\"2\""), "{noop}");
        }

        // The zone alone: same wall-clock time, another instant.
        let z = with_if_match(app, Method::PATCH, &path, &w.secretary.token, "\"2\"", json!({"timezone": "America/New_York"}))
            .await
            .expect(200);
        assert_eq!((z["starts_at_local"].clone(), z["starts_at"].clone(), z["ends_at"].clone()), (json!("2030-12-01T09:30:00"), json!("2030-12-01T14:30:00Z"), json!("2030-12-01T15:30:00Z")));
        assert_eq!((z["version"].clone(), z["sequence"].clone()), (json!(3), json!(2)));

        // Invalid changes are refused and change nothing.
        let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
            (json!({"timezone": "Europe/London", "starts_at_local": "2031-03-30T01:30"}), vec![("starts_at_local", "nonexistent_local_time")]),
            (json!({"timezone": "Europe/London", "starts_at_local": "2031-10-26T01:30"}), vec![("starts_at_local", "ambiguous_local_time")]),
            (json!({"starts_at_local": "2031-01-01T10:00-05:00"}), vec![("starts_at_local", "not_local_time")]),
            (json!({"timezone": "Atlantis/Lost"}), vec![("timezone", "unknown_timezone")]),
            (json!({"duration_minutes": 721}), vec![("duration_minutes", "out_of_range")]),
            (json!({"duration_minutes": 0}), vec![("duration_minutes", "out_of_range")]),
            (json!({"mode": "teams"}), vec![("join_url", "required")]),
            (json!({"location": ""}), vec![("location", "required")]),
            (json!({"mode": "hologram"}), vec![("mode", "invalid_type")]),
            (json!({"join_url": "mailto:chair@nhs.net"}), vec![("join_url", "invalid_url")]),
            (json!({"title": ""}), vec![("title", "required")]),
            (json!({"agenda": []}), vec![("agenda", "unknown_field")]),
        ];
        for (patch, expected) in cases {
            let r = app.patch(&path, Some(&w.chair.token), patch.clone()).await;
            assert_invalid_all(&r, &expected, &patch.to_string());
        }
        let g = app.get(&path, Some(&w.chair.token)).await.expect(200);
        assert_eq!((g["version"].clone(), g["sequence"].clone(), g["timezone"].clone()), (json!(3), json!(2), json!("America/New_York")));

        // Back online, by a manager.
        let o = app
            .patch(&path, Some(&w.manager.token), json!({"mode": "teams", "join_url": TEAMS_URL, "location": ""}))
            .await
            .expect(200);
        assert_eq!((o["mode"].clone(), o["location"].clone(), o["join_url"].clone()), (json!("teams"), Value::Null, json!(TEAMS_URL)));
        assert_eq!((o["version"].clone(), o["sequence"].clone()), (json!(4), json!(3)));

        // A cancelled meeting does not change.
        cancel(app, &id, &w.chair.token, "Not needed").await.expect(200);
        app.patch(&path, Some(&w.chair.token), json!({"title": "Revived"})).await.problem(409, "meeting-cancelled");
        let g = app.get(&path, Some(&w.chair.token)).await.expect(200);
        assert_eq!((g["title"].clone(), g["status"].clone()), (json!("After"), json!("cancelled")));
    }
}

dual! {
    async fn cancel_needs_a_reason_and_refuses_held_meetings(app) {
        let w = cop_world(app, "mt-cancel", 1).await;
        let m = schedule(app, &w, "To cancel", "2030-06-01T10:00").await;
        let id = id_of(&m);
        let cpath = mpath(&id, "/cancel");
        let reason = "Clashes with the regional conference";

        cancel(app, &id, &w.members[0].token, reason).await.problem(403, "forbidden");
        cancel(app, &id, &w.outsider.token, reason).await.problem(403, "forbidden");
        cancel(app, &id, &w.stranger.token, reason).await.problem(404, "not-found");
        cancel(app, NO_SUCH_ID, &w.chair.token, reason).await.problem(404, "not-found");
        assert_invalid_all(&app.post(&cpath, Some(&w.chair.token), json!({})).await, &[("reason", "required")], "missing");
        assert_invalid_all(&cancel(app, &id, &w.chair.token, "   ").await, &[("reason", "required")], "blank");
        assert_invalid_all(&cancel(app, &id, &w.chair.token, &"x".repeat(2001)).await, &[("reason", "too_long")], "long");
        assert_invalid_all(&app.post(&cpath, Some(&w.chair.token), json!({"reason": reason, "notify": false})).await, &[("notify", "unknown_field")], "unknown");
        with_if_match(app, Method::POST, &cpath, &w.chair.token, "\"7\"", json!({"reason": reason}))
            .await
            .problem(412, "stale-version");
        let g = app.get(&mpath(&id, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!((g["status"].clone(), g["version"].clone()), (json!("scheduled"), json!(1)));

        let r = with_if_match(app, Method::POST, &cpath, &w.secretary.token, "\"1\"", json!({"reason": format!("  {reason} ")})).await;
        let c = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(c["status"], "cancelled");
        assert_eq!(c["cancel_reason"], reason);
        assert!(c["cancelled_at"].is_string(), "{c}");
        assert_eq!((c["sequence"].clone(), c["version"].clone()), (json!(1), json!(2)));
        // Twice is refused.
        cancel(app, &id, &w.chair.token, reason).await.problem(409, "meeting-cancelled");
        let d = app.get(&mpath(&id, ""), Some(&w.members[0].token)).await.expect(200);
        assert_eq!((d["status"].clone(), d["cancel_reason"].clone(), d["sequence"].clone()), (json!("cancelled"), json!(reason), json!(1)));

        // A meeting that has been held cannot be cancelled.
        let h = schedule(app, &w, "Held", "2030-07-01T10:00").await;
        let hid = id_of(&h);
        move_into_past(app, &hid, 7).await;
        let a = put(app, &mpath(&hid, "/attendance"), Some(&w.chair.token), json!([{"user_id": w.members[0].id, "status": "present"}]))
            .await
            .expect(200);
        assert_eq!(a["meeting_status"], "held");
        cancel(app, &hid, &w.manager.token, reason).await.problem(409, "meeting-held");
        let g = app.get(&mpath(&hid, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!((g["status"].clone(), g["cancel_reason"].clone()), (json!("held"), Value::Null));

        // A manager may cancel.
        let o = schedule(app, &w, "By a manager", "2030-08-01T10:00").await;
        let o = cancel(app, &id_of(&o), &w.manager.token, reason).await.expect(200);
        assert_eq!(o["status"], "cancelled");
    }
}

dual! {
    async fn agenda_is_replaced_whole_and_bumps_sequence(app) {
        let w = cop_world(app, "mt-agenda", 2).await;
        let m = schedule(app, &w, "With agenda", "2030-06-01T10:00").await;
        let id = id_of(&m);
        let path = mpath(&id, "/agenda");
        let items = json!([
            {"title": "Welcome and apologies", "minutes": 5},
            {"title": "Supervision models", "presenter_id": w.members[1].id, "minutes": 45},
            {"title": "Any other business"}
        ]);
        let expected = json!([
            {"title": "Welcome and apologies", "presenter_id": null, "minutes": 5},
            {"title": "Supervision models", "presenter_id": w.members[1].id, "minutes": 45},
            {"title": "Any other business", "presenter_id": null, "minutes": null}
        ]);
        let r = put(app, &path, Some(&w.chair.token), json!({"items": items})).await;
        let a = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(a["agenda"], expected);
        assert_eq!((a["sequence"].clone(), a["version"].clone()), (json!(1), json!(2)));
        let g = app.get(&mpath(&id, ""), Some(&w.members[0].token)).await.expect(200);
        assert_eq!(g["agenda"], expected);
        // The same agenda again changes nothing.
        let a = put(app, &path, Some(&w.chair.token), json!({"items": items})).await.expect(200);
        assert_eq!((a["sequence"].clone(), a["version"].clone()), (json!(1), json!(2)));
        // Order matters.
        let reordered = json!([items[2], items[0], items[1]]);
        let a = put(app, &path, Some(&w.secretary.token), json!({"items": reordered})).await.expect(200);
        assert_eq!(a["agenda"], json!([expected[2], expected[0], expected[1]]));
        assert_eq!((a["sequence"].clone(), a["version"].clone()), (json!(2), json!(3)));

        // Refused, nothing changes.
        let fifty: Vec<Value> = (0..50).map(|i| json!({"title": format!("Item {i}")})).collect();
        let mut fifty_one = fifty.clone();
        fifty_one.push(json!({"title": "One too many"}));
        let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
            (json!({"items": [{"title": "Talk", "presenter_id": w.outsider.id}]}), vec![("items[0].presenter_id", "not_a_member")]),
            (json!({"items": [{"title": "Ok"}, {"title": "Talk", "presenter_id": NO_SUCH_ID}]}), vec![("items[1].presenter_id", "not_a_member")]),
            (json!({"items": fifty_one}), vec![("items", "too_many")]),
            (json!({"items": [{"title": " "}]}), vec![("items[0].title", "required")]),
            (json!({"items": [{"title": "Long", "minutes": 721}]}), vec![("items[0].minutes", "out_of_range")]),
            (json!({}), vec![("items", "required")]),
            (json!({"items": [{"title": "Talk", "speaker": "me"}]}), vec![("items[0].speaker", "unknown_field")]),
        ];
        for (body, expected) in cases {
            let r = put(app, &path, Some(&w.chair.token), body.clone()).await;
            assert_invalid_all(&r, &expected, &body.to_string());
        }
        let g = app.get(&mpath(&id, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!((g["sequence"].clone(), g["version"].clone()), (json!(2), json!(3)));
        assert_eq!(g["agenda"], json!([expected[2], expected[0], expected[1]]));

        let body = json!({"items": [{"title": "Mine"}]});
        put(app, &path, Some(&w.members[0].token), body.clone()).await.problem(403, "forbidden");
        put(app, &path, Some(&w.outsider.token), body.clone()).await.problem(403, "forbidden");
        put(app, &path, Some(&w.stranger.token), body.clone()).await.problem(404, "not-found");
        put(app, &path, None, body.clone()).await.problem(401, "authentication-required");
        with_if_match(app, Method::PUT, &path, &w.chair.token, "\"2\"", body.clone()).await.problem(412, "stale-version");

        // Exactly 50 is fine (a manager, with the current ETag).
        let a = with_if_match(app, Method::PUT, &path, &w.manager.token, "\"3\"", json!({"items": fifty})).await.expect(200);
        assert_eq!(a["agenda"].as_array().map(Vec::len), Some(50));
        assert_eq!((a["sequence"].clone(), a["version"].clone()), (json!(3), json!(4)));
        // Emptied.
        let a = put(app, &path, Some(&w.chair.token), json!({"items": []})).await.expect(200);
        assert_eq!(a["agenda"], json!([]));
        assert_eq!(a["sequence"], 4);

        cancel(app, &id, &w.chair.token, "Not needed").await.expect(200);
        put(app, &path, Some(&w.chair.token), body).await.problem(409, "meeting-cancelled");
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

dual! {
    async fn list_orders_by_start_and_filters(app) {
        let w = cop_world(app, "mt-list", 1).await;
        // Scheduled out of order.
        let sep = schedule(app, &w, "September", "2030-09-01T10:00").await;
        let mar = schedule(app, &w, "March", "2030-03-01T10:00").await;
        let jun = schedule(app, &w, "June", "2030-06-01T10:00").await;
        let jan = schedule(app, &w, "January", "2031-01-01T10:00").await;
        cancel(app, &id_of(&jun), &w.chair.token, "Room unavailable").await.expect(200);
        let c = &w.community_id;
        let titles = |v: &Value| -> Vec<String> { items(v).iter().map(|m| str_of(&m["title"]).to_owned()).collect() };

        let all = app.get(&format!("/v1/meetings?community_id={c}"), Some(&w.members[0].token)).await.expect(200);
        assert_eq!(titles(&all), ["March", "June", "September", "January"]);
        assert_eq!(all["next_cursor"], Value::Null);
        let first = &items(&all)[0];
        for k in ["id", "starts_at", "starts_at_local", "timezone", "ical_uid", "sequence", "agenda"] {
            assert_eq!(first[k], mar[k], "{k}");
        }
        // Without a community filter: the same (the member's only community).
        let mine = app.get("/v1/meetings", Some(&w.members[0].token)).await.expect(200);
        assert_eq!(titles(&mine), ["March", "June", "September", "January"]);
        // `from` is inclusive, `to` exclusive (September starts at 09:00Z, in BST).
        assert_eq!(mar["starts_at"], "2030-03-01T10:00:00Z");
        assert_eq!(sep["starts_at"], "2030-09-01T09:00:00Z");
        let r = app
            .get(&format!("/v1/meetings?community_id={c}&from=2030-03-01T10:00:00Z&to=2030-09-01T09:00:00Z"), Some(&w.members[0].token))
            .await
            .expect(200);
        assert_eq!(titles(&r), ["March", "June"]);
        let r = app
            .get(&format!("/v1/meetings?community_id={c}&from=2030-03-01T10:00:01Z&to=2030-09-01T09:00:01Z"), Some(&w.members[0].token))
            .await
            .expect(200);
        assert_eq!(titles(&r), ["June", "September"]);
        let r = app.get(&format!("/v1/meetings?community_id={c}&from=2030-12-01T00:00:00Z"), Some(&w.members[0].token)).await.expect(200);
        assert_eq!(titles(&r), ["January"]);
        assert_eq!(items(&r)[0]["id"], jan["id"]);
        // Any offset, percent-encoded.
        let r = app
            .get(&format!("/v1/meetings?community_id={c}&from=2030-03-01T11:00:00%2B01:00&to=2030-06-01T10:00:00%2B01:00"), Some(&w.members[0].token))
            .await
            .expect(200);
        assert_eq!(titles(&r), ["March"]);
        app.get(&format!("/v1/meetings?community_id={c}&from=yesterday"), Some(&w.members[0].token))
            .await
            .problem(400, "invalid-query-parameter");
        // Equal bounds: an empty window, not an error.
        let r = app
            .get(&format!("/v1/meetings?community_id={c}&from=2030-03-01T10:00:00Z&to=2030-03-01T10:00:00Z"), Some(&w.members[0].token))
            .await
            .expect(200);
        assert!(items(&r).is_empty());
        // Status.
        let r = app.get(&format!("/v1/meetings?community_id={c}&status=cancelled"), Some(&w.members[0].token)).await.expect(200);
        assert_eq!(titles(&r), ["June"]);
        let r = app.get(&format!("/v1/meetings?community_id={c}&status=scheduled"), Some(&w.members[0].token)).await.expect(200);
        assert_eq!(titles(&r), ["March", "September", "January"]);
        let r = app.get(&format!("/v1/meetings?community_id={c}&status=held"), Some(&w.members[0].token)).await.expect(200);
        assert!(items(&r).is_empty());
        // Invalid filters.
        let bad: Vec<(String, Vec<(&str, &str)>)> = vec![
            (format!("community_id={c}&from=2030-09-01T00:00:00Z&to=2030-03-01T00:00:00Z"), vec![("to", "before_from")]),
            (format!("community_id={c}&status=postponed"), vec![("status", "invalid_value")]),
            ("community_id=nope".to_owned(), vec![("community_id", "invalid_uuid")]),
            ("series_id=nope".to_owned(), vec![("series_id", "invalid_uuid")]),
            (format!("community_id={c}&limit=0"), vec![("limit", "out_of_range")]),
            (format!("community_id={c}&limit=201"), vec![("limit", "out_of_range")]),
        ];
        for (q, expected) in bad {
            let r = app.get(&format!("/v1/meetings?{q}"), Some(&w.members[0].token)).await;
            assert_invalid_all(&r, &expected, &q);
        }
        // The community filter is checked.
        app.get(&format!("/v1/meetings?community_id={c}"), Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&format!("/v1/meetings?community_id={c}"), Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&format!("/v1/meetings?community_id={NO_SUCH_ID}"), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get("/v1/meetings", None).await.problem(401, "authentication-required");
        // The outsider sees nothing without a filter.
        let r = app.get("/v1/meetings", Some(&w.outsider.token)).await.expect(200);
        assert!(items(&r).is_empty(), "{r}");
    }
}

dual! {
    async fn list_paginates_with_cursor_and_link(app) {
        let w = cop_world(app, "mt-pages", 1).await;
        app.post(&w.community_path("/meeting-series"), Some(&w.chair.token), json!({
            "first_starts_at_local": "2030-02-01T10:00", "timezone": "Europe/London", "count": 5, "join_url": TEAMS_URL
        }))
        .await
        .expect(201);
        // Two more at the same instant as the second occurrence: the id breaks the tie.
        schedule(app, &w, "Tie A", "2030-05-01T10:00").await;
        schedule(app, &w, "Tie B", "2030-05-01T10:00").await;
        let c = &w.community_id;
        let full = app.get(&format!("/v1/meetings?community_id={c}"), Some(&w.members[0].token)).await.expect(200);
        let full_ids: Vec<String> = items(&full).iter().map(id_of).collect();
        assert_eq!(full_ids.len(), 7);
        let starts: Vec<&str> = items(&full).iter().map(|m| str_of(&m["starts_at"])).collect();
        let mut sorted = starts.clone();
        sorted.sort();
        assert_eq!(starts, sorted);

        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut url = format!("/v1/meetings?community_id={c}&limit=2");
        loop {
            let r = app.get(&url, Some(&w.members[0].token)).await;
            let page = r.expect(200);
            sizes.push(items(&page).len());
            seen.extend(items(&page).iter().map(id_of));
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    let link = r.header("link").unwrap_or_else(|| panic!("no Link header with a next_cursor"));
                    assert!(link.ends_with("; rel=\"next\""), "{link}");
                    assert!(link.contains(&format!("cursor={cursor}")), "{link}");
                    assert!(link.contains(&format!("community_id={c}")) && link.contains("limit=2"), "{link}");
                    // Follow the Link header itself.
                    let target = link
                        .trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap_or_default()
                        .trim_start_matches("http://peerhub.test")
                        .to_owned();
                    assert!(target.starts_with("/v1/meetings?"), "{link}");
                    url = target;
                }
                None => {
                    assert_eq!(r.header("link"), None);
                    break;
                }
            }
            assert!(sizes.len() < 10, "pagination does not end");
        }
        assert_eq!(sizes, [2, 2, 2, 1]);
        assert_eq!(seen, full_ids, "pages skip or repeat meetings");
        // The same through next_cursor by hand, with a filter that keeps.
        let p1 = app.get(&format!("/v1/meetings?community_id={c}&status=scheduled&limit=3"), Some(&w.members[0].token)).await.expect(200);
        let cur = str_of(&p1["next_cursor"]).to_owned();
        let p2 = app.get(&format!("/v1/meetings?community_id={c}&status=scheduled&limit=3&cursor={cur}"), Some(&w.members[0].token)).await.expect(200);
        let ids: Vec<String> = items(&p1).iter().chain(items(&p2).iter()).map(id_of).collect();
        assert_eq!(ids, full_ids[..6].to_vec());
        app.get(&format!("/v1/meetings?community_id={c}&cursor=garbage"), Some(&w.members[0].token))
            .await
            .problem(422, "validation-failed");
    }
}

dual! {
    async fn list_shows_only_meetings_i_may_see(app) {
        let w = cop_world(app, "mt-visible", 1).await;
        // A second community in the same network, chaired by the outsider.
        let c2 = app.community(&w.manager.token, &w.network_id, "closed", 50, json!({})).await;
        let c2 = id_of(&c2);
        add_member(app, &c2, &w.outsider.id, CommunityRole::Chair, 400).await;
        let m1 = schedule(app, &w, "First CoP", "2030-05-01T10:00").await;
        let m2 = app
            .post(&format!("/v1/communities/{c2}/meetings"), Some(&w.outsider.token), teams_meeting("Second CoP", "2030-04-01T10:00"))
            .await
            .expect(201);
        let ids = |v: &Value| -> Vec<String> { items(v).iter().map(id_of).collect() };

        let r = app.get("/v1/meetings", Some(&w.members[0].token)).await.expect(200);
        assert_eq!(ids(&r), [id_of(&m1)]);
        app.get(&format!("/v1/meetings?community_id={c2}"), Some(&w.members[0].token)).await.problem(403, "forbidden");
        app.get(&mpath(&id_of(&m2), ""), Some(&w.members[0].token)).await.problem(403, "forbidden");
        let r = app.get("/v1/meetings", Some(&w.outsider.token)).await.expect(200);
        assert_eq!(ids(&r), [id_of(&m2)]);
        // Managers see every community of their network; so does the platform admin.
        for t in [&w.manager.token, &w.admin] {
            let r = app.get("/v1/meetings", Some(t)).await.expect(200);
            assert_eq!(ids(&r), [id_of(&m2), id_of(&m1)]);
            let r = app.get(&format!("/v1/meetings?community_id={c2}"), Some(t)).await.expect(200);
            assert_eq!(ids(&r), [id_of(&m2)]);
        }
        // By series: only the series' meetings, still only where I may see them.
        let s = app
            .post(&format!("/v1/communities/{c2}/meeting-series"), Some(&w.outsider.token), json!({
                "first_starts_at_local": "2030-06-01T10:00", "timezone": "Europe/London", "count": 2, "join_url": TEAMS_URL
            }))
            .await
            .expect(201);
        let sid = id_of(&s);
        let r = app.get(&format!("/v1/meetings?series_id={sid}"), Some(&w.outsider.token)).await.expect(200);
        let want: Vec<String> = s["meetings"].as_array().map(|a| a.iter().map(id_of).collect()).unwrap_or_default();
        assert_eq!(ids(&r), want);
        let r = app.get(&format!("/v1/meetings?series_id={sid}"), Some(&w.members[0].token)).await.expect(200);
        assert!(items(&r).is_empty(), "{r}");
        app.get(&format!("/v1/meeting-series/{sid}"), Some(&w.members[0].token)).await.problem(403, "forbidden");
        // API tokens cannot list meetings.
        let t = app
            .post("/v1/api-tokens", Some(&w.manager.token), json!({"name": "t", "scopes": ["memberships:read"], "current_password": PASSWORD}))
            .await
            .expect(201);
        app.get("/v1/meetings", Some(str_of(&t["secret"]))).await.problem(403, "insufficient-scope");
        // Another network's people see none of it.
        let r = app.get("/v1/meetings", Some(&w.stranger.token)).await.expect(200);
        assert!(items(&r).is_empty(), "{r}");
        // A member who leaves stops seeing the community's meetings.
        let r = app.get("/v1/meetings", Some(&w.members[0].token)).await.expect(200);
        assert_eq!(ids(&r), [id_of(&m1)]);
        app.delete(&format!("/v1/communities/{}/members/{}", w.community_id, w.members[0].id), Some(&w.members[0].token))
            .await
            .expect(204);
        let r = app.get("/v1/meetings", Some(&w.members[0].token)).await.expect(200);
        assert!(items(&r).is_empty(), "{r}");
    }
}

dual! {
    async fn detail_shows_my_invitation_and_answer(app) {
        let w = cop_world(app, "mt-detail", 2).await;
        let m = schedule(app, &w, "Detail", "2030-05-01T10:00").await;
        let id = id_of(&m);
        let path = mpath(&id, "");
        let r = app.get(&path, Some(&w.members[0].token)).await;
        let d = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(d["id"], id.as_str());
        assert_eq!(d["title"], "Detail");
        assert_eq!(d["ical_uid"], format!("{id}@peerhub"));
        // Chair, co-chair, secretary and two members.
        assert_eq!(d["invitee_count"], 5);
        assert_eq!(d["invited"], true);
        assert_eq!(d["my_rsvp"], Value::Null);
        assert_eq!(d["carried_actions"], json!([]));
        assert_eq!(d["minutes_status"], Value::Null);

        rsvp(app, &id, &w.members[0].token, "apologies").await.expect(200);
        let d = app.get(&path, Some(&w.members[0].token)).await.expect(200);
        assert_eq!(d["my_rsvp"], "apologies");
        let d = app.get(&path, Some(&w.members[1].token)).await.expect(200);
        assert_eq!(d["my_rsvp"], Value::Null);
        // An RSVP does not change the meeting.
        assert_eq!((d["version"].clone(), d["sequence"].clone()), (json!(1), json!(0)));
        // A manager reads it but is not invited.
        let d = app.get(&path, Some(&w.manager.token)).await.expect(200);
        assert_eq!((d["invited"].clone(), d["invitee_count"].clone(), d["my_rsvp"].clone()), (json!(false), json!(5), Value::Null));
        assert_eq!(d["minutes_status"], Value::Null);
        let d = app.get(&path, Some(&w.secretary.token)).await.expect(200);
        assert_eq!((d["invited"].clone(), d["minutes_status"].clone()), (json!(true), Value::Null));

        app.get(&path, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&path, None).await.problem(401, "authentication-required");
        app.get(&mpath(NO_SUCH_ID, ""), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get("/v1/meetings/not-a-uuid", Some(&w.manager.token)).await.problem(400, "invalid-parameter");
    }
}

// ---------------------------------------------------------------------------
// Invitations, RSVP, attendance
// ---------------------------------------------------------------------------

dual! {
    async fn invitations_follow_membership(app) {
        let w = cop_world(app, "mt-invite", 2).await;
        let future = schedule(app, &w, "Future", "2030-10-01T10:00").await;
        let fid = id_of(&future);
        let past = schedule(app, &w, "Past", "2030-05-01T10:00").await;
        let pid = id_of(&past);
        move_into_past(app, &pid, 30).await;
        let d = app.get(&mpath(&fid, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(d["invitee_count"], 5);

        // Someone who joins now is invited to meetings still to come…
        add_member(app, &w.community_id, &w.outsider.id, CommunityRole::Member, 0).await;
        let d = app.get(&mpath(&fid, ""), Some(&w.outsider.token)).await.expect(200);
        assert_eq!((d["invited"].clone(), d["invitee_count"].clone()), (json!(true), json!(6)));
        rsvp(app, &fid, &w.outsider.token, "attending").await.expect(200);
        let a = app.get(&mpath(&fid, "/attendance"), Some(&w.chair.token)).await.expect(200);
        assert!(entry_ids(&a).contains(&w.outsider.id), "{a}");
        assert_eq!(entry(&a, &w.outsider.id)["rsvp"], "attending");
        // …but not to one that took place before they joined.
        let d = app.get(&mpath(&pid, ""), Some(&w.outsider.token)).await.expect(200);
        assert_eq!((d["invited"].clone(), d["invitee_count"].clone()), (json!(false), json!(5)));
        let a = app.get(&mpath(&pid, "/attendance"), Some(&w.chair.token)).await.expect(200);
        assert!(!entry_ids(&a).contains(&w.outsider.id), "{a}");
        assert_invalid_all(
            &put(app, &mpath(&pid, "/attendance"), Some(&w.chair.token), json!([{"user_id": w.outsider.id, "status": "present"}])).await,
            &[("[0].user_id", "not_invited")],
            "joined after the meeting",
        );

        // Someone who leaves drops out of meetings still to come…
        let leaver = &w.members[0];
        rsvp(app, &fid, &leaver.token, "attending").await.expect(200);
        app.delete(&format!("/v1/communities/{}/members/{}", w.community_id, leaver.id), Some(&leaver.token))
            .await
            .expect(204);
        let d = app.get(&mpath(&fid, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(d["invitee_count"], 5);
        let a = app.get(&mpath(&fid, "/attendance"), Some(&w.chair.token)).await.expect(200);
        assert!(!entry_ids(&a).contains(&leaver.id), "{a}");
        assert_eq!(counts(&a), (1, 0, 4), "only the newcomer's RSVP counts: {a}");
        rsvp(app, &fid, &leaver.token, "declined").await.problem(403, "forbidden");
        app.get(&mpath(&fid, ""), Some(&leaver.token)).await.problem(403, "forbidden");
        // …and can no longer present.
        assert_invalid_all(
            &put(app, &mpath(&fid, "/agenda"), Some(&w.chair.token), json!({"items": [{"title": "Talk", "presenter_id": leaver.id}]})).await,
            &[("items[0].presenter_id", "not_a_member")],
            "presenter who left",
        );
        // …but stays on the list of the meeting held while they were a member.
        let a = app.get(&mpath(&pid, "/attendance"), Some(&w.chair.token)).await.expect(200);
        assert!(entry_ids(&a).contains(&leaver.id), "{a}");
        assert_eq!(entry_ids(&a).len(), 5);
        let a = put(app, &mpath(&pid, "/attendance"), Some(&w.chair.token), json!([{"user_id": leaver.id, "status": "present"}]))
            .await
            .expect(200);
        assert_eq!(entry(&a, &leaver.id)["status"], "present");
        let d = app.get(&mpath(&pid, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(d["invitee_count"], 5);

        // Someone a manager removes drops out too.
        let removed = &w.members[1];
        app.delete(&format!("/v1/communities/{}/members/{}", w.community_id, removed.id), Some(&w.manager.token))
            .await
            .expect(204);
        rsvp(app, &fid, &removed.token, "attending").await.problem(403, "forbidden");
        let d = app.get(&mpath(&fid, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(d["invitee_count"], 4);
    }
}

dual! {
    async fn rsvp_until_the_meeting_starts(app) {
        let w = cop_world(app, "mt-rsvp", 2).await;
        let m = schedule(app, &w, "Answer me", "2030-05-01T10:00").await;
        let id = id_of(&m);
        let me = &w.members[0];

        let r = rsvp(app, &id, &me.token, "attending").await.expect(200);
        assert_eq!(r["meeting_id"], id.as_str());
        assert_eq!(r["user_id"], me.id.as_str());
        assert_eq!(r["response"], "attending");
        assert!(r["responded_at"].is_string(), "{r}");
        // Idempotent, then changed.
        let again = rsvp(app, &id, &me.token, "attending").await.expect(200);
        assert_eq!(again["response"], "attending");
        let changed = rsvp(app, &id, &me.token, "declined").await.expect(200);
        assert_eq!(changed["response"], "declined");
        let d = app.get(&mpath(&id, ""), Some(&me.token)).await.expect(200);
        assert_eq!(d["my_rsvp"], "declined");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM meeting_responses WHERE meeting_id = '{id}' AND user_id = '{}'", me.id)).await,
            1
        );
        // The core team are invited too.
        rsvp(app, &id, &w.chair.token, "apologies").await.expect(200);

        // Invalid answers.
        let path = mpath(&id, "/rsvp");
        assert_invalid_all(&rsvp(app, &id, &me.token, "maybe").await, &[("response", "invalid_type")], "maybe");
        assert_invalid_all(&put(app, &path, Some(&me.token), json!({})).await, &[("response", "required")], "missing");
        assert_invalid_all(&put(app, &path, Some(&me.token), json!({"response": "attending", "note": "x"})).await, &[("note", "unknown_field")], "unknown");
        assert_invalid_all(&put(app, &path, Some(&me.token), json!({"response": true})).await, &[("response", "invalid_type")], "type");
        let d = app.get(&mpath(&id, ""), Some(&me.token)).await.expect(200);
        assert_eq!(d["my_rsvp"], "declined");

        // Who may not answer.
        rsvp(app, &id, &w.outsider.token, "attending").await.problem(403, "forbidden");
        rsvp(app, &id, &w.stranger.token, "attending").await.problem(404, "not-found");
        rsvp(app, &id, &w.manager.token, "attending").await.problem(403, "not-invited");
        put(app, &path, None, json!({"response": "attending"})).await.problem(401, "authentication-required");
        rsvp(app, NO_SUCH_ID, &me.token, "attending").await.problem(404, "not-found");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meeting_responses WHERE meeting_id = '{id}'")).await, 2);

        // Answers show in the attendance list.
        let a = app.get(&mpath(&id, "/attendance"), Some(&w.chair.token)).await.expect(200);
        assert_eq!(entry(&a, &me.id)["rsvp"], "declined");
        assert_eq!(entry(&a, &w.chair.id)["rsvp"], "apologies");
        assert_eq!(entry(&a, &w.members[1].id)["rsvp"], Value::Null);

        // Not once the meeting is cancelled.
        let c = schedule(app, &w, "Cancelled", "2030-06-01T10:00").await;
        let cid = id_of(&c);
        cancel(app, &cid, &w.chair.token, "No quorum").await.expect(200);
        rsvp(app, &cid, &me.token, "attending").await.problem(409, "meeting-cancelled");
        // Nor once it has started.
        move_into_past(app, &id, 1).await;
        rsvp(app, &id, &me.token, "attending").await.problem(409, "meeting-started");
        rsvp(app, &id, &w.members[1].token, "apologies").await.problem(409, "meeting-started");
        let d = app.get(&mpath(&id, ""), Some(&me.token)).await.expect(200);
        assert_eq!(d["my_rsvp"], "declined");
        let d = app.get(&mpath(&id, ""), Some(&w.members[1].token)).await.expect(200);
        assert_eq!(d["my_rsvp"], Value::Null);
    }
}

dual! {
    async fn attendance_is_recorded_by_core_once_started(app) {
        let w = cop_world(app, "mt-attend", 3).await;
        let m = schedule(app, &w, "Attendance", "2030-05-01T10:00").await;
        let id = id_of(&m);
        let path = mpath(&id, "/attendance");
        let (m0, m1, m2) = (&w.members[0], &w.members[1], &w.members[2]);
        rsvp(app, &id, &m0.token, "attending").await.expect(200);
        rsvp(app, &id, &m1.token, "apologies").await.expect(200);
        rsvp(app, &id, &m2.token, "declined").await.expect(200);
        rsvp(app, &id, &w.chair.token, "attending").await.expect(200);

        // Before it starts: readable by the core team and managers, defaults from the RSVPs.
        for t in [&w.secretary.token, &w.chair.token, &w.manager.token] {
            let a = app.get(&path, Some(t)).await.expect(200);
            assert_eq!(a["meeting_id"], id.as_str());
            assert_eq!(a["meeting_status"], "scheduled");
            assert_eq!(entry_ids(&a).len(), 6);
            assert_eq!(counts(&a), (2, 1, 3), "{a}");
        }
        let a = app.get(&path, Some(&w.chair.token)).await.expect(200);
        let view = |u: &str| -> (Value, Value, Value) {
            let e = entry(&a, u);
            (e["rsvp"].clone(), e["recorded"].clone(), e["status"].clone())
        };
        assert_eq!(view(&m0.id), (json!("attending"), Value::Null, json!("present")));
        assert_eq!(view(&m1.id), (json!("apologies"), Value::Null, json!("apologies")));
        assert_eq!(view(&m2.id), (json!("declined"), Value::Null, json!("absent")));
        assert_eq!(view(&w.co_chair.id), (Value::Null, Value::Null, json!("absent")));
        assert!(entry(&a, &m0.id)["display_name"].is_string());
        app.get(&path, Some(&m0.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");

        let body = json!([{"user_id": m0.id, "status": "present"}]);
        put(app, &path, Some(&w.secretary.token), body.clone()).await.problem(409, "meeting-not-started");
        move_into_past(app, &id, 3).await;
        put(app, &path, Some(&m0.token), body.clone()).await.problem(403, "forbidden");
        put(app, &path, Some(&w.outsider.token), body.clone()).await.problem(403, "forbidden");
        put(app, &path, Some(&w.stranger.token), body.clone()).await.problem(404, "not-found");

        // Refused records change nothing.
        let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
            (json!([{"user_id": w.outsider.id, "status": "present"}]), vec![("[0].user_id", "not_invited")]),
            (json!([{"user_id": m0.id, "status": "present"}, {"user_id": w.stranger.id, "status": "present"}]), vec![("[1].user_id", "not_invited")]),
            (json!([{"user_id": m0.id, "status": "present"}, {"user_id": m0.id, "status": "absent"}]), vec![("[1].user_id", "duplicate")]),
            (json!([{"user_id": m0.id, "status": "late"}]), vec![("[0].status", "invalid_type")]),
            (json!([{"user_id": m0.id}]), vec![("[0].status", "required")]),
            (json!({"user_id": m0.id, "status": "present"}), vec![("body", "invalid_type")]),
        ];
        for (b, expected) in cases {
            let r = put(app, &path, Some(&w.chair.token), b.clone()).await;
            assert_invalid_all(&r, &expected, &b.to_string());
        }
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meeting_responses WHERE meeting_id = '{id}' AND attendance IS NOT NULL")).await, 0);
        let d = app.get(&mpath(&id, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!((d["status"].clone(), d["version"].clone()), (json!("scheduled"), json!(1)));

        // Recorded: overrides the RSVP, marks the meeting held (ids in any case).
        let a = put(app, &path, Some(&w.secretary.token), json!([
            {"user_id": m2.id, "status": "present"},
            {"user_id": m1.id.to_uppercase(), "status": "absent"}
        ]))
        .await
        .expect(200);
        assert_eq!(a["meeting_status"], "held");
        assert_eq!(counts(&a), (3, 0, 3), "{a}");
        let e = entry(&a, &m2.id);
        assert_eq!((e["rsvp"].clone(), e["recorded"].clone(), e["status"].clone()), (json!("declined"), json!("present"), json!("present")));
        let e = entry(&a, &m1.id);
        assert_eq!((e["recorded"].clone(), e["status"].clone()), (json!("absent"), json!("absent")));
        assert_eq!(entry(&a, &m0.id)["recorded"], Value::Null);
        let d = app.get(&mpath(&id, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(d["status"], "held");
        assert_eq!(d["sequence"], 0, "being held is not a calendar change");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meeting_responses WHERE meeting_id = '{id}' AND attendance_by = '{}'", w.secretary.id)).await, 2);
        // People not listed keep what they had; a manager may record.
        let a = put(app, &path, Some(&w.manager.token), json!([{"user_id": m2.id, "status": "apologies"}, {"user_id": w.co_chair.id, "status": "present"}]))
            .await
            .expect(200);
        assert_eq!(counts(&a), (3, 1, 2), "{a}");
        assert_eq!(entry(&a, &m1.id)["recorded"], "absent");
        assert_eq!(entry(&a, &m2.id)["status"], "apologies");
        let a = put(app, &path, Some(&w.chair.token), json!([])).await.expect(200);
        assert_eq!((a["meeting_status"].clone(), counts(&a)), (json!("held"), (3, 1, 2)));
        let d = app.get(&mpath(&id, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!(d["status"], "held");

        // Not for a cancelled meeting, even once its time has passed.
        let c = schedule(app, &w, "Cancelled", "2030-06-01T10:00").await;
        let cid = id_of(&c);
        cancel(app, &cid, &w.chair.token, "No quorum").await.expect(200);
        move_into_past(app, &cid, 2).await;
        put(app, &mpath(&cid, "/attendance"), Some(&w.chair.token), body).await.problem(409, "meeting-cancelled");
    }
}

dual! {
    async fn archived_communities_schedule_and_change_nothing(app) {
        let w = cop_world(app, "mt-archived", 1).await;
        let m = schedule(app, &w, "Before archiving", "2030-05-01T10:00").await;
        let id = id_of(&m);
        app.post(&w.community_path("/archive"), Some(&w.manager.token), json!({})).await.expect(200);
        app.post(&w.community_path("/meetings"), Some(&w.chair.token), teams_meeting("After", "2030-06-01T10:00"))
            .await
            .problem(409, "community-archived");
        app.post(&w.community_path("/meeting-series"), Some(&w.manager.token), json!({
            "first_starts_at_local": "2030-06-01T10:00", "timezone": "Europe/London", "count": 2, "join_url": TEAMS_URL
        }))
        .await
        .problem(409, "community-archived");
        app.patch(&mpath(&id, ""), Some(&w.chair.token), json!({"title": "Renamed"})).await.problem(409, "community-archived");
        put(app, &mpath(&id, "/agenda"), Some(&w.chair.token), json!({"items": []})).await.problem(409, "community-archived");
        assert_eq!(meeting_count(app).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM meeting_series").await, 0);
        // Its records stay readable.
        let d = app.get(&mpath(&id, ""), Some(&w.members[0].token)).await.expect(200);
        assert_eq!((d["title"].clone(), d["version"].clone()), (json!("Before archiving"), json!(1)));
    }
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

dual! {
    async fn changes_emit_meeting_events(app) {
        let w = cop_world(app, "mt-events", 1).await;
        let m = schedule(app, &w, "Evented", "2030-04-01T10:00").await;
        let id = id_of(&m);

        let check_common = |p: &Value| {
            assert_eq!(p["meeting_id"], id.as_str(), "{p}");
            assert_eq!(p["community_id"], w.community_id.as_str(), "{p}");
            assert_eq!(p["community_name"], w.community_name.as_str(), "{p}");
            assert_eq!(p["network_id"], w.network_id.as_str(), "{p}");
            assert_eq!(p["timezone"], "Europe/London", "{p}");
            assert_eq!(p["ical_uid"], format!("{id}@peerhub"), "{p}");
        };
        let s = events(app, "meeting.scheduled", &id).await;
        assert_eq!(s.len(), 1);
        let p = &s[0];
        check_common(p);
        assert_eq!(p["title"], "Evented");
        assert_eq!(p["starts_at"], "2030-04-01T09:00:00Z");
        assert_eq!(p["ends_at"], "2030-04-01T11:00:00Z");
        assert_eq!(p["starts_at_local"], "2030-04-01T10:00:00");
        assert_eq!(p["join_url"], TEAMS_URL);
        assert_eq!(p["mode"], "teams");
        assert_eq!(p["status"], "scheduled");
        assert_eq!(p["ical_sequence"], 0);
        assert_eq!(p["series_id"], Value::Null);
        assert_eq!(p["agenda"], json!(["Welcome"]));
        let rows = app
            .query(&format!("SELECT kind, network_id, aggregate_type FROM outbox WHERE topic = 'meeting.scheduled' AND aggregate_id = '{id}'"))
            .await;
        assert_eq!(rows, vec![vec![json!("event"), json!(w.network_id), json!("meeting")]]);

        // A change.
        app.patch(&mpath(&id, ""), Some(&w.chair.token), json!({"starts_at_local": "2030-04-02T14:00", "join_url": "https://teams.microsoft.com/l/meetup-join/new"}))
            .await
            .expect(200);
        let u = events(app, "meeting.updated", &id).await;
        assert_eq!(u.len(), 1);
        check_common(&u[0]);
        assert_eq!(u[0]["starts_at"], "2030-04-02T13:00:00Z");
        assert_eq!(u[0]["join_url"], "https://teams.microsoft.com/l/meetup-join/new");
        assert_eq!(u[0]["status"], "scheduled");
        assert_eq!(u[0]["ical_sequence"], 1);
        // A change to nothing sends nothing.
        app.patch(&mpath(&id, ""), Some(&w.chair.token), json!({"title": "Evented"})).await.expect(200);
        assert_eq!(events(app, "meeting.updated", &id).await.len(), 1);
        // The agenda is part of the calendar entry.
        put(app, &mpath(&id, "/agenda"), Some(&w.chair.token), json!({"items": [{"title": "Welcome"}, {"title": "Cases"}]}))
            .await
            .expect(200);
        let u = events(app, "meeting.updated", &id).await;
        assert_eq!(u.len(), 2);
        assert_eq!((u[1]["ical_sequence"].clone(), u[1]["agenda"].clone()), (json!(2), json!(["Welcome", "Cases"])));
        // RSVPs are not calendar changes.
        rsvp(app, &id, &w.members[0].token, "attending").await.expect(200);
        assert_eq!(events(app, "meeting.updated", &id).await.len(), 2);

        // Cancelled.
        cancel(app, &id, &w.chair.token, "Speaker unavailable").await.expect(200);
        let c = events(app, "meeting.cancelled", &id).await;
        assert_eq!(c.len(), 1);
        check_common(&c[0]);
        assert_eq!(c[0]["status"], "cancelled");
        assert_eq!(c[0]["cancel_reason"], "Speaker unavailable");
        assert_eq!(c[0]["ical_sequence"], 3);
        assert_eq!(c[0]["starts_at"], "2030-04-02T13:00:00Z");
        assert_eq!(c[0]["join_url"], "https://teams.microsoft.com/l/meetup-join/new");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE aggregate_id = '{id}' AND topic LIKE 'meeting.%'")).await, 4);

        // A series: one scheduled event per occurrence, each naming the series.
        let s = app
            .post(&w.community_path("/meeting-series"), Some(&w.chair.token), json!({
                "first_starts_at_local": "2030-07-01T10:00", "timezone": "Europe/London", "count": 2, "join_url": TEAMS_URL
            }))
            .await
            .expect(201);
        let sid = id_of(&s);
        for o in s["meetings"].as_array().cloned().unwrap_or_default() {
            let e = events(app, "meeting.scheduled", &id_of(&o)).await;
            assert_eq!(e.len(), 1);
            assert_eq!((e[0]["series_id"].clone(), e[0]["starts_at"].clone()), (json!(sid), o["starts_at"].clone()));
        }
    }
}

dual! {
    async fn every_meeting_subresource_answers_404_for_an_unknown_or_hidden_meeting(app) {
        let w = cop_world(app, "mt-subres-404", 1).await;
        let r = app.post(&w.community_path("/meetings"), Some(&w.chair.token), json!({
            "title": "Hidden", "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London",
            "duration_minutes": 60, "mode": "teams", "join_url": TEAMS_URL
        })).await.expect(201);
        let real = r["id"].as_str().unwrap().to_owned();
        let gets = ["", "/attendance", "/minutes", "/minutes/revisions", "/calendar.ics"];
        let puts = [
            ("/agenda", json!({"items": []})),
            ("/rsvp", json!({"response": "attending"})),
            ("/attendance", json!([])),
            ("/minutes", json!({})),
        ];
        let posts = [("/cancel", json!({"reason": "x"})), ("/minutes/submit", json!({})), ("/minutes/approve", json!({}))];
        // Unknown to everyone; and a real meeting of a network the caller is not in.
        for (id, token) in [(NO_SUCH_ID, &w.chair.token), (real.as_str(), &w.stranger.token)] {
            for rest in gets {
                app.get(&mpath(id, rest), Some(token)).await.problem(404, "not-found");
            }
            for (rest, body) in &puts {
                put(app, &mpath(id, rest), Some(token), body.clone()).await.problem(404, "not-found");
            }
            for (rest, body) in &posts {
                app.post(&mpath(id, rest), Some(token), body.clone()).await.problem(404, "not-found");
            }
        }
        // Someone in the network but not the community may not read them.
        for rest in ["/minutes/revisions", "/calendar.ics", "/minutes"] {
            app.get(&mpath(&real, rest), Some(&w.outsider.token)).await.problem(403, "forbidden");
        }
    }
}

dual! {
    async fn unknown_enum_values_answer_422_naming_the_allowed_values(app) {
        let w = cop_world(app, "mt-enums", 1).await;
        let modes = ["in_person", "teams", "zoom", "other"];
        // Meetings: a query filter and a body field.
        let r = app.get(&format!("/v1/meetings?community_id={}&status=postponed", w.community_id), Some(&w.chair.token)).await;
        assert_invalid_all(&r, &[("status", "invalid_value")], "status filter");
        assert_allowed_values(&r, "status", &["scheduled", "held", "cancelled"]);
        let body = json!({"title": "x", "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London", "duration_minutes": 60, "mode": "hologram"});
        let r = app.post(&w.community_path("/meetings"), Some(&w.chair.token), body).await;
        assert_invalid_all(&r, &[("mode", "invalid_type")], "create mode");
        assert_allowed_values(&r, "mode", &modes);
        let m = schedule(app, &w, "Enums", "2031-05-01T10:00").await;
        let id = id_of(&m);
        let r = app.patch(&mpath(&id, ""), Some(&w.chair.token), json!({"mode": "Teams"})).await;
        assert_allowed_values(&r, "mode", &modes);
        // Series.
        let r = app
            .post(&w.community_path("/meeting-series"), Some(&w.chair.token), json!({
                "first_starts_at_local": "2031-06-01T10:00", "timezone": "Europe/London", "count": 2, "mode": "fax"
            }))
            .await;
        assert_invalid_all(&r, &[("mode", "invalid_type")], "series mode");
        assert_allowed_values(&r, "mode", &modes);
        // RSVP and attendance.
        let r = rsvp(app, &id, &w.members[0].token, "maybe").await;
        assert_allowed_values(&r, "response", &["attending", "apologies", "declined"]);
        let r = put(app, &mpath(&id, "/attendance"), Some(&w.chair.token), json!([{"user_id": w.members[0].id, "status": "late"}])).await;
        assert_allowed_values(&r, "[0].status", &["present", "apologies", "absent"]);
        // Nothing was written by the refused requests.
        assert_eq!(meeting_count(app).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM meeting_responses").await, 0);
        // Responses carry the codes.
        let d = app.get(&mpath(&id, ""), Some(&w.chair.token)).await.expect(200);
        assert_eq!((d["mode"].as_str(), d["status"].as_str(), d["my_rsvp"].as_str()), (Some("teams"), Some("scheduled"), None));
    }
}
