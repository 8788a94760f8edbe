//! Webhook subscriptions (docs/integrations.md): create, list, read,
//! change, delete, rotate the secret, ping and redeliver; the secret
//! shown once; every refusal; the per-network limit under a parallel
//! burst; the deliveries list with its filters; and, with private targets
//! not allowed (the harness allows them, receivers being local), the
//! address refusals.
use chrono::{Duration, Utc};
use peerhub_persistence::entities::{webhook_attempt, webhook_delivery};
use peerhub_persistence::sea_orm::{ActiveModelTrait, ActiveValue::Set};
use peerhub_tests::problems::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A receiver that accepts connections and never answers, so a delivery
/// to it stays `sending` for the worker's whole timeout: tests of
/// "still in progress" do not race the worker.
async fn silent_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    format!("http://{addr}/hooks")
}

async fn exec(app: &TestApp, sql: &str) {
    use peerhub_persistence::sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

struct World {
    admin: String,
    manager: String,
    member: String,
    network_id: String,
}

async fn world(app: &TestApp, slug: &str) -> World {
    let admin = app.admin_token().await;
    let network_id = id_of(&app.create_network(&admin, slug, &["nhs.net"]).await);
    let manager = app
        .invited(
            &admin,
            &network_id,
            &format!("manager@{slug}.org"),
            "manager",
        )
        .await;
    let member = app
        .member(&network_id, &format!("member.{slug}@nhs.net"))
        .await;
    World {
        admin,
        manager,
        member,
        network_id,
    }
}

async fn create(app: &TestApp, token: &str, net: &str, url: &str, events: Value) -> Resp {
    app.post(
        "/v1/webhooks",
        Some(token),
        json!({"network_id": net, "url": url, "events": events, "description": "Trust intranet"}),
    )
    .await
}

dual! {
    async fn webhooks_are_created_read_changed_and_deleted(app) {
        let w = world(app, "wh-crud").await;
        let url = silent_receiver().await;
        let r = create(app, &w.manager, &w.network_id, &url, json!(["meeting.scheduled", "minutes.published", "meeting.scheduled"])).await;
        let created = r.expect(201);
        let id = id_of(&created);
        assert_eq!(r.header("location").as_deref(), Some(format!("/v1/webhooks/{id}").as_str()));
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        let secret = created["secret"].as_str().unwrap_or_default().to_owned();
        assert!(secret.starts_with("whsec_") && secret.len() > 30, "{created}");
        assert_eq!(created["events"], json!(["meeting.scheduled", "minutes.published"]));
        assert_eq!(created["enabled"], true);
        assert_eq!(created["disabled_reason"], Value::Null);
        assert_eq!(created["network_id"], json!(w.network_id));
        // Shown once: never read back.
        let got = app.get(&format!("/v1/webhooks/{id}"), Some(&w.manager)).await;
        let v = got.expect(200);
        assert!(v.get("secret").is_none(), "{v}");
        assert!(!got.text.contains(&secret));
        assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
        let list = app.get(&format!("/v1/webhooks?network_id={}", w.network_id), Some(&w.manager)).await;
        assert!(!list.text.contains(&secret));
        assert_eq!(ids(&list.expect(200)), vec![id.clone()]);
        // The audit trail names the fields, never the URL or the secret.
        let trail = app.query(&format!("SELECT action, changed_fields FROM audit_events WHERE entity_id = '{id}'")).await;
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0][0], json!("webhook.created"));
        let text = format!("{trail:?}");
        assert!(!text.contains(&secret) && !text.contains("127.0.0.1"), "{text}");

        // Disable by hand, then a stale If-Match, then enable again.
        let r = app.send(app.req(Method::PATCH, &format!("/v1/webhooks/{id}"), Some(&w.manager)).header("If-Match", "\"1\"").json(&json!({"enabled": false, "events": ["*"]}))).await;
        let v = r.expect(200);
        assert_eq!((v["enabled"].clone(), v["disabled_reason"].clone(), v["events"].clone(), v["version"].clone()), (json!(false), json!("manual"), json!(["*"]), json!(2)));
        app.send(app.req(Method::PATCH, &format!("/v1/webhooks/{id}"), Some(&w.manager)).header("If-Match", "\"1\"").json(&json!({"enabled": true}))).await.problem(412, "stale-version");
        exec(app, &format!("UPDATE webhooks SET failed_run = 2 WHERE id = '{id}'")).await;
        let v = app.patch(&format!("/v1/webhooks/{id}"), Some(&w.manager), json!({"enabled": true, "description": "Intranet v2"})).await.expect(200);
        assert_eq!((v["enabled"].clone(), v["disabled_reason"].clone(), v["description"].clone()), (json!(true), Value::Null, json!("Intranet v2")));
        assert_eq!(app.count(&format!("SELECT failed_run FROM webhooks WHERE id = '{id}'")).await, 0);
        // A change that changes nothing writes nothing.
        let same = app.patch(&format!("/v1/webhooks/{id}"), Some(&w.manager), json!({"enabled": true})).await.expect(200);
        assert_eq!(same["version"], v["version"]);

        // Rotation: a new secret, the old one signs for a day.
        let r = app.post(&format!("/v1/webhooks/{id}/rotate-secret"), Some(&w.manager), json!({})).await;
        let rot = r.expect(200);
        let new_secret = rot["secret"].as_str().unwrap_or_default().to_owned();
        assert!(new_secret.starts_with("whsec_") && new_secret != secret);
        let until = chrono::DateTime::parse_from_rfc3339(rot["previous_secret_expires_at"].as_str().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {rot}"));
        let hours = (until.with_timezone(&Utc) - Utc::now()).num_minutes();
        assert!((23 * 60..=24 * 60).contains(&hours), "{rot}");
        let v = app.get(&format!("/v1/webhooks/{id}"), Some(&w.manager)).await.expect(200);
        assert!(v["secret_rotation"]["previous_expires_at"].is_string(), "{v}");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM webhooks WHERE id = '{id}' AND previous_secret = '{secret}'")).await, 1);
        // A second rotation within the overlap replaces the previous secret.
        app.post(&format!("/v1/webhooks/{id}/rotate-secret"), Some(&w.manager), json!({})).await.expect(200);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM webhooks WHERE id = '{id}' AND previous_secret = '{new_secret}'")).await, 1);

        // Delete: its deliveries go with it.
        app.post(&format!("/v1/webhooks/{id}/ping"), Some(&w.manager), json!({})).await.expect(202);
        app.delete(&format!("/v1/webhooks/{id}"), Some(&w.manager)).await.expect(204);
        app.get(&format!("/v1/webhooks/{id}"), Some(&w.manager)).await.problem(404, "not-found");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{id}'")).await, 0);
        let actions = app.query(&format!("SELECT action FROM audit_events WHERE entity_id = '{id}' ORDER BY id")).await;
        let actions: Vec<&str> = actions.iter().filter_map(|r| r[0].as_str()).collect();
        for a in ["webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.pinged", "webhook.deleted"] {
            assert!(actions.contains(&a), "{a}: {actions:?}");
        }
        // Other methods answer 405 with Allow.
        let r = app.send(app.req(Method::PUT, &format!("/v1/webhooks/{id}"), Some(&w.manager)).json(&json!({}))).await;
        r.problem(405, "method-not-allowed");
        assert!(r.header("allow").is_some_and(|a| a.contains("PATCH")));
        // A platform admin manages any network's subscriptions.
        create(app, &w.admin, &w.network_id, &url, json!(["*"])).await.expect(201);
    }
}

dual! {
    async fn webhook_input_is_refused_field_by_field(app) {
        let w = world(app, "wh-bad").await;
        let net = &w.network_id;
        for (body, field, code) in [
            (json!({"network_id": net, "events": ["*"]}), "url", "required"),
            (json!({"network_id": net, "url": "ftp://h.example/", "events": ["*"]}), "url", "https_required"),
            (json!({"network_id": net, "url": "https://u:p@h.example/", "events": ["*"]}), "url", "credentials_in_url"),
            (json!({"network_id": net, "url": "not a url", "events": ["*"]}), "url", "invalid_url"),
            (json!({"network_id": net, "url": format!("https://h.example/{}", "a".repeat(2100)), "events": ["*"]}), "url", "too_long"),
            (json!({"network_id": net, "url": "https://nothing.invalid/h", "events": ["*"]}), "url", "url_unresolvable"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h"}), "events", "required"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": []}), "events", "required"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["meeting.moved"]}), "events", "unknown_event_type"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["webhook.ping"]}), "events", "unknown_event_type"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["*", "meeting.scheduled"]}), "events", "invalid_value"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": vec!["meeting.scheduled"; 51]}), "events", "too_many"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["*"], "description": "a\u{200b}b"}), "description", "invisible_characters"),
            (json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["*"], "description": "x".repeat(501)}), "description", "too_long"),
            (json!({"url": "http://127.0.0.1:9/h", "events": ["*"]}), "network_id", "required"),
            (json!({"network_id": "nope", "url": "http://127.0.0.1:9/h", "events": ["*"]}), "network_id", "invalid_uuid"),
        ] {
            let r = app.post("/v1/webhooks", Some(&w.manager), body.clone()).await;
            assert_eq!(r.status.as_u16(), 422, "{body}: {}", r.text);
            assert_violation(&r, field, code);
        }
        // Every violation at once.
        let r = app.post("/v1/webhooks", Some(&w.manager), json!({"network_id": net, "url": "ftp://x/", "events": ["nope"], "description": "\u{202e}"})).await;
        let mut f = fields(&r.json());
        f.sort();
        assert_eq!(f, ["description", "events", "url"]);
        // Unknown fields and a body over the limit.
        app.post("/v1/webhooks", Some(&w.manager), json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["*"], "secret": "whsec_mine"})).await.problem(422, "validation-failed");
        app.post("/v1/webhooks", Some(&w.manager), json!({"network_id": net, "url": "http://127.0.0.1:9/h", "events": ["*"], "description": "x".repeat(10 * 1024 * 1024)})).await.problem(413, "payload-too-large");
        // PATCH checks the same way, all at once.
        let id = id_of(&create(app, &w.manager, net, "http://127.0.0.1:9/h", json!(["*"])).await.expect(201));
        let r = app.patch(&format!("/v1/webhooks/{id}"), Some(&w.manager), json!({"url": "gopher://x/", "events": ["*", "x"]})).await;
        let mut f = fields(&r.json());
        f.sort();
        assert_eq!(f, ["events", "url"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM webhooks").await, 1);
    }
}

dual! {
    async fn webhooks_are_for_managers_and_people_only(app) {
        let w = world(app, "wh-who").await;
        let id = id_of(&create(app, &w.manager, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])).await.expect(201));
        let paths = [
            (Method::GET, format!("/v1/webhooks/{id}")),
            (Method::PATCH, format!("/v1/webhooks/{id}")),
            (Method::DELETE, format!("/v1/webhooks/{id}")),
            (Method::POST, format!("/v1/webhooks/{id}/ping")),
            (Method::POST, format!("/v1/webhooks/{id}/rotate-secret")),
            (Method::GET, format!("/v1/webhooks/{id}/deliveries")),
            (Method::GET, format!("/v1/webhooks?network_id={}", w.network_id)),
        ];
        let call = |token: String, m: Method, p: String| async move {
            let rb = app.req(m.clone(), &p, Some(&token));
            let rb = if m == Method::PATCH || m == Method::POST { rb.json(&json!({})) } else { rb };
            app.send(rb).await
        };
        // A member: 403.
        for (m, p) in &paths {
            call(w.member.clone(), m.clone(), p.clone()).await.problem(403, "forbidden");
        }
        create(app, &w.member, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])).await.problem(403, "forbidden");
        // Another network's manager: 404, as if it did not exist.
        let other = id_of(&app.create_network(&w.admin, "wh-who-other", &["nhs.net"]).await);
        let stranger = app.invited(&w.admin, &other, "manager@wh-who-other.org", "manager").await;
        for (m, p) in &paths {
            call(stranger.clone(), m.clone(), p.clone()).await.problem(404, "not-found");
        }
        create(app, &stranger, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])).await.problem(404, "not-found");
        // …who does not see it in their own list either.
        let theirs = app.get(&format!("/v1/webhooks?network_id={other}"), Some(&stranger)).await.expect(200);
        assert!(ids(&theirs).is_empty());
        // An API token, even the manager's: 403 insufficient-scope.
        let t = app.post("/v1/api-tokens", Some(&w.manager), json!({"name": "hooks", "scopes": ["networks:read"], "current_password": PASSWORD})).await.expect(201);
        let token = t["secret"].as_str().unwrap_or_default().to_owned();
        for (m, p) in &paths {
            call(token.clone(), m.clone(), p.clone()).await.problem(403, "insufficient-scope");
        }
        create(app, &token, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])).await.problem(403, "insufficient-scope");
        // No credentials: 401. Nothing changed.
        app.get(&format!("/v1/webhooks/{id}"), None).await.problem(401, "authentication-required");
        assert_eq!(app.count("SELECT COUNT(*) FROM webhooks").await, 1);
        // The list needs a network.
        assert_violation(&app.get("/v1/webhooks", Some(&w.manager)).await, "network_id", "required");
        assert_violation(&app.get("/v1/webhooks?network_id=x", Some(&w.manager)).await, "network_id", "invalid_uuid");
    }
}

dual! {
    async fn a_network_has_at_most_twenty_webhooks_even_in_a_burst(app) {
        let w = world(app, "wh-limit").await;
        for _ in 0..15 {
            create(app, &w.manager, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])).await.expect(201);
        }
        let burst: Vec<_> = (0..25)
            .map(|_| create(app, &w.manager, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])))
            .collect();
        let results = futures_util::future::join_all(burst).await;
        let made = results.iter().filter(|r| r.status.as_u16() == 201).count();
        for r in results.iter().filter(|r| r.status.as_u16() != 201) {
            r.problem(409, "webhook-limit-reached");
        }
        assert_eq!(made, 5);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM webhooks WHERE network_id = '{}'", w.network_id)).await, 20);
        create(app, &w.manager, &w.network_id, "http://127.0.0.1:9/h", json!(["*"])).await.problem(409, "webhook-limit-reached");
        // The list pages with Link.
        let r = app.get(&format!("/v1/webhooks?network_id={}&limit=15", w.network_id), Some(&w.manager)).await;
        let first = r.expect(200);
        assert_eq!(ids(&first).len(), 15);
        assert!(r.header("link").is_some_and(|l| l.ends_with("rel=\"next\"")));
        let cursor = first["next_cursor"].as_str().unwrap_or_default();
        let second = app.get(&format!("/v1/webhooks?network_id={}&limit=15&cursor={cursor}", w.network_id), Some(&w.manager)).await.expect(200);
        assert_eq!(ids(&second).len(), 5);
        assert_eq!(second["next_cursor"], Value::Null);
        // Filtered by state.
        let one = ids(&first)[0].clone();
        app.patch(&format!("/v1/webhooks/{one}"), Some(&w.manager), json!({"enabled": false})).await.expect(200);
        let off = app.get(&format!("/v1/webhooks?network_id={}&enabled=false", w.network_id), Some(&w.manager)).await.expect(200);
        assert_eq!(ids(&off), vec![one]);
    }
}

/// Inserts a delivery of `sub` directly (its worker never runs for a
/// disabled subscription).
async fn delivery(
    app: &TestApp,
    sub: &Value,
    event_type: &str,
    status: &str,
    age_days: i64,
    attempts: i32,
) -> String {
    let now = Utc::now() - Duration::days(age_days);
    let id = uuid::Uuid::now_v7().to_string();
    let finished = matches!(status, "succeeded" | "failed");
    webhook_delivery::ActiveModel {
        id: Set(id.clone()),
        webhook_id: Set(id_of(sub)),
        network_id: Set(sub["network_id"].as_str().unwrap_or_default().to_owned()),
        event_id: Set(None),
        event_type: Set(event_type.to_owned()),
        body: Set(
            json!({"type": event_type, "timestamp": now.to_rfc3339(), "data": {"n": 1}})
                .to_string(),
        ),
        status: Set(status.to_owned()),
        attempts: Set(attempts),
        next_attempt_at: Set(now),
        last_status_code: Set(finished.then_some(503)),
        last_duration_ms: Set(finished.then_some(20)),
        last_error: Set(finished.then(|| "HTTP 503".to_owned())),
        created_at: Set(now),
        finished_at: Set(finished.then_some(now)),
    }
    .insert(&app.db)
    .await
    .unwrap_or_else(|e| panic!("insert delivery: {e}"));
    for i in 0..attempts {
        webhook_attempt::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            delivery_id: Set(id.clone()),
            attempted_at: Set(now + Duration::seconds(i64::from(i))),
            status_code: Set(Some(503)),
            duration_ms: Set(20),
            error: Set(Some("HTTP 503".into())),
        }
        .insert(&app.db)
        .await
        .unwrap_or_else(|e| panic!("insert attempt: {e}"));
    }
    id
}

dual! {
    async fn webhook_deliveries_are_listed_filtered_and_redelivered(app) {
        let w = world(app, "wh-deliveries").await;
        let url = silent_receiver().await;
        let sub = create(app, &w.manager, &w.network_id, &url, json!(["*"])).await.expect(201);
        let id = id_of(&sub);
        app.patch(&format!("/v1/webhooks/{id}"), Some(&w.manager), json!({"enabled": false})).await.expect(200);
        let old = delivery(app, &sub, "meeting.scheduled", "failed", 3, 25).await;
        let mid = delivery(app, &sub, "minutes.published", "succeeded", 2, 1).await;
        let new = delivery(app, &sub, "meeting.scheduled", "pending", 1, 0).await;
        let list = |q: String| {
            let token = w.manager.clone();
            let id = id.clone();
            async move { app.get(&format!("/v1/webhooks/{id}/deliveries?{q}"), Some(&token)).await }
        };
        let all = list(String::new()).await.expect(200);
        assert_eq!(ids(&all), vec![new.clone(), mid.clone(), old.clone()], "newest first");
        let first = &all["items"][2];
        assert_eq!(first["message_id"], json!(format!("msg_{old}")));
        assert_eq!(first["attempt_count"], 25);
        assert_eq!(first["attempts"].as_array().map(Vec::len), Some(20), "at most 20 attempts shown");
        assert_eq!(first["next_attempt_at"], Value::Null);
        assert_eq!(first["body"]["data"], json!({"n": 1}));
        assert!(all["items"][0]["next_attempt_at"].is_string());
        assert_eq!(ids(&list("status=failed".into()).await.expect(200)), vec![old.clone()]);
        assert_eq!(ids(&list("event_type=meeting.scheduled".into()).await.expect(200)), vec![new.clone(), old.clone()]);
        let from = (Utc::now() - Duration::hours(60)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let to = (Utc::now() - Duration::hours(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(ids(&list(format!("from={from}&to={to}")).await.expect(200)), vec![mid.clone()]);
        let r = list("limit=2".into()).await;
        let p = r.expect(200);
        assert_eq!(ids(&p), vec![new.clone(), mid.clone()]);
        let c = p["next_cursor"].as_str().unwrap_or_default().to_owned();
        assert_eq!(ids(&list(format!("limit=2&cursor={c}")).await.expect(200)), vec![old.clone()]);
        for (q, field, code) in [
            (format!("from={to}&to={from}"), "from", "after_to"),
            ("from=yesterday".to_owned(), "from", "invalid_datetime"),
            ("status=lost".to_owned(), "status", "invalid_value"),
            ("event_type=meeting.moved".to_owned(), "event_type", "invalid_value"),
            ("limit=0".to_owned(), "limit", "out_of_range"),
        ] {
            let r = list(q.clone()).await;
            assert_eq!(r.status.as_u16(), 422, "{q}: {}", r.text);
            assert_violation(&r, field, code);
        }

        // Redelivery needs the subscription enabled and a finished delivery.
        let redeliver = |d: String| {
            let token = w.manager.clone();
            let id = id.clone();
            async move { app.post(&format!("/v1/webhooks/{id}/deliveries/{d}/redeliver"), Some(&token), json!({})).await }
        };
        redeliver(old.clone()).await.problem(409, "webhook-disabled");
        app.patch(&format!("/v1/webhooks/{id}"), Some(&w.manager), json!({"enabled": true})).await.expect(200);
        redeliver(new.clone()).await.problem(409, "delivery-in-progress");
        let d = redeliver(old.clone()).await.expect(202);
        assert_eq!((d["id"].clone(), d["status"].clone(), d["attempt_count"].clone()), (json!(old), json!("pending"), json!(0)));
        assert_eq!(d["message_id"], json!(format!("msg_{old}")));
        // Still in progress (the receiver never answers).
        redeliver(old.clone()).await.problem(409, "delivery-in-progress");
        // Another subscription's delivery, or none: 404.
        let other = create(app, &w.manager, &w.network_id, &url, json!(["*"])).await.expect(201);
        let theirs = delivery(app, &other, "meeting.scheduled", "failed", 1, 1).await;
        redeliver(theirs).await.problem(404, "not-found");
        redeliver("0190a6f2-0000-7000-8000-000000000000".into()).await.problem(404, "not-found");
        redeliver("nope".into()).await.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn webhook_pings_are_queued_one_at_a_time_even_when_disabled(app) {
        let w = world(app, "wh-ping").await;
        let url = silent_receiver().await;
        let id = id_of(&create(app, &w.manager, &w.network_id, &url, json!(["meeting.scheduled"])).await.expect(201));
        app.patch(&format!("/v1/webhooks/{id}"), Some(&w.manager), json!({"enabled": false})).await.expect(200);
        let d = app.post(&format!("/v1/webhooks/{id}/ping"), Some(&w.manager), json!({})).await.expect(202);
        assert_eq!(d["event_type"], "webhook.ping");
        assert_eq!(d["event_id"], Value::Null);
        assert_eq!(d["body"]["type"], "webhook.ping");
        assert_eq!(d["body"]["data"], json!({"webhook_id": id}));
        assert!(matches!(d["status"].as_str(), Some("pending" | "sending")), "{d}");
        app.post(&format!("/v1/webhooks/{id}/ping"), Some(&w.manager), json!({})).await.problem(409, "ping-pending");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{id}'")).await, 1);
        // Once it is finished, another may follow.
        exec(app, &format!("UPDATE webhook_deliveries SET status = 'failed' WHERE webhook_id = '{id}'")).await;
        app.post(&format!("/v1/webhooks/{id}/ping"), Some(&w.manager), json!({})).await.expect(202);
    }
}

/// With private targets not allowed (production's default), inside
/// addresses and plain http are refused.
async fn private_targets_are_refused(backend: Backend) {
    let app = TestApp::spawn_configured(backend, |c| c.webhook_allow_private = false).await;
    let w = world(&app, "wh-ssrf").await;
    for (url, code) in [
        ("http://hooks.example.org/h", "https_required"),
        ("https://127.0.0.1/h", "address_not_public"),
        ("https://[::1]:8443/h", "address_not_public"),
        (
            "https://169.254.169.254/latest/meta-data",
            "address_not_public",
        ),
        ("https://10.1.2.3/h", "address_not_public"),
        ("https://localhost/h", "address_not_public"),
        ("https://db.internal/h", "address_not_public"),
        ("https://nothing.invalid/h", "url_unresolvable"),
    ] {
        let r = create(&app, &w.manager, &w.network_id, url, json!(["*"])).await;
        assert_eq!(r.status.as_u16(), 422, "{url}: {}", r.text);
        assert_violation(&r, "url", code);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM webhooks").await, 0);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_private_targets_are_refused_sqlite() {
    private_targets_are_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_private_targets_are_refused_postgres() {
    private_targets_are_refused(Backend::Postgres).await;
}
