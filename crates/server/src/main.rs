//! The `peerhub` command line.
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use peerhub_server::{Application, Config, demo, migrate_with_retry, open_db, telemetry};

/// mimalloc returns freed memory to the system promptly, where glibc's
/// per-thread arenas kept gigabytes after a burst of password hashing
/// (docs/decisions.md, "mimalloc as the allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "peerhub",
    version,
    about = "PeerHub: the API that peer-support networks run on"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
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

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", peerhub_http::openapi_json(&peerhub_http::openapi()));
        return Ok(());
    }
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => {
                let db = open_db(&config).await?;
                migrate_with_retry(&db).await?;
                println!("migrations applied");
                Ok(())
            }
            Command::Openapi => Ok(()),
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
                let logins = demo::load(&db).await.context("loading demo data")?;
                println!(
                    "Demo data loaded. Logins (password for all: {}):",
                    demo::DEMO_PASSWORD
                );
                for l in logins {
                    println!("  {:<45} {}", l.email, l.role);
                }
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
        "  Demo logins: run `peerhub demo` (password {})",
        demo::DEMO_PASSWORD
    );
    app.run_until_stopped().await
}
