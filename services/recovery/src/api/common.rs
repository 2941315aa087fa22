//! Small helpers shared by the handlers: the role check and the
//! `validator` checks of the shared codes.

use std::borrow::Cow;

pub use aftersales_web::request::{date, period, wants_csv};
use aftersales_web::{ApiError, Principal};
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
