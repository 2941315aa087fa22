//! Integration tests of the recovery service against the real PostgreSQL and
//! RabbitMQ: each test starts the service in its own schema and vhost and plays
//! inspection and catalog by publishing their events itself.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod agreements;
mod audit;
mod filing;
mod flow;
mod idempotency;
mod lines;
mod notifications;
mod platform;
mod rejections;
mod support;
mod write_offs;
