//! Applications to communities: apply, review queue, decisions, withdrawal,
//! capacity and the wait-list with place offers, leaving and removal, and
//! capacity under concurrent approvals.
use chrono::{DateTime, Duration, Utc};
use peerhub_persistence::sea_orm::ConnectionTrait;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const NO_SUCH_ID: &str = "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e";

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {v}"))
        .to_owned()
}

async fn exec(app: &TestApp, sql: &str) {
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A single number from a `SELECT COUNT(*) ...`.
/// The stored status of an application.
async fn status(app: &TestApp, application_id: &str) -> String {
    let rows = app
        .query(&format!(
            "SELECT status FROM applications WHERE id = '{application_id}'"
        ))
        .await;
    rows[0][0].as_str().unwrap_or_default().to_owned()
}

async fn active_members(app: &TestApp, community_id: &str) -> i64 {
    app.count(
        &format!(
            "SELECT COUNT(*) FROM community_members WHERE community_id = '{community_id}' AND status = 'active'"
        ),
    )
    .await
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

struct Net {
    admin: String,
    manager: String,
    id: String,
}

/// A network (allowing `domain`) with a manager invited by the admin.
async fn network(app: &TestApp, slug: &str, domain: &str) -> Net {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &[domain]).await;
    let id = s(&net, "id");
    let manager = app
        .invited(
            &admin,
            &id,
            &format!("manager@{slug}.example.org"),
            "manager",
        )
        .await;
    Net { admin, manager, id }
}

fn community_body(network_id: &str, name: &str, kind: &str, capacity: i64) -> Value {
    json!({
        "network_id": network_id, "name": name,
        "focus": "Professional growth through sharing practice",
        "audience": "Psychological practitioners",
        "kind": kind, "capacity": capacity,
        "cadence": {"every": 3, "unit": "months"}, "duration_minutes": 120
    })
}

fn terms(eligibility: Value) -> Value {
    json!({
        "purpose": "Peer learning", "aims": ["Share practice"], "eligibility": eligibility,
        "meeting_arrangements": "Quarterly on Teams", "chairing_arrangements": "Chair and co-chairs",
        "notes_arrangements": "Secretary drafts, chair approves"
    })
}

/// A community without Terms of Reference.
async fn bare_community(app: &TestApp, n: &Net, name: &str, kind: &str, capacity: i64) -> String {
    let c = app
        .post(
            "/v1/communities",
            Some(&n.manager),
            community_body(&n.id, name, kind, capacity),
        )
        .await
        .expect(201);
    s(&c, "id")
}

/// Drafts and approves a new ToR version with these rules.
async fn approve_terms(app: &TestApp, n: &Net, cop: &str, rules: Value) {
    let t = app
        .post(
            &format!("/v1/communities/{cop}/terms"),
            Some(&n.manager),
            terms(rules),
        )
        .await
        .expect(201);
    let v = t["version"].as_i64().unwrap_or_default();
    app.post(
        &format!("/v1/communities/{cop}/terms/{v}/approve"),
        Some(&n.manager),
        json!({}),
    )
    .await
    .expect(200);
}

/// An active community with approved ToR carrying `rules`.
async fn community(
    app: &TestApp,
    n: &Net,
    name: &str,
    kind: &str,
    capacity: i64,
    rules: Value,
) -> String {
    let id = bare_community(app, n, name, kind, capacity).await;
    approve_terms(app, n, &id, rules).await;
    id
}

/// A member of the network with this profile: (token, user id).
async fn person(app: &TestApp, network_id: &str, email: &str, profile: Value) -> (String, String) {
    let t = app.member(network_id, email).await;
    if profile.as_object().is_some_and(|o| !o.is_empty()) {
        app.patch("/v1/me", Some(&t), profile).await.expect(200);
    }
    let id = user_id_of(&t);
    (t, id)
}

fn pwp() -> Value {
    json!({"profession": "PWP", "level": "senior", "region": "West Midlands"})
}

fn rules() -> Value {
    json!({"professions": ["PWP", "CYWP"], "regions": ["West Midlands"]})
}

async fn apply(app: &TestApp, token: &str, cop: &str) -> Value {
    app.post(
        &format!("/v1/communities/{cop}/applications"),
        Some(token),
        json!({}),
    )
    .await
    .expect(201)
}

async fn decide(app: &TestApp, token: &str, application_id: &str, body: Value) -> Resp {
    app.post(
        &format!("/v1/applications/{application_id}/decision"),
        Some(token),
        body,
    )
    .await
}

async fn approve(app: &TestApp, token: &str, application_id: &str) -> Value {
    decide(app, token, application_id, json!({"decision": "approve"}))
        .await
        .expect(200)
}

async fn token_with(app: &TestApp, owner: &str, scope: &str) -> String {
    let t = app
        .post(
            "/v1/api-tokens",
            Some(owner),
            json!({"name": "integration", "scopes": [scope], "current_password": PASSWORD}),
        )
        .await
        .expect(201);
    s(&t, "secret")
}

// ---------------------------------------------------------------------------
// Happy path
// ---------------------------------------------------------------------------

dual! {
    async fn apply_then_queue_then_approve_makes_a_member(app) {
        let n = network(app, "apps-happy", "nhs.net").await;
        let cop = community(app, &n, "Practitioners", "closed", 8, rules()).await;
        let email = "sam.patel@nhs.net";
        let (t, uid) = person(app, &n.id, email, pwp()).await;

        let r = app
            .post(
                &format!("/v1/communities/{cop}/applications"),
                Some(&t),
                json!({"statement": "I lead a PWP team in Stoke."}),
            )
            .await;
        let a = r.expect(201);
        let aid = s(&a, "id");
        assert_eq!(r.header("location"), Some(format!("/v1/applications/{aid}")));
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(a["status"], "pending");
        assert_eq!(a["user_id"], uid.as_str());
        assert_eq!(a["community_id"], cop.as_str());
        assert_eq!(a["network_id"], n.id.as_str());
        assert_eq!(a["statement"], "I lead a PWP team in Stoke.");
        assert_eq!(a["terms_version"], 1);
        assert_eq!(a["eligibility"]["verdict"], "eligible");
        let checks = a["eligibility"]["checks"].as_array().unwrap();
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0]["rule"], "professions");
        assert_eq!(checks[0]["outcome"], "met");
        assert_eq!(checks[0]["reason"], "profession PWP is one of PWP, CYWP");
        assert_eq!(checks[1]["rule"], "regions");

        // the applicant reads it back
        let got = app.get(&format!("/v1/applications/{aid}"), Some(&t)).await;
        assert_eq!(got.expect(200), a);
        assert_eq!(got.header("etag").as_deref(), Some("\"1\""));

        // it is in the review queue
        let q = app
            .get(&format!("/v1/networks/{}/review-queue", n.id), Some(&n.manager))
            .await
            .expect(200);
        let q = items(&q);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0]["id"], aid.as_str());
        assert_eq!(q[0]["community_id"], cop.as_str());
        assert_eq!(q[0]["community_name"], "Practitioners");
        assert_eq!(q[0]["applicant_id"], uid.as_str());
        assert_eq!(q[0]["applicant_name"], "sam.patel");
        assert_eq!(q[0]["eligibility"]["verdict"], "eligible");
        assert_eq!(q[0]["eligibility"]["checks"].as_array().unwrap().len(), 2);
        assert_eq!(q[0]["age_days"], 0);
        assert_eq!(q[0]["terms_version"], 1);
        assert!(q[0]["submitted_at"].is_string());

        // a manager approves: a member now
        let r = decide(app, &n.manager, &aid, json!({"decision": "approve"})).await;
        let d = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(d["status"], "approved");
        assert_eq!(d["outcome"], "admitted");
        assert_eq!(d["decided_by"], user_id_of(&n.manager));
        assert!(d["decided_at"].is_string());
        let mid = s(&d, "membership_id");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM community_members WHERE id = '{mid}' AND community_id = '{cop}' AND user_id = '{uid}' AND status = 'active' AND role = 'member' AND application_id = '{aid}'"
            )).await,
            1
        );
        let c = app.get(&format!("/v1/communities/{cop}"), Some(&t)).await.expect(200);
        assert_eq!(c["member_count"], 1);

        // the queue is empty; the community list filters by status
        let q = app
            .get(&format!("/v1/networks/{}/review-queue", n.id), Some(&n.manager))
            .await
            .expect(200);
        assert!(items(&q).is_empty());
        let l = app
            .get(&format!("/v1/communities/{cop}/applications?status=approved"), Some(&n.manager))
            .await
            .expect(200);
        assert_eq!(items(&l).len(), 1);
        assert_eq!(items(&l)[0]["id"], aid.as_str());
        let l = app
            .get(&format!("/v1/communities/{cop}/applications?status=pending"), Some(&n.manager))
            .await
            .expect(200);
        assert!(items(&l).is_empty());

        // a confirmation email, the events and the audit trail
        let mail = app
            .outbox_payload(email, "application.approved")
            .await
            .expect("confirmation email");
        assert!(mail["subject"].as_str().unwrap().contains("Welcome to Practitioners"));
        assert_eq!(mail["outcome"], "admitted");
        let events = app
            .query(&format!(
                "SELECT topic FROM outbox WHERE aggregate_id = '{aid}' AND kind = 'event' ORDER BY id"
            ))
            .await;
        let topics: Vec<&str> = events.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(topics, vec!["application.submitted", "application.decided"]);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE aggregate_id = '{cop}' AND topic = 'membership.approved'"
            )).await,
            1
        );
        let audit = app
            .query(&format!(
                "SELECT action, actor_id FROM audit_events WHERE entity_id = '{aid}' ORDER BY id"
            ))
            .await;
        assert_eq!(audit.len(), 2);
        assert_eq!(audit[0][0], "application.submitted");
        assert_eq!(audit[0][1], uid.as_str());
        assert_eq!(audit[1][0], "application.decided");
        assert_eq!(audit[1][1], user_id_of(&n.manager).as_str());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE entity_id = '{mid}' AND action = 'membership.created'"
            )).await,
            1
        );

        // members cannot apply again
        app.post(&format!("/v1/communities/{cop}/applications"), Some(&t), json!({}))
            .await
            .problem(409, "already-member");
    }
}

// ---------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------

dual! {
    async fn every_verdict_shows_in_the_answer_and_the_queue(app) {
        let n = network(app, "apps-verdicts", "nhs.net").await;
        let cop = community(
            app, &n, "Practitioners", "closed", 10,
            json!({"professions": ["PWP", "CYWP"], "levels": ["qualified", "senior"], "regions": ["West Midlands"], "allow_out_of_region": true}),
        )
        .await;
        let (eligible, _) = person(app, &n.id, "eligible@nhs.net", pwp()).await;
        let (ineligible, _) = person(
            app, &n.id, "ineligible@nhs.net",
            json!({"profession": "CAP", "level": "senior", "region": "West Midlands"}),
        )
        .await;
        let (unknown, _) = person(app, &n.id, "unknown@nhs.net", json!({})).await;
        let (away, _) = person(
            app, &n.id, "away@nhs.net",
            json!({"profession": "PWP", "level": "senior", "region": "London"}),
        )
        .await;

        let a1 = apply(app, &eligible, &cop).await;
        assert_eq!(a1["eligibility"]["verdict"], "eligible");
        let a2 = apply(app, &ineligible, &cop).await;
        assert_eq!(a2["eligibility"]["verdict"], "ineligible");
        let c = &a2["eligibility"]["checks"][0];
        assert_eq!(c["rule"], "professions");
        assert_eq!(c["outcome"], "not_met");
        assert_eq!(c["reason"], "profession CAP is not one of PWP, CYWP");
        let a3 = apply(app, &unknown, &cop).await;
        assert_eq!(a3["eligibility"]["verdict"], "needs_review");
        let outcomes: Vec<&str> = a3["eligibility"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, vec!["needs_review"; 3]);
        assert!(a3["eligibility"]["checks"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no profession on the profile"));
        let a4 = apply(app, &away, &cop).await;
        assert_eq!(a4["eligibility"]["verdict"], "needs_review");
        assert_eq!(a4["eligibility"]["checks"][2]["rule"], "regions");
        assert_eq!(a4["eligibility"]["checks"][2]["outcome"], "needs_review");

        // free-text criteria always need a person
        let other = community(
            app, &n, "Leaders", "open", 20,
            json!({"other_criteria": ["Leads a team in primary care"]}),
        )
        .await;
        let a5 = apply(app, &eligible, &other).await;
        assert_eq!(a5["eligibility"]["verdict"], "needs_review");
        assert_eq!(a5["eligibility"]["checks"][0]["rule"], "other_criteria[0]");

        // the queue: oldest first, with verdict, community and age
        let first = s(&a1, "id");
        let three_days_ago = (Utc::now() - Duration::days(3) - Duration::hours(1)).to_rfc3339();
        exec(app, &format!("UPDATE applications SET created_at = '{three_days_ago}' WHERE id = '{first}'")).await;
        let r = app
            .get(&format!("/v1/networks/{}/review-queue?limit=3", n.id), Some(&n.manager))
            .await;
        let page = r.expect(200);
        assert!(r.header("link").unwrap().contains("rel=\"next\""));
        let mut q = items(&page);
        let next = s(&page, "next_cursor");
        let rest = app
            .get(&format!("/v1/networks/{}/review-queue?limit=3&cursor={next}", n.id), Some(&n.manager))
            .await
            .expect(200);
        assert_eq!(rest["next_cursor"], Value::Null);
        q.extend(items(&rest));
        let ids: Vec<&str> = q.iter().map(|i| i["id"].as_str().unwrap()).collect();
        let expected: Vec<String> = [&a1, &a2, &a3, &a4, &a5].iter().map(|a| s(a, "id")).collect();
        assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
        let verdicts: Vec<&str> = q.iter().map(|i| i["eligibility"]["verdict"].as_str().unwrap()).collect();
        assert_eq!(verdicts, vec!["eligible", "ineligible", "needs_review", "needs_review", "needs_review"]);
        assert_eq!(q[0]["age_days"], 3);
        assert_eq!(q[1]["age_days"], 0);
        assert_eq!(q[4]["community_name"], "Leaders");
        assert_eq!(q[1]["applicant_name"], "ineligible");
        assert_eq!(q[1]["eligibility"]["checks"][0]["outcome"], "not_met");
    }
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

dual! {
    async fn bad_input_gets_a_precise_problem_and_writes_nothing(app) {
        let n = network(app, "apps-bad", "nhs.net").await;
        let cop = community(app, &n, "Practitioners", "closed", 10, rules()).await;
        let (t, uid) = person(app, &n.id, "bad.input@nhs.net", pwp()).await;
        let path = format!("/v1/communities/{cop}/applications");

        let r = app.post(&path, Some(&t), json!({"statement": "x".repeat(4001)})).await;
        assert_violation(&r, "statement", "too_long");
        let r = app.post(&path, Some(&t), json!({"motivation": "keen"})).await;
        assert_violation(&r, "motivation", "unknown_field");
        let r = app.post(&path, Some(&t), json!({"statement": 5})).await;
        assert_violation(&r, "statement", "invalid_type");
        app.send(app.req(Method::POST, &path, Some(&t)).header("Content-Type", "application/json").body("{\"statement\":"))
            .await
            .problem(400, "malformed-json");
        app.send(app.req(Method::POST, &path, Some(&t)).header("Content-Type", "text/plain").body("hi"))
            .await
            .problem(415, "unsupported-media-type");
        app.post("/v1/communities/nope/applications", Some(&t), json!({}))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'application.%'").await, 0);

        // 4000 characters are fine; a blank statement is no statement
        let a = app.post(&path, Some(&t), json!({"statement": "x".repeat(4000)})).await.expect(201);
        assert_eq!(a["statement"].as_str().unwrap().len(), 4000);
        let aid = s(&a, "id");
        app.post(&format!("/v1/applications/{aid}/withdraw"), Some(&t), json!({})).await.expect(200);
        let a = app.post(&path, Some(&t), json!({"statement": "   "})).await.expect(201);
        assert_eq!(a["statement"], Value::Null);
        let aid = s(&a, "id");

        // decisions
        let r = decide(app, &n.manager, &aid, json!({"decision": "maybe"})).await;
        assert_invalid(&r, "decision");
        let r = decide(app, &n.manager, &aid, json!({})).await;
        assert_violation(&r, "decision", "required");
        let r = decide(app, &n.manager, &aid, json!({"decision": "reject"})).await;
        assert_violation(&r, "reason", "required");
        let r = decide(app, &n.manager, &aid, json!({"decision": "reject", "reason": "  "})).await;
        assert_violation(&r, "reason", "required");
        let r = decide(app, &n.manager, &aid, json!({"decision": "reject", "reason": "x".repeat(4001)})).await;
        assert_violation(&r, "reason", "too_long");
        let r = decide(app, &n.manager, &aid, json!({"decision": "approve", "override_reason": "x".repeat(4001)})).await;
        assert_violation(&r, "override_reason", "too_long");
        let r = decide(app, &n.manager, &aid, json!({"decision": "approve", "verdict": "eligible"})).await;
        assert_violation(&r, "verdict", "unknown_field");
        decide(app, &n.manager, "nope", json!({"decision": "approve"}))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(status(app, &aid).await, "pending");
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'application.decided'").await, 0);

        // list and queue parameters
        let r = app.get(&format!("{path}?status=maybe"), Some(&n.manager)).await;
        assert_violation(&r, "status", "invalid_value");
        let r = app.get(&format!("{path}?limit=0"), Some(&n.manager)).await;
        assert_violation(&r, "limit", "out_of_range");
        let r = app.get(&format!("{path}?cursor=garbage"), Some(&n.manager)).await;
        assert_violation(&r, "cursor", "invalid_cursor");
        let r = app.get(&format!("/v1/networks/{}/review-queue?limit=201", n.id), Some(&n.manager)).await;
        assert_violation(&r, "limit", "out_of_range");
        app.get(&format!("/v1/networks/{}/review-queue?limit=ten", n.id), Some(&n.manager))
            .await
            .problem(400, "invalid-query-parameter");

        // removal reason
        approve(app, &n.manager, &aid).await;
        let r = app
            .delete(&format!("/v1/communities/{cop}/members/{uid}?reason={}", "x".repeat(1001)), Some(&n.manager))
            .await;
        assert_violation(&r, "reason", "too_long");
        app.delete(&format!("/v1/communities/{cop}/members/nope"), Some(&n.manager))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(active_members(app, &cop).await, 1);
    }
}

dual! {
    async fn closed_sets_name_their_allowed_values(app) {
        let n = network(app, "apps-enums", "nhs.net").await;
        let cop = community(app, &n, "Practitioners", "closed", 10, rules()).await;
        let (t, _) = person(app, &n.id, "enums@nhs.net", pwp()).await;
        let a = apply(app, &t, &cop).await;
        let aid = s(&a, "id");
        assert_eq!(a["status"], "pending");
        assert_eq!(a["eligibility"]["verdict"], "eligible");
        assert_eq!(a["eligibility"]["checks"][0]["outcome"], "met");

        // A query value outside the set.
        let r = app.get(&format!("/v1/communities/{cop}/applications?status=maybe"), Some(&n.manager)).await;
        let p = r.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "status");
        assert_eq!(p["errors"][0]["code"], "invalid_value");
        assert_eq!(
            p["errors"][0]["message"],
            "must be one of pending, waitlisted, offered, approved, rejected, withdrawn, declined, lapsed"
        );
        // A body value outside the set; nothing is decided.
        let p = decide(app, &n.manager, &aid, json!({"decision": "maybe"})).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "decision");
        let m = p["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("approve") && m.contains("reject") && m.contains("waitlist"), "{m}");
        assert_eq!(status(app, &aid).await, "pending");

        // The decision travels typed and comes back as codes.
        let d = approve(app, &n.manager, &aid).await;
        assert_eq!(d["status"], "approved");
        assert_eq!(d["outcome"], "admitted");
        let page = app.get(&format!("/v1/communities/{cop}/applications?status=approved"), Some(&n.manager)).await.expect(200);
        assert_eq!(items(&page).len(), 1);

        // A stored value the code does not know is an error, never a default.
        exec(app, &format!("UPDATE applications SET verdict = 'probably' WHERE id = '{aid}'")).await;
        app.get(&format!("/v1/applications/{aid}"), Some(&n.manager)).await.problem(500, "internal-error");
    }
}

// ---------------------------------------------------------------------------
// Override and re-computed verdicts
// ---------------------------------------------------------------------------

dual! {
    async fn ineligible_needs_an_override_and_the_verdict_is_computed_again(app) {
        let n = network(app, "apps-override", "nhs.net").await;
        let cop = community(app, &n, "Practitioners", "closed", 10, json!({"professions": ["PWP"]})).await;
        let cap = json!({"profession": "CAP", "level": "senior", "region": "West Midlands"});

        let (t1, _) = person(app, &n.id, "cap.one@nhs.net", cap.clone()).await;
        let a = apply(app, &t1, &cop).await;
        let aid = s(&a, "id");
        assert_eq!(a["eligibility"]["verdict"], "ineligible");
        let r = decide(app, &n.manager, &aid, json!({"decision": "approve"})).await;
        assert_violation(&r, "override_reason", "override_required");
        assert!(r.text.contains("profession CAP is not one of PWP"), "{}", r.text);
        let r = decide(app, &n.manager, &aid, json!({"decision": "waitlist"})).await;
        assert_violation(&r, "override_reason", "override_required");
        assert_eq!(status(app, &aid).await, "pending");
        assert_eq!(active_members(app, &cop).await, 0);
        let d = decide(
            app, &n.manager, &aid,
            json!({"decision": "approve", "override_reason": "Works in a PWP service; agreed with the chair"}),
        )
        .await
        .expect(200);
        assert_eq!(d["outcome"], "admitted");
        assert_eq!(d["override_reason"], "Works in a PWP service; agreed with the chair");
        assert_eq!(d["eligibility"]["verdict"], "ineligible");
        assert_eq!(active_members(app, &cop).await, 1);
        let ev = app
            .query(&format!("SELECT payload FROM outbox WHERE aggregate_id = '{aid}' AND topic = 'application.decided'"))
            .await;
        let ev: Value = serde_json::from_str(ev[0][0].as_str().unwrap()).unwrap();
        assert_eq!(ev["overridden"], true);
        assert_eq!(ev["outcome"], "admitted");
        // rejecting never needs an override
        let (t1b, _) = person(app, &n.id, "cap.two@nhs.net", cap.clone()).await;
        let a = apply(app, &t1b, &cop).await;
        let d = decide(app, &n.manager, &s(&a, "id"), json!({"decision": "reject", "reason": "Not a PWP"}))
            .await
            .expect(200);
        assert_eq!(d["outcome"], "rejected");
        assert_eq!(d["override_reason"], Value::Null);

        // eligible when applying, ineligible by decision time: the profile changed
        let (t2, _) = person(app, &n.id, "changes.later@nhs.net", pwp()).await;
        let a = apply(app, &t2, &cop).await;
        assert_eq!(a["eligibility"]["verdict"], "eligible");
        app.patch("/v1/me", Some(&t2), json!({"profession": "CAP"})).await.expect(200);
        let r = decide(app, &n.manager, &s(&a, "id"), json!({"decision": "approve"})).await;
        assert_violation(&r, "override_reason", "override_required");

        // ineligible when applying, eligible by decision time
        let (t3, _) = person(app, &n.id, "fixes.profile@nhs.net", cap.clone()).await;
        let a = apply(app, &t3, &cop).await;
        assert_eq!(a["eligibility"]["verdict"], "ineligible");
        app.patch("/v1/me", Some(&t3), json!({"profession": "PWP"})).await.expect(200);
        let d = approve(app, &n.manager, &s(&a, "id")).await;
        assert_eq!(d["outcome"], "admitted");
        assert_eq!(d["eligibility"]["verdict"], "eligible");
        assert_eq!(d["eligibility"]["checks"][0]["outcome"], "met");

        // the Terms of Reference changed: decided against the current version
        let (t4, _) = person(app, &n.id, "tor.changed@nhs.net", pwp()).await;
        let a = apply(app, &t4, &cop).await;
        assert_eq!(a["terms_version"], 1);
        approve_terms(app, &n, &cop, json!({"professions": ["CAP"]})).await;
        let d = decide(app, &n.manager, &s(&a, "id"), json!({"decision": "reject", "reason": "Now for CAPs only"}))
            .await
            .expect(200);
        assert_eq!(d["terms_version"], 2);
        assert_eq!(d["eligibility"]["verdict"], "ineligible");
        let stored = app.get(&format!("/v1/applications/{}", s(&a, "id")), Some(&t4)).await.expect(200);
        assert_eq!(stored["eligibility"]["verdict"], "ineligible");
    }
}

// ---------------------------------------------------------------------------
// Notices
// ---------------------------------------------------------------------------

dual! {
    async fn notices_carry_the_reasons(app) {
        let n = network(app, "apps-notices", "nhs.net").await;
        let cop = community(app, &n, "Practitioners", "closed", 10, rules()).await;
        let email = "cap.london@nhs.net";
        let (t, _) = person(app, &n.id, email, json!({"profession": "CAP", "region": "London"})).await;
        let a = apply(app, &t, &cop).await;
        let aid = s(&a, "id");
        let d = decide(app, &n.manager, &aid, json!({"decision": "reject", "reason": "This group is for PWPs"}))
            .await
            .expect(200);
        assert_eq!(d["status"], "rejected");
        assert_eq!(d["outcome"], "rejected");
        assert_eq!(d["decision_reason"], "This group is for PWPs");
        assert_eq!(d["membership_id"], Value::Null);
        let mail = app.outbox_payload(email, "application.rejected").await.expect("ineligibility notice");
        let reasons: Vec<&str> = mail["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        assert_eq!(reasons.len(), 3, "{mail}");
        assert_eq!(reasons[0], "This group is for PWPs");
        assert_eq!(reasons[1], "profession CAP is not one of PWP, CYWP");
        assert!(reasons[2].starts_with("region London is outside West Midlands"));
        let body = mail["body"].as_str().unwrap();
        assert!(body.contains("This group is for PWPs") && body.contains("profession CAP is not one of PWP, CYWP"), "{body}");
        assert!(mail["subject"].as_str().unwrap().contains("Practitioners"));
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM outbox WHERE aggregate_id = '{aid}' AND kind = 'email' AND recipient = '{email}'")).await,
            1
        );

        // wait-list notice
        let email2 = "waiting@nhs.net";
        let (t2, _) = person(app, &n.id, email2, pwp()).await;
        let a = apply(app, &t2, &cop).await;
        let aid2 = s(&a, "id");
        let d = decide(app, &n.manager, &aid2, json!({"decision": "waitlist", "reason": "Starting a second cohort soon"}))
            .await
            .expect(200);
        assert_eq!(d["status"], "waitlisted");
        assert_eq!(d["outcome"], "waitlisted");
        let mail = app.outbox_payload(email2, "application.waitlisted").await.expect("wait-list notice");
        assert!(mail["body"].as_str().unwrap().contains("wait-list"));
        assert!(mail["body"].as_str().unwrap().contains("Starting a second cohort soon"));
        decide(app, &n.manager, &aid2, json!({"decision": "waitlist"}))
            .await
            .problem(409, "already-waitlisted");
        // a wait-listed application may still be approved
        let d = approve(app, &n.manager, &aid2).await;
        assert_eq!(d["outcome"], "admitted");
        let mail = app.outbox_payload(email2, "application.approved").await.expect("confirmation");
        assert_eq!(mail["outcome"], "admitted");
    }
}

// ---------------------------------------------------------------------------
// Conflicts
// ---------------------------------------------------------------------------

dual! {
    async fn conflicting_requests_get_409(app) {
        let n = network(app, "apps-conflicts", "nhs.net").await;
        let (t, _) = person(app, &n.id, "conflicts@nhs.net", pwp()).await;

        // no approved Terms of Reference yet (a draft does not count)
        let bare = bare_community(app, &n, "No terms", "closed", 10).await;
        app.post(&format!("/v1/communities/{bare}/applications"), Some(&t), json!({}))
            .await
            .problem(409, "no-approved-terms");
        app.post(&format!("/v1/communities/{bare}/terms"), Some(&n.manager), terms(json!({})))
            .await
            .expect(201);
        app.post(&format!("/v1/communities/{bare}/applications"), Some(&t), json!({}))
            .await
            .problem(409, "no-approved-terms");

        // archived communities take no applications
        let archived = community(app, &n, "Archived", "closed", 10, json!({})).await;
        app.post(&format!("/v1/communities/{archived}/archive"), Some(&n.manager), json!({}))
            .await
            .expect(200);
        app.post(&format!("/v1/communities/{archived}/applications"), Some(&t), json!({}))
            .await
            .problem(409, "community-not-active");

        // one open application per person and community
        let cop = community(app, &n, "Practitioners", "closed", 10, rules()).await;
        let a = apply(app, &t, &cop).await;
        let aid = s(&a, "id");
        app.post(&format!("/v1/communities/{cop}/applications"), Some(&t), json!({}))
            .await
            .problem(409, "application-open");
        // approving twice
        approve(app, &n.manager, &aid).await;
        decide(app, &n.manager, &aid, json!({"decision": "approve"}))
            .await
            .problem(409, "application-not-pending");
        decide(app, &n.manager, &aid, json!({"decision": "reject", "reason": "changed my mind"}))
            .await
            .problem(409, "application-not-pending");
        assert_eq!(active_members(app, &cop).await, 1);

        // deciding a withdrawn application
        let cop2 = community(app, &n, "Leaders", "closed", 10, json!({})).await;
        let a = apply(app, &t, &cop2).await;
        let aid = s(&a, "id");
        let r = app.post(&format!("/v1/applications/{aid}/withdraw"), Some(&t), json!({})).await;
        let w = r.expect(200);
        assert_eq!(w["status"], "withdrawn");
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        decide(app, &n.manager, &aid, json!({"decision": "approve"}))
            .await
            .problem(409, "application-not-pending");
        app.post(&format!("/v1/applications/{aid}/withdraw"), Some(&t), json!({}))
            .await
            .problem(409, "application-not-open");
        app.post(&format!("/v1/applications/{aid}/accept-offer"), Some(&t), json!({}))
            .await
            .problem(409, "application-not-offered");
        app.post(&format!("/v1/applications/{aid}/decline-offer"), Some(&t), json!({}))
            .await
            .problem(409, "application-not-offered");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM outbox WHERE aggregate_id = '{aid}' AND topic = 'application.withdrawn'")).await,
            1
        );
        // after withdrawing, applying again is fine
        apply(app, &t, &cop2).await;

        // concurrent applications by one person: exactly one gets through
        let cop3 = community(app, &n, "Concurrent", "closed", 10, json!({})).await;
        let (t3, uid3) = person(app, &n.id, "eager@nhs.net", pwp()).await;
        let apply_path = format!("/v1/communities/{cop3}/applications");
        let attempts = (0..8).map(|_| app.post(&apply_path, Some(&t3), json!({})));
        let results = futures_util::future::join_all(attempts).await;
        let created = results.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
        for r in results.iter().filter(|r| r.status.as_u16() != 201) {
            r.problem(409, "application-open");
        }
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM applications WHERE community_id = '{cop3}' AND user_id = '{uid3}'")).await,
            1
        );
    }
}

// ---------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------

dual! {
    async fn each_role_sees_and_does_only_its_part(app) {
        let n = network(app, "apps-roles", "nhs.net").await;
        let cop = community(app, &n, "Practitioners", "closed", 10, json!({})).await;
        let (applicant, applicant_id) = person(app, &n.id, "applicant@nhs.net", pwp()).await;
        let (plain, _) = person(app, &n.id, "plain@nhs.net", pwp()).await;
        // a chair: a member whose role is chair
        let (chair, chair_id) = person(app, &n.id, "chair@nhs.net", pwp()).await;
        let c = apply(app, &chair, &cop).await;
        approve(app, &n.manager, &s(&c, "id")).await;
        exec(app, &format!("UPDATE community_members SET role = 'chair' WHERE user_id = '{chair_id}'")).await;

        let a = apply(app, &applicant, &cop).await;
        let aid = s(&a, "id");
        let one = format!("/v1/applications/{aid}");
        let list = format!("/v1/communities/{cop}/applications");
        let queue = format!("/v1/networks/{}/review-queue", n.id);

        // reading one application
        app.get(&one, Some(&applicant)).await.expect(200);
        app.get(&one, Some(&chair)).await.expect(200);
        app.get(&one, Some(&n.manager)).await.expect(200);
        app.get(&one, Some(&n.admin)).await.expect(200);
        app.get(&one, Some(&plain)).await.problem(404, "not-found");
        // the community's applications: core team and managers
        let l = app.get(&list, Some(&chair)).await.expect(200);
        assert_eq!(items(&l).len(), 2);
        app.get(&list, Some(&n.manager)).await.expect(200);
        app.get(&list, Some(&plain)).await.problem(403, "forbidden");
        app.get(&list, Some(&applicant)).await.problem(403, "forbidden");
        // the review queue: managers
        app.get(&queue, Some(&n.manager)).await.expect(200);
        app.get(&queue, Some(&n.admin)).await.expect(200);
        app.get(&queue, Some(&chair)).await.problem(403, "forbidden");
        app.get(&queue, Some(&plain)).await.problem(403, "forbidden");
        // deciding: managers
        let approve_body = json!({"decision": "approve"});
        decide(app, &plain, &aid, approve_body.clone()).await.problem(404, "not-found");
        decide(app, &applicant, &aid, approve_body.clone()).await.problem(403, "forbidden");
        decide(app, &chair, &aid, approve_body.clone()).await.problem(403, "forbidden");
        // withdrawing: the applicant
        let withdraw = format!("{one}/withdraw");
        app.post(&withdraw, Some(&n.manager), json!({})).await.problem(403, "forbidden");
        app.post(&withdraw, Some(&chair), json!({})).await.problem(403, "forbidden");
        app.post(&withdraw, Some(&plain), json!({})).await.problem(404, "not-found");
        app.post(&format!("{one}/accept-offer"), Some(&n.manager), json!({})).await.problem(403, "forbidden");
        app.post(&format!("{one}/decline-offer"), Some(&plain), json!({})).await.problem(404, "not-found");
        assert_eq!(status(app, &aid).await, "pending");

        // another network sees nothing
        let n2 = network(app, "apps-roles-2", "nhs.uk").await;
        let (outsider, _) = person(app, &n2.id, "outsider@nhs.uk", pwp()).await;
        app.get(&one, Some(&n2.manager)).await.problem(404, "not-found");
        decide(app, &n2.manager, &aid, approve_body.clone()).await.problem(404, "not-found");
        app.post(&withdraw, Some(&n2.manager), json!({})).await.problem(404, "not-found");
        app.get(&list, Some(&n2.manager)).await.problem(404, "not-found");
        app.get(&queue, Some(&n2.manager)).await.problem(404, "not-found");
        app.post(&format!("/v1/communities/{cop}/applications"), Some(&outsider), json!({}))
            .await
            .problem(404, "not-found");
        app.delete(&format!("/v1/communities/{cop}/members/{chair_id}"), Some(&n2.manager))
            .await
            .problem(404, "not-found");

        // API tokens: no scope covers applications
        let applicant_token = token_with(app, &applicant, "memberships:read").await;
        let manager_token = token_with(app, &n.manager, "users:read").await;
        let outsider_token = token_with(app, &n2.manager, "users:read").await;
        app.post(&format!("/v1/communities/{cop}/applications"), Some(&applicant_token), json!({}))
            .await
            .problem(403, "insufficient-scope");
        app.get(&one, Some(&applicant_token)).await.problem(403, "insufficient-scope");
        app.post(&withdraw, Some(&applicant_token), json!({})).await.problem(403, "insufficient-scope");
        app.get(&queue, Some(&manager_token)).await.problem(403, "insufficient-scope");
        app.get(&list, Some(&manager_token)).await.problem(403, "insufficient-scope");
        decide(app, &manager_token, &aid, approve_body.clone()).await.problem(403, "insufficient-scope");
        app.get(&one, Some(&outsider_token)).await.problem(404, "not-found");
        app.delete(&format!("/v1/communities/{cop}/members/{chair_id}"), Some(&manager_token))
            .await
            .problem(403, "insufficient-scope");

        // without a token
        app.get(&one, None).await.problem(401, "authentication-required");
        app.post(&format!("/v1/communities/{cop}/applications"), None, json!({}))
            .await
            .problem(401, "authentication-required");

        // not found
        app.get(&format!("/v1/applications/{NO_SUCH_ID}"), Some(&n.manager)).await.problem(404, "not-found");
        decide(app, &n.manager, NO_SUCH_ID, approve_body.clone()).await.problem(404, "not-found");
        app.post(&format!("/v1/applications/{NO_SUCH_ID}/withdraw"), Some(&applicant), json!({}))
            .await
            .problem(404, "not-found");
        app.post(&format!("/v1/communities/{NO_SUCH_ID}/applications"), Some(&applicant), json!({}))
            .await
            .problem(404, "not-found");
        app.get(&format!("/v1/communities/{NO_SUCH_ID}/applications"), Some(&n.manager)).await.problem(404, "not-found");
        app.get(&format!("/v1/networks/{NO_SUCH_ID}/review-queue"), Some(&n.manager)).await.problem(404, "not-found");
        app.get("/v1/applications/nope", Some(&n.manager)).await.problem(400, "invalid-parameter");

        // ending a membership: the member or a manager
        approve(app, &n.manager, &aid).await;
        let member_path = format!("/v1/communities/{cop}/members/{applicant_id}");
        app.delete(&member_path, Some(&plain)).await.problem(403, "forbidden");
        app.delete(&member_path, Some(&chair)).await.problem(403, "forbidden");
        app.delete(&format!("/v1/communities/{cop}/members/{NO_SUCH_ID}"), Some(&n.manager))
            .await
            .problem(404, "not-found");
        app.delete(&format!("/v1/communities/{NO_SUCH_ID}/members/{applicant_id}"), Some(&n.manager))
            .await
            .problem(404, "not-found");
        app.send(app.req(Method::DELETE, &member_path, Some(&n.manager)).header("If-Match", "\"7\""))
            .await
            .problem(412, "stale-version");
        assert_eq!(active_members(app, &cop).await, 2);
        app.send(app.req(Method::DELETE, &member_path, Some(&applicant)).header("If-Match", "\"1\""))
            .await
            .expect(204);
        app.delete(&member_path, Some(&applicant)).await.problem(404, "not-found");
        assert_eq!(active_members(app, &cop).await, 1);
    }
}

// ---------------------------------------------------------------------------
// Capacity, wait-list and offers
// ---------------------------------------------------------------------------

dual! {
    async fn full_communities_waitlist_and_freed_places_are_offered(app) {
        let n = network(app, "apps-waitlist", "nhs.net").await;
        let cop = community(app, &n, "Small group", "closed", 2, json!({})).await;
        let mut people = Vec::new();
        let mut apps = Vec::new();
        for who in ["a", "b", "c", "d", "e", "f"] {
            let email = format!("wl.{who}@nhs.net");
            let (t, uid) = person(app, &n.id, &email, pwp()).await;
            let a = apply(app, &t, &cop).await;
            apps.push(s(&a, "id"));
            people.push((t, uid, email));
        }
        let [aa, bb, cc, dd, ee, ff] = [0, 1, 2, 3, 4, 5].map(|i| apps[i].clone());

        assert_eq!(approve(app, &n.manager, &aa).await["outcome"], "admitted");
        assert_eq!(approve(app, &n.manager, &bb).await["outcome"], "admitted");
        let d = approve(app, &n.manager, &cc).await;
        assert_eq!(d["status"], "waitlisted");
        assert_eq!(d["outcome"], "waitlisted_full");
        assert_eq!(d["membership_id"], Value::Null);
        let mail = app.outbox_payload(&people[2].2, "application.waitlisted").await.expect("wait-list notice");
        assert!(mail["body"].as_str().unwrap().contains("full"));
        assert_eq!(approve(app, &n.manager, &dd).await["outcome"], "waitlisted_full");
        let d = decide(app, &n.manager, &ee, json!({"decision": "waitlist"})).await.expect(200);
        assert_eq!(d["outcome"], "waitlisted");
        assert_eq!(active_members(app, &cop).await, 2);
        let w = app
            .get(&format!("/v1/communities/{cop}/applications?status=waitlisted"), Some(&n.manager))
            .await
            .expect(200);
        let w = items(&w);
        let waiting: Vec<&str> = w.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(waiting, vec![cc.as_str(), dd.as_str(), ee.as_str()]);

        // a leaves: the first wait-listed applicant (c) is offered the place
        let (ta, a_id, _) = &people[0];
        app.delete(&format!("/v1/communities/{cop}/members/{a_id}"), Some(ta)).await.expect(204);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM community_members WHERE user_id = '{a_id}' AND status = 'left' AND ended_at IS NOT NULL")).await,
            1
        );
        let ended = app
            .query(&format!("SELECT payload FROM outbox WHERE aggregate_id = '{cop}' AND topic = 'membership.ended'"))
            .await;
        assert_eq!(ended.len(), 1);
        let ended: Value = serde_json::from_str(ended[0][0].as_str().unwrap()).unwrap();
        assert_eq!(ended["user_id"], a_id.as_str());
        assert_eq!(ended["status"], "left");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'membership.left'").await,
            1
        );
        let (tc, c_id, c_email) = &people[2];
        let offered = app.get(&format!("/v1/applications/{cc}"), Some(tc)).await.expect(200);
        assert_eq!(offered["status"], "offered");
        let expires: DateTime<Utc> = offered["offer_expires_at"].as_str().unwrap().parse().unwrap();
        let left = expires - Utc::now();
        assert!(left > Duration::days(7) - Duration::minutes(5) && left <= Duration::days(7), "{left}");
        let mail = app.outbox_payload(c_email, "application.offered").await.expect("offer email");
        assert!(mail["body"].as_str().unwrap().contains(&format!("/v1/applications/{cc}/accept-offer")));
        assert_eq!(status(app, &dd).await, "waitlisted");

        // an approval cannot take a place held by an offer
        let d = approve(app, &n.manager, &ff).await;
        assert_eq!(d["outcome"], "waitlisted_full");

        // c accepts
        let r = app.post(&format!("/v1/applications/{cc}/accept-offer"), Some(tc), json!({})).await;
        let acc = r.expect(200);
        assert_eq!(acc["status"], "approved");
        assert_eq!(acc["offer_expires_at"].as_str(), offered["offer_expires_at"].as_str());
        assert_eq!(active_members(app, &cop).await, 2);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM community_members WHERE user_id = '{c_id}' AND status = 'active' AND application_id = '{cc}'")).await,
            1
        );
        assert!(app.outbox_payload(c_email, "application.approved").await.is_some());

        // a manager removes b, with a reason sent to b: d is offered
        let (_, b_id, b_email) = &people[1];
        app.delete(&format!("/v1/communities/{cop}/members/{b_id}?reason=Moved%20to%20another%20trust"), Some(&n.manager))
            .await
            .expect(204);
        let row = app.query(&format!("SELECT status FROM community_members WHERE user_id = '{b_id}'")).await;
        assert_eq!(row[0][0], "removed");
        let mail = app.outbox_payload(b_email, "membership.removed").await.expect("removal notice");
        assert!(mail["body"].as_str().unwrap().contains("Moved to another trust"));
        assert_eq!(status(app, &dd).await, "offered");

        // d declines: e is offered
        let (td, _, _) = &people[3];
        let dec = app.post(&format!("/v1/applications/{dd}/decline-offer"), Some(td), json!({})).await.expect(200);
        assert_eq!(dec["status"], "declined");
        assert_eq!(status(app, &ee).await, "offered");
        assert_eq!(status(app, &ff).await, "waitlisted");

        // e's offer expires: accepting it lapses it, and f is offered
        exec(app, &format!("UPDATE applications SET offer_expires_at = '2020-01-01T00:00:00+00:00' WHERE id = '{ee}'")).await;
        let (te, _, e_email) = &people[4];
        app.post(&format!("/v1/applications/{ee}/accept-offer"), Some(te), json!({}))
            .await
            .problem(409, "offer-expired");
        assert_eq!(status(app, &ee).await, "lapsed");
        assert!(app.outbox_payload(e_email, "application.offer_lapsed").await.is_some());
        assert_eq!(status(app, &ff).await, "offered");
        app.post(&format!("/v1/applications/{ee}/accept-offer"), Some(te), json!({}))
            .await
            .problem(409, "application-not-offered");

        // housekeeping lapses f's expired offer; nobody else is waiting
        exec(app, &format!("UPDATE applications SET offer_expires_at = '2020-01-01T00:00:00+00:00' WHERE id = '{ff}'")).await;
        peerhub_persistence::housekeeping::run(&app.db, 30).await.expect("housekeeping");
        assert_eq!(status(app, &ff).await, "lapsed");
        assert_eq!(peerhub_persistence::applications::lapse_expired_offers(&app.db).await.expect("lapse"), 0);
        assert_eq!(active_members(app, &cop).await, 1);

        // the trail of c's application
        let audit = app
            .query(&format!("SELECT action FROM audit_events WHERE entity_id = '{cc}' ORDER BY id"))
            .await;
        let actions: Vec<&str> = audit.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["application.submitted", "application.decided", "application.offered", "application.offer_accepted"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'membership.removed'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'application.lapsed'").await, 2);

        // open groups never exceed their capacity either
        let open = community(app, &n, "Open group", "open", 1, json!({})).await;
        let (tg, _) = person(app, &n.id, "open.g@nhs.net", pwp()).await;
        let (th, _) = person(app, &n.id, "open.h@nhs.net", pwp()).await;
        let g = apply(app, &tg, &open).await;
        let h = apply(app, &th, &open).await;
        assert_eq!(approve(app, &n.manager, &s(&g, "id")).await["outcome"], "admitted");
        assert_eq!(approve(app, &n.manager, &s(&h, "id")).await["outcome"], "waitlisted_full");
        assert_eq!(active_members(app, &open).await, 1);
    }
}

dual! {
    async fn withdrawing_an_offer_passes_the_place_on(app) {
        let n = network(app, "apps-withdraw-offer", "nhs.net").await;
        let cop = community(app, &n, "One place", "closed", 1, json!({})).await;
        let (t1, u1) = person(app, &n.id, "first@nhs.net", pwp()).await;
        let (t2, _) = person(app, &n.id, "second@nhs.net", pwp()).await;
        let (t3, _) = person(app, &n.id, "third@nhs.net", pwp()).await;
        let a1 = s(&apply(app, &t1, &cop).await, "id");
        let a2 = s(&apply(app, &t2, &cop).await, "id");
        let a3 = s(&apply(app, &t3, &cop).await, "id");
        approve(app, &n.manager, &a1).await;
        approve(app, &n.manager, &a2).await;
        approve(app, &n.manager, &a3).await;
        // a manager removes the only member without a reason
        app.delete(&format!("/v1/communities/{cop}/members/{u1}"), Some(&n.manager)).await.expect(204);
        assert_eq!(status(app, &a2).await, "offered");
        let w = app.post(&format!("/v1/applications/{a2}/withdraw"), Some(&t2), json!({})).await.expect(200);
        assert_eq!(w["status"], "withdrawn");
        assert_eq!(status(app, &a3).await, "offered");
        app.post(&format!("/v1/applications/{a3}/accept-offer"), Some(&t3), json!({})).await.expect(200);
        assert_eq!(active_members(app, &cop).await, 1);
    }
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

/// 50 members apply to a community of capacity 10; all 50 approvals fire at
/// once, spread over `bases`. Exactly 10 become members, 40 wait.
async fn fifty_approvals(app: &TestApp, bases: &[String]) {
    let n = network(app, "apps-race", "nhs.net").await;
    let cop = community(app, &n, "Race", "closed", 10, json!({})).await;
    let emails: Vec<String> = (0..50).map(|i| format!("racer{i}@nhs.net")).collect();
    let tokens = futures_util::future::join_all(emails.iter().map(|e| app.member(&n.id, e))).await;
    let applications =
        futures_util::future::join_all(tokens.iter().map(|t| apply(app, t, &cop))).await;
    let handles: Vec<_> = applications
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let url = format!(
                "{}/v1/applications/{}/decision",
                bases[i % bases.len()],
                s(a, "id")
            );
            let req = app
                .client
                .post(url)
                .bearer_auth(&n.manager)
                .json(&json!({"decision": "approve"}));
            tokio::spawn(async move {
                let r = req.send().await.expect("request");
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            })
        })
        .collect();
    let mut outcomes = std::collections::HashMap::new();
    for h in handles {
        let (status, body) = h.await.expect("task");
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        *outcomes.entry(s(&v, "outcome")).or_insert(0) += 1;
    }
    assert_eq!(outcomes.get("admitted"), Some(&10), "{outcomes:?}");
    assert_eq!(outcomes.get("waitlisted_full"), Some(&40), "{outcomes:?}");
    assert_eq!(active_members(app, &cop).await, 10);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM applications WHERE community_id = '{cop}' AND status = 'waitlisted'")).await,
        40
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM applications WHERE community_id = '{cop}' AND status = 'approved'"
        ))
        .await,
        10
    );
}

mod fifty_concurrent_approvals_stop_at_capacity {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        let app = TestApp::spawn(Backend::Postgres).await;
        fifty_approvals(&app, std::slice::from_ref(&app.base)).await;
        app.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        fifty_approvals(&app, std::slice::from_ref(&app.base)).await;
        app.finish().await;
    }
}

mod two_servers_on_one_database_stop_at_capacity {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        let app = TestApp::spawn(Backend::Postgres).await;
        let dir =
            std::env::temp_dir().join(format!("peerhub-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let second = TestApp::spawn_with(
            Backend::Postgres,
            test_config(app.config.database_url.clone(), dir),
            None,
        )
        .await;
        fifty_approvals(&app, &[app.base.clone(), second.base.clone()]).await;
        second.finish().await;
        app.finish().await;
    }
}

/// Two `peerhub` server processes (the real binary) on one PostgreSQL
/// database, approvals split between them: still exactly at capacity.
mod two_server_processes_stop_at_capacity {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    fn binary() -> std::path::PathBuf {
        let exe = std::env::current_exe().expect("test binary path");
        // target/<profile>/deps/e2e-… → target/<profile>/peerhub
        let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
        let bin = dir.join("peerhub");
        assert!(
            bin.exists(),
            "{} is missing: build the workspace (make test does)",
            bin.display()
        );
        bin
    }

    fn start(database_url: &str) -> (Child, u16) {
        let data =
            std::env::temp_dir().join(format!("peerhub-proc-{}", uuid::Uuid::now_v7().simple()));
        let mut child = Command::new(binary())
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PEERHUB_DATA_DIR", &data)
            .env("PEERHUB_DATABASE_URL", database_url)
            .env("PEERHUB_BIND", "127.0.0.1:0")
            .env("PEERHUB_JWT_SECRET", JWT_SECRET)
            .env("PEERHUB_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn peerhub");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("peerhub exited before printing its port")
                .expect("line");
            if let Some(rest) = line.split("(port ").nth(1) {
                break rest.trim_end_matches(')').parse::<u16>().expect("port");
            }
        };
        std::thread::spawn(move || for _ in lines {});
        (child, port)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        let app = TestApp::spawn(Backend::Postgres).await;
        let (mut a, pa) = start(&app.config.database_url);
        let (mut b, pb) = start(&app.config.database_url);
        let bases = [
            format!("http://127.0.0.1:{pa}"),
            format!("http://127.0.0.1:{pb}"),
        ];
        fifty_approvals(&app, &bases).await;
        for c in [&mut a, &mut b] {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let _ = c.wait();
        }
        app.finish().await;
    }
}
