//! Small helpers shared by the handlers.

use std::borrow::Cow;

use aftersales_web::{ApiError, Principal};
use validator::ValidationError;

use crate::domain::InvalidValue;
pub use aftersales_web::request::{etag, if_match, period_bound, wants_csv};

/// The validator error for a domain parse failure, with its message.
pub fn validation(e: InvalidValue) -> ValidationError {
    ValidationError::new("invalid").with_message(Cow::Owned(e.into_message()))
}

/// A domain value parsed from field `name`, or a 422 naming the field.
pub fn field<T>(name: &str, parsed: Result<T, InvalidValue>) -> Result<T, ApiError> {
    parsed.map_err(|e| ApiError::invalid_field(name, e.into_message()))
}

/// The validator error for an amount or hours with more than `scale` decimals or
/// outside `[min, max]`.
pub fn decimal_in(
    value: &rust_decimal::Decimal,
    min: rust_decimal::Decimal,
    max: rust_decimal::Decimal,
    scale: u32,
) -> Result<(), ValidationError> {
    if *value < min || *value > max || value.normalize().scale() > scale {
        return Err(
            ValidationError::new("range").with_message(Cow::Owned(format!(
                "must be from {min} to {max} with at most {scale} decimals"
            ))),
        );
    }
    Ok(())
}

/// Whose records the caller asks for: a dealer always its own; staff the dealer
/// named, or everyone's (`None`).
pub fn dealer_of(who: &Principal, named: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(match who.dealer_scope()? {
        Some(own) => Some(own.to_owned()),
        None => named.map(str::to_owned),
    })
}
