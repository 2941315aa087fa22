//! Rules of the stock reports: what a stock level is worth, what counts as a
//! stock-out, and how old a backorder is.

use std::collections::BTreeMap;

use aftersales_types::money::round_cents;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::stock::Levels;

/// The value of `on_hand` units at `unit_price`, rounded to the cent.
pub fn line_value(on_hand: i32, unit_price: Decimal) -> Decimal {
    round_cents(Decimal::from(on_hand) * unit_price)
}

/// Sums of already rounded line values per currency; amounts of different
/// currencies are never added together.
pub fn totals<'a>(
    lines: impl IntoIterator<Item = (&'a str, Decimal)>,
) -> BTreeMap<String, Decimal> {
    let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
    for (currency, value) in lines {
        *sums.entry(currency.to_owned()).or_default() += value;
    }
    sums.into_iter().map(|(c, v)| (c, round_cents(v))).collect()
}

/// A level is out of stock when nothing is on hand, or when nothing is available
/// while orders wait for it (`backordered` units).
pub fn is_stockout(levels: Levels, backordered: i64) -> bool {
    levels.on_hand == 0 || (levels.available() <= 0 && backordered > 0)
}

/// How long something has waited: whole hours, and whole days of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age {
    pub hours: i64,
    pub days: i64,
}

/// The age at `now` of something placed at `since`; zero for clocks that disagree.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> Age {
    let hours = (now - since).num_hours().max(0);
    Age {
        hours,
        days: hours / 24,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_round_half_away_from_zero_per_line() {
        assert_eq!(line_value(3, Decimal::new(10_0050, 4)).to_string(), "30.02");
        assert_eq!(line_value(1, Decimal::new(1_0050, 4)).to_string(), "1.01");
        assert_eq!(line_value(1, Decimal::new(1_0049, 4)).to_string(), "1.00");
        assert_eq!(line_value(2, Decimal::new(10, 0)).to_string(), "20.00");
        let t = totals([
            ("EUR", line_value(1, Decimal::new(1_0050, 4))),
            ("EUR", line_value(1, Decimal::new(1_0050, 4))),
            ("USD", line_value(1, Decimal::ONE)),
        ]);
        // Per line, then summed: 1.01 + 1.01, not round(2.01).
        assert_eq!(t["EUR"].to_string(), "2.02");
        assert_eq!(t["USD"].to_string(), "1.00");
    }

    #[test]
    fn stockouts() {
        let l = |on_hand, reserved, quarantined| Levels {
            on_hand,
            reserved,
            quarantined,
        };
        assert!(is_stockout(l(0, 0, 0), 0));
        assert!(is_stockout(l(5, 5, 0), 3));
        assert!(is_stockout(l(5, 2, 3), 1));
        assert!(!is_stockout(l(5, 5, 0), 0), "all reserved, nobody waiting");
        assert!(!is_stockout(l(5, 4, 0), 3));
    }

    #[test]
    fn ages() {
        let now = Utc::now();
        assert_eq!(
            age(now - chrono::Duration::minutes(50 * 60 + 59), now),
            Age { hours: 50, days: 2 }
        );
        assert_eq!(
            age(now + chrono::Duration::hours(1), now),
            Age { hours: 0, days: 0 }
        );
    }

    proptest! {
        #[test]
        fn line_values_are_cents_within_half_a_cent(qty in 0i32..100_000, m in 1i64..1_000_000_000, s in 0u32..5) {
            let price = Decimal::new(m, s);
            let v = line_value(qty, price);
            prop_assert_eq!(v.scale(), 2);
            let exact = Decimal::from(qty) * price;
            prop_assert!((v - exact).abs() <= Decimal::new(5, 3));
        }
    }
}
