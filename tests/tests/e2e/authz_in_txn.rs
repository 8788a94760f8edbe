//! Programme-scoped writes decide who may act inside their own transaction,
//! on the rows they then write (docs/decisions.md, "Authorisation inside
//! the use case's transaction"), and stored values that do not decode fail
//! closed instead of reading as a default.
use std::future::Future;
use std::time::Duration;

use peerhub_persistence::sea_orm::{ConnectionTrait, DatabaseTransaction};
use peerhub_tests::matching_world::*;
use peerhub_tests::*;
use serde_json::json;

async fn exec(app: &TestApp, sql: &str) {
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn exec_in(txn: &DatabaseTransaction, sql: &str) {
    txn.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Sends `request` while a transaction of the test holds the row the
/// write locks first (`lock`, on PostgreSQL; on SQLite the write lock every
/// write transaction takes) and has run `change` without committing it; the
/// change commits a moment later, while the request waits for the lock. A
/// check made before the lock saw the old state and let the request
/// through; a check made after it sees `change`.
async fn racing<F: Future<Output = Resp>>(
    app: &TestApp,
    lock: &str,
    change: &str,
    request: F,
) -> Resp {
    let txn = peerhub_persistence::db::begin_write(&app.db)
        .await
        .expect("begin");
    if app.backend == Backend::Postgres {
        exec_in(&txn, &format!("{lock} FOR UPDATE")).await;
    }
    exec_in(&txn, change).await;
    let commit = async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        txn.commit().await.expect("commit");
    };
    let (resp, ()) = tokio::join!(request, commit);
    resp
}

fn role_sql(w: &MatchWorld, role: &str) -> String {
    format!(
        "UPDATE network_members SET role = '{role}' WHERE network_id = '{}' AND user_id = '{}'",
        w.network_id, w.manager.id
    )
}

dual!(
    async fn a_manager_demoted_while_their_write_waits_is_refused(app) {
        let w = match_world_proposed(app, "authz-race").await;
        let demote = role_sql(&w, "member");
        let promote = role_sql(&w, "manager");
        let programme = w.programme_path("");
        let held = format!("SELECT id FROM programmes WHERE id = '{}'", w.programme_id);
        let before = app.get(&programme, Some(&w.admin)).await.expect(200);

        // Settings (the programme is locked first).
        let r = racing(app, &held, &demote,
            app.patch(&programme, Some(&w.manager.token), json!({"proposal_days": 21}))).await;
        r.problem(403, "forbidden");
        let after = app.get(&programme, Some(&w.admin)).await.expect(200);
        assert_eq!((after["proposal_days"].clone(), after["version"].clone()), (before["proposal_days"].clone(), before["version"].clone()));

        // A supporter's capacity (the supporter is locked first).
        exec(app, &promote).await;
        let sup = format!("/v1/supporters/{}", w.supporter_id);
        let sup_row = format!("SELECT id FROM programme_supporters WHERE id = '{}'", w.supporter_id);
        let r = racing(app, &sup_row, &demote,
            app.patch(&sup, Some(&w.manager.token), json!({"capacity": 5}))).await;
        r.problem(403, "forbidden");
        assert_eq!(app.get(&w.programme_path("/supporters"), Some(&w.lead.token)).await.expect(200)["items"][0]["capacity"], 2);

        // Someone else's request: a member who does not own it does not see it.
        exec(app, &promote).await;
        let mine = app.post(&w.programme_path("/requests"), Some(&w.member.token), json!({})).await.expect(201);
        let rid = mine["id"].as_str().unwrap().to_owned();
        let r = racing(app, &held, &demote,
            app.delete(&format!("/v1/match-requests/{rid}"), Some(&w.manager.token))).await;
        r.problem(404, "not-found");
        assert_eq!(app.get(&format!("/v1/match-requests/{rid}"), Some(&w.member.token)).await.expect(200)["status"], "waiting");

        // A manual pair of the member's waiting request and the supporter,
        // who has a free place.
        exec(app, &promote).await;
        let r = racing(app, &held, &demote,
            app.post(&w.programme_path("/matches"), Some(&w.manager.token),
                json!({"request_id": rid, "supporter_id": w.supporter_id}))).await;
        r.problem(403, "forbidden");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM matches WHERE programme_id = '{}'", w.programme_id)).await, 1);

        // Promoted while waiting is let through: the check reads the same state.
        let r = racing(app, &held, &promote,
            app.patch(&programme, Some(&w.manager.token), json!({"proposal_days": 21}))).await;
        assert_eq!(r.expect(200)["proposal_days"], 21);

        // Registering a supporter and asking to be matched lock no row
        // (they need not wait for runs). On SQLite the single writer still
        // orders them after the change; on PostgreSQL they read the role in
        // their transaction, but nothing makes a role change wait for them.
        if app.backend == Backend::Sqlite {
            let r = racing(app, &held, &demote,
                app.post(&w.programme_path("/supporters"), Some(&w.manager.token),
                    json!({"user_id": w.member.id, "capacity": 1, "trained_on": "2026-01-15", "supervisor_id": w.supervisor.id}))).await;
            r.problem(403, "forbidden");
            let leave = format!(
                "DELETE FROM network_members WHERE network_id = '{}' AND user_id = '{}'",
                w.network_id, w.supervisor.id
            );
            let r = racing(app, &held, &leave,
                app.post(&w.programme_path("/requests"), Some(&w.supervisor.token), json!({}))).await;
            r.problem(404, "not-found");
            assert_eq!(app.count(&format!("SELECT COUNT(*) FROM match_requests WHERE user_id = '{}'", w.supervisor.id)).await, 0);
        }
    }
);

dual!(
    async fn who_may_act_is_decided_before_what_they_sent(app) {
        let w = match_world_proposed(app, "authz-order").await;
        let bad = "not-a-uuid";
        // Settings: a member 403 and a stranger 404 even with invalid fields.
        let programme = w.programme_path("");
        app.patch(&programme, Some(&w.member.token), json!({"proposal_days": 0})).await.problem(403, "forbidden");
        app.patch(&programme, Some(&w.stranger.token), json!({"proposal_days": 0})).await.problem(404, "not-found");
        let r = app.patch(&programme, Some(&w.manager.token), json!({"proposal_days": 0})).await;
        assert_violation(&r, "proposal_days", "out_of_range");
        // Supporters: the ids are checked after the caller, before the rest.
        let supporters = w.programme_path("/supporters");
        let body = json!({"user_id": bad, "capacity": 99});
        app.post(&supporters, Some(&w.member.token), body.clone()).await.problem(403, "forbidden");
        app.post(&supporters, Some(&w.stranger.token), body.clone()).await.problem(404, "not-found");
        assert_violation(&app.post(&supporters, Some(&w.manager.token), body).await, "user_id", "invalid_uuid");
        let body = json!({"user_id": w.member.id, "capacity": 1, "supervisor_id": bad});
        assert_violation(&app.post(&supporters, Some(&w.manager.token), body).await, "supervisor_id", "invalid_uuid");
        let sup = format!("/v1/supporters/{}", w.supporter_id);
        let body = json!({"supervisor_id": bad});
        app.patch(&sup, Some(&w.member.token), body.clone()).await.problem(403, "forbidden");
        app.patch(&sup, Some(&w.stranger.token), body.clone()).await.problem(404, "not-found");
        assert_violation(&app.patch(&sup, Some(&w.manager.token), body).await, "supervisor_id", "invalid_uuid");
        // The version is checked after the ids, before the rest.
        let stale = app.send(app.req(reqwest::Method::PATCH, &sup, Some(&w.manager.token)).header("If-Match", "\"99\"").json(&json!({"capacity": 0}))).await;
        stale.problem(412, "stale-version");
        // Manual pairs.
        let pairs = w.programme_path("/matches");
        let body = json!({"request_id": bad, "supporter_id": w.supporter_id});
        app.post(&pairs, Some(&w.member.token), body.clone()).await.problem(403, "forbidden");
        app.post(&pairs, Some(&w.stranger.token), body.clone()).await.problem(404, "not-found");
        assert_violation(&app.post(&pairs, Some(&w.manager.token), body).await, "request_id", "invalid_uuid");
        // Requests: a stranger 404 even with invalid preferences.
        let requests = w.programme_path("/requests");
        let body = json!({"availability": "x".repeat(4000)});
        app.post(&requests, Some(&w.stranger.token), body.clone()).await.problem(404, "not-found");
        assert_violation(&app.post(&requests, Some(&w.member.token), body).await, "availability", "too_long");
        // Withdrawing: only the owner and managers see a request.
        let req = format!("/v1/match-requests/{}", w.peer_request_id);
        app.delete(&req, Some(&w.member.token)).await.problem(404, "not-found");
        app.delete(&req, Some(&w.stranger.token)).await.problem(404, "not-found");
        // Answers: a manager not in the match 403 before the reason is read.
        let long = json!({"reason": "x".repeat(5000)});
        app.post(&w.match_path("/decline"), Some(&w.manager.token), long.clone()).await.problem(403, "not-participant");
        app.post(&w.match_path("/decline"), Some(&w.member.token), long).await.problem(404, "not-found");
        // Nothing changed on the way.
        assert_eq!(app.get(&w.match_path(""), Some(&w.peer.token)).await.expect(200)["status"], "proposed");
        assert_eq!(app.get(&req, Some(&w.peer.token)).await.expect(200)["status"], "matched");
    }
);

dual!(
    async fn an_undecodable_match_status_fails_the_export_instead_of_reading_as_ended(app) {
        let w = match_world(app, "authz-status").await;
        exec(app, &format!("UPDATE matches SET status = 'paused' WHERE id = '{}'", w.match_id)).await;
        // Read as `ended` before: now a logged 500 for either participant.
        app.get("/v1/me/export", Some(&w.peer.token)).await.problem(500, "internal-error");
        app.get("/v1/me/export", Some(&w.supporter.token)).await.problem(500, "internal-error");
        // Repaired, the export reads it again.
        exec(app, &format!("UPDATE matches SET status = 'active' WHERE id = '{}'", w.match_id)).await;
        let export = app.get("/v1/me/export", Some(&w.peer.token)).await.expect(200);
        assert!(export.to_string().contains("\"status\":\"active\""), "{export}");
    }
);

dual!(
    async fn an_undecodable_account_status_fails_closed(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "authz-user", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        app.member(nid, "status@nhs.net").await;
        let pair = app.post("/v1/auth/login", None, json!({"email": "status@nhs.net", "password": PASSWORD})).await.expect(200);
        exec(app, "UPDATE users SET status = 'suspended' WHERE email = 'status@nhs.net'").await;
        // Neither a session (as if active) nor a plain 401 (as if disabled).
        app.post("/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]}))
            .await
            .problem(500, "internal-error");
        app.post("/v1/auth/password-reset", None, json!({"email": "status@nhs.net"}))
            .await
            .problem(500, "internal-error");
        assert_eq!(app.count("SELECT COUNT(*) FROM password_resets").await, 0);
        // An access token of such an account is neither let in nor a 401.
        let access = pair["access_token"].as_str().unwrap();
        app.get("/v1/me", Some(access)).await.problem(500, "internal-error");
        exec(app, "UPDATE users SET status = 'active' WHERE email = 'status@nhs.net'").await;
        app.get("/v1/me", Some(access)).await.expect(200);
        app.post("/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await.expect(200);
    }
);
