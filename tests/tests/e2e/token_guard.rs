//! API tokens never reach confidential matching and minutes data.
//!
//! Each token here carries every scope there is and belongs to someone who,
//! signed in, may read (or write) the data: so a refusal can only come from
//! the rule that tokens are for integrations, never for private notes,
//! matches, sessions, safeguarding concerns, complaints or minutes drafts.
//! Every refusal is checked for its exact status and problem type, for not
//! carrying the confidential text, and for changing nothing.
use peerhub_tests::matching_world::*;
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Every scope an API token can have.
const EVERY_SCOPE: [&str; 5] = [
    "memberships:read",
    "reports:read",
    "users:read",
    "networks:read",
    "metrics:read",
];

/// An API token with every scope, made by the holder of `session`.
async fn token_with_every_scope(app: &TestApp, session: &str) -> String {
    let t = app
        .post(
            "/v1/api-tokens",
            Some(session),
            json!({"name": "everything", "scopes": EVERY_SCOPE, "current_password": PASSWORD}),
        )
        .await
        .expect(201);
    let mut scopes: Vec<&str> = t["token"]["scopes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    scopes.sort_unstable();
    let mut every = EVERY_SCOPE.to_vec();
    every.sort_unstable();
    assert_eq!(scopes, every, "{t}");
    let secret = t["secret"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("phk_"), "{t}");
    secret
}

/// Asserts a refusal: this status and problem code, and none of `secrets`
/// in it.
#[track_caller]
fn check_refusal(r: &Resp, what: &str, status: u16, code: &str, secrets: &[&str]) {
    assert_eq!(
        (
            r.status.as_u16(),
            r.json()["code"].as_str().unwrap_or_default()
        ),
        (status, code),
        "{what}: {}",
        r.text
    );
    r.problem(status, code);
    for s in secrets {
        assert!(!r.text.contains(s), "{what} leaked {s}: {}", r.text);
    }
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> Resp {
    let rb = app.req(method, path, Some(token));
    app.send(match body {
        Some(b) => rb.json(&b),
        None => rb,
    })
    .await
}

/// One request an API token must be refused.
struct Probe {
    what: &'static str,
    token: String,
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    code: &'static str,
}

impl Probe {
    fn new(what: &'static str, token: &str, method: Method, path: String) -> Self {
        Probe {
            what,
            token: token.to_owned(),
            method,
            path,
            body: None,
            status: 404,
            code: "not-found",
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Refused as out of scope rather than hidden.
    fn insufficient_scope(mut self) -> Self {
        self.status = 403;
        self.code = "insufficient-scope";
        self
    }
}

async fn refused_all(app: &TestApp, probes: Vec<Probe>, secrets: &[&str]) {
    for p in probes {
        let r = send(app, &p.token, p.method.clone(), &p.path, p.body.clone()).await;
        let what = format!("{} ({} {})", p.what, p.method, p.path);
        check_refusal(&r, &what, p.status, p.code, secrets);
    }
}

const NOTE: &str = "NOTE-CANARY what my peer told me in confidence";
const CONCERN: &str = "CONCERN-CANARY risk the lead must hear about";
const COMPLAINT: &str = "COMPLAINT-CANARY my supporter cancelled again";
const DRAFT: &str = "DRAFT-CANARY case discussion not yet approved";

dual! {
    async fn a_token_with_every_scope_reaches_no_match_note_session_concern_or_complaint(app) {
        let w = match_world(app, "tg-match").await;
        let secrets = [NOTE, CONCERN, COMPLAINT];
        // The confidential things, made with sessions.
        let note = app.post(&w.match_path("/notes"), Some(&w.peer.token), json!({"body": NOTE})).await.expect(201);
        let note_id = note["id"].as_str().unwrap_or_default().to_owned();
        let today = chrono::Utc::now().date_naive().to_string();
        app.post(&w.match_path("/sessions"), Some(&w.peer.token), json!({"held_on": today, "duration_minutes": 45}))
            .await
            .expect(201);
        let concern = app
            .post(&w.match_path("/concerns"), Some(&w.peer.token), json!({"category": "risk_to_self", "summary": CONCERN}))
            .await
            .expect(201);
        let concern_id = concern["id"].as_str().unwrap_or_default().to_owned();
        let complaint = app
            .post("/v1/complaints", Some(&w.peer.token), json!({"network_id": w.network_id, "match_id": w.match_id, "summary": COMPLAINT}))
            .await
            .expect(201);
        let complaint_id = complaint["id"].as_str().unwrap_or_default().to_owned();

        // Signed in, each of them may read what their token is refused.
        let note_path = format!("/v1/notes/{note_id}");
        let concern_path = format!("/v1/safeguarding-concerns/{concern_id}");
        let complaint_path = format!("/v1/complaints/{complaint_id}");
        for (token, path) in [
            (&w.peer.token, note_path.clone()),
            (&w.peer.token, w.match_path("/notes")),
            (&w.peer.token, w.match_path("")),
            (&w.peer.token, "/v1/matches".to_owned()),
            (&w.peer.token, w.match_path("/sessions")),
            (&w.peer.token, concern_path.clone()),
            (&w.lead.token, concern_path.clone()),
            (&w.lead.token, w.programme_path("/concerns")),
            (&w.manager.token, w.match_path("")),
            (&w.manager.token, complaint_path.clone()),
            (&w.manager.token, "/v1/complaints".to_owned()),
            (&w.peer.token, complaint_path.clone()),
            (&w.admin, complaint_path.clone()),
        ] {
            app.get(&path, Some(token)).await.expect(200);
        }

        let peer = token_with_every_scope(app, &w.peer.token).await;
        let supporter = token_with_every_scope(app, &w.supporter.token).await;
        let lead = token_with_every_scope(app, &w.lead.token).await;
        let manager = token_with_every_scope(app, &w.manager.token).await;
        let admin = token_with_every_scope(app, &w.admin).await;
        let (get, post, patch, delete) = (Method::GET, Method::POST, Method::PATCH, Method::DELETE);
        let mut probes = vec![
            // Private notes: the author's own token.
            Probe::new("read a note", &peer, get.clone(), note_path.clone()),
            Probe::new("list notes", &peer, get.clone(), w.match_path("/notes")),
            Probe::new("write a note", &peer, post.clone(), w.match_path("/notes")).body(json!({"body": "by token"})),
            Probe::new("change a note", &peer, patch.clone(), note_path.clone()).body(json!({"body": "changed by token"})),
            Probe::new("delete a note", &peer, delete.clone(), note_path.clone()),
            // Matches: a participant's and a manager's tokens.
            Probe::new("list matches", &peer, get.clone(), "/v1/matches".to_owned()).insufficient_scope(),
            Probe::new("list a programme's matches", &manager, get.clone(), format!("/v1/matches?programme_id={}", w.programme_id))
                .insufficient_scope(),
            Probe::new("end a match", &peer, post.clone(), w.match_path("/end")).body(json!({})),
            // Sessions.
            Probe::new("list sessions", &peer, get.clone(), w.match_path("/sessions")),
            Probe::new("log a session", &supporter, post.clone(), w.match_path("/sessions"))
                .body(json!({"held_on": today, "duration_minutes": 30})),
            // Safeguarding concerns: the raiser's and the lead's tokens.
            Probe::new("raise a concern", &peer, post.clone(), w.match_path("/concerns"))
                .body(json!({"category": "other", "summary": "by token"})),
            Probe::new("list concerns", &lead, get.clone(), w.programme_path("/concerns")).insufficient_scope(),
            // Complaints: the complainant's and the managers' tokens.
            Probe::new("list complaints", &peer, get.clone(), "/v1/complaints".to_owned()).insufficient_scope(),
            Probe::new("list complaints", &manager, get.clone(), "/v1/complaints".to_owned()).insufficient_scope(),
            Probe::new("list complaints", &admin, get.clone(), format!("/v1/complaints?network_id={}", w.network_id))
                .insufficient_scope(),
            Probe::new("handle a complaint", &manager, patch.clone(), complaint_path.clone())
                .body(json!({"status": "investigating"})),
            Probe::new("raise a complaint", &supporter, post.clone(), "/v1/complaints".to_owned())
                .body(json!({"network_id": w.network_id, "match_id": w.match_id, "summary": "by token"}))
                .insufficient_scope(),
        ];
        for token in [&peer, &supporter, &manager, &admin] {
            probes.push(Probe::new("read a match", token, get.clone(), w.match_path("")));
        }
        for token in [&peer, &lead, &manager, &admin] {
            probes.push(Probe::new("read a concern", token, get.clone(), concern_path.clone()));
        }
        for token in [&peer, &manager, &admin] {
            probes.push(Probe::new("read a complaint", token, get.clone(), complaint_path.clone()));
        }
        refused_all(app, probes, &secrets).await;

        // Nothing changed.
        let n = app.get(&note_path, Some(&w.peer.token)).await.expect(200);
        assert_eq!(n["body"], NOTE);
        assert_eq!(app.count("SELECT COUNT(*) FROM match_notes").await, 1);
        assert_eq!(app.get(&w.match_path(""), Some(&w.peer.token)).await.expect(200)["status"], "active");
        let sessions = app.get(&w.match_path("/sessions"), Some(&w.peer.token)).await.expect(200);
        assert_eq!(ids(&sessions).len(), 1, "{sessions}");
        assert_eq!(app.count("SELECT COUNT(*) FROM safeguarding_concerns").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM complaints").await, 1);
        let c = app.get(&complaint_path, Some(&w.manager.token)).await.expect(200);
        assert_eq!((c["status"].as_str(), c["version"].as_i64()), (Some("open"), Some(1)));
    }
}

dual! {
    async fn a_token_with_every_scope_reaches_no_minutes_draft(app) {
        let w = cop_world(app, "tg-minutes", 1).await;
        let r = app
            .post(
                &w.community_path("/meetings"),
                Some(&w.chair.token),
                json!({
                    "title": "Quarterly meeting", "starts_at_local": "2031-05-01T10:00", "timezone": "Europe/London",
                    "duration_minutes": 120, "mode": "teams", "join_url": "https://teams.example.org/x",
                    "agenda": [{"title": "Welcome"}]
                }),
            )
            .await
            .expect(201);
        let meeting_id = r["id"].as_str().unwrap_or_default().to_owned();
        move_into_past(app, &meeting_id, 10).await;
        let path = format!("/v1/meetings/{meeting_id}/minutes");
        let draft = json!({"items": [{"agenda_item": "Welcome", "discussion": DRAFT}]});
        app.send(app.req(Method::PUT, &path, Some(&w.secretary.token)).json(&draft))
            .await
            .expect(200);
        // Signed in, the core team reads the draft and its revisions.
        for p in [&w.secretary, &w.chair] {
            let v = app.get(&path, Some(&p.token)).await.expect(200);
            assert_eq!(v["items"][0]["discussion"], DRAFT);
            app.get(&format!("{path}/revisions"), Some(&p.token)).await.expect(200);
        }

        let secretary = token_with_every_scope(app, &w.secretary.token).await;
        let chair = token_with_every_scope(app, &w.chair.token).await;
        let manager = token_with_every_scope(app, &w.manager.token).await;
        let admin = token_with_every_scope(app, &w.admin).await;
        let mut probes = Vec::new();
        for token in [&secretary, &chair, &manager, &admin] {
            probes.push(Probe::new("read the draft", token, Method::GET, path.clone()).insufficient_scope());
            probes.push(Probe::new("list revisions", token, Method::GET, format!("{path}/revisions")).insufficient_scope());
        }
        probes.push(
            Probe::new("edit the draft", &secretary, Method::PUT, path.clone())
                .body(json!({"items": [{"agenda_item": "Welcome", "discussion": "by token"}]}))
                .insufficient_scope(),
        );
        probes.push(Probe::new("submit the draft", &secretary, Method::POST, format!("{path}/submit")).insufficient_scope());
        probes.push(Probe::new("approve the draft", &chair, Method::POST, format!("{path}/approve")).insufficient_scope());
        refused_all(app, probes, &[DRAFT]).await;

        // Nothing changed: still the secretary's first draft.
        let r = app.get(&path, Some(&w.chair.token)).await;
        let v = r.expect(200);
        assert_eq!((v["status"].as_str(), v["version"].as_i64()), (Some("draft"), Some(1)), "{v}");
        assert_eq!(v["items"][0]["discussion"], DRAFT);
    }
}
