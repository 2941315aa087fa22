//! Connections to RabbitMQ: connect with backoff, to one of several broker addresses in
//! turn, and the link state readiness reads.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::tcp::{AMQPUriTcpExt, OwnedTLSConfig};
use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};
use tokio::sync::watch;

/// Asks the relay and the consumer to finish: take no new work, complete (or flush)
/// what is in hand, return. Cheap to clone; every clone sees the same request.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// The sending side of [`Shutdown`].
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

impl Shutdown {
    pub fn channel() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (ShutdownTrigger(tx), Shutdown(rx))
    }

    /// A shutdown that is never requested, for components run until dropped.
    pub fn never() -> Shutdown {
        let (trigger, shutdown) = Self::channel();
        // Keeping the sender alive keeps `wait` pending instead of resolving.
        std::mem::forget(trigger);
        shutdown
    }

    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once shutdown is requested.
    pub async fn wait(&mut self) {
        while !*self.0.borrow_and_update() {
            if self.0.changed().await.is_err() {
                // The trigger is gone without asking: nobody ever will.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }
}

/// Whether a long-running messaging component currently has what it needs. The relay
/// and the consumer each own one; `/health/ready` reports every link that is down.
#[derive(Clone, Debug)]
pub struct LinkState {
    name: &'static str,
    down: Arc<Mutex<Option<String>>>,
}

impl LinkState {
    /// A new link starts down: nothing is ready until it has connected once.
    pub fn new(name: &'static str) -> Self {
        LinkState {
            name,
            down: Arc::new(Mutex::new(Some("not connected yet".to_owned()))),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn set_up(&self) {
        if let Ok(mut down) = self.down.lock() {
            *down = None;
        }
    }

    pub fn set_down(&self, reason: impl Into<String>) {
        if let Ok(mut down) = self.down.lock() {
            *down = Some(reason.into());
        }
    }

    /// `Err(reason)` while the link is down.
    pub fn check(&self) -> Result<(), String> {
        match self.down.lock() {
            Ok(down) => down.clone().map_or(Ok(()), Err),
            Err(_) => Err("link state poisoned".to_owned()),
        }
    }
}

/// Exponential backoff between reconnection attempts, capped.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    initial: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            next: initial,
            initial,
            max,
        }
    }

    /// The delay to wait now; each call doubles the next one up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
    }
}

/// How long one broker address may take to answer (TCP, TLS and the AMQP handshake)
/// before the next one gets its turn, unless the URL's `connection_timeout` (RabbitMQ's
/// URI parameter, in milliseconds) says otherwise. lapin has no limit of its own: its
/// async connect ignores `connection_timeout`, so an address that drops packets (a node
/// whose machine is gone) would hold an attempt for the kernel's SYN retries, about two
/// minutes, and a node that accepts TCP but never speaks (a frozen process) for ever.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the next [`open`] starts in its list of addresses: after the one last connected
/// to. Process-wide rather than per link, because a link keeps nothing between
/// connections (the relay and the consumer call [`connect`] afresh after each loss), and
/// because sharing it makes the relay and the consumer of a service take turns, spreading
/// their connections over the nodes. URLs of different lengths may share it: it is only
/// an offset, taken modulo the number of addresses.
static NEXT_ADDRESS: AtomicUsize = AtomicUsize::new(0);

/// Connects to the broker, retrying with backoff until it answers. Each failure is
/// recorded on `link` so readiness shows why the service is waiting.
pub async fn connect(url: &str, connection_name: &str, link: &LinkState) -> Connection {
    let addresses = node_urls(url).len();
    let mut backoff = Backoff::default();
    loop {
        match open(url, connection_name).await {
            Ok(conn) => return conn,
            Err(err) => {
                let delay = backoff.next_delay();
                let reason = if addresses > 1 {
                    format!("none of the {addresses} broker addresses answered: {err}")
                } else {
                    err.to_string()
                };
                link.set_down(format!("broker unreachable: {reason}"));
                tracing::warn!(link = link.name(), error = %reason, ?delay, "broker connection failed; retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// One connection to the broker: each address of `url` (see [`node_urls`]) in turn,
/// starting after the one last connected to, each given [`CONNECT_TIMEOUT`]; the first
/// that answers is kept. `Err`: the last address's failure. `amqps://` with the URL's
/// TLS settings ([`crate::tls::amqp_tls_config`]).
pub async fn open(url: &str, connection_name: &str) -> Result<Connection, lapin::Error> {
    let tls = crate::tls::amqp_tls_config(url).map_err(io::Error::other)?;
    let addresses = addresses(url);
    let several = addresses.len() > 1;
    let (addresses, tls) = (&addresses, &tls);
    first_answer(addresses.len(), &NEXT_ADDRESS, |i| async move {
        let (host, url) = &addresses[i];
        let result = open_address(url, connection_name, tls.clone()).await;
        if let Err(err) = &result
            && several
        {
            tracing::warn!(address = %host, error = %err, "broker address did not answer");
        }
        result
    })
    .await
}

/// Tries addresses `0..count` in turn, starting at `next` (modulo `count`), until one
/// answers; `next` then points after it. `Err`: the last failure.
async fn first_answer<T, F: Future<Output = Result<T, lapin::Error>>>(
    count: usize,
    next: &AtomicUsize,
    mut attempt: impl FnMut(usize) -> F,
) -> Result<T, lapin::Error> {
    let mut last = None;
    if count > 0 {
        let start = next.load(Ordering::Relaxed) % count;
        for i in (start..count).chain(0..start) {
            match attempt(i).await {
                Ok(found) => {
                    next.store(i + 1, Ordering::Relaxed);
                    return Ok(found);
                }
                Err(err) => last = Some(err),
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the broker URL names no address",
        )
        .into()
    }))
}

/// One attempt at one address, bounded in time. The TCP connect inside lapin's I/O
/// thread has the limit too, so a dropped attempt does not leave that thread waiting
/// for the kernel to give up.
async fn open_address(
    url: &str,
    connection_name: &str,
    tls: OwnedTLSConfig,
) -> Result<Connection, lapin::Error> {
    let uri: AMQPUri = url.parse().map_err(io::Error::other)?;
    let limit = uri
        .query
        .connection_timeout
        .map_or(CONNECT_TIMEOUT, Duration::from_millis);
    let timed_out = move || -> lapin::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no answer within {limit:?}"),
        )
        .into()
    };
    let props = ConnectionProperties::default().with_connection_name(connection_name.into());
    // What lapin's own `connect_with_config` does, with the limit added around the TCP
    // (and TLS) connect; this runs on lapin's I/O thread inside the tokio runtime.
    let tcp = async move |uri: AMQPUri, runtime| {
        let stream = AMQPUriTcpExt::connect_with_config_async(&uri, tls.as_ref(), &runtime);
        match tokio::time::timeout(limit, stream).await {
            Ok(stream) => Ok(stream?),
            Err(_) => Err(timed_out()),
        }
    };
    let attempt = Connection::connector(uri, lapin::runtime::default_runtime()?, tcp, props);
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| Err(timed_out()))
}

/// The broker addresses of `url`, each as a URL of its own. `AMQP_URL` may list several
/// hosts in its authority, as libpq does for PostgreSQL
/// (`amqp://u:p@h1:5672,h2:5672/vhost?params`); each gets the scheme, user, vhost and
/// parameters of the whole. A host without a port keeps none (lapin applies the
/// scheme's default). A one-host URL comes back as it is.
pub fn node_urls(url: &str) -> Vec<String> {
    addresses(url).into_iter().map(|(_, url)| url).collect()
}

/// `(host, url)` for each address of `url` (see [`node_urls`]); the host, without
/// password, is for logs.
fn addresses(url: &str) -> Vec<(String, String)> {
    let whole = || vec![(String::new(), url.to_owned())];
    let Some((scheme, rest)) = url.split_once("://") else {
        return whole();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let (user, hosts) = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => (format!("{userinfo}@"), hosts),
        None => (String::new(), authority),
    };
    let found: Vec<_> = hosts
        .split(',')
        .filter(|host| !host.is_empty())
        .map(|host| (host.to_owned(), format!("{scheme}://{user}{host}{tail}")))
        .collect();
    if found.is_empty() { whole() } else { found }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shutdown_wakes_every_clone_and_never_stays_pending() {
        let (trigger, shutdown) = Shutdown::channel();
        let mut a = shutdown.clone();
        let mut b = shutdown;
        assert!(!a.is_requested());
        trigger.trigger();
        a.wait().await;
        b.wait().await;
        assert!(b.is_requested());
        let mut never = Shutdown::never();
        let waited = tokio::time::timeout(Duration::from_millis(20), never.wait()).await;
        assert!(waited.is_err());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(500));
        let delays: Vec<_> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 500, 500]);
        b.reset();
        assert_eq!(b.next_delay().as_millis(), 100);
    }

    #[test]
    fn one_url_per_broker_address() {
        let one = "amqp://u:p@mq:5672/%2f";
        assert_eq!(node_urls(one), vec![one]);
        assert_eq!(
            node_urls("amqp://u:p@h1:5672,h2:5673,h3:5674/v"),
            vec![
                "amqp://u:p@h1:5672/v",
                "amqp://u:p@h2:5673/v",
                "amqp://u:p@h3:5674/v"
            ]
        );
        assert_eq!(
            node_urls("amqp://h1:5672,h2:5673/%2f"),
            vec!["amqp://h1:5672/%2f", "amqp://h2:5673/%2f"]
        );
        assert_eq!(
            node_urls(
                "amqps://svc:s%40cret@mq-0:5671,mq-1:5671/prod?cacertfile=/ca.pem&heartbeat=10"
            ),
            vec![
                "amqps://svc:s%40cret@mq-0:5671/prod?cacertfile=/ca.pem&heartbeat=10",
                "amqps://svc:s%40cret@mq-1:5671/prod?cacertfile=/ca.pem&heartbeat=10"
            ]
        );
        // A host without a port keeps none; a stray comma names no host.
        assert_eq!(
            node_urls("amqp://u:p@h1:5672,h2,[::1]:5673,/v"),
            vec![
                "amqp://u:p@h1:5672/v",
                "amqp://u:p@h2/v",
                "amqp://u:p@[::1]:5673/v"
            ]
        );
        assert_eq!(
            node_urls("amqp://h1,h2?heartbeat=5"),
            vec!["amqp://h1?heartbeat=5", "amqp://h2?heartbeat=5"]
        );
        assert_eq!(node_urls("not a url"), vec!["not a url"]);
    }

    /// Runs `first_answer` over addresses of which only `up` answer; returns which
    /// answered and the order tried.
    async fn try_in_turn(next: &AtomicUsize, up: &[bool]) -> (Result<usize, String>, Vec<usize>) {
        let mut tried = Vec::new();
        let found = first_answer(up.len(), next, |i| {
            tried.push(i);
            let answers = up[i];
            async move {
                if answers {
                    Ok(i)
                } else {
                    Err(io::Error::other(format!("address {i} is down")).into())
                }
            }
        })
        .await;
        (found.map_err(|e| e.to_string()), tried)
    }

    #[tokio::test]
    async fn addresses_are_tried_in_turn_starting_after_the_last_one_connected_to() {
        let next = AtomicUsize::new(0);
        // The first node is dead: it is tried once, then its successor is kept.
        let up = [false, true, true];
        assert_eq!(try_in_turn(&next, &up).await, (Ok(1), vec![0, 1]));
        // A reconnect starts after the node last connected to, not at the dead one.
        assert_eq!(try_in_turn(&next, &up).await, (Ok(2), vec![2]));
        assert_eq!(try_in_turn(&next, &up).await, (Ok(1), vec![0, 1]));
        // All down: each tried once, the last failure returned, the start kept.
        let (found, tried) = try_in_turn(&next, &[false; 3]).await;
        assert_eq!(tried, vec![2, 0, 1]);
        assert!(found.unwrap_err().contains("address 1 is down"));
        // A shorter list shares the offset modulo its length.
        assert_eq!(try_in_turn(&next, &[true]).await, (Ok(0), vec![0]));
        let none = first_answer(0, &next, |_| async { Ok(()) }).await;
        assert!(none.is_err());
    }

    #[test]
    fn link_state_reports_the_reason_while_down() {
        let link = LinkState::new("relay");
        assert!(link.check().is_err());
        link.set_up();
        assert_eq!(link.check(), Ok(()));
        link.set_down("broker unreachable");
        assert_eq!(link.check(), Err("broker unreachable".to_owned()));
    }
}
