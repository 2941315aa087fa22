//! A TCP proxy for outage tests: a service talks to a server through it, and the
//! test severs every connection at once ([`Proxy::cut`]) or refuses new ones for a
//! while ([`Proxy::cut_for`]), without touching the server itself.
//!
//! ```no_run
//! # async fn t() -> std::io::Result<()> {
//! use aftersales_testkit::proxy::Proxy;
//! let proxy = Proxy::start("127.0.0.1:5672".parse().unwrap()).await?;
//! let url = format!("amqp://guest:guest@{}/%2f", proxy.addr());
//! // ... start a service on `url` ...
//! proxy.cut_for(std::time::Duration::from_secs(2)); // connection lost, 2 s of refusals
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A listening proxy on a free 127.0.0.1 port forwarding to one target. Stops
/// listening and severs everything on drop.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    target: SocketAddr,
    /// Bumped by every cut; a connection ends when it changes.
    generation: watch::Sender<u64>,
    refuse_until: Mutex<Option<Instant>>,
    open: AtomicUsize,
    accepted: AtomicU64,
}

impl Shared {
    fn refusing(&self) -> bool {
        let until = self.refuse_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|t| Instant::now() < t)
    }
}

impl Proxy {
    /// Listens on 127.0.0.1 (a port chosen by the OS) and forwards each accepted
    /// connection to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            target,
            generation: watch::channel(0).0,
            refuse_until: Mutex::new(None),
            open: AtomicUsize::new(0),
            accepted: AtomicU64::new(0),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Proxy {
            addr,
            shared,
            accept,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Severs every connection open now (both sides see the socket close). New
    /// connections are accepted as usual.
    pub fn cut(&self) {
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// Severs every connection and closes each new one at once for `refuse`, as a
    /// network partition would look to a client that retries.
    pub fn cut_for(&self, refuse: Duration) {
        *self
            .shared
            .refuse_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + refuse);
        self.cut();
    }

    /// Connections currently forwarded.
    pub fn open_connections(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// Connections forwarded since the start (refused ones not counted).
    pub fn accepted_connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of descriptors or similar: back off rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        if shared.refusing() {
            // Reset rather than a polite FIN: what a client sees from a dead peer.
            let _ = client.set_zero_linger();
            drop(client);
            continue;
        }
        tokio::spawn(forward(client, shared.clone()));
    }
}

async fn forward(mut client: TcpStream, shared: Arc<Shared>) {
    let mut cuts = shared.generation.subscribe();
    cuts.mark_unchanged();
    let Ok(mut server) = TcpStream::connect(shared.target).await else {
        let _ = client.set_zero_linger();
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    shared.accepted.fetch_add(1, Ordering::SeqCst);
    shared.open.fetch_add(1, Ordering::SeqCst);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cuts.changed() => {
            let _ = client.set_zero_linger();
            let _ = server.set_zero_linger();
        }
    }
    shared.open.fetch_sub(1, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// An echo server on a free port; returns its address.
    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn echo(stream: &mut TcpStream, msg: &[u8]) -> std::io::Result<Vec<u8>> {
        stream.write_all(msg).await?;
        let mut buf = vec![0u8; msg.len()];
        stream.read_exact(&mut buf).await?;
        Ok(buf)
    }

    /// Reads until the peer closes (Ok(0)) or resets (Err): either way, severed.
    async fn severed(stream: &mut TcpStream) -> bool {
        let mut buf = [0u8; 16];
        matches!(
            tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    #[tokio::test]
    async fn forwards_bytes_both_ways() {
        let proxy = Proxy::start(echo_server().await).await.unwrap();
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(echo(&mut c, b"hello").await.unwrap(), b"hello");
        assert_eq!(echo(&mut c, b"again").await.unwrap(), b"again");
        assert_eq!(proxy.open_connections(), 1);
        assert_eq!(proxy.accepted_connections(), 1);
    }

    #[tokio::test]
    async fn cut_severs_every_open_connection_and_new_ones_work() {
        let proxy = Proxy::start(echo_server().await).await.unwrap();
        let mut a = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut b = TcpStream::connect(proxy.addr()).await.unwrap();
        echo(&mut a, b"x").await.unwrap();
        echo(&mut b, b"y").await.unwrap();
        proxy.cut();
        assert!(severed(&mut a).await, "a survived the cut");
        assert!(severed(&mut b).await, "b survived the cut");
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(echo(&mut c, b"after").await.unwrap(), b"after");
        assert!(
            crate::eventually(Duration::from_secs(2), || async {
                proxy.open_connections() == 1
            })
            .await
        );
    }

    #[tokio::test]
    async fn cut_for_refuses_new_connections_until_the_time_is_up() {
        let proxy = Proxy::start(echo_server().await).await.unwrap();
        let mut a = TcpStream::connect(proxy.addr()).await.unwrap();
        echo(&mut a, b"x").await.unwrap();
        proxy.cut_for(Duration::from_millis(500));
        assert!(severed(&mut a).await);
        // The TCP handshake completes (the listener is there) but the peer is gone.
        let mut refused = TcpStream::connect(proxy.addr()).await.unwrap();
        assert!(echo(&mut refused, b"x").await.is_err());
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut back = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(echo(&mut back, b"back").await.unwrap(), b"back");
        assert_eq!(proxy.accepted_connections(), 2);
    }

    #[tokio::test]
    async fn an_unreachable_target_closes_the_client() {
        let target = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap(); // listener dropped: nothing listens there
        let proxy = Proxy::start(target).await.unwrap();
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        assert!(severed(&mut c).await);
        assert_eq!(proxy.accepted_connections(), 0);
    }

    #[tokio::test]
    async fn dropping_the_proxy_severs_and_stops_listening() {
        let proxy = Proxy::start(echo_server().await).await.unwrap();
        let addr = proxy.addr();
        let mut a = TcpStream::connect(addr).await.unwrap();
        echo(&mut a, b"x").await.unwrap();
        drop(proxy);
        assert!(severed(&mut a).await);
        tokio::task::yield_now().await;
        assert!(
            crate::eventually(Duration::from_secs(2), || async {
                TcpStream::connect(addr).await.is_err()
            })
            .await
        );
    }
}
