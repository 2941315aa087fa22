//! Diesel schema, models and queries: the only place that writes SQL.
//!
//! Every function takes the caller's connection, so the use cases in `app/` decide
//! the transaction. Enum-like columns are read as the domain's own types: a stored
//! value the type does not know is an error, never a default.

pub mod dealers;
pub mod orders;
pub mod price_book;
pub mod reports;
pub mod schema;
pub mod tiers;

use crate::domain::{OrderStatus, Tier};

// Priority is shared vocabulary: `aftersales-types` gives it its column traits.
aftersales_web::text_enum!(OrderStatus, Tier);

/// Whether `err` is a violation of a unique key (a concurrent twin insert).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
