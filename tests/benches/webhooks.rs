//! `make bench`: webhook delivery on SQLite and (when reachable)
//! PostgreSQL, with one server and a fast local receiver, reported, never
//! asserted:
//!
//! - throughput: 5,000 events committed at once, deliveries per second
//!   until the last arrives (target ≥ 500/s on PostgreSQL);
//! - latency at idle: 200 events committed one by one, 20 ms apart; time
//!   from commit to arrival (p50, p99, max), with the default
//!   `PEERHUB_WEBHOOK_POLL_MS` of 250.
use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use peerhub_persistence::entities::{outbox, webhook};
use peerhub_persistence::sea_orm::{ActiveValue::Set, EntityTrait};
use peerhub_persistence::stored::Json;
use peerhub_tests::receiver::Receiver;
use peerhub_tests::{Backend, TestApp, id_of};

const BURST: usize = 5_000;
const IDLE: usize = 200;

fn event(network_id: &str, payload: serde_json::Value) -> outbox::ActiveModel {
    let now = Utc::now();
    outbox::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        created_at: Set(now),
        kind: Set("event".into()),
        topic: Set("community.updated".into()),
        network_id: Set(Some(network_id.to_owned())),
        aggregate_type: Set("community".into()),
        aggregate_id: Set("bench".into()),
        recipient: Set(None),
        payload: Set(payload.to_string()),
        status: Set("pending".into()),
        attempts: Set(0),
        available_at: Set(now),
        sent_at: Set(None),
        last_error: Set(None),
        request_id: Set(None),
    }
}

async fn run(backend: Backend) -> (String, f64, Duration, Duration, Duration) {
    let app = TestApp::spawn_configured(backend, |c| {
        c.webhook_poll_ms = 250;
        c.webhook_concurrency = 16;
        c.db_max_connections = 10;
    })
    .await;
    let rx = Receiver::start().await;
    let admin = app.admin_token().await;
    let net = id_of(
        &app.create_network(&admin, "bench-hooks", &["nhs.net"])
            .await,
    );
    let now = Utc::now() - chrono::Duration::seconds(1);
    webhook::Entity::insert(webhook::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        network_id: Set(net.clone()),
        url: Set(rx.url("/ok/bench")),
        description: Set(String::new()),
        event_types: Set(Json::encode(&vec!["community.updated".to_owned()]).unwrap()),
        enabled: Set(true),
        disabled_reason: Set(None),
        secret: Set(peerhub_persistence::webhooks::new_secret()),
        previous_secret: Set(None),
        previous_secret_expires_at: Set(None),
        failed_run: Set(0),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();

    // Throughput: everything committed, then timed until the last arrives.
    let rows: Vec<_> = (0..BURST)
        .map(|i| event(&net, serde_json::json!({"n": i})))
        .collect();
    for chunk in rows.chunks(500) {
        outbox::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap();
    }
    let start = Instant::now();
    rx.wait_for("/ok/bench", BURST, Duration::from_secs(600))
        .await;
    let took = start.elapsed();
    let ids: HashSet<String> = rx
        .got_at("/ok/bench")
        .iter()
        .map(|g| g.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), BURST, "every event once");
    let rate = BURST as f64 / took.as_secs_f64();

    // Latency at idle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut committed = Vec::with_capacity(IDLE);
    for i in 0..IDLE {
        outbox::Entity::insert(event(&net, serde_json::json!({"lat": i})))
            .exec_without_returning(&app.db)
            .await
            .unwrap();
        committed.push(Instant::now());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    rx.wait_for("/ok/bench", BURST + IDLE, Duration::from_secs(120))
        .await;
    let mut lat: Vec<Duration> = rx
        .got_at("/ok/bench")
        .iter()
        .filter_map(|g| {
            let i = g.json()["data"]["lat"].as_u64()? as usize;
            Some(g.at.saturating_duration_since(committed[i]))
        })
        .collect();
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    let out = (p(0.5), p(0.99), lat[lat.len() - 1]);
    app.finish().await;
    (format!("{backend:?}"), rate, out.0, out.1, out.2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut rows = vec![run(Backend::Sqlite).await];
    if peerhub_tests::pg_reachable().await {
        rows.push(run(Backend::Postgres).await);
    } else {
        println!("PostgreSQL not reachable: PostgreSQL rows skipped");
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("webhook delivery (one node, concurrency 16, poll 250 ms, local receiver)");
    println!(
        "{:<10} {:>14} {:>12} {:>12} {:>12}",
        "database", "deliveries/s", "p50 ms", "p99 ms", "max ms"
    );
    for (db, rate, p50, p99, max) in rows {
        println!(
            "{db:<10} {rate:>14.0} {:>12.1} {:>12.1} {:>12.1}",
            ms(p50),
            ms(p99),
            ms(max)
        );
    }
}
