//! Shared application state handed to every handler.
use std::sync::Arc;

use chrono::Duration;
use jsonwebtoken::{DecodingKey, EncodingKey};
use peerhub_persistence::Db;

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
}

/// Limits on the credential routes (see docs/operations.md, "Abuse limits").
#[derive(Clone, Debug)]
pub struct AuthGuards {
    /// Password hashes computed at once (`PEERHUB_HASH_CONCURRENCY`).
    pub hash_concurrency: usize,
    /// Hashes allowed to wait for a slot; beyond it, 503 `busy`
    /// (`PEERHUB_HASH_QUEUE`).
    pub hash_queue: usize,
    /// Sustained requests per minute per client address on the
    /// unauthenticated auth routes (`PEERHUB_AUTH_RATE_PER_MINUTE`).
    pub auth_rate_per_minute: u32,
    /// Burst allowed above the sustained rate (`PEERHUB_AUTH_BURST`).
    pub auth_burst: u32,
    /// Proxies whose `X-Forwarded-For` is believed
    /// (`PEERHUB_TRUSTED_PROXIES`, comma-separated addresses or CIDRs).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// At most one verification, "someone tried to register" or reset
    /// email per address per this many seconds
    /// (`PEERHUB_NOTICE_INTERVAL_SECS`).
    pub notice_interval_secs: i64,
    /// How long a just-rotated refresh token still returns its successor,
    /// once (`PEERHUB_REFRESH_GRACE_SECS`).
    pub refresh_grace_secs: i64,
}

impl Default for AuthGuards {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            hash_concurrency: (2 * cores).max(2),
            hash_queue: 32,
            auth_rate_per_minute: 30,
            auth_burst: 10,
            trusted_proxies: Vec::new(),
            notice_interval_secs: 300,
            refresh_grace_secs: 10,
        }
    }
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
    pub db: Db,
    pub settings: Arc<HttpSettings>,
    pub keys: Arc<Keys>,
    pub metrics: Metrics,
    /// Per-address limit on the credential routes.
    pub limiter: Arc<crate::guard::AuthLimiter>,
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
            db,
            limiter: Arc::new(crate::guard::AuthLimiter::new(&settings.guards)),
            settings: Arc::new(settings),
            keys: Arc::new(keys),
            metrics,
        }
    }
}
