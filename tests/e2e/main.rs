//! End to end across the services: what every service serves, readiness through
//! outages, the database isolation between services, and the contract in `docs/`
//! against the code.

mod access;
mod claim_flow;
mod contract_docs;
mod faults;
mod isolation;
mod order_flow;
mod platform;
