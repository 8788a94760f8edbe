//! Accounts and access: registration, verification, login, tokens, profile, API tokens, user lookup.
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

async fn register(app: &TestApp, email: &str, network_id: &str) -> Resp {
    app.post(
        "/v1/auth/register",
        None,
        json!({"email": email, "password": PASSWORD, "display_name": "Sam Patel", "network_id": network_id}),
    )
    .await
}

async fn login_resp(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post(
        "/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await
}

async fn lookup(app: &TestApp, token: &str, email: &str, network_id: &str) -> Resp {
    app.send(
        app.req(Method::GET, "/v1/users", Some(token))
            .query(&[("email", email), ("network_id", network_id)]),
    )
    .await
}

/// An admin, a network allowing nhs.net, and its id.
async fn setup(app: &TestApp, slug: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    (admin, id_of(&net))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims as the server issues them, valid for an hour.
fn claims(sub: &str) -> Value {
    let now = now();
    json!({
        "sub": sub,
        "iss": "peerhub",
        "aud": "peerhub-api",
        "exp": now + 3600,
        "iat": now,
        "nbf": now,
        "jti": uuid::Uuid::now_v7().to_string(),
    })
}

fn sign_with(alg: Algorithm, claims: &Value, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
}

fn sign(claims: &Value) -> String {
    sign_with(Algorithm::HS256, claims, JWT_SECRET.as_bytes())
}

fn b64(v: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[track_caller]
fn assert_bearer_challenge(r: &Resp) {
    let h = r
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("401 without WWW-Authenticate: {r:?}"));
    assert!(h.starts_with("Bearer"), "WWW-Authenticate: {h}");
}

/// GET /v1/me with `token` must be 401 `invalid-token`.
async fn assert_rejected(app: &TestApp, token: &str, what: &str) {
    let r = app.get("/v1/me", Some(token)).await;
    assert_eq!(r.status.as_u16(), 401, "{what} accepted: {}", r.text);
    r.problem(401, "invalid-token");
    assert_bearer_challenge(&r);
}

// ------------------------------------------------- 1. registration & verification

dual! {
    async fn register_allowed_domain_verify_login_and_me(app) {
        let (_admin, net_id) = setup(app, "ppn").await;
        let r = register(app, "sam@nhs.net", &net_id).await;
        let v = r.expect(202);
        assert_eq!(v["status"], "pending_verification");

        let p = app
            .outbox_payload("sam@nhs.net", "account.verification_requested")
            .await
            .expect("a verification email in the outbox");
        let token = p["token"].as_str().expect("token in the verification email").to_owned();
        assert!(!token.is_empty());
        // No front end is configured in tests: the body names the API call.
        assert!(p["body"].as_str().unwrap_or_default().contains(&token), "body carries the token: {p}");

        // Not verified yet: the right password still cannot log in.
        login_resp(app, "sam@nhs.net", PASSWORD).await.problem(403, "email-not-verified");

        let v = app.post("/v1/auth/verify", None, json!({"token": token})).await.expect(200);
        assert_eq!(v["status"], "active");
        let user_id = v["user_id"].as_str().unwrap().to_owned();

        let r = login_resp(app, "sam@nhs.net", PASSWORD).await;
        let pair = r.expect(200);
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"), "token responses must not be cached");
        assert_eq!(pair["token_type"], "Bearer");
        assert_eq!(pair["expires_in"], 900);
        let access = pair["access_token"].as_str().expect("access_token").to_owned();
        assert_eq!(access.split('.').count(), 3, "access token is a JWT");
        assert!(pair["refresh_token"].as_str().is_some_and(|s| !s.is_empty()), "refresh_token: {pair}");
        assert_eq!(user_id_of(&access), user_id);

        let me = app.get("/v1/me", Some(&access)).await.expect(200);
        assert_eq!(me["id"], user_id.as_str());
        assert_eq!(me["email"], "sam@nhs.net");
        assert_eq!(me["status"], "active");
        assert_eq!(me["is_platform_admin"], false);
        let nets = me["networks"].as_array().unwrap();
        assert_eq!(nets.len(), 1, "{me}");
        assert_eq!(nets[0]["network_id"], net_id.as_str());
        assert_eq!(nets[0]["network_slug"], "ppn");
        assert_eq!(nets[0]["role"], "member");
    }
}

dual! {
    async fn register_domain_rules_subdomain_lookalike_foreign_and_case(app) {
        let (_admin, net_id) = setup(app, "ppn-domains").await;
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "only the admin");

        // Subdomain of an allowed domain.
        register(app, "x@trust.nhs.net", &net_id).await.expect(202);
        assert!(app.outbox_payload("x@trust.nhs.net", "account.verification_requested").await.is_some());
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);

        // Look-alike and foreign domains need an invitation; nothing is created.
        for email in ["x@evilnhs.net", "x@gmail.com", "x@nhs.net.evil.com"] {
            let r = register(app, email, &net_id).await;
            r.problem(403, "invitation-required");
            assert!(app.outbox_payload(email, "account.verification_requested").await.is_none(), "{email}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2, "no user row for refused domains");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email LIKE '%evil%' OR email LIKE '%gmail%'").await, 0);

        // The domain match ignores case; the address is stored lower-cased.
        register(app, "X@NHS.NET", &net_id).await.expect(202);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'x@nhs.net'").await, 1);
        let p = app.outbox_payload("x@nhs.net", "account.verification_requested").await.expect("verification email to the lower-cased address");
        app.post("/v1/auth/verify", None, json!({"token": p["token"]})).await.expect(200);
        // And login is case-insensitive on the email too.
        login_resp(app, "X@Nhs.Net", PASSWORD).await.expect(200);
    }
}

// ---------------------------------------------------------- 2. existing email

dual! {
    async fn register_existing_email_answers_202_and_notifies_owner(app) {
        let (_admin, net_id) = setup(app, "ppn-existing").await;
        app.member(&net_id, "sam@nhs.net").await;
        let users = app.count("SELECT COUNT(*) FROM users").await;
        let verifications = app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'account.verification_requested'").await;

        let first = register(app, "other@nhs.net", &net_id).await.expect(202);
        let again = register(app, "Sam@NHS.net", &net_id).await;
        let v = again.expect(202);
        assert_eq!(v, first, "the answer must not reveal that the address is registered");

        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users + 1, "only other@ was added");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'sam@nhs.net'").await, 1);
        let p = app
            .outbox_payload("sam@nhs.net", "account.registration_attempted")
            .await
            .expect("a registration_attempted email to the owner");
        assert!(p["subject"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(p.get("token").is_none(), "no verification token for an existing account: {p}");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'account.verification_requested'").await,
            verifications + 1,
            "no new verification token for the existing account"
        );
        // The existing account still logs in with its own password.
        login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
    }
}

// ------------------------------------------------------------- 3. validation

dual! {
    async fn register_validation_errors_name_fields(app) {
        let (_admin, net_id) = setup(app, "ppn-validation").await;
        let base = json!({"email": "sam@nhs.net", "password": PASSWORD, "display_name": "Sam", "network_id": net_id});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };

        let r = app.post("/v1/auth/register", None, with("password", json!("short"))).await;
        assert_violation(&r, "password", "weak_password");
        let r = app.post("/v1/auth/register", None, with("password", json!("aaaaaaaaaaaaaaaa"))).await;
        assert_violation(&r, "password", "weak_password");
        let r = app.post("/v1/auth/register", None, with("password", json!("sam@nhs.net"))).await;
        assert_violation(&r, "password", "weak_password");

        let r = app.post("/v1/auth/register", None, with("email", json!("not-an-email"))).await;
        assert_violation(&r, "email", "invalid_email");

        let r = app.post("/v1/auth/register", None, with("favourite_colour", json!("blue"))).await;
        let p = assert_violation(&r, "favourite_colour", "unknown_field");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("favourite_colour"), "{p}");

        let r = app.post("/v1/auth/register", None, with("email", json!(5))).await;
        assert_violation(&r, "email", "invalid_type");

        let r = app.post("/v1/auth/register", None, with("display_name", json!(""))).await;
        assert_invalid(&r, "display_name");

        let mut missing = base.clone();
        missing.as_object_mut().unwrap().remove("display_name");
        let r = app.post("/v1/auth/register", None, missing).await;
        assert_violation(&r, "display_name", "required");

        let r = app.post("/v1/auth/register", None, with("network_id", json!("not-a-uuid"))).await;
        assert_violation(&r, "network_id", "invalid_uuid");

        let r = app.post("/v1/auth/register", None, with("network_id", json!(uuid::Uuid::now_v7().to_string()))).await;
        assert_violation(&r, "network_id", "unknown_network");

        // Several bad fields are all reported at once.
        let r = app
            .post(
                "/v1/auth/register",
                None,
                json!({"email": "nope", "password": "short", "display_name": "Sam", "network_id": "nope"}),
            )
            .await;
        assert_invalid(&r, "email");
        assert_invalid(&r, "password");
        assert_invalid(&r, "network_id");

        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "no user was created by invalid requests");
    }
}

dual! {
    async fn verify_rejects_unknown_and_reused_tokens(app) {
        let (_admin, net_id) = setup(app, "ppn-verify").await;
        let r = app.post("/v1/auth/verify", None, json!({"token": "no-such-token"})).await;
        assert_violation(&r, "token", "invalid_token");
        let r = app.post("/v1/auth/verify", None, json!({"token": ""})).await;
        assert_invalid(&r, "token");

        register(app, "sam@nhs.net", &net_id).await.expect(202);
        let p = app.outbox_payload("sam@nhs.net", "account.verification_requested").await.unwrap();
        app.post("/v1/auth/verify", None, json!({"token": p["token"]})).await.expect(200);
        let r = app.post("/v1/auth/verify", None, json!({"token": p["token"]})).await;
        assert_violation(&r, "token", "invalid_token");
    }
}

// ------------------------------------------------------------------ 4. login

dual! {
    async fn login_failures_are_indistinguishable(app) {
        let (_admin, net_id) = setup(app, "ppn-login").await;
        app.member(&net_id, "sam@nhs.net").await;

        let wrong = login_resp(app, "sam@nhs.net", "definitely the wrong password").await;
        let unknown = login_resp(app, "nobody@nhs.net", "definitely the wrong password").await;
        let pw = wrong.problem(401, "invalid-credentials");
        let pu = unknown.problem(401, "invalid-credentials");
        assert_eq!(pw["detail"], pu["detail"], "the detail must not reveal whether the email exists");
        assert_eq!(pw["title"], pu["title"]);
        assert_bearer_challenge(&wrong);
        assert_bearer_challenge(&unknown);
        assert_eq!(wrong.header("www-authenticate"), unknown.header("www-authenticate"));

        // Garbage emails get the same answer too.
        login_resp(app, "not-an-email", "whatever whatever").await.problem(401, "invalid-credentials");
        // And the right password still works afterwards (2 failures < 5).
        login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
    }
}

dual! {
    async fn login_throttles_after_five_failures(app) {
        let (_admin, net_id) = setup(app, "ppn-throttle").await;
        app.member(&net_id, "sam@nhs.net").await;
        for i in 0..5 {
            let r = login_resp(app, "sam@nhs.net", "wrong password number x").await;
            assert_eq!(r.status.as_u16(), 401, "attempt {i}: {}", r.text);
        }
        // Locked: even the right password is refused.
        let r = login_resp(app, "sam@nhs.net", PASSWORD).await;
        r.problem(429, "too-many-attempts");
        let retry = r.header("retry-after").expect("Retry-After on 429");
        let secs: u64 = retry.parse().unwrap_or_else(|_| panic!("Retry-After not numeric: {retry}"));
        assert!(secs > 0 && secs <= 15 * 60, "Retry-After {secs}");
        // The lock is per address, whatever its case.
        login_resp(app, "SAM@nhs.net", PASSWORD).await.problem(429, "too-many-attempts");

        // Unknown addresses are throttled the same way (no enumeration via 429s).
        for _ in 0..5 {
            login_resp(app, "ghost@nhs.net", "wrong password number x").await.problem(401, "invalid-credentials");
        }
        login_resp(app, "ghost@nhs.net", "wrong password number x").await.problem(429, "too-many-attempts");

        // Other accounts are unaffected.
        app.admin_token().await;
    }
}

// --------------------------------------------------------- 5. refresh tokens

dual! {
    async fn refresh_rotates_and_reuse_revokes_family(app) {
        let (_admin, net_id) = setup(app, "ppn-refresh").await;
        app.member(&net_id, "sam@nhs.net").await;
        let pair1 = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
        let r1 = pair1["refresh_token"].as_str().unwrap().to_owned();

        let pair2 = app.post("/v1/auth/refresh", None, json!({"refresh_token": r1})).await.expect(200);
        let r2 = pair2["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(r1, r2, "refresh rotates the refresh token");
        assert_eq!(pair2["token_type"], "Bearer");
        assert_eq!(pair2["expires_in"], 900);
        let a2 = pair2["access_token"].as_str().unwrap();
        assert_eq!(user_id_of(a2), user_id_of(pair1["access_token"].as_str().unwrap()));
        app.get("/v1/me", Some(a2)).await.expect(200);

        // Within the grace window the rotated token returns the same
        // successor once (two tabs)…
        let again = app.post("/v1/auth/refresh", None, json!({"refresh_token": r1})).await.expect(200);
        assert_eq!(again["refresh_token"], pair2["refresh_token"]);
        // …but reusing it again is refused and revokes the family…
        let r = app.post("/v1/auth/refresh", None, json!({"refresh_token": r1})).await;
        r.problem(401, "invalid-refresh-token");
        assert_bearer_challenge(&r);
        // …so the newer token is dead too.
        app.post("/v1/auth/refresh", None, json!({"refresh_token": r2}))
            .await
            .problem(401, "invalid-refresh-token");
        assert!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'session.reuse_detected'").await >= 1,
            "reuse is audited"
        );

        // Other sessions (families) are untouched.
        let other = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
        app.post("/v1/auth/refresh", None, json!({"refresh_token": other["refresh_token"]})).await.expect(200);

        // Unknown tokens are refused.
        app.post("/v1/auth/refresh", None, json!({"refresh_token": "phr_nonsense"}))
            .await
            .problem(401, "invalid-refresh-token");
    }
}

dual! {
    async fn logout_revokes_refresh_token_and_is_idempotent(app) {
        let (_admin, net_id) = setup(app, "ppn-logout").await;
        app.member(&net_id, "sam@nhs.net").await;
        let pair = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
        let rt = pair["refresh_token"].as_str().unwrap().to_owned();

        let r = app.post("/v1/auth/logout", None, json!({"refresh_token": rt})).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        assert!(r.text.is_empty());
        app.post("/v1/auth/refresh", None, json!({"refresh_token": rt}))
            .await
            .problem(401, "invalid-refresh-token");
        let r = app.post("/v1/auth/logout", None, json!({"refresh_token": rt})).await;
        assert_eq!(r.status.as_u16(), 204, "logout again: {}", r.text);
        let r = app.post("/v1/auth/logout", None, json!({"refresh_token": "phr_unknown"})).await;
        assert_eq!(r.status.as_u16(), 204, "logout with an unknown token: {}", r.text);

        // Logging out after a rotation revokes the rotated-to token as well.
        let pair = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
        let p2 = app.post("/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await.expect(200);
        let r = app.post("/v1/auth/logout", None, json!({"refresh_token": pair["refresh_token"]})).await;
        assert_eq!(r.status.as_u16(), 204);
        app.post("/v1/auth/refresh", None, json!({"refresh_token": p2["refresh_token"]}))
            .await
            .problem(401, "invalid-refresh-token");
    }
}

// ------------------------------------------------------ 6. access tokens

dual! {
    async fn forged_and_invalid_access_tokens_are_rejected(app) {
        let admin = app.admin_token().await;
        let sub = user_id_of(&admin);
        assert!(!sub.is_empty());

        // Control: a token we sign ourselves with the right key works, so the
        // negative cases below fail for the reason they claim.
        let good = sign(&claims(&sub));
        let me = app.get("/v1/me", Some(&good)).await.expect(200);
        assert_eq!(me["id"], sub.as_str());
        assert_eq!(me["is_platform_admin"], true);

        assert_rejected(app, "garbage", "garbage string").await;
        assert_rejected(app, "a.b.c", "three garbage segments").await;

        let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(&sub)));
        assert_rejected(app, &none, "alg none").await;
        let none_sig = format!("{}.{}.{}", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(&sub)), good.split('.').nth(2).unwrap());
        assert_rejected(app, &none_sig, "alg none with a copied signature").await;

        let wrong_key = sign_with(Algorithm::HS256, &claims(&sub), b"another-secret-that-is-long-enough-for-hs256");
        assert_rejected(app, &wrong_key, "wrong key").await;

        let hs512 = sign_with(Algorithm::HS512, &claims(&sub), JWT_SECRET.as_bytes());
        assert_rejected(app, &hs512, "HS512 (not the accepted algorithm)").await;

        // Tampered payload with the original signature.
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let mut c = claims(&sub);
        c["exp"] = json!(now() + 10 * 365 * 24 * 3600);
        parts[1] = b64(&c);
        assert_rejected(app, &parts.join("."), "tampered payload").await;

        let mut c = claims(&sub);
        c["exp"] = json!(now() - 3600);
        c["iat"] = json!(now() - 7200);
        c["nbf"] = json!(now() - 7200);
        assert_rejected(app, &sign(&c), "expired").await;

        let mut c = claims(&sub);
        c["nbf"] = json!(now() + 3600);
        assert_rejected(app, &sign(&c), "not yet valid").await;

        let mut c = claims(&sub);
        c["aud"] = json!("someone-else");
        assert_rejected(app, &sign(&c), "wrong audience").await;

        let mut c = claims(&sub);
        c["iss"] = json!("evil");
        assert_rejected(app, &sign(&c), "wrong issuer").await;

        let mut c = claims(&sub);
        c.as_object_mut().unwrap().remove("exp");
        assert_rejected(app, &sign(&c), "no exp").await;

        let c = claims(&uuid::Uuid::now_v7().to_string());
        assert_rejected(app, &sign(&c), "unknown user").await;

        // Missing header, and a non-Bearer scheme.
        let r = app.get("/v1/me", None).await;
        r.problem(401, "authentication-required");
        assert_bearer_challenge(&r);
        let r = app.send(app.req(Method::GET, "/v1/me", None).header("Authorization", "Basic xxx")).await;
        r.problem(401, "invalid-token");
        assert_bearer_challenge(&r);
        let r = app.send(app.req(Method::GET, "/v1/me", None).header("Authorization", "Bearer ")).await;
        assert_eq!(r.status.as_u16(), 401, "{}", r.text);
        assert_bearer_challenge(&r);
    }
}

dual! {
    async fn access_token_of_unverified_user_is_rejected(app) {
        let (_admin, net_id) = setup(app, "ppn-pending").await;
        register(app, "sam@nhs.net", &net_id).await.expect(202);
        let rows = app.query("SELECT id FROM users WHERE email = 'sam@nhs.net'").await;
        let uid = rows[0][0].as_str().unwrap().to_owned();
        assert_rejected(app, &sign(&claims(&uid)), "pending_verification user").await;
    }
}

// ------------------------------------------------------------- 7. PATCH /v1/me

dual! {
    async fn patch_me_sets_normalises_and_etags(app) {
        let (_admin, net_id) = setup(app, "ppn-profile").await;
        let t = app.member(&net_id, "sam@nhs.net").await;

        let r = app.get("/v1/me", Some(&t)).await;
        let me = r.expect(200);
        let v0 = me["version"].as_i64().unwrap();
        assert_eq!(r.header("etag"), Some(format!("\"{v0}\"")));

        let r = app
            .patch(
                "/v1/me",
                Some(&t),
                json!({
                    "job_title": "Senior PWP",
                    "profession": "PWP",
                    "level": "senior",
                    "region": "West Midlands",
                    "registers": ["BABCP"],
                    "specialties": ["long term conditions", "perinatal"],
                }),
            )
            .await;
        let me = r.expect(200);
        assert_eq!(me["profession"], "PWP");
        assert_eq!(me["level"], "senior");
        assert_eq!(me["region"], "West Midlands");
        assert_eq!(me["job_title"], "Senior PWP");
        assert_eq!(me["registers"], json!(["BABCP"]));
        assert_eq!(me["specialties"], json!(["long term conditions", "perinatal"]));
        assert_eq!(me["interests"], json!([]));
        let v1 = me["version"].as_i64().unwrap();
        assert!(v1 > v0, "version bumps");
        let etag1 = r.header("etag").expect("ETag on PATCH");
        assert_eq!(etag1, format!("\"{v1}\""));

        // Persisted.
        let r = app.get("/v1/me", Some(&t)).await;
        let got = r.expect(200);
        assert_eq!(got["profession"], "PWP");
        assert_eq!(got["specialties"], me["specialties"]);
        assert_eq!(r.header("etag"), Some(etag1.clone()));

        // If-Match with the current ETag.
        let r = app
            .send(app.req(Method::PATCH, "/v1/me", Some(&t)).header("If-Match", &etag1).json(&json!({"organisation": "MPFT"})))
            .await;
        let me2 = r.expect(200);
        assert_eq!(me2["organisation"], "MPFT");
        let etag2 = r.header("etag").unwrap();
        assert_ne!(etag2, etag1, "ETag changes with the profile");
        assert_eq!(etag2, format!("\"{}\"", me2["version"]));

        // A stale If-Match changes nothing.
        let r = app
            .send(app.req(Method::PATCH, "/v1/me", Some(&t)).header("If-Match", &etag1).json(&json!({"organisation": "Other Trust"})))
            .await;
        r.problem(412, "stale-version");
        let r = app.get("/v1/me", Some(&t)).await;
        let now_me = r.expect(200);
        assert_eq!(now_me["organisation"], "MPFT");
        assert_eq!(r.header("etag"), Some(etag2.clone()));

        // `null` clears; absent fields stay.
        let me3 = app.patch("/v1/me", Some(&t), json!({"job_title": null})).await.expect(200);
        assert_eq!(me3["job_title"], Value::Null);
        assert_eq!(me3["organisation"], "MPFT");
        assert_eq!(me3["profession"], "PWP");
    }
}

dual! {
    async fn patch_me_validation(app) {
        let (_admin, net_id) = setup(app, "ppn-profile-validation").await;
        let t = app.member(&net_id, "sam@nhs.net").await;
        let before = app.get("/v1/me", Some(&t)).await.expect(200);

        // Unknown codes answer 422 naming the allowed ones; codes are exact.
        let r = app.patch("/v1/me", Some(&t), json!({"profession": "wizard"})).await;
        assert_allowed_values(&r, "profession", &["PWP", "CLINICAL_PSYCHOLOGIST", "OTHER"]);
        let r = app.patch("/v1/me", Some(&t), json!({"profession": "pwp"})).await;
        assert_invalid(&r, "profession");
        let r = app.patch("/v1/me", Some(&t), json!({"level": "guru"})).await;
        assert_allowed_values(&r, "level", &["trainee", "qualified", "senior", "lead"]);
        let r = app.patch("/v1/me", Some(&t), json!({"email": "other@nhs.net"})).await;
        assert_violation(&r, "email", "unknown_field");
        let r = app.patch("/v1/me", Some(&t), json!({"registers": "BABCP"})).await;
        assert_violation(&r, "registers", "invalid_type");
        let r = app.patch("/v1/me", Some(&t), json!({"sensitive": {"shoe_size": "9"}})).await;
        let p = r.problem(422, "validation-failed");
        assert!(
            p["errors"].as_array().unwrap().iter().any(|e| e["field"].as_str().is_some_and(|f| f.starts_with("sensitive")) && e["message"].as_str().unwrap_or_default().contains("shoe_size")),
            "unknown sensitive field is named: {p}"
        );

        // A bad field in an otherwise good patch changes nothing.
        let r = app.patch("/v1/me", Some(&t), json!({"region": "London", "profession": "wizard"})).await;
        assert_invalid(&r, "profession");
        let after = app.get("/v1/me", Some(&t)).await.expect(200);
        assert_eq!(after["version"], before["version"]);
        assert_eq!(after["region"], Value::Null);
    }
}

dual! {
    async fn sensitive_attributes_only_visible_to_owner(app) {
        let (admin, net_id) = setup(app, "ppn-sensitive").await;
        let mgr = app.invited(&admin, &net_id, "mgr@example.org", "manager").await;
        let t = app.member(&net_id, "sam@nhs.net").await;

        let me = app
            .patch("/v1/me", Some(&t), json!({"sensitive": {"gender": "Zyxwoman", "age_band": "35-44", "religion_or_belief": "Quuxism"}}))
            .await
            .expect(200);
        assert_eq!(me["sensitive"]["gender"], "Zyxwoman");
        assert_eq!(me["sensitive"]["religion_or_belief"], "Quuxism");
        let me = app.get("/v1/me", Some(&t)).await.expect(200);
        assert_eq!(me["sensitive"]["gender"], "Zyxwoman");
        assert_eq!(me["sensitive"]["age_band"], "35-44");
        assert_eq!(me["sensitive"]["ethnicity"], Value::Null);

        // A manager looking the person up sees none of it.
        for r in [
            lookup(app, &mgr, "sam@nhs.net", &net_id).await,
            app.get(&format!("/v1/networks/{net_id}/members"), Some(&mgr)).await,
        ] {
            r.expect(200);
            assert!(r.text.contains("sam@nhs.net"), "{}", r.text);
            // As JSON strings: a bare "35-44" can occur inside a random UUID.
            for secret in ["Zyxwoman", "Quuxism", "sensitive", "35-44"] {
                let quoted = format!("\"{secret}\"");
                assert!(!r.text.contains(&quoted), "{secret} leaked: {}", r.text);
            }
        }

        // null clears them.
        let me = app.patch("/v1/me", Some(&t), json!({"sensitive": null})).await.expect(200);
        assert_eq!(me["sensitive"], Value::Null);
    }
}

// ------------------------------------------------------------ 8. API tokens

dual! {
    async fn api_token_lifecycle_and_scopes(app) {
        let (admin, net_id) = setup(app, "ppn-tokens").await;
        let mgr = app.invited(&admin, &net_id, "mgr@example.org", "manager").await;
        app.member(&net_id, "sam@nhs.net").await;

        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "HR sync", "scopes": ["users:read"], "current_password": PASSWORD})).await;
        let created = r.expect(201);
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("phk_"), "{secret}");
        assert_eq!(created["token"]["scopes"], json!(["users:read"]));
        assert_eq!(created["token"]["name"], "HR sync");
        assert_eq!(created["token"]["revoked_at"], Value::Null);
        assert!(created["token"]["expires_at"].is_string(), "a default expiry: {created}");
        let prefix = created["token"]["token_prefix"].as_str().unwrap();
        assert!(secret.starts_with(prefix) && prefix.len() < secret.len());
        let token_id = id_of(&created["token"]);
        assert_eq!(r.header("location"), Some(format!("/v1/api-tokens/{token_id}")));

        let r = app.get("/v1/api-tokens", Some(&mgr)).await;
        let list = r.expect(200);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        assert_eq!(items[0]["id"], token_id.as_str());
        assert_eq!(items[0]["scopes"], json!(["users:read"]));
        assert!(items[0].get("secret").is_none(), "listing shows no secret: {list}");
        assert!(!r.text.contains(&secret), "the secret never appears again");

        // The token works where its scope is accepted and its owner may act.
        let found = lookup(app, &secret, "sam@nhs.net", &net_id).await.expect(200);
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
        assert_eq!(found["items"][0]["email"], "sam@nhs.net");
        let list = app.get("/v1/api-tokens", Some(&mgr)).await.expect(200);
        assert!(list["items"][0]["last_used_at"].is_string(), "use is recorded: {list}");

        // …and nowhere else.
        app.get("/v1/me", Some(&secret)).await.problem(403, "insufficient-scope");
        app.patch("/v1/me", Some(&secret), json!({"region": "London"})).await.problem(403, "insufficient-scope");
        app.patch(&format!("/v1/networks/{net_id}"), Some(&secret), json!({"name": "Hijacked"}))
            .await
            .problem(403, "insufficient-scope");
        app.get("/v1/api-tokens", Some(&secret)).await.problem(403, "insufficient-scope");
        // A token cannot mint tokens (no escalation to other scopes).
        app.post("/v1/api-tokens", Some(&secret), json!({"name": "more", "scopes": ["reports:read"], "current_password": PASSWORD}))
            .await
            .problem(403, "insufficient-scope");
        app.delete(&format!("/v1/api-tokens/{token_id}"), Some(&secret)).await.problem(403, "insufficient-scope");

        // A token without users:read cannot look people up.
        let reports = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "reports", "scopes": ["reports:read"], "current_password": PASSWORD})).await.expect(201);
        let reports_secret = reports["secret"].as_str().unwrap().to_owned();
        lookup(app, &reports_secret, "sam@nhs.net", &net_id).await.problem(403, "insufficient-scope");

        // Someone else's token is "not found" and stays usable.
        let other = app.member(&net_id, "other@nhs.net").await;
        app.delete(&format!("/v1/api-tokens/{token_id}"), Some(&other)).await.problem(404, "not-found");
        lookup(app, &secret, "sam@nhs.net", &net_id).await.expect(200);
        let list = app.get("/v1/api-tokens", Some(&other)).await.expect(200);
        assert_eq!(list["items"], json!([]), "another person's listing is their own");

        // Revoke: 204, then the secret is dead; revoking again is idempotent.
        let r = app.delete(&format!("/v1/api-tokens/{token_id}"), Some(&mgr)).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        let r = lookup(app, &secret, "sam@nhs.net", &net_id).await;
        r.problem(401, "invalid-token");
        assert_bearer_challenge(&r);
        let r = app.delete(&format!("/v1/api-tokens/{token_id}"), Some(&mgr)).await;
        assert_eq!(r.status.as_u16(), 204, "revoking again: {}", r.text);
        let list = app.get("/v1/api-tokens", Some(&mgr)).await.expect(200);
        let revoked = list["items"].as_array().unwrap().iter().find(|t| t["id"] == token_id.as_str()).cloned().unwrap();
        assert!(revoked["revoked_at"].is_string(), "{revoked}");

        // Unknown ids and bad ids.
        app.delete(&format!("/v1/api-tokens/{}", uuid::Uuid::now_v7()), Some(&mgr)).await.problem(404, "not-found");
        let r = app.delete("/v1/api-tokens/not-a-uuid", Some(&mgr)).await;
        assert_eq!(r.status.as_u16(), 400, "{}", r.text);
        assert_eq!(r.json()["status"], 400);
    }
}

dual! {
    async fn api_token_never_exceeds_owner_role(app) {
        let (_admin, net_id) = setup(app, "ppn-token-role").await;
        let member = app.member(&net_id, "sam@nhs.net").await;
        app.member(&net_id, "other@nhs.net").await;
        let created = app
            .post("/v1/api-tokens", Some(&member), json!({"name": "mine", "scopes": ["users:read"], "current_password": PASSWORD}))
            .await
            .expect(201);
        let secret = created["secret"].as_str().unwrap();
        lookup(app, secret, "other@nhs.net", &net_id).await.problem(403, "forbidden");
    }
}

dual! {
    async fn api_token_validation(app) {
        let (admin, net_id) = setup(app, "ppn-token-validation").await;
        let mgr = app.invited(&admin, &net_id, "mgr@example.org", "manager").await;

        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": ["users:write"], "current_password": PASSWORD})).await;
        assert_allowed_values(&r, "scopes[0]", &["memberships:read", "reports:read", "users:read", "networks:read", "metrics:read"]);
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": ["users:read", "admin"], "current_password": PASSWORD})).await;
        assert_invalid(&r, "scopes[1]");
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": [], "current_password": PASSWORD})).await;
        assert_invalid(&r, "scopes");
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x"})).await;
        assert_violation(&r, "scopes", "required");
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "", "scopes": ["users:read"], "current_password": PASSWORD})).await;
        assert_invalid(&r, "name");

        let past = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": ["users:read"], "expires_at": past, "current_password": PASSWORD})).await;
        assert_violation(&r, "expires_at", "in_past");
        let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": ["users:read"], "expires_at": far, "current_password": PASSWORD})).await;
        assert_violation(&r, "expires_at", "too_far");
        let r = app.post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": ["users:read"], "expires_at": "tomorrow", "current_password": PASSWORD})).await;
        assert_invalid(&r, "expires_at");

        // Nothing was created by the refused requests.
        let list = app.get("/v1/api-tokens", Some(&mgr)).await.expect(200);
        assert_eq!(list["items"], json!([]));

        // Duplicate scopes collapse; an explicit expiry is kept.
        let soon = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
        let t = app
            .post("/v1/api-tokens", Some(&mgr), json!({"name": "x", "scopes": ["users:read", "users:read"], "expires_at": soon, "current_password": PASSWORD}))
            .await
            .expect(201);
        assert_eq!(t["token"]["scopes"], json!(["users:read"]));
        assert!(t["token"]["expires_at"].is_string());
    }
}

// ------------------------------------------------------ 9. GET /v1/users

dual! {
    async fn user_lookup_access_rules(app) {
        let (admin, net_id) = setup(app, "ppn-lookup").await;
        let mgr = app.invited(&admin, &net_id, "mgr@example.org", "manager").await;
        let member = app.member(&net_id, "sam@nhs.net").await;

        let found = lookup(app, &mgr, "SAM@NHS.net", &net_id).await.expect(200);
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{found}");
        assert_eq!(items[0]["email"], "sam@nhs.net");
        assert_eq!(items[0]["role"], "member");
        assert_eq!(items[0]["network_id"], net_id.as_str());
        assert_eq!(items[0]["user_id"], user_id_of(&member).as_str());

        let found = lookup(app, &mgr, "mgr@example.org", &net_id).await.expect(200);
        assert_eq!(found["items"][0]["role"], "manager");

        let none = lookup(app, &mgr, "nobody@nhs.net", &net_id).await.expect(200);
        assert_eq!(none["items"], json!([]));

        // The platform admin may look anyone up.
        let found = lookup(app, &admin, "sam@nhs.net", &net_id).await.expect(200);
        assert_eq!(found["items"].as_array().unwrap().len(), 1);

        // A plain member may not.
        lookup(app, &member, "sam@nhs.net", &net_id).await.problem(403, "forbidden");

        // A manager of another network cannot see this one at all…
        let net2 = id_of(&app.create_network(&admin, "ppn-lookup-two", &["nhs.net"]).await);
        let mgr2 = app.invited(&admin, &net2, "mgr2@example.org", "manager").await;
        lookup(app, &mgr2, "sam@nhs.net", &net_id).await.problem(404, "not-found");
        // …and finds only its own members in its own network.
        let none = lookup(app, &mgr2, "sam@nhs.net", &net2).await.expect(200);
        assert_eq!(none["items"], json!([]), "a person of another network is not found");

        // Unknown network.
        lookup(app, &mgr, "sam@nhs.net", &uuid::Uuid::now_v7().to_string()).await.problem(404, "not-found");

        // Bad parameters.
        let r = app.send(app.req(Method::GET, "/v1/users", Some(&mgr)).query(&[("network_id", net_id.as_str())])).await;
        assert_eq!(r.status.as_u16(), 400, "missing email: {}", r.text);
        assert_eq!(r.header("content-type").as_deref(), Some("application/problem+json"));
        let r = lookup(app, &mgr, "not-an-email", &net_id).await;
        assert_violation(&r, "email", "invalid_email");
        let r = lookup(app, &mgr, "sam@nhs.net", "not-a-uuid").await;
        assert_violation(&r, "network_id", "invalid_uuid");

        // Unauthenticated.
        let r = app.send(app.req(Method::GET, "/v1/users", None).query(&[("email", "sam@nhs.net"), ("network_id", net_id.as_str())])).await;
        r.problem(401, "authentication-required");
    }
}

// ------------------------------------------------------------------ 10. audit

dual! {
    async fn audit_trail_records_field_names_never_values(app) {
        let (_admin, net_id) = setup(app, "ppn-audit").await;
        let t = app.member(&net_id, "sam@nhs.net").await;
        let wrong_password = "Wrong-Password-Zebra-42";
        login_resp(app, "sam@nhs.net", wrong_password).await.problem(401, "invalid-credentials");
        app.patch(
            "/v1/me",
            Some(&t),
            json!({"job_title": "Quokka Wrangler", "region": "Xanadu", "specialties": ["Plumbus"], "sensitive": {"gender": "Zyxwoman"}}),
        )
        .await
        .expect(200);

        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.profile_updated'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.registered'").await, 1);

        let values = [PASSWORD, wrong_password, "Quokka", "Xanadu", "Plumbus", "Zyxwoman"];
        let rows = app.query("SELECT changed_fields FROM audit_events").await;
        assert!(!rows.is_empty());
        for row in &rows {
            let raw = row[0].as_str().expect("changed_fields is text");
            let fields: Vec<String> = serde_json::from_str(raw).unwrap_or_else(|e| panic!("changed_fields not a JSON list of names: {raw}: {e}"));
            for f in &fields {
                assert!(
                    f.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'),
                    "changed_fields holds something other than a field name: {raw}"
                );
            }
            for v in values {
                assert!(!raw.contains(v), "{v} in changed_fields {raw}");
            }
        }
        let updated = app.query("SELECT changed_fields FROM audit_events WHERE action = 'user.profile_updated'").await;
        let fields: Vec<String> = serde_json::from_str(updated[0][0].as_str().unwrap()).unwrap();
        let mut fields = fields;
        fields.sort();
        assert_eq!(fields, vec!["job_title", "region", "sensitive", "specialties"]);

        // No text column of any audit row carries a secret or a value.
        let rows = app
            .query("SELECT id, actor_id, network_id, action, entity_type, entity_id, changed_fields, request_id FROM audit_events")
            .await;
        for row in &rows {
            assert_eq!(row.len(), 8, "every column read: {row:?}");
            for cell in row {
                if let Some(s) = cell.as_str() {
                    for v in values {
                        assert!(!s.contains(v), "{v} in audit row {row:?}");
                    }
                }
            }
        }

        // Nor do the outbox messages or the stored password hash.
        for row in app.query("SELECT payload FROM outbox").await {
            let s = row[0].as_str().unwrap_or_default();
            assert!(!s.contains(PASSWORD) && !s.contains(wrong_password), "password in outbox: {s}");
        }
        let rows = app.query("SELECT password_hash FROM users WHERE email = 'sam@nhs.net'").await;
        let hash = rows[0][0].as_str().unwrap();
        assert!(!hash.contains(PASSWORD));
        assert!(hash.starts_with("$argon2"), "{hash}");
    }
}

// ------------------------------------------------- expiry and concurrency

async fn exec(app: &TestApp, sql: &str) {
    use peerhub_persistence::sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

dual! {
    async fn expired_verification_refresh_and_api_tokens_are_rejected(app) {
        let (admin, net_id) = setup(app, "ppn-expiry").await;
        register(app, "sam@nhs.net", &net_id).await.expect(202);
        let p = app.outbox_payload("sam@nhs.net", "account.verification_requested").await.unwrap();
        exec(app, "UPDATE email_verifications SET expires_at = created_at").await;
        let r = app.post("/v1/auth/verify", None, json!({"token": p["token"]})).await;
        assert_violation(&r, "token", "invalid_token");

        let pair = login_resp(app, ADMIN_EMAIL, PASSWORD).await.expect(200);
        exec(app, "UPDATE refresh_tokens SET expires_at = created_at").await;
        app.post("/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]}))
            .await
            .problem(401, "invalid-refresh-token");

        let t = app.post("/v1/api-tokens", Some(&admin), json!({"name": "x", "scopes": ["users:read"], "current_password": PASSWORD})).await.expect(201);
        let secret = t["secret"].as_str().unwrap().to_owned();
        lookup(app, &secret, ADMIN_EMAIL, &net_id).await.expect(200);
        exec(app, "UPDATE api_tokens SET expires_at = created_at").await;
        lookup(app, &secret, ADMIN_EMAIL, &net_id).await.problem(401, "invalid-token");
        // An unknown token with the API-token prefix.
        lookup(app, "phk_not-a-real-token", ADMIN_EMAIL, &net_id).await.problem(401, "invalid-token");
    }
}

dual! {
    async fn concurrent_refresh_with_one_token_yields_one_successor_then_revokes(app) {
        let (_admin, net_id) = setup(app, "ppn-refresh-race").await;
        app.member(&net_id, "sam@nhs.net").await;
        // Several sessions, each refresh token presented 6 times at once.
        let mut tokens = Vec::new();
        for _ in 0..4 {
            let pair = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200);
            tokens.push(pair["refresh_token"].as_str().unwrap().to_owned());
        }
        let attempts = tokens.iter().flat_map(|rt| (0..6).map(move |_| rt.clone())).map(|rt| async move {
            let r = app.post("/v1/auth/refresh", None, json!({"refresh_token": rt})).await;
            (rt, r)
        });
        let results = futures_util::future::join_all(attempts).await;
        for (_, r) in &results {
            assert!(matches!(r.status.as_u16(), 200 | 401), "unexpected answer {}: {}", r.status, r.text);
        }
        for rt in &tokens {
            let ok: Vec<String> = results
                .iter()
                .filter(|(t, r)| t == rt && r.status.as_u16() == 200)
                .map(|(_, r)| r.json()["refresh_token"].as_str().unwrap().to_owned())
                .collect();
            // The first exchange always succeeds; the grace window may hand
            // the same successor to one more; never two different ones.
            assert!((1..=2).contains(&ok.len()), "{rt}: {} successes", ok.len());
            assert!(ok.iter().all(|t| t == &ok[0]), "two different successors: {ok:?}");
            // Six presentations are reuse: the family is revoked, successor included.
            app.post("/v1/auth/refresh", None, json!({"refresh_token": ok[0]})).await.problem(401, "invalid-refresh-token");
        }
    }
}

dual! {
    async fn two_tabs_refreshing_at_once_share_one_successor_and_stay_logged_in(app) {
        let (_admin, net_id) = setup(app, "ppn-refresh-tabs").await;
        app.member(&net_id, "sam@nhs.net").await;
        let rt = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200)["refresh_token"].as_str().unwrap().to_owned();
        let refresh = |t: String| async move { app.post("/v1/auth/refresh", None, json!({"refresh_token": t})).await };
        let (a, b) = futures_util::join!(refresh(rt.clone()), refresh(rt.clone()));
        let (a, b) = (a.expect(200), b.expect(200));
        assert_eq!(a["refresh_token"], b["refresh_token"], "both tabs get the same successor");
        assert_ne!(a["access_token"], Value::Null);
        // the grace answer is given once: a third use is reuse and revokes the family
        let successor = a["refresh_token"].as_str().unwrap().to_owned();
        refresh(rt.clone()).await.problem(401, "invalid-refresh-token");
        refresh(successor).await.problem(401, "invalid-refresh-token");
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'session.reuse_detected'").await, 1);

        // Once the successor has itself been used, the rotated token has no grace.
        let rt = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200)["refresh_token"].as_str().unwrap().to_owned();
        let next = refresh(rt.clone()).await.expect(200)["refresh_token"].as_str().unwrap().to_owned();
        let after = refresh(next).await.expect(200)["refresh_token"].as_str().unwrap().to_owned();
        refresh(rt).await.problem(401, "invalid-refresh-token");
        refresh(after).await.problem(401, "invalid-refresh-token");
    }
}

dual! {
    async fn a_rotated_token_after_the_grace_window_revokes_the_family(app) {
        let (_admin, net_id) = setup(app, "ppn-refresh-late").await;
        app.member(&net_id, "sam@nhs.net").await;
        let rt = login_resp(app, "sam@nhs.net", PASSWORD).await.expect(200)["refresh_token"].as_str().unwrap().to_owned();
        let next = app.post("/v1/auth/refresh", None, json!({"refresh_token": rt})).await.expect(200)["refresh_token"].as_str().unwrap().to_owned();
        // 11 s later (the default window is 10 s)
        exec(app, &format!("UPDATE refresh_tokens SET rotated_at = '{}' WHERE rotated_at IS NOT NULL", (chrono::Utc::now() - chrono::Duration::seconds(11)).to_rfc3339())).await;
        app.post("/v1/auth/refresh", None, json!({"refresh_token": rt})).await.problem(401, "invalid-refresh-token");
        app.post("/v1/auth/refresh", None, json!({"refresh_token": next})).await.problem(401, "invalid-refresh-token");
    }
}

dual! {
    async fn concurrent_failed_logins_all_count_towards_lockout(app) {
        let (_admin, net_id) = setup(app, "ppn-login-race").await;
        let people = ["sam1@nhs.net", "sam2@nhs.net", "sam3@nhs.net", "sam4@nhs.net", "sam5@nhs.net"];
        for p in people {
            app.member(&net_id, p).await;
        }
        // Five wrong guesses at each address, all at once.
        let attempts = people.iter().flat_map(|p| (0..5).map(move |i| (*p, i))).map(|(p, i)| {
            let guess = format!("wrong password number {i}");
            async move { login_resp(app, p, &guess).await }
        });
        let results = futures_util::future::join_all(attempts).await;
        let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
        for r in &results {
            assert!(matches!(r.status.as_u16(), 401 | 429), "unexpected answer {}: {}", r.status, r.text);
        }
        // Five failures lock an address however fast they come.
        for p in people {
            let r = login_resp(app, p, PASSWORD).await;
            assert_eq!(r.status.as_u16(), 429, "5 parallel failures for {p} ({statuses:?}) did not lock it: {}", r.text);
        }
    }
}

dual! {
    async fn idempotent_replays_do_not_store_bearer_secrets_in_plaintext(app) {
        let (_admin, net_id) = setup(app, "ppn-idem-secrets").await;
        let member = app.member(&net_id, "sam@nhs.net").await;

        let r = app
            .send(
                app.req(Method::POST, "/v1/auth/login", None)
                    .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
                    .json(&json!({"email": "sam@nhs.net", "password": PASSWORD})),
            )
            .await;
        let pair = r.expect(200);
        let refresh = pair["refresh_token"].as_str().unwrap().to_owned();

        let r = app
            .send(
                app.req(Method::POST, "/v1/api-tokens", Some(&member))
                    .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
                    .json(&json!({"name": "script", "scopes": ["users:read"], "current_password": PASSWORD})),
            )
            .await;
        let created = r.expect(201);
        let secret = created["secret"].as_str().unwrap().to_owned();

        // Refresh tokens and API secrets are stored only as hashes; the
        // idempotency store must not keep a usable copy either.
        let bodies: Vec<String> = app
            .query("SELECT response_body FROM idempotency_keys")
            .await
            .into_iter()
            .filter_map(|row| row.first().and_then(|c| c.as_str()).map(str::to_owned))
            .collect();
        let leaked_refresh = bodies.iter().any(|b| b.contains(&refresh));
        let leaked_secret = bodies.iter().any(|b| b.contains(&secret));
        assert!(
            !leaked_refresh && !leaked_secret,
            "live bearer secrets stored in plaintext in idempotency_keys.response_body: refresh token {leaked_refresh}, API token secret {leaked_secret}"
        );
    }
}

dual! {
    async fn scopeless_token_cannot_probe_other_networks(app) {
        let admin = app.admin_token().await;
        let a = app.create_network(&admin, "probe-a", &["nhs.net"]).await;
        let b = app.create_network(&admin, "probe-b", &["nhs.uk"]).await;
        let manager = app.invited(&admin, a["id"].as_str().unwrap(), "probe@example.org", "manager").await;
        let t = app.post("/v1/api-tokens", Some(&manager), json!({"name": "t", "scopes": ["reports:read"], "current_password": PASSWORD})).await.expect(201);
        let secret = t["secret"].as_str().unwrap();
        // own network: visible, but the token lacks the scope
        app.get(&format!("/v1/networks/{}/members", a["id"].as_str().unwrap()), Some(secret)).await.problem(403, "insufficient-scope");
        // another network and a network that does not exist answer the same
        let other = app.get(&format!("/v1/networks/{}/members", b["id"].as_str().unwrap()), Some(secret)).await;
        let missing = app.get("/v1/networks/0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e/members", Some(secret)).await;
        other.problem(404, "not-found");
        missing.problem(404, "not-found");
    }
}

dual! {
    async fn patch_me_team_and_line_manager(app) {
        let (_admin, net_id) = setup(app, "ppn-profile-team").await;
        let t = app.member(&net_id, "sam@nhs.net").await;
        let boss = app.member(&net_id, "boss@nhs.net").await;
        let boss_id = user_id_of(&boss);
        let me_id = user_id_of(&t);

        let me = app.patch("/v1/me", Some(&t), json!({"team": "  Talking Therapies North ", "line_manager_id": boss_id.to_uppercase()})).await.expect(200);
        assert_eq!(me["team"], "Talking Therapies North");
        assert_eq!(me["line_manager_id"], boss_id.as_str());
        let v = me["version"].as_i64().unwrap();

        for (body, field, code) in [
            (json!({"line_manager_id": "not-a-uuid"}), "line_manager_id", "invalid_uuid"),
            (json!({"line_manager_id": me_id}), "line_manager_id", "self"),
            (json!({"line_manager_id": uuid::Uuid::now_v7().to_string()}), "line_manager_id", "unknown_user"),
            (json!({"team": "x".repeat(201)}), "team", "too_long"),
            (json!({"team": ""}), "team", "required"),
        ] {
            let p = app.patch("/v1/me", Some(&t), body.clone()).await.problem(422, "validation-failed");
            assert_eq!(p["errors"][0]["field"], field, "{body}");
            assert_eq!(p["errors"][0]["code"], code, "{body}");
        }
        let after = app.get("/v1/me", Some(&t)).await.expect(200);
        assert_eq!(after["version"].as_i64(), Some(v), "refused changes write nothing");
        assert_eq!(after["line_manager_id"], boss_id.as_str());

        let me = app.patch("/v1/me", Some(&t), json!({"team": null, "line_manager_id": null})).await.expect(200);
        assert_eq!(me["team"], Value::Null);
        assert_eq!(me["line_manager_id"], Value::Null);
    }
}

dual! {
    async fn taxonomy_lists_the_closed_sets(app) {
        let r = app.get("/v1/taxonomy", None).await;
        let t = r.expect(200);
        assert_eq!(r.header("cache-control").as_deref(), Some("public, max-age=3600"));
        let professions = t["professions"].as_array().unwrap();
        assert_eq!(professions[0], json!({"code": "PWP", "label": "Psychological Wellbeing Practitioner"}));
        assert!(professions.iter().any(|p| p["code"] == "OTHER"));
        let levels: Vec<&str> = t["levels"].as_array().unwrap().iter().filter_map(|l| l["code"].as_str()).collect();
        assert_eq!(levels, ["trainee", "qualified", "senior", "lead"]);
        assert_eq!(
            t["api_token_scopes"],
            json!(["memberships:read", "reports:read", "users:read", "networks:read", "metrics:read"])
        );
    }
}

dual! {
    async fn stored_codes_that_do_not_decode_are_errors_not_defaults(app) {
        let (_admin, net_id) = setup(app, "ppn-stored-codes").await;
        let t = app.member(&net_id, "sam@nhs.net").await;
        let me = app.patch("/v1/me", Some(&t), json!({"profession": "CAP", "level": "lead"})).await.expect(200);
        assert_eq!(me["profession"], "CAP");
        assert_eq!(me["level"], "lead");
        assert_eq!(me["status"], "active");
        assert_eq!(me["networks"][0]["role"], "member");

        // A level the code does not know is a server error, never a guess.
        let uid = user_id_of(&t);
        exec(app, &format!("UPDATE users SET level = 'guru' WHERE id = '{uid}'")).await;
        app.get("/v1/me", Some(&t)).await.expect(500);
        exec(app, &format!("UPDATE users SET level = 'lead' WHERE id = '{uid}'")).await;
        app.get("/v1/me", Some(&t)).await.expect(200);
        exec(app, &format!("UPDATE network_members SET role = 'owner' WHERE user_id = '{uid}'")).await;
        app.get("/v1/me", Some(&t)).await.expect(500);
    }
}
