//! Dealer tiers. The tier alone sets a dealer's parts discount, so every dealer of a
//! tier gets the same discount: this enum is the one place where the percentages live.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 0 % discount.
    Standard,
    /// 5 % discount.
    Silver,
    /// 10 % discount.
    Gold,
    /// 15 % discount.
    Platinum,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Standard, Tier::Silver, Tier::Gold, Tier::Platinum];

    /// Discount on list price, in percent.
    pub fn discount_pct(self) -> Decimal {
        match self {
            Tier::Standard => Decimal::ZERO,
            Tier::Silver => Decimal::from(5),
            Tier::Gold => Decimal::from(10),
            Tier::Platinum => Decimal::from(15),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }

    pub fn parse(value: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_discounts_are_sane() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
            assert_eq!(
                serde_json::to_value(tier).unwrap(),
                serde_json::json!(tier.as_str())
            );
            assert!(
                tier.discount_pct() >= Decimal::ZERO && tier.discount_pct() < Decimal::ONE_HUNDRED
            );
        }
        assert_eq!(Tier::parse("diamond"), None);
    }
}
