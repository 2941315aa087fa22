//! Integration tests of the inspection service against the real PostgreSQL and
//! RabbitMQ: each test starts the service in its own schema and vhost and plays
//! catalog and orders by publishing their events itself.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod audit;
mod campaigns;
mod claims;
mod deadline;
mod events;
mod flow;
mod idempotency;
mod master_data;
mod notifications;
mod platform;
mod preauth;
mod preview;
mod queues;
mod reports;
mod scorecards;
mod stored_values;
mod support;
