//! Quantities: whole units, at least one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

use crate::InvalidValue;

/// A whole number of units, at least 1. How many one line may hold is each
/// service's own limit: it parses with [`Quantity::parse_at_most`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Integer))]
pub struct Quantity(i32);

#[cfg(feature = "diesel")]
impl diesel::serialize::ToSql<diesel::sql_types::Integer, diesel::pg::Pg> for Quantity {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        <i32 as diesel::serialize::ToSql<diesel::sql_types::Integer, diesel::pg::Pg>>::to_sql(
            &self.0, out,
        )
    }
}

/// A stored 0 or negative quantity is an error, never a default.
#[cfg(feature = "diesel")]
impl diesel::deserialize::FromSql<diesel::sql_types::Integer, diesel::pg::Pg> for Quantity {
    fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let value = <i32 as diesel::deserialize::FromSql<
            diesel::sql_types::Integer,
            diesel::pg::Pg,
        >>::from_sql(bytes)?;
        Ok(Self::parse(value.into())?)
    }
}

impl Quantity {
    /// 1 to `i32::MAX`, the most a quantity column holds.
    pub fn parse(value: i64) -> Result<Self, InvalidValue> {
        Self::parse_at_most(value, i32::MAX)
    }

    /// 1 to `max`.
    pub fn parse_at_most(value: i64, max: i32) -> Result<Self, InvalidValue> {
        match i32::try_from(value) {
            Ok(v) if (1..=max).contains(&v) => Ok(Self(v)),
            _ => Err(InvalidValue::new(format!(
                "quantity must be a whole number from 1 to {max}"
            ))),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl From<Quantity> for i32 {
    fn from(q: Quantity) -> i32 {
        q.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(i64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Quantity {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .minimum(Some(1))
            .examples([2])
            .into()
    }
}

impl utoipa::ToSchema for Quantity {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quantities() {
        assert_eq!(Quantity::parse(1).map(Quantity::get), Ok(1));
        assert_eq!(
            Quantity::parse(i64::from(i32::MAX)).map(i32::from),
            Ok(i32::MAX)
        );
        for bad in [0, -1, i64::from(i32::MAX) + 1, i64::MIN, i64::MAX] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
        assert!(Quantity::parse_at_most(10_000, 10_000).is_ok());
        assert_eq!(
            Quantity::parse_at_most(10_001, 10_000)
                .unwrap_err()
                .message(),
            "quantity must be a whole number from 1 to 10000"
        );
    }

    #[test]
    fn json_is_a_plain_integer_and_zero_does_not_deserialise() {
        let q = Quantity::parse(3).unwrap();
        assert_eq!(serde_json::to_string(&q).unwrap(), "3");
        assert_eq!(serde_json::from_str::<Quantity>("3").unwrap(), q);
        for bad in ["0", "-2", "1.5", "\"3\"", "2147483648"] {
            assert!(serde_json::from_str::<Quantity>(bad).is_err(), "{bad}");
        }
        let schema = serde_json::to_value(<Quantity as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "integer");
        assert_eq!(schema["minimum"], 1);
    }

    proptest! {
        #[test]
        fn accepted_exactly_from_one_to_max_and_round_trips(v in any::<i64>(), max in 1..=i32::MAX) {
            let q = Quantity::parse_at_most(v, max);
            prop_assert_eq!(q.is_ok(), (1..=i64::from(max)).contains(&v));
            if let Ok(q) = q {
                prop_assert_eq!(i64::from(q.get()), v);
                prop_assert_eq!(q.to_string(), v.to_string());
                let json = serde_json::to_string(&q).unwrap();
                prop_assert_eq!(serde_json::from_str::<Quantity>(&json).unwrap(), q);
            } else {
                let json = v.to_string();
                prop_assert_eq!(serde_json::from_str::<Quantity>(&json).is_ok(), (1..=i64::from(i32::MAX)).contains(&v));
            }
        }
    }
}
