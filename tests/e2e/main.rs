//! End to end across the services: what every service serves, readiness through
//! outages, and the database isolation between services.

mod claim_flow;
mod isolation;
mod order_flow;
mod platform;
