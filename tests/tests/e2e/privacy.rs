//! Data protection: export of everything held about me, erasure, and
//! re-sending a lost verification token.
use peerhub_tests::*;
use serde_json::json;

dual! {
    async fn registering_again_before_verifying_resends_a_token(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "resend", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let body = json!({"email": "late@nhs.net", "password": PASSWORD, "display_name": "Late", "network_id": nid});
        app.post("/v1/auth/register", None, body.clone()).await.expect(202);
        let first = app.outbox_payload("late@nhs.net", "account.verification_requested").await.unwrap();
        app.post("/v1/auth/register", None, body).await.expect(202);
        let second = app.outbox_payload("late@nhs.net", "account.verification_requested").await.unwrap();
        assert_ne!(first["token"], second["token"]);
        // either token verifies; one account only
        app.post("/v1/auth/verify", None, json!({"token": second["token"]})).await.expect(200);
        assert_eq!(app.query("SELECT COUNT(*) FROM users WHERE email = 'late@nhs.net'").await[0][0], 1);
        app.login("late@nhs.net", PASSWORD).await;
        // once active, registering again only notifies the owner
        app.post(
            "/v1/auth/register",
            None,
            json!({"email": "late@nhs.net", "password": PASSWORD, "display_name": "Late", "network_id": nid}),
        )
        .await
        .expect(202);
        assert!(app.outbox_payload("late@nhs.net", "account.registration_attempted").await.is_some());
    }
}

dual! {
    async fn export_holds_my_data_and_no_secrets(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "exp", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let me = app.member(nid, "exporter@nhs.net").await;
        app.patch("/v1/me", Some(&me), json!({"profession": "PWP", "sensitive": {"gender": "woman"}})).await.expect(200);
        let t = app.post("/v1/api-tokens", Some(&admin), json!({"name": "n", "scopes": ["users:read"], "current_password": PASSWORD})).await.expect(201);
        let secret = t["secret"].as_str().unwrap().to_owned();
        let r = app.get("/v1/me/export", Some(&me)).await;
        let x = r.expect(200);
        assert!(r.header("content-disposition").unwrap().contains("attachment"));
        assert_eq!(x["profile"]["email"], "exporter@nhs.net");
        assert_eq!(x["profile"]["profession"], "PWP");
        assert_eq!(x["profile"]["sensitive"]["gender"], "woman");
        assert_eq!(x["memberships"][0]["network_id"], nid);
        let actions: Vec<&str> = x["audit_events"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"user.registered") && actions.contains(&"user.profile_updated"), "{actions:?}");
        assert!(!r.text.contains("argon2"), "password hash leaked");
        assert!(!r.text.contains(PASSWORD));
        // someone else's export has nothing of mine
        let other = app.get("/v1/me/export", Some(&admin)).await;
        other.expect(200);
        let other = other.text;
        assert!(other.contains(ADMIN_EMAIL), "the admin's own export: {other}");
        assert!(!other.contains("exporter@nhs.net"));
        assert!(!other.contains(&secret), "API token secret in export");
        // API tokens may not export
        app.get("/v1/me/export", Some(&secret)).await.problem(403, "insufficient-scope");
        app.get("/v1/me/export", None).await.problem(401, "authentication-required");
    }
}

dual! {
    async fn erasure_pseudonymises_and_ends_access(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "erase", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let manager = app.invited(&admin, nid, "boss@example.org", "manager").await;
        let me = app.member(nid, "leaver@nhs.net").await;
        let uid = user_id_of(&me);
        app.patch("/v1/me", Some(&me), json!({"job_title": "Senior PWP", "registers": ["BABCP"]})).await.expect(200);
        app.erase_me(&me, PASSWORD).await.expect(204);
        // the access token and the login stop working
        app.get("/v1/me", Some(&me)).await.problem(401, "invalid-token");
        app.post("/v1/auth/login", None, json!({"email": "leaver@nhs.net", "password": PASSWORD}))
            .await
            .problem(401, "invalid-credentials");
        // nothing identifying is left on the account row, and no membership
        let row = app.query(&format!("SELECT email, display_name, job_title, registers, status FROM users WHERE id = '{uid}'")).await;
        assert!(row[0][0].as_str().unwrap().ends_with("@erased.invalid"));
        assert!(row[0][1].as_str().unwrap().starts_with("Former member"));
        assert_eq!(row[0][2], serde_json::Value::Null);
        assert_eq!(row[0][3], "[]");
        assert_eq!(row[0][4], "erased");
        let members = app.get(&format!("/v1/networks/{nid}/members"), Some(&manager)).await.expect(200);
        assert!(!members.to_string().contains(&uid));
        // the address no longer appears anywhere in the outbox
        assert!(app.query("SELECT id FROM outbox WHERE recipient = 'leaver@nhs.net' OR payload LIKE '%leaver@nhs.net%'").await.is_empty());
        // the audit trail keeps the id (now naming nobody) and records the erasure
        assert_eq!(app.query(&format!("SELECT COUNT(*) FROM audit_events WHERE entity_id = '{uid}' AND action = 'user.erased'")).await[0][0], 1);
        // the address can register afresh
        app.member(nid, "leaver@nhs.net").await;
    }
}

dual! {
    async fn the_only_manager_cannot_erase_themselves(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "solo", &[]).await;
        let nid = net["id"].as_str().unwrap();
        let manager = app.invited(&admin, nid, "solo@example.org", "manager").await;
        app.erase_me(&manager, PASSWORD).await.problem(409, "last-manager");
        app.get("/v1/me", Some(&manager)).await.expect(200);
        // with a second manager it works
        app.invited(&admin, nid, "second@example.org", "manager").await;
        app.erase_me(&manager, PASSWORD).await.expect(204);
    }
}

dual! {
    async fn emails_without_a_front_end_carry_the_api_call(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "links", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        app.post("/v1/auth/register", None, json!({"email": "link@nhs.net", "password": PASSWORD, "display_name": "L", "network_id": nid}))
            .await
            .expect(202);
        let p = app.outbox_payload("link@nhs.net", "account.verification_requested").await.unwrap();
        assert_eq!(p["link"], serde_json::Value::Null);
        let body = p["body"].as_str().unwrap();
        assert!(body.contains("POST http://peerhub.test/v1/auth/verify"), "{body}");
        assert!(body.contains(p["token"].as_str().unwrap()));
        let inv = app.post("/v1/invitations", Some(&admin), json!({"network_id": nid, "email": "guest@example.org"})).await.expect(201);
        let token = inv["token"].as_str().unwrap();
        assert_eq!(inv["accept_url"], format!("http://peerhub.test/v1/invitations/{token}/accept"));
        let p = app.outbox_payload("guest@example.org", "invitation.created").await.unwrap();
        assert!(p["body"].as_str().unwrap().contains(&format!("POST http://peerhub.test/v1/invitations/{token}/accept")));
    }
}

/// Waits until the server's start-up housekeeping pass is over (the next
/// is about ten minutes later). The background task delivers due emails,
/// then on its first round runs housekeeping, then sleeps two seconds and
/// goes round again. So an email queued only after another was delivered
/// goes out in a later round, after the first round's housekeeping: two
/// invitation emails in turn prove the pass has finished.
async fn startup_housekeeping_done(app: &TestApp, admin: &str, network_id: &str) {
    for i in 0..2 {
        let email = format!("handshake{i}@nhs.net");
        app.post(
            "/v1/invitations",
            Some(admin),
            json!({"network_id": network_id, "email": email, "role": "member"}),
        )
        .await
        .expect(201);
        let sql =
            format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{email}' AND status = 'sent'");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while app.count(&sql).await == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the invitation to {email} was never delivered"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

dual! {
    async fn housekeeping_removes_expired_rows(app) {
        use peerhub_persistence::sea_orm::ConnectionTrait;
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "house", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        app.post("/v1/auth/register", None, json!({"email": "old@nhs.net", "password": PASSWORD, "display_name": "O", "network_id": nid}))
            .await
            .expect(202);
        app.send(
            app.req(reqwest::Method::POST, "/v1/networks", Some(&admin))
                .header("Idempotency-Key", "old-key")
                .json(&json!({"name": "K", "slug": "k-net"})),
        )
        .await
        .expect(201);
        let live_key = app.query("SELECT COUNT(*) FROM idempotency_keys").await[0][0].clone();
        assert_eq!(live_key, 1);
        // The server's start-up pass (the same function) must be over, or
        // it could take some of what this test expires below.
        startup_housekeeping_done(app, &admin, nid).await;
        // nothing is due yet
        peerhub_persistence::housekeeping::run(&app.db, 30).await.unwrap();
        assert_eq!(app.query("SELECT COUNT(*) FROM idempotency_keys").await[0][0], 1);
        assert_eq!(app.query("SELECT COUNT(*) FROM email_verifications").await[0][0], 1);
        for sql in [
            "UPDATE idempotency_keys SET expires_at = '2020-01-01T00:00:00+00:00'",
            "UPDATE email_verifications SET expires_at = '2020-01-01T00:00:00+00:00'",
        ] {
            app.db.execute_unprepared(sql).await.unwrap();
        }
        let removed = peerhub_persistence::housekeeping::run(&app.db, 30).await.unwrap();
        // The idempotency key and the verification token, nothing else.
        assert_eq!(removed, 2);
        assert_eq!(app.query("SELECT COUNT(*) FROM idempotency_keys").await[0][0], 0);
        assert_eq!(app.query("SELECT COUNT(*) FROM email_verifications").await[0][0], 0);
    }
}

/// The notifier delivers outbox emails over SMTP (to a local sink started
/// here) and marks them sent.
mod emails_are_delivered_by_smtp {
    use super::*;
    use std::time::{Duration, Instant};

    async fn run(backend: Backend) {
        let sink = peerhub_tests::smtp::SmtpSink::start().await;
        let url = sink.url();
        let app = TestApp::spawn_configured(backend, |c| c.smtp_url = Some(url)).await;
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "smtp", &["nhs.net"]).await;
        app.post(
            "/v1/auth/register",
            None,
            json!({"email": "mail@nhs.net", "password": PASSWORD, "display_name": "M", "network_id": net["id"]}),
        )
        .await
        .expect(202);
        let token = app
            .outbox_payload("mail@nhs.net", "account.verification_requested")
            .await
            .unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let msg = sink
            .wait_for("mail@nhs.net", "Verify your PeerHub email address")
            .await;
        assert!(
            msg.body().contains(&token),
            "token not in the delivered body: {}",
            msg.data
        );
        assert!(msg.from.contains("no-reply@peerhub.test"));
        // the outbox row is marked sent
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let rows = app
                .query("SELECT status FROM outbox WHERE recipient = 'mail@nhs.net'")
                .await;
            if rows.first().and_then(|r| r.first()) == Some(&serde_json::Value::from("sent")) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "outbox row not marked sent: {rows:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}

dual! {
    async fn erasure_ends_memberships_and_frees_the_place(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "erase-cop", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let manager = app.invited(&admin, nid, "m@erase.example.org", "manager").await;
        let c = app.community(&manager, nid, "closed", 1, json!({})).await;
        let cid = c["id"].as_str().unwrap();
        let a = app.member(nid, "first@nhs.net").await;
        let b = app.member(nid, "second@nhs.net").await;
        let c_ = app.member(nid, "third@nhs.net").await;
        let mut apps = Vec::new();
        for t in [&a, &b, &c_] {
            let x = app.post(&format!("/v1/communities/{cid}/applications"), Some(t), json!({})).await.expect(201);
            apps.push(x["id"].as_str().unwrap().to_owned());
        }
        let first = app.post(&format!("/v1/applications/{}/decision", apps[0]), Some(&manager), json!({"decision": "approve"})).await.expect(200);
        assert_eq!(first["outcome"], "admitted");
        let second = app.post(&format!("/v1/applications/{}/decision", apps[1]), Some(&manager), json!({"decision": "approve"})).await.expect(200);
        assert_eq!(second["outcome"], "waitlisted_full");
        // the third withdraws by erasing their account while pending
        app.erase_me(&c_, PASSWORD).await.expect(204);
        assert_eq!(app.get(&format!("/v1/applications/{}", apps[2]), Some(&manager)).await.expect(200)["status"], "withdrawn");
        // the member erases: their place goes to the wait-list
        app.erase_me(&a, PASSWORD).await.expect(204);
        let m = app.get(&format!("/v1/communities/{cid}/members?include_departed=true"), Some(&manager)).await.expect(200);
        assert_eq!(m["items"][0]["status"], "left");
        let offered = app.get(&format!("/v1/applications/{}", apps[1]), Some(&b)).await.expect(200);
        assert_eq!(offered["status"], "offered");
    }
}

dual! {
    async fn raising_capacity_offers_places_and_archived_terms_stay_put(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "cap-raise", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let manager = app.invited(&admin, nid, "m@cap.example.org", "manager").await;
        let c = app.community(&manager, nid, "closed", 1, json!({})).await;
        let cid = c["id"].as_str().unwrap();
        let mut ids = Vec::new();
        for e in ["one@nhs.net", "two@nhs.net"] {
            let t = app.member(nid, e).await;
            let x = app.post(&format!("/v1/communities/{cid}/applications"), Some(&t), json!({})).await.expect(201);
            let id = x["id"].as_str().unwrap().to_owned();
            app.post(&format!("/v1/applications/{id}/decision"), Some(&manager), json!({"decision": "approve"})).await.expect(200);
            ids.push(id);
        }
        assert_eq!(app.get(&format!("/v1/applications/{}", ids[1]), Some(&manager)).await.expect(200)["status"], "waitlisted");
        app.patch(&format!("/v1/communities/{cid}"), Some(&manager), json!({"capacity": 2})).await.expect(200);
        assert_eq!(app.get(&format!("/v1/applications/{}", ids[1]), Some(&manager)).await.expect(200)["status"], "offered");
        // an archived community's drafts cannot be approved
        let d = app
            .post(
                &format!("/v1/communities/{cid}/terms"),
                Some(&manager),
                json!({"purpose": "p", "meeting_arrangements": "m", "chairing_arrangements": "c", "notes_arrangements": "n"}),
            )
            .await
            .expect(201);
        app.post(&format!("/v1/communities/{cid}/archive"), Some(&manager), json!({})).await.expect(200);
        app.post(&format!("/v1/communities/{cid}/terms/{}/approve", d["version"]), Some(&manager), json!({})).await.problem(409, "community-archived");
    }
}

// ---------------------------------------------------------------- matching

async fn exec(app: &TestApp, sql: &str) {
    use peerhub_persistence::sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn texts(v: &serde_json::Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

dual! {
    async fn export_holds_my_matching_data_and_not_the_other_persons(app) {
        use peerhub_tests::matching_world::match_world;
        let w = match_world(app, "px-match").await;
        // one shared reason and one private reason for each side
        exec(app, &format!(
            r#"UPDATE matches SET score = 47, reasons = '[{{"feature":"profession","points":30,"text":"same profession: +30","private_to":null}},{{"feature":"preferences","points":10,"text":"PEER-PRIVATE-REASON","private_to":"{}"}},{{"feature":"preferences","points":7,"text":"SUPPORTER-PRIVATE-REASON","private_to":"{}"}}]' WHERE id = '{}'"#,
            w.peer.id, w.supporter.id, w.match_id
        ))
        .await;
        app.post(&w.match_path("/sessions"), Some(&w.peer.token), json!({"held_on": chrono::Utc::now().date_naive(), "duration_minutes": 50}))
            .await
            .expect(201);
        app.post(&w.match_path("/notes"), Some(&w.peer.token), json!({"body": "PEER-NOTE text"})).await.expect(201);
        app.post(&w.match_path("/notes"), Some(&w.supporter.token), json!({"body": "SUPPORTER-NOTE text"})).await.expect(201);
        app.post(&w.match_path("/concerns"), Some(&w.peer.token), json!({"category": "other", "summary": "PEER-CONCERN"}))
            .await
            .expect(201);
        app.post(&w.match_path("/concerns"), Some(&w.supporter.token), json!({"category": "other", "summary": "SUPPORTER-CONCERN"}))
            .await
            .expect(201);
        app.post(&w.match_path("/end"), Some(&w.supporter.token), json!({"reason": "SUPPORTER-END-REASON"}))
            .await
            .expect(200);
        app.post(&w.match_path("/feedback"), Some(&w.peer.token), json!({"overall": 4, "felt_safe": 5, "helpfulness": 4, "would_recommend": true}))
            .await
            .expect(201);
        app.post("/v1/complaints", Some(&w.peer.token), json!({"network_id": w.network_id, "match_id": w.match_id, "summary": "PEER-COMPLAINT"}))
            .await
            .expect(201);

        let r = app.get("/v1/me/export", Some(&w.peer.token)).await;
        let x = r.expect(200)["matching"].clone();
        assert_eq!(x["requests"][0]["id"], w.peer_request_id.as_str());
        assert_eq!(x["requests"][0]["preferences"]["areas"], json!(["burnout"]));
        assert_eq!(x["requests"][0]["availability"], "Tuesday evenings");
        assert_eq!(x["requests"][0]["programme_name"], "Peer support");
        let m = &x["matches"][0];
        assert_eq!(x["matches"].as_array().map(Vec::len), Some(1));
        assert_eq!(m["id"], w.match_id.as_str());
        assert_eq!(m["programme_id"], w.programme_id.as_str());
        assert_eq!(m["with_user_id"], w.supporter.id.as_str());
        assert_eq!(m["status"], "ended");
        assert_eq!(m["ended_by"], w.supporter.id.as_str());
        assert_eq!(m["end_reason"], serde_json::Value::Null, "the other person's private end reason");
        assert_eq!(texts(&m["reasons"], "text"), vec!["same profession: +30", "PEER-PRIVATE-REASON"]);
        assert_eq!(m["score"], 40, "the other person's private points are left out");
        assert_eq!(x["sessions"][0]["duration_minutes"], 50);
        assert_eq!(texts(&x["notes"], "body"), vec!["PEER-NOTE text"]);
        assert_eq!(x["feedback"][0]["overall"], 4);
        assert_eq!(texts(&x["concerns_raised"], "summary"), vec!["PEER-CONCERN"]);
        assert_eq!(texts(&x["complaints_made"], "summary"), vec!["PEER-COMPLAINT"]);
        for other in ["SUPPORTER-NOTE", "SUPPORTER-PRIVATE-REASON", "SUPPORTER-END-REASON", "SUPPORTER-CONCERN"] {
            assert!(!r.text.contains(other), "{other} in the peer's export");
        }

        let r = app.get("/v1/me/export", Some(&w.supporter.token)).await;
        let x = r.expect(200)["matching"].clone();
        assert_eq!(x["requests"], json!([]));
        assert_eq!(x["supporter_roles"][0]["id"], w.supporter_id.as_str());
        assert_eq!(x["supporter_roles"][0]["capacity"], 2);
        let m = &x["matches"][0];
        assert_eq!(m["with_user_id"], w.peer.id.as_str());
        assert_eq!(m["end_reason"], "SUPPORTER-END-REASON");
        assert_eq!(m["score"], 37);
        assert_eq!(texts(&x["notes"], "body"), vec!["SUPPORTER-NOTE text"]);
        assert_eq!(x["sessions"].as_array().map(Vec::len), Some(1), "sessions of my matches, whoever logged them");
        assert_eq!(x["feedback"], json!([]));
        for other in ["PEER-NOTE", "PEER-PRIVATE-REASON", "PEER-CONCERN", "PEER-COMPLAINT"] {
            assert!(!r.text.contains(other), "{other} in the supporter's export");
        }
        // a manager's export has none of it
        let r = app.get("/v1/me/export", Some(&w.manager.token)).await;
        assert_eq!(r.expect(200)["matching"]["matches"], json!([]));
        assert!(!r.text.contains("PEER-") && !r.text.contains("SUPPORTER-"));
    }
}

dual! {
    async fn erasure_deletes_notes_ends_matches_and_withdraws_requests(app) {
        use peerhub_tests::matching_world::match_world;
        let w = match_world(app, "px-erase").await;
        app.post(&w.match_path("/notes"), Some(&w.peer.token), json!({"body": "mine"})).await.expect(201);
        let theirs = app.post(&w.match_path("/notes"), Some(&w.supporter.token), json!({"body": "theirs"})).await.expect(201);
        app.post(&w.match_path("/concerns"), Some(&w.peer.token), json!({"category": "other", "summary": "kept"}))
            .await
            .expect(201);
        app.erase_me(&w.peer.token, PASSWORD).await.expect(204);

        let q = |sql: String| async move { app.query(&sql).await };
        assert_eq!(q(format!("SELECT COUNT(*) FROM match_notes WHERE author_id = '{}'", w.peer.id)).await[0][0], 0, "my notes are deleted");
        let kept = app.get(&format!("/v1/notes/{}", theirs["id"].as_str().unwrap()), Some(&w.supporter.token)).await.expect(200);
        assert_eq!(kept["body"], "theirs", "the other participant keeps theirs");
        let m = q(format!("SELECT status, ended_by FROM matches WHERE id = '{}'", w.match_id)).await;
        assert_eq!(m[0], vec![json!("ended"), json!(w.peer.id)], "the active match ends");
        assert_eq!(app.get(&w.match_path(""), Some(&w.supporter.token)).await.expect(200)["status"], "ended");
        let r = q(format!("SELECT status, open_user_id FROM match_requests WHERE id = '{}'", w.peer_request_id)).await;
        assert_eq!(r[0], vec![json!("closed"), serde_json::Value::Null], "closed with its match, as when a match ends");
        assert_eq!(
            q(format!("SELECT COUNT(*) FROM safeguarding_concerns WHERE raised_by = '{}'", w.peer.id)).await[0][0],
            1,
            "safeguarding records are kept (the id now names nobody)"
        );
        assert_eq!(q(format!("SELECT COUNT(*) FROM outbox WHERE topic = 'match.ended' AND aggregate_id = '{}'", w.match_id)).await[0][0], 1);

        // a waiting request is withdrawn
        let req = app
            .post(&w.programme_path("/requests"), Some(&w.member.token), json!({"preferences": {"areas": ["sleep"]}}))
            .await
            .expect(201);
        let rid = req["id"].as_str().unwrap().to_owned();
        app.erase_me(&w.member.token, PASSWORD).await.expect(204);
        let r = q(format!("SELECT status, open_user_id FROM match_requests WHERE id = '{rid}'")).await;
        assert_eq!(r[0], vec![json!("withdrawn"), serde_json::Value::Null]);
        let withdrawn = q(format!("SELECT COUNT(*) FROM match_requests WHERE id = '{rid}' AND withdrawn_at IS NOT NULL")).await;
        assert_eq!(withdrawn[0][0], 1);
    }
}

dual! {
    async fn erasing_a_supporter_declines_their_proposals_and_pauses_them(app) {
        use peerhub_tests::matching_world::match_world_proposed;
        let w = match_world_proposed(app, "px-erase-sup").await;
        app.erase_me(&w.supporter.token, PASSWORD).await.expect(204);
        let m = app.query(&format!("SELECT status, declined_by FROM matches WHERE id = '{}'", w.match_id)).await;
        assert_eq!(m[0], vec![json!("declined"), json!(w.supporter.id)]);
        let r = app.query(&format!("SELECT status, open_user_id FROM match_requests WHERE id = '{}'", w.peer_request_id)).await;
        assert_eq!(r[0], vec![json!("waiting"), json!(w.peer.id)], "the peer's request waits again");
        let s = app.query(&format!("SELECT status FROM programme_supporters WHERE id = '{}'", w.supporter_id)).await;
        assert_eq!(s[0][0], "paused");
    }
}
