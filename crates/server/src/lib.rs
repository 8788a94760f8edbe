//! The `peerhub` server: configuration, wiring, background workers and
//! graceful shutdown. `main.rs` adds the command line.

pub mod config;
pub mod demo;
pub mod notifier;
pub mod telemetry;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use peerhub_http::{AppState, HttpSettings, Metrics};
use peerhub_persistence::{Db, DbOptions, connect, migrate};

pub use config::Config;

/// Opens the database described by `config`, creating the SQLite directory
/// if needed. An error names the URL with its password redacted, and
/// repeats no secret the driver's message quoted.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    open_db_of(config, config.db_max_connections).await
}

/// [`open_db`] with a pool of up to `max_connections`.
async fn open_db_of(config: &Config, max_connections: u32) -> anyhow::Result<Db> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    connect(
        &config.database_url,
        &DbOptions {
            max_connections,
            ..db_options(config)
        },
    )
    .await
    .map_err(|e| connect_error(config, &e))
}

fn db_options(config: &Config) -> DbOptions {
    DbOptions {
        max_connections: config.db_max_connections,
        acquire_timeout: config.database_acquire_timeout,
        ..DbOptions::default()
    }
}

fn connect_error(config: &Config, e: &peerhub_persistence::sea_orm::DbErr) -> anyhow::Error {
    anyhow::anyhow!(
        "connecting to {}: {}",
        config::redact_url(&config.database_url),
        config.redact(&e.to_string())
    )
}

/// Runs migrations, retrying for a while if the database is not up yet.
pub async fn migrate_with_retry(db: &Db) -> anyhow::Result<()> {
    let mut delay = Duration::from_millis(250);
    for attempt in 1..=8 {
        match migrate(db).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 8 && peerhub_persistence::error::is_unavailable(&e) => {
                tracing::warn!(error = %e, attempt, "database not reachable yet; retrying migrations");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e).context("running migrations"),
        }
    }
    Ok(())
}

fn http_settings(config: &Config) -> HttpSettings {
    HttpSettings {
        jwt_secret: config.jwt_secret.clone(),
        jwt_issuer: config.jwt_issuer.clone(),
        jwt_audience: config.jwt_audience.clone(),
        access_token_ttl: chrono::Duration::seconds(config.access_token_ttl_secs),
        refresh_token_ttl: chrono::Duration::seconds(config.refresh_token_ttl_secs),
        public_base_url: config.public_base_url.clone(),
        app_base_url: config.app_base_url.clone(),
        max_body_bytes: config.max_body_bytes,
        cors_origins: config.cors_origins.clone(),
        organizer_email: bare_address(&config.smtp_from),
        guards: config.guards.clone(),
        webhook_allow_private: config.webhook_allow_private,
    }
}

/// `Name <addr@example.org>` → `addr@example.org`.
fn bare_address(from: &str) -> String {
    match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => from[a + 1..b].trim().to_owned(),
        _ => from.trim().to_owned(),
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut c = Cors::default()
        .allowed_methods(vec!["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(vec![
            "authorization",
            "content-type",
            "if-match",
            "idempotency-key",
            "x-request-id",
            "accept",
        ])
        .expose_headers(vec![
            "etag",
            "link",
            "location",
            "retry-after",
            "x-request-id",
            "idempotent-replayed",
        ])
        .max_age(3600);
    for o in origins {
        c = if o == "*" {
            c.allow_any_origin()
        } else {
            c.allowed_origin(o)
        };
    }
    c
}

/// A built, bound server ready to run.
pub struct Application {
    port: u16,
    admin_port: Option<u16>,
    server: Server,
    admin_server: Option<Server>,
    db: Db,
    /// The API workers' own PostgreSQL pools (empty: they use `db`).
    worker_dbs: Arc<Vec<Db>>,
    config: Config,
    metrics: Metrics,
}

impl Application {
    /// Connects, migrates and binds (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let workers = config.api_workers();
        // With a PostgreSQL pool per API worker (`db::worker_pools`), the
        // shared pool serves only background jobs and the admin listener.
        let shared = if config.is_sqlite() || workers < 2 {
            config.db_max_connections
        } else {
            peerhub_persistence::db::shared_pool_size(config.db_max_connections)
        };
        let db = open_db_of(&config, shared).await?;
        migrate_with_retry(&db).await?;
        let worker_dbs = peerhub_persistence::db::worker_pools(
            &config.database_url,
            &db_options(&config),
            workers,
        )
        .await
        .map_err(|e| connect_error(&config, &e))?
        .unwrap_or_default();
        let doc = peerhub_http::openapi();
        let spec_json = Arc::new(peerhub_http::openapi_json(&doc));
        peerhub_persistence::secrets::configure_hashing(
            config.guards.hash_concurrency,
            config.guards.hash_queue,
        );
        let mut state = AppState::new(db.clone(), http_settings(&config), Metrics::new());
        state.pools = Arc::new(
            std::iter::once(db.clone())
                .chain(worker_dbs.iter().cloned())
                .collect(),
        );
        let worker_dbs = Arc::new(worker_dbs);
        let listener =
            TcpListener::bind(&config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let origins = config.cors_origins.clone();
        // actix calls the factory once per worker, on that worker's thread:
        // each takes the next pool of its own (or the shared one).
        let api_state = state.clone();
        let next_pool = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let api_pools = worker_dbs.clone();
        let server = HttpServer::new(move || {
            let mut state = api_state.clone();
            if !api_pools.is_empty() {
                let i = next_pool.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                state.db = api_pools[i % api_pools.len()].clone();
            }
            App::new()
                .app_data(web::Data::new(state))
                .wrap(from_fn(peerhub_http::middleware::idempotency))
                .wrap(from_fn(peerhub_http::routes::health::database_gate))
                .wrap(from_fn(peerhub_http::guard::rate_limit))
                .wrap(from_fn(peerhub_http::middleware::json_newline))
                .wrap(Compress::default())
                .wrap(cors(&origins))
                .wrap(from_fn(peerhub_http::middleware::observe))
                .configure(|cfg| peerhub_http::configure(cfg, &doc, spec_json.clone()))
                .default_service(web::to(peerhub_http::fallback))
        })
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(API_SHUTDOWN_SECS)
        .workers(workers);
        let server = server.run();

        let (admin_server, admin_port) = match &config.admin_bind {
            None => (None, None),
            Some(bind) => {
                let l = TcpListener::bind(bind)
                    .with_context(|| format!("binding admin port {bind}"))?;
                let p = l.local_addr()?.port();
                let data = web::Data::new(state.clone());
                let s = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .wrap(from_fn(peerhub_http::middleware::json_newline))
                        .route(
                            "/metrics",
                            web::get().to(|s: web::Data<AppState>| async move {
                                HttpResponse::Ok()
                                    .content_type("text/plain; version=0.0.4")
                                    .body(peerhub_http::routes::system::render_metrics(&s))
                            }),
                        )
                        .service(peerhub_http::routes::health::live)
                        .service(peerhub_http::routes::health::ready)
                })
                .listen(l)?
                .disable_signals()
                .workers(1)
                .shutdown_timeout(ADMIN_SHUTDOWN_SECS)
                .run();
                (Some(s), Some(p))
            }
        };
        Ok(Self {
            port,
            admin_port,
            server,
            admin_server,
            db,
            worker_dbs: worker_dbs.clone(),
            config,
            metrics: state.metrics.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn admin_port(&self) -> Option<u16> {
        self.admin_port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until a signal ([`stop_on_signals`]): SIGTERM and SIGINT
    /// stop gracefully (no new connections; requests in flight get up to
    /// 20 s on the API port, 5 s on the admin port), then the background
    /// workers stop and the pool closes. One line is logged when shutdown
    /// starts and one when it is complete.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let notifier = tokio::spawn(notifier::run(self.db.clone(), self.config.clone()));
        let webhooks = webhooks::spawn(
            self.db.clone(),
            webhooks::Settings::from_config(&self.config),
            self.metrics.clone(),
        )?;
        let mut handles = vec![self.server.handle()];
        handles.extend(self.admin_server.as_ref().map(Server::handle));
        let signals = tokio::spawn(stop_on_signals(handles));
        let admin = self.admin_server;
        let result = match admin {
            Some(a) => {
                let (r1, r2) = tokio::join!(self.server, a);
                r1.and(r2)
            }
            None => self.server.await,
        };
        notifier.abort();
        webhooks.stop().await;
        for db in self.worker_dbs.iter() {
            db.clone().close().await.ok();
        }
        self.db.clone().close().await.ok();
        signals.abort();
        tracing::info!("peerhub stopped: shutdown complete");
        result.context("server error")
    }
}

/// Seconds requests in flight get to finish on the API port at shutdown.
const API_SHUTDOWN_SECS: u64 = 20;
/// The same on the admin port.
const ADMIN_SHUTDOWN_SECS: u64 = 5;

/// Waits for SIGTERM or SIGINT and stops the servers gracefully, logging
/// the start of the shutdown; a second signal (or SIGQUIT) stops them at
/// once, dropping requests in flight.
async fn stop_on_signals(handles: Vec<ServerHandle>) {
    let first = next_signal().await;
    let graceful = !matches!(first, Stop::Quit);
    if graceful {
        tracing::info!(
            signal = first.name(),
            grace_secs = API_SHUTDOWN_SECS,
            "shutting down: refusing new connections, finishing requests in flight"
        );
    } else {
        tracing::warn!(
            signal = first.name(),
            "shutting down now: dropping requests in flight"
        );
    }
    let stopping: Vec<_> = handles
        .iter()
        .map(|h| {
            let h = h.clone();
            tokio::spawn(async move { h.stop(graceful).await })
        })
        .collect();
    if graceful {
        let again = next_signal().await;
        tracing::warn!(
            signal = again.name(),
            "second stop signal: dropping requests in flight"
        );
        for h in &handles {
            h.stop(false).await;
        }
    }
    for s in stopping {
        let _ = s.await;
    }
}

/// The stop signals.
#[derive(Clone, Copy, Debug)]
enum Stop {
    Term,
    Int,
    Quit,
}

impl Stop {
    fn name(self) -> &'static str {
        match self {
            Stop::Term => "SIGTERM",
            Stop::Int => "SIGINT",
            Stop::Quit => "SIGQUIT",
        }
    }
}

/// The next stop signal. If the handlers cannot be installed, logs why
/// and never returns (the process then stops only when killed).
#[cfg(unix)]
async fn next_signal() -> Stop {
    use tokio::signal::unix::{SignalKind, signal};
    let streams = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::quit()),
    );
    let (Ok(mut term), Ok(mut int), Ok(mut quit)) = streams else {
        tracing::error!("cannot install the stop-signal handlers; stop the server with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => Stop::Term,
        _ = int.recv() => Stop::Int,
        _ = quit.recv() => Stop::Quit,
    }
}

#[cfg(not(unix))]
async fn next_signal() -> Stop {
    if tokio::signal::ctrl_c().await.is_err() {
        tracing::error!("cannot install the Ctrl-C handler");
        return std::future::pending().await;
    }
    Stop::Int
}
