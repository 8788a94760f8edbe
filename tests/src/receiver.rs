//! A webhook receiver for tests and benches: a plain HTTP/1.1 server on
//! 127.0.0.1 that records every request (path, headers, body, arrival
//! time) and answers by the first segment of its path:
//!
//! | path | answer |
//! |---|---|
//! | `/ok…` | 200 |
//! | `/fail…` | 500 |
//! | `/gone…` | 410 |
//! | `/flaky…` | 500 the first time, then 200 |
//! | `/hang…` | 200 after 15 s |
//! | `/held…` | 200 once the test calls [`Receiver::release`] |
//! | `/redirect…` | 301 to `/moved` |
//! | `/big…` | 200 with a 10 MB body |
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Got {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Got {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    got: Arc<Mutex<Vec<Got>>>,
    gate: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The 10 MB body of `/big`.
pub const BIG_BYTES: usize = 10 * 1024 * 1024;

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("receiver bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("receiver addr: {e}"));
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (gate, opened) = tokio::sync::watch::channel(false);
        let (g, s) = (got.clone(), seen.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (g, s, o) = (g.clone(), s.clone(), opened.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, g, s, o).await;
                });
            }
        });
        Receiver {
            addr,
            got,
            gate,
            task,
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything received so far.
    pub fn got(&self) -> Vec<Got> {
        self.got.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Lets every `/held…` request answer, now and from now on.
    pub fn release(&self) {
        self.gate.send_replace(true);
    }

    /// Requests to paths starting with `prefix`.
    pub fn got_at(&self, prefix: &str) -> Vec<Got> {
        self.got()
            .into_iter()
            .filter(|g| g.path.starts_with(prefix))
            .collect()
    }

    /// Waits (up to `limit`) until `n` requests to `prefix` have arrived;
    /// returns them.
    pub async fn wait_for(&self, prefix: &str, n: usize, limit: Duration) -> Vec<Got> {
        let start = Instant::now();
        loop {
            let g = self.got_at(prefix);
            if g.len() >= n {
                return g;
            }
            assert!(
                start.elapsed() < limit,
                "only {} of {n} requests to {prefix} arrived within {limit:?}",
                g.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(
    mut stream: TcpStream,
    got: Arc<Mutex<Vec<Got>>>,
    seen: Arc<Mutex<HashMap<String, usize>>>,
    mut opened: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Head.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        buf.drain(..head_end + 4);
        while buf.len() < len {
            let mut chunk = [0u8; 65536];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body: Vec<u8> = buf.drain(..len).collect();
        let nth = {
            let mut s = seen.lock().map_err(|_| std::io::Error::other("poisoned"))?;
            let c = s.entry(path.clone()).or_insert(0);
            *c += 1;
            *c
        };
        if let Ok(mut g) = got.lock() {
            g.push(Got {
                path: path.clone(),
                headers,
                body,
                at: Instant::now(),
            });
        }
        let (status, extra, body_len) = match path.trim_start_matches('/').split(['/', '?']).next()
        {
            Some(p) if p.starts_with("fail") => ("500 Internal Server Error", "", 0),
            Some(p) if p.starts_with("gone") => ("410 Gone", "", 0),
            Some(p) if p.starts_with("flaky") && nth == 1 => ("500 Internal Server Error", "", 0),
            Some(p) if p.starts_with("hang") => {
                tokio::time::sleep(Duration::from_secs(15)).await;
                ("200 OK", "", 0)
            }
            Some(p) if p.starts_with("held") => {
                // The sender dropping (receiver stopped) ends the wait too.
                let _ = opened.wait_for(|open| *open).await;
                ("200 OK", "", 0)
            }
            Some(p) if p.starts_with("redirect") => {
                ("301 Moved Permanently", "location: /moved\r\n", 0)
            }
            Some(p) if p.starts_with("big") => ("200 OK", "", BIG_BYTES),
            _ => ("200 OK", "", 0),
        };
        let text = if status.starts_with("500") {
            "receiver broke\n"
        } else {
            ""
        };
        let len = if body_len > 0 { body_len } else { text.len() };
        stream
            .write_all(
                format!("HTTP/1.1 {status}\r\ncontent-length: {len}\r\n{extra}\r\n{text}")
                    .as_bytes(),
            )
            .await?;
        if body_len > 0 {
            let block = vec![b'x'; 64 * 1024];
            let mut left = body_len;
            while left > 0 {
                let n = left.min(block.len());
                stream.write_all(&block[..n]).await?;
                left -= n;
            }
        }
    }
}
