//! Complaints: raised by members about a match they are in or another
//! member; visible to the network's managers (full view) and to the
//! complainant (status and own text only), while a manager a complaint is
//! about sees only that it exists; handled by managers through
//! open → investigating → resolved/dismissed with an outcome note.
use peerhub_tests::matching_world::*;
use peerhub_tests::world::Person;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const SUMMARY: &str = "My supporter cancelled four sessions in a row without notice.";

fn about_match(w: &MatchWorld) -> Value {
    json!({"network_id": w.network_id, "match_id": w.match_id, "summary": SUMMARY})
}

fn about_member(w: &MatchWorld, user_id: &str, summary: &str) -> Value {
    json!({"network_id": w.network_id, "subject_user_id": user_id, "summary": summary})
}

async fn raise(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/v1/complaints", Some(token), body)
        .await
        .expect(201)
}

async fn patch(app: &TestApp, id: &str, token: &str, body: Value, if_match: Option<&str>) -> Resp {
    let mut rb = app.req(Method::PATCH, &format!("/v1/complaints/{id}"), Some(token));
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb.json(&body)).await
}

/// A manager of a network of their own (not the world's).
async fn other_manager(app: &TestApp, w: &MatchWorld, slug: &str) -> Person {
    let net = app
        .create_network(&w.admin, &format!("{slug}-third"), &["third.example.org"])
        .await;
    let token = app
        .invited(
            &w.admin,
            net["id"].as_str().unwrap_or_default(),
            &format!("manager@{slug}-third.example.org"),
            "manager",
        )
        .await;
    Person {
        id: user_id_of(&token),
        token,
    }
}

/// The keys only managers see.
const MANAGER_ONLY: [&str; 4] = ["complainant_id", "outcome", "handled_by", "version"];

#[track_caller]
fn assert_complainant_view(v: &Value) {
    assert_eq!(v["view"], "complainant", "{v}");
    for k in MANAGER_ONLY {
        assert!(v.get(k).is_none(), "{k} shown to the complainant: {v}");
    }
}

// ---------------------------------------------------------------------------
// Raising
// ---------------------------------------------------------------------------

dual! {
    async fn members_raise_complaints_about_a_match_or_a_member(app) {
        let w = match_world(app, "cp-raise").await;
        let r = app.post("/v1/complaints", Some(&w.peer.token), about_match(&w)).await;
        let v = r.expect(201);
        let id = id_of(&v);
        assert_eq!(r.header("location"), Some(format!("/v1/complaints/{id}")));
        assert_eq!(r.header("etag"), None, "the complainant cannot change it");
        assert_complainant_view(&v);
        assert_eq!(v["network_id"], w.network_id.as_str());
        assert_eq!(v["status"], "open");
        assert_eq!(v["about"], json!({"match_id": w.match_id}));
        assert_eq!(v["summary"], SUMMARY);
        assert_eq!(v["closed_at"], Value::Null);

        // About a member (not in a match with them), with the text trimmed.
        let v = raise(app, &w.member.token, about_member(&w, &w.supporter.id, "  Dismissive in the group chat.  ")).await;
        assert_eq!(v["about"], json!({"subject_user_id": w.supporter.id}));
        assert_eq!(v["summary"], "Dismissive in the group chat.");

        // A manager raising one gets the manager view.
        let r = app.post("/v1/complaints", Some(&w.manager.token), about_member(&w, &w.member.id, "Shared a peer's story.")).await;
        let v = r.expect(201);
        assert_eq!(v["view"], "manager");
        assert_eq!(v["complainant_id"], w.manager.id.as_str());
        assert_eq!(v["version"], 1);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));

        // The event carries ids only; the audit names fields only.
        let rows = app.query(&format!("SELECT payload, network_id FROM outbox WHERE topic = 'complaint.raised' AND aggregate_id = '{id}'")).await;
        assert_eq!(rows.len(), 1);
        let payload: Value = serde_json::from_str(rows[0][0].as_str().unwrap_or_default()).unwrap_or(Value::Null);
        assert_eq!(payload["complaint_id"], id.as_str());
        assert_eq!(payload["network_id"], w.network_id.as_str());
        assert_eq!(payload["match_id"], w.match_id.as_str());
        assert_eq!(rows[0][1], w.network_id.as_str());
        let all = app.query("SELECT payload FROM outbox WHERE topic LIKE 'complaint.%'").await;
        assert_eq!(all.len(), 3);
        for row in all {
            let text = row[0].as_str().unwrap_or_default();
            assert!(!text.contains("cancelled") && !text.contains("Dismissive") && !text.contains("story"), "{text}");
        }
        let audit = app.query(&format!("SELECT changed_fields, actor_id FROM audit_events WHERE action = 'complaint.raised' AND entity_id = '{id}'")).await;
        assert_eq!(audit.len(), 1);
        assert!(!audit[0][0].as_str().unwrap_or_default().contains("cancelled"));
        assert_eq!(audit[0][1], w.peer.id.as_str());
    }
}

dual! {
    async fn raising_validates_each_field(app) {
        let w = match_world(app, "cp-valid").await;
        let peer = Some(w.peer.token.as_str());
        for body in [
            json!({"network_id": w.network_id, "summary": SUMMARY}),
            json!({"network_id": w.network_id, "match_id": w.match_id, "subject_user_id": w.member.id, "summary": SUMMARY}),
        ] {
            let r = app.post("/v1/complaints", peer, body).await;
            assert_violation(&r, "match_id", "one_of");
            assert_violation(&r, "subject_user_id", "one_of");
        }
        let mut body = about_match(&w);
        body["summary"] = json!("   ");
        assert_violation(&app.post("/v1/complaints", peer, body.clone()).await, "summary", "required");
        body["summary"] = json!("x".repeat(4001));
        assert_violation(&app.post("/v1/complaints", peer, body.clone()).await, "summary", "too_long");
        body["summary"] = json!("x".repeat(4000));
        app.post("/v1/complaints", peer, body).await.expect(201);
        assert_violation(
            &app.post("/v1/complaints", peer, json!({"network_id": w.network_id, "match_id": w.match_id})).await,
            "summary",
            "required",
        );
        assert_violation(&app.post("/v1/complaints", peer, about_member(&w, &w.peer.id, SUMMARY)).await, "subject_user_id", "is_self");
        assert_violation(&app.post("/v1/complaints", peer, about_member(&w, &w.stranger.id, SUMMARY)).await, "subject_user_id", "not_a_member");
        assert_violation(&app.post("/v1/complaints", peer, about_member(&w, "someone", SUMMARY)).await, "subject_user_id", "invalid_uuid");
        assert_violation(
            &app.post("/v1/complaints", peer, json!({"network_id": w.network_id, "match_id": "m-1", "summary": SUMMARY})).await,
            "match_id",
            "invalid_uuid",
        );
        assert_violation(
            &app.post("/v1/complaints", peer, json!({"network_id": "n", "match_id": w.match_id, "summary": SUMMARY})).await,
            "network_id",
            "invalid_uuid",
        );
        assert_violation(
            &app.post("/v1/complaints", peer, json!({"network_id": w.network_id, "match_id": w.match_id, "summary": SUMMARY, "status": "resolved"})).await,
            "status",
            "unknown_field",
        );

        // A match you are not in, or that does not exist: 404.
        app.post("/v1/complaints", Some(&w.member.token), about_match(&w)).await.problem(404, "not-found");
        app.post("/v1/complaints", Some(&w.manager.token), about_match(&w)).await.problem(404, "not-found");
        let mut unknown = about_match(&w);
        unknown["match_id"] = json!(uuid::Uuid::now_v7().to_string());
        app.post("/v1/complaints", peer, unknown).await.problem(404, "not-found");
        // A network you are not in: 404.
        app.post("/v1/complaints", Some(&w.stranger.token), about_member(&w, &w.member.id, SUMMARY)).await.problem(404, "not-found");
        let mut other = about_member(&w, &w.member.id, SUMMARY);
        other["network_id"] = json!(uuid::Uuid::now_v7().to_string());
        app.post("/v1/complaints", peer, other).await.problem(404, "not-found");
        app.post("/v1/complaints", None, about_match(&w)).await.problem(401, "authentication-required");
        assert_eq!(app.count("SELECT COUNT(*) FROM complaints").await, 1);

        // An ended match can still be complained about.
        w.end(app).await;
        raise(app, &w.supporter.token, about_match(&w)).await;
    }
}

// ---------------------------------------------------------------------------
// Visibility
// ---------------------------------------------------------------------------

dual! {
    async fn managers_see_all_and_complainants_their_own(app) {
        let w = match_world(app, "cp-see").await;
        let a = id_of(&raise(app, &w.peer.token, about_match(&w)).await);
        let b = id_of(&raise(app, &w.member.token, about_member(&w, &w.supporter.id, "Rude at the induction.")).await);
        let outsider = other_manager(app, &w, "cp-see").await;

        // Managers of the network (and the platform admin): every complaint,
        // full view.
        for token in [&w.manager.token, &w.lead.token, &w.admin] {
            let page = app.get("/v1/complaints", Some(token)).await.expect(200);
            assert_eq!(ids(&page), vec![a.clone(), b.clone()]);
            assert_eq!(page["items"][0]["view"], "manager");
            assert_eq!(page["items"][0]["complainant_id"], w.peer.id.as_str());
            assert_eq!(page["items"][1]["complainant_id"], w.member.id.as_str());
            let page = app.get(&format!("/v1/complaints?network_id={}", w.network_id), Some(token)).await.expect(200);
            assert_eq!(ids(&page).len(), 2);
        }
        // The complainant: only their own, limited view.
        let page = app.get("/v1/complaints", Some(&w.peer.token)).await.expect(200);
        assert_eq!(ids(&page), vec![a.clone()]);
        assert_complainant_view(&page["items"][0]);
        let page = app.get(&format!("/v1/complaints?network_id={}", w.network_id), Some(&w.peer.token)).await.expect(200);
        assert_eq!(ids(&page), vec![a.clone()]);
        let page = app.get("/v1/complaints", Some(&w.member.token)).await.expect(200);
        assert_eq!(ids(&page), vec![b.clone()]);
        // People who raised nothing see nothing; other networks see nothing.
        for token in [&w.supporter.token, &w.stranger.token, &outsider.token] {
            let page = app.get("/v1/complaints", Some(token)).await.expect(200);
            assert!(ids(&page).is_empty(), "{page}");
        }
        app.get(&format!("/v1/complaints?network_id={}", w.network_id), Some(&outsider.token)).await.problem(404, "not-found");
        app.get(&format!("/v1/complaints?network_id={}", w.network_id), Some(&w.stranger.token)).await.problem(404, "not-found");

        // One complaint.
        let r = app.get(&format!("/v1/complaints/{a}"), Some(&w.manager.token)).await;
        let v = r.expect(200);
        assert_eq!(v["view"], "manager");
        assert_eq!(v["summary"], SUMMARY);
        assert_eq!(v["outcome"], Value::Null);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        let r = app.get(&format!("/v1/complaints/{a}"), Some(&w.peer.token)).await;
        assert_complainant_view(&r.expect(200));
        assert_eq!(r.header("etag"), None);
        for token in [&w.member.token, &w.supporter.token, &w.stranger.token, &outsider.token] {
            app.get(&format!("/v1/complaints/{a}"), Some(token)).await.problem(404, "not-found");
        }
        app.get(&format!("/v1/complaints/{}", uuid::Uuid::now_v7()), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get("/v1/complaints/x", Some(&w.manager.token)).await.problem(400, "invalid-parameter");

        // Once resolved, the complainant sees the status, not the note.
        patch(app, &a, &w.manager.token, json!({"status": "investigating"}), None).await.expect(200);
        patch(app, &a, &w.lead.token, json!({"status": "resolved", "outcome": "Spoke with the supporter's supervisor."}), None).await.expect(200);
        let v = app.get(&format!("/v1/complaints/{a}"), Some(&w.peer.token)).await.expect(200);
        assert_complainant_view(&v);
        assert_eq!(v["status"], "resolved");
        assert!(v["closed_at"].is_string());
        assert!(!v.to_string().contains("supervisor"), "{v}");
        let page = app.get("/v1/complaints", Some(&w.peer.token)).await.expect(200);
        assert!(!page.to_string().contains("supervisor"), "{page}");

        // Filters.
        let page = app.get("/v1/complaints?status=open", Some(&w.manager.token)).await.expect(200);
        assert_eq!(ids(&page), vec![b.clone()]);
        let page = app.get("/v1/complaints?status=resolved", Some(&w.peer.token)).await.expect(200);
        assert_eq!(ids(&page), vec![a.clone()]);
        let page = app.get("/v1/complaints?limit=1", Some(&w.manager.token)).await.expect(200);
        assert_eq!(ids(&page), vec![a.clone()]);
        assert!(page["next_cursor"].is_string());
        let statuses = ["open", "investigating", "resolved", "dismissed"];
        let r = app.get("/v1/complaints?status=closed", Some(&w.manager.token)).await;
        assert_violation(&r, "status", "invalid_value");
        assert_allowed_values(&r, "status", &statuses);
        assert_violation(&app.get("/v1/complaints?network_id=abc", Some(&w.manager.token)).await, "network_id", "invalid_uuid");
        app.get("/v1/complaints", None).await.problem(401, "authentication-required");
    }
}

// ---------------------------------------------------------------------------
// Handling
// ---------------------------------------------------------------------------

dual! {
    async fn managers_move_complaints_through_the_workflow(app) {
        let w = match_world(app, "cp-flow").await;
        let id = id_of(&raise(app, &w.peer.token, about_match(&w)).await);
        let mgr = w.manager.token.as_str();

        // open → resolved skips the investigation.
        let p = patch(app, &id, mgr, json!({"status": "resolved", "outcome": "Done."}), None).await.problem(409, "invalid-transition");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("open") && detail.contains("resolved"), "{detail}");
        patch(app, &id, mgr, json!({"status": "open"}), None).await.problem(409, "invalid-transition");

        // open → investigating, with If-Match.
        patch(app, &id, mgr, json!({"status": "investigating"}), Some("\"7\"")).await.problem(412, "stale-version");
        let r = patch(app, &id, mgr, json!({"status": "investigating"}), Some("\"1\"")).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(v["status"], "investigating");
        assert_eq!(v["handled_by"], w.manager.id.as_str());
        assert_eq!(v["closed_at"], Value::Null);
        assert_eq!(v["version"], 2);
        patch(app, &id, mgr, json!({"status": "investigating"}), None).await.problem(409, "invalid-transition");
        let p = patch(app, &id, mgr, json!({"status": "open"}), None).await.problem(409, "invalid-transition");
        assert!(p["detail"].as_str().unwrap_or_default().contains("investigating"));

        // Closing needs an outcome note.
        assert_violation(&patch(app, &id, mgr, json!({"status": "resolved"}), None).await, "outcome", "required");
        assert_violation(&patch(app, &id, mgr, json!({"status": "resolved", "outcome": " "}), None).await, "outcome", "required");
        assert_violation(&patch(app, &id, mgr, json!({"status": "resolved", "outcome": "x".repeat(4001)}), None).await, "outcome", "too_long");
        let statuses = ["open", "investigating", "resolved", "dismissed"];
        assert_allowed_values(&patch(app, &id, mgr, json!({"status": "fixed"}), None).await, "status", &statuses);
        assert_violation(&patch(app, &id, mgr, json!({}), None).await, "status", "required");
        assert_violation(&patch(app, &id, mgr, json!({"note": "x"}), None).await, "note", "unknown_field");

        // A note first, then resolving with it.
        let v = patch(app, &id, &w.lead.token, json!({"outcome": "Supporter apologised; new match offered."}), None).await.expect(200);
        assert_eq!(v["status"], "investigating");
        assert_eq!(v["handled_by"], w.lead.id.as_str());
        let r = patch(app, &id, mgr, json!({"status": "resolved"}), Some("\"3\"")).await;
        let v = r.expect(200);
        assert_eq!(v["status"], "resolved");
        assert_eq!(v["outcome"], "Supporter apologised; new match offered.");
        assert_eq!(v["handled_by"], w.manager.id.as_str());
        assert!(v["closed_at"].is_string());
        assert_eq!(r.header("etag").as_deref(), Some("\"4\""));

        // Closed complaints do not change.
        for body in [json!({"status": "dismissed", "outcome": "x"}), json!({"outcome": "Changed my mind."}), json!({"status": "investigating"})] {
            patch(app, &id, mgr, body, None).await.problem(409, "complaint-closed");
        }

        // open → dismissed, with its note in the same call.
        let other = id_of(&raise(app, &w.member.token, about_member(&w, &w.supporter.id, "Did not like their tone.")).await);
        assert_violation(&patch(app, &other, mgr, json!({"status": "dismissed"}), None).await, "outcome", "required");
        let v = patch(app, &other, mgr, json!({"status": "dismissed", "outcome": "Outside the programme's remit."}), None).await.expect(200);
        assert_eq!(v["status"], "dismissed");
        assert!(v["closed_at"].is_string());

        // Events: ids and statuses only.
        let rows = app.query(&format!("SELECT payload FROM outbox WHERE topic = 'complaint.status_changed' AND aggregate_id = '{id}' ORDER BY id")).await;
        let statuses: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                let p: Value = serde_json::from_str(r[0].as_str().unwrap_or_default()).unwrap_or(Value::Null);
                assert!(p.get("outcome").is_none() && !r[0].as_str().unwrap_or_default().contains("apologised"), "{p}");
                (p["from"].as_str().unwrap_or_default().to_owned(), p["status"].as_str().unwrap_or_default().to_owned())
            })
            .collect();
        assert_eq!(statuses, vec![("open".into(), "investigating".into()), ("investigating".into(), "resolved".into())]);
        let audit = app.query(&format!("SELECT changed_fields FROM audit_events WHERE entity_id = '{id}' ORDER BY id")).await;
        assert_eq!(audit.len(), 4, "raised, investigating, note, resolved");
        for row in audit {
            assert!(!row[0].as_str().unwrap_or_default().contains("apologised"));
        }
    }
}

dual! {
    async fn only_the_networks_managers_handle_complaints(app) {
        let w = match_world(app, "cp-who").await;
        let id = id_of(&raise(app, &w.peer.token, about_match(&w)).await);
        let outsider = other_manager(app, &w, "cp-who").await;
        let body = json!({"status": "investigating"});
        // The complainant can see it but not handle it.
        patch(app, &id, &w.peer.token, body.clone(), None).await.problem(403, "forbidden");
        // Everyone else cannot see it.
        for token in [&w.member.token, &w.supporter.token, &w.stranger.token, &outsider.token] {
            patch(app, &id, token, body.clone(), None).await.problem(404, "not-found");
        }
        patch(app, &uuid::Uuid::now_v7().to_string(), &w.manager.token, body.clone(), None).await.problem(404, "not-found");
        let v = app.get(&format!("/v1/complaints/{id}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["status"], "open");
        assert_eq!(v["version"], 1);
        // The platform admin may.
        patch(app, &id, &w.admin, body, None).await.expect(200);
    }
}

dual! {
    async fn a_manager_does_not_handle_a_complaint_that_involves_them(app) {
        let w = match_world(app, "coi").await;
        // About the manager themselves: they see that it exists (nothing
        // more), and may not handle it.
        let c = raise(app, &w.peer.token, about_member(&w, &w.manager.id, SUMMARY)).await;
        let id = id_of(&c);
        let v = app.get(&format!("/v1/complaints/{id}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["view"], "involved", "{v}");
        patch(app, &id, &w.manager.token, json!({"status": "investigating"}), None)
            .await
            .problem(403, "conflict-of-interest");
        let v = patch(app, &id, &w.lead.token, json!({"status": "investigating"}), None)
            .await
            .expect(200);
        assert_eq!(v["handled_by"], w.lead.id.as_str());
        // Raised by a manager: another manager handles it.
        let c = raise(app, &w.lead.token, about_member(&w, &w.member.id, SUMMARY)).await;
        let id = id_of(&c);
        patch(app, &id, &w.lead.token, json!({"status": "dismissed", "outcome": "Mine"}), None)
            .await
            .problem(403, "conflict-of-interest");
        patch(app, &id, &w.manager.token, json!({"status": "dismissed", "outcome": "Outside our remit"}), None)
            .await
            .expect(200);
        // The platform admin handles what involves every manager.
        patch(app, &id_of(&raise(app, &w.manager.token, about_member(&w, &w.lead.id, SUMMARY)).await), &w.admin, json!({"status": "investigating"}), None)
            .await
            .expect(200);
    }
}

// ---------------------------------------------------------------------------
// The people a complaint is about
// ---------------------------------------------------------------------------

/// The keys a person a complaint is about never sees.
const NOT_FOR_THE_SUBJECT: [&str; 8] = [
    "complainant_id",
    "about",
    "summary",
    "outcome",
    "handled_by",
    "closed_at",
    "version",
    "updated_at",
];

/// Asserts `v` is the involved view of complaint `id`: that it exists, and
/// nothing of who raised it (`complainant`), their name, or `secret` text.
#[track_caller]
fn assert_existence_only(v: &Value, id: &str, complainant: &Person, name: &str, secret: &str) {
    assert_eq!(v["view"], "involved", "{v}");
    assert_eq!(v["id"], id, "{v}");
    assert!(
        v["status"].is_string() && v["created_at"].is_string(),
        "{v}"
    );
    for k in NOT_FOR_THE_SUBJECT {
        assert!(
            v.get(k).is_none(),
            "{k} shown to the person it is about: {v}"
        );
    }
    let text = v.to_string();
    assert!(
        !text.contains(&complainant.id),
        "the complainant's id: {text}"
    );
    assert!(!text.contains(name), "the complainant's name: {text}");
    assert!(!text.contains(secret), "the complaint's text: {text}");
}

dual! {
    async fn a_manager_a_complaint_is_about_sees_only_that_it_exists(app) {
        let w = match_world(app, "cp-about").await;
        // The member's display name (what registration gave them).
        let name = "member.cp-about";
        let secret = "ABOUT-CANARY shouted at me after the supervision group";
        let id = id_of(&raise(app, &w.member.token, about_member(&w, &w.manager.id, secret)).await);
        let path = format!("/v1/complaints/{id}");

        // The manager it is about: that it exists, nothing else, no ETag.
        let r = app.get(&path, Some(&w.manager.token)).await;
        let v = r.expect(200);
        assert_existence_only(&v, &id, &w.member, name, secret);
        assert_eq!(v["network_id"], w.network_id.as_str());
        assert_eq!(v["status"], "open");
        assert_eq!(r.header("etag"), None, "they cannot act on it");
        // The same in every list they can ask for.
        for list in [
            "/v1/complaints".to_owned(),
            format!("/v1/complaints?network_id={}", w.network_id),
            "/v1/complaints?status=open".to_owned(),
        ] {
            let r = app.get(&list, Some(&w.manager.token)).await;
            let page = r.expect(200);
            assert_eq!(ids(&page), vec![id.clone()], "{list}");
            assert_existence_only(&page["items"][0], &id, &w.member, name, secret);
            assert!(!r.text.contains(&w.member.id) && !r.text.contains(secret), "{list}: {}", r.text);
        }
        // Acting on it is refused without saying more.
        let r = patch(app, &id, &w.manager.token, json!({"status": "investigating"}), None).await;
        r.problem(403, "conflict-of-interest");
        assert!(!r.text.contains(&w.member.id) && !r.text.contains(secret), "{}", r.text);

        // Another manager handles it and sees everything.
        let full = app.get(&path, Some(&w.lead.token)).await.expect(200);
        assert_eq!(full["view"], "manager");
        assert_eq!(full["complainant_id"], w.member.id.as_str());
        assert_eq!(full["summary"], secret);
        patch(app, &id, &w.lead.token, json!({"status": "investigating"}), None).await.expect(200);
        patch(app, &id, &w.lead.token, json!({"status": "resolved", "outcome": "OUTCOME-CANARY spoke to both"}), None)
            .await
            .expect(200);
        // Once resolved: the new status, still nothing else.
        let r = app.get(&path, Some(&w.manager.token)).await;
        let v = r.expect(200);
        assert_existence_only(&v, &id, &w.member, name, secret);
        assert_eq!(v["status"], "resolved");
        assert!(!r.text.contains("OUTCOME-CANARY") && !r.text.contains(&w.lead.id), "{}", r.text);
        let r = app.get("/v1/complaints", Some(&w.manager.token)).await;
        assert!(!r.text.contains("OUTCOME-CANARY") && !r.text.contains(&w.member.id), "{}", r.text);

        // A member a complaint is about sees nothing of it, as before.
        let other = id_of(&raise(app, &w.peer.token, about_member(&w, &w.member.id, "MEMBER-CANARY")).await);
        app.get(&format!("/v1/complaints/{other}"), Some(&w.member.token)).await.problem(404, "not-found");
        let page = app.get("/v1/complaints", Some(&w.member.token)).await.expect(200);
        assert_eq!(ids(&page), vec![id.clone()], "only the one they raised");
        assert!(!page.to_string().contains("MEMBER-CANARY"));
        // The manager it is not about sees it in full.
        let v = app.get(&format!("/v1/complaints/{other}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["view"], "manager");
    }
}

dual! {
    async fn a_manager_in_the_match_complained_about_does_not_learn_who_complained(app) {
        let w = match_world(app, "cp-inmatch").await;
        // The lead (a manager) supports the member in a second match.
        let s = app
            .post(
                &w.programme_path("/supporters"),
                Some(&w.manager.token),
                json!({"user_id": w.lead.id, "capacity": 1, "trained_on": "2026-01-15", "supervisor_id": w.supervisor.id}),
            )
            .await
            .expect(201);
        let r = app
            .post(&w.programme_path("/requests"), Some(&w.member.token), json!({"availability": "Mondays"}))
            .await
            .expect(201);
        let m = app
            .post(
                &w.programme_path("/matches"),
                Some(&w.manager.token),
                json!({"request_id": r["id"], "supporter_id": s["id"]}),
            )
            .await
            .expect(201);
        let match_id = m["id"].as_str().unwrap_or_default().to_owned();
        let secret = "INMATCH-CANARY my supporter missed our first session";
        let c = raise(app, &w.member.token, json!({"network_id": w.network_id, "match_id": match_id, "summary": secret})).await;
        let id = id_of(&c);

        // The lead reads that it exists: not the match (which would name the
        // member), not the member, not the text.
        let r = app.get(&format!("/v1/complaints/{id}"), Some(&w.lead.token)).await;
        let v = r.expect(200);
        assert_existence_only(&v, &id, &w.member, "member.cp-inmatch", secret);
        assert!(!r.text.contains(&match_id), "{}", r.text);
        let r = app.get("/v1/complaints", Some(&w.lead.token)).await;
        let page = r.expect(200);
        assert_eq!(ids(&page), vec![id.clone()]);
        assert_existence_only(&page["items"][0], &id, &w.member, "member.cp-inmatch", secret);
        assert!(!r.text.contains(&match_id), "{}", r.text);
        patch(app, &id, &w.lead.token, json!({"status": "investigating"}), None)
            .await
            .problem(403, "conflict-of-interest");
        // The manager who is not in it handles it with the full view.
        let v = app.get(&format!("/v1/complaints/{id}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["view"], "manager");
        assert_eq!(v["about"], json!({"match_id": match_id}));
        patch(app, &id, &w.manager.token, json!({"status": "investigating"}), None).await.expect(200);
        // The complainant still follows their own.
        assert_complainant_view(&app.get(&format!("/v1/complaints/{id}"), Some(&w.member.token)).await.expect(200));
    }
}
