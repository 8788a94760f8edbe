//! `make bench`: memory under a login burst. Starts the release binary (with
//! the allocator it ships) on a fresh SQLite database, creates one account,
//! sends 500 logins at 100 concurrent, and reports the server's peak RSS, its
//! RSS 5 s after the burst, and how many answers were 200, 401, 429 and 503.
//! Reported, never asserted (docs/operations.md, "Abuse limits").
//!
//! Two runs: the per-address rate limit opened wide, so every login reaches
//! the hashing bound (what a spread-out botnet does), and the shipped
//! defaults, where one address is cut off after its burst.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const LOGINS: usize = 500;
const CONCURRENCY: usize = 100;
const PASSWORD: &str = "quiet harbour lantern evening";

fn binary() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/peerhub")
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

struct Server {
    child: Child,
    base: String,
    _dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

fn start(port: u16, env: &[(&str, &str)]) -> Server {
    let dir = std::env::temp_dir().join(format!("peerhub-burst-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let common = |c: &mut Command| {
        c.env("PEERHUB_DATA_DIR", &dir)
            .env("PEERHUB_BIND", format!("127.0.0.1:{port}"))
            .env("PEERHUB_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .env("PEERHUB_ADMIN_PASSWORD", PASSWORD);
        for (k, v) in env {
            c.env(k, v);
        }
    };
    let mut admin = Command::new(binary());
    common(&mut admin);
    let ok = admin
        .args(["admin", "create", "--email", "burst@peerhub.test"])
        .stdout(Stdio::null())
        .status()
        .expect("run peerhub admin create (make bench builds target/release/peerhub)");
    assert!(ok.success(), "admin create failed");
    let mut serve = Command::new(binary());
    common(&mut serve);
    let child = serve
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start peerhub serve");
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} never became ready");
}

async fn burst(label: &str, port: u16, env: &[(&str, &str)]) {
    let server = start(port, env);
    let pid = server.child.id();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("client");
    wait_ready(&client, &server.base).await;
    let idle = rss_kib(pid, "VmRSS:");
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(idle));
    let sampler = {
        let (s, p) = (sampling.clone(), peak.clone());
        tokio::spawn(async move {
            while s.load(std::sync::atomic::Ordering::Relaxed) {
                p.fetch_max(rss_kib(pid, "VmRSS:"), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::with_capacity(LOGINS);
    for i in 0..LOGINS {
        let (client, base, sem) = (client.clone(), server.base.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.ok();
            // Mostly wrong passwords at many addresses (a spray), some right.
            let (email, password) = if i % 10 == 0 {
                ("burst@peerhub.test".to_owned(), PASSWORD.to_owned())
            } else {
                (
                    format!("nobody{i}@peerhub.test"),
                    format!("wrong password {i}"),
                )
            };
            let t = Instant::now();
            let s = client
                .post(format!("{base}/v1/auth/login"))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (s, t.elapsed())
        }));
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut latencies = Vec::with_capacity(LOGINS);
    for t in tasks {
        if let Ok((s, d)) = t.await {
            *statuses.entry(s).or_default() += 1;
            latencies.push(d);
        }
    }
    let took = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = rss_kib(pid, "VmRSS:");
    let hwm = rss_kib(pid, "VmHWM:");
    latencies.sort();
    let p99 = latencies
        .get(latencies.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or_default();
    println!(
        "login burst, {label}: {LOGINS} logins at {CONCURRENCY} concurrent in {:.1} s, p99 {:.0} ms; RSS idle {} MB, peak {} MB (VmHWM {} MB), 5 s after {} MB; answers {:?}",
        took.as_secs_f64(),
        p99.as_secs_f64() * 1000.0,
        idle / 1024,
        peak.load(std::sync::atomic::Ordering::Relaxed) / 1024,
        hwm / 1024,
        after / 1024,
        statuses
    );
}

fn main() {
    if !binary().exists() {
        eprintln!(
            "login_burst: {} is missing; run `cargo build --release -p peerhub-server` (make bench does)",
            binary().display()
        );
        std::process::exit(1);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        burst(
            "rate limit opened (hashing bound only)",
            18431,
            &[
                ("PEERHUB_AUTH_BURST", "100000"),
                ("PEERHUB_AUTH_RATE_PER_MINUTE", "100000"),
            ],
        )
        .await;
        burst("shipped defaults", 18432, &[]).await;
    });
}
