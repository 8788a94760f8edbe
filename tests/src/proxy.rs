//! A TCP proxy the tests can cut and restore, to simulate a database
//! outage between the server and PostgreSQL.
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

pub struct Proxy {
    pub port: u16,
    target: String,
    tasks: Arc<Mutex<JoinSet<()>>>,
    acceptor: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    pub async fn start(target: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("proxy bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let mut p = Proxy {
            port,
            target: target.to_owned(),
            tasks: Arc::new(Mutex::new(JoinSet::new())),
            acceptor: None,
        };
        p.acceptor = Some(p.accept_loop(listener));
        p
    }

    fn accept_loop(&self, listener: TcpListener) -> tokio::task::JoinHandle<()> {
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                tasks.lock().await.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        })
    }

    /// Cuts every connection and stops listening.
    pub async fn cut(&mut self) {
        if let Some(a) = self.acceptor.take() {
            a.abort();
            let _ = a.await;
        }
        self.tasks.lock().await.abort_all();
    }

    /// Listens again on the same port.
    pub async fn restore(&mut self) {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port)
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let listener = TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("proxy rebind: {e}"));
        self.acceptor = Some(self.accept_loop(listener));
    }
}
