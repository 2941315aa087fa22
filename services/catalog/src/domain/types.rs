//! Catalog's own values (prices, free text, warranty months, its limits on
//! quantities) and how a person's input becomes the shared codes of
//! `aftersales-types`.

pub use aftersales_types::{
    Currency, InvalidValue, PartNumber, Quantity, SupplierCode, WarehouseCode,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Largest quantity accepted in one request: bigger numbers are typing mistakes.
pub const MAX_QTY: i32 = 1_000_000;
/// Largest list price accepted (NUMERIC(14,4) holds 10 integer digits).
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Prices carry at most this many decimals (DESIGN.md, "Precision").
pub use aftersales_types::money::PRICE_SCALE;

/// Why a value could not be parsed; the message is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl From<InvalidValue> for Invalid {
    fn from(e: InvalidValue) -> Self {
        Self(e.into_message())
    }
}

/// Codes as a person types them into catalog (request, path, CSV cell): surrounding
/// spaces and lower case are forgiven, the code is kept in its canonical form.
pub trait FromInput: Sized {
    fn from_input(value: &str) -> Result<Self, Invalid>;
}

macro_rules! from_input {
    ($($name:ident),*) => {$(
        impl FromInput for $name {
            fn from_input(value: &str) -> Result<Self, Invalid> {
                Ok(Self::parse(&value.trim().to_ascii_uppercase())?)
            }
        }
    )*};
}

from_input!(PartNumber, SupplierCode, WarehouseCode);

/// A whole number of units in one request, 1 to [`MAX_QTY`].
pub fn quantity(value: i64) -> Result<Quantity, Invalid> {
    Ok(Quantity::parse_at_most(value, MAX_QTY)?)
}

/// A list price: positive, at most 4 decimals, below [`MAX_PRICE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Price(Decimal);

impl Price {
    pub fn parse(value: Decimal) -> Result<Self, Invalid> {
        if value <= Decimal::ZERO {
            return Err(Invalid("must be greater than 0".into()));
        }
        if value.normalize().scale() > PRICE_SCALE {
            return Err(Invalid(format!("must have at most {PRICE_SCALE} decimals")));
        }
        if value >= MAX_PRICE {
            return Err(Invalid(format!("must be less than {MAX_PRICE}")));
        }
        Ok(Self(value))
    }

    /// Parses the decimal text of a CSV cell or query.
    pub fn parse_str(value: &str) -> Result<Self, Invalid> {
        let v = value.trim();
        if v.is_empty()
            || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || v.bytes().filter(|b| *b == b'.').count() > 1
        {
            return Err(Invalid(format!("{v:?} is not a decimal number")));
        }
        let d: Decimal = v
            .parse()
            .map_err(|_| Invalid(format!("{v:?} is not a decimal number")))?;
        Self::parse(d)
    }

    pub fn get(self) -> Decimal {
        self.0
    }
}

/// Checks a free-text field: trimmed, non-empty, at most `max` characters.
pub fn text(value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid("must not be empty".into()));
    }
    if v.chars().count() > max {
        return Err(Invalid(format!("must be at most {max} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(Invalid("must not contain control characters".into()));
    }
    Ok(v.to_owned())
}

/// A count of units that may be 0 (counted, reorder point and quantity), 0 to
/// [`MAX_QTY`].
pub fn non_negative(value: i64) -> Result<i32, Invalid> {
    match i32::try_from(value) {
        Ok(v) if (0..=MAX_QTY).contains(&v) => Ok(v),
        _ => Err(Invalid(format!("must be between 0 and {MAX_QTY}"))),
    }
}

/// Warranty months: 0 to 240.
pub fn warranty_months(value: i64) -> Result<i32, Invalid> {
    if (0..=240).contains(&value) {
        Ok(value as i32)
    } else {
        Err(Invalid("must be between 0 and 240".into()))
    }
}

// What a warehouse is for: the central one supplies the regional ones. (A plain
// comment: a doc comment would change the OpenAPI document.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarehouseKind {
    Central,
    Regional,
}

impl WarehouseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarehouseKind::Central => "central",
            WarehouseKind::Regional => "regional",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [WarehouseKind::Central, WarehouseKind::Regional]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(
            PartNumber::from_input(" bp-1001 ").unwrap().as_str(),
            "BP-1001"
        );
        assert!(PartNumber::from_input("").is_err());
        assert!(PartNumber::from_input("has space").is_err());
        assert!(PartNumber::from_input(&"A".repeat(41)).is_err());
        assert!(WarehouseCode::from_input("central").is_ok());
    }

    #[test]
    fn quantities() {
        assert!(quantity(0).is_err());
        assert!(quantity(-1).is_err());
        assert_eq!(quantity(1).unwrap().get(), 1);
        assert!(quantity(i64::from(MAX_QTY) + 1).is_err());
    }

    #[test]
    fn prices() {
        assert!(Price::parse(Decimal::new(12345, 4)).is_ok());
        assert!(Price::parse(Decimal::new(123456, 5)).is_err());
        // Trailing zeros beyond 4 decimals are the same number.
        assert!(Price::parse(Decimal::new(1234500, 6)).is_ok());
        assert!(Price::parse(Decimal::ZERO).is_err());
        assert!(Price::parse(Decimal::new(-1, 0)).is_err());
        assert!(Price::parse_str("12.50").is_ok());
        for bad in ["", "1,5", "abc", "1.2.3", "-3", "1e5", "1.23456"] {
            assert!(Price::parse_str(bad).is_err(), "{bad}");
        }
        assert!(Currency::parse("EUR").is_ok());
        assert!(Currency::parse("eur").is_err());
    }

    proptest! {
        #[test]
        fn price_parse_accepts_exactly_scale_four_or_less(m in 1i64..1_000_000_000, s in 0u32..8) {
            let d = Decimal::new(m, s);
            let ok = Price::parse(d).is_ok();
            prop_assert_eq!(ok, d.normalize().scale() <= 4 && d < MAX_PRICE);
        }
    }
}
