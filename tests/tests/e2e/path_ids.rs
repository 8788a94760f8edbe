//! Path ids (docs/api-guide.md, "Problem codes"): a path id that is not a
//! UUID gets the same answer on every route, 400 `invalid-parameter` whose
//! `errors[0]` names the parameter with code `invalid_uuid`, before any
//! lookup; a well-formed id of nothing is 404.
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const BAD: &str = "not-a-uuid";
const UNKNOWN: &str = "0190a6f2-0000-7000-8000-000000000000";

/// Sends `method path` with a JSON body (for POST, PATCH and PUT).
async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Resp {
    let rb = app.req(method.clone(), path, Some(token));
    let rb = if method == Method::GET || method == Method::DELETE {
        rb
    } else {
        rb.json(body)
    };
    app.send(rb).await
}

/// Asserts the one answer to a malformed path parameter `param`.
#[track_caller]
fn assert_bad_path_id(r: &Resp, param: &str, what: &str) {
    assert_eq!(r.status.as_u16(), 400, "{what}: {}", r.text);
    let p = r.problem(400, "invalid-parameter");
    let errors = p["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no errors[] in {p}"));
    assert_eq!(errors.len(), 1, "{what}: {p}");
    assert_eq!(errors[0]["field"], param, "{what}: {p}");
    assert_eq!(errors[0]["code"], "invalid_uuid", "{what}: {p}");
    assert!(
        errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {p}"
    );
}

dual! {
    async fn malformed_path_id_is_the_same_400_everywhere(app) {
        let admin = app.admin_token().await;
        let net = id_of(&app.create_network(&admin, "path-ids", &["nhs.net"]).await);
        let me = user_id_of(&admin);
        let body = json!({});
        // (method, path, the route file it comes from)
        let routes: Vec<(Method, String, &str)> = vec![
            // networks.rs
            (Method::GET, format!("/v1/networks/{BAD}"), "networks"),
            (Method::PATCH, format!("/v1/networks/{BAD}"), "networks"),
            (Method::GET, format!("/v1/networks/{BAD}/members"), "networks"),
            (Method::DELETE, format!("/v1/networks/{BAD}/members/{me}"), "networks"),
            // users.rs
            (Method::POST, format!("/v1/users/{BAD}/disable"), "users"),
            (Method::POST, format!("/v1/users/{BAD}/enable"), "users"),
            // api_tokens.rs
            (Method::DELETE, format!("/v1/api-tokens/{BAD}"), "api_tokens"),
            // communities/{community,terms}.rs
            (Method::GET, format!("/v1/communities/{BAD}"), "communities"),
            (Method::PATCH, format!("/v1/communities/{BAD}"), "communities"),
            (Method::POST, format!("/v1/communities/{BAD}/archive"), "communities"),
            (Method::GET, format!("/v1/communities/{BAD}/terms/versions"), "communities"),
            (Method::POST, format!("/v1/communities/{BAD}/terms"), "communities"),
            (Method::POST, format!("/v1/communities/{BAD}/terms/1/approve"), "communities"),
            // communities/{roster,csv,members}.rs
            (Method::GET, format!("/v1/communities/{BAD}/members"), "communities"),
            (Method::GET, format!("/v1/communities/{BAD}/members.csv"), "communities"),
            (Method::PATCH, format!("/v1/communities/{BAD}/members/{me}"), "communities"),
            // applications.rs
            (Method::POST, format!("/v1/communities/{BAD}/applications"), "applications"),
            (Method::GET, format!("/v1/communities/{BAD}/applications"), "applications"),
            (Method::GET, format!("/v1/networks/{BAD}/review-queue"), "applications"),
            (Method::GET, format!("/v1/applications/{BAD}"), "applications"),
            (Method::POST, format!("/v1/applications/{BAD}/decision"), "applications"),
            (Method::POST, format!("/v1/applications/{BAD}/withdraw"), "applications"),
            (Method::POST, format!("/v1/applications/{BAD}/accept-offer"), "applications"),
            (Method::POST, format!("/v1/applications/{BAD}/decline-offer"), "applications"),
            (Method::DELETE, format!("/v1/communities/{BAD}/members/{me}"), "applications"),
            // proposals.rs
            (Method::GET, format!("/v1/community-proposals/{BAD}"), "proposals"),
            (Method::POST, format!("/v1/community-proposals/{BAD}/decision"), "proposals"),
            // complaints.rs
            (Method::GET, format!("/v1/complaints/{BAD}"), "complaints"),
            (Method::PATCH, format!("/v1/complaints/{BAD}"), "complaints"),
            // series.rs
            (Method::POST, format!("/v1/communities/{BAD}/meeting-series"), "series"),
            (Method::GET, format!("/v1/meeting-series/{BAD}"), "series"),
            (Method::POST, format!("/v1/meeting-series/{BAD}/cancel"), "series"),
            // meetings/
            (Method::GET, format!("/v1/meetings/{BAD}"), "meetings"),
            (Method::PATCH, format!("/v1/meetings/{BAD}"), "meetings"),
            (Method::POST, format!("/v1/meetings/{BAD}/cancel"), "meetings"),
            (Method::PUT, format!("/v1/meetings/{BAD}/agenda"), "meetings"),
            (Method::POST, format!("/v1/communities/{BAD}/meetings"), "meetings"),
            // attendance.rs
            (Method::PUT, format!("/v1/meetings/{BAD}/rsvp"), "attendance"),
            (Method::GET, format!("/v1/meetings/{BAD}/attendance"), "attendance"),
            (Method::PUT, format!("/v1/meetings/{BAD}/attendance"), "attendance"),
            // minutes.rs
            (Method::GET, format!("/v1/meetings/{BAD}/minutes"), "minutes"),
            (Method::PUT, format!("/v1/meetings/{BAD}/minutes"), "minutes"),
            (Method::POST, format!("/v1/meetings/{BAD}/minutes/submit"), "minutes"),
            (Method::GET, format!("/v1/meetings/{BAD}/minutes/revisions"), "minutes"),
            // actions.rs
            (Method::GET, format!("/v1/actions/{BAD}"), "actions"),
            (Method::PATCH, format!("/v1/actions/{BAD}"), "actions"),
            // calendars.rs
            (Method::GET, format!("/v1/meetings/{BAD}/calendar.ics"), "calendars"),
            (Method::GET, format!("/v1/communities/{BAD}/calendar.ics"), "calendars"),
            // matches.rs
            (Method::GET, format!("/v1/matches/{BAD}"), "matches"),
            (Method::POST, format!("/v1/matches/{BAD}/accept"), "matches"),
            (Method::POST, format!("/v1/matches/{BAD}/end"), "matches"),
            // match_sessions.rs
            (Method::GET, format!("/v1/matches/{BAD}/sessions"), "match_sessions"),
            (Method::POST, format!("/v1/matches/{BAD}/feedback"), "match_sessions"),
            (Method::GET, format!("/v1/programmes/{BAD}/evaluation"), "match_sessions"),
            // match_notes.rs
            (Method::GET, format!("/v1/notes/{BAD}"), "match_notes"),
            (Method::PATCH, format!("/v1/notes/{BAD}"), "match_notes"),
            (Method::DELETE, format!("/v1/notes/{BAD}"), "match_notes"),
            (Method::POST, format!("/v1/matches/{BAD}/concerns"), "match_notes"),
            (Method::GET, format!("/v1/safeguarding-concerns/{BAD}"), "match_notes"),
            // programmes/
            (Method::GET, format!("/v1/programmes/{BAD}"), "programmes"),
            (Method::PATCH, format!("/v1/programmes/{BAD}"), "programmes"),
            (Method::POST, format!("/v1/networks/{BAD}/programmes"), "programmes"),
            (Method::POST, format!("/v1/programmes/{BAD}/matches"), "programmes"),
            (Method::GET, format!("/v1/programmes/{BAD}/requests"), "programmes"),
            (Method::GET, format!("/v1/match-requests/{BAD}"), "programmes"),
            (Method::DELETE, format!("/v1/match-requests/{BAD}"), "programmes"),
            (Method::GET, format!("/v1/matching-runs/{BAD}"), "programmes"),
            (Method::PATCH, format!("/v1/supporters/{BAD}"), "programmes"),
            // governance/
            (Method::GET, format!("/v1/networks/{BAD}/governance-bodies"), "governance"),
            (Method::POST, format!("/v1/meetings/{BAD}/feedback"), "governance"),
            (Method::GET, format!("/v1/meetings/{BAD}/feedback"), "governance"),
            (Method::GET, format!("/v1/escalations/{BAD}"), "governance"),
            (Method::PATCH, format!("/v1/escalations/{BAD}"), "governance"),
            (Method::GET, format!("/v1/networks/{BAD}/reports/governance"), "governance"),
            (Method::GET, format!("/v1/networks/{BAD}/reports/bulletin"), "governance"),
            (Method::POST, format!("/v1/networks/{BAD}/reports/bulletin/send"), "governance"),
            // webhooks/
            (Method::GET, format!("/v1/webhooks/{BAD}"), "webhooks"),
            (Method::PATCH, format!("/v1/webhooks/{BAD}"), "webhooks"),
            (Method::DELETE, format!("/v1/webhooks/{BAD}"), "webhooks"),
            (Method::POST, format!("/v1/webhooks/{BAD}/ping"), "webhooks"),
            (Method::POST, format!("/v1/webhooks/{BAD}/rotate-secret"), "webhooks"),
            (Method::GET, format!("/v1/webhooks/{BAD}/deliveries"), "webhooks"),
            (Method::POST, format!("/v1/webhooks/{BAD}/deliveries/{UNKNOWN}/redeliver"), "webhooks"),
        ];
        for (method, path, file) in &routes {
            let r = call(app, method.clone(), path, &admin, &body).await;
            assert_bad_path_id(&r, "id", &format!("{method} {path} ({file})"));
        }

        // The second id of a membership route is named `user_id`.
        let member_routes = [
            (Method::PATCH, format!("/v1/networks/{net}/members/{BAD}")),
            (Method::DELETE, format!("/v1/networks/{net}/members/{BAD}")),
        ];
        for (method, path) in &member_routes {
            let r = call(app, method.clone(), path, &admin, &json!({"role": "member"})).await;
            assert_bad_path_id(&r, "user_id", &format!("{method} {path}"));
        }
        // With both malformed, `id` is named.
        let r = app.delete(&format!("/v1/networks/{BAD}/members/{BAD}"), Some(&admin)).await;
        assert_bad_path_id(&r, "id", "both ids malformed");

        // Checked before anything is looked up or changed.
        let audit_before = app.count("SELECT COUNT(*) FROM audit_events").await;
        app.post(&format!("/v1/users/{BAD}/disable"), Some(&admin), json!({})).await.problem(400, "invalid-parameter");
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, audit_before);
    }
}

dual! {
    async fn well_formed_unknown_path_id_is_404(app) {
        let admin = app.admin_token().await;
        let net = id_of(&app.create_network(&admin, "path-ids-404", &["nhs.net"]).await);
        let gets = [
            format!("/v1/networks/{UNKNOWN}"),
            format!("/v1/networks/{UNKNOWN}/members"),
            format!("/v1/communities/{UNKNOWN}"),
            format!("/v1/communities/{UNKNOWN}/members"),
            format!("/v1/applications/{UNKNOWN}"),
            format!("/v1/community-proposals/{UNKNOWN}"),
            format!("/v1/complaints/{UNKNOWN}"),
            format!("/v1/meeting-series/{UNKNOWN}"),
            format!("/v1/meetings/{UNKNOWN}"),
            format!("/v1/meetings/{UNKNOWN}/minutes"),
            format!("/v1/actions/{UNKNOWN}"),
            format!("/v1/escalations/{UNKNOWN}"),
            format!("/v1/meetings/{UNKNOWN}/feedback"),
            format!("/v1/networks/{UNKNOWN}/reports/bulletin"),
            format!("/v1/matches/{UNKNOWN}"),
            format!("/v1/notes/{UNKNOWN}"),
            format!("/v1/programmes/{UNKNOWN}"),
            format!("/v1/match-requests/{UNKNOWN}"),
            format!("/v1/matching-runs/{UNKNOWN}"),
            format!("/v1/webhooks/{UNKNOWN}"),
            format!("/v1/webhooks/{UNKNOWN}/deliveries"),
        ];
        for path in &gets {
            let r = app.get(path, Some(&admin)).await;
            assert_eq!(r.status.as_u16(), 404, "GET {path}: {}", r.text);
            r.problem(404, "not-found");
        }
        app.delete(&format!("/v1/api-tokens/{UNKNOWN}"), Some(&admin)).await.problem(404, "not-found");
        app.post(&format!("/v1/users/{UNKNOWN}/disable"), Some(&admin), json!({})).await.problem(404, "not-found");
        app.delete(&format!("/v1/networks/{net}/members/{UNKNOWN}"), Some(&admin)).await.problem(404, "not-found");
        // An uppercase UUID is the same id.
        let upper = UNKNOWN.to_uppercase();
        app.get(&format!("/v1/networks/{upper}"), Some(&admin)).await.problem(404, "not-found");
    }
}
