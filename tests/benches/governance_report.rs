//! `make bench`: the governance report over real HTTP (SQLite, and
//! PostgreSQL when one is reachable), reported, never asserted.
//!
//! A network of 100 CoPs × 5 years of monthly meetings (6,000 meetings,
//! ~150,000 invitation answers), with members, Terms of Reference, minutes,
//! actions, pending applications, Triple A points and escalations, seeded
//! with multi-row INSERTs (not through HTTP); then the JSON, CSV and HTML
//! report of the five years, the median of several requests. Targets
//! (docs/decisions.md): < 200 ms JSON, < 300 ms HTML.
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, Months, NaiveDate, Utc};
use peerhub_persistence::entities::{
    action, application, community, community_member, escalation, feedback_form, feedback_point,
    meeting, meeting_response, minutes, minutes_revision, terms_version, user,
};
use peerhub_persistence::sea_orm::{EntityTrait, IntoActiveModel};
use peerhub_persistence::stored::Json;
use peerhub_tests::world::cop_world;
use peerhub_tests::{Backend, TestApp};
use reqwest::Method;
use serde_json::json;

const COMMUNITIES: usize = 100;
const MEMBERS: usize = 25;
const MONTHS: u32 = 60;
const PENDING: usize = 5;
const RUNS: usize = 7;
/// Rows per INSERT: under SQLite's 32,766 bound parameters for the widest
/// table (22 columns).
const PER_INSERT: usize = 1000;

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

/// Inserts `rows` (models of `$entity`) in multi-row INSERTs.
macro_rules! bulk {
    ($app:expr, $entity:ident, $rows:expr) => {{
        let rows: Vec<$entity::Model> = $rows;
        let n = rows.len();
        for chunk in rows.chunks(PER_INSERT) {
            $entity::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec_without_returning(&$app.db)
            .await
            .unwrap_or_else(|e| panic!("seed {}: {e}", stringify!($entity)));
        }
        n
    }};
}

fn user_row(uid: &str, now: DateTime<Utc>) -> user::Model {
    user::Model {
        id: uid.to_owned(),
        email: format!("bench.{uid}@nhs.net"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$bm90YXJlYWxoYXNo".into(),
        display_name: "Bench member".into(),
        status: "active".into(),
        is_platform_admin: false,
        job_title: None,
        organisation: None,
        region: None,
        profession: Some("PWP".into()),
        level: Some("senior".into()),
        registers: Json::strings(&[]),
        specialties: Json::strings(&[]),
        interests: Json::strings(&[]),
        sensitive: None,
        team: None,
        line_manager_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
        sessions_valid_after: None,
    }
}

/// A day-in-the-CoP's-month meeting start: `from` + `k` months + `day`
/// days, 10:00 UTC.
fn start_of(from: NaiveDate, k: u32, day: i64) -> DateTime<Utc> {
    let d = from.checked_add_months(Months::new(k)).unwrap_or(from) + Days::days(day);
    d.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc()
}

/// Seeds the network's CoPs; returns how many rows of each kind.
async fn seed(app: &TestApp, network_id: &str, from: NaiveDate) -> Vec<(&'static str, usize)> {
    let now = Utc::now();
    let from_t = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let users: Vec<String> = (0..COMMUNITIES * (MEMBERS + PENDING))
        .map(|_| id())
        .collect();
    let mut counts = vec![(
        "users",
        bulk!(app, user, users.iter().map(|u| user_row(u, now)).collect()),
    )];

    let (mut cops, mut terms, mut members, mut meetings, mut responses) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut mins, mut revisions, mut actions, mut apps) = (vec![], vec![], vec![], vec![]);
    let (mut forms, mut points, mut escalations) = (vec![], vec![], vec![]);
    for c in 0..COMMUNITIES {
        let cid = id();
        let people = &users[c * (MEMBERS + PENDING)..(c + 1) * (MEMBERS + PENDING)];
        cops.push(community::Model {
            id: cid.clone(),
            network_id: network_id.to_owned(),
            name: format!("Bench CoP {c:03}: practice, supervision & research"),
            focus: "Sharing practice".into(),
            audience: "Practitioners".into(),
            organised_around: "field_of_practice".into(),
            kind: "closed".into(),
            capacity: 50,
            fee_note: None,
            cadence_every: 1,
            cadence_unit: "months".into(),
            duration_minutes: 90,
            delivery_mode: "online".into(),
            status: "active".into(),
            version: 1,
            created_at: from_t - Days::days(90),
            updated_at: now,
            archived_at: None,
        });
        let approved = from_t - Days::days(60);
        terms.push(terms_version::Model {
            id: id(),
            community_id: cid.clone(),
            number: 1,
            status: "approved".into(),
            purpose: "Peer learning".into(),
            aims: Json::from_raw(json!(["Share practice"])),
            eligibility: Json::from_raw(json!({})),
            meeting_arrangements: "Monthly on Teams".into(),
            chairing_arrangements: "A chair".into(),
            notes_arrangements: "The secretary".into(),
            max_secretaries: 1,
            drafted_by: people[0].clone(),
            approved_by: Some(people[0].clone()),
            approved_at: Some(approved),
            review_due: approved.date_naive().checked_add_months(Months::new(12)),
            created_at: approved,
        });
        // Member 0 chairs (not in every tenth CoP), 1 is secretary; the
        // last joins half-way, the one before leaves at month 40.
        let mut spans = Vec::with_capacity(MEMBERS);
        for (i, uid) in people[..MEMBERS].iter().enumerate() {
            let joined = if i == MEMBERS - 1 {
                start_of(from, 30, 0)
            } else {
                from_t - Days::days(30)
            };
            let ended = (i == MEMBERS - 2).then(|| start_of(from, 40, 0));
            let role = match i {
                0 if c % 10 != 0 => "chair",
                1 => "secretary",
                _ => "member",
            };
            spans.push((uid.clone(), joined, ended));
            members.push(community_member::Model {
                id: id(),
                community_id: cid.clone(),
                network_id: network_id.to_owned(),
                user_id: uid.clone(),
                role: role.into(),
                status: if ended.is_some() { "left" } else { "active" }.into(),
                application_id: None,
                joined_at: joined,
                ended_at: ended,
                version: 1,
                created_at: joined,
                updated_at: joined,
            });
        }
        for uid in &people[MEMBERS..] {
            apps.push(application::Model {
                id: id(),
                community_id: cid.clone(),
                network_id: network_id.to_owned(),
                user_id: uid.clone(),
                statement: None,
                status: "pending".into(),
                verdict: "eligible".into(),
                checks: Json::from_raw(json!([])),
                terms_number: 1,
                decided_by: None,
                decided_at: None,
                decision_reason: None,
                override_reason: None,
                offer_expires_at: None,
                version: 1,
                created_at: now - Days::days(c as i64 % 30),
                updated_at: now,
            });
        }
        for k in 0..MONTHS {
            let mid = id();
            let start = start_of(from, k, (c % 20) as i64);
            let cancelled = k % 12 == 5;
            meetings.push(meeting::Model {
                id: mid.clone(),
                community_id: cid.clone(),
                network_id: network_id.to_owned(),
                series_id: None,
                title: format!("Monthly meeting {k}"),
                starts_at: start,
                ends_at: start + Days::minutes(90),
                starts_at_local: start.format("%Y-%m-%dT%H:%M:%S").to_string(),
                timezone: "Europe/London".into(),
                duration_minutes: 90,
                mode: "teams".into(),
                location: None,
                join_url: Some("https://teams.example.org/bench".into()),
                agenda: Json::from_raw(json!([])),
                status: if cancelled { "cancelled" } else { "held" }.into(),
                cancel_reason: cancelled.then(|| "Clashes with the conference".into()),
                cancelled_at: cancelled.then_some(start - Days::days(3)),
                sequence: 0,
                version: 1,
                created_by: None,
                created_at: start - Days::days(30),
                updated_at: start,
            });
            if cancelled {
                continue;
            }
            for (i, (uid, joined, ended)) in spans.iter().enumerate() {
                if *joined > start || ended.is_some_and(|e| e <= start) {
                    continue;
                }
                let h = (i + k as usize + c) % 10;
                responses.push(meeting_response::Model {
                    id: id(),
                    meeting_id: mid.clone(),
                    user_id: uid.clone(),
                    rsvp: (h < 8).then(|| if h < 6 { "attending" } else { "apologies" }.into()),
                    rsvp_at: (h < 8).then_some(start - Days::days(2)),
                    attendance: h
                        .is_multiple_of(2)
                        .then(|| if h < 7 { "present" } else { "absent" }.into()),
                    attendance_by: None,
                    attendance_at: h.is_multiple_of(2).then_some(start + Days::hours(2)),
                    created_at: start - Days::days(2),
                    updated_at: start + Days::hours(2),
                });
            }
            if k % 2 == 0 {
                mins.push(minutes::Model {
                    id: id(),
                    meeting_id: mid.clone(),
                    community_id: cid.clone(),
                    network_id: network_id.to_owned(),
                    status: "published".into(),
                    revision: 1,
                    content: Json::from_raw(json!({})),
                    drafted_by: Some(spans[1].0.clone()),
                    submitted_by: Some(spans[1].0.clone()),
                    submitted_at: Some(start + Days::days(3)),
                    published_revision: Some(1),
                    version: 3,
                    created_at: start + Days::days(1),
                    updated_at: start + Days::days(7),
                });
                revisions.push(minutes_revision::Model {
                    id: id(),
                    meeting_id: mid.clone(),
                    revision: 1,
                    content: Json::from_raw(json!({})),
                    submitted_by: Some(spans[1].0.clone()),
                    approved_by: Some(spans[0].0.clone()),
                    approved_at: start + Days::days(7),
                });
                let done = k < MONTHS - 10;
                actions.push(action::Model {
                    id: id(),
                    community_id: cid.clone(),
                    network_id: network_id.to_owned(),
                    meeting_id: mid.clone(),
                    description: "Circulate the slides".into(),
                    owner_id: spans[2].0.clone(),
                    due_on: (start + Days::days(14)).date_naive(),
                    status: if done { "done" } else { "open" }.into(),
                    done_at: done.then_some(start + Days::days(20)),
                    done_by: done.then(|| spans[2].0.clone()),
                    version: 1,
                    created_at: start + Days::days(7),
                    updated_at: start + Days::days(7),
                });
            }
            if k % 3 == 0 {
                let fid = id();
                forms.push(feedback_form::Model {
                    id: fid.clone(),
                    network_id: network_id.to_owned(),
                    community_id: cid.clone(),
                    meeting_id: mid.clone(),
                    author_id: spans[1].0.clone(),
                    content_summary: "Case discussion".into(),
                    outputs: Json::strings(&[]),
                    version: 1,
                    created_at: start + Days::days(1),
                    updated_at: start + Days::days(1),
                });
                for (pos, (kind, nature)) in [
                    ("advise", "escalation"),
                    ("assure", "commendation"),
                    ("alert", "commendation"),
                ]
                .iter()
                .enumerate()
                {
                    let pid = id();
                    points.push(feedback_point::Model {
                        id: pid.clone(),
                        form_id: fid.clone(),
                        network_id: network_id.to_owned(),
                        community_id: cid.clone(),
                        meeting_id: mid.clone(),
                        position: pos as i32,
                        kind: (*kind).into(),
                        nature: (*nature).into(),
                        text: "A point".into(),
                        created_at: start + Days::days(1),
                    });
                    if *nature == "escalation" {
                        let closed = k < MONTHS - 12;
                        escalations.push(escalation::Model {
                            id: id(),
                            network_id: network_id.to_owned(),
                            community_id: cid.clone(),
                            meeting_id: mid.clone(),
                            feedback_point_id: pid,
                            kind: (*kind).into(),
                            nature: (*nature).into(),
                            status: if closed { "closed" } else { "raised" }.into(),
                            routed_to: None,
                            raised_at: start + Days::days(1),
                            closed_at: closed.then_some(start + Days::days(15)),
                            version: 1,
                            created_at: start + Days::days(1),
                            updated_at: start + Days::days(1),
                        });
                    }
                }
            }
        }
    }
    counts.push(("communities", bulk!(app, community, cops)));
    counts.push(("terms versions", bulk!(app, terms_version, terms)));
    counts.push(("memberships", bulk!(app, community_member, members)));
    counts.push(("applications", bulk!(app, application, apps)));
    counts.push(("meetings", bulk!(app, meeting, meetings)));
    counts.push((
        "invitation answers",
        bulk!(app, meeting_response, responses),
    ));
    counts.push(("minutes", bulk!(app, minutes, mins)));
    counts.push(("minutes revisions", bulk!(app, minutes_revision, revisions)));
    counts.push(("actions", bulk!(app, action, actions)));
    counts.push(("feedback forms", bulk!(app, feedback_form, forms)));
    counts.push(("feedback points", bulk!(app, feedback_point, points)));
    counts.push(("escalations", bulk!(app, escalation, escalations)));
    counts
}

async fn time(app: &TestApp, path: &str, token: &str, accept: &str) -> (Vec<Duration>, usize) {
    let mut samples = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS + 1 {
        let t = Instant::now();
        let r = app
            .send(
                app.req(Method::GET, path, Some(token))
                    .header("Accept", accept),
            )
            .await;
        let d = t.elapsed();
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        size = r.text.len();
        samples.push(d);
    }
    samples.remove(0); // warm-up
    (samples, size)
}

async fn run(backend: Backend) {
    println!("\n== {backend:?}");
    let app = TestApp::spawn(backend).await;
    let w = cop_world(&app, "bench-report", 0).await;
    let to = Utc::now().date_naive() - Days::days(1);
    let from = (to + Days::days(1))
        .checked_sub_months(Months::new(MONTHS))
        .unwrap_or(to);
    let t = Instant::now();
    let counts = seed(&app, &w.network_id, from).await;
    if app.backend == Backend::Postgres {
        // What autovacuum does to a database in service: statistics for
        // the planner, the visibility map for index-only scans.
        use peerhub_persistence::sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("VACUUM ANALYZE")
            .await
            .unwrap_or_else(|e| panic!("vacuum: {e}"));
    }
    println!(
        "seeded in {:.1} s: {}",
        t.elapsed().as_secs_f64(),
        counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let path = format!(
        "/v1/networks/{}/reports/governance?from={from}&to={to}",
        w.network_id
    );
    let v = app.get(&path, Some(&w.manager.token)).await.expect(200);
    let total = &v["total"];
    println!(
        "report: {} CoPs, {} meetings held of {} expected, {} invitations, attendance {}",
        total["communities"],
        total["meetings_held"],
        total["meetings_expected"],
        total["invitations"],
        total["attendance_rate"]
    );
    for (label, accept) in [
        ("JSON", "application/json"),
        ("HTML", "text/html"),
        ("CSV", "text/csv"),
    ] {
        let (samples, size) = time(&app, &path, &w.manager.token, accept).await;
        report(
            &format!("governance report, {COMMUNITIES} CoPs x 5 years, {label}"),
            samples,
            &format!(", {:.1} KiB", size as f64 / 1024.0),
        );
    }
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
