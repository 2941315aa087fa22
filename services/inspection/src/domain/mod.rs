//! Pure types and rules of the service: codes, the claim state machine, warranty
//! coverage and the checks made at submission, claim pricing, inspection findings and
//! dispositions, the approval limit, when a part's return is due, and report arithmetic.
//! No IO, no diesel, no actix; unit- and property-tested.

pub mod approval;
pub mod campaign;
pub mod codes;
pub mod coverage;
pub mod goodwill;
pub mod inspection;
pub mod pricing;
pub mod reasons;
pub mod report;
pub mod returns;
pub mod scorecard;
pub mod status;

pub use codes::{
    Currency, DealerCode, InvalidValue, OperationCode, PartNumber, Quantity, Serial, SupplierCode,
    UsageUnit, WarehouseCode, line_qty,
};
pub use inspection::{CauseCode, DispositionKind};
pub use reasons::ReasonCode;
pub use status::{Action, ClaimStatus, Verdict};
