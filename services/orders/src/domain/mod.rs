//! Pure types and rules of the service: codes, dealer tiers and their discounts,
//! order pricing, the order status derived from catalog's allocation, and fill-rate
//! arithmetic. No IO, no diesel, no actix; unit- and property-tested.

pub mod allocation;
pub mod codes;
pub mod pricing;
pub mod report;
pub mod status;
pub mod tier;

pub use aftersales_types::Priority;
pub use codes::{
    Currency, DealerCode, InvalidValue, PartNumber, Quantity, WarehouseCode, line_qty,
};
pub use status::OrderStatus;
pub use tier::Tier;
