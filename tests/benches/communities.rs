//! `make bench`: timings over real HTTP against a real database (SQLite,
//! and PostgreSQL when one is reachable), reported, never asserted.
//!
//! - export of a community with 10,000 members as CSV;
//! - the network review queue with 50 communities × 200 pending
//!   applications (first page, and walking every page).
use std::time::{Duration, Instant};

use peerhub_persistence::entities::{application, community, community_member, user};
use peerhub_persistence::sea_orm::{ActiveValue::Set, EntityTrait};
use peerhub_tests::{Backend, TestApp};
use serde_json::json;

const MEMBERS: usize = 10_000;
const COMMUNITIES: usize = 50;
const PENDING_PER_COMMUNITY: usize = 200;
const RUNS: usize = 7;

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn report(label: &str, mut samples: Vec<Duration>, extra: &str) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<58} median {:>8.1} ms   min {:>8.1} ms   max {:>8.1} ms   ({} runs{extra})",
        ms(samples[samples.len() / 2]),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

async fn seed_users(app: &TestApp, n: usize) -> Vec<String> {
    let now = chrono::Utc::now();
    let ids: Vec<String> = (0..n).map(|_| id()).collect();
    for chunk in ids.chunks(1000) {
        let rows = chunk.iter().enumerate().map(|(i, uid)| user::ActiveModel {
            id: Set(uid.clone()),
            email: Set(format!("bench.{uid}@nhs.net")),
            password_hash: Set(
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$bm90YXJlYWxoYXNo".into(),
            ),
            display_name: Set(format!("Member {i}, \"bench\"")),
            status: Set("active".into()),
            is_platform_admin: Set(false),
            job_title: Set(Some("Senior PWP".into())),
            organisation: Set(Some("Midlands Partnership NHS FT".into())),
            region: Set(Some("West Midlands".into())),
            profession: Set(Some("PWP".into())),
            level: Set(Some("senior".into())),
            registers: Set(peerhub_persistence::stored::Json::strings(&[])),
            specialties: Set(peerhub_persistence::stored::Json::strings(&[])),
            interests: Set(peerhub_persistence::stored::Json::strings(&[])),
            sensitive: Set(None),
            team: Set(None),
            line_manager_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            sessions_valid_after: Set(None),
        });
        user::Entity::insert_many(rows)
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed users: {e}"));
    }
    ids
}

async fn run(backend: Backend) {
    println!("\n== {backend:?}");
    let app = TestApp::spawn(backend).await;
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, "bench", &["nhs.net"]).await;
    let nid = net["id"].as_str().unwrap_or_default().to_owned();
    let now = chrono::Utc::now();

    // 1. one community with 10,000 members, exported as CSV
    let big = app.community(&admin, &nid, "open", 500, json!({})).await;
    let big_id = big["id"].as_str().unwrap_or_default().to_owned();
    let users = seed_users(&app, MEMBERS).await;
    for chunk in users.chunks(1000) {
        let rows = chunk.iter().map(|uid| community_member::ActiveModel {
            id: Set(id()),
            community_id: Set(big_id.clone()),
            network_id: Set(nid.clone()),
            user_id: Set(uid.clone()),
            role: Set("member".into()),
            status: Set("active".into()),
            application_id: Set(None),
            joined_at: Set(now),
            ended_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        community_member::Entity::insert_many(rows)
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed members: {e}"));
    }
    let mut samples = Vec::new();
    let mut bytes = 0;
    let mut lines = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = app
            .send(
                app.req(
                    reqwest::Method::GET,
                    &format!("/v1/communities/{big_id}/members"),
                    Some(&admin),
                )
                .header("Accept", "text/csv"),
            )
            .await;
        samples.push(t.elapsed());
        assert_eq!(r.status, 200, "{}", r.text);
        bytes = r.text.len();
        lines = r.text.lines().count();
    }
    report(
        &format!("CSV export, {MEMBERS} members"),
        samples,
        &format!(", {lines} lines, {} KiB", bytes / 1024),
    );

    // 2. 50 communities × 200 pending applications, the review queue
    let mut cids = Vec::new();
    for _ in 0..COMMUNITIES {
        let c = community::ActiveModel {
            id: Set(id()),
            network_id: Set(nid.clone()),
            name: Set(format!("Bench CoP {}", cids.len())),
            focus: Set("Benchmarking".into()),
            audience: Set("Everyone".into()),
            organised_around: Set("field_of_practice".into()),
            kind: Set("closed".into()),
            capacity: Set(10),
            fee_note: Set(None),
            cadence_every: Set(3),
            cadence_unit: Set("months".into()),
            duration_minutes: Set(120),
            delivery_mode: Set("online".into()),
            status: Set("active".into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            archived_at: Set(None),
        };
        let cid = c.id.clone().unwrap();
        community::Entity::insert(c)
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed community: {e}"));
        cids.push(cid);
    }
    let checks =
        r#"[{"rule":"professions","outcome":"met","reason":"profession PWP is one of PWP"}]"#;
    let mut k = 0;
    let mut batch = Vec::new();
    for _ in 0..PENDING_PER_COMMUNITY {
        for cid in &cids {
            batch.push(application::ActiveModel {
                id: Set(id()),
                community_id: Set(cid.clone()),
                network_id: Set(nid.clone()),
                user_id: Set(users[k % users.len()].clone()),
                statement: Set(Some("I would like to join".into())),
                status: Set("pending".into()),
                verdict: Set(["eligible", "ineligible", "needs_review"][k % 3].into()),
                checks: Set(peerhub_persistence::stored::Json::from_raw(
                    serde_json::from_str(checks).unwrap_or_else(|e| panic!("{e}")),
                )),
                terms_number: Set(1),
                decided_by: Set(None),
                decided_at: Set(None),
                decision_reason: Set(None),
                override_reason: Set(None),
                offer_expires_at: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
            k += 1;
            if batch.len() == 1000 {
                application::Entity::insert_many(std::mem::take(&mut batch))
                    .exec_without_returning(&app.db)
                    .await
                    .unwrap_or_else(|e| panic!("seed applications: {e}"));
            }
        }
    }
    if !batch.is_empty() {
        application::Entity::insert_many(batch)
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed applications: {e}"));
    }
    let total = COMMUNITIES * PENDING_PER_COMMUNITY;
    let queue = format!("/v1/networks/{nid}/review-queue");
    let mut first = Vec::new();
    let mut walk = Vec::new();
    let mut seen = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = app.get(&format!("{queue}?limit=50"), Some(&admin)).await;
        first.push(t.elapsed());
        assert_eq!(r.status, 200, "{}", r.text);
        let t = Instant::now();
        let mut cursor: Option<String> = None;
        seen = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("{queue}?limit=200&cursor={c}"),
                None => format!("{queue}?limit=200"),
            };
            let v = app.get(&path, Some(&admin)).await.json();
            seen += v["items"].as_array().map(|a| a.len()).unwrap_or(0);
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        walk.push(t.elapsed());
    }
    report(
        &format!(
            "review queue, first page of 50 ({COMMUNITIES} CoPs x {PENDING_PER_COMMUNITY} pending)"
        ),
        first,
        "",
    );
    report(
        &format!("review queue, all {total} pending in pages of 200"),
        walk,
        &format!(", {seen} items"),
    );
    app.finish().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    run(Backend::Sqlite).await;
    let pg = peerhub_tests::pg_server_url();
    if peerhub_tests::pg_reachable().await {
        run(Backend::Postgres).await;
    } else {
        println!("\n== Postgres: skipped (no server at {pg})");
    }
}
