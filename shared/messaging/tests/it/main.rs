//! The messaging kernel against the real PostgreSQL and RabbitMQ: each test has its
//! own schema and vhost (or its own broker, when it stops the broker).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod broker;
mod consumer;
mod relay;
mod retention;
mod support;
mod traces;
