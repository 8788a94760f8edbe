//! Minutes ("notes with actions"): drafting and its defaults, who may
//! draft, submit and approve, validation, visibility of drafts, publication
//! and its event, revisions, and the tracked actions they record (listing,
//! reading, marking done, carrying forward to the next meeting).
use peerhub_domain::community::CommunityRole;
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn teams_meeting(title: &str, local: &str) -> Value {
    json!({
        "title": title, "starts_at_local": local, "timezone": "Europe/London", "duration_minutes": 120,
        "mode": "teams", "join_url": "https://teams.example.org/x",
        "agenda": [{"title": "Welcome"}, {"title": "Case discussion"}]
    })
}

/// Schedules a Teams meeting (agenda: Welcome, Case discussion); its id.
async fn schedule(
    app: &TestApp,
    community_id: &str,
    token: &str,
    title: &str,
    local: &str,
) -> String {
    let r = app
        .post(
            &format!("/v1/communities/{community_id}/meetings"),
            Some(token),
            teams_meeting(title, local),
        )
        .await;
    r.expect(201)["id"].as_str().unwrap().to_owned()
}

/// A meeting that started about `days` days ago.
async fn past_meeting(app: &TestApp, community_id: &str, token: &str, days: i64) -> String {
    let id = schedule(
        app,
        community_id,
        token,
        "Quarterly meeting",
        "2031-05-01T10:00",
    )
    .await;
    move_into_past(app, &id, days).await;
    id
}

/// A new community in the world's network with exactly these people.
async fn community_with(
    app: &TestApp,
    w: &CopWorld,
    people: &[(&Person, CommunityRole)],
) -> String {
    let c = app
        .community(&w.manager.token, &w.network_id, "closed", 20, json!({}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    for (p, role) in people {
        add_member(app, &id, &p.id, *role, JOINED_DAYS_AGO).await;
    }
    id
}

fn minutes_path(meeting_id: &str) -> String {
    format!("/v1/meetings/{meeting_id}/minutes")
}

async fn put_minutes(app: &TestApp, meeting_id: &str, token: &str, body: Value) -> Resp {
    app.send(
        app.req(Method::PUT, &minutes_path(meeting_id), Some(token))
            .json(&body),
    )
    .await
}

async fn put_minutes_if(
    app: &TestApp,
    meeting_id: &str,
    token: &str,
    body: Value,
    if_match: &str,
) -> Resp {
    app.send(
        app.req(Method::PUT, &minutes_path(meeting_id), Some(token))
            .header("If-Match", if_match)
            .json(&body),
    )
    .await
}

async fn step(
    app: &TestApp,
    meeting_id: &str,
    what: &str,
    token: &str,
    if_match: Option<&str>,
) -> Resp {
    let mut rb = app.req(
        Method::POST,
        &format!("/v1/meetings/{meeting_id}/minutes/{what}"),
        Some(token),
    );
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb).await
}

async fn submit(app: &TestApp, meeting_id: &str, token: &str) -> Resp {
    step(app, meeting_id, "submit", token, None).await
}

async fn approve(app: &TestApp, meeting_id: &str, token: &str) -> Resp {
    step(app, meeting_id, "approve", token, None).await
}

/// Drafts and submits as `drafter`, approves as `approver`; the published
/// working copy.
async fn publish_as(
    app: &TestApp,
    meeting_id: &str,
    drafter: &str,
    approver: &str,
    body: Value,
) -> Value {
    put_minutes(app, meeting_id, drafter, body)
        .await
        .expect(200);
    submit(app, meeting_id, drafter).await.expect(200);
    approve(app, meeting_id, approver).await.expect(200)
}

/// Drafted and submitted by the secretary, approved by the chair.
async fn publish(app: &TestApp, w: &CopWorld, meeting_id: &str, body: Value) -> Value {
    publish_as(app, meeting_id, &w.secretary.token, &w.chair.token, body).await
}

fn act(description: &str, owner: &Person, due_on: &str) -> Value {
    json!({"description": description, "owner_id": owner.id, "due_on": due_on})
}

async fn patch_action(
    app: &TestApp,
    action_id: &str,
    token: &str,
    body: Value,
    if_match: Option<&str>,
) -> Resp {
    let mut rb = app.req(
        Method::PATCH,
        &format!("/v1/actions/{action_id}"),
        Some(token),
    );
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb.json(&body)).await
}

async fn mark(app: &TestApp, action_id: &str, token: &str, status: &str) -> Value {
    patch_action(app, action_id, token, json!({"status": status}), None)
        .await
        .expect(200)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn sorted_strs(v: &Value) -> Vec<String> {
    let mut s = strs(v);
    s.sort();
    s
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut s: Vec<String> = ids.iter().map(|x| (*x).to_owned()).collect();
    s.sort();
    s
}

/// A field of each item of a page or array.
fn each(v: &Value, key: &str) -> Vec<String> {
    let arr = v.get("items").unwrap_or(v);
    arr.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn meeting_status(app: &TestApp, meeting_id: &str, token: &str) -> String {
    app.get(&format!("/v1/meetings/{meeting_id}"), Some(token))
        .await
        .expect(200)["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn actions(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/v1/actions{query}"), Some(token))
        .await
        .expect(200)
}

async fn published_events(app: &TestApp) -> Vec<Value> {
    app.query("SELECT payload FROM outbox WHERE topic = 'minutes.published'")
        .await
        .into_iter()
        .map(|row| {
            serde_json::from_str(row[0].as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("payload not JSON: {e}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Drafting
// ---------------------------------------------------------------------------

dual! {
    async fn draft_prefills_from_the_meeting(app) {
        let w = cop_world(app, "mn-prefill", 3).await;
        let (m0, m1, m2) = (&w.members[0], &w.members[1], &w.members[2]);
        let id = schedule(app, &w.community_id, &w.chair.token, "Spring meeting", "2031-05-01T10:00").await;
        for (p, answer) in [(m0, "attending"), (m1, "apologies"), (m2, "declined")] {
            app.send(
                app.req(Method::PUT, &format!("/v1/meetings/{id}/rsvp"), Some(&p.token))
                    .json(&json!({"response": answer})),
            )
            .await
            .expect(200);
        }
        move_into_past(app, &id, 30).await;
        let recorded = json!([
            {"user_id": w.chair.id, "status": "present"},
            {"user_id": w.secretary.id, "status": "present"},
            {"user_id": w.co_chair.id, "status": "apologies"}
        ]);
        app.send(
            app.req(Method::PUT, &format!("/v1/meetings/{id}/attendance"), Some(&w.secretary.token))
                .json(&recorded),
        )
        .await
        .expect(200);
        let meeting = app.get(&format!("/v1/meetings/{id}"), Some(&w.chair.token)).await.expect(200);

        let r = put_minutes(app, &id, &w.secretary.token, json!({})).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(v["meeting_id"], id.as_str());
        assert_eq!(v["community_id"], w.community_id.as_str());
        assert_eq!(v["status"], "draft");
        assert_eq!(v["revision"], 1);
        assert_eq!(v["published_revision"], Value::Null);
        assert_eq!(v["version"], 1);
        assert_eq!(v["held_at"], meeting["starts_at"]);
        assert_eq!(v["mode"], "teams");
        assert_eq!(v["chair_id"], w.chair.id.as_str());
        assert_eq!(
            sorted_strs(&v["attendees"]),
            sorted(&[&w.chair.id, &w.secretary.id, &m0.id]),
            "present: recorded, else RSVP attending: {v}"
        );
        assert_eq!(sorted_strs(&v["apologies"]), sorted(&[&w.co_chair.id, &m1.id]));
        assert_eq!(
            v["items"],
            json!([
                {"agenda_item": "Welcome", "discussion": "", "decisions": []},
                {"agenda_item": "Case discussion", "discussion": "", "decisions": []}
            ])
        );
        assert_eq!(v["actions"], json!([]));
        assert_eq!(v["drafted_by"], w.secretary.id.as_str());
        assert_eq!(v["submitted_by"], Value::Null);
        assert_eq!(v["approved_by"], Value::Null);
        assert_eq!(v["people"][&w.chair.id], "chair.mn-prefill");
        assert_eq!(v["people"][&m1.id], "member1.mn-prefill");
        assert_eq!(v["people"][&w.secretary.id], "secretary.mn-prefill");

        // A read gives the same working copy.
        let g = app.get(&minutes_path(&id), Some(&w.chair.token)).await;
        assert_eq!(g.expect(200), v);
        assert_eq!(g.header("etag").as_deref(), Some("\"1\""));

        // Given fields win over the defaults.
        let r = put_minutes_if(app, &id, &w.secretary.token, json!({
            "held_at": "2030-01-02T09:30:00Z", "mode": "in_person", "chair_id": w.co_chair.id,
            "attendees": [w.co_chair.id, m2.id], "apologies": [w.chair.id],
            "items": [{"agenda_item": "  Only item ", "discussion": "Line one\nLine two", "decisions": ["Agreed A", "Agreed B"]}],
            "actions": [act("Circulate slides", m2, "2031-06-01")]
        }), "\"1\"").await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!((v["status"].as_str(), v["revision"].as_i64(), v["version"].as_i64()), (Some("draft"), Some(1), Some(2)));
        assert_eq!(v["held_at"], "2030-01-02T09:30:00Z");
        assert_eq!(v["mode"], "in_person");
        assert_eq!(v["chair_id"], w.co_chair.id.as_str());
        assert_eq!(strs(&v["attendees"]), vec![w.co_chair.id.clone(), m2.id.clone()]);
        assert_eq!(strs(&v["apologies"]), vec![w.chair.id.clone()]);
        assert_eq!(
            v["items"],
            json!([{"agenda_item": "Only item", "discussion": "Line one\nLine two", "decisions": ["Agreed A", "Agreed B"]}])
        );
        assert_eq!(v["actions"].as_array().unwrap().len(), 1);
        assert_eq!(v["actions"][0]["id"], Value::Null, "ids come with publication: {v}");
        assert_eq!(v["actions"][0]["description"], "Circulate slides");
        assert_eq!(v["actions"][0]["owner_id"], m2.id.as_str());
        assert_eq!(v["actions"][0]["due_on"], "2031-06-01");
        assert_eq!(v["people"][&m2.id], "member2.mn-prefill");

        // A stale If-Match is refused and changes nothing.
        put_minutes_if(app, &id, &w.secretary.token, json!({}), "\"1\"").await.problem(412, "stale-version");
        assert_eq!(app.get(&minutes_path(&id), Some(&w.chair.token)).await.expect(200)["version"], 2);

        // Absent fields are filled again: only attendees given.
        let v = put_minutes(app, &id, &w.secretary.token, json!({"attendees": [w.chair.id]})).await.expect(200);
        assert_eq!(strs(&v["attendees"]), vec![w.chair.id.clone()]);
        assert_eq!(sorted_strs(&v["apologies"]), sorted(&[&w.co_chair.id, &m1.id]));
        assert_eq!(v["chair_id"], w.chair.id.as_str());
        assert_eq!(v["mode"], "teams");
        assert_eq!(v["held_at"], meeting["starts_at"]);
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert_eq!(v["actions"], json!([]));
        assert_eq!(v["version"], 3);
        assert_eq!(app.count("SELECT COUNT(*) FROM minutes").await, 1);
    }
}

dual! {
    async fn who_may_draft(app) {
        let w = cop_world(app, "mn-drafters", 1).await;
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        for p in [&w.chair, &w.co_chair, &w.members[0], &w.manager] {
            put_minutes(app, &id, &p.token, json!({})).await.problem(403, "not-minute-taker");
        }
        put_minutes(app, &id, &w.outsider.token, json!({})).await.problem(403, "forbidden");
        put_minutes(app, &id, &w.stranger.token, json!({})).await.problem(404, "not-found");
        assert_eq!(app.count("SELECT COUNT(*) FROM minutes").await, 0);
        assert_eq!(meeting_status(app, &id, &w.chair.token).await, "scheduled");

        // The secretary drafts; that marks the meeting held.
        let v = put_minutes(app, &id, &w.secretary.token, json!({})).await.expect(200);
        assert_eq!(v["drafted_by"], w.secretary.id.as_str());
        assert_eq!(meeting_status(app, &id, &w.chair.token).await, "held");
        // Still nobody else, now that a draft exists.
        put_minutes(app, &id, &w.chair.token, json!({})).await.problem(403, "not-minute-taker");

        // Without a secretary the chair and a co-chair draft.
        let cid = community_with(app, &w, &[
            (&w.chair, CommunityRole::Chair), (&w.co_chair, CommunityRole::CoChair), (&w.members[0], CommunityRole::Member),
        ]).await;
        let id2 = past_meeting(app, &cid, &w.manager.token, 10).await;
        put_minutes(app, &id2, &w.members[0].token, json!({})).await.problem(403, "not-minute-taker");
        put_minutes(app, &id2, &w.manager.token, json!({})).await.problem(403, "not-minute-taker");
        put_minutes(app, &id2, &w.secretary.token, json!({})).await.problem(403, "forbidden");
        let v = put_minutes(app, &id2, &w.chair.token, json!({})).await.expect(200);
        assert_eq!((v["drafted_by"].as_str(), v["version"].as_i64()), (Some(w.chair.id.as_str()), Some(1)));
        assert_eq!(v["chair_id"], w.chair.id.as_str());
        let v = put_minutes(app, &id2, &w.co_chair.token, json!({})).await.expect(200);
        assert_eq!((v["drafted_by"].as_str(), v["version"].as_i64()), (Some(w.co_chair.id.as_str()), Some(2)));

        // Once the community has a secretary, the chair no longer drafts.
        add_member(app, &cid, &w.secretary.id, CommunityRole::Secretary, JOINED_DAYS_AGO).await;
        put_minutes(app, &id2, &w.chair.token, json!({})).await.problem(403, "not-minute-taker");
        put_minutes(app, &id2, &w.co_chair.token, json!({})).await.problem(403, "not-minute-taker");
        put_minutes(app, &id2, &w.secretary.token, json!({})).await.expect(200);
    }
}

dual! {
    async fn draft_needs_a_started_meeting_that_was_not_cancelled(app) {
        let w = cop_world(app, "mn-notstarted", 0).await;
        let future = schedule(app, &w.community_id, &w.chair.token, "Future", "2031-05-01T10:00").await;
        put_minutes(app, &future, &w.secretary.token, json!({})).await.problem(409, "meeting-not-started");
        assert_eq!(meeting_status(app, &future, &w.chair.token).await, "scheduled");

        let cancelled = schedule(app, &w.community_id, &w.chair.token, "Cancelled", "2031-06-01T10:00").await;
        app.post(&format!("/v1/meetings/{cancelled}/cancel"), Some(&w.chair.token), json!({"reason": "Clashes with the conference"}))
            .await
            .expect(200);
        move_into_past(app, &cancelled, 5).await;
        put_minutes(app, &cancelled, &w.secretary.token, json!({})).await.problem(409, "meeting-cancelled");
        assert_eq!(meeting_status(app, &cancelled, &w.chair.token).await, "cancelled");

        let missing = "0193a6f2-0000-7b3a-9d4e-2f1a0b9c8d7e";
        put_minutes(app, missing, &w.secretary.token, json!({})).await.problem(404, "not-found");
        put_minutes(app, "not-a-uuid", &w.secretary.token, json!({})).await.problem(400, "invalid-parameter");
        assert_eq!(app.count("SELECT COUNT(*) FROM minutes").await, 0);
    }
}

dual! {
    async fn minutes_are_validated(app) {
        let w = cop_world(app, "mn-invalid", 2).await;
        let (m0, m1) = (&w.members[0], &w.members[1]);
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        let unknown = "0193a6f2-0000-7b3a-9d4e-2f1a0b9c8d7e";
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"actions": [act("Circulate slides", &w.outsider, "2031-06-01")]}), "actions[0].owner_id", "not_a_member"),
            (json!({"actions": [act("Fine", m0, "2031-06-01"), act("Circulate slides", &w.stranger, "2031-06-01")]}), "actions[1].owner_id", "not_a_member"),
            (json!({"attendees": [w.outsider.id]}), "attendees[0]", "not_invited"),
            (json!({"apologies": [m0.id, w.stranger.id]}), "apologies[1]", "not_invited"),
            (json!({"attendees": [m0.id, m1.id], "apologies": [w.chair.id, m1.id]}), "apologies[1]", "conflict"),
            (json!({"chair_id": w.outsider.id}), "chair_id", "not_invited"),
            (json!({"attendees": [m0.id, m1.id, m0.id]}), "attendees[2]", "duplicate"),
            (json!({"attendees": [], "apologies": [m1.id, m1.id]}), "apologies[1]", "duplicate"),
            (json!({"actions": [{"id": unknown, "description": "Circulate slides", "owner_id": m0.id, "due_on": "2031-06-01"}]}), "actions[0].id", "unknown_action"),
            (json!({"actions": [act("   ", m0, "2031-06-01")]}), "actions[0].description", "required"),
            (json!({"actions": [act("Circulate slides", m0, "01/06/2031")]}), "actions[0].due_on", "invalid_type"),
            (json!({"actions": [act("Circulate slides", m0, "2031-02-30")]}), "actions[0].due_on", "invalid_type"),
            (json!({"actions": [{"description": "Circulate slides", "owner_id": m0.id}]}), "actions[0].due_on", "required"),
            (json!({"actions": [{"description": "x", "owner_id": m0.id, "due_on": "2031-06-01", "priority": "high"}]}), "actions[0].priority", "unknown_field"),
            (json!({"mode": "carrier_pigeon"}), "mode", "invalid_type"),
            (json!({"location": "Room 1"}), "location", "unknown_field"),
            (json!({"held_at": "yesterday"}), "held_at", "invalid_type"),
            (json!({"items": [{"agenda_item": " ", "discussion": "x"}]}), "items[0].agenda_item", "required"),
            (json!({"items": [{"agenda_item": "A", "discussion": "bad\u{7}bell"}]}), "items[0].discussion", "control_characters"),
            (json!({"items": [{"agenda_item": "A", "decisions": ["ok", ""]}]}), "items[0].decisions", "required"),
        ];
        for (body, field, code) in cases {
            let r = put_minutes(app, &id, &w.secretary.token, body.clone()).await;
            assert!(r.status.as_u16() == 422, "{body} → {} {}", r.status, r.text);
            assert_violation(&r, field, code);
        }
        // Every problem is reported at once.
        let r = put_minutes(app, &id, &w.secretary.token, json!({
            "attendees": [w.outsider.id], "actions": [act("Circulate slides", &w.outsider, "2031-06-01")]
        })).await;
        let p = r.problem(422, "validation-failed");
        let v = field_codes(&p);
        assert!(v.contains(&("attendees[0]".into(), "not_invited".into())), "{}", r.text);
        assert!(v.contains(&("actions[0].owner_id".into(), "not_a_member".into())), "{}", r.text);

        // Nothing was saved and the meeting was not marked held.
        assert_eq!(app.count("SELECT COUNT(*) FROM minutes").await, 0);
        assert_eq!(meeting_status(app, &id, &w.chair.token).await, "scheduled");
        app.get(&minutes_path(&id), Some(&w.chair.token)).await.problem(404, "not-found");

        // An action's owner need only be a current member, while attendees
        // must have been invited (members when it started).
        let late = w.outsider.clone();
        add_member(app, &w.community_id, &late.id, CommunityRole::Member, 1).await;
        let r = put_minutes(app, &id, &w.secretary.token, json!({"attendees": [late.id]})).await;
        assert_violation(&r, "attendees[0]", "not_invited");
        let v = put_minutes(app, &id, &w.secretary.token, json!({"actions": [act("Welcome pack", &late, "2031-06-01")]})).await.expect(200);
        assert_eq!(v["actions"][0]["owner_id"], late.id.as_str());
        assert_eq!(app.count("SELECT COUNT(*) FROM minutes").await, 1);

        // Ids are compared in lower case, as attendance does.
        let v = put_minutes(app, &id, &w.secretary.token, json!({
            "chair_id": w.chair.id.to_uppercase(), "attendees": [m0.id.to_uppercase()], "apologies": [],
            "actions": [act("Welcome pack", &late, "2031-06-01")]
        })).await.expect(200);
        assert_eq!(v["chair_id"], w.chair.id.as_str());
        assert_eq!(strs(&v["attendees"]), vec![m0.id.clone()]);
        assert_eq!(v["version"], 2);

        // A failed edit leaves the draft as it was.
        let r = put_minutes(app, &id, &w.secretary.token, json!({"mode": "fax", "actions": []})).await;
        assert_violation(&r, "mode", "invalid_type");
        let g = app.get(&minutes_path(&id), Some(&w.chair.token)).await.expect(200);
        assert_eq!(g["version"], 2);
        assert_eq!(g["actions"].as_array().unwrap().len(), 1);
    }
}

// ---------------------------------------------------------------------------
// Visibility and the workflow
// ---------------------------------------------------------------------------

dual! {
    async fn drafts_are_for_the_core_team_only(app) {
        let w = cop_world(app, "mn-visible", 1).await;
        let m0 = &w.members[0];
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        let path = minutes_path(&id);
        let published = format!("{path}?published=true");
        app.get(&path, Some(&w.chair.token)).await.problem(404, "not-found");

        put_minutes(app, &id, &w.secretary.token, json!({
            "items": [{"agenda_item": "Welcome", "discussion": "Draft text"}]
        })).await.expect(200);
        for p in [&w.chair, &w.co_chair, &w.secretary] {
            let r = app.get(&path, Some(&p.token)).await;
            let v = r.expect(200);
            assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
            assert_eq!((v["status"].as_str(), v["revision"].as_i64()), (Some("draft"), Some(1)));
            assert_eq!(v["items"][0]["discussion"], "Draft text");
        }
        app.get(&path, Some(&m0.token)).await.problem(404, "not-found");
        app.get(&path, Some(&w.manager.token)).await.problem(404, "not-found");
        app.get(&published, Some(&m0.token)).await.problem(404, "not-found");
        app.get(&published, Some(&w.chair.token)).await.problem(404, "not-found");
        app.get(&path, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&path, None).await.expect(401);

        submit(app, &id, &w.secretary.token).await.expect(200);
        app.get(&path, Some(&m0.token)).await.problem(404, "not-found");
        app.get(&path, Some(&w.manager.token)).await.problem(404, "not-found");
        assert_eq!(app.get(&path, Some(&w.chair.token)).await.expect(200)["status"], "submitted");

        approve(app, &id, &w.chair.token).await.expect(200);
        for p in [m0, &w.chair, &w.manager] {
            let r = app.get(&published, Some(&p.token)).await;
            let v = r.expect(200);
            assert_eq!((v["status"].as_str(), v["revision"].as_i64()), (Some("published"), Some(1)));
            assert_eq!(v["published_revision"], 1);
            assert_eq!(v["items"][0]["discussion"], "Draft text");
            assert_eq!(v["approved_by"], w.chair.id.as_str());
            assert!(r.header("etag").is_some());
        }
        for p in [m0, &w.manager] {
            let v = app.get(&path, Some(&p.token)).await.expect(200);
            assert_eq!((v["status"].as_str(), v["revision"].as_i64()), (Some("published"), Some(1)));
        }
        app.get(&path, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
    }
}

dual! {
    async fn submitting(app) {
        let w = cop_world(app, "mn-submit", 1).await;
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        submit(app, &id, &w.secretary.token).await.problem(404, "not-found");
        put_minutes(app, &id, &w.secretary.token, json!({})).await.expect(200);
        for p in [&w.chair, &w.co_chair, &w.members[0], &w.manager] {
            submit(app, &id, &p.token).await.problem(403, "not-minute-taker");
        }
        submit(app, &id, &w.outsider.token).await.problem(403, "forbidden");
        submit(app, &id, &w.stranger.token).await.problem(404, "not-found");
        step(app, &id, "submit", &w.secretary.token, Some("\"5\"")).await.problem(412, "stale-version");
        assert_eq!(app.get(&minutes_path(&id), Some(&w.chair.token)).await.expect(200)["status"], "draft");

        let r = step(app, &id, "submit", &w.secretary.token, Some("\"1\"")).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(v["status"], "submitted");
        assert_eq!(v["revision"], 1);
        assert_eq!(v["version"], 2);
        assert_eq!(v["submitted_by"], w.secretary.id.as_str());
        assert!(v["submitted_at"].is_string(), "{v}");
        submit(app, &id, &w.secretary.token).await.problem(409, "minutes-not-draft");

        // Editing submitted minutes returns them to draft.
        let v = put_minutes_if(app, &id, &w.secretary.token, json!({}), "\"2\"").await.expect(200);
        assert_eq!((v["status"].as_str(), v["revision"].as_i64(), v["version"].as_i64()), (Some("draft"), Some(1), Some(3)));
        assert_eq!(v["submitted_by"], Value::Null);
        assert_eq!(v["submitted_at"], Value::Null);
        submit(app, &id, &w.secretary.token).await.expect(200);
        approve(app, &id, &w.chair.token).await.expect(200);
        submit(app, &id, &w.secretary.token).await.problem(409, "minutes-not-draft");
    }
}

dual! {
    async fn approving(app) {
        let w = cop_world(app, "mn-approve", 1).await;
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        approve(app, &id, &w.chair.token).await.problem(404, "not-found");
        put_minutes(app, &id, &w.secretary.token, json!({})).await.expect(200);
        approve(app, &id, &w.chair.token).await.problem(409, "minutes-not-submitted");
        submit(app, &id, &w.secretary.token).await.expect(200);
        for p in [&w.secretary, &w.members[0], &w.manager] {
            approve(app, &id, &p.token).await.problem(403, "not-chair");
        }
        approve(app, &id, &w.outsider.token).await.problem(403, "forbidden");
        approve(app, &id, &w.stranger.token).await.problem(404, "not-found");
        step(app, &id, "approve", &w.chair.token, Some("\"1\"")).await.problem(412, "stale-version");
        assert_eq!(app.get(&minutes_path(&id), Some(&w.chair.token)).await.expect(200)["status"], "submitted");
        assert!(published_events(app).await.is_empty());

        let r = step(app, &id, "approve", &w.co_chair.token, Some("\"2\"")).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
        assert_eq!(v["status"], "published");
        assert_eq!(v["approved_by"], w.co_chair.id.as_str());
        approve(app, &id, &w.chair.token).await.problem(409, "minutes-not-submitted");
        assert_eq!(published_events(app).await.len(), 1);
    }
}

dual! {
    async fn submitters_do_not_approve_their_own_unless_alone(app) {
        let w = cop_world(app, "mn-own", 1).await;
        // A chair and a co-chair, no secretary.
        let cid = community_with(app, &w, &[
            (&w.chair, CommunityRole::Chair), (&w.co_chair, CommunityRole::CoChair), (&w.members[0], CommunityRole::Member),
        ]).await;
        let id = past_meeting(app, &cid, &w.manager.token, 10).await;
        put_minutes(app, &id, &w.chair.token, json!({})).await.expect(200);
        submit(app, &id, &w.chair.token).await.expect(200);
        approve(app, &id, &w.chair.token).await.problem(403, "own-submission");
        approve(app, &id, &w.members[0].token).await.problem(403, "not-chair");
        let v = approve(app, &id, &w.co_chair.token).await.expect(200);
        assert_eq!(v["status"], "published");
        assert_eq!(v["submitted_by"], w.chair.id.as_str());
        assert_eq!(v["approved_by"], w.co_chair.id.as_str());

        // The co-chair submits; the chair approves.
        put_minutes(app, &id, &w.co_chair.token, json!({})).await.expect(200);
        submit(app, &id, &w.co_chair.token).await.expect(200);
        approve(app, &id, &w.co_chair.token).await.problem(403, "own-submission");
        let v = approve(app, &id, &w.chair.token).await.expect(200);
        assert_eq!((v["revision"].as_i64(), v["approved_by"].as_str()), (Some(2), Some(w.chair.id.as_str())));

        // A core team of one chair approves their own.
        let solo = &w.members[0];
        let cid2 = community_with(app, &w, &[(solo, CommunityRole::Chair), (&w.secretary, CommunityRole::Member)]).await;
        let id2 = past_meeting(app, &cid2, &w.manager.token, 10).await;
        put_minutes(app, &id2, &w.secretary.token, json!({})).await.problem(403, "not-minute-taker");
        put_minutes(app, &id2, &solo.token, json!({})).await.expect(200);
        submit(app, &id2, &solo.token).await.expect(200);
        approve(app, &id2, &w.secretary.token).await.problem(403, "not-chair");
        let v = approve(app, &id2, &solo.token).await.expect(200);
        assert_eq!(v["status"], "published");
        assert_eq!(v["submitted_by"], solo.id.as_str());
        assert_eq!(v["approved_by"], solo.id.as_str());
        assert_eq!(app.get(&minutes_path(&id2), Some(&w.secretary.token)).await.expect(200)["status"], "published");
    }
}

// ---------------------------------------------------------------------------
// Publication and revisions
// ---------------------------------------------------------------------------

dual! {
    async fn approval_publishes_tracks_actions_and_emits_one_event(app) {
        let w = cop_world(app, "mn-publish", 2).await;
        let (m0, m1) = (&w.members[0], &w.members[1]);
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        put_minutes(app, &id, &w.secretary.token, json!({
            "items": [
                {"agenda_item": "Welcome", "discussion": "Hello", "decisions": ["Adopt the new rota"]},
                {"agenda_item": "Case discussion", "decisions": ["Share the template", "Meet monthly"]}
            ],
            "actions": [act("Circulate slides", m0, "2099-04-12"), act("Book a room", m1, "2099-05-01")]
        })).await.expect(200);
        submit(app, &id, &w.secretary.token).await.expect(200);
        assert_eq!(app.count("SELECT COUNT(*) FROM actions").await, 0, "drafts track nothing");
        assert!(published_events(app).await.is_empty());

        let r = approve(app, &id, &w.chair.token).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
        assert_eq!(v["status"], "published");
        assert_eq!(v["revision"], 1);
        assert_eq!(v["published_revision"], 1);
        assert_eq!(v["approved_by"], w.chair.id.as_str());
        assert!(v["approved_at"].is_string(), "{v}");
        assert_eq!(v["submitted_by"], w.secretary.id.as_str());
        assert_eq!(v["drafted_by"], w.secretary.id.as_str());
        assert_eq!(v["people"][&w.chair.id], "chair.mn-publish");
        let acts = v["actions"].as_array().unwrap();
        assert_eq!(acts.len(), 2);
        let ids: Vec<String> = acts.iter().map(|a| a["id"].as_str().unwrap_or_default().to_owned()).collect();
        for (a, (desc, owner)) in acts.iter().zip([("Circulate slides", m0), ("Book a room", m1)]) {
            assert!(uuid::Uuid::parse_str(a["id"].as_str().unwrap_or_default()).is_ok(), "{a}");
            assert_eq!(a["status"], "open");
            assert_eq!(a["description"], desc);
            assert_eq!(a["owner_id"], owner.id.as_str());
        }
        assert_ne!(ids[0], ids[1]);

        let events = published_events(app).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let p = &events[0];
        assert_eq!(p["meeting_id"], id.as_str());
        assert_eq!(p["community_id"], w.community_id.as_str());
        assert_eq!(p["community_name"], w.community_name.as_str());
        assert_eq!(p["network_id"], w.network_id.as_str());
        assert_eq!(p["revision"], 1);
        assert_eq!(p["mode"], "teams");
        assert_eq!(p["decisions"], json!(["Adopt the new rota", "Share the template", "Meet monthly"]));
        assert_eq!(each(&p["actions"], "id"), ids);
        assert_eq!(p["actions"][0]["description"], "Circulate slides");
        assert_eq!(p["actions"][0]["owner_id"], m0.id.as_str());
        assert_eq!(p["actions"][0]["due_on"], "2099-04-12");

        // The tracked actions are the same ones.
        let page = actions(app, &m0.token, &format!("?meeting_id={id}")).await;
        let mut listed = each(&page, "id");
        listed.sort();
        let mut want = ids.clone();
        want.sort();
        assert_eq!(listed, want);
        assert_eq!(app.count("SELECT COUNT(*) FROM actions").await, 2);

        // The members' copy, the meeting and the revision list agree.
        let mv = app.get(&minutes_path(&id), Some(&m1.token)).await.expect(200);
        assert_eq!(each(&mv["actions"], "id"), ids);
        assert_eq!(each(&mv["actions"], "status"), vec!["open", "open"]);
        let d = app.get(&format!("/v1/meetings/{id}"), Some(&m1.token)).await.expect(200);
        assert_eq!(d["minutes_status"], "published");
        assert_eq!(d["status"], "held");
        let revs = app.get(&format!("{}/revisions", minutes_path(&id)), Some(&m1.token)).await.expect(200);
        assert_eq!(revs["items"].as_array().unwrap().len(), 1);
        assert_eq!(revs["items"][0]["revision"], 1);
        assert_eq!(revs["items"][0]["approved_by"], w.chair.id.as_str());
    }
}

dual! {
    async fn revisions_keep_members_on_the_approved_text(app) {
        let w = cop_world(app, "mn-revisions", 2).await;
        let (m0, m1) = (&w.members[0], &w.members[1]);
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        let v1 = publish(app, &w, &id, json!({
            "items": [{"agenda_item": "Welcome", "discussion": "First text", "decisions": ["Decision one"]}],
            "actions": [act("Keep me", m0, "2099-01-01"), act("Drop me", m1, "2099-02-01")]
        })).await;
        let keep = v1["actions"][0]["id"].as_str().unwrap().to_owned();
        let drop = v1["actions"][1]["id"].as_str().unwrap().to_owned();
        mark(app, &keep, &m0.token, "done").await;

        // The next revision is a draft; members keep seeing revision 1.
        let etag = format!("\"{}\"", v1["version"]);
        let r = put_minutes_if(app, &id, &w.secretary.token, json!({
            "items": [{"agenda_item": "Welcome", "discussion": "Second text", "decisions": ["Decision one", "Decision two"]}],
            "actions": [
                {"id": keep, "description": "Keep me, reworded", "owner_id": m1.id, "due_on": "2099-03-01"},
                act("New one", m0, "2099-04-01")
            ]
        }), &etag).await;
        let v = r.expect(200);
        assert_eq!(v["status"], "draft");
        assert_eq!(v["revision"], 2);
        assert_eq!(v["published_revision"], 1);
        assert_eq!(v["approved_by"], Value::Null);
        assert_eq!(v["actions"][0]["id"], keep.as_str());
        assert_eq!(v["actions"][0]["status"], "done");
        assert_eq!(v["actions"][1]["id"], Value::Null);
        // The same tracked action twice is refused.
        let twice = json!({"actions": [
            {"id": keep, "description": "a", "owner_id": m0.id, "due_on": "2099-03-01"},
            {"id": keep, "description": "b", "owner_id": m0.id, "due_on": "2099-03-01"}
        ]});
        assert_violation(&put_minutes(app, &id, &w.secretary.token, twice).await, "actions[1].id", "duplicate");
        // The actions as read (with their read-only status) can be sent
        // back; editing the draft again stays on revision 2.
        let items = v["items"].clone();
        let v = put_minutes(app, &id, &w.secretary.token, json!({"items": items, "actions": v["actions"].clone()})).await.expect(200);
        assert_eq!((v["status"].as_str(), v["revision"].as_i64()), (Some("draft"), Some(2)));
        assert_eq!(v["actions"][0]["id"], keep.as_str());
        assert_eq!(v["actions"][0]["description"], "Keep me, reworded");
        assert_eq!(v["actions"][0]["status"], "done");

        let mv = app.get(&minutes_path(&id), Some(&m0.token)).await.expect(200);
        assert_eq!((mv["status"].as_str(), mv["revision"].as_i64()), (Some("published"), Some(1)));
        assert_eq!(mv["published_revision"], 1);
        assert_eq!(mv["items"][0]["discussion"], "First text");
        assert_eq!(mv["items"][0]["decisions"], json!(["Decision one"]));
        assert_eq!(each(&mv["actions"], "id"), vec![keep.clone(), drop.clone()]);
        assert_eq!(mv["actions"][0]["description"], "Keep me");
        let cv = app.get(&format!("{}?published=true", minutes_path(&id)), Some(&w.chair.token)).await.expect(200);
        assert_eq!((cv["revision"].as_i64(), cv["items"][0]["discussion"].as_str()), (Some(1), Some("First text")));
        let wc = app.get(&minutes_path(&id), Some(&w.chair.token)).await.expect(200);
        assert_eq!((wc["status"].as_str(), wc["revision"].as_i64()), (Some("draft"), Some(2)));
        // Tracked actions change only on approval.
        let page = actions(app, &m0.token, &format!("?meeting_id={id}")).await;
        assert_eq!(each(&page, "id"), {
            let mut x = vec![keep.clone(), drop.clone()];
            x.sort();
            x
        });
        assert_eq!(app.get(&format!("/v1/actions/{keep}"), Some(&m0.token)).await.expect(200)["description"], "Keep me");
        let revs = app.get(&format!("{}/revisions", minutes_path(&id)), Some(&m0.token)).await.expect(200);
        assert_eq!(revs["items"].as_array().unwrap().len(), 1);

        submit(app, &id, &w.secretary.token).await.expect(200);
        assert_eq!(app.get(&minutes_path(&id), Some(&m0.token)).await.expect(200)["revision"], 1);
        let v2 = approve(app, &id, &w.chair.token).await.expect(200);
        assert_eq!((v2["status"].as_str(), v2["revision"].as_i64(), v2["published_revision"].as_i64()), (Some("published"), Some(2), Some(2)));
        let mv = app.get(&minutes_path(&id), Some(&m0.token)).await.expect(200);
        assert_eq!((mv["status"].as_str(), mv["revision"].as_i64()), (Some("published"), Some(2)));
        assert_eq!(mv["items"][0]["discussion"], "Second text");
        assert_eq!(mv["items"][0]["decisions"], json!(["Decision one", "Decision two"]));
        let new_id = mv["actions"][1]["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(mv["actions"][0]["id"], keep.as_str());
        assert!(!new_id.is_empty() && new_id != keep && new_id != drop, "{mv}");

        // The kept action was updated in place (its status kept), the
        // dropped one deleted, the new one created.
        let k = app.get(&format!("/v1/actions/{keep}"), Some(&m0.token)).await.expect(200);
        assert_eq!(k["description"], "Keep me, reworded");
        assert_eq!(k["owner_id"], m1.id.as_str());
        assert_eq!(k["due_on"], "2099-03-01");
        assert_eq!(k["status"], "done");
        app.get(&format!("/v1/actions/{drop}"), Some(&m0.token)).await.problem(404, "not-found");
        let n = app.get(&format!("/v1/actions/{new_id}"), Some(&m0.token)).await.expect(200);
        assert_eq!((n["status"].as_str(), n["owner_id"].as_str()), (Some("open"), Some(m0.id.as_str())));
        assert_eq!(app.count("SELECT COUNT(*) FROM actions").await, 2);
        let page = actions(app, &m0.token, &format!("?meeting_id={id}")).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 2);

        // Both approved revisions are listed, oldest first, page by page.
        let base = format!("{}/revisions", minutes_path(&id));
        let all = app.get(&base, Some(&m1.token)).await.expect(200);
        let revs: Vec<i64> = all["items"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
        assert_eq!(revs, vec![1, 2]);
        assert_eq!(all["items"][0]["items"][0]["discussion"], "First text");
        assert_eq!(all["items"][1]["items"][0]["discussion"], "Second text");
        let p1 = app.get(&format!("{base}?limit=1"), Some(&m1.token)).await.expect(200);
        assert_eq!(p1["items"].as_array().unwrap().len(), 1);
        assert_eq!(p1["items"][0]["revision"], 1);
        let cursor = p1["next_cursor"].as_str().unwrap_or_else(|| panic!("no next_cursor: {p1}"));
        let p2 = app.get(&format!("{base}?limit=1&cursor={cursor}"), Some(&m1.token)).await.expect(200);
        assert_eq!(p2["items"].as_array().unwrap().len(), 1);
        assert_eq!(p2["items"][0]["revision"], 2);
        assert_eq!(p2["next_cursor"], Value::Null);
        app.get(&base, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&base, Some(&w.stranger.token)).await.problem(404, "not-found");

        let mut revs: Vec<i64> = published_events(app).await.iter().map(|p| p["revision"].as_i64().unwrap_or_default()).collect();
        revs.sort();
        assert_eq!(revs, vec![1, 2]);

        // Leaving out every action and approving again deletes them all.
        let v3 = publish(app, &w, &id, json!({"actions": []})).await;
        assert_eq!(v3["revision"], 3);
        assert_eq!(app.count("SELECT COUNT(*) FROM actions").await, 0);
        app.get(&format!("/v1/actions/{keep}"), Some(&m0.token)).await.problem(404, "not-found");
    }
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

dual! {
    async fn listing_actions(app) {
        let w = cop_world(app, "mn-actions", 2).await;
        let (m0, m1) = (&w.members[0], &w.members[1]);
        let a = past_meeting(app, &w.community_id, &w.chair.token, 60).await;
        let b = past_meeting(app, &w.community_id, &w.chair.token, 30).await;
        publish(app, &w, &a, json!({"actions": [
            act("Overdue thing", m0, "2020-01-01"), act("Later thing", m1, "2099-12-31"), act("Another", m0, "2099-06-30")
        ]})).await;
        publish(app, &w, &b, json!({"actions": [act("From B", m1, "2099-05-01")]})).await;
        // An action of meeting A cannot be claimed by meeting B's minutes.
        let a_action = actions(app, &m0.token, &format!("?meeting_id={a}")).await["items"][0]["id"].as_str().unwrap().to_owned();
        let r = put_minutes(app, &b, &w.secretary.token, json!({"actions": [
            {"id": a_action, "description": "Mine now", "owner_id": m0.id, "due_on": "2099-01-01"}
        ]})).await;
        assert_violation(&r, "actions[0].id", "unknown_action");
        assert_eq!(app.get(&minutes_path(&b), Some(&w.chair.token)).await.expect(200)["status"], "published");
        // Draft minutes' actions are not tracked.
        let c = past_meeting(app, &w.community_id, &w.chair.token, 5).await;
        put_minutes(app, &c, &w.secretary.token, json!({"actions": [act("Draft only", m0, "2020-01-01")]})).await.expect(200);

        let descs = |v: &Value| {
            let mut d = each(v, "description");
            d.sort();
            d
        };
        let all = actions(app, &m0.token, "").await;
        assert_eq!(descs(&all), vec!["Another", "From B", "Later thing", "Overdue thing"]);
        for item in all["items"].as_array().unwrap() {
            assert_eq!(item["community_id"], w.community_id.as_str());
        }
        assert_eq!(descs(&actions(app, &m0.token, &format!("?owner_id={}", m0.id)).await), vec!["Another", "Overdue thing"]);
        assert_eq!(descs(&actions(app, &m0.token, &format!("?meeting_id={a}")).await), vec!["Another", "Later thing", "Overdue thing"]);
        assert_eq!(descs(&actions(app, &m0.token, &format!("?meeting_id={b}")).await), vec!["From B"]);
        assert_eq!(descs(&actions(app, &m0.token, &format!("?meeting_id={c}")).await), Vec::<String>::new());
        assert_eq!(actions(app, &m0.token, &format!("?community_id={}", w.community_id)).await["items"].as_array().unwrap().len(), 4);
        assert_eq!(descs(&actions(app, &m0.token, &format!("?owner_id={}&meeting_id={a}", m1.id)).await), vec!["Later thing"]);
        assert_eq!(actions(app, &m0.token, "?status=open").await["items"].as_array().unwrap().len(), 4);
        assert_eq!(actions(app, &m0.token, "?status=done").await["items"].as_array().unwrap().len(), 0);
        let overdue = actions(app, &m0.token, "?overdue=true").await;
        assert_eq!(descs(&overdue), vec!["Overdue thing"]);
        assert_eq!(overdue["items"][0]["overdue"], true);
        assert_eq!(overdue["items"][0]["owner_name"], "member0.mn-actions");
        assert_eq!(actions(app, &m0.token, "?overdue=false").await["items"].as_array().unwrap().len(), 4);

        // Done actions leave the open and overdue lists.
        let later = all["items"].as_array().unwrap().iter().find(|i| i["description"] == "Later thing").unwrap()["id"].as_str().unwrap().to_owned();
        let old = overdue["items"][0]["id"].as_str().unwrap().to_owned();
        mark(app, &later, &m1.token, "done").await;
        mark(app, &old, &m0.token, "done").await;
        assert_eq!(descs(&actions(app, &m0.token, "?status=done").await), vec!["Later thing", "Overdue thing"]);
        assert_eq!(descs(&actions(app, &m0.token, "?status=open").await), vec!["Another", "From B"]);
        assert_eq!(actions(app, &m0.token, "?overdue=true").await["items"].as_array().unwrap().len(), 0);
        assert_eq!(descs(&actions(app, &m0.token, &format!("?status=done&owner_id={}", m1.id)).await), vec!["Later thing"]);

        // Bad filters.
        assert_violation(&app.get("/v1/actions?status=finished", Some(&m0.token)).await, "status", "invalid_value");
        assert_violation(&app.get("/v1/actions?owner_id=nobody", Some(&m0.token)).await, "owner_id", "invalid_uuid");
        assert_violation(&app.get("/v1/actions?meeting_id=nothing", Some(&m0.token)).await, "meeting_id", "invalid_uuid");
        assert_violation(&app.get("/v1/actions?limit=0", Some(&m0.token)).await, "limit", "out_of_range");

        // Pages of 3 cover everything once.
        let p1 = actions(app, &m0.token, "?limit=3").await;
        assert_eq!(p1["items"].as_array().unwrap().len(), 3);
        let cursor = p1["next_cursor"].as_str().unwrap_or_else(|| panic!("no next_cursor: {p1}")).to_owned();
        let p2 = actions(app, &m0.token, &format!("?limit=3&cursor={cursor}")).await;
        assert_eq!(p2["items"].as_array().unwrap().len(), 1);
        assert_eq!(p2["next_cursor"], Value::Null);
        let mut seen = each(&p1, "id");
        seen.extend(each(&p2, "id"));
        seen.sort();
        seen.dedup();
        let mut want = each(&all, "id");
        want.sort();
        assert_eq!(seen, want);

        // Who sees them: the managers, not other communities' members.
        assert_eq!(actions(app, &w.manager.token, "").await["items"].as_array().unwrap().len(), 4);
        let other = community_with(app, &w, &[(&w.outsider, CommunityRole::Member)]).await;
        assert_eq!(actions(app, &w.outsider.token, "").await["items"].as_array().unwrap().len(), 0);
        assert_eq!(actions(app, &w.outsider.token, &format!("?community_id={other}")).await["items"].as_array().unwrap().len(), 0);
        app.get(&format!("/v1/actions?community_id={}", w.community_id), Some(&w.outsider.token)).await.problem(403, "forbidden");
        assert_eq!(actions(app, &w.stranger.token, "").await["items"].as_array().unwrap().len(), 0);
        app.get(&format!("/v1/actions?community_id={}", w.community_id), Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get("/v1/actions", None).await.expect(401);
    }
}

dual! {
    async fn reading_an_action(app) {
        let w = cop_world(app, "mn-action-read", 1).await;
        let m0 = &w.members[0];
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        let v = publish(app, &w, &id, json!({"actions": [act("Circulate slides", m0, "2099-04-12")]})).await;
        let aid = v["actions"][0]["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/actions/{aid}");
        let r = app.get(&path, Some(&m0.token)).await;
        let a = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(a["id"], aid.as_str());
        assert_eq!(a["community_id"], w.community_id.as_str());
        assert_eq!(a["meeting_id"], id.as_str());
        assert_eq!(a["description"], "Circulate slides");
        assert_eq!(a["owner_id"], m0.id.as_str());
        assert_eq!(a["owner_name"], "member0.mn-action-read");
        assert_eq!(a["due_on"], "2099-04-12");
        assert_eq!(a["status"], "open");
        assert_eq!(a["overdue"], false);
        assert_eq!(a["done_at"], Value::Null);
        assert_eq!(a["done_by"], Value::Null);
        assert_eq!(a["version"], 1);
        for p in [&w.chair, &w.secretary, &w.manager] {
            assert_eq!(app.get(&path, Some(&p.token)).await.expect(200)["id"], aid.as_str());
        }
        app.get(&path, Some(&w.outsider.token)).await.problem(403, "forbidden");
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&path, None).await.expect(401);
        app.get("/v1/actions/0193a6f2-0000-7b3a-9d4e-2f1a0b9c8d7e", Some(&m0.token)).await.problem(404, "not-found");
        app.get("/v1/actions/not-a-uuid", Some(&m0.token)).await.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn marking_actions_done(app) {
        let w = cop_world(app, "mn-action-done", 2).await;
        let (m0, m1) = (&w.members[0], &w.members[1]);
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        let v = publish(app, &w, &id, json!({"actions": [act("Overdue thing", m0, "2020-01-01")]})).await;
        let aid = v["actions"][0]["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/actions/{aid}");
        let a = app.get(&path, Some(&m0.token)).await.expect(200);
        assert_eq!((a["status"].as_str(), a["overdue"].as_bool()), (Some("open"), Some(true)));

        let done = json!({"status": "done"});
        patch_action(app, &aid, &m1.token, done.clone(), None).await.problem(403, "forbidden");
        patch_action(app, &aid, &w.outsider.token, done.clone(), None).await.problem(403, "forbidden");
        patch_action(app, &aid, &w.stranger.token, done.clone(), None).await.problem(404, "not-found");
        assert_violation(&patch_action(app, &aid, &m0.token, json!({"status": "finished"}), None).await, "status", "invalid_type");
        assert_violation(&patch_action(app, &aid, &m0.token, json!({"status": "done", "note": "x"}), None).await, "note", "unknown_field");
        assert_violation(&patch_action(app, &aid, &m0.token, json!({}), None).await, "status", "required");
        patch_action(app, &aid, &m0.token, done.clone(), Some("\"7\"")).await.problem(412, "stale-version");
        assert_eq!(app.get(&path, Some(&m0.token)).await.expect(200)["status"], "open");

        // The owner marks it done.
        let r = patch_action(app, &aid, &m0.token, done.clone(), Some("\"1\"")).await;
        let a = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(a["status"], "done");
        assert_eq!(a["overdue"], false);
        assert!(a["done_at"].is_string(), "{a}");
        assert_eq!(a["done_by"], m0.id.as_str());
        assert_eq!(a["version"], 2);
        assert_eq!(app.get(&path, Some(&m1.token)).await.expect(200)["status"], "done");
        assert_eq!(actions(app, &m0.token, "?overdue=true").await["items"].as_array().unwrap().len(), 0);
        let mv = app.get(&minutes_path(&id), Some(&m1.token)).await.expect(200);
        assert_eq!(mv["actions"][0]["status"], "done");
        // Done again changes nothing.
        let a = mark(app, &aid, &m0.token, "done").await;
        assert_eq!(a["version"], 2);

        // The core team reopens it; it is overdue again.
        let a = mark(app, &aid, &w.secretary.token, "open").await;
        assert_eq!((a["status"].as_str(), a["overdue"].as_bool(), a["version"].as_i64()), (Some("open"), Some(true), Some(3)));
        assert_eq!(a["done_at"], Value::Null);
        assert_eq!(a["done_by"], Value::Null);
        assert_eq!(actions(app, &m0.token, "?overdue=true").await["items"].as_array().unwrap().len(), 1);
        // A manager, and the chair, may change it too.
        let a = mark(app, &aid, &w.manager.token, "done").await;
        assert_eq!((a["status"].as_str(), a["done_by"].as_str()), (Some("done"), Some(w.manager.id.as_str())));
        let a = mark(app, &aid, &w.chair.token, "open").await;
        assert_eq!((a["status"].as_str(), a["version"].as_i64()), (Some("open"), Some(5)));
        patch_action(app, &aid, &m1.token, done, None).await.problem(403, "forbidden");
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'action.status_changed'").await, 4);
    }
}

dual! {
    async fn open_actions_carry_to_later_meetings(app) {
        let w = cop_world(app, "mn-carried", 2).await;
        let (m0, m1) = (&w.members[0], &w.members[1]);
        let before = past_meeting(app, &w.community_id, &w.chair.token, 90).await;
        let earlier = past_meeting(app, &w.community_id, &w.chair.token, 40).await;
        let drafted = past_meeting(app, &w.community_id, &w.chair.token, 20).await;
        let next = schedule(app, &w.community_id, &w.chair.token, "Next", "2031-05-01T10:00").await;
        let carried = |d: Value| each(&d["carried_actions"], "description");
        let detail = |id: String, token: String| async move {
            app.get(&format!("/v1/meetings/{id}"), Some(&token)).await.expect(200)
        };
        let alone = detail(next.clone(), m1.token.clone()).await;
        assert!(carried(alone.clone()).is_empty());

        let v = publish(app, &w, &earlier, json!({"actions": [
            act("Second due", m1, "2099-09-01"), act("First due", m0, "2099-03-01")
        ]})).await;
        put_minutes(app, &drafted, &w.secretary.token, json!({"actions": [act("Draft only", m0, "2099-01-01")]})).await.expect(200);
        let first = v["actions"][1]["id"].as_str().unwrap().to_owned();

        let d = detail(next.clone(), m1.token.clone()).await;
        assert_eq!(carried(d.clone()), vec!["First due", "Second due"]);
        let c0 = &d["carried_actions"][0];
        assert_eq!(c0["id"], first.as_str());
        assert_eq!(c0["meeting_id"], earlier.as_str());
        assert_eq!(c0["owner_id"], m0.id.as_str());
        assert_eq!(c0["owner_name"], "member0.mn-carried");
        assert_eq!(c0["status"], "open");
        // The carried actions are joined to the meeting's row in one
        // statement: the page's own fields are those it had without them,
        // not counted once per action.
        let page = |mut v: Value| {
            v.as_object_mut().unwrap().remove("carried_actions");
            v
        };
        assert_eq!(page(d.clone()), page(alone));
        assert_eq!(d["carried_actions"][1]["owner_name"], "member1.mn-carried");
        assert_eq!(carried(detail(drafted.clone(), m0.token.clone()).await), vec!["First due", "Second due"]);
        assert_eq!(carried(detail(next.clone(), w.manager.token.clone()).await), vec!["First due", "Second due"]);
        // Not into the meeting that raised them, nor earlier ones, nor
        // another community's.
        assert!(carried(detail(earlier.clone(), m0.token.clone()).await).is_empty());
        assert!(carried(detail(before.clone(), m0.token.clone()).await).is_empty());
        let other = community_with(app, &w, &[(m0, CommunityRole::Member)]).await;
        let elsewhere = schedule(app, &other, &w.manager.token, "Elsewhere", "2031-05-01T10:00").await;
        assert!(carried(detail(elsewhere, m0.token.clone()).await).is_empty());

        // Done actions are no longer carried; reopened ones are again.
        mark(app, &first, &m0.token, "done").await;
        assert_eq!(carried(detail(next.clone(), m1.token.clone()).await), vec!["Second due"]);
        mark(app, &first, &w.chair.token, "open").await;
        assert_eq!(carried(detail(next.clone(), m1.token.clone()).await), vec!["First due", "Second due"]);
    }
}

dual! {
    async fn unknown_enum_values_answer_422_naming_the_allowed_values(app) {
        let w = cop_world(app, "mn-enums", 1).await;
        let m0 = &w.members[0];
        let id = past_meeting(app, &w.community_id, &w.chair.token, 10).await;
        // Minutes: the mode in the body.
        let r = put_minutes(app, &id, &w.secretary.token, json!({"mode": "carrier_pigeon"})).await;
        assert_violation(&r, "mode", "invalid_type");
        let msg = message_for(&r, "mode");
        for c in ["in_person", "teams", "zoom", "other"] {
            assert!(msg.contains(c), "{c} not in {msg:?}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM minutes").await, 0);
        // The status of an action sent back with the minutes is typed too.
        let mut bad = act("Circulate slides", m0, "2031-06-01");
        bad["status"] = json!("finished");
        let r = put_minutes(app, &id, &w.secretary.token, json!({"actions": [bad]})).await;
        assert_violation(&r, "actions[0].status", "invalid_type");

        let v = publish(app, &w, &id, json!({"mode": "zoom", "actions": [act("Circulate slides", m0, "2031-06-01")]})).await;
        assert_eq!((v["status"].as_str(), v["mode"].as_str()), (Some("published"), Some("zoom")));
        assert_eq!(v["actions"][0]["status"], "open");
        let aid = v["actions"][0]["id"].as_str().unwrap().to_owned();
        // Actions: the status filter and the status in a change.
        let r = app.get("/v1/actions?status=finished", Some(&m0.token)).await;
        assert_violation(&r, "status", "invalid_value");
        assert_eq!(message_for(&r, "status"), "must be one of open, done");
        let r = patch_action(app, &aid, &m0.token, json!({"status": "Done"}), None).await;
        assert_violation(&r, "status", "invalid_type");
        let msg = message_for(&r, "status");
        assert!(msg.contains("`open`") && msg.contains("`done`"), "{msg}");
        // Nothing changed.
        let a = app.get(&format!("/v1/actions/{aid}"), Some(&m0.token)).await.expect(200);
        assert_eq!((a["status"].as_str(), a["version"].as_i64()), (Some("open"), Some(1)));
    }
}
