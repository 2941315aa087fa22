//! How urgent a dealer order is: the dealer's choice in orders, carried to catalog in
//! `orders.order_placed`, where emergency orders are allocated and shipped first.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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

// A stored value that is no priority is an error, never a default.
#[cfg(feature = "diesel")]
crate::text_enum!(Priority);

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
