//! Validated identifiers and quantities: once a value exists it is valid.

use std::fmt;

/// Why a code or quantity was refused; the message is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodeError(pub String);

fn check_code(value: &str, what: &str, max: usize) -> Result<(), CodeError> {
    let ok_len = !value.is_empty() && value.len() <= max;
    let ok_chars = value
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    let ok_start = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok_len && ok_chars && ok_start {
        Ok(())
    } else {
        Err(CodeError(format!(
            "{what} must be 1 to {max} characters A-Z, 0-9, '-' or '_', starting with a letter or digit"
        )))
    }
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, CodeError> {
                check_code(value, $what, $max)?;
                Ok(Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// A dealer's code, e.g. `D001`.
    DealerCode, "dealer code", 20
);
code_type!(
    /// A warehouse's code, e.g. `WH-NORTH`.
    WarehouseCode, "warehouse code", 20
);
code_type!(
    /// A labor operation's code, e.g. `BRK-R01`.
    OperationCode, "operation code", 20
);
code_type!(
    /// A unit's serial number (VIN or machine serial).
    Serial, "serial", 40
);

/// A part number as catalog publishes it. Catalog owns the format; this service only
/// refuses what cannot be a part number at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartNumber(String);

impl PartNumber {
    pub const MAX_LEN: usize = 40;

    pub fn parse(value: &str) -> Result<Self, CodeError> {
        let ok = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value.chars().all(|c| c.is_ascii_graphic());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(CodeError(format!(
                "part number must be 1 to {} visible ASCII characters",
                Self::MAX_LEN
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 4217 currency code: three upper-case letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(value: &str) -> Result<Self, CodeError> {
        if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(CodeError(
                "currency must be an ISO 4217 code (three upper-case letters)".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whole units, at least 1. The upper bound keeps every line amount far inside
/// `NUMERIC(14,2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(i32);

impl Quantity {
    pub const MAX: i32 = 10_000;

    pub fn parse(value: i64) -> Result<Self, CodeError> {
        match i32::try_from(value) {
            Ok(v) if (1..=Self::MAX).contains(&v) => Ok(Self(v)),
            _ => Err(CodeError(format!(
                "quantity must be a whole number from 1 to {}",
                Self::MAX
            ))),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes() {
        assert!(DealerCode::parse("D001").is_ok());
        assert!(Serial::parse("VIN-123456789").is_ok());
        for bad in ["", "d001", "-D", "D 1", "Ä", &"A".repeat(21)] {
            assert!(DealerCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(PartNumber::parse("BRK-100/A").is_ok());
        for bad in ["", "A B", "A\n", &"P".repeat(41)] {
            assert!(PartNumber::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Currency::parse("EUR").is_ok());
        for bad in ["eur", "EU", "EURO", "E1R"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn quantities() {
        assert_eq!(Quantity::parse(1).map(Quantity::get), Ok(1));
        assert!(Quantity::parse(10_000).is_ok());
        for bad in [0, -1, 10_001, i64::MAX] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,50}") {
            let _ = DealerCode::parse(&s);
            let _ = Serial::parse(&s);
            let _ = PartNumber::parse(&s);
            let _ = Currency::parse(&s);
        }
    }
}
