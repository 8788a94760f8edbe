//! Escalations: triage by the network's managers from `raised` to
//! `closed` with a history, the 409 naming the allowed next statuses,
//! validation of each move, a parallel burst with one If-Match, escalating
//! a commendation, the list with its filters and `overdue`, bodies that
//! escalations were routed to, and a stored status that does not decode.
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

use super::feedback::{file, form, past_meeting};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn esc_path(id: &str) -> String {
    format!("/v1/escalations/{id}")
}

async fn patch(app: &TestApp, id: &str, token: &str, body: Value, if_match: Option<&str>) -> Resp {
    let mut rb = app.req(Method::PATCH, &esc_path(id), Some(token));
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb.json(&body)).await
}

/// A world with one filed form; returns the form's JSON.
async fn filed(app: &TestApp, slug: &str) -> (CopWorld, Value) {
    let w = cop_world(app, slug, 1).await;
    let m = past_meeting(app, &w, &w.community_id, 3).await;
    let f = file(app, &m, &w.chair.token, form()).await.expect(201);
    (w, f)
}

fn escalation_of(form: &Value, point: usize) -> String {
    form["points"][point]["escalation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("point {point} has no escalation: {form}"))
        .to_owned()
}

async fn put_bodies(app: &TestApp, w: &CopWorld, bodies: Value) -> Resp {
    app.send(
        app.req(
            Method::PUT,
            &format!("/v1/networks/{}/governance-bodies", w.network_id),
            Some(&w.manager.token),
        )
        .json(&json!({"bodies": bodies})),
    )
    .await
}

fn default_bodies(contact: Option<&str>, retire_regional: bool) -> Value {
    json!([
        {"key": "network_chair", "name": "Network chair"},
        {"key": "workforce_council", "name": "Workforce council", "contact_email": contact},
        {"key": "cppo_community", "name": "Chief psychological professions officers' CoP"},
        {"key": "regional_leads", "name": "Regional leads group", "retired": retire_regional},
        {"key": "national_workforce", "name": "National workforce, training and education directorate"}
    ])
}

// ---------------------------------------------------------------------------
// Triage
// ---------------------------------------------------------------------------

dual! {
    async fn managers_triage_an_escalation_to_closure(app) {
        let (w, f) = filed(app, "esc-triage").await;
        put_bodies(app, &w, default_bodies(Some("council@nhs.net"), false)).await.expect(200);
        let e = escalation_of(&f, 0);
        let r = app.get(&esc_path(&e), Some(&w.manager.token)).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(v["status"], "raised");
        assert_eq!(v["kind"], "alert");
        assert_eq!(v["nature"], "escalation");
        assert_eq!(v["text"], "Waiting lists for step 3 have doubled.");
        assert_eq!(v["community_name"], w.community_name.as_str());
        assert_eq!(v["overdue"], false);
        assert_eq!(v["history"].as_array().unwrap().len(), 1);
        assert_eq!(v["history"][0]["from"], Value::Null);
        assert_eq!(v["history"][0]["to"], "raised");
        assert_eq!(v["history"][0]["actor_id"], w.chair.id.as_str());

        // Route, with an email to the body's contact.
        let r = patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "workforce_council", "note": "A workforce planning question."}), Some("\"1\"")).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(v["status"], "routed");
        assert_eq!(v["routed_to"], "workforce_council");
        let mail = app.outbox_payload("council@nhs.net", "escalation.routed").await.expect("email to the body");
        assert!(mail["body"].as_str().unwrap().contains("Waiting lists for step 3 have doubled."));
        assert!(mail["body"].as_str().unwrap().contains("A workforce planning question."));
        // Re-route (no contact: no email), acknowledge, close.
        patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "network_chair", "note": "The chair takes it."}), Some("\"2\"")).await.expect(200);
        patch(app, &e, &w.admin, json!({"status": "acknowledged", "note": "The chair will raise it with commissioners."}), Some("\"3\"")).await.expect(200);
        let r = patch(app, &e, &w.manager.token, json!({"status": "closed", "note": "Funding for two posts agreed."}), Some("\"4\"")).await;
        let v = r.expect(200);
        assert_eq!(v["status"], "closed");
        assert_eq!(v["routed_to"], "network_chair");
        assert!(v["closed_at"].is_string());
        let steps: Vec<(Value, Value, Value)> = v["history"].as_array().unwrap().iter()
            .map(|s| (s["from"].clone(), s["to"].clone(), s["routed_to"].clone()))
            .collect();
        assert_eq!(steps, [
            (Value::Null, json!("raised"), Value::Null),
            (json!("raised"), json!("routed"), json!("workforce_council")),
            (json!("routed"), json!("routed"), json!("network_chair")),
            (json!("routed"), json!("acknowledged"), json!("network_chair")),
            (json!("acknowledged"), json!("closed"), json!("network_chair")),
        ]);
        assert_eq!(v["history"][3]["note"], "The chair will raise it with commissioners.");
        assert!(v["history"][3]["actor_name"].is_string());
        assert_eq!(v["history"][4]["actor_id"], w.manager.id.as_str());
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'escalation.routed' AND kind = 'email'").await, 1);
        for (topic, n) in [("escalation.routed", 2), ("escalation.acknowledged", 1), ("escalation.closed", 1)] {
            assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE topic = '{topic}' AND kind = 'event'")).await, n, "{topic}");
            assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = '{topic}' AND entity_id = '{e}'")).await, n, "{topic}");
        }
        // Closed is final: the 409 says nothing is allowed next.
        let p = patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "network_chair", "note": "again"}), None).await.problem(409, "invalid-transition");
        assert_eq!(p["allowed"], json!([]));
        // Closing straight from raised needs the reason it is not for escalation.
        let e2 = escalation_of(&f, 2);
        assert_violation(&patch(app, &e2, &w.manager.token, json!({"status": "closed"}), None).await, "note", "required");
        let v = patch(app, &e2, &w.manager.token, json!({"status": "closed", "note": "Not for escalation: resolved within the trust."}), None).await.expect(200);
        assert_eq!(v["status"], "closed");
        assert_eq!(v["routed_to"], Value::Null);
    }
}

dual! {
    async fn illegal_moves_name_the_allowed_statuses(app) {
        let (w, f) = filed(app, "esc-illegal").await;
        let e = escalation_of(&f, 0);
        let p = patch(app, &e, &w.manager.token, json!({"status": "acknowledged", "note": "n"}), None).await.problem(409, "invalid-transition");
        assert_eq!(p["allowed"], json!(["routed", "closed"]));
        assert!(p["detail"].as_str().unwrap().contains("allowed next: routed, closed"), "{p}");
        let p = patch(app, &e, &w.manager.token, json!({"status": "raised", "note": "n"}), None).await.problem(409, "invalid-transition");
        assert_eq!(p["allowed"], json!(["routed", "closed"]));
        patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "network_chair", "note": "n"}), None).await.expect(200);
        let p = patch(app, &e, &w.manager.token, json!({"status": "raised", "note": "n"}), None).await.problem(409, "invalid-transition");
        assert_eq!(p["allowed"], json!(["routed", "acknowledged", "closed"]));
        patch(app, &e, &w.manager.token, json!({"status": "acknowledged", "note": "n"}), None).await.expect(200);
        let p = patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "network_chair", "note": "n"}), None).await.problem(409, "invalid-transition");
        assert_eq!(p["allowed"], json!(["closed"]));
    }
}

dual! {
    async fn every_move_is_validated_by_field(app) {
        let (w, f) = filed(app, "esc-invalid").await;
        put_bodies(app, &w, default_bodies(None, true)).await.expect(200);
        let e = escalation_of(&f, 0);
        let send = |body: Value| patch(app, &e, &w.manager.token, body, None);
        assert_violation(&send(json!({"status": "routed", "routed_to": "network_chair"})).await, "note", "required");
        assert_violation(&send(json!({"status": "routed", "routed_to": "network_chair", "note": " "})).await, "note", "required");
        assert_violation(&send(json!({"status": "routed", "routed_to": "network_chair", "note": "n".repeat(2001)})).await, "note", "too_long");
        assert_violation(&send(json!({"status": "routed", "routed_to": "network_chair", "note": "Route\u{200b} it"})).await, "note", "invisible_characters");
        assert_violation(&send(json!({"status": "routed", "note": "n"})).await, "routed_to", "required");
        assert_violation(&send(json!({"status": "routed", "routed_to": "ministry", "note": "n"})).await, "routed_to", "unknown_body");
        assert_violation(&send(json!({"status": "routed", "routed_to": "regional_leads", "note": "n"})).await, "routed_to", "retired_body");
        assert_violation(&send(json!({"status": "closed", "routed_to": "network_chair", "note": "n"})).await, "routed_to", "not_allowed");
        assert_allowed_values(&send(json!({"status": "escalated", "note": "n"})).await, "status", &["raised", "routed", "acknowledged", "closed"]);
        assert_violation(&send(json!({"status": "closed", "note": "n", "reason": "x"})).await, "reason", "unknown_field");
        // Nothing moved.
        let v = app.get(&esc_path(&e), Some(&w.manager.token)).await.expect(200);
        assert_eq!((v["status"].clone(), v["version"].clone()), (json!("raised"), json!(1)));
        // A stale If-Match.
        patch(app, &e, &w.manager.token, json!({"status": "closed", "note": "n"}), Some("\"9\"")).await.problem(412, "stale-version");
        // A 10 MB body.
        send(json!({"status": "closed", "note": "x".repeat(10 * 1024 * 1024)})).await.problem(413, "payload-too-large");
    }
}

dual! {
    async fn only_managers_of_the_network_see_and_triage(app) {
        let (w, f) = filed(app, "esc-who").await;
        let e = escalation_of(&f, 0);
        let route = json!({"status": "routed", "routed_to": "network_chair", "note": "n"});
        for t in [&w.chair.token, &w.members[0].token, &w.outsider.token] {
            app.get(&esc_path(&e), Some(t)).await.problem(403, "forbidden");
            patch(app, &e, t, route.clone(), None).await.problem(403, "forbidden");
            app.get("/v1/escalations", Some(t)).await.problem(403, "forbidden");
        }
        // Another network's person (and a manager of another network).
        app.get(&esc_path(&e), Some(&w.stranger.token)).await.problem(404, "not-found");
        patch(app, &e, &w.stranger.token, route.clone(), None).await.problem(404, "not-found");
        let (other, _) = filed(app, "esc-who-2").await;
        app.get(&esc_path(&e), Some(&other.manager.token)).await.problem(404, "not-found");
        patch(app, &e, &other.manager.token, route.clone(), None).await.problem(404, "not-found");
        app.get(&format!("/v1/escalations?network_id={}", w.network_id), Some(&other.manager.token)).await.problem(404, "not-found");
        // The other manager's list holds only their own network's.
        let theirs = app.get("/v1/escalations", Some(&other.manager.token)).await.expect(200);
        assert!(theirs["items"].as_array().unwrap().iter().all(|x| x["network_id"] == other.network_id.as_str()));
        // API tokens: another network's is told nothing (404); the
        // manager's own token has no scope these operations accept (403).
        let token_of = |t: String| async move {
            let r = app
                .post("/v1/api-tokens", Some(&t), json!({"name": "integration", "scopes": ["reports:read"], "current_password": PASSWORD}))
                .await
                .expect(201);
            r["secret"].as_str().unwrap_or_default().to_owned()
        };
        let strangers = token_of(w.stranger.token.clone()).await;
        app.get(&esc_path(&e), Some(&strangers)).await.problem(404, "not-found");
        patch(app, &e, &strangers, route.clone(), None).await.problem(404, "not-found");
        let managers = token_of(w.manager.token.clone()).await;
        app.get(&esc_path(&e), Some(&managers)).await.problem(403, "insufficient-scope");
        patch(app, &e, &managers, route.clone(), None).await.problem(403, "insufficient-scope");
        app.get("/v1/escalations", Some(&managers)).await.problem(403, "insufficient-scope");
        app.get(&format!("/v1/meetings/{}/feedback", f["meeting_id"].as_str().unwrap()), Some(&strangers))
            .await
            .problem(404, "not-found");
        // Unknown ids.
        let unknown = "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d7e";
        app.get(&esc_path(unknown), Some(&w.manager.token)).await.problem(404, "not-found");
        patch(app, unknown, &w.manager.token, route.clone(), None).await.problem(404, "not-found");
        app.get(&esc_path("nope"), Some(&w.manager.token)).await.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn a_parallel_burst_with_one_if_match_moves_once(app) {
        let (w, f) = filed(app, "esc-burst").await;
        let e = escalation_of(&f, 0);
        let keys = ["network_chair", "workforce_council", "cppo_community", "regional_leads", "national_workforce"];
        let sends = keys.iter().map(|k| patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": k, "note": "n"}), Some("\"1\"")));
        let answers = futures_util::future::join_all(sends).await;
        assert_eq!(answers.iter().filter(|r| r.status.as_u16() == 200).count(), 1, "{answers:?}");
        for r in answers.iter().filter(|r| r.status.as_u16() != 200) {
            r.problem(412, "stale-version");
        }
        let v = app.get(&esc_path(&e), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["version"], 2);
        assert_eq!(v["history"].as_array().unwrap().len(), 2);
    }
}

// ---------------------------------------------------------------------------
// Escalating a commendation
// ---------------------------------------------------------------------------

dual! {
    async fn managers_escalate_a_commendation_once(app) {
        let (w, f) = filed(app, "esc-open").await;
        let commendation = f["points"][1]["id"].as_str().unwrap().to_owned();
        let escalation_point = f["points"][0]["id"].as_str().unwrap().to_owned();
        let open = |t: String, id: String| async move {
            app.post("/v1/escalations", Some(&t), json!({"feedback_point_id": id})).await
        };
        open(w.chair.token.clone(), commendation.clone()).await.problem(403, "forbidden");
        open(w.stranger.token.clone(), commendation.clone()).await.problem(404, "not-found");
        open(w.manager.token.clone(), "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d7e".into()).await.problem(404, "not-found");
        assert_violation(&open(w.manager.token.clone(), "nope".into()).await, "feedback_point_id", "invalid_uuid");
        open(w.manager.token.clone(), escalation_point).await.problem(409, "already-escalated");
        let r = open(w.manager.token.clone(), commendation.clone()).await;
        let v = r.expect(201);
        assert_eq!(r.header("location"), Some(esc_path(&id_of(&v))));
        assert_eq!(v["status"], "raised");
        assert_eq!(v["nature"], "commendation");
        assert_eq!(v["kind"], "assure");
        open(w.manager.token.clone(), commendation).await.problem(409, "already-escalated");
        // The form shows it.
        let g = app.get(&format!("/v1/meetings/{}/feedback", f["meeting_id"].as_str().unwrap()), Some(&w.chair.token)).await.expect(200);
        assert_eq!(g["points"][1]["escalation"]["id"], v["id"]);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = 'escalation.raised' AND entity_id = '{}'", id_of(&v))).await, 1);
    }
}

// ---------------------------------------------------------------------------
// Listing, overdue, bodies
// ---------------------------------------------------------------------------

dual! {
    async fn the_list_filters_and_marks_overdue(app) {
        let (w, f) = filed(app, "esc-list").await;
        let (e1, e2) = (escalation_of(&f, 0), escalation_of(&f, 2));
        let c = id_of(&app.post("/v1/escalations", Some(&w.manager.token), json!({"feedback_point_id": f["points"][1]["id"]})).await.expect(201));
        patch(app, &e2, &w.manager.token, json!({"status": "routed", "routed_to": "workforce_council", "note": "n"}), None).await.expect(200);
        let token = w.manager.token.clone();
        let list = |q: &str| {
            let path = format!("/v1/escalations{q}");
            let t = token.clone();
            async move { app.get(&path, Some(&t)).await }
        };
        assert_eq!(ids(&list("").await.expect(200)), [e1.as_str(), e2.as_str(), c.as_str()]);
        assert_eq!(ids(&list(&format!("?network_id={}", w.network_id)).await.expect(200)).len(), 3);
        assert_eq!(ids(&list(&format!("?community_id={}", w.community_id)).await.expect(200)).len(), 3);
        assert_eq!(ids(&list("?status=routed").await.expect(200)), [e2.as_str()]);
        assert_eq!(ids(&list("?nature=commendation").await.expect(200)), [c.as_str()]);
        assert_eq!(ids(&list("?routed_to=workforce_council").await.expect(200)), [e2.as_str()]);
        assert_eq!(ids(&list("?overdue=true").await.expect(200)), Vec::<String>::new());
        // Raised 31 days ago: overdue after the default 30 days.
        {
            use peerhub_persistence::entities::escalation;
            use peerhub_persistence::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            escalation::Entity::update_many()
                .col_expr(escalation::Column::RaisedAt, Expr::value(chrono::Utc::now() - chrono::Duration::days(31)))
                .filter(escalation::Column::Id.eq(e1.as_str()))
                .exec(&app.db)
                .await
                .unwrap();
        }
        assert_eq!(ids(&list("?overdue=true").await.expect(200)), [e1.as_str()]);
        assert_eq!(ids(&list("?overdue=false").await.expect(200)), [e2.as_str(), c.as_str()]);
        assert_eq!(app.get(&esc_path(&e1), Some(&w.manager.token)).await.expect(200)["overdue"], true);
        // The network's own threshold.
        let net = format!("/v1/networks/{}", w.network_id);
        for bad in [0, 366] {
            assert_violation(&app.patch(&net, Some(&w.manager.token), json!({"escalation_overdue_days": bad})).await, "escalation_overdue_days", "out_of_range");
        }
        assert_eq!(app.get(&net, Some(&w.manager.token)).await.expect(200)["escalation_overdue_days"], 30);
        let n = app.patch(&net, Some(&w.manager.token), json!({"escalation_overdue_days": 45})).await.expect(200);
        assert_eq!(n["escalation_overdue_days"], 45);
        assert_eq!(ids(&list("?overdue=true").await.expect(200)), Vec::<String>::new());
        assert_eq!(app.get(&esc_path(&e1), Some(&w.manager.token)).await.expect(200)["overdue"], false);
        // Closed is never overdue.
        app.patch(&net, Some(&w.manager.token), json!({"escalation_overdue_days": 1})).await.expect(200);
        assert_eq!(ids(&list("?overdue=true").await.expect(200)), [e1.as_str()]);
        patch(app, &e1, &w.manager.token, json!({"status": "closed", "note": "Not for escalation."}), None).await.expect(200);
        assert_eq!(ids(&list("?overdue=true").await.expect(200)), Vec::<String>::new());
        // Pages and bad filters.
        let p1 = list("?limit=2").await.expect(200);
        assert_eq!(ids(&p1), [e1.as_str(), e2.as_str()]);
        let p2 = list(&format!("?limit=2&cursor={}", p1["next_cursor"].as_str().unwrap())).await.expect(200);
        assert_eq!(ids(&p2), [c.as_str()]);
        assert_allowed_values(&list("?status=open").await, "status", &["raised", "routed", "acknowledged", "closed"]);
        assert_allowed_values(&list("?nature=x").await, "nature", &["escalation", "commendation"]);
        assert_violation(&list("?community_id=x").await, "community_id", "invalid_uuid");
        // Items carry no history in lists.
        assert_eq!(p1["items"][0]["history"], json!([]));
    }
}

dual! {
    async fn a_body_with_escalations_is_retired_not_removed(app) {
        let (w, f) = filed(app, "esc-bodies").await;
        let e = escalation_of(&f, 0);
        patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "workforce_council", "note": "n"}), None).await.expect(200);
        // Re-routed away: the council still had an escalation routed to it.
        patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "network_chair", "note": "n"}), None).await.expect(200);
        let without: Vec<Value> = default_bodies(None, false).as_array().unwrap().iter()
            .filter(|b| b["key"] != "workforce_council").cloned().collect();
        let p = put_bodies(app, &w, json!(without)).await.problem(409, "body-has-escalations");
        assert!(p["detail"].as_str().unwrap().contains("workforce_council"), "{p}");
        // Retiring it is fine; a body never routed to may go.
        let mut retired = default_bodies(None, false);
        retired[1]["retired"] = json!(true);
        let kept: Vec<Value> = retired.as_array().unwrap().iter().filter(|b| b["key"] != "cppo_community").cloned().collect();
        let v = put_bodies(app, &w, json!(kept)).await.expect(200);
        assert_eq!(v["bodies"][1]["retired"], true);
        // Routing to the retired body is refused now.
        assert_violation(
            &patch(app, &e, &w.manager.token, json!({"status": "routed", "routed_to": "workforce_council", "note": "n"}), None).await,
            "routed_to",
            "retired_body",
        );
    }
}

dual! {
    async fn a_stored_status_that_does_not_decode_is_a_500(app) {
        let (w, f) = filed(app, "esc-corrupt").await;
        let e = escalation_of(&f, 0);
        let meeting = f["meeting_id"].as_str().unwrap();
        {
            use peerhub_persistence::sea_orm::ConnectionTrait;
            app.db.execute_unprepared(&format!("UPDATE escalations SET status = 'escalated' WHERE id = '{e}'")).await.unwrap();
        }
        app.get(&esc_path(&e), Some(&w.manager.token)).await.problem(500, "internal-error");
        app.get("/v1/escalations", Some(&w.manager.token)).await.problem(500, "internal-error");
        app.get(&format!("/v1/meetings/{meeting}/feedback"), Some(&w.manager.token)).await.problem(500, "internal-error");
        patch(app, &e, &w.manager.token, json!({"status": "closed", "note": "n"}), None).await.problem(500, "internal-error");
        // Never treated as `raised`: the form cannot be changed either.
        app.send(app.req(Method::PUT, &format!("/v1/meetings/{meeting}/feedback"), Some(&w.chair.token)).json(&form()))
            .await
            .problem(500, "internal-error");
    }
}
