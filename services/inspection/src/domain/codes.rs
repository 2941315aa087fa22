//! The shared vocabulary (`aftersales-types`) as inspection uses it, and inspection's
//! own codes: labor operations, unit serials, how a unit's usage is read, and how
//! many units one claim line may hold.

use std::fmt;

pub use aftersales_types::{
    Currency, DealerCode, InvalidValue, PartNumber, Quantity, SupplierCode, WarehouseCode,
};

/// The most units one claim line may hold: keeps every line amount far inside
/// `NUMERIC(14,2)`.
pub const MAX_LINE_QTY: i32 = 10_000;

/// A claimed quantity: whole units, 1 to [`MAX_LINE_QTY`].
pub fn line_qty(value: i64) -> Result<Quantity, InvalidValue> {
    Quantity::parse_at_most(value, MAX_LINE_QTY)
}

fn check_code(value: &str, what: &str, max: usize) -> Result<(), InvalidValue> {
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
        Err(InvalidValue::new(format!(
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
            pub fn parse(value: &str) -> Result<Self, InvalidValue> {
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
    /// A labor operation's code, e.g. `BRK-R01`.
    OperationCode, "operation code", 20
);
code_type!(
    /// A unit's serial number (VIN or machine serial).
    Serial, "serial", 40
);

/// How a unit's usage is read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UsageUnit {
    /// Odometer kilometres.
    Km,
    /// Hour meter.
    Hours,
}

impl UsageUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageUnit::Km => "km",
            UsageUnit::Hours => "hours",
        }
    }

    pub fn parse(value: &str) -> Option<UsageUnit> {
        match value {
            "km" => Some(UsageUnit::Km),
            "hours" => Some(UsageUnit::Hours),
            _ => None,
        }
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
            assert!(OperationCode::parse(bad).is_err(), "{bad:?}");
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
    fn usage_units_round_trip() {
        for u in [UsageUnit::Km, UsageUnit::Hours] {
            assert_eq!(UsageUnit::parse(u.as_str()), Some(u));
            assert_eq!(serde_json::to_value(u).unwrap(), u.as_str());
        }
        assert_eq!(UsageUnit::parse("miles"), None);
    }

    #[test]
    fn quantities() {
        assert_eq!(line_qty(1).map(Quantity::get), Ok(1));
        assert!(line_qty(10_000).is_ok());
        for bad in [0, -1, 10_001, i64::MAX] {
            assert!(line_qty(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,50}") {
            let _ = OperationCode::parse(&s);
            let _ = Serial::parse(&s);
        }
    }
}
