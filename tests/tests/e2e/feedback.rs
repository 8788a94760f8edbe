//! Post-meeting feedback forms (the "Triple A"): who files them and when,
//! one per meeting (also under a parallel burst), validation by field,
//! escalations raised with the form and the one email to managers,
//! changing a form until it is triaged, and the list with its visibility
//! and filters.
use peerhub_domain::community::CommunityRole;
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers (shared with escalations.rs)
// ---------------------------------------------------------------------------

/// Schedules a meeting in the community (as the world's manager); its id.
pub(crate) async fn meeting(app: &TestApp, w: &CopWorld, community_id: &str) -> String {
    let r = app
        .post(
            &format!("/v1/communities/{community_id}/meetings"),
            Some(&w.manager.token),
            json!({
                "title": "Quarterly meeting", "starts_at_local": "2031-05-01T10:00",
                "timezone": "Europe/London", "duration_minutes": 120,
                "mode": "teams", "join_url": "https://teams.example.org/x"
            }),
        )
        .await;
    id_of(&r.expect(201))
}

/// A meeting of the community that started about `days` days ago.
pub(crate) async fn past_meeting(
    app: &TestApp,
    w: &CopWorld,
    community_id: &str,
    days: i64,
) -> String {
    let id = meeting(app, w, community_id).await;
    move_into_past(app, &id, days).await;
    id
}

pub(crate) fn feedback_path(meeting_id: &str) -> String {
    format!("/v1/meetings/{meeting_id}/feedback")
}

/// A form with two escalation points (alert, advise) and a commendation.
pub(crate) fn form() -> Value {
    json!({
        "content_summary": "Case discussion on supervision.\nUpdate on the regional training offer.",
        "outputs": ["A shared supervision template", "Two members join the training group"],
        "points": [
            {"kind": "alert", "nature": "escalation", "text": "Waiting lists for step 3 have doubled."},
            {"kind": "assure", "nature": "commendation", "text": "Group supervision runs in every trust."},
            {"kind": "advise", "nature": "escalation", "text": "Fund protected CPD time for PWPs."}
        ]
    })
}

pub(crate) async fn file(app: &TestApp, meeting_id: &str, token: &str, body: Value) -> Resp {
    app.post(&feedback_path(meeting_id), Some(token), body)
        .await
}

async fn put_form(
    app: &TestApp,
    meeting_id: &str,
    token: &str,
    body: Value,
    if_match: Option<&str>,
) -> Resp {
    let mut rb = app.req(Method::PUT, &feedback_path(meeting_id), Some(token));
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb.json(&body)).await
}

fn point_texts(form: &Value) -> Vec<String> {
    form["points"]
        .as_array()
        .unwrap_or_else(|| panic!("no points in {form}"))
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn manager_email(slug: &str) -> String {
    format!("manager@{slug}.example.org")
}

// ---------------------------------------------------------------------------
// Filing and reading
// ---------------------------------------------------------------------------

dual! {
    async fn the_core_team_files_a_form_and_its_escalations_are_raised(app) {
        let w = cop_world(app, "fb-file", 1).await;
        let m = past_meeting(app, &w, &w.community_id, 3).await;
        // Not filed yet.
        app.get(&feedback_path(&m), Some(&w.chair.token)).await.problem(404, "not-found");
        let r = file(app, &m, &w.chair.token, form()).await;
        let f = r.expect(201);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(r.header("location"), Some(feedback_path(&m)));
        assert_eq!(f["community_name"], w.community_name.as_str());
        assert_eq!(f["community_id"], w.community_id.as_str());
        assert_eq!(f["network_id"], w.network_id.as_str());
        assert_eq!(f["meeting_id"], m.as_str());
        assert_eq!(f["author_id"], w.chair.id.as_str());
        assert!(f["author_name"].is_string());
        assert!(f["meeting_starts_at"].is_string() && f["filed_at"].is_string());
        assert_eq!(f["content_summary"], "Case discussion on supervision.\nUpdate on the regional training offer.");
        assert_eq!(f["outputs"][1], "Two members join the training group");
        assert_eq!(f["version"], 1);
        let points = f["points"].as_array().unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[0]["kind"], "alert");
        assert_eq!(points[0]["escalation"]["status"], "raised");
        assert_eq!(points[1]["escalation"], Value::Null);
        assert_eq!(points[2]["escalation"]["status"], "raised");

        // The same form for the core team and managers; not for members.
        for t in [&w.secretary.token, &w.co_chair.token, &w.manager.token, &w.admin] {
            let g = app.get(&feedback_path(&m), Some(t)).await;
            assert_eq!(g.expect(200), f);
            assert_eq!(g.header("etag").as_deref(), Some("\"1\""));
        }
        app.get(&feedback_path(&m), Some(&w.members[0].token)).await.problem(403, "forbidden");
        app.get(&feedback_path(&m), Some(&w.stranger.token)).await.problem(404, "not-found");

        // Two escalations, each with its first history step.
        let esc = format!("SELECT COUNT(*) FROM escalations WHERE meeting_id = '{m}' AND status = 'raised'");
        assert_eq!(app.count(&esc).await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM escalation_transitions WHERE from_status IS NULL AND to_status = 'raised'").await, 2);
        // One email to the manager listing both, an event per escalation
        // and one for the form, all audited.
        let to = manager_email("fb-file");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{to}' AND topic = 'escalations.raised'")).await, 1);
        let mail = app.outbox_payload(&to, "escalations.raised").await.unwrap();
        let body = mail["body"].as_str().unwrap();
        assert!(body.contains("Waiting lists for step 3 have doubled.") && body.contains("Fund protected CPD time"), "{body}");
        assert!(!body.contains("Group supervision"), "{body}");
        assert_eq!(mail["subject"], format!("2 escalations raised by {}", w.community_name));
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'feedback.submitted'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'escalation.raised' AND kind = 'event'").await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'feedback.submitted'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'escalation.raised'").await, 2);

        // A form without escalation points sends no email.
        let m2 = past_meeting(app, &w, &w.community_id, 2).await;
        file(app, &m2, &w.secretary.token, json!({"content_summary": "Quiet meeting", "points": [
            {"kind": "assure", "nature": "commendation", "text": "All well."}
        ]})).await.expect(201);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{to}' AND topic = 'escalations.raised'")).await, 1);
    }
}

dual! {
    async fn who_files_and_when(app) {
        let w = cop_world(app, "fb-who", 1).await;
        let m = past_meeting(app, &w, &w.community_id, 3).await;
        // Ordinary member and a network member outside the CoP: 403.
        file(app, &m, &w.members[0].token, form()).await.problem(403, "forbidden");
        file(app, &m, &w.outsider.token, form()).await.problem(403, "forbidden");
        // Another network's person: the meeting does not exist for them.
        file(app, &m, &w.stranger.token, form()).await.problem(404, "not-found");
        // An unknown meeting, and an id that is not a UUID.
        file(app, "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d7e", &w.chair.token, form()).await.problem(404, "not-found");
        file(app, "nope", &w.chair.token, form()).await.problem(400, "invalid-parameter");
        // Chair, co-chair, secretary, manager and platform admin may.
        for (i, t) in [&w.co_chair.token, &w.secretary.token, &w.manager.token, &w.admin].into_iter().enumerate() {
            let mi = past_meeting(app, &w, &w.community_id, 10 + i as i64).await;
            file(app, &mi, t, form()).await.expect(201);
        }
        // Not before the meeting starts.
        let future = meeting(app, &w, &w.community_id).await;
        file(app, &future, &w.chair.token, form()).await.problem(409, "meeting-not-started");
        // Not for a cancelled meeting.
        let cancelled = meeting(app, &w, &w.community_id).await;
        app.post(&format!("/v1/meetings/{cancelled}/cancel"), Some(&w.manager.token), json!({"reason": "Snow"}))
            .await
            .expect(200);
        move_into_past(app, &cancelled, 5).await;
        file(app, &cancelled, &w.chair.token, form()).await.problem(409, "meeting-cancelled");
        // One form per meeting.
        file(app, &m, &w.chair.token, form()).await.expect(201);
        file(app, &m, &w.co_chair.token, form()).await.problem(409, "feedback-exists");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM feedback_forms WHERE meeting_id = '{m}'")).await, 1);
    }
}

dual! {
    async fn a_parallel_burst_files_exactly_one_form(app) {
        let w = cop_world(app, "fb-burst", 0).await;
        let m = past_meeting(app, &w, &w.community_id, 3).await;
        let tokens = [&w.chair.token, &w.co_chair.token, &w.secretary.token, &w.manager.token, &w.admin];
        let sends = tokens.iter().map(|t| file(app, &m, t, form()));
        let answers = futures_util::future::join_all(sends).await;
        let created = answers.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 1, "{answers:?}");
        for r in answers.iter().filter(|r| r.status.as_u16() != 201) {
            r.problem(409, "feedback-exists");
        }
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM feedback_forms WHERE meeting_id = '{m}'")).await, 1);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM escalations WHERE meeting_id = '{m}'")).await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'escalations.raised'").await, 1);
    }
}

dual! {
    async fn every_invalid_field_is_named(app) {
        let w = cop_world(app, "fb-invalid", 0).await;
        let m = past_meeting(app, &w, &w.community_id, 3).await;
        let send = |body: Value| file(app, &m, &w.chair.token, body);
        let with = |key: &str, value: Value| {
            let mut f = form();
            f[key] = value;
            f
        };
        assert_violation(&send(with("content_summary", json!("  "))).await, "content_summary", "required");
        assert_violation(&send(with("content_summary", json!("s".repeat(5001)))).await, "content_summary", "too_long");
        send(with("content_summary", json!("s".repeat(5000)))).await.expect(201);
        let m = past_meeting(app, &w, &w.community_id, 4).await;
        let send = |body: Value| file(app, &m, &w.chair.token, body);
        let outputs: Vec<String> = (0..21).map(|i| format!("output {i}")).collect();
        assert_violation(&send(with("outputs", json!(outputs))).await, "outputs", "too_many");
        assert_violation(&send(with("outputs", json!(["ok", ""]))).await, "outputs[1]", "required");
        assert_violation(&send(with("outputs", json!(["o".repeat(501)]))).await, "outputs[0]", "too_long");
        let points: Vec<Value> = (0..31).map(|_| json!({"kind": "advise", "nature": "commendation", "text": "t"})).collect();
        assert_violation(&send(with("points", json!(points))).await, "points", "too_many");
        let mut f = form();
        f["points"][2]["kind"] = json!("warn");
        assert_allowed_values(&send(f).await, "points[2].kind", &["advise", "assure", "alert"]);
        let mut f = form();
        f["points"][0]["nature"] = json!("complaint");
        assert_allowed_values(&send(f).await, "points[0].nature", &["escalation", "commendation"]);
        let mut f = form();
        f["points"][1]["text"] = json!("t".repeat(2001));
        assert_violation(&send(f).await, "points[1].text", "too_long");
        // Invisible and text-direction characters, like names.
        let mut f = form();
        f["content_summary"] = json!("Supervision\u{200b} update");
        f["outputs"][0] = json!("\u{202e}etalpmet");
        f["points"][2]["text"] = json!("Fund\u{2066} CPD");
        assert_invalid_all(
            &send(f).await,
            &[
                ("content_summary", "invisible_characters"),
                ("outputs[0]", "invisible_characters"),
                ("points[2].text", "invisible_characters"),
            ],
            "invisible characters",
        );
        let mut f = form();
        f["colour"] = json!("blue");
        assert_violation(&send(f).await, "colour", "unknown_field");
        // Nothing was stored.
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM feedback_forms WHERE meeting_id = '{m}'")).await, 0);
        // A 10 MB body is refused before it is read.
        let huge = json!({"content_summary": "x".repeat(10 * 1024 * 1024)});
        send(huge).await.problem(413, "payload-too-large");
    }
}

// ---------------------------------------------------------------------------
// Changing a form
// ---------------------------------------------------------------------------

dual! {
    async fn the_author_or_a_manager_changes_the_form_until_it_is_triaged(app) {
        let w = cop_world(app, "fb-change", 1).await;
        let m = past_meeting(app, &w, &w.community_id, 3).await;
        let f = file(app, &m, &w.chair.token, form()).await.expect(201);
        let kept_point = f["points"][0]["id"].clone();
        let kept_escalation = f["points"][0]["escalation"]["id"].clone();
        let changed_escalation = f["points"][2]["escalation"]["id"].as_str().unwrap().to_owned();
        let new = json!({
            "content_summary": "Case discussion on supervision.",
            "outputs": [],
            "points": [
                {"kind": "advise", "nature": "escalation", "text": "Fund protected CPD time for all PWPs."},
                {"kind": "alert", "nature": "escalation", "text": "Waiting lists for step 3 have doubled."}
            ]
        });
        // Not the author (another core member, a plain member): 403; another
        // network: 404; a stale version: 412.
        put_form(app, &m, &w.co_chair.token, new.clone(), None).await.problem(403, "not-feedback-author");
        put_form(app, &m, &w.members[0].token, new.clone(), None).await.problem(403, "not-feedback-author");
        put_form(app, &m, &w.stranger.token, new.clone(), None).await.problem(404, "not-found");
        put_form(app, &m, &w.chair.token, new.clone(), Some("\"7\"")).await.problem(412, "stale-version");
        let mut bad = new.clone();
        bad["points"][0]["text"] = json!("");
        assert_violation(&put_form(app, &m, &w.chair.token, bad, Some("\"1\"")).await, "points[0].text", "required");

        let r = put_form(app, &m, &w.chair.token, new.clone(), Some("\"1\"")).await;
        let g = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(point_texts(&g), ["Fund protected CPD time for all PWPs.", "Waiting lists for step 3 have doubled."]);
        assert_eq!(g["outputs"], json!([]));
        // The unchanged point keeps its id and escalation (now second).
        assert_eq!(g["points"][1]["id"], kept_point);
        assert_eq!(g["points"][1]["escalation"]["id"], kept_escalation);
        // The changed point is new, with a new raised escalation; the old
        // escalation and the commendation are gone.
        assert_ne!(g["points"][0]["escalation"]["id"].as_str(), Some(changed_escalation.as_str()));
        assert_eq!(g["points"][0]["escalation"]["status"], "raised");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM escalations WHERE id = '{changed_escalation}'")).await, 0);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM escalation_transitions WHERE escalation_id = '{changed_escalation}'")).await, 0);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM escalations WHERE meeting_id = '{m}'")).await, 2);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM feedback_points WHERE meeting_id = '{m}'")).await, 2);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = 'escalation.withdrawn' AND entity_id = '{changed_escalation}'")).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'feedback.changed'").await, 1);
        // The managers hear about the newly raised one only.
        let to = manager_email("fb-change");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{to}' AND topic = 'escalations.raised'")).await, 2);
        let mail = app.outbox_payload(&to, "escalations.raised").await.unwrap();
        assert_eq!(mail["subject"], format!("1 escalation raised by {}", w.community_name));
        let event = app.query("SELECT payload FROM outbox WHERE topic = 'feedback.submitted' ORDER BY id DESC").await;
        let event: Value = serde_json::from_str(event[0][0].as_str().unwrap()).unwrap();
        assert_eq!(event["changed"], true);
        assert_eq!(event["version"], 2);

        // A manager may change it too.
        put_form(app, &m, &w.manager.token, new.clone(), Some("\"2\"")).await.expect(200);
        // Once an escalation is triaged the form is settled.
        let e = g["points"][1]["escalation"]["id"].as_str().unwrap();
        app.send(app.req(Method::PATCH, &format!("/v1/escalations/{e}"), Some(&w.manager.token)).json(
            &json!({"status": "routed", "routed_to": "workforce_council", "note": "Workforce planning"}),
        )).await.expect(200);
        put_form(app, &m, &w.chair.token, new, Some("\"3\"")).await.problem(409, "feedback-triaged");
        // A form never filed cannot be changed.
        let m2 = past_meeting(app, &w, &w.community_id, 2).await;
        put_form(app, &m2, &w.chair.token, form(), None).await.problem(404, "not-found");
    }
}

// ---------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------

dual! {
    async fn the_list_shows_managers_everything_and_core_teams_their_cops(app) {
        let w = cop_world(app, "fb-list", 2).await;
        // A second CoP where the first plain member is secretary.
        let c2 = app.community(&w.manager.token, &w.network_id, "closed", 20, json!({})).await;
        let c2 = id_of(&c2);
        add_member(app, &c2, &w.members[0].id, CommunityRole::Secretary, JOINED_DAYS_AGO).await;
        let m1 = past_meeting(app, &w, &w.community_id, 40).await;
        let m2 = past_meeting(app, &w, &c2, 3).await;
        let f1 = file(app, &m1, &w.chair.token, form()).await.expect(201);
        let f2 = file(app, &m2, &w.members[0].token, json!({"content_summary": "All well", "points": [
            {"kind": "assure", "nature": "commendation", "text": "Caseloads are stable."}
        ]})).await.expect(201);
        let (f1, f2) = (id_of(&f1), id_of(&f2));
        let list = |q: String, t: String| async move { app.get(&format!("/v1/feedback{q}"), Some(&t)).await };
        assert_eq!(ids(&list(String::new(), w.manager.token.clone()).await.expect(200)), [f1.as_str(), f2.as_str()]);
        assert_eq!(ids(&list(String::new(), w.admin.clone()).await.expect(200)), [f1.as_str(), f2.as_str()]);
        assert_eq!(ids(&list(String::new(), w.chair.token.clone()).await.expect(200)), [f1.as_str()]);
        assert_eq!(ids(&list(String::new(), w.members[0].token.clone()).await.expect(200)), [f2.as_str()]);
        // Ordinary members and outsiders: an empty list.
        assert!(ids(&list(String::new(), w.members[1].token.clone()).await.expect(200)).is_empty());
        assert!(ids(&list(String::new(), w.outsider.token.clone()).await.expect(200)).is_empty());
        assert!(ids(&list(String::new(), w.stranger.token.clone()).await.expect(200)).is_empty());
        // Filters.
        let mgr = || w.manager.token.clone();
        assert_eq!(ids(&list(format!("?community_id={c2}"), mgr()).await.expect(200)), [f2.as_str()]);
        assert_eq!(ids(&list(format!("?network_id={}", w.network_id), mgr()).await.expect(200)).len(), 2);
        assert_eq!(ids(&list("?kind=alert".into(), mgr()).await.expect(200)), [f1.as_str()]);
        assert_eq!(ids(&list("?kind=assure&nature=commendation".into(), mgr()).await.expect(200)), [f1.as_str(), f2.as_str()]);
        assert_eq!(ids(&list("?kind=assure&nature=escalation".into(), mgr()).await.expect(200)), Vec::<String>::new());
        let ten_days_ago = (chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(ids(&list(format!("?from={ten_days_ago}"), mgr()).await.expect(200)), [f2.as_str()]);
        assert_eq!(ids(&list(format!("?to={ten_days_ago}"), mgr()).await.expect(200)), [f1.as_str()]);
        // Pages.
        let p1 = list("?limit=1".into(), mgr()).await.expect(200);
        assert_eq!(ids(&p1), [f1.as_str()]);
        let cursor = p1["next_cursor"].as_str().unwrap();
        let p2 = list(format!("?limit=1&cursor={cursor}"), mgr()).await.expect(200);
        assert_eq!(ids(&p2), [f2.as_str()]);
        assert_eq!(p2["next_cursor"], Value::Null);
        // Bad filters and hidden networks.
        assert_allowed_values(&list("?kind=warn".into(), mgr()).await, "kind", &["advise", "assure", "alert"]);
        assert_allowed_values(&list("?nature=x".into(), mgr()).await, "nature", &["escalation", "commendation"]);
        assert_violation(&list("?network_id=nope".into(), mgr()).await, "network_id", "invalid_uuid");
        assert_violation(&list("?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z".into(), mgr()).await, "to", "before_from");
        list(format!("?network_id={}", w.network_id), w.stranger.token.clone()).await.problem(404, "not-found");
        list(format!("?community_id={c2}"), w.stranger.token.clone()).await.problem(404, "not-found");
    }
}
