//! The webhook delivery worker (docs/integrations.md, "Webhooks"). Every
//! node runs one: each poll (and at once again after a full batch) it fans
//! pending outbox events out to deliveries, claims as many due deliveries
//! as it has free slots, and sends them concurrently, each in its own task,
//! so a slow receiver holds one slot and never the others or the API.
//!
//! Sending re-checks where the URL points: unless
//! `PEERHUB_WEBHOOK_ALLOW_PRIVATE` is set, an address literal must be
//! public, and names are resolved by [`PublicOnly`], which drops every
//! address that is not, so the connection only ever goes to a checked
//! address (a name that later resolves inside — DNS rebinding — is
//! refused). Logs name the receiver's host only: never the URL's path or
//! query, the secret or the signature.
use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use peerhub_domain::webhook::schedule::TIMEOUT_SECONDS;
use peerhub_domain::webhook::{Outcome, address, message_id, signing};
use peerhub_http::Metrics;
use peerhub_persistence::Db;
use peerhub_persistence::webhooks::worker::{self, Attempt, Claimed};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::Config;

/// Events fanned out per transaction.
const DISPATCH_BATCH: u64 = 500;
/// Seconds to connect to a receiver (within the total timeout).
const CONNECT_TIMEOUT_SECS: u64 = 5;
/// Most bytes of an answer read (only for a failure's error text).
const MAX_ANSWER_BYTES: usize = 4 * 1024;
/// Longest error text kept from an answer's body.
const MAX_ERROR_CHARS: usize = 200;
/// Seconds sends in flight get to finish at shutdown.
const SHUTDOWN_GRACE_SECS: u64 = 5;
/// The `User-Agent` of every delivery.
pub const USER_AGENT: &str = "PeerHub-Webhooks/1";

/// The worker's settings (from `PEERHUB_WEBHOOK_*`).
#[derive(Clone, Debug)]
pub struct Settings {
    pub allow_private: bool,
    pub poll: Duration,
    pub concurrency: usize,
    pub claim_secs: i64,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            allow_private: config.webhook_allow_private,
            poll: Duration::from_millis(config.webhook_poll_ms),
            concurrency: config.webhook_concurrency.max(1),
            claim_secs: config.webhook_claim_secs,
        }
    }
}

/// A running worker; [`Worker::stop`] ends it, and so does dropping it
/// (without waiting).
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Stops claiming, lets sends in flight finish for a few seconds, then
    /// drops the rest (their reservations lapse and another node, or this
    /// one after a restart, tries them again).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let grace = Duration::from_secs(SHUTDOWN_GRACE_SECS + 1);
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("webhook worker did not stop in time");
        }
    }
}

/// Starts the worker on the current runtime.
pub fn spawn(db: Db, settings: Settings, metrics: Metrics) -> anyhow::Result<Worker> {
    let client = client(settings.allow_private)?;
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(db, client, settings, metrics, stopped));
    Ok(Worker { stop, task })
}

/// The HTTP client of every delivery: 10 s in all, no redirects, no proxy
/// from the environment, and, unless private targets are allowed, the
/// [`PublicOnly`] resolver.
pub fn client(allow_private: bool) -> anyhow::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(Duration::from_secs(TIMEOUT_SECONDS))
        .connect_timeout(Duration::from_secs(CONNECT_TIMEOUT_SECS))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(USER_AGENT);
    if !allow_private {
        b = b.dns_resolver(Arc::new(PublicOnly));
    }
    Ok(b.build()?)
}

async fn run(
    db: Db,
    client: reqwest::Client,
    settings: Settings,
    metrics: Metrics,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    let mut sends = JoinSet::new();
    tracing::debug!(
        concurrency = settings.concurrency,
        poll_ms = settings.poll.as_millis() as u64,
        "webhook worker started"
    );
    while !*stopped.borrow() {
        while sends.try_join_next().is_some() {}
        // While the database is known to be down (docs/operations.md,
        // "Database outages") there is nothing to claim: wait for the probe
        // instead of logging a failure every poll.
        if peerhub_persistence::db::health().is_down() {
            let stop = tokio::select! {
                _ = tokio::time::sleep(settings.poll.max(Duration::from_secs(1))) => false,
                changed = stopped.changed() => changed.is_err() || *stopped.borrow(),
            };
            if stop {
                break;
            }
            continue;
        }
        let mut more = match worker::dispatch(&db, DISPATCH_BATCH).await {
            Ok(n) => n as u64 >= DISPATCH_BATCH,
            Err(e) => {
                tracing::warn!(error = %e, "webhook fan-out failed; retrying");
                false
            }
        };
        let free = slots.available_permits();
        if free > 0 {
            match worker::claim(&db, free as u64, settings.claim_secs).await {
                Ok(batch) => {
                    more |= batch.len() >= free;
                    for claimed in batch {
                        // Only this loop takes permits, so these are free.
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let (db, client, metrics) = (db.clone(), client.clone(), metrics.clone());
                        let allow_private = settings.allow_private;
                        sends.spawn(async move {
                            deliver(&db, &client, &metrics, claimed, allow_private).await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed; retrying")
                }
            }
        }
        if more && slots.available_permits() > 0 {
            continue;
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(settings.poll), if !more => false,
            // Every slot busy: go on as soon as one frees.
            _ = slots.acquire(), if more => false,
            // Told to stop, or the handle is gone (its server was dropped).
            changed = stopped.changed() => changed.is_err() || *stopped.borrow(),
        };
        if stop {
            break;
        }
    }
    let grace = Duration::from_secs(SHUTDOWN_GRACE_SECS);
    if !sends.is_empty() {
        tracing::info!(
            in_flight = sends.len(),
            "webhook worker stopping: finishing sends in flight"
        );
    }
    if tokio::time::timeout(grace, async { while sends.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        tracing::warn!(
            dropped = sends.len(),
            "webhook sends still in flight at shutdown were dropped; they are retried when their claim lapses"
        );
        sends.abort_all();
    }
}

/// Sends one claimed delivery and records the attempt.
async fn deliver(
    db: &Db,
    client: &reqwest::Client,
    metrics: &Metrics,
    claimed: Claimed,
    allow_private: bool,
) {
    let d = &claimed.delivery;
    let host = host_of(&claimed.url);
    let started = Instant::now();
    let (status_code, error) = match send(client, &claimed, allow_private).await {
        Ok(Answer { status, error }) => (Some(status), error),
        Err(error) => (None, Some(error)),
    };
    let took = started.elapsed();
    let outcome = Outcome::of(status_code);
    metrics
        .webhook_deliveries
        .with_label_values(&[match outcome {
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
            Outcome::Gone => "gone",
        }])
        .inc();
    metrics.webhook_duration.observe(took.as_secs_f64());
    tracing::debug!(
        delivery = %d.id,
        webhook = %d.webhook_id,
        host = %host,
        attempt = d.attempts,
        status = status_code,
        duration_ms = took.as_millis() as u64,
        error = error.as_deref(),
        "webhook delivery attempt"
    );
    let attempt = Attempt {
        status_code,
        duration_ms: i32::try_from(took.as_millis()).unwrap_or(i32::MAX),
        error,
    };
    let jitter: f64 = rand::random();
    match worker::record(db, &claimed, attempt, jitter).await {
        Ok(Some(reason)) => {
            metrics.webhook_disabled.inc();
            tracing::warn!(
                webhook = %d.webhook_id,
                host = %host,
                reason = reason.as_str(),
                "webhook subscription disabled; its network's managers are emailed"
            );
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(
            delivery = %d.id,
            error = %e,
            "recording a webhook attempt failed; the delivery is tried again when its claim lapses"
        ),
    }
}

/// The receiver's answer: its status and, unless 2xx, a short error.
struct Answer {
    status: u16,
    error: Option<String>,
}

/// Signs and posts the delivery. `Err` is why there was no answer.
async fn send(
    client: &reqwest::Client,
    claimed: &Claimed,
    allow_private: bool,
) -> Result<Answer, String> {
    let d = &claimed.delivery;
    // The URL was checked when saved; checking again here refuses an
    // address literal that is no longer allowed and a scheme or local name
    // saved while private targets were allowed.
    let url = address::parse_url(&claimed.url, allow_private).map_err(|e| match e.code {
        "address_not_public" => NOT_PUBLIC.to_owned(),
        _ => format!("URL refused: {}", e.message),
    })?;
    let id = message_id(&d.id);
    let ts = chrono::Utc::now().timestamp();
    let secrets: Vec<&str> = claimed.secrets.iter().map(String::as_str).collect();
    let Some(signature) = signing::signature_header(&secrets, &id, ts, d.body.as_bytes()) else {
        tracing::error!(webhook = %d.webhook_id, "a stored webhook secret does not decode; not sending unsigned");
        return Err("secret does not decode".to_owned());
    };
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = resp.status();
    let code = status.as_u16();
    let line = format!(
        "HTTP {code}{}",
        status
            .canonical_reason()
            .map(|r| format!(" {r}"))
            .unwrap_or_default()
    );
    let error = if status.is_success() {
        // The answer's body is not read: a large one costs nothing.
        None
    } else if status.is_redirection() {
        Some(format!("redirect not followed ({line})"))
    } else {
        let text = answer_prefix(resp).await;
        Some(if text.is_empty() {
            line
        } else {
            format!("{line}: {text}")
        })
    };
    Ok(Answer {
        status: code,
        error,
    })
}

/// Up to [`MAX_ANSWER_BYTES`] of an answer's body, as short printable
/// text. Reading stops there: the rest is never buffered.
async fn answer_prefix(mut resp: reqwest::Response) -> String {
    let mut buf = Vec::new();
    while buf.len() < MAX_ANSWER_BYTES {
        match resp.chunk().await {
            Ok(Some(c)) => buf.extend_from_slice(&c),
            _ => break,
        }
    }
    buf.truncate(MAX_ANSWER_BYTES);
    String::from_utf8_lossy(&buf)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_ERROR_CHARS)
        .collect()
}

const NOT_PUBLIC: &str = "address not public";

/// A short, URL-free description of a failed request.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    let mut deepest = None;
    while let Some(s) = source {
        if s.is::<NotPublic>() {
            return NOT_PUBLIC.to_owned();
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                std::io::ErrorKind::TimedOut => return "timed out".to_owned(),
                _ => {}
            }
        }
        deepest = Some(s);
        source = s.source();
    }
    let kind = if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match deepest {
        Some(s) => format!("{kind}: {s}"),
        None => kind.to_owned(),
    }
}

/// The host of `url`, for logs (never the path or query, which may carry
/// a receiver's token).
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "(invalid URL)".to_owned())
}

/// Every address of a name was refused.
#[derive(Debug)]
struct NotPublic;

impl std::fmt::Display for NotPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_PUBLIC)
    }
}

impl StdError for NotPublic {}

/// Resolves with the system resolver and keeps public addresses only
/// (`address::is_public`), failing when none is left.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| address::is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(NotPublic) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_of_inside_addresses_resolve_to_nothing() {
        let r = PublicOnly.resolve("localhost".parse().unwrap()).await;
        let err = r.err().unwrap();
        assert_eq!(err.to_string(), NOT_PUBLIC);
    }

    #[tokio::test]
    async fn the_public_only_client_refuses_a_name_of_loopback() {
        // A name that resolves to loopback never gets a connection, even
        // with a listener there.
        let client = client(false).unwrap();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let e = client
            .get(format!("http://localhost:{port}/?token=secret"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(describe(&e), NOT_PUBLIC);
    }

    #[tokio::test]
    async fn the_worker_stops_when_told_or_when_its_handle_is_dropped() {
        let db = peerhub_persistence::connect("sqlite::memory:", &Default::default())
            .await
            .unwrap();
        peerhub_persistence::migrate(&db).await.unwrap();
        let settings = Settings {
            allow_private: true,
            poll: Duration::from_secs(3600),
            concurrency: 2,
            claim_secs: 60,
        };
        let w = spawn(db.clone(), settings.clone(), Metrics::new()).unwrap();
        tokio::time::timeout(Duration::from_secs(2), w.stop())
            .await
            .unwrap();
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(run(db, client(true).unwrap(), settings, Metrics::new(), rx));
        drop(tx);
        // without this, an aborted server left its worker polling in a
        // tight loop
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[test]
    fn hosts_are_logged_without_path_or_query() {
        assert_eq!(
            host_of("https://hooks.example.org/in?token=abc"),
            "hooks.example.org"
        );
        assert_eq!(host_of("not a url"), "(invalid URL)");
    }
}
