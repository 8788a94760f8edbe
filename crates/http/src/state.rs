//! Shared application state handed to every handler.
use std::sync::Arc;

use chrono::Duration;
use jsonwebtoken::{DecodingKey, EncodingKey};
use peerhub_persistence::Db;

pub use crate::limits::AuthGuards;
use crate::metrics::Metrics;

/// Settings the HTTP layer needs (built by the server from its config).
#[derive(Clone)]
pub struct HttpSettings {
    pub jwt_secret: Vec<u8>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub public_base_url: String,
    /// A front end's base URL for links in emails, if there is one.
    pub app_base_url: Option<String>,
    pub max_body_bytes: usize,
    pub cors_origins: Vec<String>,
    /// The address calendar entries name as organiser (`ORGANIZER`).
    pub organizer_email: String,
    /// Bounds on what unauthenticated callers can make the server spend.
    pub guards: AuthGuards,
    /// `PEERHUB_WEBHOOK_ALLOW_PRIVATE`: webhook URLs may be `http` and
    /// point at private addresses (development and tests only).
    pub webhook_allow_private: bool,
}

impl std::fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSettings")
            .field("jwt_secret", &"<redacted>")
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("public_base_url", &self.public_base_url)
            .field("app_base_url", &self.app_base_url)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("cors_origins", &self.cors_origins)
            .field("organizer_email", &self.organizer_email)
            .field("guards", &self.guards)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .finish()
    }
}

pub struct Keys {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
}

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The pool this worker's requests use.
    pub db: Db,
    /// Every pool of the process, for the pool gauges: the shared one and,
    /// when the API workers have pools of their own (see
    /// `peerhub_persistence::db::worker_pools`), theirs.
    pub pools: Arc<Vec<Db>>,
    pub settings: Arc<HttpSettings>,
    pub keys: Arc<Keys>,
    pub metrics: Metrics,
    /// Per-address limit on the credential routes.
    pub limiter: Arc<crate::limits::AuthLimiter>,
}

impl AppState {
    /// Links for emails and responses.
    pub fn links(&self) -> peerhub_persistence::links::Links {
        peerhub_persistence::links::Links {
            api_base: self.settings.public_base_url.clone(),
            app_base: self.settings.app_base_url.clone(),
        }
    }

    pub fn new(db: Db, settings: HttpSettings, metrics: Metrics) -> Self {
        let keys = Keys {
            encoding: EncodingKey::from_secret(&settings.jwt_secret),
            decoding: DecodingKey::from_secret(&settings.jwt_secret),
        };
        Self {
            pools: Arc::new(vec![db.clone()]),
            db,
            limiter: Arc::new(crate::limits::AuthLimiter::new(&settings.guards)),
            settings: Arc::new(settings),
            keys: Arc::new(keys),
            metrics,
        }
    }
}
