//! Sends outbox emails: by SMTP when `PEERHUB_SMTP_URL` is set, otherwise
//! by writing them to the log. Safe to run on several nodes at once
//! (messages are claimed with a conditional update).
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use peerhub_persistence::entities::outbox;
use peerhub_persistence::{Db, outbox as store};

use crate::config::Config;

enum Sender {
    /// No SMTP configured. `with_body` is false in production, where email
    /// bodies (which carry tokens) must not reach the logs.
    Log { with_body: bool },
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
}

impl Sender {
    fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            None => Ok(Sender::Log {
                with_body: config.mode == crate::config::Mode::Development,
            }),
            Some(url) => Ok(Sender::Smtp {
                transport: Box::new(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build()),
                from: config.smtp_from.parse()?,
            }),
        }
    }

    async fn send(&self, m: &outbox::Model) -> anyhow::Result<()> {
        let payload: serde_json::Value = serde_json::from_str(&m.payload)?;
        let subject = payload
            .get("subject")
            .and_then(|s| s.as_str())
            .unwrap_or("PeerHub notice");
        let body = payload.get("body").and_then(|s| s.as_str()).unwrap_or("");
        let to = m.recipient.as_deref().unwrap_or("");
        match self {
            Sender::Log { with_body: true } => {
                tracing::info!(topic = %m.topic, to = %to, subject = %subject, body = %body, "email (no SMTP configured; logged instead)");
                Ok(())
            }
            Sender::Log { with_body: false } => {
                tracing::warn!(topic = %m.topic, to = %to, subject = %subject, "email not sent: PEERHUB_SMTP_URL is not set (read it with `peerhub mail last --to`)");
                Ok(())
            }
            Sender::Smtp { transport, from } => {
                let email = Message::builder()
                    .from(from.clone())
                    .to(to.parse()?)
                    .subject(subject)
                    .body(body.to_owned())?;
                transport.send(email).await?;
                Ok(())
            }
        }
    }
}

/// Delivers due emails once; returns how many were sent.
pub async fn deliver_due(db: &Db, sender_config: &Config) -> anyhow::Result<usize> {
    let sender = Sender::from_config(sender_config)?;
    deliver_with(db, &sender).await
}

async fn deliver_with(db: &Db, sender: &Sender) -> anyhow::Result<usize> {
    store::requeue_stuck(db).await?;
    let batch = store::claim_due_emails(db, 50).await?;
    let mut sent = 0;
    for m in &batch {
        match sender.send(m).await {
            Ok(()) => {
                store::mark_sent(db, &m.id).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, outbox_id = %m.id, "email delivery failed; will retry");
                store::mark_failed(db, m, &e.to_string()).await?;
            }
        }
    }
    Ok(sent)
}

/// Polls the outbox every two seconds until the task is aborted.
pub async fn run(db: Db, config: Config) {
    let sender = match Sender::from_config(&config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "PEERHUB_SMTP_URL/PEERHUB_SMTP_FROM invalid; emails will not be sent");
            return;
        }
    };
    let mut polls: u64 = 0;
    loop {
        if let Err(e) = deliver_with(&db, &sender).await {
            tracing::debug!(error = %e, "outbox poll failed");
        }
        // Housekeeping about every ten minutes.
        if polls.is_multiple_of(300) {
            match peerhub_persistence::housekeeping::run(&db, config.outbox_retention_days).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "housekeeping removed expired rows"),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "housekeeping failed; it runs again in ten minutes")
                }
            }
        }
        polls = polls.wrapping_add(1);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
