//! Governance reporting: the governance bodies of a network (members read
//! them, managers replace the list with If-Match).
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn bodies_path(network_id: &str) -> String {
    format!("/v1/networks/{network_id}/governance-bodies")
}

async fn put_bodies(
    app: &TestApp,
    network_id: &str,
    token: &str,
    body: Value,
    if_match: Option<&str>,
) -> Resp {
    let mut rb = app.req(Method::PUT, &bodies_path(network_id), Some(token));
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb.json(&body)).await
}

fn keys(list: &Value) -> Vec<String> {
    list["bodies"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|b| b["key"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Governance bodies
// ---------------------------------------------------------------------------

dual! {
    async fn a_new_network_starts_with_the_five_default_bodies(app) {
        let w = cop_world(app, "gov-defaults", 1).await;
        let r = app.get(&bodies_path(&w.network_id), Some(&w.members[0].token)).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(
            keys(&v),
            ["network_chair", "workforce_council", "cppo_community", "regional_leads", "national_workforce"]
        );
        assert_eq!(v["bodies"][0]["name"], "Network chair");
        assert_eq!(v["bodies"][2]["name"], "Chief psychological professions officers' CoP");
        assert_eq!(v["bodies"][4]["name"], "National workforce, training and education directorate");
        assert_eq!(v["bodies"][0]["retired"], false);
        assert_eq!(v["bodies"][0]["contact_email"], Value::Null);
        assert_eq!(v["version"], 1);
        assert_eq!(v["network_id"], w.network_id.as_str());
        // Someone outside the network: 404.
        app.get(&bodies_path(&w.network_id), Some(&w.stranger.token)).await.problem(404, "not-found");
    }
}

dual! {
    async fn managers_replace_the_list_with_if_match(app) {
        let w = cop_world(app, "gov-replace", 1).await;
        let body = json!({"bodies": [
            {"key": "network_chair", "name": "Network chair", "contact_email": "Chair@NHS.net"},
            {"key": "workforce_council", "name": "Workforce council", "retired": true},
            {"key": "safety-board", "name": "Patient safety board"}
        ]});
        // Members may read but not change.
        put_bodies(app, &w.network_id, &w.members[0].token, body.clone(), None).await.problem(403, "forbidden");
        put_bodies(app, &w.network_id, &w.stranger.token, body.clone(), None).await.problem(404, "not-found");
        put_bodies(app, &w.network_id, &w.manager.token, body.clone(), Some("\"7\"")).await.problem(412, "stale-version");
        let r = put_bodies(app, &w.network_id, &w.manager.token, body.clone(), Some("\"1\"")).await;
        let v = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(keys(&v), ["network_chair", "workforce_council", "safety-board"]);
        assert_eq!(v["bodies"][0]["contact_email"], "chair@nhs.net");
        assert_eq!(v["bodies"][1]["retired"], true);
        let again = app.get(&bodies_path(&w.network_id), Some(&w.chair.token)).await.expect(200);
        assert_eq!(again, v);
        // The old version is stale now.
        put_bodies(app, &w.network_id, &w.manager.token, body, Some("\"1\"")).await.problem(412, "stale-version");
        // A removed body can come back.
        let back = put_bodies(app, &w.network_id, &w.manager.token, json!({"bodies": [
            {"key": "regional_leads", "name": "Regional leads group"}
        ]}), Some("\"2\"")).await.expect(200);
        assert_eq!(keys(&back), ["regional_leads"]);
        assert_eq!(back["version"], 3);
        // Audited.
        let n = app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'governance_bodies.replaced' AND entity_id = '{}'",
            w.network_id
        )).await;
        assert_eq!(n, 2);
    }
}

dual! {
    async fn the_list_is_bounded_and_names_are_checked(app) {
        let w = cop_world(app, "gov-checks", 0).await;
        let put = |body: Value| put_bodies(app, &w.network_id, &w.manager.token, body, None);
        let many: Vec<Value> = (0..51).map(|i| json!({"key": format!("b{i}"), "name": "B"})).collect();
        assert_violation(&put(json!({"bodies": many})).await, "bodies", "too_many");
        assert_violation(
            &put(json!({"bodies": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]})).await,
            "bodies[1].key",
            "duplicate",
        );
        assert_violation(
            &put(json!({"bodies": [{"key": "Not A Slug", "name": "A"}]})).await,
            "bodies[0].key",
            "invalid_key",
        );
        assert_violation(
            &put(json!({"bodies": [{"key": "a", "name": "Coun\u{200b}cil"}]})).await,
            "bodies[0].name",
            "invisible_characters",
        );
        assert_violation(
            &put(json!({"bodies": [{"key": "a", "name": "\u{202e}licnuoC"}]})).await,
            "bodies[0].name",
            "invisible_characters",
        );
        assert_violation(
            &put(json!({"bodies": [{"key": "a", "name": "n".repeat(201)}]})).await,
            "bodies[0].name",
            "too_long",
        );
        assert_invalid(
            &put(json!({"bodies": [{"key": "a", "name": "A", "contact_email": "nope"}]})).await,
            "bodies[0].contact_email",
        );
        // Nothing changed.
        let v = app.get(&bodies_path(&w.network_id), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["version"], 1);
        assert_eq!(keys(&v).len(), 5);
        // Exactly the maximum is fine.
        let fifty: Vec<Value> = (0..50).map(|i| json!({"key": format!("b{i}"), "name": "B"})).collect();
        let v = put(json!({"bodies": fifty})).await.expect(200);
        assert_eq!(keys(&v).len(), 50);
    }
}
