//! Pure types and rules of the service: identifiers and quantities that are valid once
//! built, stock arithmetic and its invariant, allocation of stock to orders,
//! supersession and transfer states, the CSV import and the rules of
//! the stock reports. No IO, no diesel, no actix; unit- and property-tested.

pub mod allocation;
pub mod availability;
pub mod eta;
pub mod import;
pub mod purchase_order;
pub mod replenishment;
pub mod reports;
pub mod stock;
pub mod supersession;
pub mod transfer;
pub mod types;

pub use types::*;
