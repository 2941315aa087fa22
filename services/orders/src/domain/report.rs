//! Fill-rate arithmetic (DESIGN.md, "Reports"): shares of ordered quantity.

use aftersales_types::money::round_half_away;
use rust_decimal::Decimal;

/// Ordered quantity and how much of it was reserved at placement (catalog's first
/// allocation) and shipped within 24 hours of placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FillCounts {
    pub ordered: i64,
    pub reserved_at_placement: i64,
    pub shipped_within_24h: i64,
}

impl FillCounts {
    pub fn plus(self, other: FillCounts) -> FillCounts {
        FillCounts {
            ordered: self.ordered + other.ordered,
            reserved_at_placement: self.reserved_at_placement + other.reserved_at_placement,
            shipped_within_24h: self.shipped_within_24h + other.shipped_within_24h,
        }
    }

    pub fn reserved_rate(&self) -> Option<Decimal> {
        share(self.reserved_at_placement, self.ordered)
    }

    pub fn shipped_24h_rate(&self) -> Option<Decimal> {
        share(self.shipped_within_24h, self.ordered)
    }
}

/// `part / whole` as a fraction shown with 4 decimals (half away from zero); `None` for
/// an empty whole, which is "no data", not 0 %.
pub fn share(part: i64, whole: i64) -> Option<Decimal> {
    if whole <= 0 {
        return None;
    }
    let value = Decimal::from(part.clamp(0, whole)) / Decimal::from(whole);
    Some(round_half_away(value, 4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(1, 3), Some(Decimal::new(3333, 4)));
        assert_eq!(share(2, 3), Some(Decimal::new(6667, 4)));
        assert_eq!(share(9, 9), Some(Decimal::ONE));
        let total = FillCounts {
            ordered: 4,
            reserved_at_placement: 3,
            shipped_within_24h: 1,
        }
        .plus(FillCounts {
            ordered: 4,
            reserved_at_placement: 1,
            shipped_within_24h: 0,
        });
        assert_eq!(total.reserved_rate(), Some(Decimal::new(5, 1)));
        assert_eq!(total.shipped_24h_rate(), Some(Decimal::new(1250, 4)));
    }

    proptest! {
        #[test]
        fn a_share_is_between_0_and_1(part in 0i64..1_000_000, whole in 1i64..1_000_000) {
            let s = share(part, whole).unwrap();
            prop_assert!(s >= Decimal::ZERO && s <= Decimal::ONE);
        }
    }
}
