//! Connections to RabbitMQ: connect with backoff, and the link state readiness reads.

use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// Connects to the broker, retrying with backoff until it answers. Each failure is
/// recorded on `link` so readiness shows why the service is waiting.
pub async fn connect(url: &str, connection_name: &str, link: &LinkState) -> Connection {
    let mut backoff = Backoff::default();
    loop {
        match open(url, connection_name).await {
            Ok(conn) => return conn,
            Err(err) => {
                let delay = backoff.next_delay();
                link.set_down(format!("broker unreachable: {err}"));
                tracing::warn!(link = link.name(), error = %err, ?delay, "broker connection failed; retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// One attempt: `amqps://` with the URL's TLS settings ([`crate::tls::amqp_tls_config`]).
pub async fn open(url: &str, connection_name: &str) -> Result<Connection, lapin::Error> {
    let props = ConnectionProperties::default().with_connection_name(connection_name.into());
    let tls = crate::tls::amqp_tls_config(url).map_err(std::io::Error::other)?;
    Connection::connect_with_config(url, props, tls, lapin::runtime::default_runtime()?).await
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
    fn link_state_reports_the_reason_while_down() {
        let link = LinkState::new("relay");
        assert!(link.check().is_err());
        link.set_up();
        assert_eq!(link.check(), Ok(()));
        link.set_down("broker unreachable");
        assert_eq!(link.check(), Err("broker unreachable".to_owned()));
    }
}
