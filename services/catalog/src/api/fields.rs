//! The checks of request fields, for `validator`'s `custom` rules: each runs the
//! domain's own parser, so a 422 says what `domain` says. After `validate()`, a
//! handler builds the domain values with [`parsed`].

use std::borrow::Cow;

use aftersales_web::ApiError;
use rust_decimal::Decimal;
use validator::ValidationError;

use crate::domain::stock::adjustment_delta;
use crate::domain::{
    self, Currency, FromInput, Invalid, PartNumber, Price, SupplierCode, WarehouseCode,
};

/// The validator error for a domain parse failure, with its message.
pub fn validation(e: Invalid) -> ValidationError {
    ValidationError::new("invalid").with_message(Cow::Owned(e.0))
}

/// The domain value of a field `validate()` has checked (a 422 naming `field` if
/// the check and the parser ever disagree).
pub fn parsed<T>(field: &str, value: Result<T, Invalid>) -> Result<T, ApiError> {
    value.map_err(|e| ApiError::invalid_field(field, e.0))
}

fn check<T>(value: Result<T, Invalid>) -> Result<(), ValidationError> {
    value.map(drop).map_err(validation)
}

/// Trimmed, `None` when empty: optional text fields treat blank as absent.
pub fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

pub fn part_number(value: &str) -> Result<(), ValidationError> {
    check(PartNumber::from_input(value))
}
pub fn supplier_code(value: &str) -> Result<(), ValidationError> {
    check(SupplierCode::from_input(value))
}
pub fn warehouse_code(value: &str) -> Result<(), ValidationError> {
    check(WarehouseCode::from_input(value))
}
pub fn currency(value: &str) -> Result<(), ValidationError> {
    check(Currency::parse(value).map_err(Invalid::from))
}
pub fn price(value: &Decimal) -> Result<(), ValidationError> {
    check(Price::parse(*value))
}
pub fn quantity(value: i64) -> Result<(), ValidationError> {
    check(domain::quantity(value))
}
pub fn non_negative(value: i64) -> Result<(), ValidationError> {
    check(domain::non_negative(value))
}
pub fn delta(value: i64) -> Result<(), ValidationError> {
    check(adjustment_delta(value))
}
pub fn warranty_months(value: i64) -> Result<(), ValidationError> {
    check(domain::warranty_months(value))
}
/// A successor part number; blank is none.
pub fn successor(value: &str) -> Result<(), ValidationError> {
    match given(Some(value)) {
        Some(v) => part_number(v),
        None => Ok(()),
    }
}
pub fn text_20(value: &str) -> Result<(), ValidationError> {
    check(domain::text(value, 20))
}
pub fn text_100(value: &str) -> Result<(), ValidationError> {
    check(domain::text(value, 100))
}
pub fn text_200(value: &str) -> Result<(), ValidationError> {
    check(domain::text(value, 200))
}
pub fn text_500(value: &str) -> Result<(), ValidationError> {
    check(domain::text(value, 500))
}
/// Optional text of at most 40 characters (a bin); blank is none.
pub fn optional_text_40(value: &str) -> Result<(), ValidationError> {
    given(Some(value)).map_or(Ok(()), |v| check(domain::text(v, 40)))
}
/// Optional text of at most 100 characters (a reference); blank is none.
pub fn optional_text_100(value: &str) -> Result<(), ValidationError> {
    given(Some(value)).map_or(Ok(()), |v| check(domain::text(v, 100)))
}
