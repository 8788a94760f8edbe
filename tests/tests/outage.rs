//! A PostgreSQL outage under write load: a throwaway cluster (initdb +
//! pg_ctl on a free port, as `.ci/pg.sh` starts one) is stopped and
//! restarted while a loop of authenticated writes runs.
//!
//! Asserts: every request answers within 3 s; while the database is down
//! the answer is 503 `database-unavailable` with `Retry-After` (readiness
//! too); every write answered 2xx is readable afterwards; writes succeed
//! again within 5 s of the restart, without restarting the server. Also:
//! start-up against refused credentials fails at once, naming the cause
//! and not the password.
//!
//! Skipped (with a printed reason) only when initdb/pg_ctl are missing and
//! `PEERHUB_REQUIRE_PG` is unset.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peerhub_server::Application;
use peerhub_tests::{Backend, TestApp, test_config};
use serde_json::json;

const PASSWORD: &str = "outage-test-pw-9f3k";
const PG_OPTS: &str =
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100";

/// Directory holding initdb and pg_ctl, newest version first.
fn pg_bindir() -> Option<PathBuf> {
    let on_path = |name: &str| {
        std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|f| f.is_file())
        })
    };
    if let (Some(i), Some(_)) = (on_path("initdb"), on_path("pg_ctl")) {
        return i.parent().map(Path::to_path_buf);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A throwaway cluster, stopped and removed on drop.
struct Cluster {
    bindir: PathBuf,
    dir: PathBuf,
    port: u16,
    /// initdb/postgres refuse root: run them as this account.
    run_as: Option<&'static str>,
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        let exe = self.bindir.join(program);
        let mut c = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        c.current_dir(&self.dir);
        c
    }

    fn run(&self, what: &str, c: &mut Command) {
        let out = c
            .output()
            .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
        assert!(
            out.status.success(),
            "{what} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
    }

    fn create(bindir: PathBuf) -> Cluster {
        let dir =
            std::env::temp_dir().join(format!("peerhub-outage-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let run_as = is_root().then_some("postgres");
        if let Some(user) = run_as {
            let ok = Command::new("chown")
                .arg(user)
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {user} {}", dir.display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let cluster = Cluster {
            bindir,
            dir,
            port,
            run_as,
        };
        let pwfile = cluster.dir.join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap_or_else(|e| panic!("{e}"));
        if let Some(user) = run_as {
            let _ = Command::new("chown").arg(user).arg(&pwfile).status();
        }
        // Passwords over TCP, so refused credentials can be tested too.
        cluster.run(
            "initdb",
            cluster
                .command("initdb")
                .arg("-D")
                .arg(cluster.dir.join("data"))
                .args(["-U", "postgres", "-E", "UTF8", "--no-sync"])
                .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
                .arg(format!("--pwfile={}", pwfile.display())),
        );
        cluster.start();
        cluster
    }

    fn start(&self) {
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} {PG_OPTS}",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl start",
            self.command("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .args(["-o", &opts, "-w", "-t", "60", "start"]),
        );
    }

    fn stop(&self, mode: &str) {
        self.run(
            "pg_ctl stop",
            self.command("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", mode, "-w", "stop"]),
        );
    }

    fn url(&self, password: &str) -> String {
        format!(
            "postgres://postgres:{password}@127.0.0.1:{}/postgres",
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request of the load: when it started, how long it took, and what
/// came back.
#[derive(Debug, Clone)]
struct Outcome {
    at: Instant,
    took: Duration,
    status: u16,
    code: String,
    retry_after: Option<String>,
    id: Option<String>,
}

async fn write_loop(
    app: Arc<TestApp>,
    token: String,
    worker: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
    log: Arc<Mutex<Vec<Outcome>>>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        n += 1;
        let slug = format!("outage-{worker}-{n}");
        let at = Instant::now();
        let r = client
            .post(app.url("/v1/networks"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("Network {slug}"), "slug": slug, "allowed_email_domains": []}))
            .send()
            .await;
        let took = at.elapsed();
        let outcome = match r {
            Ok(r) => {
                let status = r.status().as_u16();
                let retry_after = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                Outcome {
                    at,
                    took,
                    status,
                    code: body["code"].as_str().unwrap_or_default().to_owned(),
                    retry_after,
                    id: body["id"].as_str().map(str::to_owned),
                }
            }
            Err(e) => Outcome {
                at,
                took,
                status: 0,
                code: format!("transport error: {e}"),
                retry_after: None,
                id: None,
            },
        };
        log.lock().unwrap_or_else(|e| e.into_inner()).push(outcome);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_outage_fails_fast_and_recovers_without_restart() {
    let Some(bindir) = pg_bindir() else {
        assert!(
            std::env::var_os("PEERHUB_REQUIRE_PG").is_none(),
            "PEERHUB_REQUIRE_PG is set but initdb/pg_ctl were not found (PATH or /usr/lib/postgresql/*/bin)"
        );
        eprintln!(
            "SKIPPED postgres_outage_fails_fast_and_recovers_without_restart: initdb/pg_ctl not found and PEERHUB_REQUIRE_PG is unset"
        );
        return;
    };
    let cluster = Cluster::create(bindir);
    let data_dir = std::env::temp_dir().join(format!(
        "peerhub-outage-app-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&data_dir).unwrap_or_else(|e| panic!("{e}"));

    // Refused credentials: a permanent error, reported at once with its
    // cause and without the password.
    let wrong = "not-the-password-7x";
    let started = Instant::now();
    let err = Application::build(test_config(cluster.url(wrong), data_dir.clone()))
        .await
        .err()
        .unwrap_or_else(|| panic!("started with a wrong password"));
    let text = format!("{err:#}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(text.contains("authentication failed"), "{text}");
    assert!(!text.contains(wrong), "password leaked: {text}");

    let app = Arc::new(
        TestApp::spawn_with(
            Backend::Postgres,
            test_config(cluster.url(PASSWORD), data_dir.clone()),
            None,
        )
        .await,
    );
    let admin = app.admin_token().await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..2)
        .map(|w| {
            tokio::spawn(write_loop(
                app.clone(),
                admin.clone(),
                w,
                stop.clone(),
                log.clone(),
            ))
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stopped_at = Instant::now();
    cluster.stop("fast");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let asked = Instant::now();
    let ready = app.get("/health/ready", None).await;
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "readiness waited"
    );
    ready.problem(503, "database-unavailable");
    assert!(ready.header("retry-after").is_some(), "{:?}", ready.headers);
    let restart_began = Instant::now();
    cluster.start();
    let restarted_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(7)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for w in workers {
        w.await.unwrap_or_else(|e| panic!("load worker: {e}"));
    }
    let log = log.lock().unwrap_or_else(|e| e.into_inner()).clone();

    // Every request answered, within 3 s.
    for o in &log {
        assert!(o.status != 0, "{o:?}");
        assert!(o.took < Duration::from_secs(3), "slow answer: {o:?}");
    }
    // Before the stop: writes succeed.
    assert!(
        log.iter().any(|o| o.at < stopped_at && o.status == 201),
        "no write succeeded before the outage"
    );
    // During the outage: 503 database-unavailable with Retry-After, and
    // nothing else but successes that raced the shutdown.
    let during: Vec<&Outcome> = log
        .iter()
        .filter(|o| o.at > stopped_at + Duration::from_millis(500) && o.at + o.took < restart_began)
        .collect();
    assert!(!during.is_empty(), "no request during the outage");
    for o in &during {
        assert_eq!(o.status, 503, "{o:?}");
        assert_eq!(o.code, "database-unavailable", "{o:?}");
        assert!(o.retry_after.is_some(), "no Retry-After: {o:?}");
    }
    // Once the outage is known (the first 503 has been answered), the
    // rest answer at once instead of waiting for the acquire timeout.
    let noticed = during
        .iter()
        .map(|o| o.at + o.took)
        .min()
        .unwrap_or_else(|| panic!("no 503 during the outage"));
    let known: Vec<&&Outcome> = during.iter().filter(|o| o.at > noticed).collect();
    assert!(
        !known.is_empty(),
        "no request once the outage was known: {during:#?}"
    );
    for o in &known {
        assert!(
            o.took < Duration::from_millis(500),
            "a request waited while the database was known down (is \
             `peerhub_http::routes::health::database_gate` wrapped around the API in \
             crates/server/src/lib.rs?): {o:?}"
        );
    }
    // After the restart: writes succeed again within 5 s.
    let first_ok = log
        .iter()
        .filter(|o| o.at >= restarted_at && o.status == 201)
        .map(|o| o.at + o.took)
        .min()
        .unwrap_or_else(|| panic!("no write succeeded after the restart"));
    let recovery = first_ok.saturating_duration_since(restarted_at);
    assert!(
        recovery < Duration::from_secs(5),
        "recovered after {recovery:?}"
    );
    let ok_after = log
        .iter()
        .filter(|o| o.at >= first_ok && o.status != 201)
        .count();

    // Every write answered 2xx is there.
    let created: Vec<&String> = log
        .iter()
        .filter(|o| o.status == 201)
        .filter_map(|o| o.id.as_ref())
        .collect();
    assert_eq!(
        created.len(),
        log.iter().filter(|o| o.status == 201).count(),
        "a 201 without an id"
    );
    for id in &created {
        app.get(&format!("/v1/networks/{id}"), Some(&admin))
            .await
            .expect(200);
    }
    app.get("/health/ready", None).await.expect(200);

    let mut during_ms: Vec<u128> = known.iter().map(|o| o.took.as_millis()).collect();
    during_ms.sort_unstable();
    eprintln!(
        "outage test: {} requests, {} writes kept; once the outage was known {} answers, latency ms p50 {} max {}; first write {} ms after pg_ctl start returned; {} non-201 after recovery",
        log.len(),
        created.len(),
        during_ms.len(),
        during_ms.get(during_ms.len() / 2).copied().unwrap_or(0),
        during_ms.last().copied().unwrap_or(0),
        recovery.as_millis(),
        ok_after
    );
    assert_eq!(ok_after, 0, "writes failed again after recovering");
    let _ = std::fs::remove_dir_all(&data_dir);
}
