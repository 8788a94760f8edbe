//! The `peerhub` binary as an operator uses it: commands, configuration
//! rules, secrets, and graceful shutdown on SIGTERM.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_peerhub");

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "peerhub-cli-{tag}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn cmd(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PEERHUB_DATA_DIR", data)
        .env("PEERHUB_LOG_FORMAT", "json");
    c
}

/// Starts `peerhub serve` on a free port; returns the child and the port.
fn serve(data: &Path, extra: &[(&str, &str)]) -> (Child, u16) {
    let mut c = cmd(data);
    c.arg("serve")
        .env("PEERHUB_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("server exited before printing its port")
            .unwrap();
        if let Some(rest) = line.split("(port ").nth(1) {
            break rest.trim_end_matches(')').parse::<u16>().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

#[test]
fn openapi_command_prints_the_generated_document() {
    // The committed openapi/openapi.json is checked once, in
    // tests/tests/spec.rs (`committed_document_is_current`).
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout).unwrap()
            == peerhub_http::openapi_json(&peerhub_http::openapi()),
        "`peerhub openapi` does not print the generated document"
    );
}

#[test]
fn production_mode_requires_an_explicit_jwt_secret() {
    let data = temp_dir("prod");
    let out = cmd(&data)
        .arg("migrate")
        .env("PEERHUB_ENV", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PEERHUB_JWT_SECRET is required"), "{err}");
    // a short secret is refused too
    let out = cmd(&data)
        .arg("migrate")
        .env("PEERHUB_ENV", "production")
        .env("PEERHUB_JWT_SECRET", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = cmd(&data)
        .arg("migrate")
        .env("PEERHUB_ENV", "production")
        .env(
            "PEERHUB_JWT_SECRET",
            "a-production-secret-of-sufficient-length",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !data.join("jwt-secret").exists(),
        "production must not write a generated secret"
    );
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn development_mode_generates_a_private_secret_and_never_prints_it() {
    let data = temp_dir("dev");
    let (child, port) = serve(&data, &[]);
    let secret = std::fs::read_to_string(data.join("jwt-secret")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("jwt-secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/health/ready"))
            .header("X-Request-Id", "cli-req-42")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(!logs.contains(secret.trim()), "the JWT secret was printed");
    assert!(logs.contains("<redacted>"));
    // JSON logs: every line parses, and the request's line carries its id
    let mut found = false;
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["span"]["request_id"] == "cli-req-42" && v["message"] == "request finished" {
            assert_eq!(v["route"], "/health/ready");
            found = true;
        }
    }
    assert!(found, "no log line with the request id: {logs}");
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let data = temp_dir("term");
    let (mut child, port) = serve(&data, &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::get(format!("http://127.0.0.1:{port}/health/live"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(25);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn admin_create_demo_and_mail_commands() {
    let data = temp_dir("admin");
    let out = cmd(&data)
        .args([
            "admin",
            "create",
            "--email",
            "ops@example.org",
            "--password",
            "ops long passphrase",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the same email again is refused
    let out = cmd(&data)
        .args([
            "admin",
            "create",
            "--email",
            "ops@example.org",
            "--password",
            "ops long passphrase",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // a weak password is refused with the rule
    let out = cmd(&data)
        .args([
            "admin",
            "create",
            "--email",
            "x@example.org",
            "--password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 to 128 characters"));
    // demo data loads twice without change
    let first = cmd(&data).arg("demo").output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = cmd(&data).arg("demo").output().unwrap();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("Demo data loaded"));
    assert!(
        String::from_utf8_lossy(&second.stdout).starts_with("Demo data already present"),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
    let text = String::from_utf8_lossy(&first.stdout);
    assert!(
        text.contains("maya.okafor@nhs.net")
            && text.contains("grace.hill@positivepsychologyguild.org"),
        "{text}"
    );
    // nobody has mail yet
    let out = cmd(&data)
        .args(["mail", "last", "--to", "nobody@example.org"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    std::fs::remove_dir_all(data).ok();
}
