//! Pure types and rules of supplier recovery: money, agreement terms and
//! which agreement applies to an adjudicated claim, the recovery amount, the recovery
//! claim's state machine, the allocation of credit memos and write-offs, the
//! reconciliation identities and aging. No IO, no diesel, no actix; unit- and
//! property-tested.

pub mod aging;
pub mod agreement;
pub mod claim;
pub mod filing;
pub mod ledger;
pub mod line;
pub mod money;

pub use aftersales_types::{Currency, InvalidValue, PartNumber, SupplierCode};
