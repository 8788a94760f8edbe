//! The `peerhub` server: configuration, wiring, background workers and
//! graceful shutdown. `main.rs` adds the command line.

pub mod config;
pub mod demo;
pub mod notifier;
pub mod telemetry;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use peerhub_http::{AppState, HttpSettings, Metrics};
use peerhub_persistence::db::PoolSettings;
use peerhub_persistence::{Db, connect, migrate};

pub use config::Config;

/// Opens the database described by `config`, creating the SQLite directory
/// if needed.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let db = connect(
        &config.database_url,
        &PoolSettings {
            max_connections: config.db_max_connections,
            ..PoolSettings::default()
        },
    )
    .await
    .with_context(|| format!("connecting to {}", config::redact_url(&config.database_url)))?;
    Ok(db)
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
    config: Config,
}

impl Application {
    /// Connects, migrates and binds (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = open_db(&config).await?;
        migrate_with_retry(&db).await?;
        let doc = peerhub_http::openapi();
        let spec_json = Arc::new(peerhub_http::openapi_json(&doc));
        peerhub_persistence::secrets::configure_hashing(
            config.guards.hash_concurrency,
            config.guards.hash_queue,
        );
        let state = AppState::new(db.clone(), http_settings(&config), Metrics::new());
        let listener =
            TcpListener::bind(&config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let origins = config.cors_origins.clone();
        let data = web::Data::new(state.clone());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(from_fn(peerhub_http::middleware::idempotency))
                .wrap(from_fn(peerhub_http::guard::rate_limit))
                .wrap(Compress::default())
                .wrap(cors(&origins))
                .wrap(from_fn(peerhub_http::middleware::observe))
                .configure(|cfg| peerhub_http::configure(cfg, &doc, spec_json.clone()))
                .default_service(web::to(peerhub_http::fallback))
        })
        .listen(listener)?
        .shutdown_timeout(20);
        if let Some(w) = config.workers {
            server = server.workers(w.max(1));
        }
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
                .workers(1)
                .shutdown_timeout(5)
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
            config,
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

    /// Serves until a signal. SIGTERM is graceful: actix stops accepting,
    /// lets in-flight requests finish (up to 20 s) and returns. SIGINT and
    /// SIGQUIT stop at once (actix-server's behaviour).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let notifier = tokio::spawn(notifier::run(self.db.clone(), self.config.clone()));
        let admin = self.admin_server;
        let result = match admin {
            Some(a) => {
                let (r1, r2) = tokio::join!(self.server, a);
                r1.and(r2)
            }
            None => self.server.await,
        };
        notifier.abort();
        self.db.clone().close().await.ok();
        result.context("server error")
    }
}
