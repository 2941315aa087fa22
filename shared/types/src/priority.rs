//! How urgent a dealer order is: the dealer's choice in orders, carried to catalog in
//! `orders.order_placed`, where emergency orders are allocated and shipped first.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Stock,
    /// Unit down: allocated and shipped first.
    Emergency,
}

impl Priority {
    pub const ALL: [Priority; 2] = [Priority::Stock, Priority::Emergency];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Stock => "stock",
            Priority::Emergency => "emergency",
        }
    }

    pub fn parse(value: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

#[cfg(feature = "diesel")]
impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for Priority {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
            self.as_str(),
            out,
        )
    }
}

/// A stored value that is no priority is an error, never a default.
#[cfg(feature = "diesel")]
impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for Priority {
    fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = std::str::from_utf8(bytes.as_bytes())?;
        Priority::parse(text)
            .ok_or_else(|| format!("stored value {text:?} is not a Priority").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::json!(p.as_str())
            );
        }
        assert_eq!(Priority::parse("urgent"), None);
        assert!(serde_json::from_str::<Priority>("\"urgent\"").is_err());
    }
}
