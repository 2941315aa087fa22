//! Decimal numbers in request bodies (prices, amounts, hours, rates): decimal strings
//! (`"12.50"`), never JSON numbers (docs/rules.md, "Money").
//!
//! rust_decimal's own `Deserialize` takes a JSON number too (`12.5`, or `0.1` read
//! through an `f64`), and its `serde-with-str` helpers refuse one with a message about
//! "a Decimal type". This type takes only the string, says what it wants, and its
//! OpenAPI schema is that string with its pattern.

use std::fmt;
use std::ops::Deref;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

use crate::InvalidValue;

/// The text of a [`DecimalString`]: an optional minus, up to 16 digits, optionally a
/// point and up to 12 decimals (within the 28 digits a `Decimal` holds).
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]{1,16}(\.[0-9]{1,12})?$";

const EXPECTED: &str = r#"a decimal string like "12.50""#;

/// A decimal read from a JSON string. What values a field takes (its sign, scale and
/// bounds) stays the rule of the service that reads it; this is only how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecimalString(Decimal);

impl DecimalString {
    /// `text` if it matches [`DECIMAL_PATTERN`].
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let refused = || {
            InvalidValue::new(format!(
                "must be {EXPECTED} (digits, an optional leading \"-\" and \".\")"
            ))
        };
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, decimals) = digits.split_once('.').unwrap_or((digits, "1"));
        let all_digits = |s: &str, max: usize| {
            (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !(all_digits(whole, 16) && all_digits(decimals, 12)) {
            return Err(refused());
        }
        text.parse::<Decimal>().map(Self).map_err(|_| refused())
    }

    pub fn get(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for DecimalString {
    fn from(d: Decimal) -> Self {
        Self(d)
    }
}

impl From<DecimalString> for Decimal {
    fn from(d: DecimalString) -> Decimal {
        d.0
    }
}

// The value is a `Decimal` in every respect but how JSON writes it: the services' rules
// (`fn price(&Decimal)`, arithmetic) read it as one.
impl Deref for DecimalString {
    type Target = Decimal;

    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl fmt::Display for DecimalString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for DecimalString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecimalString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Visitor)
    }
}

struct Visitor;

impl Visitor {
    fn number<E: serde::de::Error>(shown: impl fmt::Display) -> E {
        E::custom(format!(
            r#"must be {EXPECTED}, not the JSON number {shown}: write it in quotes"#
        ))
    }
}

// `deserialize_any`, not `deserialize_str`, so that a number reaches a visit method
// and is refused with this message rather than serde's "invalid type".
impl serde::de::Visitor<'_> for Visitor {
    type Value = DecimalString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<DecimalString, E> {
        DecimalString::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DecimalString, E> {
        Err(Self::number(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DecimalString, E> {
        Err(Self::number(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DecimalString, E> {
        Err(Self::number(v))
    }
}

impl utoipa::PartialSchema for DecimalString {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(DECIMAL_PATTERN))
            .description(Some(
                r#"A decimal string like "12.50", never a JSON number."#,
            ))
            .examples(["12.50"])
            .into()
    }
}

impl utoipa::ToSchema for DecimalString {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn strings_are_read_and_written_as_decimals() {
        for (text, value) in [
            ("12.50", "12.50"),
            ("-0.01", "-0.01"),
            ("7", "7"),
            ("007.5", "7.5"),
        ] {
            let parsed: DecimalString = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(parsed.get(), d(value), "{text}");
        }
        let price = DecimalString::from(d("12.50"));
        assert_eq!(serde_json::to_string(&price).unwrap(), "\"12.50\"");
        assert_eq!(*price, d("12.50"));
    }

    #[test]
    fn a_json_number_is_refused_with_what_to_send_instead() {
        for number in ["12.5", "12", "-3", "0.1", "1e3", "18446744073709551616"] {
            let e = serde_json::from_str::<DecimalString>(number).unwrap_err();
            assert!(
                e.to_string()
                    .contains(r#"must be a decimal string like "12.50""#),
                "{number}: {e}"
            );
        }
        for other in ["true", "null", "[]", "{}"] {
            let e = serde_json::from_str::<DecimalString>(other).unwrap_err();
            assert!(
                e.to_string().contains(r#"a decimal string like "12.50""#),
                "{other}: {e}"
            );
        }
    }

    #[test]
    fn strings_outside_the_pattern_are_refused() {
        for bad in [
            "",
            "-",
            ".5",
            "5.",
            "1e3",
            "+1",
            " 1",
            "1_000",
            "1,5",
            "NaN",
            "12.50 ",
            "12345678901234567",
            "1.1234567890123",
        ] {
            let e = DecimalString::parse(bad).unwrap_err();
            assert!(
                e.message().contains(r#"a decimal string like "12.50""#),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_schema_is_a_string_with_the_pattern() {
        let schema =
            serde_json::to_value(<DecimalString as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["pattern"], DECIMAL_PATTERN);
    }

    proptest! {
        #[test]
        fn accepted_exactly_when_the_pattern_matches(text in r"-?[0-9]{0,18}(\.[0-9]{0,14})?") {
            let digits = text.trim_start_matches('-');
            let (whole, decimals) = digits.split_once('.').unwrap_or((digits, "0"));
            let matches = (1..=16).contains(&whole.len()) && (1..=12).contains(&decimals.len());
            let parsed = DecimalString::parse(&text);
            prop_assert_eq!(parsed.is_ok(), matches, "{}", text);
            if let Ok(p) = parsed {
                prop_assert_eq!(p.get(), d(&text));
            }
        }

        #[test]
        fn every_decimal_written_as_a_string_comes_back(m in any::<i64>(), s in 0u32..=12) {
            let value = Decimal::new(m, s);
            let json = serde_json::to_string(&DecimalString::from(value)).unwrap();
            let back: Result<DecimalString, _> = serde_json::from_str(&json);
            // i64 has at most 19 digits: more than 16 before the point is refused.
            let whole_digits = value.trunc().abs().to_string().len();
            prop_assert_eq!(back.is_ok(), whole_digits <= 16, "{}", json);
            if let Ok(b) = back {
                prop_assert_eq!(b.get(), value);
            }
        }
    }
}
