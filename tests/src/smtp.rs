//! A local SMTP sink for tests: accepts every message and keeps it.
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The header block (before the first empty line).
    fn head(&self) -> &str {
        self.data.split_once("\n\n").map_or(&self.data, |(h, _)| h)
    }

    /// A header's value, unfolded; `None` when absent. Names are
    /// case-insensitive.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for line in self.head().lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = found.as_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                found = Some(v.trim().to_owned());
            }
        }
        found
    }

    /// The body as text, its `Content-Transfer-Encoding` (7bit,
    /// quoted-printable or base64) undone.
    pub fn body(&self) -> String {
        let raw = self.data.split_once("\n\n").map_or("", |(_, b)| b);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(raw),
            "base64" => {
                use base64::Engine;
                let compact: String = raw.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap_or_else(|e| panic!("body is not base64: {e}\n{raw}"));
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => raw.to_owned(),
        }
    }
}

/// Decodes a quoted-printable body (RFC 2045 §6.7): soft line breaks and
/// `=XX` octets.
fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct SmtpSink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("smtp bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = stream.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink.test ESMTP\r\n").await;
                    let mut cur = Received {
                        from: String::new(),
                        to: Vec::new(),
                        data: String::new(),
                    };
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-sink.test\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            cur.from = line[10..].trim().to_owned();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            cur.to.push(
                                line[8..]
                                    .trim()
                                    .trim_matches(|c| c == '<' || c == '>')
                                    .to_owned(),
                            );
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = w.write_all(b"354 go ahead\r\n").await;
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                // Undo dot-stuffing (RFC 5321 §4.5.2).
                                let l = l
                                    .strip_prefix('.')
                                    .filter(|_| l.starts_with(".."))
                                    .unwrap_or(&l);
                                cur.data.push_str(l);
                                cur.data.push('\n');
                            }
                            store.lock().await.push(cur.clone());
                            cur = Received {
                                from: String::new(),
                                to: Vec::new(),
                                data: String::new(),
                            };
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink {
            port,
            messages,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits (up to 20 s) for a message to `to` whose subject contains
    /// `subject`, and returns it.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self
                .messages
                .lock()
                .await
                .iter()
                .find(|m| {
                    m.to.iter().any(|t| t == to)
                        && m.header("Subject").is_some_and(|s| s.contains(subject))
                })
                .cloned();
            if let Some(m) = found {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no email to {to} about {subject:?} arrived at the SMTP sink"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
