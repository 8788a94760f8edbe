//! The reads that check a person's session inside their own statement
//! (`peerhub_persistence::caller`; docs/performance.md): me, a community,
//! a meeting, a members page, the community calendar and the two lists.
//! Each must still refuse a token its account no longer admits with 401
//! `invalid-token`, before a 403 or a 404 could say what exists, and must
//! serve members, platform admins and API tokens as before.
use peerhub_persistence::sea_orm::ConnectionTrait;
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::json;

const MISSING: &str = "0190a5e4-0000-7000-8000-000000000000";

/// The folded reads of `w`'s community and `meeting`.
fn reads(w: &CopWorld, meeting: &str) -> Vec<String> {
    vec![
        "/v1/me".to_owned(),
        w.community_path(""),
        format!("/v1/meetings/{meeting}"),
        w.community_path("/members?limit=50"),
        w.community_path("/calendar.ics"),
        "/v1/communities?limit=50".to_owned(),
        format!("/v1/meetings?community_id={}&limit=50", w.community_id),
    ]
}

/// The same reads of things that do not exist (or, for the list, a page
/// that is empty).
fn reads_of_nothing() -> Vec<String> {
    vec![
        format!("/v1/communities/{MISSING}"),
        format!("/v1/meetings/{MISSING}"),
        format!("/v1/communities/{MISSING}/members"),
        format!("/v1/communities/{MISSING}/calendar.ics"),
        format!("/v1/communities?network_id={MISSING}"),
        format!("/v1/meetings?community_id={MISSING}"),
    ]
}

async fn status_of(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let r = app.get(path, Some(token)).await;
    (r.status.as_u16(), r.text.clone())
}

async fn meeting_of(app: &TestApp, w: &CopWorld) -> String {
    let body = json!({
        "title": "Folded", "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London",
        "duration_minutes": 60, "mode": "teams", "join_url": "https://teams.example.org/l/meetup-join/x",
        "agenda": [{"title": "Welcome", "minutes": 10}]
    });
    let m = app
        .post(&w.community_path("/meetings"), Some(&w.chair.token), body)
        .await
        .expect(201);
    id_of(&m)
}

dual! {
    async fn folded_reads_refuse_a_session_that_logout_all_ended(app) {
        let w = cop_world(app, "fold-out", 1).await;
        let meeting = meeting_of(app, &w).await;
        let token = w.chair.token.clone();
        for p in reads(&w, &meeting) {
            let (status, text) = status_of(app, &p, &token).await;
            assert_eq!(status, 200, "{p}: {text}");
        }
        for p in reads_of_nothing() {
            let (status, text) = status_of(app, &p, &token).await;
            assert!(status == 404 || status == 200, "{p}: {status} {text}");
        }
        let r = app.send(app.req(Method::POST, "/v1/auth/logout-all", Some(&token))).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        for p in reads(&w, &meeting).into_iter().chain(reads_of_nothing()) {
            let r = app.get(&p, Some(&token)).await;
            r.problem(401, "invalid-token");
            assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer realm=\"peerhub\""), "{p}");
        }
        // A new session reads again.
        let fresh = app.login("chair.fold-out@nhs.net", PASSWORD).await;
        for p in reads(&w, &meeting) {
            let (status, text) = status_of(app, &p, &fresh).await;
            assert_eq!(status, 200, "{p}: {text}");
        }
    }
}

dual! {
    async fn folded_reads_refuse_a_disabled_or_missing_account_before_403(app) {
        let w = cop_world(app, "fold-dis", 1).await;
        // A calendar without meetings checks the community on its own.
        let (status, text) = status_of(app, &w.community_path("/calendar.ics"), &w.chair.token).await;
        assert_eq!(status, 200, "{text}");
        app.get(&w.community_path("/calendar.ics"), Some(&w.outsider.token)).await.problem(403, "forbidden");
        let meeting = meeting_of(app, &w).await;
        // The outsider is in the network but not the community: the
        // meeting, members page and calendar are 403 to them...
        let outsider = w.outsider.token.clone();
        for p in [format!("/v1/meetings/{meeting}"), w.community_path("/calendar.ics")] {
            let (status, text) = status_of(app, &p, &outsider).await;
            assert!(status == 403 || status == 404, "{p}: {status} {text}");
        }
        // ...and, once their account is disabled, 401 first.
        app.db
            .execute_unprepared(&format!(
                "UPDATE users SET status = 'disabled' WHERE id = '{}'",
                w.outsider.id
            ))
            .await
            .unwrap();
        for p in reads(&w, &meeting).into_iter().chain(reads_of_nothing()) {
            app.get(&p, Some(&outsider)).await.problem(401, "invalid-token");
        }
        // Enabled again (as an admin would), the same token reads again.
        app.db
            .execute_unprepared(&format!(
                "UPDATE users SET status = 'active' WHERE id = '{}'",
                w.outsider.id
            ))
            .await
            .unwrap();
        for p in reads(&w, &meeting) {
            let (status, text) = status_of(app, &p, &outsider).await;
            assert_ne!(status, 401, "{p}: {text}");
        }
    }
}

dual! {
    async fn folded_reads_serve_admins_and_api_tokens_as_before(app) {
        let w = cop_world(app, "fold-adm", 1).await;
        let meeting = meeting_of(app, &w).await;
        // A platform admin's session sees every network's communities (the
        // admin flag comes from the joined account row).
        let page = app
            .get(&format!("/v1/communities?network_id={}", w.network_id), Some(&w.admin))
            .await
            .expect(200);
        assert!(page["items"].as_array().is_some_and(|i| i.iter().any(|c| c["id"] == w.community_id.as_str())), "{page}");
        app.get(&w.community_path(""), Some(&w.admin)).await.expect(200);
        // An API token with memberships:read pulls the members page; the
        // person-only reads refuse it with 403, not 401.
        let api = app
            .post("/v1/api-tokens", Some(&w.manager.token), json!({"name": "sync", "scopes": ["memberships:read"], "current_password": PASSWORD}))
            .await
            .expect(201)["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        app.get(&w.community_path("/members?limit=50"), Some(&api)).await.expect(200);
        for p in ["/v1/me".to_owned(), "/v1/communities".to_owned(), format!("/v1/meetings?community_id={}", w.community_id), format!("/v1/meetings/{meeting}")] {
            let (status, text) = status_of(app, &p, &api).await;
            assert_eq!(status, 403, "{p}: {text}");
        }
        // A revoked API token is 401 on the folded reads too.
        let tokens = app.get("/v1/api-tokens", Some(&w.manager.token)).await.expect(200);
        let id = tokens["items"][0]["id"].as_str().unwrap().to_owned();
        let r = app.send(app.req(Method::DELETE, &format!("/v1/api-tokens/{id}"), Some(&w.manager.token))).await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text);
        app.get(&w.community_path("/members?limit=50"), Some(&api)).await.problem(401, "invalid-token");
    }
}

dual! {
    async fn a_folded_read_of_an_account_status_that_does_not_decode_is_a_500(app) {
        let w = cop_world(app, "fold-bad", 1).await;
        let meeting = meeting_of(app, &w).await;
        app.db
            .execute_unprepared(&format!(
                "UPDATE users SET status = 'suspended' WHERE id = '{}'",
                w.chair.id
            ))
            .await
            .unwrap();
        // Neither let in (as if active) nor a plain 401 (as if disabled);
        // an empty list page and a missing community check the row alone.
        let token = w.chair.token.clone();
        for p in reads(&w, &meeting).into_iter().chain(reads_of_nothing()) {
            app.get(&p, Some(&token)).await.problem(500, "internal-error");
        }
    }
}

dual! {
    async fn folded_reads_answer_a_token_from_another_network_with_404(app) {
        let w = cop_world(app, "fold-str", 1).await;
        let meeting = meeting_of(app, &w).await;
        // Someone who leads a community in another network.
        let other = cop_world(app, "fold-str2", 1).await;
        let stranger = other.chair.token.clone();
        for p in [
            w.community_path(""),
            format!("/v1/meetings/{meeting}"),
            w.community_path("/members?limit=50"),
            w.community_path("/calendar.ics"),
            format!("/v1/meetings?community_id={}&limit=50", w.community_id),
        ] {
            let r = app.get(&p, Some(&stranger)).await;
            r.problem(404, "not-found");
            assert!(!r.text.contains("Folded"), "{p} leaked the meeting: {}", r.text);
        }
        // Their own lists do not show the other network's community or meeting.
        let page = app.get("/v1/communities?limit=50", Some(&stranger)).await.expect(200);
        assert!(!page.to_string().contains(&w.community_id), "{page}");
        let page = app.get("/v1/meetings?limit=50", Some(&stranger)).await.expect(200);
        assert!(!page.to_string().contains(&meeting), "{page}");
        // The outsider (same network, not in the community) gets 403 on the
        // community's meeting page, with or without a filter that empties it.
        let outsider = w.outsider.token.clone();
        app.get(&format!("/v1/meetings?community_id={}", w.community_id), Some(&outsider))
            .await
            .problem(403, "forbidden");
        app.get(&format!("/v1/meetings?community_id={}&status=cancelled", w.community_id), Some(&outsider))
            .await
            .problem(403, "forbidden");
        // A member pages through with a cursor, and a filter still applies.
        let first = app
            .get(&format!("/v1/meetings?community_id={}&limit=1", w.community_id), Some(&w.chair.token))
            .await
            .expect(200);
        assert_eq!(first["items"][0]["id"], meeting.as_str(), "{first}");
        let cancelled = app
            .get(&format!("/v1/meetings?community_id={}&status=cancelled", w.community_id), Some(&w.chair.token))
            .await
            .expect(200);
        assert_eq!(cancelled["items"].as_array().map(Vec::len), Some(0), "{cancelled}");
    }
}
