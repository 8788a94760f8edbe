//! Account control by platform admins and network managers.
#[allow(unused_imports)]
use peerhub_tests::*;

use peerhub_domain::account::NetworkRole;
use peerhub_persistence::Ctx;
use peerhub_persistence::sea_orm::ConnectionTrait;
use peerhub_tests::matching_world::{MatchWorld, match_world, match_world_proposed};
use peerhub_tests::world::{Person, add_member};
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

/// Logs in and returns (access token, refresh token).
async fn session(app: &TestApp, email: &str) -> (String, String) {
    let v = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": PASSWORD}),
        )
        .await
        .expect(200);
    (s(&v, "access_token"), s(&v, "refresh_token"))
}

async fn login_resp(app: &TestApp, email: &str) -> Resp {
    app.post(
        "/v1/auth/login",
        None,
        json!({"email": email, "password": PASSWORD}),
    )
    .await
}

async fn disable(app: &TestApp, token: &str, user_id: &str) -> Resp {
    app.post(
        &format!("/v1/users/{user_id}/disable"),
        Some(token),
        json!({"reason": "Left the trust"}),
    )
    .await
}

async fn enable(app: &TestApp, token: &str, user_id: &str) -> Resp {
    // No body at all: it is optional.
    app.send(app.req(
        Method::POST,
        &format!("/v1/users/{user_id}/enable"),
        Some(token),
    ))
    .await
}

async fn remove(app: &TestApp, token: &str, network_id: &str, user_id: &str) -> Resp {
    app.delete(
        &format!("/v1/networks/{network_id}/members/{user_id}"),
        Some(token),
    )
    .await
}

async fn api_token(app: &TestApp, owner: &str, scope: &str) -> String {
    let v = app
        .post(
            "/v1/api-tokens",
            Some(owner),
            json!({"name": "integration", "scopes": [scope], "current_password": PASSWORD}),
        )
        .await
        .expect(201);
    s(&v, "secret")
}

async fn audits(app: &TestApp, action: &str, entity_id: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND entity_id = '{entity_id}'"
    ))
    .await
}

async fn emails(app: &TestApp, to: &str, topic: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'email' AND recipient = '{to}' AND topic = '{topic}'"
    ))
    .await
}

async fn email_of(app: &TestApp, user_id: &str) -> String {
    let rows = app
        .query(&format!("SELECT email FROM users WHERE id = '{user_id}'"))
        .await;
    rows.first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A network with a manager and a member; returns (admin, network id,
/// manager, member, member's email).
async fn small_network(app: &TestApp, slug: &str) -> (String, String, Person, Person, String) {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let network_id = s(&net, "id");
    let mt = app
        .invited(
            &admin,
            &network_id,
            &format!("manager@{slug}.example.org"),
            "manager",
        )
        .await;
    let manager = Person {
        id: user_id_of(&mt),
        token: mt,
    };
    let email = format!("member.{slug}@nhs.net");
    let t = app.member(&network_id, &email).await;
    let member = Person {
        id: user_id_of(&t),
        token: t,
    };
    (admin, network_id, manager, member, email)
}

// ------------------------------------------------------ disable / enable

dual! {
    async fn admin_disables_and_re_enables_an_account(app) {
        let (admin, network_id, _manager, member, email) = small_network(app, "ac-disable").await;
        let (access, refresh) = session(app, &email).await;
        let token = api_token(app, &access, "networks:read").await;
        app.get(&format!("/v1/networks/{network_id}"), Some(&token)).await.expect(200);

        let r = disable(app, &admin, &member.id).await;
        let v = r.expect(200);
        assert_eq!(v["status"], "disabled");
        assert_eq!(v["id"], member.id.as_str());
        assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));

        // Everything the person holds stops working at once.
        app.get("/v1/me", Some(&access)).await.problem(401, "invalid-token");
        app.get("/v1/me", Some(&member.token)).await.problem(401, "invalid-token");
        app.get(&format!("/v1/networks/{network_id}"), Some(&token))
            .await
            .problem(401, "invalid-token");
        app.post("/v1/auth/refresh", None, json!({"refresh_token": refresh}))
            .await
            .problem(401, "invalid-refresh-token");
        login_resp(app, &email).await.problem(403, "account-disabled");
        let live = app
            .count(&format!(
                "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = '{}' AND revoked_at IS NULL",
                member.id
            ))
            .await;
        assert_eq!(live, 0, "every refresh token is revoked");

        // Audited (by the admin) and the person is told.
        assert_eq!(audits(app, "user.disabled", &member.id).await, 1);
        let actor = app
            .query(&format!(
                "SELECT actor_id FROM audit_events WHERE action = 'user.disabled' AND entity_id = '{}'",
                member.id
            ))
            .await;
        assert_eq!(actor[0][0], user_id_of(&admin).as_str());
        let notice = app
            .outbox_payload(&email, "account.disabled")
            .await
            .expect("disable notice");
        assert!(notice["body"].as_str().unwrap_or_default().contains("Left the trust"));

        // Disabling again changes nothing: no second audit entry or email.
        let again = disable(app, &admin, &member.id).await.expect(200);
        assert_eq!(again["version"], v["version"]);
        assert_eq!(audits(app, "user.disabled", &member.id).await, 1);
        assert_eq!(emails(app, &email, "account.disabled").await, 1);

        // Re-enabled: login works again; the old refresh token stays dead;
        // the API token works again.
        let r = enable(app, &admin, &member.id).await;
        let e = r.expect(200);
        assert_eq!(e["status"], "active");
        assert_eq!(e["version"].as_i64(), v["version"].as_i64().map(|x| x + 1));
        let (fresh, _) = session(app, &email).await;
        app.get("/v1/me", Some(&fresh)).await.expect(200);
        app.post("/v1/auth/refresh", None, json!({"refresh_token": refresh}))
            .await
            .problem(401, "invalid-refresh-token");
        app.get(&format!("/v1/networks/{network_id}"), Some(&token)).await.expect(200);
        assert_eq!(audits(app, "user.enabled", &member.id).await, 1);
        assert_eq!(emails(app, &email, "account.enabled").await, 1);

        // Enabling an active account changes nothing.
        enable(app, &admin, &member.id).await.expect(200);
        assert_eq!(audits(app, "user.enabled", &member.id).await, 1);
    }
}

dual! {
    async fn only_platform_admins_control_accounts(app) {
        let (admin, _network_id, manager, member, _email) = small_network(app, "ac-who").await;
        disable(app, &manager.token, &member.id).await.problem(403, "forbidden");
        disable(app, &member.token, &manager.id).await.problem(403, "forbidden");
        enable(app, &member.token, &member.id).await.problem(403, "forbidden");
        // A platform admin's API token is not enough: people only.
        let token = api_token(app, &admin, "networks:read").await;
        disable(app, &token, &member.id).await.problem(403, "insufficient-scope");
        // Unknown and malformed ids.
        let nobody = uuid::Uuid::now_v7().to_string();
        disable(app, &admin, &nobody).await.problem(404, "not-found");
        disable(app, &admin, "not-a-uuid").await.problem(400, "invalid-parameter");
        // Nothing changed.
        app.get("/v1/me", Some(&member.token)).await.expect(200);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.disabled'").await,
            0
        );
    }
}

dual! {
    async fn an_admin_cannot_disable_themselves(app) {
        let admin = app.admin_token().await;
        let me = user_id_of(&admin);
        disable(app, &admin, &me).await.problem(409, "cannot-disable-self");
        app.get("/v1/me", Some(&admin)).await.expect(200);
        // Another admin may.
        peerhub_persistence::accounts::create_admin(&app.db, "second.admin@peerhub.test", PASSWORD, "Second")
            .await
            .expect("second admin");
        let second = app.login("second.admin@peerhub.test", PASSWORD).await;
        disable(app, &second, &me).await.expect(200);
        app.get("/v1/me", Some(&admin)).await.problem(401, "invalid-token");
    }
}

dual! {
    async fn only_active_and_disabled_accounts_change(app) {
        let (admin, network_id, _manager, member, _email) = small_network(app, "ac-states").await;
        // Registered but not verified.
        app.post(
            "/v1/auth/register",
            None,
            json!({"email": "pending.ac@nhs.net", "password": PASSWORD, "display_name": "Pending", "network_id": network_id}),
        )
        .await
        .expect(202);
        let rows = app.query("SELECT id FROM users WHERE email = 'pending.ac@nhs.net'").await;
        let pending = rows[0][0].as_str().unwrap_or_default().to_owned();
        disable(app, &admin, &pending).await.problem(409, "account-not-verified");
        enable(app, &admin, &pending).await.problem(409, "account-not-verified");
        // Erased at the person's request.
        app.erase_me(&member.token, PASSWORD).await.expect(204);
        disable(app, &admin, &member.id).await.problem(409, "account-erased");
        enable(app, &admin, &member.id).await.problem(409, "account-erased");
    }
}

dual! {
    async fn disable_honours_if_match_and_checks_the_reason(app) {
        let (admin, _network_id, _manager, member, _email) = small_network(app, "ac-ifmatch").await;
        let stale = app
            .send(
                app.req(Method::POST, &format!("/v1/users/{}/disable", member.id), Some(&admin))
                    .header("If-Match", "\"99\""),
            )
            .await;
        stale.problem(412, "stale-version");
        let long = app
            .post(
                &format!("/v1/users/{}/disable", member.id),
                Some(&admin),
                json!({"reason": "x".repeat(1001)}),
            )
            .await;
        assert_violation(&long, "reason", "too_long");
        app.get("/v1/me", Some(&member.token)).await.expect(200);
        let version = app.get("/v1/me", Some(&member.token)).await.expect(200)["version"].clone();
        let ok = app
            .send(
                app.req(Method::POST, &format!("/v1/users/{}/disable", member.id), Some(&admin))
                    .header("If-Match", format!("\"{version}\"")),
            )
            .await;
        assert_eq!(ok.expect(200)["status"], "disabled");
    }
}

// ------------------------------------------------------ network removal

/// The match world plus: a community the peer is in (capacity 1, with the
/// world's other member on its wait-list) and another one the peer has
/// applied to.
struct RemovalWorld {
    w: MatchWorld,
    full_community: String,
    waiting_application: String,
    peer_application: String,
}

async fn removal_world(app: &TestApp, w: MatchWorld) -> RemovalWorld {
    let full = app
        .community(&w.manager.token, &w.network_id, "closed", 1, json!({}))
        .await;
    let full_community = s(&full, "id");
    add_member(
        app,
        &full_community,
        &w.peer.id,
        peerhub_domain::community::CommunityRole::Chair,
        30,
    )
    .await;
    let a = app
        .post(
            &format!("/v1/communities/{full_community}/applications"),
            Some(&w.member.token),
            json!({}),
        )
        .await
        .expect(201);
    let waiting_application = s(&a, "id");
    let d = app
        .post(
            &format!("/v1/applications/{waiting_application}/decision"),
            Some(&w.manager.token),
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    assert_eq!(d["outcome"], "waitlisted_full");
    let other = app
        .community(&w.manager.token, &w.network_id, "closed", 10, json!({}))
        .await;
    let a = app
        .post(
            &format!("/v1/communities/{}/applications", s(&other, "id")),
            Some(&w.peer.token),
            json!({"statement": "I would like to join."}),
        )
        .await
        .expect(201);
    assert_eq!(a["status"], "pending");
    RemovalWorld {
        full_community,
        waiting_application,
        peer_application: s(&a, "id"),
        w,
    }
}

dual! {
    async fn a_manager_removes_a_member_and_everything_ends(app) {
        let rw = removal_world(app, match_world(app, "ac-remove").await).await;
        let w = &rw.w;
        let peer_email = email_of(app, &w.peer.id).await;
        let supporter_email = email_of(app, &w.supporter.id).await;
        let waiting_email = email_of(app, &w.member.id).await;
        assert_eq!(
            app.get(&w.match_path(""), Some(&w.manager.token)).await.expect(200)["status"],
            "active"
        );

        remove(app, &w.manager.token, &w.network_id, &w.peer.id).await.expect(204);

        // Out of the network: it is hidden from them now, and off the list.
        app.get(&format!("/v1/networks/{}", w.network_id), Some(&w.peer.token))
            .await
            .problem(404, "not-found");
        let people = app
            .get(&format!("/v1/networks/{}/members", w.network_id), Some(&w.manager.token))
            .await
            .expect(200);
        assert!(
            people["items"].as_array().unwrap().iter().all(|p| p["user_id"] != w.peer.id.as_str()),
            "still listed: {people}"
        );
        // Their account itself is untouched.
        app.get("/v1/me", Some(&w.peer.token)).await.expect(200);

        // Community membership: removed (not left), with the place offered
        // to the wait-list.
        let roster = app
            .get(
                &format!("/v1/communities/{}/members?include_departed=true", rw.full_community),
                Some(&w.manager.token),
            )
            .await
            .expect(200);
        let entry = roster["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["user_id"] == w.peer.id.as_str())
            .cloned()
            .expect("departed entry");
        assert_eq!(entry["status"], "removed");
        assert!(entry["ended_at"].is_string());
        let offered = app
            .get(&format!("/v1/applications/{}", rw.waiting_application), Some(&w.manager.token))
            .await
            .expect(200);
        assert_eq!(offered["status"], "offered");
        assert_eq!(emails(app, &waiting_email, "application.offered").await, 1);

        // Open application withdrawn.
        let a = app
            .get(&format!("/v1/applications/{}", rw.peer_application), Some(&w.manager.token))
            .await
            .expect(200);
        assert_eq!(a["status"], "withdrawn");

        // Open match ended; the supporter's place is free and their
        // request closed with it; the peer's request is closed too.
        let m = app.get(&w.match_path(""), Some(&w.manager.token)).await.expect(200);
        assert_eq!(m["status"], "ended");
        let req_status = app
            .query(&format!("SELECT status FROM match_requests WHERE id = '{}'", w.peer_request_id))
            .await;
        assert_eq!(req_status[0][0], "closed");

        // Audit entries for every change.
        let peer_membership = app
            .query(&format!(
                "SELECT id FROM community_members WHERE user_id = '{}' AND community_id = '{}'",
                w.peer.id, rw.full_community
            ))
            .await;
        let membership_id = peer_membership[0][0].as_str().unwrap_or_default().to_owned();
        assert_eq!(audits(app, "membership.removed", &membership_id).await, 1);
        assert_eq!(audits(app, "application.withdrawn", &rw.peer_application).await, 1);
        assert_eq!(audits(app, "match.ended", &w.match_id).await, 1);
        assert_eq!(audits(app, "application.offered", &rw.waiting_application).await, 1);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'network.member_removed' AND network_id = '{}' AND actor_id = '{}'",
                w.network_id, w.manager.id
            ))
            .await,
            1
        );
        // Events say how.
        let how = app
            .count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'event' AND topic = 'match.ended' AND aggregate_id = '{}' AND payload LIKE '%removed_from_network%'",
                w.match_id
            ))
            .await;
        assert_eq!(how, 1);

        // Notices: the person removed, and the other person of the match.
        let notice = app
            .outbox_payload(&peer_email, "network.member_removed")
            .await
            .expect("removal notice");
        assert!(notice["subject"].as_str().unwrap_or_default().contains("removed"));
        assert_eq!(notice["communities"].as_array().map(Vec::len), Some(1));
        let other = app
            .outbox_payload(&supporter_email, "match.closed")
            .await
            .expect("match notice");
        assert!(other["body"].as_str().unwrap_or_default().contains("has ended"));

        // Removing them again: they are not in the network.
        remove(app, &w.manager.token, &w.network_id, &w.peer.id).await.problem(404, "not-found");
    }
}

dual! {
    async fn removing_a_supporter_declines_a_pending_proposal(app) {
        let w = match_world_proposed(app, "ac-proposed").await;
        let peer_email = email_of(app, &w.peer.id).await;
        remove(app, &w.manager.token, &w.network_id, &w.supporter.id).await.expect(204);
        let m = app.get(&w.match_path(""), Some(&w.manager.token)).await.expect(200);
        assert_eq!(m["status"], "declined");
        // The peer's request waits for the next match; they are told.
        let req_status = app
            .query(&format!("SELECT status FROM match_requests WHERE id = '{}'", w.peer_request_id))
            .await;
        assert_eq!(req_status[0][0], "waiting");
        let n = app.outbox_payload(&peer_email, "match.closed").await.expect("notice");
        assert!(n["body"].as_str().unwrap_or_default().contains("waiting"));
        // Their supporter place is paused.
        let st = app
            .query(&format!("SELECT status FROM programme_supporters WHERE id = '{}'", w.supporter_id))
            .await;
        assert_eq!(st[0][0], "paused");
        assert_eq!(audits(app, "match.declined", &w.match_id).await, 1);
        assert_eq!(audits(app, "programme_supporter.updated", &w.supporter_id).await, 1);
    }
}

dual! {
    async fn who_may_remove_whom(app) {
        let w = match_world(app, "ac-rules").await;
        let path = |u: &str| format!("/v1/networks/{}/members/{u}", w.network_id);

        // Members may not; API tokens may not; other networks see nothing.
        remove(app, &w.member.token, &w.network_id, &w.peer.id).await.problem(403, "forbidden");
        let token = api_token(app, &w.manager.token, "users:read").await;
        remove(app, &token, &w.network_id, &w.peer.id).await.problem(403, "insufficient-scope");
        let other = app.create_network(&w.admin, "ac-rules-elsewhere", &["elsewhere.example.org"]).await;
        let elsewhere = app
            .invited(&w.admin, &s(&other, "id"), "manager@ac-rules-elsewhere.example.org", "manager")
            .await;
        remove(app, &elsewhere, &w.network_id, &w.peer.id).await.problem(404, "not-found");
        // Someone who is not in the network: 404.
        remove(app, &w.manager.token, &w.network_id, &w.stranger.id).await.problem(404, "not-found");
        remove(app, &w.manager.token, &w.network_id, &uuid::Uuid::now_v7().to_string())
            .await
            .problem(404, "not-found");

        // Not oneself.
        remove(app, &w.manager.token, &w.network_id, &w.manager.id)
            .await
            .problem(409, "cannot-remove-self");

        // A manager may remove another manager, but never the last one.
        remove(app, &w.manager.token, &w.network_id, &w.lead.id).await.expect(204);
        remove(app, &w.admin, &w.network_id, &w.manager.id).await.problem(409, "last-manager");

        // A platform admin in the network: only a platform admin removes them.
        let admin_id = user_id_of(&w.admin);
        peerhub_persistence::networks::ensure_member(&app.db, &Ctx::system(), &w.network_id, &admin_id, NetworkRole::Member)
            .await
            .expect("admin joins");
        remove(app, &w.manager.token, &w.network_id, &admin_id)
            .await
            .problem(403, "platform-admin-only");
        remove(app, &w.admin, &w.network_id, &admin_id).await.problem(409, "cannot-remove-self");
        peerhub_persistence::accounts::create_admin(&app.db, "other.admin@peerhub.test", PASSWORD, "Other")
            .await
            .expect("second admin");
        let second = app.login("other.admin@peerhub.test", PASSWORD).await;
        remove(app, &second, &w.network_id, &admin_id).await.expect(204);

        // If-Match with the membership version.
        let people = app
            .get(&format!("/v1/networks/{}/members", w.network_id), Some(&w.manager.token))
            .await
            .expect(200);
        let version = people["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user_id"] == w.member.id.as_str())
            .map(|p| p["version"].clone())
            .expect("member listed");
        let stale = app
            .send(app.req(Method::DELETE, &path(&w.member.id), Some(&w.manager.token)).header("If-Match", "\"42\""))
            .await;
        stale.problem(412, "stale-version");
        let long = app
            .delete(&format!("{}?reason={}", path(&w.member.id), "x".repeat(1001)), Some(&w.manager.token))
            .await;
        assert_violation(&long, "reason", "too_long");
        let ok = app
            .send(
                app.req(Method::DELETE, &format!("{}?reason=Left%20the%20trust", path(&w.member.id)), Some(&w.manager.token))
                    .header("If-Match", format!("\"{version}\"")),
            )
            .await;
        ok.expect(204);
        let email = email_of(app, &w.member.id).await;
        let n = app.outbox_payload(&email, "network.member_removed").await.expect("notice");
        assert!(n["body"].as_str().unwrap_or_default().contains("Left the trust"));
    }
}

/// Makes the database refuse the audit entry of an ended match, so a
/// removal fails half-way through (after the membership, community and
/// application changes were written in its transaction).
async fn break_match_endings(app: &TestApp) {
    let sql: &[&str] = match app.backend {
        Backend::Sqlite => &[
            "CREATE TRIGGER provoke_failure BEFORE INSERT ON audit_events \
             WHEN NEW.action = 'match.ended' BEGIN SELECT RAISE(ABORT, 'provoked'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION provoke_failure() RETURNS trigger AS $$ BEGIN \
             IF NEW.action = 'match.ended' THEN RAISE EXCEPTION 'provoked'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER provoke_failure BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION provoke_failure()",
        ],
    };
    for q in sql {
        app.db.execute_unprepared(q).await.expect("trigger");
    }
}

async fn mend_match_endings(app: &TestApp) {
    let sql: &[&str] = match app.backend {
        Backend::Sqlite => &["DROP TRIGGER provoke_failure"],
        Backend::Postgres => &[
            "DROP TRIGGER provoke_failure ON audit_events",
            "DROP FUNCTION provoke_failure()",
        ],
    };
    for q in sql {
        app.db.execute_unprepared(q).await.expect("drop trigger");
    }
}

dual! {
    async fn a_failed_removal_leaves_nothing_half_written(app) {
        let rw = removal_world(app, match_world(app, "ac-atomic").await).await;
        let w = &rw.w;
        let before_audit = app.count("SELECT COUNT(*) FROM audit_events").await;
        let before_outbox = app.count("SELECT COUNT(*) FROM outbox").await;
        break_match_endings(app).await;

        remove(app, &w.manager.token, &w.network_id, &w.peer.id)
            .await
            .problem(500, "internal-error");

        // Nothing moved.
        app.get(&format!("/v1/networks/{}", w.network_id), Some(&w.peer.token)).await.expect(200);
        let active = app
            .count(&format!(
                "SELECT COUNT(*) FROM community_members WHERE user_id = '{}' AND status = 'active'",
                w.peer.id
            ))
            .await;
        assert_eq!(active, 1);
        let a = app
            .get(&format!("/v1/applications/{}", rw.peer_application), Some(&w.peer.token))
            .await
            .expect(200);
        assert_eq!(a["status"], "pending");
        let waiting = app
            .get(&format!("/v1/applications/{}", rw.waiting_application), Some(&w.manager.token))
            .await
            .expect(200);
        assert_eq!(waiting["status"], "waitlisted");
        assert_eq!(
            app.get(&w.match_path(""), Some(&w.peer.token)).await.expect(200)["status"],
            "active"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before_audit);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, before_outbox);

        // Once the database accepts it again, the same request goes through.
        mend_match_endings(app).await;
        remove(app, &w.manager.token, &w.network_id, &w.peer.id).await.expect(204);
        assert_eq!(
            app.get(&w.match_path(""), Some(&w.manager.token)).await.expect(200)["status"],
            "ended"
        );
    }
}
