//! `make bench`: matching runs over real HTTP (load everyone waiting and
//! their profiles, run the engine, store the run, answer), reported, never
//! asserted.
//!
//! - a mutual programme with 1,000 people waiting: a dry run, and a real
//!   run that writes every proposal (with its event and two notices);
//! - a supporter programme with 200 supporters (capacity 3) and 1,000
//!   requests: a dry run.
//!
//! The real run also times a PATCH of the same programme sent while the
//! engine works, against the same PATCH at idle.
//!
//! Each on SQLite and PostgreSQL. The engine's own share is the run's
//! `duration_ms`.
use peerhub_persistence::stored::Json;
use std::time::{Duration, Instant};

use chrono::Utc;
use peerhub_persistence::entities::{match_request, network_member, programme_supporter, user};
use peerhub_persistence::sea_orm::{ActiveValue::Set, EntityTrait};
use peerhub_tests::matching_world::match_world_proposed;
use peerhub_tests::{Backend, TestApp};
use serde_json::{Value, json};

const PEOPLE: usize = 1000;
const SUPPORTERS: usize = 200;
const RUNS: usize = 5;

const PROFESSIONS: [&str; 5] = ["PWP", "CAP", "EMHP", "CYWP", "MHWP"];
const LEVELS: [&str; 4] = ["trainee", "qualified", "senior", "lead"];
const REGIONS: [&str; 4] = ["West Midlands", "East Midlands", "London", "North West"];
const TOPICS: [&str; 8] = [
    "anxiety",
    "depression",
    "long term conditions",
    "supervision",
    "burnout",
    "research",
    "leadership",
    "returning to practice",
];

/// A small deterministic generator (no dependency, same people every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Inserts `n` people with varied profiles into the network; their ids.
async fn people(app: &TestApp, network_id: &str, n: usize, tag: &str, g: &mut Lcg) -> Vec<String> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    let mut members = Vec::with_capacity(n);
    for i in 0..n {
        let id = uuid::Uuid::now_v7().to_string();
        let topics = |g: &mut Lcg| {
            Json::from_raw(json!([
                TOPICS[g.next(8)],
                TOPICS[g.next(8)],
                TOPICS[g.next(8)]
            ]))
        };
        users.push(user::ActiveModel {
            id: Set(id.clone()),
            email: Set(format!("{tag}{i}@bench.nhs.net")),
            password_hash: Set("x".into()),
            display_name: Set(format!("Bench {tag} {i}")),
            status: Set("active".into()),
            is_platform_admin: Set(false),
            job_title: Set(None),
            organisation: Set(None),
            region: Set(Some(REGIONS[g.next(4)].into())),
            profession: Set(Some(PROFESSIONS[g.next(5)].into())),
            level: Set(Some(LEVELS[g.next(4)].into())),
            registers: Set(Json::strings(&[])),
            specialties: Set(topics(g)),
            interests: Set(topics(g)),
            sensitive: Set(None),
            team: Set(Some(format!("Team {}", g.next(50)))),
            line_manager_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            sessions_valid_after: Set(None),
        });
        members.push(network_member::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            network_id: Set(network_id.to_owned()),
            user_id: Set(id.clone()),
            role: Set("member".into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        ids.push(id);
    }
    for chunk in users.chunks(200) {
        user::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed users: {e}"));
    }
    for chunk in members.chunks(200) {
        network_member::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed members: {e}"));
    }
    ids
}

async fn requests(app: &TestApp, programme_id: &str, users: &[String], g: &mut Lcg) {
    let now = Utc::now();
    let rows: Vec<match_request::ActiveModel> = users
        .iter()
        .map(|u| match_request::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            programme_id: Set(programme_id.to_owned()),
            user_id: Set(u.clone()),
            preferences: Set(Json::from_raw(
                json!({"areas": [TOPICS[g.next(8)]], "mode": "online"}),
            )),
            availability: Set(None),
            status: Set("waiting".into()),
            open_user_id: Set(Some(u.clone())),
            withdrawn_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(200) {
        match_request::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed requests: {e}"));
    }
}

fn report(label: &str, mut samples: Vec<(Duration, f64)>, extra: &str) {
    samples.sort_by_key(|s| s.0);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (median, engine) = samples[samples.len() / 2];
    println!(
        "{label:<52} median {:>8.1} ms (engine {:>7.1} ms)   min {:>8.1} ms   max {:>8.1} ms   ({} runs{extra})",
        ms(median),
        engine,
        ms(samples[0].0),
        ms(samples[samples.len() - 1].0),
        samples.len()
    );
}

async fn time_run(app: &TestApp, path: &str, token: &str, dry_run: bool) -> (Duration, Value) {
    let t = Instant::now();
    let r = app
        .post(path, Some(token), json!({"dry_run": dry_run}))
        .await;
    let d = t.elapsed();
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    (d, r.json())
}

async fn run(backend: Backend) {
    println!("\n== {backend:?}");
    let app = TestApp::spawn(backend).await;
    let w = match_world_proposed(&app, "bench-match").await;
    let token = w.manager.token.clone();
    let mut g = Lcg(7);

    // Mutual: 1,000 people waiting.
    let mutual = app
        .post(
            &format!("/v1/networks/{}/programmes", w.network_id),
            Some(&token),
            json!({"name": "Bench exchange", "kind": "mutual", "safeguarding_lead_id": w.lead.id,
                   "constraints": {"exclude_same_team": true, "min_score": 20}}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let users = people(&app, &w.network_id, PEOPLE, "m", &mut g).await;
    requests(&app, &mutual, &users, &mut g).await;
    let path = format!("/v1/programmes/{mutual}/matching-runs");
    let mut samples = Vec::new();
    let mut pairs = 0;
    for _ in 0..RUNS {
        let (d, v) = time_run(&app, &path, &token, true).await;
        pairs = v["pairs"].as_i64().unwrap_or(0);
        samples.push((d, v["duration_ms"].as_f64().unwrap_or(0.0)));
    }
    report(
        &format!("mutual dry run, {PEOPLE} waiting"),
        samples,
        &format!(", {pairs} pairs"),
    );
    // The real run, with another write to the same programme (a PATCH of
    // its description) sent 20 ms after the run starts: its latency shows
    // whether it waits for the engine.
    let programme_path = format!("/v1/programmes/{mutual}");
    let idle_patch = {
        let t = Instant::now();
        let r = app
            .patch(
                &programme_path,
                Some(&token),
                json!({"description": "idle"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        t.elapsed()
    };
    let ((d, v), during) = tokio::join!(time_run(&app, &path, &token, false), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = Instant::now();
        let r = app
            .patch(
                &programme_path,
                Some(&token),
                json!({"description": "during the run"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        t.elapsed()
    });
    report(
        &format!("mutual run writing {} proposals", v["pairs"]),
        vec![(d, v["duration_ms"].as_f64().unwrap_or(0.0))],
        "",
    );
    println!(
        "{:<52} idle {:>8.1} ms   during the run {:>8.1} ms",
        "PATCH of the same programme",
        idle_patch.as_secs_f64() * 1000.0,
        during.as_secs_f64() * 1000.0
    );

    // Supporter: 200 supporters x 3 places, 1,000 requests.
    let supporters = people(&app, &w.network_id, SUPPORTERS, "s", &mut g).await;
    let now = Utc::now();
    let rows: Vec<programme_supporter::ActiveModel> = supporters
        .iter()
        .map(|u| programme_supporter::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            programme_id: Set(w.programme_id.clone()),
            user_id: Set(u.clone()),
            capacity: Set(3),
            trained_on: Set(Some(now.date_naive())),
            supervisor_id: Set(Some(w.supervisor.id.clone())),
            status: Set("active".into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(200) {
        programme_supporter::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed supporters: {e}"));
    }
    let peers = people(&app, &w.network_id, PEOPLE, "p", &mut g).await;
    requests(&app, &w.programme_id, &peers, &mut g).await;
    let path = w.programme_path("/matching-runs");
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let (d, v) = time_run(&app, &path, &token, true).await;
        pairs = v["pairs"].as_i64().unwrap_or(0);
        samples.push((d, v["duration_ms"].as_f64().unwrap_or(0.0)));
    }
    report(
        &format!("supporter dry run, {SUPPORTERS}x3 places, {PEOPLE} requests"),
        samples,
        &format!(", {pairs} pairs"),
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
