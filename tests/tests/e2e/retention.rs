//! Retention (docs/operations.md, "Retention"): housekeeping deletes
//! private notes of long-closed matches, anonymises long-closed matches
//! (still counted by the programme's evaluation), deletes old audit
//! entries per network, and records each purge with a count only; and the
//! three network settings are validated. The operator's setting removes
//! delivered outbox messages and finished webhook deliveries.
use chrono::{Duration, Utc};
use peerhub_persistence::entities::{audit_event, peer_match};
use peerhub_persistence::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use peerhub_tests::matching_world::*;
use peerhub_tests::world::Person;
use peerhub_tests::*;
use serde_json::{Value, json};

/// A new member of the world's network with an active match with the
/// world's supporter; (person, match id).
async fn second_match(app: &TestApp, w: &MatchWorld, name: &str) -> (Person, String) {
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
    let m = app
        .post(
            &w.programme_path("/matches"),
            Some(&w.manager.token),
            json!({"request_id": id_of(&r), "supporter_id": w.supporter_id}),
        )
        .await
        .expect(201);
    let mid = id_of(&m);
    for t in [&p.token, &w.supporter.token] {
        app.post(&format!("/v1/matches/{mid}/accept"), Some(t), json!({}))
            .await
            .expect(200);
    }
    (p, mid)
}

async fn note(app: &TestApp, match_id: &str, token: &str, body: &str) {
    app.post(
        &format!("/v1/matches/{match_id}/notes"),
        Some(token),
        json!({"body": body}),
    )
    .await
    .expect(201);
}

/// Moves a closed match's end `days` into the past.
async fn ended_days_ago(app: &TestApp, match_id: &str, days: i64) {
    peer_match::Entity::update_many()
        .col_expr(
            peer_match::Column::EndedAt,
            Expr::value(Utc::now() - Duration::days(days)),
        )
        .filter(peer_match::Column::Id.eq(match_id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn notes_of(app: &TestApp, match_id: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM match_notes WHERE match_id = '{match_id}'"
    ))
    .await
}

/// The total of the counts recorded by `action` entries of the network
/// (housekeeping at server start may have run a pass of its own).
async fn purged(app: &TestApp, network_id: &str, action: &str) -> i64 {
    let rows = app
        .query(&format!(
            "SELECT changed_fields, actor_id, entity_type, entity_id FROM audit_events \
             WHERE network_id = '{network_id}' AND action = '{action}'"
        ))
        .await;
    rows.iter()
        .map(|r| {
            assert_eq!(r[1], Value::Null, "a purge has no actor");
            assert_eq!(
                (r[2].as_str(), r[3].as_str()),
                (Some("network"), Some(network_id))
            );
            let fields: Vec<String> = serde_json::from_str(r[0].as_str().unwrap()).unwrap();
            assert_eq!(fields.len(), 1, "{fields:?}");
            fields[0]
                .strip_prefix("count:")
                .unwrap()
                .parse::<i64>()
                .unwrap()
        })
        .sum()
}

async fn housekeeping(app: &TestApp) {
    peerhub_persistence::housekeeping::run(&app.db, 30)
        .await
        .expect("housekeeping");
}

dual! {
    async fn closed_matches_lose_notes_then_people(app) {
        let w = match_world(app, "ret-notes").await;
        let m1 = w.match_id.clone();
        app.post(&w.match_path("/sessions"), Some(&w.peer.token),
            json!({"held_on": Utc::now().date_naive().to_string(), "duration_minutes": 40}))
            .await
            .expect(201);
        note(app, &m1, &w.peer.token, "Felt low after the clinic").await;
        note(app, &m1, &w.supporter.token, "Follow up on supervision").await;
        app.post(&w.match_path("/end"), Some(&w.peer.token), json!({"reason": "Moved trust"}))
            .await
            .expect(200);
        app.post(&w.match_path("/feedback"), Some(&w.peer.token),
            json!({"overall": 5, "felt_safe": 5, "helpfulness": 4, "would_recommend": true}))
            .await
            .expect(201);
        // An open match and one closed 100 days ago keep their notes.
        let (open_peer, m2) = second_match(app, &w, "ret-open").await;
        note(app, &m2, &open_peer.token, "Open match note").await;
        let (recent_peer, m3) = second_match(app, &w, "ret-recent").await;
        note(app, &m3, &recent_peer.token, "Recent note").await;
        app.post(&format!("/v1/matches/{m3}/end"), Some(&recent_peer.token), json!({}))
            .await
            .expect(200);
        ended_days_ago(app, &m1, 400).await;
        ended_days_ago(app, &m3, 100).await;

        housekeeping(app).await;
        assert_eq!(notes_of(app, &m1).await, 0, "closed 400 days ago, retention 365");
        assert_eq!(notes_of(app, &m2).await, 1, "open");
        assert_eq!(notes_of(app, &m3).await, 1, "closed 100 days ago");
        assert_eq!(purged(app, &w.network_id, "retention.private_notes_deleted").await, 2);
        // Not anonymised yet (730 days by default).
        let m = app.get(&format!("/v1/matches/{m1}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(m["participants"][0]["user_id"], w.peer.id.as_str());
        // Nothing more to do: a second pass changes nothing.
        housekeeping(app).await;
        assert_eq!(purged(app, &w.network_id, "retention.private_notes_deleted").await, 2);

        // The network keeps notes for 90 days: the recent match's goes too.
        let net = format!("/v1/networks/{}", w.network_id);
        app.patch(&net, Some(&w.manager.token), json!({"private_note_retention_days": 90})).await.expect(200);
        housekeeping(app).await;
        assert_eq!(notes_of(app, &m3).await, 0);
        assert_eq!(notes_of(app, &m2).await, 1);

        // Past the closed-match retention: anonymised, not deleted.
        let before = app.get(&w.programme_path("/evaluation"), Some(&w.manager.token)).await.expect(200);
        ended_days_ago(app, &m1, 800).await;
        housekeeping(app).await;
        assert_eq!(purged(app, &w.network_id, "retention.matches_anonymised").await, 1);
        let row = &app.query(&format!(
            "SELECT user_a_id, user_b_id, request_a_id, supporter_id, ended_by, end_reason, created_by, status, score \
             FROM matches WHERE id = '{m1}'")).await[0];
        assert_eq!(row[0], "anonymised-a");
        assert_eq!(row[1], "anonymised-b");
        assert_eq!(row[2], "anonymised-a");
        assert_eq!(row[3], "anonymised-b", "still a supporter match");
        assert_eq!((&row[4], &row[5], &row[6]), (&Value::Null, &Value::Null, &Value::Null));
        assert_eq!(row[7], "ended");
        let everything = app.query(&format!("SELECT * FROM matches WHERE id = '{m1}'")).await;
        let text = format!("{everything:?}");
        for person in [&w.peer.id, &w.supporter.id, &w.supporter_id, &w.peer_request_id, &w.manager.id] {
            assert!(!text.contains(person.as_str()), "{person} left in {text}");
        }
        assert!(!text.contains("Moved trust"));
        assert_eq!(app.count(&format!(
            "SELECT COUNT(*) FROM match_feedback WHERE match_id = '{m1}' AND user_id = 'anonymised-a'")).await, 1);
        assert_eq!(app.count(&format!(
            "SELECT COUNT(*) FROM match_sessions WHERE match_id = '{m1}' AND logged_by IS NULL")).await, 1);
        // The others are untouched.
        assert_eq!(app.count(&format!(
            "SELECT COUNT(*) FROM matches WHERE user_a_id = '{}'", open_peer.id)).await, 1);
        assert_eq!(app.count(&format!(
            "SELECT COUNT(*) FROM matches WHERE user_a_id = '{}'", recent_peer.id)).await, 1);
        // The programme's evaluation counts it as before.
        let after = app.get(&w.programme_path("/evaluation"), Some(&w.manager.token)).await.expect(200);
        for k in ["matches", "sessions"] {
            assert_eq!(after[k], before[k], "{k}");
        }
        assert_eq!(after["matches"]["ended"], 2);
        assert_eq!(after["feedback"]["responses"], 1);
        // Managers still read it, without people; the peer no longer can.
        let m = app.get(&format!("/v1/matches/{m1}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(m["participants"][0]["user_id"], "anonymised-a");
        assert_eq!(m["participants"][0]["display_name"], "");
        assert_eq!(m["status"], "ended");
        assert_ne!(app.get(&format!("/v1/matches/{m1}"), Some(&w.peer.token)).await.status.as_u16(), 200);
        // Idempotent.
        housekeeping(app).await;
        assert_eq!(purged(app, &w.network_id, "retention.matches_anonymised").await, 1);
    }
}

dual! {
    async fn old_audit_entries_go_per_network(app) {
        let admin = app.admin_token().await;
        let a = app.create_network(&admin, "ret-audit-a", &["nhs.net"]).await;
        let b = app.create_network(&admin, "ret-audit-b", &["nhs.net"]).await;
        let (a, b) = (id_of(&a), id_of(&b));
        // Network b keeps its trail ten years.
        app.patch(&format!("/v1/networks/{b}"), Some(&admin), json!({"audit_retention_days": 3650}))
            .await
            .expect(200);
        let all = |n: &str| format!("SELECT COUNT(*) FROM audit_events WHERE network_id = '{n}'");
        let (a_before, b_before) = (app.count(&all(&a)).await, app.count(&all(&b)).await);
        assert!(a_before >= 1 && b_before >= 2);
        let age = |n: String, days: i64| {
            audit_event::Entity::update_many()
                .col_expr(audit_event::Column::OccurredAt, Expr::value(Utc::now() - Duration::days(days)))
                .filter(audit_event::Column::NetworkId.eq(n))
                .filter(audit_event::Column::Action.eq("network.created"))
                .exec(&app.db)
        };
        age(a.clone(), 2600).await.unwrap();
        age(b.clone(), 2600).await.unwrap();
        // An entry of no network is not a network's to remove.
        audit_event::Entity::update_many()
            .col_expr(audit_event::Column::OccurredAt, Expr::value(Utc::now() - Duration::days(4000)))
            .filter(audit_event::Column::NetworkId.is_null())
            .exec(&app.db)
            .await
            .unwrap();
        let unscoped = app.count("SELECT COUNT(*) FROM audit_events WHERE network_id IS NULL").await;

        housekeeping(app).await;
        let created = |n: &str| format!(
            "SELECT COUNT(*) FROM audit_events WHERE network_id = '{n}' AND action = 'network.created'");
        assert_eq!(app.count(&created(&a)).await, 0, "older than 2555 days");
        assert_eq!(app.count(&created(&b)).await, 1, "within b's 3650 days");
        assert_eq!(purged(app, &a, "retention.audit_deleted").await, 1);
        assert_eq!(purged(app, &b, "retention.audit_deleted").await, 0);
        // Newer entries stay; the purge itself is in the trail.
        assert_eq!(app.count(&all(&a)).await, a_before - 1 + 1);
        assert_eq!(app.count(&all(&b)).await, b_before);
        assert!(app.count("SELECT COUNT(*) FROM audit_events WHERE network_id IS NULL").await >= unscoped);
        // Once only.
        housekeeping(app).await;
        assert_eq!(purged(app, &a, "retention.audit_deleted").await, 1);
    }
}

dual! {
    async fn managers_set_retention_within_bounds(app) {
        let w = match_world(app, "ret-settings").await;
        let net = format!("/v1/networks/{}", w.network_id);
        let n = app.get(&net, Some(&w.manager.token)).await.expect(200);
        assert_eq!(
            (&n["private_note_retention_days"], &n["closed_match_retention_days"], &n["audit_retention_days"]),
            (&json!(365), &json!(730), &json!(2555))
        );
        for (field, low, high) in [
            ("private_note_retention_days", 29, 3651),
            ("closed_match_retention_days", 89, 3651),
            ("audit_retention_days", 364, 3651),
        ] {
            for bad in [low, high, -1] {
                assert_violation(&app.patch(&net, Some(&w.manager.token), json!({field: bad})).await, field, "out_of_range");
            }
            app.patch(&net, Some(&w.member.token), json!({field: low + 1})).await.problem(403, "forbidden");
        }
        let n = app.patch(&net, Some(&w.manager.token), json!({
            "private_note_retention_days": 30, "closed_match_retention_days": 3650, "audit_retention_days": 365
        })).await.expect(200);
        assert_eq!(
            (&n["private_note_retention_days"], &n["closed_match_retention_days"], &n["audit_retention_days"]),
            (&json!(30), &json!(3650), &json!(365))
        );
        assert_eq!(app.get(&net, Some(&w.manager.token)).await.expect(200)["audit_retention_days"], 365);
        let changed = app.query(&format!(
            "SELECT changed_fields FROM audit_events WHERE network_id = '{}' AND action = 'network.updated'",
            w.network_id)).await;
        let last = changed.last().unwrap()[0].as_str().unwrap().to_owned();
        for f in ["private_note_retention_days", "closed_match_retention_days", "audit_retention_days"] {
            assert!(last.contains(f), "{last}");
        }
        assert!(!last.contains("3650"), "names, never values: {last}");
        // Not found.
        app.patch(&format!("/v1/networks/{}", uuid::Uuid::now_v7()), Some(&w.manager.token),
            json!({"audit_retention_days": 400})).await.problem(404, "not-found");
    }
}

/// The one count-only entry of an operator purge (`action`), if any.
async fn operator_purged(app: &TestApp, action: &str) -> Vec<String> {
    let rows = app
        .query(&format!(
            "SELECT changed_fields FROM audit_events WHERE network_id IS NULL AND action = '{action}'"
        ))
        .await;
    rows.iter()
        .flat_map(|r| serde_json::from_str::<Vec<String>>(r[0].as_str().unwrap()).unwrap())
        .collect()
}

dual! {
    async fn delivered_messages_go_after_the_operator_setting(app) {
        use peerhub_persistence::entities::{outbox, webhook, webhook_delivery};
        use peerhub_persistence::sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let admin = app.admin_token().await;
        let net = id_of(&app.create_network(&admin, "ret-outbox", &["nhs.net"]).await);
        let at = |days: i64| Utc::now() - Duration::days(days);
        // Three old messages (sent, failed, still pending) and a recent sent one.
        let mut ids = Vec::new();
        for (status, days) in [("sent", 40), ("failed", 40), ("sending", 40), ("sent", 5)] {
            let id = uuid::Uuid::now_v7().to_string();
            outbox::ActiveModel {
                id: Set(id.clone()), created_at: Set(at(days)), kind: Set("event".into()),
                topic: Set("network.updated".into()), network_id: Set(Some(net.clone())),
                aggregate_type: Set("network".into()), aggregate_id: Set(net.clone()),
                recipient: Set(None), payload: Set("{}".into()), status: Set(status.into()),
                attempts: Set(0), available_at: Set(at(days)), sent_at: Set(None),
                last_error: Set(None), request_id: Set(None),
            }.insert(&app.db).await.unwrap();
            ids.push(id);
        }
        let hook = uuid::Uuid::now_v7().to_string();
        webhook::ActiveModel {
            id: Set(hook.clone()), network_id: Set(net.clone()), url: Set("https://hooks.example.org/".into()),
            description: Set(String::new()),
            event_types: Set(peerhub_persistence::stored::Json::from_raw(json!(["*"]))),
            enabled: Set(false), disabled_reason: Set(Some("manual".into())), secret: Set("whsec_AAAA".into()),
            previous_secret: Set(None), previous_secret_expires_at: Set(None), failed_run: Set(0),
            created_by: Set(None), created_at: Set(at(50)), updated_at: Set(at(50)), version: Set(1),
        }.insert(&app.db).await.unwrap();
        for (status, days) in [("succeeded", 40), ("failed", 40), ("pending", 40), ("succeeded", 5)] {
            webhook_delivery::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()), webhook_id: Set(hook.clone()),
                network_id: Set(net.clone()), event_id: Set(None), event_type: Set("network.updated".into()),
                body: Set("{}".into()), status: Set(status.into()), attempts: Set(1),
                next_attempt_at: Set(at(days)), last_status_code: Set(None), last_duration_ms: Set(None),
                last_error: Set(None), created_at: Set(at(days)), finished_at: Set(None),
            }.insert(&app.db).await.unwrap();
        }

        peerhub_persistence::housekeeping::run(&app.db, 30).await.expect("housekeeping");
        let left = |id: &str| format!("SELECT COUNT(*) FROM outbox WHERE id = '{id}'");
        assert_eq!(app.count(&left(&ids[0])).await, 0, "old sent message");
        assert_eq!(app.count(&left(&ids[1])).await, 0, "old failed message");
        assert_eq!(app.count(&left(&ids[2])).await, 1, "in flight is never purged");
        assert_eq!(app.count(&left(&ids[3])).await, 1, "recent");
        let statuses = app.query(&format!(
            "SELECT status FROM webhook_deliveries WHERE webhook_id = '{hook}' ORDER BY status")).await;
        let statuses: Vec<&str> = statuses.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["pending", "succeeded"]);
        assert_eq!(operator_purged(app, "retention.webhook_deliveries_deleted").await, vec!["count:2"]);
        assert_eq!(operator_purged(app, "retention.outbox_deleted").await, vec!["count:2"]);

        // A longer setting keeps what a shorter one would remove.
        peerhub_persistence::housekeeping::run(&app.db, 3650).await.expect("housekeeping");
        assert_eq!(app.count(&left(&ids[3])).await, 1);
    }
}
