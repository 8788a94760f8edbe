//! The effective configuration as `peerhub config` prints it: every
//! setting, its value (secrets redacted) and where the value came from.
use super::{Config, LogFormat, Mode, Overrides, redact_url, var};
use crate::telemetry::DEFAULT_FILTER;

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--bind`.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// The built-in default (or one derived from other settings).
    Default,
    /// Generated once and kept in a file (the development JWT secret).
    Generated(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(name) => f.write_str(name),
            Origin::Env(name) => write!(f, "env {name}"),
            Origin::Default => f.write_str("default"),
            Origin::Generated(path) => write!(f, "generated, kept in {path}"),
        }
    }
}

/// One line of `peerhub config`.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The environment variable that sets it.
    pub name: &'static str,
    /// The effective value, secrets redacted; `(unset)` when off.
    pub value: String,
    pub origin: Origin,
}

const UNSET: &str = "(unset)";
const REDACTED: &str = "<redacted>";

fn origin(flag: Option<(&Option<String>, &'static str)>, env: &'static str) -> Origin {
    match flag {
        Some((Some(v), name)) if !v.trim().is_empty() => Origin::Flag(name),
        _ if var(env).is_some() => Origin::Env(env),
        _ => Origin::Default,
    }
}

fn env_only(name: &'static str, value: String) -> Setting {
    Setting {
        name,
        value,
        origin: origin(None, name),
    }
}

/// A list, comma-separated; `(none)` when empty.
fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(",")
    }
}

fn or_unset(v: Option<&str>) -> String {
    v.map_or_else(|| UNSET.into(), str::to_owned)
}

impl Config {
    /// Every setting with its effective value and origin, in the order of
    /// docs/configuration.md. Secrets are redacted: the JWT secret and the
    /// admin password whole, the passwords inside the database and SMTP
    /// URLs.
    pub fn settings(&self, flags: &Overrides) -> Vec<Setting> {
        let database_origin = match origin(
            Some((&flags.database_url, "--database-url")),
            "PEERHUB_DATABASE_URL",
        ) {
            Origin::Default if var("DATABASE_URL").is_some() => Origin::Env("DATABASE_URL"),
            o => o,
        };
        let jwt_origin = match var("PEERHUB_JWT_SECRET") {
            Some(_) => Origin::Env("PEERHUB_JWT_SECRET"),
            None => Origin::Generated(self.data_dir.join("jwt-secret").display().to_string()),
        };
        let g = &self.guards;
        let proxies: Vec<String> = g.trusted_proxies.iter().map(|p| p.to_string()).collect();
        vec![
            env_only(
                "PEERHUB_ENV",
                match self.mode {
                    Mode::Development => "development",
                    Mode::Production => "production",
                }
                .into(),
            ),
            Setting {
                name: "PEERHUB_DATA_DIR",
                value: self.data_dir.display().to_string(),
                origin: origin(Some((&flags.data_dir, "--data-dir")), "PEERHUB_DATA_DIR"),
            },
            Setting {
                name: "PEERHUB_DATABASE_URL",
                value: redact_url(&self.database_url),
                origin: database_origin,
            },
            Setting {
                name: "PEERHUB_DATABASE_ACQUIRE_TIMEOUT",
                value: self.database_acquire_timeout.as_secs().to_string(),
                origin: origin(
                    Some((
                        &flags.database_acquire_timeout,
                        "--database-acquire-timeout",
                    )),
                    "PEERHUB_DATABASE_ACQUIRE_TIMEOUT",
                ),
            },
            env_only(
                "PEERHUB_DB_MAX_CONNECTIONS",
                self.db_max_connections.to_string(),
            ),
            Setting {
                name: "PEERHUB_BIND",
                value: self.bind.clone(),
                origin: origin(Some((&flags.bind, "--bind")), "PEERHUB_BIND"),
            },
            env_only("PEERHUB_ADMIN_BIND", or_unset(self.admin_bind.as_deref())),
            env_only("PEERHUB_PUBLIC_BASE_URL", self.public_base_url.clone()),
            env_only(
                "PEERHUB_APP_BASE_URL",
                or_unset(self.app_base_url.as_deref()),
            ),
            Setting {
                name: "PEERHUB_JWT_SECRET",
                value: REDACTED.into(),
                origin: jwt_origin,
            },
            env_only("PEERHUB_JWT_ISSUER", self.jwt_issuer.clone()),
            env_only("PEERHUB_JWT_AUDIENCE", self.jwt_audience.clone()),
            env_only(
                "PEERHUB_ACCESS_TOKEN_TTL_SECS",
                self.access_token_ttl_secs.to_string(),
            ),
            env_only(
                "PEERHUB_REFRESH_TOKEN_TTL_SECS",
                self.refresh_token_ttl_secs.to_string(),
            ),
            env_only("PEERHUB_HASH_CONCURRENCY", g.hash_concurrency.to_string()),
            env_only("PEERHUB_HASH_QUEUE", g.hash_queue.to_string()),
            env_only(
                "PEERHUB_AUTH_RATE_PER_MINUTE",
                g.auth_rate_per_minute.to_string(),
            ),
            env_only("PEERHUB_AUTH_BURST", g.auth_burst.to_string()),
            env_only("PEERHUB_TRUSTED_PROXIES", list(&proxies)),
            env_only(
                "PEERHUB_NOTICE_INTERVAL_SECS",
                g.notice_interval_secs.to_string(),
            ),
            env_only(
                "PEERHUB_REFRESH_GRACE_SECS",
                g.refresh_grace_secs.to_string(),
            ),
            env_only("PEERHUB_MAX_BODY_BYTES", self.max_body_bytes.to_string()),
            env_only("PEERHUB_CORS_ORIGINS", list(&self.cors_origins)),
            env_only(
                "PEERHUB_LOG",
                var("PEERHUB_LOG").unwrap_or_else(|| DEFAULT_FILTER.into()),
            ),
            Setting {
                name: "PEERHUB_LOG_FORMAT",
                value: match self.log_format {
                    LogFormat::Json => "json",
                    LogFormat::Pretty => "pretty",
                }
                .into(),
                origin: origin(
                    Some((&flags.log_format, "--log-format")),
                    "PEERHUB_LOG_FORMAT",
                ),
            },
            env_only(
                "PEERHUB_SMTP_URL",
                self.smtp_url
                    .as_deref()
                    .map_or_else(|| UNSET.into(), redact_url),
            ),
            env_only("PEERHUB_SMTP_FROM", self.smtp_from.clone()),
            env_only(
                "PEERHUB_WORKERS",
                self.workers
                    .map_or_else(|| "(one per CPU)".into(), |w| w.max(1).to_string()),
            ),
            env_only(
                "PEERHUB_WEBHOOK_ALLOW_PRIVATE",
                self.webhook_allow_private.to_string(),
            ),
            env_only("PEERHUB_WEBHOOK_POLL_MS", self.webhook_poll_ms.to_string()),
            env_only(
                "PEERHUB_WEBHOOK_CONCURRENCY",
                self.webhook_concurrency.to_string(),
            ),
            env_only(
                "PEERHUB_WEBHOOK_CLAIM_SECS",
                self.webhook_claim_secs.to_string(),
            ),
            env_only(
                "PEERHUB_OUTBOX_RETENTION_DAYS",
                self.outbox_retention_days.to_string(),
            ),
            env_only(
                "PEERHUB_ADMIN_PASSWORD",
                var("PEERHUB_ADMIN_PASSWORD").map_or_else(|| UNSET.into(), |_| REDACTED.into()),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    /// The `"PEERHUB_…"` literals in a source text.
    fn names(source: &str) -> std::collections::BTreeSet<&str> {
        source
            .match_indices("\"PEERHUB_")
            .filter_map(|(i, _)| {
                let rest = &source[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))?;
                rest[end..].starts_with('"').then(|| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn every_variable_the_configuration_reads_is_listed() {
        let read = names(include_str!("../config.rs"));
        let listed = names(include_str!("describe.rs"));
        let missing: Vec<_> = read.difference(&listed).collect();
        assert!(missing.is_empty(), "not in `peerhub config`: {missing:?}");
    }
}
