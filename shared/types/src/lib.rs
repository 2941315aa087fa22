//! The vocabulary the four services and their event contracts share: part numbers,
//! dealer, supplier and warehouse codes, currencies, quantities, and the rule that
//! rounds an amount to the cent, the priority of a dealer order, what inspecting a
//! returned part finds, and how dates, timestamps and decimals come in from a client.
//!
//! Every type is parsed once, where a value enters (request, event, row), and is valid
//! from then on: serde deserialises through the same `parse`, so an invalid value
//! cannot exist. A service's own limits (the largest quantity it takes in one line, a
//! price's bounds…) stay in that service's domain.

mod codes;
mod dates;
mod decimal;
mod error;
mod finding;
pub mod money;
mod priority;
mod quantity;
mod text_enum;

pub use codes::{Currency, DealerCode, PartNumber, SupplierCode, WarehouseCode};
pub use dates::{CalendarDate, DATE_RANGE, TIMESTAMP_RANGE, Timestamp};
pub use decimal::{DECIMAL_PATTERN, DecimalString};
pub use error::InvalidValue;
pub use finding::{CauseCode, DispositionKind};
pub use priority::Priority;
pub use quantity::Quantity;
