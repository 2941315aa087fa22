//! Diesel schema, models and queries: the only place that writes SQL.
//!
//! Every function takes the caller's connection, so callers decide the transaction.

pub mod claims;
pub mod labor;
pub mod policies;
pub mod read_models;
pub mod reports;
pub mod schema;
pub mod units;

/// Whether `err` is a violation of a unique key (a concurrent twin insert).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
