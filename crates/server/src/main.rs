//! The `peerhub` command line.
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use peerhub_server::config::{ConfigError, Overrides};
use peerhub_server::{Application, Config, demo, migrate_with_retry, open_db, telemetry};

/// mimalloc returns freed memory to the system promptly, where glibc's
/// per-thread arenas kept gigabytes after a burst of password hashing
/// (docs/decisions.md, "mimalloc as the allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Shown under `--help`: where the settings live.
const SETTINGS_HELP: &str = "\
Every setting is an environment variable (PEERHUB_*); the flags above set
the common ones and win over the environment. All settings, their defaults
and meanings: docs/configuration.md. See the effective values (secrets
redacted) with `peerhub config`.";

#[derive(Parser)]
#[command(
    name = "peerhub",
    version,
    about = "PeerHub: the API that peer-support networks run on",
    after_help = SETTINGS_HELP
)]
struct Cli {
    #[command(flatten)]
    flags: SettingFlags,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The common settings as flags; each falls back to its environment
/// variable (read by `Config`, with the rules of docs/configuration.md).
#[derive(Args)]
struct SettingFlags {
    /// Address and port of the API; port 0 picks a free port
    /// [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "PEERHUB_BIND", value_name = "ADDR")]
    bind: Option<String>,
    /// Database URL: sqlite://… or postgres://user:password@host/db
    /// (prefer the variable: flags show in the process list)
    /// [default: sqlite://<DATA_DIR>/peerhub.db?mode=rwc]
    #[arg(
        long,
        global = true,
        env = "PEERHUB_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
    /// Directory for the default SQLite database and the development JWT
    /// secret [default: ./data]
    #[arg(long, global = true, env = "PEERHUB_DATA_DIR", value_name = "DIR")]
    data_dir: Option<String>,
    /// json or pretty [default: json in production, pretty in development]
    #[arg(long, global = true, env = "PEERHUB_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<String>,
    /// How long a request waits for a database connection before it fails
    /// with 503 (1 to 3600) [default: 2]
    #[arg(
        long,
        global = true,
        env = "PEERHUB_DATABASE_ACQUIRE_TIMEOUT",
        value_name = "SECONDS"
    )]
    database_acquire_timeout: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    #[command(after_help = SETTINGS_HELP)]
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Print the effective configuration: every setting, its value
    /// (secrets redacted) and where it came from.
    #[command(after_help = SETTINGS_HELP)]
    Config,
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Load demo data (idempotent) and print the demo logins.
    Demo,
    /// Read queued emails (useful when no SMTP server is configured).
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Print the newest email to an address as JSON (topic, subject, body,
    /// and the token or link it carries).
    Last {
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform admin.
    Create {
        #[arg(long)]
        email: String,
        /// Read from PEERHUB_ADMIN_PASSWORD if omitted.
        #[arg(long, env = "PEERHUB_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "Platform Admin")]
        display_name: String,
    },
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let f = &cli.flags;
    let flags = Overrides {
        bind: f.bind.clone().filter(|_| given(&matches, "bind")),
        database_url: f
            .database_url
            .clone()
            .filter(|_| given(&matches, "database_url")),
        data_dir: f.data_dir.clone().filter(|_| given(&matches, "data_dir")),
        log_format: f
            .log_format
            .clone()
            .filter(|_| given(&matches, "log_format")),
        database_acquire_timeout: f
            .database_acquire_timeout
            .clone()
            .filter(|_| given(&matches, "database_acquire_timeout")),
    };
    if let Some(Command::Openapi) = cli.command {
        print!("{}", peerhub_http::openapi_json(&peerhub_http::openapi()));
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(&flags) {
        Ok(c) => c,
        Err(e) => return fatal(&e, None),
    };
    if let Some(Command::Config) = cli.command {
        print_config(&config, &flags);
        return ExitCode::SUCCESS;
    }
    telemetry::init(config.log_format);
    let redactor = config.clone();
    match run(cli.command.unwrap_or(Command::Serve), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fatal(&e, Some(&redactor)),
    }
}

/// Whether the flag `id` was given on the command line (before or after
/// the subcommand). Values clap took from the environment are left to
/// `Config`, which reads the environment itself.
fn given(m: &ArgMatches, id: &str) -> bool {
    m.value_source(id) == Some(ValueSource::CommandLine)
        || m.subcommand().is_some_and(|(_, sub)| given(sub, id))
}

/// A bad flag or subcommand: clap's message on one line, exit status 2.
/// `--help` and `--version` print in full and succeed.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("Error: {first} (see `peerhub --help`)");
    ExitCode::from(2)
}

/// Prints a fatal error as one line and picks the exit status: 2 for an
/// invalid setting ([`ConfigError`]), 1 otherwise. Causes whose text their
/// parent already contains are dropped, and any database or SMTP URL (or
/// its password) in the text is redacted. Never a backtrace.
fn fatal(e: &anyhow::Error, config: Option<&Config>) -> ExitCode {
    let line = one_line(e.chain().map(|c| c.to_string()));
    let line = config.map_or_else(|| line.clone(), |c| c.redact(&line));
    eprintln!("Error: {line}");
    if e.chain().any(|c| c.is::<ConfigError>()) {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// Joins an error chain with `: `, on one line, skipping a cause whose text
/// is already part of the message before it.
fn one_line(chain: impl Iterator<Item = String>) -> String {
    let mut kept: Vec<String> = Vec::new();
    for message in chain {
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        if message.is_empty() || kept.last().is_some_and(|parent| parent.contains(&message)) {
            continue;
        }
        kept.push(message);
    }
    kept.join(": ")
}

fn print_config(config: &Config, flags: &Overrides) {
    println!("# The effective configuration (secrets redacted). Flags win over the");
    println!("# environment; every setting is described in docs/configuration.md.");
    let settings = config.settings(flags);
    let width = settings.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let origin_width = settings
        .iter()
        .map(|s| s.origin.to_string().len())
        .max()
        .unwrap_or(0);
    for s in settings {
        let origin = s.origin.to_string();
        println!("{:<width$}  {:<origin_width$}  {}", s.name, origin, s.value);
    }
}

fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match command {
            Command::Serve => serve(config).await,
            Command::Migrate => {
                let db = open_db(&config).await?;
                migrate_with_retry(&db).await?;
                println!("migrations applied");
                Ok(())
            }
            Command::Openapi | Command::Config => Ok(()),
            Command::Admin {
                command:
                    AdminCommand::Create {
                        email,
                        password,
                        display_name,
                    },
            } => {
                let db = open_db(&config).await?;
                migrate_with_retry(&db).await?;
                match peerhub_persistence::accounts::create_admin(
                    &db,
                    &email,
                    &password,
                    &display_name,
                )
                .await
                {
                    Ok(u) => {
                        println!("created platform admin {} ({})", u.email, u.id);
                        Ok(())
                    }
                    Err(peerhub_persistence::Failure::Refused(
                        peerhub_domain::Refusal::Invalid(v),
                    )) => {
                        for e in v.0 {
                            eprintln!("{}: {}", e.field, e.message);
                        }
                        anyhow::bail!("invalid admin details")
                    }
                    Err(e) => Err(anyhow::anyhow!("{e}")),
                }
            }
            Command::Mail {
                command: MailCommand::Last { to },
            } => {
                let db = open_db(&config).await?;
                migrate_with_retry(&db).await?;
                let m = peerhub_persistence::outbox::latest_email_to(&db, &to)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .ok_or_else(|| anyhow::anyhow!("no email queued for {to}"))?;
                let mut payload: serde_json::Value = serde_json::from_str(&m.payload)?;
                if let Some(obj) = payload.as_object_mut() {
                    obj.insert("topic".into(), m.topic.clone().into());
                    obj.insert("to".into(), m.recipient.clone().unwrap_or_default().into());
                    obj.insert("status".into(), m.status.clone().into());
                }
                println!("{payload}");
                Ok(())
            }
            Command::Demo => {
                let db = open_db(&config).await?;
                migrate_with_retry(&db).await?;
                let before = demo::footprint(&db).await?;
                demo::load(&db).await.context("loading demo data")?;
                let loaded = demo::footprint(&db).await? != before;
                print!("{}", demo::summary(loaded));
                Ok(())
            }
        }
    })
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    tracing::info!(config = ?config, "starting peerhub");
    let base = config.public_base_url.clone();
    let app = Application::build(config).await?;
    let port = app.port();
    tracing::info!(
        port,
        startup_ms = started.elapsed().as_millis() as u64,
        "peerhub is ready"
    );
    println!("PeerHub is serving on {base} (port {port})");
    println!("  API docs:   {base}/docs/");
    println!("  OpenAPI:    {base}/openapi.json");
    println!("  Readiness:  {base}/health/ready");
    if let Some(p) = app.admin_port() {
        println!("  Metrics:    admin port {p} (/metrics)");
    }
    println!(
        "  Demo logins: run `{} demo` (password {})",
        own_command(),
        demo::DEMO_PASSWORD
    );
    app.run_until_stopped().await
}

/// How to run this program again from here: `peerhub` when that name on
/// `PATH` is this executable, else its path (relative to the working
/// directory when inside it, e.g. `./target/release/peerhub`).
fn own_command() -> String {
    let Ok(exe) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "peerhub".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .filter_map(|dir| dir.join("peerhub").canonicalize().ok())
            .any(|p| p == exe)
    });
    if on_path {
        return "peerhub".into();
    }
    match std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .and_then(|d| exe.strip_prefix(d).ok().map(std::path::Path::to_path_buf))
    {
        Some(rel) => format!("./{}", rel.display()),
        None => exe.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    fn line(chain: &[&str]) -> String {
        one_line(chain.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn error_chains_print_on_one_line_without_repeats() {
        assert_eq!(
            line(&["Connection Error: refused", "refused"]),
            "Connection Error: refused"
        );
        assert_eq!(
            line(&["running migrations", "table x:\n  missing"]),
            "running migrations: table x: missing"
        );
        assert_eq!(line(&["a", "b", "b"]), "a: b");
        assert_eq!(line(&["only"]), "only");
    }
}
