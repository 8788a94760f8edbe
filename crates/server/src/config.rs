//! Configuration from the environment (`PEERHUB_*`). See
//! docs/configuration.md for every variable.
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use peerhub_http::state::AuthGuards;
use rand::RngCore;

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

#[derive(Clone)]
pub struct Config {
    pub mode: Mode,
    pub data_dir: PathBuf,
    pub database_url: String,
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
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("mode", &self.mode)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
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
            .finish()
    }
}

/// Hides the password in a URL such as `postgres://user:secret@host/db`.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut u) = url::Url::parse(raw) else {
        return raw.to_owned();
    };
    if u.password().is_some() {
        let _ = u.set_password(Some("redacted"));
    }
    // libpq-style `?password=` (or `sslpassword`, `passfile`…) in the query.
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let secret = k.to_ascii_lowercase().contains("pass");
                (
                    k.into_owned(),
                    if secret {
                        "redacted".into()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_num<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} must be a number, got {v:?}")),
    }
}

impl Config {
    /// Reads the environment. In development a JWT secret is generated
    /// once and kept (mode 0600) under the data directory; production
    /// refuses to start without `PEERHUB_JWT_SECRET`.
    pub fn from_env() -> anyhow::Result<Self> {
        let mode = match var("PEERHUB_ENV").as_deref() {
            None | Some("development") | Some("dev") => Mode::Development,
            Some("production") | Some("prod") => Mode::Production,
            Some(other) => bail!("PEERHUB_ENV must be development or production, got {other:?}"),
        };
        let data_dir = PathBuf::from(var("PEERHUB_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = var("PEERHUB_DATABASE_URL")
            .or_else(|| var("DATABASE_URL"))
            .unwrap_or_else(|| format!("sqlite://{}/peerhub.db?mode=rwc", data_dir.display()));
        let bind = var("PEERHUB_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let public_base_url =
            var("PEERHUB_PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        url::Url::parse(&public_base_url)
            .with_context(|| format!("PEERHUB_PUBLIC_BASE_URL is not a URL: {public_base_url}"))?;
        let jwt_secret = match var("PEERHUB_JWT_SECRET") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => bail!("PEERHUB_JWT_SECRET must be at least 32 characters"),
            None if mode == Mode::Production => {
                bail!("PEERHUB_JWT_SECRET is required when PEERHUB_ENV=production")
            }
            None => dev_secret(&data_dir)?,
        };
        let log_format = match var("PEERHUB_LOG_FORMAT").as_deref() {
            None => {
                if mode == Mode::Production {
                    LogFormat::Json
                } else {
                    LogFormat::Pretty
                }
            }
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => bail!("PEERHUB_LOG_FORMAT must be json or pretty, got {other:?}"),
        };
        let cors_origins = var("PEERHUB_CORS_ORIGINS")
            .map(|s| {
                s.split(',')
                    .map(|o| o.trim().to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            mode,
            data_dir,
            database_url,
            bind,
            admin_bind: var("PEERHUB_ADMIN_BIND"),
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            app_base_url: match var("PEERHUB_APP_BASE_URL") {
                None => None,
                Some(u) => {
                    url::Url::parse(&u)
                        .with_context(|| format!("PEERHUB_APP_BASE_URL is not a URL: {u}"))?;
                    Some(u.trim_end_matches('/').to_owned())
                }
            },
            jwt_secret,
            jwt_issuer: var("PEERHUB_JWT_ISSUER").unwrap_or_else(|| "peerhub".into()),
            jwt_audience: var("PEERHUB_JWT_AUDIENCE").unwrap_or_else(|| "peerhub-api".into()),
            access_token_ttl_secs: parse_num("PEERHUB_ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl_secs: parse_num("PEERHUB_REFRESH_TOKEN_TTL_SECS", 30 * 24 * 3600)?,
            log_format,
            cors_origins,
            max_body_bytes: parse_num("PEERHUB_MAX_BODY_BYTES", 64 * 1024)?,
            db_max_connections: parse_num("PEERHUB_DB_MAX_CONNECTIONS", 10)?,
            smtp_url: var("PEERHUB_SMTP_URL"),
            smtp_from: var("PEERHUB_SMTP_FROM")
                .unwrap_or_else(|| "PeerHub <no-reply@peerhub.invalid>".into()),
            workers: var("PEERHUB_WORKERS").and_then(|w| w.parse().ok()),
            guards: guards_from_env()?,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
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
                .map_err(|e| anyhow::anyhow!("PEERHUB_TRUSTED_PROXIES: {e}"))?,
        },
        notice_interval_secs: parse_num("PEERHUB_NOTICE_INTERVAL_SECS", d.notice_interval_secs)?,
        refresh_grace_secs: parse_num("PEERHUB_REFRESH_GRACE_SECS", d.refresh_grace_secs)?,
    };
    if g.hash_concurrency == 0 || g.auth_rate_per_minute == 0 || g.auth_burst == 0 {
        bail!(
            "PEERHUB_HASH_CONCURRENCY, PEERHUB_AUTH_RATE_PER_MINUTE and PEERHUB_AUTH_BURST must be at least 1"
        );
    }
    if g.notice_interval_secs < 0 || g.refresh_grace_secs < 0 || g.refresh_grace_secs > 60 {
        bail!(
            "PEERHUB_NOTICE_INTERVAL_SECS must be 0 or more and PEERHUB_REFRESH_GRACE_SECS 0 to 60"
        );
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
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:redacted@h/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=secret&sslmode=require"),
            "postgres://h/db?user=u&password=redacted&sslmode=require"
        );
        assert_eq!(
            redact_url("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }

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
