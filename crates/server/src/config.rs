//! Configuration from the environment (`PEERHUB_*`) and, for the common
//! settings, command-line flags, which win over the environment. See
//! docs/configuration.md for every setting; `peerhub config` prints the
//! effective values ([`Config::settings`]).
mod describe;
mod redact;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use peerhub_http::state::AuthGuards;
use rand::RngCore;

pub use describe::{Origin, Setting};
pub use redact::{redact_in, redact_url};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The default of `PEERHUB_DATABASE_ACQUIRE_TIMEOUT`, in seconds.
pub const DEFAULT_ACQUIRE_TIMEOUT_SECS: u64 = 2;

#[derive(Clone)]
pub struct Config {
    pub mode: Mode,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// How long a request waits for a pooled database connection
    /// (`PEERHUB_DATABASE_ACQUIRE_TIMEOUT`, whole seconds).
    pub database_acquire_timeout: Duration,
    pub bind: String,
    pub admin_bind: Option<String>,
    pub public_base_url: String,
    pub app_base_url: Option<String>,
    pub jwt_secret: Vec<u8>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub log_format: LogFormat,
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub db_max_connections: u32,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub workers: Option<usize>,
    /// Abuse limits on the credential routes (hashing bound, per-address
    /// rate limit, trusted proxies, notice interval, refresh grace).
    pub guards: AuthGuards,
    /// Webhooks may go to `http` URLs and private or loopback addresses
    /// (`PEERHUB_WEBHOOK_ALLOW_PRIVATE`; development and tests only).
    pub webhook_allow_private: bool,
    /// How often the webhook worker looks for work
    /// (`PEERHUB_WEBHOOK_POLL_MS`, milliseconds).
    pub webhook_poll_ms: u64,
    /// Webhook deliveries sent at once per process
    /// (`PEERHUB_WEBHOOK_CONCURRENCY`).
    pub webhook_concurrency: usize,
    /// How long a claimed delivery stays reserved for its worker before
    /// another node may try it (`PEERHUB_WEBHOOK_CLAIM_SECS`).
    pub webhook_claim_secs: i64,
    /// Days sent, failed and erased outbox messages and finished webhook
    /// deliveries are kept (`PEERHUB_OUTBOX_RETENTION_DAYS`; docs/operations.md).
    pub outbox_retention_days: i32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("mode", &self.mode)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("database_acquire_timeout", &self.database_acquire_timeout)
            .field("bind", &self.bind)
            .field("admin_bind", &self.admin_bind)
            .field("public_base_url", &self.public_base_url)
            .field("app_base_url", &self.app_base_url)
            .field("jwt_secret", &"<redacted>")
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .field("log_format", &self.log_format)
            .field("cors_origins", &self.cors_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("db_max_connections", &self.db_max_connections)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("smtp_from", &self.smtp_from)
            .field("workers", &self.workers)
            .field("guards", &self.guards)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field("webhook_poll_ms", &self.webhook_poll_ms)
            .field("webhook_concurrency", &self.webhook_concurrency)
            .field("webhook_claim_secs", &self.webhook_claim_secs)
            .field("outbox_retention_days", &self.outbox_retention_days)
            .finish()
    }
}

/// An invalid setting: a value that does not parse, is out of range, or a
/// secret production requires that is missing. The command line prints it
/// as one line and exits with status 2 (other failures exit with 1).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(message: String) -> anyhow::Error {
    ConfigError(message).into()
}

/// Values given as command-line flags. Each wins over its environment
/// variable; `None` (or a blank value) means "not given".
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--bind` (`PEERHUB_BIND`).
    pub bind: Option<String>,
    /// `--database-url` (`PEERHUB_DATABASE_URL`).
    pub database_url: Option<String>,
    /// `--data-dir` (`PEERHUB_DATA_DIR`).
    pub data_dir: Option<String>,
    /// `--log-format` (`PEERHUB_LOG_FORMAT`).
    pub log_format: Option<String>,
    /// `--database-acquire-timeout` (`PEERHUB_DATABASE_ACQUIRE_TIMEOUT`).
    pub database_acquire_timeout: Option<String>,
}

/// The environment variable `name`; unset, empty and blank are all unset.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A setting's raw value and the name to blame in an error: the flag when
/// given, else the environment variable.
fn pick(
    flag_value: &Option<String>,
    flag: &'static str,
    env: &'static str,
) -> Option<(String, &'static str)> {
    match flag_value.as_ref().filter(|v| !v.trim().is_empty()) {
        Some(v) => Some((v.clone(), flag)),
        None => var(env).map(|v| (v, env)),
    }
}

fn parse_value<T: std::str::FromStr>(name: &str, v: &str) -> anyhow::Result<T> {
    v.trim()
        .parse()
        .map_err(|_| invalid(format!("{name} must be a number, got {v:?}")))
}

/// The number of API workers for `PEERHUB_WORKERS` (`workers`): that
/// number (0 means 1), else one per CPU the process may use (actix's own
/// default).
fn api_workers(workers: Option<usize>) -> usize {
    workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        |w| w.max(1),
    )
}

fn parse_num<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => parse_value(name, &v),
    }
}

/// A whole number in `range`, or `default` when unset.
fn parse_range<T>(name: &str, default: T, range: std::ops::RangeInclusive<T>) -> anyhow::Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let v = parse_num(name, default)?;
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(invalid(format!(
            "{name} must be {} to {}, got {v}",
            range.start(),
            range.end()
        )))
    }
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`), or `default` when unset.
fn parse_bool(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(invalid(format!(
            "{name} must be true or false, got {other:?}"
        ))),
    }
}

fn parse_url(name: &str, value: &str) -> anyhow::Result<()> {
    url::Url::parse(value)
        .map(|_| ())
        .map_err(|e| invalid(format!("{name} is not a URL ({e}): {value}")))
}

impl Config {
    /// The number of API workers: `PEERHUB_WORKERS`, else one per CPU the
    /// process may use.
    pub fn api_workers(&self) -> usize {
        api_workers(self.workers)
    }

    /// Reads the environment alone (no flags). See [`Config::load`].
    pub fn from_env() -> anyhow::Result<Self> {
        Self::load(&Overrides::default())
    }

    /// Reads the environment, with `flags` winning over it. In development
    /// a JWT secret is generated once and kept (mode 0600) under the data
    /// directory; production refuses to start without
    /// `PEERHUB_JWT_SECRET`. Invalid values are [`ConfigError`]s.
    pub fn load(flags: &Overrides) -> anyhow::Result<Self> {
        let mode = match var("PEERHUB_ENV").as_deref() {
            None | Some("development") | Some("dev") => Mode::Development,
            Some("production") | Some("prod") => Mode::Production,
            Some(other) => {
                return Err(invalid(format!(
                    "PEERHUB_ENV must be development or production, got {other:?}"
                )));
            }
        };
        let data_dir = PathBuf::from(
            pick(&flags.data_dir, "--data-dir", "PEERHUB_DATA_DIR")
                .map_or_else(|| "./data".into(), |(v, _)| v),
        );
        let database_url = pick(
            &flags.database_url,
            "--database-url",
            "PEERHUB_DATABASE_URL",
        )
        .map(|(v, _)| v)
        .or_else(|| var("DATABASE_URL"))
        .unwrap_or_else(|| format!("sqlite://{}/peerhub.db?mode=rwc", data_dir.display()));
        let database_acquire_timeout = match pick(
            &flags.database_acquire_timeout,
            "--database-acquire-timeout",
            "PEERHUB_DATABASE_ACQUIRE_TIMEOUT",
        ) {
            None => Duration::from_secs(DEFAULT_ACQUIRE_TIMEOUT_SECS),
            Some((v, name)) => match parse_value::<u64>(name, &v)? {
                secs @ 1..=3600 => Duration::from_secs(secs),
                _ => {
                    return Err(invalid(format!(
                        "{name} must be 1 to 3600 seconds, got {v:?}"
                    )));
                }
            },
        };
        let bind = pick(&flags.bind, "--bind", "PEERHUB_BIND")
            .map_or_else(|| "127.0.0.1:8080".into(), |(v, _)| v);
        let public_base_url =
            var("PEERHUB_PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        parse_url("PEERHUB_PUBLIC_BASE_URL", &public_base_url)?;
        let jwt_secret = match var("PEERHUB_JWT_SECRET") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => {
                return Err(invalid(
                    "PEERHUB_JWT_SECRET must be at least 32 characters".into(),
                ));
            }
            None if mode == Mode::Production => {
                return Err(invalid(
                    "PEERHUB_JWT_SECRET is required when PEERHUB_ENV=production".into(),
                ));
            }
            None => dev_secret(&data_dir)?,
        };
        let log_format = match pick(&flags.log_format, "--log-format", "PEERHUB_LOG_FORMAT") {
            None if mode == Mode::Production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some((v, _)) if v == "json" => LogFormat::Json,
            Some((v, _)) if v == "pretty" => LogFormat::Pretty,
            Some((other, name)) => {
                return Err(invalid(format!(
                    "{name} must be json or pretty, got {other:?}"
                )));
            }
        };
        let cors_origins = var("PEERHUB_CORS_ORIGINS")
            .map(|s| {
                s.split(',')
                    .map(|o| o.trim().to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let app_base_url = match var("PEERHUB_APP_BASE_URL") {
            None => None,
            Some(u) => {
                parse_url("PEERHUB_APP_BASE_URL", &u)?;
                Some(u.trim_end_matches('/').to_owned())
            }
        };
        let workers = var("PEERHUB_WORKERS").and_then(|w| w.parse().ok());
        Ok(Self {
            mode,
            data_dir,
            database_url,
            database_acquire_timeout,
            bind,
            admin_bind: var("PEERHUB_ADMIN_BIND"),
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            app_base_url,
            jwt_secret,
            jwt_issuer: var("PEERHUB_JWT_ISSUER").unwrap_or_else(|| "peerhub".into()),
            jwt_audience: var("PEERHUB_JWT_AUDIENCE").unwrap_or_else(|| "peerhub-api".into()),
            access_token_ttl_secs: parse_num("PEERHUB_ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl_secs: parse_num("PEERHUB_REFRESH_TOKEN_TTL_SECS", 30 * 24 * 3600)?,
            log_format,
            cors_origins,
            max_body_bytes: parse_num("PEERHUB_MAX_BODY_BYTES", 64 * 1024)?,
            db_max_connections: parse_num(
                "PEERHUB_DB_MAX_CONNECTIONS",
                peerhub_persistence::db::default_max_connections(api_workers(workers)),
            )?,
            smtp_url: var("PEERHUB_SMTP_URL"),
            smtp_from: var("PEERHUB_SMTP_FROM")
                .unwrap_or_else(|| "PeerHub <no-reply@peerhub.invalid>".into()),
            workers,
            guards: guards_from_env()?,
            webhook_allow_private: parse_bool("PEERHUB_WEBHOOK_ALLOW_PRIVATE", false)?,
            webhook_poll_ms: parse_range("PEERHUB_WEBHOOK_POLL_MS", 250, 10..=60_000)?,
            webhook_concurrency: parse_range("PEERHUB_WEBHOOK_CONCURRENCY", 16, 1..=1_024)?,
            webhook_claim_secs: parse_range(
                "PEERHUB_WEBHOOK_CLAIM_SECS",
                peerhub_domain::webhook::schedule::CLAIM_SECONDS,
                1..=3_600,
            )?,
            outbox_retention_days: {
                let s = peerhub_domain::retention::DELIVERED_MESSAGES;
                parse_range(s.field, s.default, s.min..=s.max)?
            },
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Replaces, in `text`, the database and SMTP URLs and their passwords
    /// with their redacted forms (for error messages).
    pub fn redact(&self, text: &str) -> String {
        let text = redact_in(text, &self.database_url);
        match &self.smtp_url {
            Some(u) => redact_in(&text, u),
            None => text,
        }
    }
}

/// The abuse limits, from `PEERHUB_HASH_CONCURRENCY`, `PEERHUB_HASH_QUEUE`,
/// `PEERHUB_AUTH_RATE_PER_MINUTE`, `PEERHUB_AUTH_BURST`,
/// `PEERHUB_TRUSTED_PROXIES`, `PEERHUB_NOTICE_INTERVAL_SECS` and
/// `PEERHUB_REFRESH_GRACE_SECS` (docs/configuration.md).
fn guards_from_env() -> anyhow::Result<AuthGuards> {
    let d = AuthGuards::default();
    let g = AuthGuards {
        hash_concurrency: parse_num("PEERHUB_HASH_CONCURRENCY", d.hash_concurrency)?,
        hash_queue: parse_num("PEERHUB_HASH_QUEUE", d.hash_queue)?,
        auth_rate_per_minute: parse_num("PEERHUB_AUTH_RATE_PER_MINUTE", d.auth_rate_per_minute)?,
        auth_burst: parse_num("PEERHUB_AUTH_BURST", d.auth_burst)?,
        trusted_proxies: match var("PEERHUB_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => peerhub_http::guard::parse_trusted_proxies(&v)
                .map_err(|e| invalid(format!("PEERHUB_TRUSTED_PROXIES: {e}")))?,
        },
        notice_interval_secs: parse_num("PEERHUB_NOTICE_INTERVAL_SECS", d.notice_interval_secs)?,
        refresh_grace_secs: parse_num("PEERHUB_REFRESH_GRACE_SECS", d.refresh_grace_secs)?,
    };
    if g.hash_concurrency == 0 || g.auth_rate_per_minute == 0 || g.auth_burst == 0 {
        return Err(invalid(
            "PEERHUB_HASH_CONCURRENCY, PEERHUB_AUTH_RATE_PER_MINUTE and PEERHUB_AUTH_BURST must be at least 1"
                .into(),
        ));
    }
    if g.notice_interval_secs < 0 || g.refresh_grace_secs < 0 || g.refresh_grace_secs > 60 {
        return Err(invalid(
            "PEERHUB_NOTICE_INTERVAL_SECS must be 0 or more and PEERHUB_REFRESH_GRACE_SECS 0 to 60"
                .into(),
        ));
    }
    Ok(g)
}

/// Loads or creates `<data_dir>/jwt-secret` (0600).
fn dev_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join("jwt-secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_owned();
        if s.len() >= 32 {
            return Ok(s.into_bytes());
        }
    }
    let mut bytes = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    write_private(&path, &secret)?;
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_secret_is_kept_private() {
        let dir = std::env::temp_dir().join(format!("peerhub-secret-{}", std::process::id()));
        let a = dev_secret(&dir).unwrap();
        let b = dev_secret(&dir).unwrap();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
