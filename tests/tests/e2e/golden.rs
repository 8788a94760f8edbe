//! Snapshot ("golden") tests of what leaves the server as text: problem
//! bodies and notice emails (the calendar feed's snapshot is in
//! calendars.rs, beside the iCalendar parser it goes through first).
//!
//! The snapshots are in `snapshots/` beside this file, one per case, shared
//! by both backends: whatever varies from run to run (ids, request ids,
//! times) is redacted, so SQLite and PostgreSQL must answer alike. A
//! snapshot is never written in CI (insta does not write when `CI` is set);
//! after a deliberate change, rewrite them with
//! `INSTA_UPDATE=always cargo nextest run -p peerhub-tests -E 'test(golden) | test(feed_snapshot)'`
//! and review the diff of `snapshots/`.
use peerhub_tests::matching_world::match_world_proposed;
use peerhub_tests::smtp::{Received, SmtpSink};
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// A UUID anywhere in a text (a snapshot filter).
pub(crate) const UUID: &str = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/// Response headers a client of a problem relies on.
const PROBLEM_HEADERS: [&str; 3] = ["content-type", "cache-control", "www-authenticate"];

/// A problem answer as a client sees it: status, the headers of
/// [`PROBLEM_HEADERS`] it has, and the body (whose `request_id`, redacted
/// in the snapshot, must be the `X-Request-Id` header).
#[track_caller]
fn problem_view(r: &Resp) -> Value {
    let body = r.json();
    assert_eq!(
        body["request_id"].as_str(),
        r.header("x-request-id").as_deref(),
        "{}",
        r.text
    );
    let headers: Map<String, Value> = PROBLEM_HEADERS
        .iter()
        .filter_map(|h| r.header(h).map(|v| ((*h).to_owned(), Value::from(v))))
        .collect();
    json!({"status": r.status.as_u16(), "headers": headers, "body": body})
}

/// Snapshots a problem answer with its request id redacted.
macro_rules! assert_problem_snapshot {
    ($name:expr, $resp:expr) => {
        insta::assert_json_snapshot!($name, problem_view($resp), {
            ".body.request_id" => "[request_id]",
        })
    };
}

dual! {
    async fn golden_problem_bodies(app) {
        let admin = app.admin_token().await;

        // 422: several rules broken at once.
        let r = app
            .post(
                "/v1/networks",
                Some(&admin),
                json!({"name": "", "slug": "Not A Slug!", "allowed_email_domains": ["localhost"]}),
            )
            .await;
        r.problem(422, "validation-failed");
        assert_problem_snapshot!("problem_422_validation_failed", &r);

        // 404: a well-formed id of nothing.
        let r = app.get("/v1/networks/00000000-0000-7000-8000-000000000000", Some(&admin)).await;
        r.problem(404, "not-found");
        assert_problem_snapshot!("problem_404_not_found", &r);

        // 409: a conflict with another resource.
        app.create_network(&admin, "golden", &["nhs.net"]).await;
        let r = app.post("/v1/networks", Some(&admin), json!({"name": "Another", "slug": "golden"})).await;
        r.problem(409, "slug-taken");
        assert_problem_snapshot!("problem_409_slug_taken", &r);

        // 412: If-Match names a version that is not the current one.
        let net = app.create_network(&admin, "golden-stale", &[]).await;
        let id = id_of(&net);
        let r = app
            .send(
                app.req(Method::PATCH, &format!("/v1/networks/{id}"), Some(&admin))
                    .header("If-Match", "\"7\"")
                    .json(&json!({"name": "Renamed"})),
            )
            .await;
        r.problem(412, "stale-version");
        insta::assert_json_snapshot!("problem_412_stale_version", problem_view(&r), {
            ".body.request_id" => "[request_id]",
            ".body.instance" => "/v1/networks/[network_id]",
        });

        // 401: no bearer token.
        let r = app.get("/v1/me", None).await;
        r.problem(401, "authentication-required");
        assert_problem_snapshot!("problem_401_authentication_required", &r);
    }
}

/// An email as its reader sees it: sender, recipient, subject, a blank
/// line and the decoded body.
fn email_text(m: &Received) -> String {
    let header = |name: &str| {
        m.header(name)
            .unwrap_or_else(|| panic!("no {name} header: {}", m.data))
    };
    format!(
        "From: {}\nTo: {}\nSubject: {}\n\n{}\n",
        header("From"),
        header("To"),
        header("Subject"),
        m.body().trim_end()
    )
}

/// Snapshots an email with ids and times redacted.
fn assert_email_snapshot(name: &str, m: &Received) {
    insta::with_settings!({filters => vec![
        (UUID, "[id]"),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[time]"),
    ]}, {
        insta::assert_snapshot!(name, email_text(m));
    });
}

/// Notices as delivered over SMTP (to a local sink started here): an
/// application decision and a match proposal.
mod golden_notice_emails {
    use super::*;

    async fn run(backend: Backend) {
        let sink = SmtpSink::start().await;
        let url = sink.url();
        let app = TestApp::spawn_configured(backend, |c| c.smtp_url = Some(url)).await;
        emails(&app, &sink).await;
        app.finish().await;
    }

    async fn emails(app: &TestApp, sink: &SmtpSink) {
        // An application turned down, with the reviewer's reason.
        let admin = app.admin_token().await;
        let net = app
            .create_network(&admin, "golden-mail", &["nhs.net"])
            .await;
        let nid = id_of(&net);
        let manager = app
            .invited(&admin, &nid, "manager@golden-mail.example.org", "manager")
            .await;
        let cop = app.community(&manager, &nid, "closed", 10, json!({})).await;
        let cop_id = id_of(&cop);
        app.patch(
            &format!("/v1/communities/{cop_id}"),
            Some(&manager),
            json!({"name": "Practitioners"}),
        )
        .await
        .expect(200);
        let applicant = app.member(&nid, "applicant@nhs.net").await;
        let a = app
            .post(
                &format!("/v1/communities/{cop_id}/applications"),
                Some(&applicant),
                json!({}),
            )
            .await
            .expect(201);
        app.post(
            &format!("/v1/applications/{}/decision", id_of(&a)),
            Some(&manager),
            json!({"decision": "reject", "reason": "The group is for qualified practitioners"}),
        )
        .await
        .expect(200);
        let m = sink
            .wait_for("applicant@nhs.net", "Your application to join")
            .await;
        assert_email_snapshot("email_application_rejected", &m);

        // A proposed match, to each participant.
        let w = match_world_proposed(app, "golden-match").await;
        let m = sink
            .wait_for("peer.golden-match@nhs.net", "A proposed match")
            .await;
        assert_eq!(email_text(&m).matches(&w.match_id).count(), 3, "{}", m.data);
        assert_email_snapshot("email_match_proposed", &m);
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
