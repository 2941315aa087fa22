//! Diesel schema, models and queries: the only place that writes SQL.
//!
//! Every function takes the caller's connection, so the use cases in `app` decide the
//! transaction. Enum-like columns are read and written as the domain's enums; a stored
//! value they do not know is an error, never a default.

pub mod agreements;
pub mod claims;
pub mod lines;
pub mod parts;
pub mod payments;
pub mod schema;

use crate::domain::agreement::NotRecoverable;
use crate::domain::claim::{ClaimStatus, Origin};
use crate::domain::ledger::Outcome;
use crate::domain::line::{Decision, LineStatus};

aftersales_web::text_enum!(
    ClaimStatus,
    Origin,
    LineStatus,
    Decision,
    Outcome,
    NotRecoverable
);

/// Whether `err` is a violation of a unique key (a concurrent twin insert).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Whether `err` is the `agreements_no_overlap` trigger refusing an overlap.
pub fn is_overlap(err: &diesel::result::Error) -> bool {
    match err {
        diesel::result::Error::DatabaseError(_, info) => {
            info.constraint_name() == Some("agreements_no_overlap")
        }
        _ => false,
    }
}
