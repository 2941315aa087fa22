//! Small helpers shared by the handlers.

use std::borrow::Cow;

use actix_web::HttpRequest;
use actix_web::http::header;
use aftersales_web::{ApiError, DbPool};
use chrono::{DateTime, NaiveDate, Utc};
use validator::ValidationError;

use crate::domain::CodeError;

pub type Conn = aftersales_web::db::DbConn;

pub async fn conn(pool: &DbPool) -> Result<Conn, ApiError> {
    pool.get()
        .await
        .map_err(|e| ApiError::from(aftersales_web::DbError::from(e)))
}

/// The validator error for a domain parse failure, with its message.
pub fn validation(e: CodeError) -> ValidationError {
    ValidationError::new("invalid").with_message(Cow::Owned(e.0))
}

/// `"v<version>"`: the strong ETag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// The version `If-Match` asks for: `None` without the header or with `*`. An
/// `If-Match` that names no version of ours can never match → 412.
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::bad_request("If-Match must be ASCII"))?
        .trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .strip_prefix("\"v")
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| ApiError::precondition_failed("If-Match does not match the current ETag"))
}

/// A period bound from a query: an RFC 3339 timestamp, or a date (UTC). A date as
/// `to` includes that whole day; `to` is otherwise exclusive.
pub fn period_bound(field: &str, value: &str, is_to: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(ts) = DateTime::parse_from_rfc3339(value) {
        return Ok(ts.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid_field(
            field,
            "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
        )
    })?;
    let date = if is_to {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    Ok(date.and_time(chrono::NaiveTime::MIN).and_utc())
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
/// Whether the client asked for CSV (`?format=csv` or `Accept: text/csv`).
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => return Err(ApiError::invalid_field("format", "must be json or csv")),
        None => {}
    }
    Ok(req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv")))
}
