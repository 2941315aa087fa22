//! Small helpers shared by the handlers.

use actix_web::HttpRequest;
use actix_web::http::header;
use aftersales_web::{ApiError, DbPool, Principal, Role};
use chrono::{DateTime, NaiveDate, Utc};

pub type Conn = aftersales_web::db::DbConn;

/// Only finance and admins reach this service's API.
pub fn require_finance(who: &Principal) -> Result<(), ApiError> {
    who.require(&[Role::Finance, Role::Admin])
}

pub async fn conn(pool: &DbPool) -> Result<Conn, ApiError> {
    pool.get()
        .await
        .map_err(|e| ApiError::from(aftersales_web::DbError::from(e)))
}

/// A period bound from a query: an RFC 3339 timestamp, or a date (UTC). A date as
/// `to` includes that whole day; `to` is otherwise exclusive.
pub fn period_bound(field: &str, value: &str, is_to: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(ts) = DateTime::parse_from_rfc3339(value) {
        return Ok(ts.with_timezone(&Utc));
    }
    let date = parse_date(field, value)?;
    let date = if is_to {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    Ok(date.and_time(chrono::NaiveTime::MIN).and_utc())
}

pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid_field(
            field,
            "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
        )
    })
}

/// A period `[from, to)`, each end optional.
pub type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `[from, to)` from optional query values; 422 when `to` is before `from`.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    let from = from.map(|v| period_bound("from", v, false)).transpose()?;
    let to = to.map(|v| period_bound("to", v, true)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    Ok((from, to))
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

/// A CSV field, quoted when it holds a separator, quote or line break.
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}
