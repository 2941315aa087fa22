//! Identifiers, quantities and money that are valid once constructed.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Largest quantity accepted in one request: bigger numbers are typing mistakes.
pub const MAX_QTY: i32 = 1_000_000;
/// Largest list price accepted (NUMERIC(14,4) holds 10 integer digits).
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Prices carry at most this many decimals (DESIGN.md, "Precision").
pub const PRICE_SCALE: u32 = 4;

/// Why a value could not be parsed; the message is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn code(value: &str, what: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() || v.len() > max {
        return Err(Invalid(format!("{what} must be 1 to {max} characters")));
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
    {
        return Err(Invalid(format!(
            "{what} may contain only letters, digits, '-', '_', '.', '/'"
        )));
    }
    Ok(v.to_ascii_uppercase())
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Trimmed, upper-cased; letters, digits and `-_./` only.
            pub fn parse(value: &str) -> Result<Self, Invalid> {
                code(value, $what, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// A part number, e.g. `BP-1001`.
    PartNumber, "part number", 40
);
code_type!(
    /// A supplier code, e.g. `SUP1`.
    SupplierCode, "supplier code", 20
);
code_type!(
    /// A warehouse code, e.g. `CENTRAL`.
    WarehouseCode, "warehouse code", 20
);

/// A whole number of units, 1 to [`MAX_QTY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i32);

impl Quantity {
    pub fn parse(value: i64) -> Result<Self, Invalid> {
        if value < 1 {
            return Err(Invalid("must be at least 1".into()));
        }
        if value > i64::from(MAX_QTY) {
            return Err(Invalid(format!("must be at most {MAX_QTY}")));
        }
        Ok(Self(value as i32))
    }

    pub fn get(self) -> i32 {
        self.0
    }
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

/// An ISO 4217 currency code (three upper-case letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(Invalid(
                "must be a three-letter ISO 4217 code, e.g. EUR".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
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

/// Warranty months: 0 to 240.
pub fn warranty_months(value: i64) -> Result<i32, Invalid> {
    if (0..=240).contains(&value) {
        Ok(value as i32)
    } else {
        Err(Invalid("must be between 0 and 240".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(PartNumber::parse(" bp-1001 ").unwrap().as_str(), "BP-1001");
        assert!(PartNumber::parse("").is_err());
        assert!(PartNumber::parse("has space").is_err());
        assert!(PartNumber::parse(&"A".repeat(41)).is_err());
        assert!(WarehouseCode::parse("central").is_ok());
    }

    #[test]
    fn quantities() {
        assert!(Quantity::parse(0).is_err());
        assert!(Quantity::parse(-1).is_err());
        assert_eq!(Quantity::parse(1).unwrap().get(), 1);
        assert!(Quantity::parse(i64::from(MAX_QTY) + 1).is_err());
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
