//! Small helpers shared by the handlers: the role check, date parsing and the
//! `validator` checks of the shared codes.

use std::borrow::Cow;

pub use aftersales_web::request::{period, wants_csv};
use aftersales_web::{ApiError, Principal};
use chrono::{Datelike as _, NaiveDate};
use rust_decimal::Decimal;
use validator::ValidationError;

use crate::domain::money::parse_amount;
use crate::domain::{Currency, SupplierCode};

aftersales_web::roles! {
    /// Only finance and admins reach this service's API.
    pub FinanceStaff = [Finance, Admin];
}

/// The check of [`FinanceStaff`] for handlers without a body.
pub fn require_finance(who: &Principal) -> Result<(), ApiError> {
    who.require(<FinanceStaff as aftersales_web::RoleSet>::ROLES)
}

/// A calendar date within the years an answer can write back (0000 to 9999).
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| (0..=9999).contains(&d.year()))
        .ok_or_else(|| {
            ApiError::invalid_field(
                field,
                "must be a date (YYYY-MM-DD) from 0000-01-01 to 9999-12-31",
            )
        })
}

/// A `validator` failure with the domain's message.
pub fn message(e: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new("invalid").with_message(e.into())
}

pub fn valid_supplier(value: &str) -> Result<(), ValidationError> {
    SupplierCode::parse(value)
        .map(drop)
        .map_err(|e| message(e.into_message()))
}

pub fn valid_currency(value: &str) -> Result<(), ValidationError> {
    Currency::parse(value)
        .map(drop)
        .map_err(|e| message(e.into_message()))
}

/// An amount above 0, in cents, below the ceiling.
pub fn valid_positive(value: &Decimal) -> Result<(), ValidationError> {
    parse_amount(*value).map_err(message)?;
    if *value <= Decimal::ZERO {
        return Err(message("must be more than 0"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_stay_within_the_years_an_answer_can_write() {
        assert_eq!(
            parse_date("as_of", "2026-12-01").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert!(parse_date("as_of", "9999-12-31").is_ok());
        for bad in [
            "+10000-01-01",
            "-0001-01-01",
            "2026-13-01",
            "2026-12-01T00:00:00Z",
            "",
        ] {
            let error = parse_date("as_of", bad).unwrap_err();
            assert!(
                matches!(&error, ApiError::Unprocessable { errors, .. } if errors[0].field == "as_of"),
                "{bad}: {error:?}"
            );
        }
    }
}
