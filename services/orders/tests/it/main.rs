//! Integration tests of the orders service against the real PostgreSQL and RabbitMQ:
//! each test starts the service in its own schema and vhost and plays catalog by
//! publishing catalog events itself.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod audit;
mod dealers;
mod events;
mod expected_dates;
mod fill_rate_by_request;
mod notifications;
mod orders;
mod placing;
mod platform;
mod price_book;
mod reports;
mod ship_queue;
mod support;
mod tiers;
