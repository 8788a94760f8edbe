//! The API conventions every endpoint shares: problem+json errors, request
//! ids, pagination, ETags, idempotency, CORS, security headers, health,
//! metrics, the OpenAPI contract, and the audit/outbox trail.
use peerhub_tests::*;
use reqwest::Method;
use serde_json::json;

dual! {
    async fn unknown_route_is_problem_404(app) {
        let r = app.get("/v1/nope", None).await;
        let p = r.problem(404, "not-found");
        assert_eq!(p["instance"], "/v1/nope");
        let rid = r.header("x-request-id").unwrap();
        assert_eq!(p["request_id"], rid);
    }
}

dual! {
    async fn wrong_method_is_405_with_allow(app) {
        let r = app.send(app.req(Method::DELETE, "/v1/networks", None)).await;
        r.problem(405, "method-not-allowed");
        let allow = r.header("allow").unwrap();
        assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
        // Templated paths are matched too.
        let r = app.send(app.req(Method::PUT, "/v1/networks/0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e", None)).await;
        r.problem(405, "method-not-allowed");
    }
}

dual! {
    async fn request_id_is_echoed_or_generated(app) {
        let r = app.send(app.req(Method::GET, "/health/live", None).header("X-Request-Id", "trace-abc-123")).await;
        assert_eq!(r.header("x-request-id").as_deref(), Some("trace-abc-123"));
        let r = app.get("/health/live", None).await;
        let id = r.header("x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        // An unusable id (too long) is replaced, not echoed.
        let long = "x".repeat(300);
        let r = app.send(app.req(Method::GET, "/health/live", None).header("X-Request-Id", long.as_str())).await;
        assert_ne!(r.header("x-request-id").as_deref(), Some(long.as_str()));
    }
}

dual! {
    async fn body_errors_are_precise(app) {
        let admin = app.admin_token().await;
        // malformed JSON
        let r = app
            .send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("content-type", "application/json").body("{\"name\":"))
            .await;
        r.problem(400, "malformed-json");
        // unsupported media type
        let r = app
            .send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("content-type", "text/plain").body("name=x"))
            .await;
        r.problem(415, "unsupported-media-type");
        // no content type at all
        let r = app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).body("{}")).await;
        r.problem(415, "unsupported-media-type");
        // too large (limit 64 KiB)
        let big = json!({"name": "x".repeat(70 * 1024), "slug": "big"});
        let r = app.post("/v1/networks", Some(&admin), big).await;
        r.problem(413, "payload-too-large");
        // unknown field
        let r = app.post("/v1/networks", Some(&admin), json!({"name": "N", "slug": "n-1", "colour": "red"})).await;
        let p = r.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "colour");
        assert_eq!(p["errors"][0]["code"], "unknown_field");
        // wrong type names the field
        let r = app.post("/v1/networks", Some(&admin), json!({"name": 5, "slug": "n-1"})).await;
        let p = r.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "name");
        assert_eq!(p["errors"][0]["code"], "invalid_type");
        // missing field names it
        let r = app.post("/v1/networks", Some(&admin), json!({"name": "N"})).await;
        let p = r.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "slug");
        assert_eq!(p["errors"][0]["code"], "required");
        // several rule failures at once, each named
        let r = app.post("/v1/networks", Some(&admin), json!({"name": " ", "slug": "Bad Slug", "allowed_email_domains": ["nope"]})).await;
        let p = r.problem(422, "validation-failed");
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["name", "slug", "allowed_email_domains"]);
        // nothing was written
        let n = app.query("SELECT COUNT(*) FROM networks").await;
        assert_eq!(n[0][0], 0);
    }
}

dual! {
    async fn unauthenticated_gets_401_with_challenge(app) {
        let r = app.get("/v1/me", None).await;
        r.problem(401, "authentication-required");
        assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
        let r = app.get("/v1/me", Some("not-a-token")).await;
        r.problem(401, "invalid-token");
    }
}

dual! {
    async fn bad_path_uuid_is_400(app) {
        let admin = app.admin_token().await;
        let r = app.get("/v1/networks/not-a-uuid", Some(&admin)).await;
        r.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn lists_paginate_with_cursor_and_link(app) {
        let admin = app.admin_token().await;
        for i in 0..5 {
            app.create_network(&admin, &format!("net-{i}"), &[]).await;
        }
        let r = app.get("/v1/networks?limit=2", Some(&admin)).await;
        let v = r.expect(200);
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        let link = r.header("link").unwrap();
        assert!(link.contains("rel=\"next\"") && link.contains("limit=2") && link.contains("cursor="), "{link}");
        let mut seen: Vec<String> = v["items"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()).collect();
        let mut cursor = v["next_cursor"].as_str().map(str::to_owned);
        while let Some(c) = cursor {
            let r = app.get(&format!("/v1/networks?limit=2&cursor={c}"), Some(&admin)).await;
            let v = r.expect(200);
            seen.extend(v["items"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()));
            cursor = v["next_cursor"].as_str().map(str::to_owned);
            if cursor.is_none() {
                assert!(r.header("link").is_none());
            }
        }
        assert_eq!(seen, vec!["net-0", "net-1", "net-2", "net-3", "net-4"]);
        for bad in ["limit=0", "limit=201", "limit=-5"] {
            let p = app.get(&format!("/v1/networks?{bad}"), Some(&admin)).await.problem(422, "validation-failed");
            assert_eq!(p["errors"][0]["field"], "limit");
        }
        let p = app.get("/v1/networks?cursor=%21%21", Some(&admin)).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "cursor");
        app.get("/v1/networks?limit=ten", Some(&admin)).await.problem(400, "invalid-query-parameter");
        // default page size is 50 and the maximum 200 is accepted
        app.get("/v1/networks?limit=200", Some(&admin)).await.expect(200);
    }
}

dual! {
    async fn stale_if_match_is_412(app) {
        let admin = app.admin_token().await;
        let n = app.create_network(&admin, "etag-net", &["nhs.net"]).await;
        let path = format!("/v1/networks/{}", n["id"].as_str().unwrap());
        let r = app.get(&path, Some(&admin)).await;
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        let r = app.send(app.req(Method::PATCH, &path, Some(&admin)).header("If-Match", "\"1\"").json(&json!({"name": "Renamed"}))).await;
        r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        // the same (now stale) version again
        let r = app.send(app.req(Method::PATCH, &path, Some(&admin)).header("If-Match", "\"1\"").json(&json!({"name": "Lost update"}))).await;
        r.problem(412, "stale-version");
        let v = app.get(&path, Some(&admin)).await.expect(200);
        assert_eq!(v["name"], "Renamed");
        // malformed If-Match
        let r = app.send(app.req(Method::PATCH, &path, Some(&admin)).header("If-Match", "2").json(&json!({"name": "x"}))).await;
        r.problem(400, "invalid-if-match");
    }
}

dual! {
    async fn idempotency_key_replays_the_first_response(app) {
        let admin = app.admin_token().await;
        let body = json!({"name": "Once", "slug": "once"});
        let send = |b: serde_json::Value| app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "key-123").json(&b));
        let first = send(body.clone()).await;
        let v1 = first.expect(201);
        let second = send(body.clone()).await;
        let v2 = second.expect(201);
        assert_eq!(v1, v2);
        assert_eq!(second.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(second.header("location"), first.header("location"));
        assert_eq!(app.query("SELECT COUNT(*) FROM networks").await[0][0], 1);
        // same key, different body
        let r = send(json!({"name": "Other", "slug": "other"})).await;
        r.problem(422, "idempotency-key-reused");
        // a different key creates (and here conflicts on the slug, proving it ran)
        let r = app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "key-456").json(&body)).await;
        r.problem(409, "slug-taken");
        // an invalid key
        let r = app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "").json(&body)).await;
        r.problem(400, "invalid-idempotency-key");
    }
}

dual! {
    async fn cors_and_security_headers(app) {
        let r = app.send(app.req(Method::GET, "/health/live", None).header("Origin", CORS_ORIGIN)).await;
        assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(CORS_ORIGIN));
        let r = app
            .send(
                app.req(Method::OPTIONS, "/v1/networks", None)
                    .header("Origin", CORS_ORIGIN)
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization, content-type, idempotency-key"),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(CORS_ORIGIN));
        let r = app.send(app.req(Method::GET, "/health/live", None).header("Origin", "https://evil.example")).await;
        assert!(r.header("access-control-allow-origin").is_none());
        assert_eq!(r.header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
        assert!(r.header("content-security-policy").unwrap().contains("default-src 'none'"));
        let r = app.get("/v1/me", None).await;
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    }
}

dual! {
    async fn health_endpoints(app) {
        assert_eq!(app.get("/health/live", None).await.expect(200)["status"], "ok");
        assert_eq!(app.get("/health/ready", None).await.expect(200)["status"], "ok");
    }
}

dual! {
    async fn metrics_need_admin_or_scope_and_count_routes(app) {
        app.get("/metrics", None).await.problem(401, "authentication-required");
        let admin = app.admin_token().await;
        app.get("/health/live", None).await;
        let r = app.get("/metrics", Some(&admin)).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("peerhub_http_requests_total{method=\"GET\",route=\"/health/live\",status=\"200\"}"), "{}", r.text);
        assert!(r.text.contains("peerhub_http_request_duration_seconds_bucket"));
        assert!(r.text.contains("peerhub_db_pool_connections"));
        // the admin port serves it without a token
        let admin_base = app.admin_base().unwrap();
        let r = app.send(app.client.get(format!("{admin_base}/metrics"))).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("peerhub_http_requests_total"));
        // an API token needs metrics:read
        let t = app.post("/v1/api-tokens", Some(&admin), json!({"name": "scraper", "scopes": ["metrics:read"], "current_password": PASSWORD})).await.expect(201);
        let secret = t["secret"].as_str().unwrap();
        assert_eq!(app.get("/metrics", Some(secret)).await.status, 200);
        let t = app.post("/v1/api-tokens", Some(&admin), json!({"name": "other", "scopes": ["users:read"], "current_password": PASSWORD})).await.expect(201);
        app.get("/metrics", Some(t["secret"].as_str().unwrap())).await.problem(403, "insufficient-scope");
        // a token never exceeds its owner: a member's metrics:read token is refused
        let net = app.create_network(&admin, "metrics-net", &["nhs.net"]).await;
        let member = app.member(net["id"].as_str().unwrap(), "watcher@nhs.net").await;
        app.get("/metrics", Some(&member)).await.problem(403, "forbidden");
        let t = app.post("/v1/api-tokens", Some(&member), json!({"name": "m", "scopes": ["metrics:read"], "current_password": PASSWORD})).await.expect(201);
        app.get("/metrics", Some(t["secret"].as_str().unwrap())).await.problem(403, "forbidden");
    }
}

dual! {
    async fn middleware_errors_still_carry_request_id_and_headers(app) {
        let admin = app.admin_token().await;
        let r = app
            .send(
                app.req(Method::POST, "/v1/networks", Some(&admin))
                    .header("Idempotency-Key", "")
                    .header("X-Request-Id", "mw-err-1")
                    .json(&json!({"name": "x", "slug": "xx"})),
            )
            .await;
        let p = r.problem(400, "invalid-idempotency-key");
        assert_eq!(r.header("x-request-id").as_deref(), Some("mw-err-1"));
        assert_eq!(p["request_id"], "mw-err-1");
        assert_eq!(r.header("x-content-type-options").as_deref(), Some("nosniff"));
        // 413 through the idempotency layer too
        let big = json!({"name": "x".repeat(70 * 1024), "slug": "big"});
        let r = app.send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("Idempotency-Key", "k-big").json(&big)).await;
        r.problem(413, "payload-too-large");
        assert!(r.header("x-request-id").is_some());
    }
}

dual! {
    async fn docs_redirect_and_allow_lists_real_methods(app) {
        let r = app.get("/docs", None).await;
        assert_eq!(r.status, 308);
        assert_eq!(r.header("location").as_deref(), Some("/docs/"));
        let r = app.send(app.req(Method::DELETE, "/health/live", None)).await;
        r.problem(405, "method-not-allowed");
        assert_eq!(r.header("allow").as_deref(), Some("GET"));
    }
}

dual! {
    async fn served_spec_is_the_generated_document(app) {
        // The committed copy is checked against the same document once, in
        // tests/tests/spec.rs (`committed_document_is_current`).
        let served = app.get("/openapi.json", None).await;
        assert_eq!(served.status, 200);
        assert!(
            served.text == peerhub_http::openapi_json(&peerhub_http::openapi()),
            "the served /openapi.json is not the generated document"
        );
        let v: serde_json::Value = serde_json::from_str(&served.text).unwrap();
        assert_eq!(v["openapi"], "3.1.0");
        // every operation has an operationId and a tag (the declared error
        // responses and headers are checked rule by rule in tests/tests/spec.rs)
        for (path, item) in v["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["operationId"].is_string(), "{method} {path} lacks operationId");
                assert!(op["tags"].is_array(), "{method} {path} lacks tags");
            }
        }
        let docs = app.get("/docs/", None).await;
        assert_eq!(docs.status, 200);
        assert!(docs.text.contains("swagger"), "{}", docs.text);
    }
}

dual! {
    async fn mutations_write_audit_and_outbox_with_request_id(app) {
        let admin = app.admin_token().await;
        let r = app
            .send(app.req(Method::POST, "/v1/networks", Some(&admin)).header("X-Request-Id", "req-audit-1").json(&json!({"name": "Audited", "slug": "audited"})))
            .await;
        let n = r.expect(201);
        let id = n["id"].as_str().unwrap();
        let rows = app
            .query(&format!("SELECT action, entity_type, entity_id, network_id, request_id, changed_fields, actor_id FROM audit_events WHERE entity_id = '{id}'"))
            .await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0], "network.created");
        assert_eq!(rows[0][1], "network");
        assert_eq!(rows[0][3], id);
        assert_eq!(rows[0][4], "req-audit-1");
        assert!(rows[0][5].as_str().unwrap().contains("slug"));
        assert_eq!(rows[0][6].as_str().unwrap(), user_id_of(&admin));
        let ev = app.query(&format!("SELECT topic, kind, request_id FROM outbox WHERE aggregate_id = '{id}'")).await;
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0][0], "network.created");
        assert_eq!(ev[0][1], "event");
        assert_eq!(ev[0][2], "req-audit-1");
    }
}

/// PostgreSQL only: the outage is simulated by cutting a TCP proxy between
/// the server and PostgreSQL (an embedded SQLite file cannot go away).
mod db_outage_gives_503_and_recovers {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        use std::time::{Duration, Instant};
        let probe = TestApp::spawn(Backend::Postgres).await;
        let url = probe.config.database_url.clone();
        let mut u = url::Url::parse(&url).unwrap();
        let target = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(5432));
        let mut proxy = peerhub_tests::proxy::Proxy::start(&target).await;
        u.set_host(Some("127.0.0.1")).unwrap();
        u.set_port(Some(proxy.port)).unwrap();
        let dir =
            std::env::temp_dir().join(format!("peerhub-outage-{}", uuid::Uuid::now_v7().simple()));
        let app =
            TestApp::spawn_with(Backend::Postgres, test_config(u.to_string(), dir), None).await;
        app.get("/health/ready", None).await.expect(200);

        proxy.cut().await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = app.get("/health/ready", None).await;
            if r.status == 503 {
                r.problem(503, "database-unavailable");
                assert!(r.header("retry-after").is_some());
                break;
            }
            assert!(
                Instant::now() < deadline,
                "never became unready: {}",
                r.text
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // the process keeps serving what needs no database
        app.get("/health/live", None).await.expect(200);
        // API calls needing the database answer 503 too, never 500
        let r = app
            .post(
                "/v1/auth/login",
                None,
                json!({"email": "a@nhs.net", "password": "whatever-long-enough"}),
            )
            .await;
        r.problem(503, "database-unavailable");

        proxy.restore().await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = app.get("/health/ready", None).await;
            if r.status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "never recovered: {}", r.text);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.finish().await;
        probe.finish().await;
    }
}

// Idempotency-Key is ignored on the routes that mint credentials (a stored
// response there would be a live credential, replayable for 24 hours).

dual! {
    async fn idempotency_key_never_replays_a_refresh(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "idem-refresh", &["nhs.net"]).await;
        app.member(net["id"].as_str().unwrap(), "rotor@nhs.net").await;
        let pair = app.post("/v1/auth/login", None, json!({"email": "rotor@nhs.net", "password": PASSWORD})).await.expect(200);
        let body = json!({"refresh_token": pair["refresh_token"]});
        let refresh = || app.send(app.req(Method::POST, "/v1/auth/refresh", None).header("Idempotency-Key", "refresh-key-1").json(&body));
        let first = refresh().await;
        let successor = first.expect(200);
        assert!(first.header("idempotent-replayed").is_none());
        // The same key and body again is a reuse of the rotated token, not
        // a replay: refused (the rotation rule may answer one retry inside
        // its grace window, but never from the idempotency store).
        let mut refused = false;
        for _ in 0..2 {
            let again = refresh().await;
            assert!(again.header("idempotent-replayed").is_none(), "a refresh was replayed: {}", again.text);
            if again.status == 401 {
                again.problem(401, "invalid-refresh-token");
                refused = true;
                break;
            }
            again.expect(200);
        }
        assert!(refused, "a rotated refresh token kept answering with the same Idempotency-Key");
        // …and the reuse revoked the family: the successor is dead too.
        app.post("/v1/auth/refresh", None, json!({"refresh_token": successor["refresh_token"]}))
            .await
            .problem(401, "invalid-refresh-token");
        assert_eq!(app.count("SELECT COUNT(*) FROM idempotency_keys").await, 0, "nothing was stored");
    }
}

dual! {
    async fn idempotency_key_is_ignored_on_login_and_invitation_accept(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "idem-login", &["nhs.net"]).await;
        let net_id = net["id"].as_str().unwrap();
        app.member(net_id, "twice@nhs.net").await;
        let login = |key: &'static str| {
            app.send(
                app.req(Method::POST, "/v1/auth/login", None)
                    .header("Idempotency-Key", key)
                    .json(&json!({"email": "twice@nhs.net", "password": PASSWORD})),
            )
        };
        let a = login("login-key-1").await;
        let b = login("login-key-1").await;
        let (va, vb) = (a.expect(200), b.expect(200));
        assert!(a.header("idempotent-replayed").is_none() && b.header("idempotent-replayed").is_none());
        assert_ne!(va["refresh_token"], vb["refresh_token"], "the second login was a replay");
        // Ignored means not even validated.
        login("").await.expect(200);
        // A percent-encoded spelling of the path routes to login too, and
        // is exempt too.
        let encoded = || {
            app.send(
                app.req(Method::POST, "/v1/auth/%6Cogin", None)
                    .header("Idempotency-Key", "login-key-2")
                    .json(&json!({"email": "twice@nhs.net", "password": PASSWORD})),
            )
        };
        let (c, d) = (encoded().await, encoded().await);
        assert!(c.header("idempotent-replayed").is_none() && d.header("idempotent-replayed").is_none());
        assert_ne!(c.expect(200)["refresh_token"], d.expect(200)["refresh_token"]);

        // Accepting an invitation twice with one key: the second is refused
        // as spent, not handed the first one's session.
        let inv = app
            .post("/v1/invitations", Some(&admin), json!({"network_id": net_id, "email": "joiner@example.org"}))
            .await
            .expect(201);
        let path = format!("/v1/invitations/{}/accept", inv["token"].as_str().unwrap());
        let accept = || {
            app.send(
                app.req(Method::POST, &path, None)
                    .header("Idempotency-Key", "accept-key-1")
                    .json(&json!({"display_name": "Joiner", "password": PASSWORD})),
            )
        };
        let first = accept().await;
        first.expect(201);
        let second = accept().await;
        second.problem(409, "invitation-not-pending");
        assert!(second.header("idempotent-replayed").is_none());
        assert_eq!(app.count("SELECT COUNT(*) FROM idempotency_keys").await, 0, "nothing was stored");
    }
}

dual! {
    async fn a_feed_path_without_ics_is_404_and_problems_never_echo_secrets(app) {
        // `{secret}.ics` matches only segments ending in `.ics`: no bogus 405.
        app.get("/v1/calendar-feeds/AbCdEfGhIjKlMnOpQrStUvWxYz012345", None).await.problem(404, "not-found");
        let r = app.get("/v1/calendar-feeds/AbCdEfGhIjKlMnOpQrStUvWxYz012345.ics", None).await;
        let p = r.problem(404, "not-found");
        assert_eq!(p["instance"], "/v1/calendar-feeds/[redacted].ics", "{p}");
        assert!(!r.text.contains("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
        let r = app.post("/v1/invitations/SeCrEtInViTaTiOnToKeN0123456789/accept", None, json!({"display_name": "X", "password": "a long passphrase here"})).await;
        assert!(!r.text.contains("SeCrEtInViTaTiOnToKeN0123456789"), "{}", r.text);
    }
}
