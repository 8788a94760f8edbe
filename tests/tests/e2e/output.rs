//! How bodies leave the server as bytes: every JSON and problem+json body
//! ends in exactly one newline (so `curl` output does not run into the next
//! line), still parses, and its `Content-Length` counts the newline.
use peerhub_tests::*;
use reqwest::Method;
use serde_json::json;

/// Asserts the body ends in exactly one `\n`, parses as JSON, and, when the
/// response declares a length, that it is the length received.
#[track_caller]
fn assert_newline_terminated(r: &Resp) -> serde_json::Value {
    assert!(r.text.ends_with('\n'), "no trailing newline: {:?}", r.text);
    assert!(
        !r.text.ends_with("\n\n"),
        "two trailing newlines: {:?}",
        r.text
    );
    if let Some(len) = r.header("content-length") {
        assert_eq!(len, r.text.len().to_string(), "Content-Length");
    }
    serde_json::from_str(&r.text).unwrap_or_else(|e| panic!("{e}: {:?}", r.text))
}

dual! {
    async fn json_bodies_end_in_a_newline(app) {
        // application/json, unauthenticated and authenticated
        let r = app.get("/health/ready", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type").as_deref(), Some("application/json"));
        assert_eq!(assert_newline_terminated(&r)["status"], "ok");
        let admin = app.admin_token().await;
        let r = app.get("/v1/me", Some(&admin)).await;
        assert_eq!(r.status, 200);
        assert_eq!(assert_newline_terminated(&r)["email"], ADMIN_EMAIL);

        // a created resource, and its idempotent replay: the stored body is
        // terminated once, not twice
        let body = json!({"name": "Lines", "slug": "lines"});
        let send = || app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "nl-1").json(&body));
        let first = send().await;
        assert_eq!(first.status, 201);
        assert_eq!(assert_newline_terminated(&first)["slug"], "lines");
        let again = send().await;
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
        assert_newline_terminated(&again);
        assert_eq!(again.text, first.text);

        // the OpenAPI document already ends in one newline and keeps one
        let r = app.get("/openapi.json", None).await;
        assert_eq!(assert_newline_terminated(&r)["openapi"], "3.1.0");

        // an empty body (204) stays empty
        let login = app.post("/v1/auth/login", None, json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await;
        let refresh = assert_newline_terminated(&login)["refresh_token"].clone();
        let r = app.post("/v1/auth/logout", None, json!({"refresh_token": refresh})).await;
        assert_eq!(r.status, 204);
        assert_eq!(r.text, "");
    }
}

dual! {
    async fn problem_bodies_end_in_a_newline(app) {
        // from the router's fallback
        let r = app.get("/v1/nope", None).await;
        r.problem(404, "not-found");
        assert_eq!(assert_newline_terminated(&r)["instance"], "/v1/nope");
        // from an extractor (no credentials)
        let r = app.get("/v1/me", None).await;
        r.problem(401, "authentication-required");
        assert_newline_terminated(&r);
        // from a handler's validation
        let admin = app.admin_token().await;
        let r = app.post("/v1/networks", Some(&admin), json!({"name": " ", "slug": "Bad Slug"})).await;
        r.problem(422, "validation-failed");
        assert_newline_terminated(&r);
        // from a middleware (the idempotency store refuses the key)
        let r = app
            .send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "").json(&json!({})))
            .await;
        r.problem(400, "invalid-idempotency-key");
        assert_newline_terminated(&r);
    }
}
