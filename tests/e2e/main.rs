//! End to end across the services: what every service serves, readiness through
//! outages, the database isolation between services, the contract in `docs/` against
//! the code, and one trace across the services and the broker.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod access;
mod claim_flow;
mod console_client;
mod contract_docs;
mod dev_provider;
mod faults;
mod isolation;
mod order_flow;
mod platform;
mod security;
mod traces;
