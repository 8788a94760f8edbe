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
        let t = app.post("/v1/api-tokens", Some(&admin), json!({"name": "n", "scopes": ["users:read"]})).await.expect(201);
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
        let other = app.get("/v1/me/export", Some(&admin)).await.text;
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
        app.send(app.req(reqwest::Method::DELETE, "/v1/me", Some(&me))).await.expect(204);
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
        app.send(app.req(reqwest::Method::DELETE, "/v1/me", Some(&manager))).await.problem(409, "last-manager");
        app.get("/v1/me", Some(&manager)).await.expect(200);
        // with a second manager it works
        app.invited(&admin, nid, "second@example.org", "manager").await;
        app.send(app.req(reqwest::Method::DELETE, "/v1/me", Some(&manager))).await.expect(204);
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
        // nothing is due yet
        peerhub_persistence::housekeeping::run(&app.db).await.unwrap();
        assert_eq!(app.query("SELECT COUNT(*) FROM idempotency_keys").await[0][0], 1);
        assert_eq!(app.query("SELECT COUNT(*) FROM email_verifications").await[0][0], 1);
        for sql in [
            "UPDATE idempotency_keys SET expires_at = '2020-01-01T00:00:00+00:00'",
            "UPDATE email_verifications SET expires_at = '2020-01-01T00:00:00+00:00'",
        ] {
            app.db.execute_unprepared(sql).await.unwrap();
        }
        let removed = peerhub_persistence::housekeeping::run(&app.db).await.unwrap();
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
        let deadline = Instant::now() + Duration::from_secs(20);
        let msg = loop {
            if let Some(m) = sink
                .messages
                .lock()
                .await
                .iter()
                .find(|m| m.to.contains(&"mail@nhs.net".to_owned()))
            {
                break m.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no email arrived at the SMTP sink"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            msg.data
                .contains("Subject: Verify your PeerHub email address"),
            "{}",
            msg.data
        );
        // the body is quoted-printable: undo its soft line breaks
        let body = msg.data.replace("=\n", "");
        assert!(
            body.contains(&token),
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
        app.send(app.req(reqwest::Method::DELETE, "/v1/me", Some(&c_))).await.expect(204);
        assert_eq!(app.get(&format!("/v1/applications/{}", apps[2]), Some(&manager)).await.expect(200)["status"], "withdrawn");
        // the member erases: their place goes to the wait-list
        app.send(app.req(reqwest::Method::DELETE, "/v1/me", Some(&a))).await.expect(204);
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
