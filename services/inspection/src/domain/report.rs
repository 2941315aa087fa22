//! Report arithmetic: shares and cycle-time statistics.

use aftersales_types::money::{CENT_SCALE, round_half_away};
use rust_decimal::Decimal;

/// `part / whole` as a fraction with 4 decimals (half away from zero); `None` for an
/// empty whole, which is "no data", not 0 %.
pub fn share(part: i64, whole: i64) -> Option<Decimal> {
    if whole <= 0 {
        return None;
    }
    let value = Decimal::from(part.clamp(0, whole)) / Decimal::from(whole);
    Some(round_half_away(value, 4))
}

/// Mean and 90th percentile (nearest rank) of durations in seconds, as hours with 2
/// decimals; `None` without data.
pub fn cycle_hours(seconds: &[i64]) -> (Option<Decimal>, Option<Decimal>) {
    if seconds.is_empty() {
        return (None, None);
    }
    let mut sorted = seconds.to_vec();
    sorted.sort_unstable();
    let hours = |s: Decimal| round_half_away(s / Decimal::from(3600), CENT_SCALE);
    let n = sorted.len();
    let sum: Decimal = sorted.iter().map(|s| Decimal::from(*s)).sum();
    let mean = hours(sum / Decimal::from(n));
    // Nearest rank: the smallest value with at least 90 % of the values at or below it.
    let rank = (n * 9).div_ceil(10).max(1);
    let p90 = hours(Decimal::from(sorted[rank - 1]));
    (Some(mean), Some(p90))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::RoundingStrategy;

    #[test]
    fn shares_and_cycle_times() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(2, 3), Some(Decimal::new(6667, 4)));
        assert_eq!(cycle_hours(&[]), (None, None));
        let ten: Vec<i64> = (1..=10).map(|h| h * 3600).collect();
        assert_eq!(
            cycle_hours(&ten),
            (Some(Decimal::new(550, 2)), Some(Decimal::new(900, 2)))
        );
        assert_eq!(
            cycle_hours(&[1800]),
            (Some(Decimal::new(50, 2)), Some(Decimal::new(50, 2)))
        );
    }

    proptest! {
        #[test]
        fn p90_is_a_value_with_90_percent_at_or_below(values in prop::collection::vec(0i64..10_000_000, 1..50)) {
            let (_, p90) = cycle_hours(&values);
            let p90 = p90.unwrap();
            let at_or_below = values
                .iter()
                .filter(|v| {
                    let mut h = (Decimal::from(**v) / Decimal::from(3600))
                        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                    h.rescale(2);
                    h <= p90
                })
                .count();
            prop_assert!(at_or_below * 10 >= values.len() * 9);
        }
    }
}
