//! `make bench`: rendering iCalendar feeds, reported, never asserted.
//!
//! - a community feed with 500 meetings (over real HTTP: load, render,
//!   send), on SQLite and PostgreSQL;
//! - the same 500 meetings rendered in memory (the RFC 5545 writer alone).
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use peerhub_persistence::entities::meeting;
use peerhub_persistence::sea_orm::{ActiveValue::Set, EntityTrait};
use peerhub_tests::world::cop_world;
use peerhub_tests::{Backend, TestApp};

const MEETINGS: usize = 500;
const RUNS: usize = 7;

fn report(label: &str, mut samples: Vec<Duration>, extra: &str) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<58} median {:>8.2} ms   min {:>8.2} ms   max {:>8.2} ms   ({} runs{extra})",
        ms(samples[samples.len() / 2]),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

/// 500 meetings over ~10 years, every 4th cancelled, with an agenda.
fn meetings(community_id: &str, network_id: &str) -> Vec<meeting::Model> {
    let now = Utc::now();
    let agenda = serde_json::json!([
        {"title": "Welcome, introductions and apologies", "presenter_id": null, "minutes": 10},
        {"title": "Reflective practice; supervision models, part 2", "presenter_id": null, "minutes": 60},
        {"title": "Any other business", "presenter_id": null, "minutes": null}
    ]);
    let london =
        peerhub_domain::calendar::parse_timezone("Europe/London").unwrap_or_else(|e| panic!("{e}"));
    (0..MEETINGS)
        .map(|i| {
            let start = now - Days::days(1800) + Days::days(7 * i as i64);
            let local = peerhub_domain::calendar::to_local(london, start);
            meeting::Model {
                id: uuid::Uuid::now_v7().to_string(),
                community_id: community_id.to_owned(),
                network_id: network_id.to_owned(),
                series_id: None,
                title: format!("Community meeting {i}: practice, research, and care"),
                starts_at: start,
                ends_at: start + Days::minutes(120),
                starts_at_local: peerhub_domain::calendar::format_local(local),
                timezone: "Europe/London".into(),
                duration_minutes: 120,
                mode: "teams".into(),
                location: None,
                join_url: Some(format!(
                    "https://teams.microsoft.com/l/meetup-join/bench-{i}"
                )),
                agenda: peerhub_persistence::stored::Json::from_raw(agenda.clone()),
                status: if i % 4 == 3 { "cancelled" } else { "scheduled" }.into(),
                cancel_reason: (i % 4 == 3).then(|| "Clashes with the regional conference".into()),
                cancelled_at: None,
                sequence: (i % 3) as i32,
                version: 1,
                created_by: None,
                created_at: now,
                updated_at: now,
            }
        })
        .collect()
}

async fn run(backend: Backend) {
    println!("\n== {backend:?}");
    let app = TestApp::spawn(backend).await;
    let w = cop_world(&app, "bench-ics", 1).await;
    let ms = meetings(&w.community_id, &w.network_id);
    for chunk in ms.chunks(100) {
        let rows = chunk.iter().cloned().map(|m| meeting::ActiveModel {
            id: Set(m.id),
            community_id: Set(m.community_id),
            network_id: Set(m.network_id),
            series_id: Set(m.series_id),
            title: Set(m.title),
            starts_at: Set(m.starts_at),
            ends_at: Set(m.ends_at),
            starts_at_local: Set(m.starts_at_local),
            timezone: Set(m.timezone),
            duration_minutes: Set(m.duration_minutes),
            mode: Set(m.mode),
            location: Set(m.location),
            join_url: Set(m.join_url),
            agenda: Set(m.agenda),
            status: Set(m.status),
            cancel_reason: Set(m.cancel_reason),
            cancelled_at: Set(m.cancelled_at),
            sequence: Set(m.sequence),
            version: Set(m.version),
            created_by: Set(m.created_by),
            created_at: Set(m.created_at),
            updated_at: Set(m.updated_at),
        });
        meeting::Entity::insert_many(rows)
            .exec_without_returning(&app.db)
            .await
            .unwrap_or_else(|e| panic!("seed meetings: {e}"));
    }
    let path = w.community_path("/calendar.ics");
    let token = w.members[0].token.clone();
    let mut samples = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS + 1 {
        let t = Instant::now();
        let r = app.get(&path, Some(&token)).await;
        let d = t.elapsed();
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        size = r.text.len();
        samples.push(d);
    }
    samples.remove(0); // warm-up
    report(
        &format!("community feed, {MEETINGS} meetings, over HTTP"),
        samples,
        &format!(", {:.1} KiB", size as f64 / 1024.0),
    );
    app.finish().await;
}

fn render_only() {
    let ms = meetings(
        &uuid::Uuid::now_v7().to_string(),
        &uuid::Uuid::now_v7().to_string(),
    );
    let names: HashMap<String, String> = HashMap::from([(
        ms[0].community_id.clone(),
        "Psychological Practitioners".to_owned(),
    )]);
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let body = peerhub_http::routes::calendars::render_calendar(
            "Psychological Practitioners",
            &ms,
            &names,
            "no-reply@peerhub.invalid",
        )
        .expect("the bench's meetings decode");
        samples.push(t.elapsed());
        assert!(body.len() > 100_000);
    }
    report(
        &format!("render only, {MEETINGS} meetings (in memory)"),
        samples,
        "",
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    render_only();
    run(Backend::Sqlite).await;
    let pg = peerhub_tests::pg_server_url();
    if peerhub_tests::pg_reachable().await {
        run(Backend::Postgres).await;
    } else {
        println!("\n== Postgres: skipped (no server at {pg})");
    }
}
