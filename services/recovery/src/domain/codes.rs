//! Validated codes: once a value exists it is valid.

use std::fmt;

/// Why a code was refused; the message is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodeError(pub String);

/// A supplier's code as catalog publishes it. Catalog owns the format; recovery only
/// refuses what cannot be a code at all (empty, too long, spaces, control characters),
/// so a supplier catalog accepts is never refused here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SupplierCode(String);

impl SupplierCode {
    pub const MAX_LEN: usize = 40;

    pub fn parse(value: &str) -> Result<Self, CodeError> {
        let ok = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value.chars().all(|c| c.is_ascii_graphic());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(CodeError(format!(
                "supplier code must be 1 to {} visible ASCII characters",
                Self::MAX_LEN
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SupplierCode {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes() {
        assert!(SupplierCode::parse("SUP-1").is_ok());
        for bad in ["", "A B", "A\n", &"S".repeat(41)] {
            assert!(SupplierCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Currency::parse("EUR").is_ok());
        for bad in ["eur", "EU", "EURO", "E1R"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,50}") {
            let _ = SupplierCode::parse(&s);
            let _ = Currency::parse(&s);
        }
    }
}
