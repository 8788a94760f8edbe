//! Stored values that do not decode fail closed: a logged 500 problem,
//! never a widened or defaulted answer (docs/decisions.md).
use peerhub_tests::*;
use reqwest::Method;
use serde_json::json;

async fn exec(app: &TestApp, sql: &str) {
    use peerhub_persistence::sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

dual! {
    async fn undecodable_sensitive_attributes_are_a_500_not_none(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "fc-sensitive", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let me = app.member(nid, "sensitive@nhs.net").await;
        app.patch("/v1/me", Some(&me), json!({"sensitive": {"gender": "woman"}})).await.expect(200);
        assert_eq!(app.get("/v1/me", Some(&me)).await.expect(200)["sensitive"]["gender"], "woman");
        // valid JSON (a jsonb column takes it) that is not sensitive attributes
        for corrupt in ["{\"gender\": 7}", "{\"star_sign\": \"leo\"}", "\"woman\""] {
            let q = corrupt.replace('\'', "''");
            exec(app, &format!("UPDATE users SET sensitive = '{q}' WHERE email = 'sensitive@nhs.net'")).await;
            app.get("/v1/me", Some(&me)).await.problem(500, "internal-error");
            app.get("/v1/me/export", Some(&me)).await.problem(500, "internal-error");
        }
        // no attributes at all is a real answer, not an error
        exec(app, "UPDATE users SET sensitive = NULL WHERE email = 'sensitive@nhs.net'").await;
        assert_eq!(app.get("/v1/me", Some(&me)).await.expect(200)["sensitive"], serde_json::Value::Null);
    }
}

dual! {
    async fn undecodable_network_role_is_a_500_not_a_404(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "fc-role", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let member = app.member(nid, "role@nhs.net").await;
        let uid = user_id_of(&member);
        app.get(&format!("/v1/networks/{nid}"), Some(&member)).await.expect(200);
        exec(app, &format!("UPDATE network_members SET role = 'owner' WHERE user_id = '{uid}'")).await;
        // neither hidden (404) nor treated as any role
        app.get(&format!("/v1/networks/{nid}"), Some(&member)).await.problem(500, "internal-error");
        app.get(&format!("/v1/networks/{nid}/members"), Some(&member)).await.problem(500, "internal-error");
        app.get("/v1/me", Some(&member)).await.problem(500, "internal-error");
        // others are unaffected
        app.get(&format!("/v1/networks/{nid}"), Some(&admin)).await.expect(200);
    }
}

dual! {
    async fn undecodable_idempotent_response_is_a_500_not_an_empty_replay(app) {
        let admin = app.admin_token().await;
        let body = json!({"name": "Once", "slug": "fc-once"});
        let send = || app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "fc-key").json(&body));
        send().await.expect(201);
        assert_eq!(send().await.header("idempotent-replayed").as_deref(), Some("true"));
        exec(app, r#"UPDATE idempotency_keys SET response_headers = '{"location": 7}'"#).await;
        send().await.problem(500, "internal-error");
        exec(app, "UPDATE idempotency_keys SET response_headers = '[]', status = 'finished'").await;
        send().await.problem(500, "internal-error");
        assert_eq!(app.query("SELECT COUNT(*) FROM networks WHERE slug = 'fc-once'").await[0][0], 1);
    }
}

dual! {
    async fn undecodable_cadence_is_a_500_not_every_one(app) {
        let w = peerhub_tests::world::cop_world(app, "fc-cadence", 0).await;
        let path = w.community_path("/meeting-series");
        let body = json!({"first_starts_at_local": "2031-01-15T10:00", "timezone": "Europe/London",
            "join_url": "https://teams.microsoft.com/l/meetup-join/abc", "count": 2});
        let cid = &w.community_id;
        for bad in [-3, 0, 13] {
            exec(app, &format!("UPDATE communities SET cadence_every = {bad} WHERE id = '{cid}'")).await;
            app.post(&path, Some(&w.chair.token), body.clone()).await.problem(500, "internal-error");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM meeting_series").await, 0);
        exec(app, &format!("UPDATE communities SET cadence_every = 3 WHERE id = '{cid}'")).await;
        app.post(&path, Some(&w.chair.token), body).await.expect(201);
    }
}
