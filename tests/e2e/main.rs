//! End to end across the services: what every service serves, readiness through
//! outages, and the database isolation between services.

mod access;
mod claim_flow;
mod faults;
mod isolation;
mod order_flow;
mod platform;
