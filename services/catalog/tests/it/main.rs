//! Integration tests of the catalog service against real PostgreSQL and RabbitMQ,
//! each test in its own schema and vhost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod audit;
mod availability;
mod catalog_api;
mod idempotency;
mod import;
mod notifications;
mod platform;
mod price_days;
mod purchase_orders;
mod replenishment;
mod reports;
mod reservations;
mod stock_api;
mod support;
