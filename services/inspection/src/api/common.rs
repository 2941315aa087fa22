//! Small helpers shared by the handlers.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use aftersales_web::idempotency::{self, Answer, Work};
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Principal};
use serde::Serialize;
use validator::ValidationError;

use crate::domain::InvalidValue;
pub use aftersales_web::db::conn;
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

/// Runs `work` in a transaction of a pooled connection, once per `who`'s
/// Idempotency-Key (`idempotency::once`); `status` is the status of a first answer.
pub async fn once<T, W>(
    who: &Principal,
    pool: &DbPool,
    key: &MaybeIdempotencyKey,
    request: &(impl Serialize + ?Sized),
    status: StatusCode,
    work: W,
) -> Result<Answer, ApiError>
where
    T: Serialize + Send,
    W: for<'c> Work<'c, T> + Send,
{
    let mut conn = conn(pool).await?;
    idempotency::once(&mut conn, &who.sub, key.as_ref(), request, status, work).await
}
