//! Codes that name things across services. Each has one rule, the one of the service
//! that creates the values (catalog for parts, suppliers and warehouses, orders for
//! dealers), so a value its owner publishes is never refused elsewhere.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

use crate::InvalidValue;

/// What makes a string a valid code: its canonical form, upper case, no spaces.
struct Rule {
    max_len: usize,
    /// Whether `.` and `/` may appear (catalog's codes) or only `-` and `_`.
    dot_and_slash: bool,
    /// Whether the first character must be a letter or digit.
    alnum_first: bool,
    message: &'static str,
    pattern: &'static str,
}

impl Rule {
    fn check(&self, value: &str) -> Result<(), InvalidValue> {
        let char_ok = |b: u8| {
            b.is_ascii_uppercase()
                || b.is_ascii_digit()
                || matches!(b, b'-' | b'_')
                || (self.dot_and_slash && matches!(b, b'.' | b'/'))
        };
        let first_ok = value
            .bytes()
            .next()
            .is_some_and(|b| !self.alnum_first || b.is_ascii_uppercase() || b.is_ascii_digit());
        if value.len() <= self.max_len && first_ok && value.bytes().all(char_ok) {
            Ok(())
        } else {
            Err(InvalidValue::new(self.message))
        }
    }
}

/// A newtype over `String` whose only constructor is `parse`, with `Display`,
/// `FromStr`, serde (deserialising through `parse`) and an OpenAPI string schema.
macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident, $check:path, $pattern:expr, $example:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        pub struct $name(String);

        #[cfg(feature = "diesel")]
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.0.as_str(),
                    out,
                )
            }
        }

        /// A stored value that breaks the rule is an error, never a default.
        #[cfg(feature = "diesel")]
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let value = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                Ok(Self::parse(&value)?)
            }
        }

        impl $name {
            pub fn parse(value: &str) -> Result<Self, InvalidValue> {
                $check(value)?;
                Ok(Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;

            fn from_str(value: &str) -> Result<Self, InvalidValue> {
                Self::parse(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = String::deserialize(d)?;
                $check(&value).map_err(serde::de::Error::custom)?;
                Ok(Self(value))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some($pattern))
                    .examples([$example])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

const PART_NUMBER: Rule = Rule {
    max_len: 40,
    dot_and_slash: true,
    alnum_first: false,
    message: "part number must be 1 to 40 characters A-Z, 0-9, '-', '_', '.' or '/', e.g. BP-1001",
    pattern: "^[A-Z0-9_./-]{1,40}$",
};
const SUPPLIER_CODE: Rule = Rule {
    max_len: 20,
    dot_and_slash: true,
    alnum_first: false,
    message: "supplier code must be 1 to 20 characters A-Z, 0-9, '-', '_', '.' or '/', e.g. SUP1",
    pattern: "^[A-Z0-9_./-]{1,20}$",
};
const WAREHOUSE_CODE: Rule = Rule {
    max_len: 20,
    dot_and_slash: true,
    alnum_first: false,
    message: "warehouse code must be 1 to 20 characters A-Z, 0-9, '-', '_', '.' or '/', e.g. WH1",
    pattern: "^[A-Z0-9_./-]{1,20}$",
};
const DEALER_CODE: Rule = Rule {
    max_len: 20,
    dot_and_slash: false,
    alnum_first: true,
    message: "dealer code must be 1 to 20 characters A-Z, 0-9, '-' or '_', starting with a letter or digit, e.g. D001",
    pattern: "^[A-Z0-9][A-Z0-9_-]{0,19}$",
};

fn part_number(value: &str) -> Result<(), InvalidValue> {
    PART_NUMBER.check(value)
}
fn supplier_code(value: &str) -> Result<(), InvalidValue> {
    SUPPLIER_CODE.check(value)
}
fn warehouse_code(value: &str) -> Result<(), InvalidValue> {
    WAREHOUSE_CODE.check(value)
}
fn dealer_code(value: &str) -> Result<(), InvalidValue> {
    DEALER_CODE.check(value)
}
fn currency(value: &str) -> Result<(), InvalidValue> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(InvalidValue::new(
            "currency must be an ISO 4217 code: three upper-case letters, e.g. EUR",
        ))
    }
}

string_type!(
    /// A part number as catalog creates it, e.g. `BP-1001`: 1 to 40 characters
    /// A-Z, 0-9, `-`, `_`, `.` or `/`.
    PartNumber, part_number, PART_NUMBER.pattern, "BP-1001"
);
string_type!(
    /// A supplier's code as catalog creates it, e.g. `SUP1`: 1 to 20 characters
    /// A-Z, 0-9, `-`, `_`, `.` or `/`.
    SupplierCode, supplier_code, SUPPLIER_CODE.pattern, "SUP1"
);
string_type!(
    /// A warehouse's code as catalog creates it, e.g. `WH1`: 1 to 20 characters
    /// A-Z, 0-9, `-`, `_`, `.` or `/`.
    WarehouseCode, warehouse_code, WAREHOUSE_CODE.pattern, "WH1"
);
string_type!(
    /// A dealer's code as orders creates it, e.g. `D001`: 1 to 20 characters A-Z,
    /// 0-9, `-` or `_`, starting with a letter or digit.
    DealerCode, dealer_code, DEALER_CODE.pattern, "D001"
);
string_type!(
    /// An ISO 4217 currency code: three upper-case letters, e.g. `EUR`.
    Currency, currency, "^[A-Z]{3}$", "EUR"
);

impl PartNumber {
    pub const MAX_LEN: usize = PART_NUMBER.max_len;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_take_their_owners_rule() {
        for ok in ["BP-1001", "BRK-100/A", "A", "X.1_2", &"P".repeat(40)] {
            assert!(PartNumber::parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "",
            "bp-1001",
            " BP-1001",
            "A B",
            "A\n",
            "Ä",
            "A,B",
            &"P".repeat(41),
        ] {
            assert!(PartNumber::parse(bad).is_err(), "{bad:?}");
        }
        assert!(SupplierCode::parse("SUP-1").is_ok());
        for bad in ["A B", "A\n", &"S".repeat(41)] {
            assert!(SupplierCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(WarehouseCode::parse("WH-NORTH_1").is_ok());
        assert!(WarehouseCode::parse("CENTRAL").is_ok());
        for bad in ["", "wh1", "WH 1", &"W".repeat(21)] {
            assert!(WarehouseCode::parse(bad).is_err(), "{bad:?}");
            assert!(SupplierCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(DealerCode::parse("D001").is_ok());
        for bad in ["", "d001", "-D", "_D", "D 1", "D.1", "Ä", &"A".repeat(21)] {
            assert!(DealerCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Currency::parse("EUR").is_ok());
        for bad in ["", "eur", "EU", "EURO", "E1R", "ÄUR"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn messages_name_the_value_and_show_a_valid_one() {
        let e = PartNumber::parse("a b").unwrap_err();
        assert_eq!(
            e.message(),
            "part number must be 1 to 40 characters A-Z, 0-9, '-', '_', '.' or '/', e.g. BP-1001"
        );
        let e = Currency::parse("euro").unwrap_err();
        assert_eq!(
            e.to_string(),
            "currency must be an ISO 4217 code: three upper-case letters, e.g. EUR"
        );
        assert!(
            DealerCode::parse("")
                .unwrap_err()
                .message()
                .starts_with("dealer code")
        );
        assert!(
            SupplierCode::parse("")
                .unwrap_err()
                .message()
                .starts_with("supplier code")
        );
        assert!(
            WarehouseCode::parse("")
                .unwrap_err()
                .message()
                .starts_with("warehouse code")
        );
    }

    #[test]
    fn json_is_a_plain_string_and_invalid_values_do_not_deserialise() {
        let pn = PartNumber::parse("BP-1001").unwrap();
        assert_eq!(serde_json::to_string(&pn).unwrap(), "\"BP-1001\"");
        assert_eq!(
            serde_json::from_str::<PartNumber>("\"BP-1001\"").unwrap(),
            pn
        );
        let err = serde_json::from_str::<PartNumber>("\"bp 1\"").unwrap_err();
        assert!(err.to_string().starts_with("part number must be"), "{err}");
        assert!(serde_json::from_str::<Currency>("\"eur\"").is_err());
        assert!(serde_json::from_str::<DealerCode>("12").is_err());
    }

    #[test]
    fn the_schema_is_a_string_with_the_rule_as_pattern() {
        let schema = serde_json::to_value(<PartNumber as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["pattern"], "^[A-Z0-9_./-]{1,40}$");
        let schema = serde_json::to_value(<Currency as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["pattern"], "^[A-Z]{3}$");
    }

    /// Checks that `parse` accepts exactly what `expected` (the rule written out
    /// independently) accepts, that accepted values round-trip through `Display` and
    /// JSON, and that JSON refuses what `parse` refuses.
    fn agrees<T>(s: &str, expected: bool) -> Result<(), TestCaseError>
    where
        T: FromStr<Err = InvalidValue>
            + fmt::Display
            + Serialize
            + for<'de> Deserialize<'de>
            + PartialEq
            + fmt::Debug,
    {
        let json = serde_json::to_string(s).unwrap();
        match s.parse::<T>() {
            Ok(v) => {
                prop_assert!(expected, "{:?} accepted", s);
                prop_assert_eq!(v.to_string(), s);
                prop_assert_eq!(serde_json::to_string(&v).unwrap(), json.clone());
                prop_assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
            }
            Err(_) => {
                prop_assert!(!expected, "{:?} refused", s);
                prop_assert!(serde_json::from_str::<T>(&json).is_err());
            }
        }
        Ok(())
    }

    fn catalog_code(s: &str, max: usize) -> bool {
        (1..=max).contains(&s.chars().count())
            && s.chars()
                .all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '-' | '_' | '.' | '/'))
    }

    fn dealer(s: &str) -> bool {
        (1..=20).contains(&s.chars().count())
            && s.chars()
                .all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '-' | '_'))
            && !s.starts_with(['-', '_'])
    }

    fn iso_4217(s: &str) -> bool {
        s.chars().count() == 3 && s.chars().all(|c| c.is_ascii_uppercase())
    }

    fn all_agree(s: &str) -> Result<(), TestCaseError> {
        agrees::<PartNumber>(s, catalog_code(s, 40))?;
        agrees::<SupplierCode>(s, catalog_code(s, 20))?;
        agrees::<WarehouseCode>(s, catalog_code(s, 20))?;
        agrees::<DealerCode>(s, dealer(s))?;
        agrees::<Currency>(s, iso_4217(s))
    }

    proptest! {
        #[test]
        fn any_string_is_accepted_exactly_when_it_follows_the_rule(s in "\\PC{0,45}") {
            all_agree(&s)?;
        }

        #[test]
        fn valid_codes_round_trip(
            s in prop_oneof!["[A-Z0-9_./-]{1,40}", "[A-Z0-9][A-Z0-9_-]{0,19}", "[A-Z]{3}"],
        ) {
            all_agree(&s)?;
        }
    }
}
