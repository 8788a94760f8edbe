//! The governance report's test world and helpers: a network whose every
//! figure is known (see [`report_world`]).
use chrono::{DateTime, Duration, NaiveDate, Utc};
use peerhub_domain::community::CommunityRole;
use peerhub_persistence::sea_orm::sea_query::{Expr, ExprTrait, Query};
use peerhub_persistence::sea_orm::{ConnectionTrait, Value as Db};
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Sets columns of the rows of `table` where every `(column, value)` of
/// `key` matches: time passing, for the rows the world needs in the past.
pub(super) async fn set(
    app: &TestApp,
    table: &'static str,
    key: &[(&'static str, &str)],
    values: Vec<(&'static str, Db)>,
) {
    let mut q = Query::update();
    q.table(table);
    for (c, v) in values {
        q.value(c, v);
    }
    for (c, v) in key {
        q.and_where(Expr::col(*c).eq(*v));
    }
    let r = app
        .db
        .execute(&q)
        .await
        .unwrap_or_else(|e| panic!("update {table}: {e}"));
    assert!(r.rows_affected() > 0, "no {table} row matched {key:?}");
}

pub(super) fn ago(days: i64) -> Db {
    (Utc::now() - Duration::days(days)).into()
}

pub(super) fn report_path(network_id: &str, query: &str) -> String {
    format!("/v1/networks/{network_id}/reports/governance{query}")
}

pub(super) async fn get_as(app: &TestApp, path: &str, token: &str, accept: &str) -> Resp {
    app.send(
        app.req(Method::GET, path, Some(token))
            .header("Accept", accept),
    )
    .await
}

/// Schedules a Teams meeting in 2031; its id.
pub(super) async fn schedule(app: &TestApp, community_id: &str, token: &str) -> String {
    app.post(
        &format!("/v1/communities/{community_id}/meetings"),
        Some(token),
        json!({
            "title": "Monthly meeting", "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London",
            "duration_minutes": 90, "mode": "teams", "join_url": "https://teams.example.org/x",
            "agenda": [{"title": "Case discussion"}]
        }),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

pub(super) async fn rsvp(app: &TestApp, meeting_id: &str, p: &Person) {
    app.send(
        app.req(
            Method::PUT,
            &format!("/v1/meetings/{meeting_id}/rsvp"),
            Some(&p.token),
        )
        .json(&json!({"response": "attending"})),
    )
    .await
    .expect(200);
}

/// A community of the network whose rows are moved 400 days into the past
/// and which meets monthly.
pub(super) async fn old_community(app: &TestApp, w: &CopWorld) -> String {
    let c = app
        .community(&w.manager.token, &w.network_id, "closed", 20, json!({}))
        .await;
    let id = id_of(&c);
    set(
        app,
        "communities",
        &[("id", &id)],
        vec![
            ("created_at", ago(400)),
            ("cadence_every", 1.into()),
            ("cadence_unit", "months".into()),
        ],
    )
    .await;
    id
}

/// The world of the report, and the period it is read for.
pub(super) struct ReportWorld {
    pub w: CopWorld,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// No members, no Terms of Reference in force.
    pub empty: String,
    /// Archived ten days into the period.
    pub archived: String,
}

/// CoP A (the world's community, monthly, 400 days old) in the period
/// `today - 80 … today - 1`:
/// - the chair left 20 days ago (a leaver; no chair at the end); a joiner
///   came 30 days ago; members at the end: co-chair, secretary, 3 members
///   and the joiner (6);
/// - meetings: M1 held ~60 days ago (6 invited: co-chair present by RSVP,
///   member 0 recorded present, the secretary recorded absent despite an
///   RSVP), M2 ~10 days ago not recorded (6 invited: member 2 present by
///   RSVP), M3 ~40 days ago cancelled, one 100 days ago (before the
///   period) and one in 2031 (after it);
/// - M1's minutes approved 55 days ago with two actions (one due 5 days
///   ago: overdue); M2 has no minutes;
/// - an application pending for 10 days; Terms of Reference whose review
///   was due 3 days ago (overdue);
/// - M1's feedback: advise/escalation, alert/escalation,
///   assure/commendation, advise/commendation; both escalations raised 58
///   days ago, one closed 50 days ago (open 1, overdue 1 at 30 days).
pub(super) async fn report_world(app: &TestApp, slug: &str) -> ReportWorld {
    let w = cop_world(app, slug, 3).await;
    let today = Utc::now().date_naive();
    let (from, to) = (today - Duration::days(80), today - Duration::days(1));
    let a = w.community_id.clone();
    set(
        app,
        "communities",
        &[("id", &a)],
        vec![
            ("created_at", ago(400)),
            ("cadence_every", 1.into()),
            ("cadence_unit", "months".into()),
        ],
    )
    .await;
    set(
        app,
        "terms_versions",
        &[("community_id", &a)],
        vec![
            ("approved_at", ago(400)),
            ("review_due", (today - Duration::days(3)).into()),
        ],
    )
    .await;
    let (m0, m1, m2) = (&w.members[0], &w.members[1], &w.members[2]);

    // Meetings, answered while still to come, then moved into the past.
    let m_1 = schedule(app, &a, &w.chair.token).await;
    rsvp(app, &m_1, &w.co_chair).await;
    rsvp(app, &m_1, &w.secretary).await;
    move_into_past(app, &m_1, 60).await;
    app.send(
        app.req(
            Method::PUT,
            &format!("/v1/meetings/{m_1}/attendance"),
            Some(&w.secretary.token),
        )
        .json(&json!([
            {"user_id": m0.id, "status": "present"},
            {"user_id": m1.id, "status": "absent"},
            {"user_id": w.secretary.id, "status": "absent"}
        ])),
    )
    .await
    .expect(200);
    let m_2 = schedule(app, &a, &w.chair.token).await;
    rsvp(app, &m_2, m2).await;
    move_into_past(app, &m_2, 10).await;
    let m_3 = schedule(app, &a, &w.chair.token).await;
    app.post(
        &format!("/v1/meetings/{m_3}/cancel"),
        Some(&w.chair.token),
        json!({"reason": "Clashes with the conference"}),
    )
    .await
    .expect(200);
    move_into_past(app, &m_3, 40).await;
    let before = schedule(app, &a, &w.chair.token).await;
    move_into_past(app, &before, 100).await;
    schedule(app, &a, &w.chair.token).await;

    // M1's minutes, approved by the co-chair, with two actions.
    app.send(
        app.req(
            Method::PUT,
            &format!("/v1/meetings/{m_1}/minutes"),
            Some(&w.secretary.token),
        )
        .json(&json!({
            "items": [{"agenda_item": "Case discussion", "discussion": "Supervision models"}],
            "actions": [
                {"description": "Circulate the slides", "owner_id": m0.id, "due_on": "2099-01-01"},
                {"description": "Book a room", "owner_id": m1.id, "due_on": "2099-01-01"}
            ]
        })),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/meetings/{m_1}/minutes/submit"),
        Some(&w.secretary.token),
        json!({}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/meetings/{m_1}/minutes/approve"),
        Some(&w.co_chair.token),
        json!({}),
    )
    .await
    .expect(200);
    set(
        app,
        "minutes_revisions",
        &[("meeting_id", &m_1)],
        vec![("approved_at", ago(55))],
    )
    .await;
    set(
        app,
        "actions",
        &[("meeting_id", &m_1)],
        vec![("created_at", ago(55))],
    )
    .await;
    let overdue = app
        .query(&format!(
            "SELECT id FROM actions WHERE meeting_id = '{m_1}' AND owner_id = '{}'",
            m0.id
        ))
        .await;
    let overdue = overdue[0][0].as_str().unwrap_or_default().to_owned();
    set(
        app,
        "actions",
        &[("id", &overdue)],
        vec![("due_on", (today - Duration::days(5)).into())],
    )
    .await;

    // Triple A feedback on M1; its escalations raised 58 days ago.
    app.post(&format!("/v1/meetings/{m_1}/feedback"), Some(&w.manager.token), json!({
        "content_summary": "Supervision models for newly qualified PWPs.",
        "points": [
            {"kind": "advise", "nature": "escalation", "text": "Supervision capacity is short."},
            {"kind": "alert", "nature": "escalation", "text": "Waiting lists have doubled."},
            {"kind": "assure", "nature": "commendation", "text": "Induction works well."},
            {"kind": "advise", "nature": "commendation", "text": "Share the template."}
        ]
    }))
    .await
    .expect(201);
    set(
        app,
        "escalations",
        &[("community_id", &a)],
        vec![("raised_at", ago(58))],
    )
    .await;
    let esc = app
        .query(&format!(
            "SELECT id FROM escalations WHERE community_id = '{a}' ORDER BY id"
        ))
        .await;
    assert_eq!(esc.len(), 2, "{esc:?}");
    let closed = esc[0][0].as_str().unwrap_or_default().to_owned();
    set(
        app,
        "escalations",
        &[("id", &closed)],
        vec![("status", "closed".into()), ("closed_at", ago(50))],
    )
    .await;

    // Membership changes: the chair left 20 days ago, a joiner came 30 days ago.
    set(
        app,
        "community_members",
        &[("community_id", &a), ("user_id", &w.chair.id)],
        vec![("status", "left".into()), ("ended_at", ago(20))],
    )
    .await;
    let joiner = app
        .member(&w.network_id, &format!("joiner.{slug}@nhs.net"))
        .await;
    add_member(app, &a, &user_id_of(&joiner), CommunityRole::Member, 30).await;

    // An application pending for 10 days.
    let applied = app
        .post(
            &format!("/v1/communities/{a}/applications"),
            Some(&w.outsider.token),
            json!({}),
        )
        .await
        .expect(201);
    assert_eq!(applied["status"], "pending", "{applied}");
    set(
        app,
        "applications",
        &[("id", &id_of(&applied))],
        vec![(
            "created_at",
            (Utc::now() - Duration::days(10) - Duration::hours(1)).into(),
        )],
    )
    .await;

    // B: no members, Terms approved only now (none in force at the end).
    let empty = old_community(app, &w).await;
    // C: archived ten days into the period.
    let archived = old_community(app, &w).await;
    app.post(
        &format!("/v1/communities/{archived}/archive"),
        Some(&w.manager.token),
        json!({}),
    )
    .await
    .expect(200);
    let archived_at: DateTime<Utc> = (from + Duration::days(10))
        .and_hms_opt(12, 0, 0)
        .unwrap_or_default()
        .and_utc();
    set(
        app,
        "communities",
        &[("id", &archived)],
        vec![("archived_at", archived_at.into())],
    )
    .await;
    // Not reported: a proposed CoP, and one created after the period.
    let proposed = old_community(app, &w).await;
    set(
        app,
        "communities",
        &[("id", &proposed)],
        vec![("status", "proposed".into())],
    )
    .await;
    app.community(&w.manager.token, &w.network_id, "closed", 20, json!({}))
        .await;

    ReportWorld {
        w,
        from,
        to,
        empty,
        archived,
    }
}

pub(super) fn row<'a>(report: &'a Value, community_id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["community_id"] == community_id))
        .unwrap_or_else(|| panic!("no row for {community_id} in {report}"))
}

/// The figures every row and the total carry, with the values expected.
pub(super) fn figures(
    expected: i64,
    held: i64,
    cancelled: i64,
    invited: i64,
    present: i64,
    rate: Value,
) -> Vec<(&'static str, Value)> {
    vec![
        ("meetings_expected", json!(expected)),
        ("meetings_held", json!(held)),
        ("meetings_cancelled", json!(cancelled)),
        ("invitations", json!(invited)),
        ("attendances", json!(present)),
        ("attendance_rate", rate),
    ]
}

#[track_caller]
pub(super) fn check(v: &Value, expected: &[(&str, Value)]) {
    for (k, want) in expected {
        assert_eq!(&v[*k], want, "{k} in {v}");
    }
}

/// CoP A's row: every column.
pub(super) fn a_row(rw: &ReportWorld) -> Vec<(&'static str, Value)> {
    let review = (Utc::now().date_naive() - Duration::days(3)).to_string();
    let mut v = vec![
        ("community_id", json!(rw.w.community_id)),
        ("community_name", json!(rw.w.community_name)),
        ("status", json!("active")),
        ("terms_state", json!("overdue")),
        ("terms_review_due", json!(review)),
        ("no_chair", json!(true)),
        ("no_secretary", json!(false)),
        ("members_at_end", json!(6)),
        ("joiners", json!(1)),
        ("leavers", json!(1)),
        ("pending_applications", json!(1)),
        ("oldest_pending_days", json!(10)),
        ("minutes_approved", json!(1)),
        ("held_without_approved_minutes", json!(1)),
        ("actions_open", json!(2)),
        ("actions_overdue", json!(1)),
        ("advise", json!(2)),
        ("assure", json!(1)),
        ("alert", json!(1)),
        ("escalation_points", json!(2)),
        ("commendation_points", json!(2)),
        ("escalations_raised", json!(2)),
        ("escalations_open", json!(1)),
        ("escalations_overdue", json!(1)),
    ];
    v.extend(figures(3, 2, 1, 12, 3, json!(0.25)));
    v
}
