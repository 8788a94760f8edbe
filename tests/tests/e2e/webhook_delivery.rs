//! Webhook delivery against a real receiver: signed with both secrets in a
//! rotation, retried after a failure, a hanging receiver timed out without
//! holding up others, 410 and a run of spent deliveries disabling the
//! subscription (with an email to the managers), redirects not followed,
//! a large answer not read, and withheld or private text never sent.
use std::time::Duration;

use chrono::Utc;
use peerhub_domain::webhook::schedule::{FAILED_DELIVERIES_TO_DISABLE, MAX_ATTEMPTS};
use peerhub_domain::webhook::signing;
use peerhub_persistence::entities::{webhook, webhook_delivery};
use peerhub_persistence::sea_orm::sea_query::Expr;
use peerhub_persistence::sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use peerhub_persistence::stored::Json;
use peerhub_tests::matching_world::match_world;
use peerhub_tests::receiver::{Got, Receiver};
use peerhub_tests::*;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// A subscription of `network_id` to every event at `url`, signed with
/// `secret` and, until tomorrow, `previous`. Returns its id.
async fn subscribe(
    app: &TestApp,
    network_id: &str,
    url: &str,
    secret: &str,
    previous: Option<&str>,
) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let now = Utc::now() - chrono::Duration::seconds(1);
    webhook::Entity::insert(webhook::ActiveModel {
        id: Set(id.clone()),
        network_id: Set(network_id.to_owned()),
        url: Set(url.to_owned()),
        description: Set("test receiver".into()),
        event_types: Set(Json::encode(&vec!["*".to_owned()]).unwrap()),
        enabled: Set(true),
        disabled_reason: Set(None),
        secret: Set(secret.to_owned()),
        previous_secret: Set(previous.map(str::to_owned)),
        previous_secret_expires_at: Set(previous.map(|_| now + chrono::Duration::hours(24))),
        failed_run: Set(0),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    id
}

/// A network with a manager; (network id, manager token).
async fn network(app: &TestApp, slug: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let net = id_of(&app.create_network(&admin, slug, &["nhs.net"]).await);
    let manager = app
        .invited(&admin, &net, &format!("{slug}-manager@nhs.net"), "manager")
        .await;
    (net, manager)
}

/// One event in the network: a community is created.
async fn event(app: &TestApp, net: &str, manager: &str) -> Value {
    app.community(manager, net, "closed", 10, json!({})).await
}

/// The deliveries of subscription `hook`, oldest first.
async fn deliveries(app: &TestApp, hook: &str) -> Vec<webhook_delivery::Model> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(hook))
        .order_by_asc(webhook_delivery::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap()
}

/// Waits until a delivery of `hook` satisfies `done`; returns it.
async fn wait_delivery(
    app: &TestApp,
    hook: &str,
    done: impl Fn(&webhook_delivery::Model) -> bool,
    limit: Duration,
) -> webhook_delivery::Model {
    let start = std::time::Instant::now();
    loop {
        if let Some(d) = deliveries(app, hook).await.into_iter().find(|d| done(d)) {
            return d;
        }
        assert!(
            start.elapsed() < limit,
            "no delivery of {hook} as expected: {:?}",
            deliveries(app, hook).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes a delivery due now (moves the clock past its back-off).
async fn due_now(app: &TestApp, id: &str) {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Utc::now()),
        )
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn hook_row(app: &TestApp, id: &str) -> webhook::Model {
    webhook::Entity::find_by_id(id.to_owned())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Checks the Standard Webhooks headers of `g` and that each of `secrets`
/// verifies its signature.
fn assert_signed(g: &Got, secrets: &[&str]) {
    assert_eq!(g.header("content-type"), "application/json");
    assert_eq!(g.header("user-agent"), "PeerHub-Webhooks/1");
    let id = g.header("webhook-id");
    assert!(id.starts_with("msg_"), "{id}");
    let ts: i64 = g.header("webhook-timestamp").parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 60);
    let sig = g.header("webhook-signature");
    assert_eq!(sig.split(' ').count(), secrets.len(), "{sig}");
    for s in secrets {
        assert!(
            signing::verify(s, sig, id, ts, &g.body),
            "{s} does not verify {sig}"
        );
    }
    assert!(!signing::verify(
        &peerhub_persistence::webhooks::new_secret(),
        sig,
        id,
        ts,
        &g.body
    ));
}

async fn metric(app: &TestApp, line_start: &str) -> f64 {
    let base = app.admin_base().unwrap();
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
}

dual! {
    async fn events_arrive_signed_by_both_secrets_without_withheld_or_private_text(app) {
        let rx = Receiver::start().await;
        let w = match_world(app, "wh-signed").await;
        let (new, old) = (peerhub_persistence::webhooks::new_secret(), peerhub_persistence::webhooks::new_secret());
        let hook = subscribe(app, &w.network_id, &rx.url("/ok/signed?token=abc"), &new, Some(&old)).await;
        let marker = format!("MARKER-{}", uuid::Uuid::now_v7().simple());
        app.post(&w.match_path("/notes"), Some(&w.peer.token), json!({"body": format!("private {marker} note")}))
            .await
            .expect(201);
        app.post(&w.match_path("/concerns"), Some(&w.peer.token), json!({"category": "other", "summary": format!("concern {marker}")}))
            .await
            .expect(201);
        let community = event(app, &w.network_id, &w.manager.token).await;
        let start = std::time::Instant::now();
        let got = loop {
            let got = rx.got_at("/ok/signed");
            let has = |t: &str| got.iter().any(|g| g.json()["type"] == t);
            if has("safeguarding.concern_raised") && has("community.created") {
                break got;
            }
            assert!(start.elapsed() < WAIT, "not all events arrived: {:?}", got.iter().map(Got::json).collect::<Vec<_>>());
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        for g in &got {
            assert_signed(g, &[&new, &old]);
            let body = String::from_utf8_lossy(&g.body);
            assert!(!body.contains(&marker), "private text sent: {body}");
            assert!(!body.contains(&new) && !body.contains(&old));
        }
        let types: Vec<String> = got.iter().map(|g| g.json()["type"].as_str().unwrap_or_default().to_owned()).collect();
        let concern = got.iter().find(|g| g.json()["type"] == "safeguarding.concern_raised").unwrap_or_else(|| panic!("{types:?}"));
        let data = &concern.json()["data"];
        assert!(data.get("concern_id").is_some(), "{data}");
        for withheld in ["category", "raised_by", "lead_id", "programme_name"] {
            assert!(data.get(withheld).is_none(), "{withheld} sent: {data}");
        }
        let created = got.iter().find(|g| g.json()["type"] == "community.created").unwrap_or_else(|| panic!("{types:?}"));
        assert_eq!(created.json()["data"]["community_id"], community["id"]);
        // the body sent is the stored one, byte for byte, under its id
        let delivered = wait_delivery(app, &hook, |d| d.status == "succeeded" && d.event_type == "community.created", WAIT).await;
        assert_eq!(created.header("webhook-id"), format!("msg_{}", delivered.id));
        assert_eq!(created.body, delivered.body.as_bytes());
        assert_eq!((delivered.attempts, delivered.last_status_code), (1, Some(200)));
        // each event once
        let mut ids: Vec<&str> = got.iter().map(|g| g.header("webhook-id")).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), got.len());
        assert!(metric(app, "peerhub_webhook_deliveries_total{outcome=\"delivered\"}").await >= 2.0);
        assert!(metric(app, "peerhub_webhook_delivery_duration_seconds_count").await >= 2.0);
        // after the overlap only the new secret signs
        let start = std::time::Instant::now();
        while deliveries(app, &hook).await.iter().any(|d| d.status != "succeeded") {
            assert!(start.elapsed() < WAIT);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let before = rx.got_at("/ok/signed").len();
        assert_eq!(before, deliveries(app, &hook).await.len());
        webhook::Entity::update_many()
            .col_expr(
                webhook::Column::PreviousSecretExpiresAt,
                Expr::value(Utc::now() - chrono::Duration::seconds(1)),
            )
            .filter(webhook::Column::Id.eq(hook.clone()))
            .exec(&app.db)
            .await
            .unwrap();
        event(app, &w.network_id, &w.manager.token).await;
        let later = rx.wait_for("/ok/signed", before + 1, WAIT).await;
        for g in &later[before..] {
            assert_signed(g, &[&new]);
        }
    }
}

dual! {
    async fn a_failed_delivery_is_retried_under_the_same_id(app) {
        let rx = Receiver::start().await;
        let (net, manager) = network(app, "wh-retry").await;
        let secret = peerhub_persistence::webhooks::new_secret();
        let hook = subscribe(app, &net, &rx.url("/flaky"), &secret, None).await;
        event(app, &net, &manager).await;
        let first = wait_delivery(app, &hook, |d| d.attempts == 1 && d.status == "pending", WAIT).await;
        assert_eq!(first.last_status_code, Some(500));
        assert_eq!(first.last_error.as_deref(), Some("HTTP 500 Internal Server Error: receiver broke"));
        let wait = first.next_attempt_at - Utc::now();
        assert!((2..=7).contains(&wait.num_seconds()), "back-off of about 5 s, got {wait}");
        due_now(app, &first.id).await;
        let done = wait_delivery(app, &hook, |d| d.id == first.id && d.status == "succeeded", WAIT).await;
        assert_eq!((done.attempts, done.last_status_code, done.last_error.clone()), (2, Some(200), None));
        let msg = format!("msg_{}", first.id);
        let got: Vec<Got> = rx.got_at("/flaky").into_iter().filter(|g| g.header("webhook-id") == msg).collect();
        assert_eq!(got.len(), 2);
        for g in &got {
            assert_signed(g, &[&secret]);
        }
        let attempts = app
            .query(&format!("SELECT status_code, error FROM webhook_attempts WHERE delivery_id = '{}' ORDER BY attempted_at", done.id))
            .await;
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        assert_eq!(attempts[0][0], json!(500));
        assert_eq!(attempts[1], vec![json!(200), Value::Null]);
        assert_eq!(hook_row(app, &hook).await.failed_run, 0);
        assert!(metric(app, "peerhub_webhook_deliveries_total{outcome=\"failed\"}").await >= 1.0);
    }
}

dual! {
    async fn a_hanging_receiver_times_out_without_holding_up_others(app) {
        let rx = Receiver::start().await;
        let (net, manager) = network(app, "wh-hang").await;
        let secret = peerhub_persistence::webhooks::new_secret();
        let hanging = subscribe(app, &net, &rx.url("/hang"), &secret, None).await;
        let fine = subscribe(app, &net, &rx.url("/ok/fine"), &secret, None).await;
        let start = std::time::Instant::now();
        event(app, &net, &manager).await;
        rx.wait_for("/hang", 1, WAIT).await;
        rx.wait_for("/ok/fine", 1, WAIT).await;
        wait_delivery(app, &fine, |d| d.status == "succeeded", Duration::from_secs(5)).await;
        assert!(start.elapsed() < Duration::from_secs(8), "the other receiver waited: {:?}", start.elapsed());
        // the API answers meanwhile
        app.get("/v1/me", Some(&manager)).await.expect(200);
        let d = wait_delivery(app, &hanging, |d| d.last_error.is_some(), WAIT).await;
        assert_eq!(d.last_error.as_deref(), Some("timed out"));
        assert_eq!((d.status.as_str(), d.last_status_code), ("pending", None));
        let ms = d.last_duration_ms.unwrap_or_default();
        assert!((9_500..13_000).contains(&ms), "timed out after {ms} ms");
    }
}

dual! {
    async fn gone_disables_at_once_and_emails_the_managers(app) {
        let rx = Receiver::start().await;
        let (net, manager) = network(app, "wh-gone").await;
        let hook = subscribe(app, &net, &rx.url("/gone"), &peerhub_persistence::webhooks::new_secret(), None).await;
        event(app, &net, &manager).await;
        let d = wait_delivery(app, &hook, |d| d.status == "failed", WAIT).await;
        assert_eq!((d.attempts, d.last_status_code), (1, Some(410)));
        let h = hook_row(app, &hook).await;
        assert_eq!((h.enabled, h.disabled_reason.as_deref()), (false, Some("gone")));
        let mail = app
            .outbox_payload("wh-gone-manager@nhs.net", "webhook.disabled")
            .await
            .unwrap_or_else(|| panic!("no email to the manager"));
        assert!(mail["body"].as_str().unwrap_or_default().contains("410 Gone"), "{mail}");
        assert!(!mail.to_string().contains(&h.secret));
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'email' AND topic = 'webhook.disabled'").await, 1);
        assert!(metric(app, "peerhub_webhook_disabled_total").await >= 1.0);
        assert!(metric(app, "peerhub_webhook_deliveries_total{outcome=\"gone\"}").await >= 1.0);
        // nothing more is sent to it (deliveries claimed with the first
        // were already on their way)
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent = rx.got_at("/gone").len();
        let rows = deliveries(app, &hook).await.len();
        event(app, &net, &manager).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(rx.got_at("/gone").len(), sent);
        assert_eq!(deliveries(app, &hook).await.len(), rows, "a disabled subscription got new deliveries");
    }
}

dual! {
    async fn a_run_of_spent_deliveries_disables(app) {
        let rx = Receiver::start().await;
        let (net, manager) = network(app, "wh-failing").await;
        let hook = subscribe(app, &net, &rx.url("/fail"), &peerhub_persistence::webhooks::new_secret(), None).await;
        webhook::Entity::update_many()
            .col_expr(webhook::Column::FailedRun, Expr::value(FAILED_DELIVERIES_TO_DISABLE - 1))
            .filter(webhook::Column::Id.eq(hook.clone()))
            .exec(&app.db)
            .await
            .unwrap();
        event(app, &net, &manager).await;
        let d = wait_delivery(app, &hook, |d| d.attempts == 1 && d.status == "pending", WAIT).await;
        // a failure before the last attempt does not count
        assert!(hook_row(app, &hook).await.enabled);
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(MAX_ATTEMPTS - 1))
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(Utc::now()))
            .filter(webhook_delivery::Column::Id.eq(d.id.clone()))
            .exec(&app.db)
            .await
            .unwrap();
        let d = wait_delivery(app, &hook, |d| d.status == "failed", WAIT).await;
        assert_eq!(d.attempts, MAX_ATTEMPTS);
        assert!(d.finished_at.is_some());
        let h = hook_row(app, &hook).await;
        assert_eq!((h.enabled, h.disabled_reason.as_deref(), h.failed_run), (false, Some("failing"), FAILED_DELIVERIES_TO_DISABLE));
        let mail = app.outbox_payload("wh-failing-manager@nhs.net", "webhook.disabled").await.unwrap();
        assert_eq!(mail["reason"], "failing");
    }
}

dual! {
    async fn redirects_are_not_followed_and_large_answers_are_not_read(app) {
        let rx = Receiver::start().await;
        let (net, manager) = network(app, "wh-redirect").await;
        let secret = peerhub_persistence::webhooks::new_secret();
        let redirect = subscribe(app, &net, &rx.url("/redirect"), &secret, None).await;
        let big = subscribe(app, &net, &rx.url("/big"), &secret, None).await;
        event(app, &net, &manager).await;
        let d = wait_delivery(app, &redirect, |d| d.attempts == 1 && d.last_status_code.is_some(), WAIT).await;
        assert_eq!((d.status.as_str(), d.last_status_code), ("pending", Some(301)));
        assert_eq!(d.last_error.as_deref(), Some("redirect not followed (HTTP 301 Moved Permanently)"));
        let b = wait_delivery(app, &big, |d| d.status == "succeeded", WAIT).await;
        assert_eq!((b.last_status_code, b.last_error.clone()), (Some(200), None));
        assert!(b.last_duration_ms.unwrap_or(i32::MAX) < 5_000, "{:?}", b.last_duration_ms);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(rx.got_at("/moved").is_empty(), "the redirect was followed");
        let sent = rx.got_at("/redirect");
        let mut ids: Vec<&str> = sent.iter().map(|g| g.header("webhook-id")).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), sent.len(), "a delivery was sent twice");
    }
}
