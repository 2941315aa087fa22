//! Diesel schema, models and queries: the only place that writes SQL.
//!
//! Every function takes the caller's connection, so handlers decide the transaction.

pub mod dealers;
pub mod orders;
pub mod price_book;
pub mod reports;
pub mod schema;

/// Whether `err` is a violation of a unique key (a concurrent twin insert).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
