//! No secret reaches the logs. Each test installs the server's own global
//! subscriber (`telemetry::init_with_writer`: the production filter,
//! layers and formatting) writing into memory, drives a real server
//! through every request that carries a credential or private text (a
//! calendar feed fetched by its secret, an invitation token in a path, a
//! login's password, a refresh token, an API token and an access token as
//! Bearer, a private match note, a safeguarding concern, `token=` in a
//! query), waits for the outbox emails to be "sent" to the log, and then
//! greps the captured log for each of them.
//!
//! Its own test binary, because a global subscriber is once per process:
//! cargo-nextest runs each test in its own process; under plain
//! `cargo test` a test that finds the subscriber taken reruns itself alone
//! in a child process.
//!
//! The one documented exception: in development mode, with no SMTP server,
//! emails are logged whole (they carry invitation and verification tokens,
//! and a concern's summary for the lead). The development tests allow
//! those secrets inside those email records only; production logs only
//! the topic, recipient and subject, and the production tests allow
//! nothing.
use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use peerhub_server::config::{LogFormat, Mode};
use peerhub_server::telemetry;
use peerhub_tests::matching_world::match_world;
use peerhub_tests::*;
use serde_json::{Value, json};

const CANARY_PASSWORD: &str = "Canary-Passw0rd-4b1e9d7c";
const WRONG_PASSWORD: &str = "Canary-Wr0ngPass-8c2f5a31";
const NOTE_CANARY: &str = "CANARY-NOTE-5e0c1b2a";
const CONCERN_CANARY: &str = "CANARY-CONCERN-9d3f7a60";
const QUERY_CANARY: &str = "CanaryQuery7f2d9e41b6";
const UNKNOWN_FEED: &str = "CanaryUnknownFeed0123456789abcdefXYZ";
const UNKNOWN_BEARER: &str = "phk_CanaryUnknownBearer0123456789abcdefghij";

/// The message of the development email record (body included).
const DEV_EMAIL: &str = "email (no SMTP configured; logged instead)";
/// The message of the production email record (no body).
const PROD_EMAIL: &str = "email not sent: PEERHUB_SMTP_URL is not set";

/// An in-memory log sink.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the server's subscriber, writing into memory, for the test
/// `name`; or, when another test of this process already installed it
/// (plain `cargo test`), runs `name` alone in a child process, asserts it
/// passed, and returns `None`.
fn install(name: &str, format: LogFormat, directives: &str) -> Option<Capture> {
    static OWNER: OnceLock<String> = OnceLock::new();
    if OWNER.set(name.to_owned()).is_ok() {
        let capture = Capture::default();
        let sink = capture.clone();
        telemetry::init_with_writer(format, Some(directives), move || sink.clone())
            .unwrap_or_else(|e| panic!("installing the log subscriber: {e}"));
        return Some(capture);
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap_or_else(|e| panic!("running {name} alone: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} (run alone) failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    None
}

/// The secrets one run used (and the metrics it left).
struct Secrets {
    /// The admin port's `/metrics` after the run.
    metrics: String,
    /// Must appear nowhere.
    never: Vec<(&'static str, String)>,
    /// Travel in an email: allowed only inside development email records.
    emailed: Vec<(&'static str, String)>,
}

fn s(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_owned()
}

/// Drives every secret-carrying request once; returns the secrets.
async fn drive(app: &TestApp) -> Secrets {
    let w = match_world(app, "logs").await;

    // An invitation: its token travels in the path (and in the email).
    let email = "invitee@logs.example.org";
    let inv = app
        .post(
            "/v1/invitations",
            Some(&w.admin),
            json!({"network_id": w.network_id, "email": email, "role": "member"}),
        )
        .await
        .expect(201);
    let invitation = s(&inv, "token");
    // a lookup-shaped GET and the wrong method: unmatched routes
    app.get(&format!("/v1/invitations/{invitation}"), None)
        .await;
    let r = app
        .get(&format!("/v1/invitations/{invitation}/accept"), None)
        .await;
    assert_eq!(r.status, 405, "{}", r.text);
    let accept = format!("/v1/invitations/{invitation}/accept");
    let body = json!({"display_name": "Invitee", "password": CANARY_PASSWORD});
    let joined = app.post(&accept, None, body.clone()).await.expect(201);
    app.post(&accept, None, body)
        .await
        .problem(409, "invitation-not-pending");

    // Logins (a wrong password, then the right one) and a refresh.
    let r = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": WRONG_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let pair = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": CANARY_PASSWORD}),
        )
        .await
        .expect(200);
    let refreshed = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": pair["refresh_token"]}),
        )
        .await
        .expect(200);
    let access = s(&refreshed, "access_token");

    // An API token used as Bearer, and an unknown one.
    let t = app
        .post(
            "/v1/api-tokens",
            Some(&access),
            json!({"name": "logs", "scopes": ["networks:read"], "current_password": CANARY_PASSWORD}),
        )
        .await
        .expect(201);
    let api_token = s(&t, "secret");
    app.get(&format!("/v1/networks/{}", w.network_id), Some(&api_token))
        .await
        .expect(200);
    let r = app.get("/v1/me", Some(UNKNOWN_BEARER)).await;
    assert_eq!(r.status, 401, "{}", r.text);

    // The calendar feed, fetched by its secret; an unknown secret; the
    // secret without `.ics` (an unmatched route).
    let f = app
        .post("/v1/me/calendar-feed", Some(&access), json!({}))
        .await
        .expect(201);
    let feed = s(&f, "secret");
    let r = app
        .get(&format!("/v1/calendar-feeds/{feed}.ics"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.get(&format!("/v1/calendar-feeds/{UNKNOWN_FEED}.ics"), None)
        .await
        .problem(404, "not-found");
    // (unmatched: the fallback answers it, 404 or 405)
    let r = app.get(&format!("/v1/calendar-feeds/{feed}"), None).await;
    assert!(r.status.is_client_error(), "{}", r.text);

    // The router decodes percent-escapes, so this is the feed too; the
    // log must not show it either.
    let r = app
        .get(&format!("/v1/%63alendar-feeds/{feed}.ics"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A token pasted into an unknown path: the token-shape safety net.
    app.get(&format!("/v1/me/{api_token}"), Some(&access))
        .await
        .problem(404, "not-found");

    // Secret-looking query parameters.
    app.get(
        &format!("/v1/me?token={QUERY_CANARY}&secret={QUERY_CANARY}&key={QUERY_CANARY}"),
        Some(&access),
    )
    .await
    .expect(200);

    // A private note and a safeguarding concern.
    app.post(
        &w.match_path("/notes"),
        Some(&w.peer.token),
        json!({"body": format!("{NOTE_CANARY}: how the week went")}),
    )
    .await
    .expect(201);
    app.post(
        &w.match_path("/concerns"),
        Some(&w.peer.token),
        json!({"category": "other", "summary": format!("{CONCERN_CANARY}: please call me")}),
    )
    .await
    .expect(201);

    // Let the notifier "send" every email (to the log).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending = app
            .count("SELECT COUNT(*) FROM outbox WHERE kind = 'email' AND status <> 'sent'")
            .await;
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{pending} emails never sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Last (it revokes the family): reusing the rotated refresh token.
    app.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": pair["refresh_token"]}),
    )
    .await;

    let mut never = vec![
        ("the canary password", CANARY_PASSWORD.to_owned()),
        ("a wrong password", WRONG_PASSWORD.to_owned()),
        ("the test password", PASSWORD.to_owned()),
        ("the JWT secret", JWT_SECRET.to_owned()),
        ("a note's text", NOTE_CANARY.to_owned()),
        ("a query secret", QUERY_CANARY.to_owned()),
        ("an unknown feed secret", UNKNOWN_FEED.to_owned()),
        ("an unknown bearer token", UNKNOWN_BEARER.to_owned()),
        ("the calendar feed secret", feed),
        ("the API token", api_token),
        ("the first refresh token", s(&pair, "refresh_token")),
        ("the rotated refresh token", s(&refreshed, "refresh_token")),
        ("the first access token", s(&pair, "access_token")),
        ("the refreshed access token", access),
        (
            "the invitee's first tokens",
            s(&joined["tokens"], "refresh_token"),
        ),
        ("the admin's access token", w.admin.clone()),
        ("the peer's access token", w.peer.token.clone()),
    ];
    // JWT signatures alone, too (a token cut at a dot is still a token).
    let sigs: Vec<String> = never
        .iter()
        .filter(|(_, v)| v.starts_with("eyJ"))
        .filter_map(|(_, v)| v.rsplit('.').next().map(str::to_owned))
        .collect();
    never.extend(sigs.into_iter().map(|v| ("a JWT signature", v)));
    let admin_base = app.admin_base().unwrap_or_else(|| panic!("no admin port"));
    let metrics = app
        .send(app.client.get(format!("{admin_base}/metrics")))
        .await;
    assert_eq!(metrics.status, 200, "{}", metrics.text);
    Secrets {
        metrics: metrics.text,
        never,
        emailed: vec![
            ("the invitation token", invitation),
            ("a concern's summary", CONCERN_CANARY.to_owned()),
        ],
    }
}

/// Removes ANSI colour codes (the pretty format colours its output).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a pretty log into records: a record starts with a timestamp
/// (an email body may span several lines).
fn records(log: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in log.lines() {
        let starts = line.len() > 10
            && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && line.as_bytes()[4] == b'-';
        match out.last_mut() {
            Some(last) if !starts => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_owned()),
        }
    }
    out
}

/// Asserts that no secret is in the log, and that the log is real: the
/// request lines are there (with the redacted paths and the route
/// templates) and so are the email records.
fn check(log: &str, mode: Mode, format: LogFormat, secrets: &Secrets) {
    assert!(!log.trim().is_empty(), "nothing was logged");
    let finished = log.matches("request finished").count();
    assert!(finished >= 30, "only {finished} request lines:\n{log}");
    if format == LogFormat::Json {
        for line in log.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            assert!(v["level"].is_string(), "{line}");
        }
    }
    let records = records(log);
    let leaks = |secret: &str, allowed: &dyn Fn(&str) -> bool| -> Vec<&String> {
        records
            .iter()
            .filter(|r| r.contains(secret) && !allowed(r))
            .collect()
    };
    let mut leaked: Vec<String> = Vec::new();
    let mut leaking: Vec<&String> = Vec::new();
    for (what, secret) in &secrets.never {
        let found = leaks(secret, &|_| false);
        if !found.is_empty() {
            leaked.push(format!("{what} ({secret})"));
            leaking.extend(found);
        }
    }
    for (what, secret) in &secrets.emailed {
        let found = leaks(secret, &|r| {
            mode == Mode::Development && r.contains(DEV_EMAIL)
        });
        if !found.is_empty() {
            leaked.push(format!("{what} ({secret})"));
            leaking.extend(found);
        }
    }
    leaking.sort();
    leaking.dedup();
    // Metrics labels: route templates only.
    for (what, secret) in secrets.never.iter().chain(&secrets.emailed) {
        if secrets.metrics.contains(secret.as_str()) {
            leaked.push(format!("{what} ({secret}) in the metrics"));
        }
    }
    assert!(
        leaked.is_empty(),
        "secrets in the log: {leaked:#?}\nin these records: {leaking:#?}"
    );
    match mode {
        Mode::Production => {
            assert!(log.contains(PROD_EMAIL), "no email was logged:\n{log}");
            assert!(!log.contains(DEV_EMAIL), "a body was logged in production");
        }
        Mode::Development => {
            // Documented development behaviour, and proof that the capture
            // sees the notifier: the invitation email is logged whole.
            let (_, invitation) = &secrets.emailed[0];
            assert!(
                records
                    .iter()
                    .any(|r| r.contains(DEV_EMAIL) && r.contains(invitation.as_str())),
                "the development email log lacks the invitation body:\n{log}"
            );
        }
    }
    for needle in [
        // the redacted paths (span field) …
        "/v1/calendar-feeds/[redacted].ics",
        "/v1/invitations/[redacted]/accept",
        "/v1/auth/login",
        "/v1/auth/refresh",
        // … and the route templates (access log field)
        "/v1/calendar-feeds/{secret}.ics",
        "/v1/invitations/{token}/accept",
        "/v1/matches/{id}/notes",
        "/v1/matches/{id}/concerns",
        "/v1/networks/{id}",
    ] {
        assert!(log.contains(needle), "the log lacks {needle:?}:\n{log}");
    }
    for label in [
        r#"route="/v1/calendar-feeds/{secret}.ics""#,
        r#"route="/v1/invitations/{token}/accept""#,
        r#"route="unmatched""#,
    ] {
        assert!(
            secrets.metrics.contains(label),
            "the metrics lack {label}:\n{}",
            secrets.metrics
        );
    }
}

async fn run(name: &str, backend: Backend, mode: Mode, format: LogFormat, directives: &str) {
    let Some(capture) = install(name, format, directives) else {
        return;
    };
    let app = TestApp::spawn_configured(backend, |c| {
        c.mode = mode;
        c.log_format = format;
    })
    .await;
    let secrets = drive(&app).await;
    app.finish().await;
    let log = strip_ansi(&capture.text());
    check(&log, mode, format, &secrets);
}

macro_rules! scenario {
    ($(#[$m:meta])* $name:ident, $mode:expr, $format:expr, $directives:expr) => {
        $(#[$m])*
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let name = concat!(stringify!($name), "::sqlite");
                run(name, Backend::Sqlite, $mode, $format, $directives).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let name = concat!(stringify!($name), "::postgres");
                run(name, Backend::Postgres, $mode, $format, $directives).await;
            }
        }
    };
}

scenario!(
    /// Production: JSON lines at the default filter.
    production_json,
    Mode::Production,
    LogFormat::Json,
    telemetry::DEFAULT_FILTER
);

scenario!(
    /// Development: the pretty format at the default filter.
    development_pretty,
    Mode::Development,
    LogFormat::Pretty,
    telemetry::DEFAULT_FILTER
);

scenario!(
    /// Production at `PEERHUB_LOG=debug`: everything the server's crates
    /// log at debug, sqlx and sea-orm included (statement logging is off).
    production_json_debug,
    Mode::Production,
    LogFormat::Json,
    "debug"
);
