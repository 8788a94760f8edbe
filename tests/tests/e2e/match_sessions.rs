//! Sessions (logged by participants of an active match), end-of-match
//! feedback (once per participant, after the end), and the programme
//! evaluation summary (managers only, aggregates only, ratings withheld
//! below three responses).
use chrono::{Duration, Utc};
use peerhub_persistence::entities::peer_match;
use peerhub_persistence::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel,
};
use peerhub_tests::matching_world::*;
use peerhub_tests::world::Person;
use peerhub_tests::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .date_naive()
        .to_string()
}

fn session(held_on: &str, minutes: i64) -> Value {
    json!({"held_on": held_on, "duration_minutes": minutes})
}

fn ratings(overall: i64, felt_safe: i64, helpfulness: i64, would_recommend: bool) -> Value {
    json!({"overall": overall, "felt_safe": felt_safe, "helpfulness": helpfulness, "would_recommend": would_recommend})
}

/// A new member of the world's network with a waiting request in its
/// programme.
async fn requester(app: &TestApp, w: &MatchWorld, name: &str) -> (Person, String) {
    let token = app.member(&w.network_id, &format!("{name}@nhs.net")).await;
    let p = Person {
        id: user_id_of(&token),
        token,
    };
    let r = app
        .post(
            &w.programme_path("/requests"),
            Some(&p.token),
            json!({"preferences": {}}),
        )
        .await
        .expect(201);
    (p, r["id"].as_str().unwrap_or_default().to_owned())
}

/// The manager pairs a request with the world's supporter; the match id.
async fn pair(app: &TestApp, w: &MatchWorld, request_id: &str) -> String {
    let m = app
        .post(
            &w.programme_path("/matches"),
            Some(&w.manager.token),
            json!({"request_id": request_id, "supporter_id": w.supporter_id}),
        )
        .await
        .expect(201);
    m["id"].as_str().unwrap_or_default().to_owned()
}

async fn accept(app: &TestApp, match_id: &str, who: &[&Person]) {
    for p in who {
        app.post(
            &format!("/v1/matches/{match_id}/accept"),
            Some(&p.token),
            json!({}),
        )
        .await
        .expect(200);
    }
}

async fn end(app: &TestApp, match_id: &str, who: &Person) {
    app.post(
        &format!("/v1/matches/{match_id}/end"),
        Some(&who.token),
        json!({}),
    )
    .await
    .expect(200);
}

/// Rewrites a match's stored dates (activation and end `days` apart, or
/// the proposal deadline).
async fn set_dates(
    app: &TestApp,
    match_id: &str,
    activated_days_ago: Option<i64>,
    lasted_days: Option<i64>,
    expires_in_days: Option<i64>,
) {
    let m = peer_match::Entity::find_by_id(match_id.to_owned())
        .one(&app.db)
        .await
        .expect("match lookup")
        .expect("match exists");
    let now = Utc::now();
    let mut am = m.into_active_model();
    if let Some(a) = activated_days_ago {
        let at = now - Duration::days(a);
        am.activated_at = Set(Some(at));
        if let Some(l) = lasted_days {
            am.ended_at = Set(Some(at + Duration::days(l)));
        }
    }
    if let Some(e) = expires_in_days {
        am.expires_at = Set(now + Duration::days(e));
    }
    am.update(&app.db).await.expect("update match");
}

async fn evaluation(app: &TestApp, w: &MatchWorld) -> Value {
    app.get(&w.programme_path("/evaluation"), Some(&w.manager.token))
        .await
        .expect(200)
}

// ---------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------

dual! {
    async fn participants_log_sessions_and_managers_read_them(app) {
        let w = match_world(app, "ms-log").await;
        let path = w.match_path("/sessions");
        let today = day(0);
        let v = app.post(&path, Some(&w.peer.token), session(&today, 50)).await.expect(201);
        assert_eq!(v["match_id"], w.match_id.as_str());
        assert_eq!(v["held_on"], today.as_str());
        assert_eq!(v["duration_minutes"], 50);
        assert_eq!(v["logged_by"], w.peer.id.as_str());
        assert!(v["id"].is_string() && v["created_at"].is_string(), "{v}");
        let first = v["id"].as_str().unwrap_or_default().to_owned();
        let v = app.post(&path, Some(&w.supporter.token), session(&today, 480)).await.expect(201);
        assert_eq!(v["logged_by"], w.supporter.id.as_str());
        let second = v["id"].as_str().unwrap_or_default().to_owned();
        let v = app.post(&path, Some(&w.peer.token), session(&today, 1)).await.expect(201);
        let third = v["id"].as_str().unwrap_or_default().to_owned();

        // Both participants and the network's managers read them, in the
        // order they were logged.
        for who in [&w.peer, &w.supporter, &w.manager, &w.lead] {
            let page = app.get(&path, Some(&who.token)).await.expect(200);
            assert_eq!(ids(&page), vec![first.clone(), second.clone(), third.clone()]);
            assert_eq!(page["next_cursor"], Value::Null);
        }
        let admin = app.get(&path, Some(&w.admin)).await.expect(200);
        assert_eq!(ids(&admin).len(), 3);

        // Paginated.
        let r = app.get(&format!("{path}?limit=2"), Some(&w.peer.token)).await;
        let page = r.expect(200);
        assert_eq!(ids(&page), vec![first.clone(), second.clone()]);
        let cursor = page["next_cursor"].as_str().expect("a next cursor").to_owned();
        assert!(r.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
        let page = app.get(&format!("{path}?limit=2&cursor={cursor}"), Some(&w.peer.token)).await.expect(200);
        assert_eq!(ids(&page), vec![third.clone()]);
        assert_violation(&app.get(&format!("{path}?limit=0"), Some(&w.peer.token)).await, "limit", "out_of_range");

        // The audit names the fields, never the values.
        let rows = app.query(&format!(
            "SELECT changed_fields, actor_id FROM audit_events WHERE action = 'match_session.created' AND entity_id = '{first}'"
        )).await;
        assert_eq!(rows.len(), 1);
        let changed = rows[0][0].as_str().unwrap_or_default();
        assert!(changed.contains("held_on") && changed.contains("duration_minutes"), "{changed}");
        assert!(!changed.contains(&today) && !changed.contains("50"), "{changed}");
        assert_eq!(rows[0][1], w.peer.id.as_str());
    }
}

dual! {
    async fn only_participants_log_sessions(app) {
        let w = match_world(app, "ms-who").await;
        let path = w.match_path("/sessions");
        let body = session(&day(0), 30);
        // Managers read sessions but do not log them; everyone else cannot
        // see the match at all.
        for who in [&w.manager, &w.lead, &w.member, &w.supervisor, &w.stranger] {
            app.post(&path, Some(&who.token), body.clone()).await.problem(404, "not-found");
        }
        app.post(&path, Some(&w.admin), body.clone()).await.problem(404, "not-found");
        for who in [&w.member, &w.supervisor, &w.stranger] {
            app.get(&path, Some(&who.token)).await.problem(404, "not-found");
        }
        app.post(&path, None, body.clone()).await.problem(401, "authentication-required");
        let unknown = format!("/v1/matches/{}/sessions", uuid::Uuid::now_v7());
        app.post(&unknown, Some(&w.peer.token), body.clone()).await.problem(404, "not-found");
        app.get(&unknown, Some(&w.manager.token)).await.problem(404, "not-found");
        app.post("/v1/matches/not-a-uuid/sessions", Some(&w.peer.token), body.clone())
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(app.count("SELECT COUNT(*) FROM match_sessions").await, 0);
    }
}

dual! {
    async fn session_validation_names_the_field(app) {
        let w = match_world(app, "ms-valid").await;
        let path = w.match_path("/sessions");
        let peer = Some(w.peer.token.as_str());
        assert_violation(&app.post(&path, peer, session(&day(2), 30)).await, "held_on", "in_future");
        assert_violation(&app.post(&path, peer, session(&day(-3), 30)).await, "held_on", "before_match");
        for bad in [0, -1, 481] {
            assert_violation(&app.post(&path, peer, session(&day(0), bad)).await, "duration_minutes", "out_of_range");
        }
        let both = app.post(&path, peer, session(&day(30), 0)).await;
        assert_violation(&both, "held_on", "in_future");
        assert_violation(&both, "duration_minutes", "out_of_range");
        assert_violation(&app.post(&path, peer, json!({"duration_minutes": 30})).await, "held_on", "required");
        assert_violation(&app.post(&path, peer, json!({"held_on": day(0)})).await, "duration_minutes", "required");
        assert_violation(&app.post(&path, peer, session("2027-13-01", 30)).await, "held_on", "invalid_type");
        assert_violation(&app.post(&path, peer, json!({"held_on": day(0), "duration_minutes": "long"})).await, "duration_minutes", "invalid_type");
        assert_violation(
            &app.post(&path, peer, json!({"held_on": day(0), "duration_minutes": 30, "notes": "x"})).await,
            "notes",
            "unknown_field",
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM match_sessions").await, 0);

        // A match activated a week ago takes sessions from then on.
        app.post(&path, peer, session(&day(0), 30)).await.expect(201);
        set_dates(app, &w.match_id, Some(7), None, None).await;
        app.post(&path, peer, session(&day(-7), 30)).await.expect(201);
        assert_violation(&app.post(&path, peer, session(&day(-9), 30)).await, "held_on", "before_match");
    }
}

dual! {
    async fn sessions_need_an_active_match(app) {
        // A proposal: not yet active.
        let w = match_world_proposed(app, "ms-proposed").await;
        let r = app.post(&w.match_path("/sessions"), Some(&w.peer.token), session(&day(0), 30)).await;
        let p = r.problem(409, "match-not-active");
        assert!(p["detail"].as_str().unwrap_or_default().contains("proposed"), "{p}");
        // Accepted by one side: still not active.
        app.post(&w.match_path("/accept"), Some(&w.peer.token), json!({})).await.expect(200);
        app.post(&w.match_path("/sessions"), Some(&w.supporter.token), session(&day(0), 30))
            .await
            .problem(409, "match-not-active");

        // Ended: acting on an ended match is refused, reading still works.
        let w = match_world(app, "ms-ended").await;
        app.post(&w.match_path("/sessions"), Some(&w.peer.token), session(&day(0), 45)).await.expect(201);
        w.end(app).await;
        let r = app.post(&w.match_path("/sessions"), Some(&w.supporter.token), session(&day(0), 30)).await;
        let p = r.problem(409, "match-not-active");
        assert!(p["detail"].as_str().unwrap_or_default().contains("ended"), "{p}");
        // Status comes before field checks: nothing about the body leaks.
        app.post(&w.match_path("/sessions"), Some(&w.peer.token), session(&day(9), 0))
            .await
            .problem(409, "match-not-active");
        let page = app.get(&w.match_path("/sessions"), Some(&w.supporter.token)).await.expect(200);
        assert_eq!(ids(&page).len(), 1);

        // A proposal past its deadline reads as expired.
        let w = match_world_proposed(app, "ms-expired").await;
        set_dates(app, &w.match_id, None, None, Some(-1)).await;
        let p = app.post(&w.match_path("/sessions"), Some(&w.peer.token), session(&day(0), 30))
            .await
            .problem(409, "match-not-active");
        assert!(p["detail"].as_str().unwrap_or_default().contains("expired"), "{p}");
    }
}

// ---------------------------------------------------------------------------
// Feedback
// ---------------------------------------------------------------------------

dual! {
    async fn feedback_once_per_participant_after_the_end(app) {
        let w = match_world(app, "ms-feedback").await;
        let path = w.match_path("/feedback");
        // Not before the end.
        let p = app.post(&path, Some(&w.peer.token), ratings(5, 5, 4, true)).await.problem(409, "match-not-ended");
        assert!(p["detail"].as_str().unwrap_or_default().contains("active"), "{p}");
        w.end(app).await;

        let v = app.post(&path, Some(&w.peer.token), ratings(5, 5, 4, true)).await.expect(201);
        assert_eq!(v["match_id"], w.match_id.as_str());
        assert_eq!(v["programme_id"], w.programme_id.as_str());
        assert_eq!(v["user_id"], w.peer.id.as_str());
        assert_eq!((v["overall"].clone(), v["felt_safe"].clone(), v["helpfulness"].clone()), (json!(5), json!(5), json!(4)));
        assert_eq!(v["would_recommend"], true);
        assert!(v["id"].is_string() && v["created_at"].is_string());
        let feedback_id = v["id"].as_str().unwrap_or_default().to_owned();

        // Once per person: a second try is refused, even with other values.
        app.post(&path, Some(&w.peer.token), ratings(1, 1, 1, false)).await.problem(409, "feedback-exists");
        // The other participant gives their own.
        app.post(&path, Some(&w.supporter.token), ratings(3, 4, 2, false)).await.expect(201);
        app.post(&path, Some(&w.supporter.token), ratings(3, 4, 2, false)).await.problem(409, "feedback-exists");
        assert_eq!(app.count("SELECT COUNT(*) FROM match_feedback").await, 2);
        let stored = app.query(&format!("SELECT overall, would_recommend FROM match_feedback WHERE id = '{feedback_id}'")).await;
        assert_eq!(stored[0][0], json!(5));

        // Nobody else, managers included.
        for who in [&w.manager, &w.lead, &w.member, &w.stranger] {
            app.post(&path, Some(&who.token), ratings(4, 4, 4, true)).await.problem(404, "not-found");
        }
        app.post(&path, Some(&w.admin), ratings(4, 4, 4, true)).await.problem(404, "not-found");
        app.post(&format!("/v1/matches/{}/feedback", uuid::Uuid::now_v7()), Some(&w.peer.token), ratings(4, 4, 4, true))
            .await
            .problem(404, "not-found");

        // The audit records that feedback was given, not what it said.
        let rows = app.query(&format!(
            "SELECT changed_fields FROM audit_events WHERE action = 'match_feedback.submitted' AND entity_id = '{feedback_id}'"
        )).await;
        assert_eq!(rows.len(), 1);
        let changed = rows[0][0].as_str().unwrap_or_default();
        assert!(changed.contains("overall") && changed.contains("would_recommend"), "{changed}");
        assert!(!changed.contains('5') && !changed.contains("true"), "{changed}");
    }
}

dual! {
    async fn feedback_validation_and_state(app) {
        let w = match_world_proposed(app, "ms-fb-valid").await;
        let path = w.match_path("/feedback");
        app.post(&path, Some(&w.peer.token), ratings(5, 5, 5, true)).await.problem(409, "match-not-ended");

        let w = match_world(app, "ms-fb-valid2").await;
        let path = w.match_path("/feedback");
        w.end(app).await;
        let peer = Some(w.peer.token.as_str());
        let r = app.post(&path, peer, ratings(0, 6, 3, true)).await;
        assert_violation(&r, "overall", "out_of_range");
        assert_violation(&r, "felt_safe", "out_of_range");
        assert_eq!(field_codes(&r.json()).len(), 2, "{}", r.text);
        assert_violation(&app.post(&path, peer, ratings(3, 3, -1, true)).await, "helpfulness", "out_of_range");
        assert_violation(
            &app.post(&path, peer, json!({"overall": 4, "felt_safe": 4, "helpfulness": 4})).await,
            "would_recommend",
            "required",
        );
        assert_violation(
            &app.post(&path, peer, json!({"overall": 4, "felt_safe": 4, "helpfulness": 4, "would_recommend": "yes"})).await,
            "would_recommend",
            "invalid_type",
        );
        assert_violation(
            &app.post(&path, peer, json!({"overall": 4.5, "felt_safe": 4, "helpfulness": 4, "would_recommend": true})).await,
            "overall",
            "invalid_type",
        );
        // No free text: feedback carries no personal content.
        assert_violation(
            &app.post(&path, peer, json!({"overall": 4, "felt_safe": 4, "helpfulness": 4, "would_recommend": true, "comment": "my supporter was great"})).await,
            "comment",
            "unknown_field",
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM match_feedback").await, 0);
        app.post(&path, peer, ratings(1, 5, 3, false)).await.expect(201);
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

dual! {
    async fn evaluation_counts_and_withholds_ratings_below_three(app) {
        let w = match_world(app, "ms-eval").await;
        let e = evaluation(app, &w).await;
        assert_eq!(e["programme_id"], w.programme_id.as_str());
        assert_eq!(e["matches"]["active"], 1);
        assert_eq!(e["matches"]["total"], 1);
        assert_eq!(e["matches"]["median_days_ended"], Value::Null);
        assert_eq!(e["requests"]["matched"], 1);
        assert_eq!(e["requests"]["total"], 1);
        assert_eq!(e["sessions"], json!({"total": 0, "median_per_match": 0.0, "median_minutes": null}));
        assert_eq!(
            e["feedback"],
            json!({"responses": 0, "min_responses": 3, "suppressed": true, "overall": null, "felt_safe": null, "helpfulness": null, "would_recommend_percent": null})
        );

        // Match 1: two sessions, ten days long, both give feedback.
        let path = w.match_path("/sessions");
        app.post(&path, Some(&w.peer.token), session(&day(0), 60)).await.expect(201);
        app.post(&path, Some(&w.supporter.token), session(&day(0), 30)).await.expect(201);
        w.end(app).await;
        set_dates(app, &w.match_id, Some(30), Some(10), None).await;
        app.post(&w.match_path("/feedback"), Some(&w.peer.token), ratings(5, 5, 4, true)).await.expect(201);
        let e = evaluation(app, &w).await;
        assert_eq!(e["feedback"]["responses"], 1);
        assert_eq!(e["feedback"]["suppressed"], true);
        assert_eq!(e["feedback"]["overall"], Value::Null);
        assert_eq!(e["feedback"]["would_recommend_percent"], Value::Null);
        app.post(&w.match_path("/feedback"), Some(&w.supporter.token), ratings(4, 4, 4, false)).await.expect(201);
        let e = evaluation(app, &w).await;
        assert_eq!(e["feedback"]["responses"], 2);
        assert_eq!(e["feedback"]["suppressed"], true);
        for k in ["overall", "felt_safe", "helpfulness", "would_recommend_percent"] {
            assert_eq!(e["feedback"][k], Value::Null, "{k} withheld at 2 responses: {e}");
        }

        // Match 2: one session, 21 days long, the peer answers.
        let (p2, r2) = requester(app, &w, "second.ms-eval").await;
        let m2 = pair(app, &w, &r2).await;
        accept(app, &m2, &[&p2, &w.supporter]).await;
        app.post(&format!("/v1/matches/{m2}/sessions"), Some(&p2.token), session(&day(0), 45)).await.expect(201);
        end(app, &m2, &w.supporter).await;
        set_dates(app, &m2, Some(40), Some(21), None).await;
        app.post(&format!("/v1/matches/{m2}/feedback"), Some(&p2.token), ratings(3, 5, 2, true)).await.expect(201);

        // Match 3: a proposal past its deadline (expired); match 4 still
        // proposed; a fifth request waits.
        let (_p3, r3) = requester(app, &w, "third.ms-eval").await;
        let m3 = pair(app, &w, &r3).await;
        set_dates(app, &m3, None, None, Some(-1)).await;
        let (_p4, r4) = requester(app, &w, "fourth.ms-eval").await;
        let _m4 = pair(app, &w, &r4).await;
        requester(app, &w, "fifth.ms-eval").await;

        let e = evaluation(app, &w).await;
        let m = &e["matches"];
        assert_eq!(
            (m["proposed"].clone(), m["accepted"].clone(), m["active"].clone(), m["declined"].clone(), m["expired"].clone(), m["ended"].clone(), m["total"].clone()),
            (json!(1), json!(0), json!(0), json!(0), json!(1), json!(2), json!(4)),
            "{e}"
        );
        // Median of 10 and 21 days.
        assert_eq!(m["median_days_ended"], 15.5);
        let r = &e["requests"];
        assert_eq!(r["total"], 5, "{e}");
        assert_eq!(r["closed"], 2, "ended matches close their requests: {e}");
        assert_eq!(r["waiting"].as_u64().unwrap_or(0) + r["matched"].as_u64().unwrap_or(0) + r["withdrawn"].as_u64().unwrap_or(0) + r["closed"].as_u64().unwrap_or(0), 5);
        // Sessions 60, 30 and 45 minutes; per ended match 2 and 1.
        assert_eq!(e["sessions"], json!({"total": 3, "median_per_match": 1.5, "median_minutes": 45.0}));

        // Three responses: the figures appear.
        let f = &e["feedback"];
        assert_eq!(f["responses"], 3);
        assert_eq!(f["suppressed"], false);
        assert_eq!(f["overall"], json!({"mean": 4.0, "distribution": [0, 0, 1, 1, 1]}));
        assert_eq!(f["felt_safe"], json!({"mean": 4.7, "distribution": [0, 0, 0, 1, 2]}));
        assert_eq!(f["helpfulness"], json!({"mean": 3.3, "distribution": [0, 1, 0, 2, 0]}));
        assert_eq!(f["would_recommend_percent"], 66.7);

        // No personal content anywhere: no person's id appears.
        let text = e.to_string();
        for id in [&w.peer.id, &w.supporter.id, &p2.id, &w.match_id, &m2] {
            assert!(!text.contains(id.as_str()), "{id} in {text}");
        }
    }
}

dual! {
    async fn evaluation_is_for_managers(app) {
        let w = match_world(app, "ms-eval-who").await;
        let path = w.programme_path("/evaluation");
        for who in [&w.manager, &w.lead] {
            app.get(&path, Some(&who.token)).await.expect(200);
        }
        app.get(&path, Some(&w.admin)).await.expect(200);
        // Members (participants included) are refused; strangers cannot
        // see the programme.
        for who in [&w.member, &w.peer, &w.supporter, &w.supervisor] {
            app.get(&path, Some(&who.token)).await.problem(403, "forbidden");
        }
        app.get(&path, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&path, None).await.problem(401, "authentication-required");
        app.get(&format!("/v1/programmes/{}/evaluation", uuid::Uuid::now_v7()), Some(&w.manager.token))
            .await
            .problem(404, "not-found");
        app.get("/v1/programmes/nope/evaluation", Some(&w.manager.token))
            .await
            .problem(400, "invalid-parameter");
    }
}
