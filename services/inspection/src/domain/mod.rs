//! Pure types and rules of the service: codes, the claim state machine, warranty
//! coverage and the checks made at submission, claim pricing, and report arithmetic.
//! No IO, no diesel, no actix; unit- and property-tested.

pub mod codes;
pub mod coverage;
pub mod pricing;
pub mod reasons;
pub mod report;
pub mod status;

pub use codes::{
    Currency, DealerCode, InvalidValue, OperationCode, PartNumber, Quantity, Serial, SupplierCode,
    WarehouseCode, line_qty,
};
pub use reasons::ReasonCode;
pub use status::{Action, ClaimStatus};
