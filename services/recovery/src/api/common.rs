//! Small helpers shared by the handlers.

pub use aftersales_web::db::conn;
pub use aftersales_web::request::{period, wants_csv};
use aftersales_web::{ApiError, Principal, Role};
use chrono::NaiveDate;

pub type Conn = aftersales_web::db::DbConn;

/// Only finance and admins reach this service's API.
pub fn require_finance(who: &Principal) -> Result<(), ApiError> {
    who.require(&[Role::Finance, Role::Admin])
}

pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid_field(
            field,
            "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
        )
    })
}

/// A CSV field, quoted when it holds a separator, quote or line break.
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}
