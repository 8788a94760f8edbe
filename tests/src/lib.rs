//! End-to-end test harness: each test gets a fresh database (a SQLite file,
//! or a PostgreSQL database cloned from a migrated template) and a real
//! server on a free port, and talks to it over real HTTP.
//!
//! PostgreSQL comes from `PEERHUB_TEST_DATABASE_URL` (a server URL; each
//! test creates its own database there), else 127.0.0.1:5432. A PostgreSQL
//! test that cannot reach a server fails; `make test` finds or starts one
//! and, when none can be had, excludes those tests so they count as
//! skipped.

pub mod matching_world;
pub mod problems;
pub mod proxy;
pub mod receiver;
pub mod smtp;
pub mod world;

use std::path::PathBuf;
use std::time::Duration;

use peerhub_persistence::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement,
};
use peerhub_server::Application;
use peerhub_server::config::{Config, LogFormat, Mode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub use peerhub_persistence::Db;
pub use problems::{
    assert_allowed_values, assert_invalid, assert_invalid_all, assert_violation, field_codes,
    fields, message_for, violation_of,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const ADMIN_EMAIL: &str = "admin@peerhub.test";
pub const PASSWORD: &str = "correct horse battery staple";
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256!";
pub const CORS_ORIGIN: &str = "https://app.example.org";

/// Runs a test body against both backends: generates `mod name { sqlite,
/// postgres }`.
#[macro_export]
macro_rules! dual {
    ($(#[$m:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: &$crate::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await;
                run(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::TestApp::spawn($crate::Backend::Postgres).await;
                run(&app).await;
                app.finish().await;
            }
        }
    };
}

/// Whether the test PostgreSQL answers on its port (within 3 s).
pub async fn pg_reachable() -> bool {
    let addr = url::Url::parse(&pg_server_url())
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port().unwrap_or(5432))))
        .unwrap_or_default();
    tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(addr))
        .await
        .is_ok_and(|r| r.is_ok())
}

/// The server URL of the test PostgreSQL.
pub fn pg_server_url() -> String {
    std::env::var("PEERHUB_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(server_url: &str, db: &str) -> String {
    let mut u = url::Url::parse(server_url)
        .unwrap_or_else(|e| panic!("bad PEERHUB_TEST_DATABASE_URL: {e}"));
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn single(url: &str) -> DatabaseConnection {
    let mut o = ConnectOptions::new(url.to_owned());
    o.max_connections(1)
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30));
    Database::connect(o).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL test could not connect to {url}: {e}. Set PEERHUB_TEST_DATABASE_URL or run `make test`, which finds or starts one (and skips these tests loudly if it cannot)."
        )
    })
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Creates a fresh database cloned from a migrated template (built once per
/// migration set, under an advisory lock so parallel tests share it).
async fn fresh_pg_database() -> (String, String) {
    let server = pg_server_url();
    let admin = single(&server).await;
    let names = peerhub_migrations::migration_names().join(",");
    let tmpl = format!("peerhub_tmpl_{:016x}", fxhash(&names));
    exec(&admin, "SELECT pg_advisory_lock(7272727)").await;
    let exists = admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 FROM pg_database WHERE datname = '{tmpl}'"),
        ))
        .await
        .ok()
        .flatten()
        .is_some();
    if !exists {
        let building = format!("{tmpl}_building");
        exec(&admin, &format!("DROP DATABASE IF EXISTS {building}")).await;
        exec(&admin, &format!("CREATE DATABASE {building}")).await;
        let t = single(&with_database(&server, &building)).await;
        peerhub_persistence::migrate(&t)
            .await
            .unwrap_or_else(|e| panic!("migrating template: {e}"));
        t.close().await.ok();
        exec(
            &admin,
            &format!("ALTER DATABASE {building} RENAME TO {tmpl}"),
        )
        .await;
    }
    let name = format!("peerhub_test_{}", uuid::Uuid::now_v7().simple());
    exec(&admin, &format!("CREATE DATABASE {name} TEMPLATE {tmpl}")).await;
    exec(&admin, "SELECT pg_advisory_unlock(7272727)").await;
    admin.close().await.ok();
    (with_database(&server, &name), name)
}

fn fxhash(s: &str) -> u64 {
    // FNV-1a: stable across runs and processes.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub config: Config,
    data_dir: PathBuf,
    pg_name: Option<String>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub fn test_config(backend_url: String, data_dir: PathBuf) -> Config {
    Config {
        mode: Mode::Development,
        data_dir,
        database_url: backend_url,
        database_acquire_timeout: std::time::Duration::from_secs(
            peerhub_server::config::DEFAULT_ACQUIRE_TIMEOUT_SECS,
        ),
        bind: "127.0.0.1:0".into(),
        admin_bind: Some("127.0.0.1:0".into()),
        public_base_url: "http://peerhub.test".into(),
        app_base_url: None,
        jwt_secret: JWT_SECRET.as_bytes().to_vec(),
        jwt_issuer: "peerhub".into(),
        jwt_audience: "peerhub-api".into(),
        access_token_ttl_secs: 900,
        refresh_token_ttl_secs: 3600,
        log_format: LogFormat::Pretty,
        cors_origins: vec![CORS_ORIGIN.into()],
        max_body_bytes: 64 * 1024,
        db_max_connections: 5,
        smtp_url: None,
        smtp_from: "PeerHub <no-reply@peerhub.test>".into(),
        workers: Some(2),
        // Tests sign many people in from one address, and re-register on
        // purpose: the limits get their own tests with production values.
        guards: peerhub_http::state::AuthGuards {
            auth_rate_per_minute: 100_000,
            auth_burst: 100_000,
            notice_interval_secs: 0,
            // Tests fire dozens of registrations at once on purpose.
            hash_queue: 1_000,
            ..Default::default()
        },
        // Webhook receivers in tests listen on 127.0.0.1 over http.
        webhook_allow_private: true,
        webhook_poll_ms: 100,
        webhook_concurrency: 16,
        webhook_claim_secs: peerhub_domain::webhook::schedule::CLAIM_SECONDS,
        outbox_retention_days: peerhub_domain::retention::DELIVERED_MESSAGES.default,
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self.json()
    }

    /// Asserts a problem+json response with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        let v = self.expect(status);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "not problem+json: {}",
            self.text
        );
        assert_eq!(v["code"], code, "problem code; body: {}", self.text);
        assert_eq!(v["status"], status);
        assert_eq!(v["type"], format!("/problems/{code}"));
        v
    }
}

/// Log lines written with `eprint!`, which the test harness captures: the
/// server's warnings and errors appear in a failing test's output (a 500's
/// cause, with its request id) and nowhere else.
struct CapturedStderr;

impl std::io::Write for CapturedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        eprint!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the server's log subscriber for this test process, at
/// `PEERHUB_TEST_LOG` (`EnvFilter` syntax; `warn` when unset), unless one
/// is installed already (tests/tests/logs.rs installs its own first).
fn show_server_logs() {
    let directives = std::env::var("PEERHUB_TEST_LOG").unwrap_or_else(|_| "warn".to_owned());
    let _ =
        peerhub_server::telemetry::init_with_writer(LogFormat::Pretty, Some(&directives), || {
            CapturedStderr
        });
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_configured(backend, |_| {}).await
    }

    /// Like [`spawn`](Self::spawn), with a chance to adjust the config.
    pub async fn spawn_configured(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir =
            std::env::temp_dir().join(format!("peerhub-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&data_dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let (url, pg_name) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/peerhub.db?mode=rwc", data_dir.display()),
                None,
            ),
            Backend::Postgres => {
                let (url, name) = fresh_pg_database().await;
                (url, Some(name))
            }
        };
        let mut config = test_config(url, data_dir.clone());
        adjust(&mut config);
        Self::spawn_with(backend, config, pg_name).await
    }

    pub async fn spawn_with(backend: Backend, config: Config, pg_name: Option<String>) -> TestApp {
        show_server_logs();
        let app = Application::build(config.clone())
            .await
            .unwrap_or_else(|e| panic!("building app: {e:?}"));
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        let data_dir = config.data_dir.clone();
        let mut config = config;
        if let Some(p) = app.admin_port() {
            config.admin_bind = Some(format!("127.0.0.1:{p}"));
        }
        let server = tokio::spawn(app.run_until_stopped());
        TestApp {
            backend,
            base,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            db,
            config,
            data_dir,
            pg_name,
            server,
        }
    }

    /// Stops the server and drops the test database.
    pub async fn finish(self) {
        self.server.abort();
        self.db.clone().close().await.ok();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.pg_name {
            let admin = single(&pg_server_url()).await;
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            admin.close().await.ok();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Resp {
        let r = rb
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        Resp {
            status: r.status(),
            headers: r.headers().clone(),
            text: r.text().await.unwrap_or_default(),
        }
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut rb = self.client.request(method, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.req(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(self.req(Method::POST, path, token).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(self.req(Method::PATCH, path, token).json(&body))
            .await
    }

    /// `DELETE /v1/me` with the re-authentication it needs.
    pub async fn erase_me(&self, token: &str, password: &str) -> Resp {
        self.send(
            self.req(Method::DELETE, "/v1/me", Some(token))
                .json(&json!({"current_password": password})),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.req(Method::DELETE, path, token)).await
    }

    /// Creates the platform admin (once) and returns an access token.
    pub async fn admin_token(&self) -> String {
        if peerhub_persistence::accounts::find_by_email(
            &self.db,
            &peerhub_domain::account::Email::parse(ADMIN_EMAIL).unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .ok()
        .flatten()
        .is_none()
        {
            peerhub_persistence::accounts::create_admin(&self.db, ADMIN_EMAIL, PASSWORD, "Admin")
                .await
                .unwrap_or_else(|e| panic!("create admin: {e:?}"));
        }
        self.login(ADMIN_EMAIL, PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/v1/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        let v = r.expect(200);
        v["access_token"].as_str().unwrap_or_default().to_owned()
    }

    /// Creates a network as admin; returns its JSON.
    pub async fn create_network(&self, admin: &str, slug: &str, domains: &[&str]) -> Value {
        self.post(
            "/v1/networks",
            Some(admin),
            json!({"name": format!("Network {slug}"), "slug": slug, "allowed_email_domains": domains}),
        )
        .await
        .expect(201)
    }

    /// The newest outbox row for `recipient` with `topic`.
    pub async fn outbox_payload(&self, recipient: &str, topic: &str) -> Option<Value> {
        let rows = self.query(&format!(
            "SELECT payload FROM outbox WHERE recipient = '{recipient}' AND topic = '{topic}' ORDER BY id DESC"
        ))
        .await;
        rows.first()
            .and_then(|r| r.first())
            .and_then(|p| p.as_str())
            .and_then(|s| serde_json::from_str(s).ok())
    }

    /// Runs a SELECT and returns rows of string/number cells.
    /// The number a `SELECT COUNT(*) …` returns (an integer or, on some
    /// drivers, a string).
    pub async fn count(&self, sql: &str) -> i64 {
        let rows = self.query(sql).await;
        let cell = rows
            .first()
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or(Value::Null);
        cell.as_i64()
            .or_else(|| cell.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or_else(|| panic!("not a count: {cell:?} from {sql}"))
    }

    pub async fn query(&self, sql: &str) -> Vec<Vec<Value>> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.iter()
            .map(|row| {
                let mut cells = Vec::new();
                for i in 0.. {
                    let idx = i as usize;
                    if let Ok(s) = row.try_get_by_index::<Option<String>>(idx) {
                        cells.push(s.map(Value::String).unwrap_or(Value::Null));
                    } else if let Ok(n) = row.try_get_by_index::<Option<i64>>(idx) {
                        cells.push(n.map(Value::from).unwrap_or(Value::Null));
                    } else if let Ok(n) = row.try_get_by_index::<Option<i32>>(idx) {
                        cells.push(n.map(Value::from).unwrap_or(Value::Null));
                    } else if let Ok(b) = row.try_get_by_index::<Option<bool>>(idx) {
                        cells.push(b.map(Value::from).unwrap_or(Value::Null));
                    } else if let Ok(j) = row.try_get_by_index::<Option<Value>>(idx) {
                        // A jsonb column (PostgreSQL): as text, like SQLite.
                        cells.push(
                            j.map(|j| Value::String(j.to_string()))
                                .unwrap_or(Value::Null),
                        );
                    } else {
                        break;
                    }
                }
                cells
            })
            .collect()
    }

    /// Registers and verifies a person in a network; returns their token.
    pub async fn member(&self, network_id: &str, email: &str) -> String {
        self.post(
            "/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "display_name": email.split('@').next().unwrap_or("x"), "network_id": network_id}),
        )
        .await
        .expect(202);
        let p = self
            .outbox_payload(email, "account.verification_requested")
            .await
            .unwrap_or_else(|| panic!("no verification email for {email}"));
        self.post("/v1/auth/verify", None, json!({"token": p["token"]}))
            .await
            .expect(200);
        self.login(email, PASSWORD).await
    }

    /// Invites `email` as `role` and accepts; returns their token.
    pub async fn invited(
        &self,
        manager: &str,
        network_id: &str,
        email: &str,
        role: &str,
    ) -> String {
        let inv = self
            .post(
                "/v1/invitations",
                Some(manager),
                json!({"network_id": network_id, "email": email, "role": role}),
            )
            .await
            .expect(201);
        let token = inv["token"].as_str().unwrap_or_default().to_owned();
        let r = self
            .post(
                &format!("/v1/invitations/{token}/accept"),
                None,
                json!({"display_name": "Invited Person", "password": PASSWORD}),
            )
            .await
            .expect(201);
        r["tokens"]["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Creates a community with an approved Terms of Reference whose
    /// eligibility rules are `eligibility`; returns its JSON.
    pub async fn community(
        &self,
        manager: &str,
        network_id: &str,
        kind: &str,
        capacity: i32,
        eligibility: Value,
    ) -> Value {
        let c = self
            .post(
                "/v1/communities",
                Some(manager),
                json!({
                    "network_id": network_id, "name": format!("CoP {}", uuid::Uuid::now_v7().simple()),
                    "focus": "Sharing practice", "audience": "Practitioners", "kind": kind, "capacity": capacity,
                    "cadence": {"every": 3, "unit": "months"}, "duration_minutes": 120
                }),
            )
            .await
            .expect(201);
        let id = c["id"].as_str().unwrap_or_default().to_owned();
        let t = self
            .post(
                &format!("/v1/communities/{id}/terms"),
                Some(manager),
                json!({
                    "purpose": "Peer learning", "aims": ["Share practice"], "eligibility": eligibility,
                    "meeting_arrangements": "Quarterly on Teams", "chairing_arrangements": "A chair and co-chairs",
                    "notes_arrangements": "The secretary takes notes"
                }),
            )
            .await
            .expect(201);
        self.post(
            &format!("/v1/communities/{id}/terms/{}/approve", t["version"]),
            Some(manager),
            json!({}),
        )
        .await
        .expect(200);
        self.get(&format!("/v1/communities/{id}"), Some(manager))
            .await
            .expect(200)
    }

    pub fn admin_base(&self) -> Option<String> {
        self.config
            .admin_bind
            .as_ref()
            .map(|b| format!("http://{b}"))
    }
}

/// The `id` of a resource's JSON; panics when it has none.
#[track_caller]
pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// The ids of a page's items, in order.
#[track_caller]
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The user id inside a JWT access token (no verification; tests only).
pub fn user_id_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    v["sub"].as_str().unwrap_or_default().to_owned()
}
