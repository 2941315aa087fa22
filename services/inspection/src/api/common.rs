//! Small helpers shared by the handlers.

use std::borrow::Cow;

use actix_web::http::header;
use aftersales_web::ApiError;
use validator::ValidationError;

use crate::domain::InvalidValue;
pub use aftersales_web::db::conn;
pub use aftersales_web::request::{etag, if_match, period_bound, wants_csv};

/// The validator error for a domain parse failure, with its message.
pub fn validation(e: InvalidValue) -> ValidationError {
    ValidationError::new("invalid").with_message(Cow::Owned(e.into_message()))
}

/// A `201 Created` (or the replayed status) with `Location: {base}/{id}` when the body has an id.
pub fn created(
    status: u16,
    body: serde_json::Value,
    base: &str,
    id_field: &str,
) -> Result<actix_web::HttpResponse, ApiError> {
    let status = actix_web::http::StatusCode::from_u16(status).map_err(ApiError::internal)?;
    let mut resp = actix_web::HttpResponse::build(status);
    if let Some(id) = body.get(id_field).and_then(serde_json::Value::as_str) {
        resp.insert_header((header::LOCATION, format!("/api/v1/{base}/{id}")));
    }
    Ok(resp.json(body))
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
