//! Accounts you can trust: the pre-registration takeover, the atomic
//! lockout, password reset and change, logging out everywhere,
//! re-authentication, the per-address rate limit, the hashing bound, email
//! flood limits, failed-login audit and the password and name policies.
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const OWNER_PASSWORD: &str = "owner chooses a long passphrase";
const ATTACKER_PASSWORD: &str = "attacker knows this passphrase";

async fn setup(app: &TestApp, slug: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    (admin, net["id"].as_str().unwrap().to_owned())
}

async fn register_as(app: &TestApp, email: &str, password: &str, name: &str, net: &str) -> Resp {
    app.post(
        "/v1/auth/register",
        None,
        json!({"email": email, "password": password, "display_name": name, "network_id": net}),
    )
    .await
}

async fn login(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post(
        "/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await
}

async fn newest_token(app: &TestApp, email: &str, topic: &str) -> String {
    app.outbox_payload(email, topic)
        .await
        .unwrap_or_else(|| panic!("no {topic} email to {email}"))["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn emails(app: &TestApp, email: &str, topic: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM outbox WHERE recipient = '{email}' AND topic = '{topic}'"
    ))
    .await
}

// ---------------------------------------------------------------- 1. takeover

dual! {
    async fn registering_first_cannot_choose_the_owners_password(app) {
        let (_admin, net) = setup(app, "ppn-takeover").await;
        let victim = "victim@nhs.net";
        // The attacker registers the victim's address with their own password…
        register_as(app, victim, ATTACKER_PASSWORD, "Not The Owner", &net).await.expect(202);
        let attackers_token = newest_token(app, victim, "account.verification_requested").await;
        // …the owner registers too, and verifies with the email they asked for.
        register_as(app, victim, OWNER_PASSWORD, "Vic Owner", &net).await.expect(202);
        let owners_token = newest_token(app, victim, "account.verification_requested").await;
        // The attacker registers once more after the owner: it changes nothing.
        register_as(app, victim, ATTACKER_PASSWORD, "Not The Owner", &net).await.expect(202);
        let v = app.post("/v1/auth/verify", None, json!({"token": owners_token})).await.expect(200);
        assert_eq!(v["status"], "active");
        login(app, victim, ATTACKER_PASSWORD).await.problem(401, "invalid-credentials");
        let t = login(app, victim, OWNER_PASSWORD).await.expect(200);
        let me = app.get("/v1/me", t["access_token"].as_str()).await.expect(200);
        assert_eq!(me["display_name"], "Vic Owner");
        // Every other outstanding token died with the verification.
        app.post("/v1/auth/verify", None, json!({"token": attackers_token}))
            .await
            .problem(422, "validation-failed");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM email_verifications WHERE used_at IS NULL").await,
            0
        );
    }
}

dual! {
    async fn a_reset_recovers_an_address_someone_else_registered(app) {
        let (_admin, net) = setup(app, "ppn-takeover-reset").await;
        let victim = "victim@nhs.net";
        register_as(app, victim, ATTACKER_PASSWORD, "Not The Owner", &net).await.expect(202);
        // The owner never registers; a reset proves the mailbox and sets their password.
        app.post("/v1/auth/password-reset", None, json!({"email": victim})).await.expect(202);
        let token = newest_token(app, victim, "account.password_reset_requested").await;
        app.post("/v1/auth/password-reset/confirm", None, json!({"token": token, "password": OWNER_PASSWORD}))
            .await
            .expect(204);
        login(app, victim, ATTACKER_PASSWORD).await.problem(401, "invalid-credentials");
        login(app, victim, OWNER_PASSWORD).await.expect(200);
    }
}

// ---------------------------------------------------------------- 3. lockout race

dual! {
    async fn forty_parallel_logins_get_five_password_checks(app) {
        let (_admin, net) = setup(app, "ppn-lock-race").await;
        app.member(&net, "sam@nhs.net").await;
        // 39 wrong passwords at once, and the right one at position 31,
        // sent while the wrong ones are still being checked.
        let attempts = (0..40).map(|i| async move {
            if i == 31 {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                login(app, "sam@nhs.net", PASSWORD).await
            } else {
                login(app, "sam@nhs.net", &format!("wrong password number {i}")).await
            }
        });
        let results = futures_util::future::join_all(attempts).await;
        let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert_eq!(checked, 5, "exactly five passwords are checked: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35, "{statuses:?}");
        results[31].problem(429, "too-many-attempts");
        assert!(results[31].header("retry-after").is_some());
        // and the address stays locked for the right password
        login(app, "sam@nhs.net", PASSWORD).await.problem(429, "too-many-attempts");
    }
}

// ---------------------------------------------------------------- audit

dual! {
    async fn failed_logins_are_audited_with_the_address_and_no_actor(app) {
        let (_admin, net) = setup(app, "ppn-audit-fail").await;
        let sam = app.member(&net, "sam@nhs.net").await;
        let _ = sam;
        login(app, "sam@nhs.net", "not the password at all").await.problem(401, "invalid-credentials");
        let rows = app
            .query("SELECT actor_id, client_address, entity_id FROM audit_events WHERE action = 'user.login_failed'")
            .await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][0], Value::Null, "the victim is not the actor: {rows:?}");
        assert_eq!(rows[0][1], json!("127.0.0.1"));
    }
}

// ---------------------------------------------------------------- reset

dual! {
    async fn password_reset_is_single_use_ends_sessions_and_reveals_nothing(app) {
        let (_admin, net) = setup(app, "ppn-reset").await;
        app.member(&net, "sam@nhs.net").await;
        let pair = login(app, "sam@nhs.net", PASSWORD).await.expect(200);
        let access = pair["access_token"].as_str().unwrap().to_owned();
        let refresh = pair["refresh_token"].as_str().unwrap().to_owned();

        let known = app.post("/v1/auth/password-reset", None, json!({"email": "Sam@NHS.net"})).await;
        let unknown = app.post("/v1/auth/password-reset", None, json!({"email": "nobody@nhs.net"})).await;
        assert_eq!((known.status.as_u16(), known.json()), (unknown.status.as_u16(), unknown.json()));
        assert_eq!(emails(app, "nobody@nhs.net", "account.password_reset_requested").await, 0);
        let token = newest_token(app, "sam@nhs.net", "account.password_reset_requested").await;
        // stored hashed
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM password_resets WHERE token_hash = '{token}'")).await, 0);

        // policy applies, and a refused password does not use the token up
        let r = app.post("/v1/auth/password-reset/confirm", None, json!({"token": token, "password": "password123456"})).await;
        assert_violation(&r, "password", "too_common");
        let new = "a brand new passphrase for sam";
        app.post("/v1/auth/password-reset/confirm", None, json!({"token": token, "password": new})).await.expect(204);
        // single use
        let r = app.post("/v1/auth/password-reset/confirm", None, json!({"token": token, "password": "yet another passphrase 42"})).await;
        assert_violation(&r, "token", "invalid_token");
        // every session ended
        app.get("/v1/me", Some(&access)).await.problem(401, "invalid-token");
        app.post("/v1/auth/refresh", None, json!({"refresh_token": refresh})).await.problem(401, "invalid-refresh-token");
        login(app, "sam@nhs.net", PASSWORD).await.problem(401, "invalid-credentials");
        login(app, "sam@nhs.net", new).await.expect(200);
        assert!(app.outbox_payload("sam@nhs.net", "account.password_changed").await.is_some());
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.password_reset'").await, 1);
    }
}

dual! {
    async fn reset_tokens_expire_and_unknown_ones_are_refused(app) {
        let (_admin, net) = setup(app, "ppn-reset-exp").await;
        app.member(&net, "sam@nhs.net").await;
        let r = app.post("/v1/auth/password-reset/confirm", None, json!({"token": "no-such-token", "password": "a brand new passphrase"})).await;
        assert_violation(&r, "token", "invalid_token");
        app.post("/v1/auth/password-reset", None, json!({"email": "sam@nhs.net"})).await.expect(202);
        let token = newest_token(app, "sam@nhs.net", "account.password_reset_requested").await;
        app.query("UPDATE password_resets SET expires_at = created_at").await;
        let r = app.post("/v1/auth/password-reset/confirm", None, json!({"token": token, "password": "a brand new passphrase"})).await;
        assert_violation(&r, "token", "invalid_token");
        let r = app.post("/v1/auth/password-reset", None, json!({"email": "not an email"})).await;
        assert_violation(&r, "email", "invalid_email");
    }
}

// ---------------------------------------------------------------- change, logout-all, re-auth

dual! {
    async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(app) {
        let (_admin, net) = setup(app, "ppn-change").await;
        app.member(&net, "sam@nhs.net").await;
        let other = login(app, "sam@nhs.net", PASSWORD).await.expect(200);
        let token = app.login("sam@nhs.net", PASSWORD).await;
        let change = |cur: &str, new: &str| {
            app.post("/v1/me/password", Some(&token), json!({"current_password": cur, "new_password": new}))
        };
        change("not my password", "a brand new passphrase").await.problem(403, "reauthentication-failed");
        let r = change(PASSWORD, PASSWORD).await;
        assert_violation(&r, "new_password", "unchanged");
        let r = change(PASSWORD, "sam@nhs.net").await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.text);
        let new = "a brand new passphrase for sam";
        let pair = change(PASSWORD, new).await.expect(200);
        // the answer is a working new session…
        app.get("/v1/me", pair["access_token"].as_str()).await.expect(200);
        // …and every earlier one is over
        app.get("/v1/me", Some(&token)).await.problem(401, "invalid-token");
        app.get("/v1/me", other["access_token"].as_str()).await.problem(401, "invalid-token");
        app.post("/v1/auth/refresh", None, json!({"refresh_token": other["refresh_token"]})).await.problem(401, "invalid-refresh-token");
        login(app, "sam@nhs.net", new).await.expect(200);
        assert!(app.outbox_payload("sam@nhs.net", "account.password_changed").await.is_some());
    }
}

dual! {
    async fn wrong_current_passwords_count_towards_the_lockout(app) {
        let (_admin, net) = setup(app, "ppn-reauth-lock").await;
        app.member(&net, "sam@nhs.net").await;
        let token = app.login("sam@nhs.net", PASSWORD).await;
        for i in 0..5 {
            app.post("/v1/me/password", Some(&token), json!({"current_password": format!("guess {i} is wrong"), "new_password": "a brand new passphrase"}))
                .await
                .problem(403, "reauthentication-failed");
        }
        app.post("/v1/me/password", Some(&token), json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))
            .await
            .problem(429, "too-many-attempts");
        login(app, "sam@nhs.net", PASSWORD).await.problem(429, "too-many-attempts");
    }
}

dual! {
    async fn logout_all_ends_every_session_but_not_api_tokens(app) {
        let (admin, net) = setup(app, "ppn-logout-all").await;
        let mgr = app.invited(&admin, &net, "mgr@example.org", "manager").await;
        let a = login(app, "mgr@example.org", PASSWORD).await.expect(200);
        let b = login(app, "mgr@example.org", PASSWORD).await.expect(200);
        let api = app
            .post("/v1/api-tokens", Some(&mgr), json!({"name": "sync", "scopes": ["users:read"], "current_password": PASSWORD}))
            .await
            .expect(201)["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        // an API token cannot end sessions
        app.post("/v1/auth/logout-all", Some(&api), json!({})).await.problem(403, "insufficient-scope");
        let r = app.send(app.req(Method::POST, "/v1/auth/logout-all", a["access_token"].as_str())).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        for pair in [&a, &b] {
            app.get("/v1/me", pair["access_token"].as_str()).await.problem(401, "invalid-token");
            app.post("/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await.problem(401, "invalid-refresh-token");
        }
        app.get("/v1/me", Some(&mgr)).await.problem(401, "invalid-token");
        let r = app.send(app.req(Method::GET, "/v1/users", Some(&api)).query(&[("email", "mgr@example.org"), ("network_id", net.as_str())])).await;
        assert_eq!(r.status.as_u16(), 200, "API tokens are separate credentials: {}", r.text);
        // logging in again works
        login(app, "mgr@example.org", PASSWORD).await.expect(200);
        app.send(app.req(Method::POST, "/v1/auth/logout-all", None)).await.problem(401, "authentication-required");
    }
}

dual! {
    async fn erasure_and_new_api_tokens_need_the_current_password(app) {
        let (_admin, net) = setup(app, "ppn-reauth").await;
        let sam = app.member(&net, "sam@nhs.net").await;
        let r = app.post("/v1/api-tokens", Some(&sam), json!({"name": "t", "scopes": ["users:read"], "current_password": "not my password"})).await;
        r.problem(403, "reauthentication-failed");
        let r = app.post("/v1/api-tokens", Some(&sam), json!({"name": "t", "scopes": ["users:read"]})).await;
        assert_violation(&r, "current_password", "required");
        app.erase_me(&sam, "not my password").await.problem(403, "reauthentication-failed");
        let r = app.send(app.req(Method::DELETE, "/v1/me", Some(&sam))).await;
        assert!(matches!(r.status.as_u16(), 400 | 415 | 422), "erasure without a body: {}", r.text);
        app.get("/v1/me", Some(&sam)).await.expect(200);
        let r = app.erase_me(&sam, PASSWORD).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
    }
}

// ---------------------------------------------------------------- 2. rate limit and hashing bound

mod rate_limits {
    use super::*;

    async fn spawn(backend: Backend, trusted: &str) -> TestApp {
        let trusted = trusted.to_owned();
        TestApp::spawn_configured(backend, move |c| {
            c.guards.auth_rate_per_minute = 6;
            c.guards.auth_burst = 3;
            c.guards.trusted_proxies =
                peerhub_http::guard::parse_trusted_proxies(&trusted).unwrap();
        })
        .await
    }

    async fn run(backend: Backend) {
        let app = spawn(backend, "").await;
        let attempt = |xff: &'static str| {
            app.send(
                app.req(Method::POST, "/v1/auth/login", None)
                    .header("x-forwarded-for", xff)
                    .json(&json!({"email": "ghost@nhs.net", "password": "whatever it may be"})),
            )
        };
        for _ in 0..3 {
            attempt("203.0.113.1")
                .await
                .problem(401, "invalid-credentials");
        }
        // A client cannot step round the limit by claiming another address.
        let r = attempt("203.0.113.2").await;
        r.problem(429, "rate-limited");
        let wait: u64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!((1..=10).contains(&wait), "{wait}");
        // other routes are not limited
        app.get("/health/live", None).await.expect(200);
        app.finish().await;

        // Behind a trusted proxy, each forwarded client has its own allowance.
        let app = spawn(backend, "127.0.0.1").await;
        let attempt = |xff: &'static str| {
            app.send(
                app.req(Method::POST, "/v1/auth/password-reset", None)
                    .header("x-forwarded-for", xff)
                    .json(&json!({"email": "ghost@nhs.net"})),
            )
        };
        for _ in 0..3 {
            attempt("198.51.100.1").await.expect(202);
        }
        attempt("198.51.100.1").await.problem(429, "rate-limited");
        attempt("6.6.6.6, 198.51.100.2").await.expect(202);
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

mod hashing_bound {
    use super::*;

    async fn run(backend: Backend) {
        // One hash at a time and no queue: a burst is refused, not queued.
        let app = TestApp::spawn_configured(backend, |c| {
            c.guards.hash_concurrency = 1;
            c.guards.hash_queue = 0;
        })
        .await;
        let (_admin, net) = setup(&app, "ppn-busy").await;
        let burst = (0..12).map(|i| {
            let app = &app;
            let net = net.clone();
            async move {
                register_as(
                    app,
                    &format!("p{i}@nhs.net"),
                    "a perfectly fine passphrase",
                    "P",
                    &net,
                )
                .await
            }
        });
        let results = futures_util::future::join_all(burst).await;
        let busy: Vec<&Resp> = results
            .iter()
            .filter(|r| r.status.as_u16() == 503)
            .collect();
        assert!(
            !busy.is_empty(),
            "no 503 in a burst of 12 with one hashing slot"
        );
        for r in &busy {
            r.problem(503, "busy");
            assert!(r.header("retry-after").is_some());
        }
        for r in &results {
            assert!(matches!(r.status.as_u16(), 202 | 503), "{}", r.text);
        }
        // a refused registration left nothing behind
        let accepted = results.iter().filter(|r| r.status.as_u16() == 202).count() as i64;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM users WHERE email LIKE 'p%@nhs.net'")
                .await,
            accepted
        );
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

mod email_flood {
    use super::*;

    async fn run(backend: Backend) {
        let app = TestApp::spawn_configured(backend, |c| c.guards.notice_interval_secs = 300).await;
        let (_admin, net) = setup(&app, "ppn-flood").await;
        for _ in 0..4 {
            register_as(&app, "new@nhs.net", OWNER_PASSWORD, "New", &net)
                .await
                .expect(202);
        }
        assert_eq!(
            emails(&app, "new@nhs.net", "account.verification_requested").await,
            1
        );
        app.member(&net, "sam@nhs.net").await;
        // The verification email just went out: nothing more for 5 minutes.
        for _ in 0..4 {
            register_as(&app, "sam@nhs.net", OWNER_PASSWORD, "Sam", &net)
                .await
                .expect(202);
        }
        assert_eq!(
            emails(&app, "sam@nhs.net", "account.registration_attempted").await,
            0
        );
        // Once the interval has passed, one more, and again only one.
        let past = (chrono::Utc::now() - chrono::Duration::seconds(301)).to_rfc3339();
        app.query(&format!("UPDATE notice_throttle SET sent_at = '{past}'"))
            .await;
        for _ in 0..4 {
            register_as(&app, "sam@nhs.net", OWNER_PASSWORD, "Sam", &net)
                .await
                .expect(202);
        }
        assert_eq!(
            emails(&app, "sam@nhs.net", "account.registration_attempted").await,
            1
        );
        app.query(&format!("UPDATE notice_throttle SET sent_at = '{past}'"))
            .await;
        for _ in 0..4 {
            app.post(
                "/v1/auth/password-reset",
                None,
                json!({"email": "sam@nhs.net"}),
            )
            .await
            .expect(202);
        }
        assert_eq!(
            emails(&app, "sam@nhs.net", "account.password_reset_requested").await,
            1
        );
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

// ---------------------------------------------------------------- policies

dual! {
    async fn passwords_and_names_are_refused_with_the_reason(app) {
        let (_admin, net) = setup(app, "ppn-policy").await;
        let r = register_as(app, "a@nhs.net", "password123456", "A", &net).await;
        assert_violation(&r, "password", "too_common");
        // built from the network's name ("Network ppn-policy")
        let r = register_as(app, "a@nhs.net", "Network-ppn-policy-2026", "A", &net).await;
        assert_violation(&r, "password", "contains_personal_info");
        let r = register_as(app, "a@nhs.net", OWNER_PASSWORD, "Evil\u{202E}nimda", &net).await;
        assert_violation(&r, "display_name", "invisible_characters");
        let r = register_as(app, "a@nhs.net", OWNER_PASSWORD, "\u{200B}\u{200B}", &net).await;
        assert_violation(&r, "display_name", "invisible_characters");
        // full-width spelling of an address is the same address
        register_as(app, "ｓａｍ@ｎｈｓ.ｎｅｔ", OWNER_PASSWORD, "Sam", &net).await.expect(202);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'sam@nhs.net'").await, 1);
    }
}
