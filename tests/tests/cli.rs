//! The `peerhub` command line, run as the real binary
//! (`target/<profile>/peerhub`, built with the workspace): secrets never in
//! its errors or `peerhub config`, one-line errors with the documented exit
//! statuses, no colours when output is not a terminal, flags winning over
//! the environment, graceful shutdown on SIGTERM and SIGINT, and the demo
//! hints.
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const DB_PASSWORD: &str = "s3cretpw";
const BAD_PG_URL: &str = "postgres://u:s3cretpw@127.0.0.1:5432:99/x";
const JWT_CANARY: &str = "Canary-Jwt-Secret-0123456789abcdefghijklmnop";
const SMTP_CANARY: &str = "Canary-Smtp-Pass-77aa";
const ADMIN_CANARY: &str = "Canary-Admin-Pass-91bc";

fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("test binary path: {e}"));
    // target/<profile>/deps/cli-… → target/<profile>/peerhub
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("no target dir above {}", exe.display()));
    let bin = dir.join("peerhub");
    assert!(
        bin.exists(),
        "{} is missing: build it first (cargo build -p peerhub-server; make test does)",
        bin.display()
    );
    bin
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| panic!("no workspace above the tests crate"))
        .to_path_buf()
}

/// A fresh data directory, removed on drop.
struct DataDir(PathBuf);

impl DataDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "peerhub-cli-{name}-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {dir:?}: {e}"));
        Self(dir)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `peerhub` with a clean environment: only `PATH` (without the binary's
/// directory), the data directory, `RUST_BACKTRACE=1` and `envs`.
fn peerhub(data: &DataDir, args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("PEERHUB_DATA_DIR", &data.0)
        .env("RUST_BACKTRACE", "1")
        .current_dir(workspace_root())
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

fn run(data: &DataDir, args: &[&str], envs: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = peerhub(data, args, envs)
        .output()
        .unwrap_or_else(|e| panic!("running peerhub {args:?}: {e}"));
    (
        status,
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// Asserts a failure printed as exactly one `Error: …` line (no backtrace,
/// no `Caused by:` list) with exit status `code`; returns the line. Log
/// records (lines starting with their timestamp, written before the
/// failure) are allowed around it.
#[track_caller]
fn one_line_error(status: ExitStatus, stderr: &str, code: i32) -> String {
    assert_eq!(status.code(), Some(code), "exit status; stderr:\n{stderr}");
    let l: Vec<&str> = lines(stderr)
        .into_iter()
        .filter(|l| !l.starts_with("20"))
        .collect();
    assert_eq!(l.len(), 1, "expected one line on stderr:\n{stderr}");
    assert!(l[0].starts_with("Error: "), "{stderr}");
    assert!(!stderr.contains("backtrace") && !stderr.contains("Caused by"));
    l[0].to_owned()
}

#[test]
fn database_password_never_reaches_the_error() {
    let data = DataDir::new("redact");
    for (args, envs) in [
        (vec!["migrate"], vec![("PEERHUB_DATABASE_URL", BAD_PG_URL)]),
        (vec!["migrate", "--database-url", BAD_PG_URL], vec![]),
        (vec!["serve"], vec![("DATABASE_URL", BAD_PG_URL)]),
    ] {
        let (status, stdout, stderr) = run(&data, &args, &envs);
        let line = one_line_error(status, &stderr, 1);
        assert!(
            !stderr.contains(DB_PASSWORD) && !stdout.contains(DB_PASSWORD),
            "password leaked by {args:?}:\n{stderr}"
        );
        assert!(
            line.contains("postgres://u:redacted@127.0.0.1:5432:99/x"),
            "{line}"
        );
        // The chain is deduplicated: no message repeats its cause.
        let parts: Vec<&str> = line.trim_start_matches("Error: ").split(": ").collect();
        for w in parts.windows(2) {
            assert!(
                !w[0].contains(w[1]) || w[1].is_empty(),
                "repeated cause in {line}"
            );
        }
    }
}

/// Arguments, environment, and the expected error text.
type Case = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn invalid_settings_are_one_line_and_exit_2() {
    let data = DataDir::new("config-error");
    let cases: [Case; 5] = [
        (
            &["migrate"],
            &[("PEERHUB_MAX_BODY_BYTES", "64k")],
            "Error: PEERHUB_MAX_BODY_BYTES must be a number, got \"64k\"",
        ),
        (
            &["serve"],
            &[("PEERHUB_ENV", "production")],
            "Error: PEERHUB_JWT_SECRET is required when PEERHUB_ENV=production",
        ),
        (
            &["migrate", "--log-format", "fancy"],
            &[("PEERHUB_LOG_FORMAT", "json")],
            "Error: --log-format must be json or pretty, got \"fancy\"",
        ),
        (
            &["migrate"],
            &[("PEERHUB_DATABASE_ACQUIRE_TIMEOUT", "0")],
            "Error: PEERHUB_DATABASE_ACQUIRE_TIMEOUT must be 1 to 3600 seconds, got \"0\"",
        ),
        (&["serve", "--no-such-flag"], &[], "--no-such-flag"),
    ];
    for (args, envs, expected) in cases {
        let (status, _, stderr) = run(&data, args, envs);
        assert_eq!(lines(&stderr).len(), 1, "{args:?}:\n{stderr}");
        let line = one_line_error(status, &stderr, 2);
        assert!(line.contains(expected), "{args:?}: {line}");
    }
}

#[test]
fn config_prints_effective_settings_with_secrets_redacted() {
    let data = DataDir::new("config");
    let db_url = format!("postgres://peerhub:{DB_PASSWORD}@db.internal:5432/peerhub");
    let smtp_url = format!("smtp://mailer:{SMTP_CANARY}@smtp.example.org:587");
    let (status, stdout, stderr) = run(
        &data,
        &["config", "--bind", "0.0.0.0:9999"],
        &[
            ("PEERHUB_BIND", "127.0.0.1:1"),
            ("PEERHUB_DATABASE_URL", &db_url),
            ("PEERHUB_JWT_SECRET", JWT_CANARY),
            ("PEERHUB_SMTP_URL", &smtp_url),
            ("PEERHUB_ADMIN_PASSWORD", ADMIN_CANARY),
        ],
    );
    assert!(status.success(), "{stderr}");
    for secret in [DB_PASSWORD, JWT_CANARY, SMTP_CANARY, ADMIN_CANARY] {
        assert!(!stdout.contains(secret), "{secret} printed:\n{stdout}");
        assert!(!stderr.contains(secret), "{secret} printed:\n{stderr}");
    }
    let row = |name: &str| config_row(&stdout, name);
    assert_eq!(
        row("PEERHUB_BIND"),
        ["PEERHUB_BIND", "--bind", "0.0.0.0:9999"]
    );
    assert_eq!(
        row("PEERHUB_DATABASE_URL"),
        [
            "PEERHUB_DATABASE_URL",
            "env PEERHUB_DATABASE_URL",
            "postgres://peerhub:redacted@db.internal:5432/peerhub"
        ]
    );
    assert_eq!(
        row("PEERHUB_JWT_SECRET"),
        ["PEERHUB_JWT_SECRET", "env PEERHUB_JWT_SECRET", "<redacted>"]
    );
    assert_eq!(
        row("PEERHUB_SMTP_URL")[2],
        "smtp://mailer:redacted@smtp.example.org:587"
    );
    assert_eq!(row("PEERHUB_ADMIN_PASSWORD")[2], "<redacted>");
    assert_eq!(
        row("PEERHUB_DATABASE_ACQUIRE_TIMEOUT"),
        ["PEERHUB_DATABASE_ACQUIRE_TIMEOUT", "default", "2"]
    );
    let names: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        names.len(),
        unique.len(),
        "a setting is listed twice:\n{stdout}"
    );
    assert_eq!(
        row("PEERHUB_MAX_BODY_BYTES"),
        ["PEERHUB_MAX_BODY_BYTES", "default", "65536"]
    );
}

/// The cells of `name`'s line in `peerhub config`'s output: the name, where
/// the value came from, and the value (columns are two or more spaces apart).
fn config_row(stdout: &str, name: &str) -> Vec<String> {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in:\n{stdout}"))
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `peerhub config`'s line for `name` with `envs` set.
fn config_row_with(data: &DataDir, name: &str, envs: &[(&str, &str)]) -> Vec<String> {
    let (status, stdout, stderr) = run(data, &["config"], envs);
    assert!(status.success(), "{stderr}");
    config_row(&stdout, name)
}

#[test]
fn the_connection_maximum_defaults_to_two_per_worker_and_two_shared() {
    let data = DataDir::new("config-pool");
    let name = "PEERHUB_DB_MAX_CONNECTIONS";
    for (workers, max) in [("1", "4"), ("3", "8"), ("0", "4")] {
        assert_eq!(
            config_row_with(&data, name, &[("PEERHUB_WORKERS", workers)]),
            [name, "default", max],
            "{workers} workers"
        );
    }
    assert_eq!(
        config_row_with(
            &data,
            name,
            &[
                ("PEERHUB_WORKERS", "3"),
                ("PEERHUB_DB_MAX_CONNECTIONS", "12")
            ]
        ),
        [name, "env PEERHUB_DB_MAX_CONNECTIONS", "12"]
    );
}

#[test]
fn help_points_at_the_environment_and_the_docs() {
    let data = DataDir::new("help");
    for args in [&["--help"][..], &["serve", "--help"], &["config", "--help"]] {
        let (status, stdout, _) = run(&data, args, &[("PEERHUB_DATABASE_URL", BAD_PG_URL)]);
        assert!(status.success(), "{args:?}");
        for needle in [
            "docs/configuration.md",
            "peerhub config",
            "--bind <ADDR>",
            "PEERHUB_BIND",
            "--database-url <URL>",
            "--data-dir <DIR>",
            "--log-format <FORMAT>",
            "--database-acquire-timeout <SECONDS>",
            "PEERHUB_DATABASE_ACQUIRE_TIMEOUT",
        ] {
            assert!(
                stdout.contains(needle),
                "{args:?} lacks {needle}:\n{stdout}"
            );
        }
        assert!(
            !stdout.contains(DB_PASSWORD),
            "help shows the URL:\n{stdout}"
        );
    }
}

/// A `peerhub serve` child; killed on drop if still running.
struct Served {
    child: Child,
    stdout: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `peerhub serve` (pretty logs, pipes for output) and waits for
/// its banner.
fn serve(data: &DataDir, args: &[&str], envs: &[(&str, &str)]) -> Served {
    let mut child = peerhub(data, args, envs)
        .env("PEERHUB_LOG_FORMAT", "pretty")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning peerhub: {e}"));
    let mut err = child
        .stderr
        .take()
        .unwrap_or_else(|| panic!("no stderr pipe"));
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let out = child
        .stdout
        .take()
        .unwrap_or_else(|| panic!("no stdout pipe"));
    let mut stdout = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.unwrap_or_else(|e| panic!("reading stdout: {e}"));
        let done = line.contains("Demo logins");
        stdout.push(line);
        if done {
            return Served {
                child,
                stdout,
                stderr,
            };
        }
    }
    let _ = child.wait();
    panic!(
        "peerhub exited before its banner:\n{}\n{}",
        stdout.join("\n"),
        stderr.join().unwrap_or_default()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("finding a free port: {e}"))
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("wait: {e}")) {
            return status;
        }
        assert!(Instant::now() < deadline, "peerhub did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `--bind` wins over `PEERHUB_BIND`; the banner names a demo command that
/// works from here; SIGTERM and SIGINT each stop the server gracefully
/// with one line at the start and one at the end of shutdown, exit 0; and
/// with pipes for output nothing is coloured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_binds_the_flag_and_stops_gracefully_on_sigterm_and_sigint() {
    for signal in ["TERM", "INT"] {
        let data = DataDir::new("serve");
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let mut s = serve(
            &data,
            &["serve", "--bind", &bind],
            &[
                ("PEERHUB_BIND", "127.0.0.1:1"),
                ("PEERHUB_JWT_SECRET", JWT_CANARY),
            ],
        );
        let banner = s.stdout.join("\n");
        assert!(banner.contains(&format!("(port {port})")), "{banner}");
        assert!(
            banner.contains("run `./target/debug/peerhub demo`")
                || banner.contains("run `./target/release/peerhub demo`"),
            "{banner}"
        );
        let live = reqwest::get(format!("http://{bind}/health/live"))
            .await
            .unwrap_or_else(|e| panic!("GET /health/live on --bind: {e}"));
        assert_eq!(live.status().as_u16(), 200);

        let killed = Command::new("kill")
            .args([format!("-{signal}"), s.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(killed.success());
        let status = wait_exit(&mut s.child);
        let stderr = std::mem::replace(&mut s.stderr, std::thread::spawn(String::new))
            .join()
            .unwrap_or_default();
        assert_eq!(status.code(), Some(0), "SIG{signal}: {status}\n{stderr}");
        let starting: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("shutting down"))
            .collect();
        let finished: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("shutdown complete"))
            .collect();
        assert_eq!(starting.len(), 1, "{stderr}");
        assert!(starting[0].contains(&format!("SIG{signal}")), "{stderr}");
        assert_eq!(finished.len(), 1, "{stderr}");
        assert!(
            stderr.find("shutting down") < stderr.find("shutdown complete"),
            "{stderr}"
        );
        assert!(stderr.contains("peerhub is ready"), "{stderr}");
        assert!(
            !stderr.contains('\u{1b}') && !banner.contains('\u{1b}'),
            "colours in piped output:\n{stderr:?}"
        );
        assert!(!stderr.contains(JWT_CANARY));
    }
}

/// `peerhub demo` says whether it loaded anything, and lists every listed
/// login and how the others log in.
#[test]
fn demo_says_whether_it_loaded_anything() {
    let data = DataDir::new("demo");
    let envs = [("PEERHUB_JWT_SECRET", JWT_CANARY)];
    let (status, first, stderr) = run(&data, &["demo"], &envs);
    assert!(status.success(), "{stderr}");
    assert!(first.starts_with("Demo data loaded.\n"), "{first}");
    let (status, second, stderr) = run(&data, &["demo"], &envs);
    assert!(status.success(), "{stderr}");
    assert!(
        second.starts_with("Demo data already present; nothing to load.\n"),
        "{second}"
    );
    for out in [&first, &second] {
        for login in [
            "admin@peerhub.test",
            "maya.okafor@nhs.net",
            "sam.patel@nhs.net",
            "ana.lima@gmail.com",
            "first.last@nhs.net",
            "first.last@positivepsychologyguild.org",
            "peerhub-demo-2026",
        ] {
            assert!(out.contains(login), "{login} missing:\n{out}");
        }
    }
}
