//! Test harness for aftersales: throwaway PostgreSQL and RabbitMQ servers from the
//! system packages (no Docker), a fresh schema and vhost per test, and the database
//! provisioning the task runner shares with the tests; a service started in-process
//! on them ([`TestService`]) with tokens for every role ([`tokens`]) and the checks
//! every service passes alike ([`platform`]), and an OTLP receiver for traces ([`otlp`]).
//!
//! ```no_run
//! # async fn t() {
//! use aftersales_testkit::{TestDb, TestVhost};
//! let db = TestDb::new().await; // schema t_<hex>, dropped at the end
//! let vhost = TestVhost::new().await; // vhost t_<hex>, deleted at the end
//! let (_db_url, _amqp_url) = (db.url(), vhost.amqp_url());
//! # }
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

pub mod broker_users;
pub mod cargo;
pub mod clusters;
pub mod dev_provider;
pub mod env;
pub mod otlp;
pub mod platform;
pub mod provision;
pub mod proxy;
pub mod servers;
pub mod service;
pub mod step;
pub mod tls;
pub mod tokens;
pub mod util;
pub mod webhooks;

pub use clusters::{BrokerCluster, ReplicatedDatabase};
pub use env::{
    PrivateBroker, PrivateDatabase, TEST_DATABASE, TestDb, TestServers, TestVhost,
    mgmt_queue_messages, servers,
};
pub use provision::provision_service;
pub use proxy::Proxy;
pub use servers::{PgServer, RabbitServer, free_port, free_port_block};
pub use service::{TestService, WAIT};
pub use step::step;
pub use webhooks::WebhookReceiver;

/// Polls `check` every 50 ms until it holds or `timeout` passes; returns whether it
/// held. Tests wait on outcomes this way, never on fixed sleeps.
pub async fn eventually<F, Fut>(timeout: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
