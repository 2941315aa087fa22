//! The rounding rule of amounts and prices (DESIGN "Precision"): half away from zero,
//! to the cent for amounts (`NUMERIC(14,2)`) and to 4 decimals for unit prices
//! (`NUMERIC(14,4)`), always shown with all decimals (`"5.00"`).

use rust_decimal::{Decimal, RoundingStrategy};

/// Decimals of an amount.
pub const CENT_SCALE: u32 = 2;
/// Decimals of a unit price.
pub const PRICE_SCALE: u32 = 4;
/// The largest amount a `NUMERIC(14,2)` column holds: 999 999 999 999.99.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0x107A_3FFF, 0x5AF3, 0, false, CENT_SCALE);

/// `value` to `scale` decimals, half away from zero, written with all `scale`
/// decimals.
pub fn round_half_away(value: Decimal, scale: u32) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(scale);
    rounded
}

/// An amount to the cent, half away from zero (`2.675` → `2.68`, `-0.005` → `-0.01`).
pub fn round_cents(value: Decimal) -> Decimal {
    round_half_away(value, CENT_SCALE)
}

/// A unit price to 4 decimals, half away from zero.
pub fn round_price(value: Decimal) -> Decimal {
    round_half_away(value, PRICE_SCALE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn halves_go_away_from_zero_and_all_decimals_show() {
        assert_eq!(round_cents(d("0.005")), d("0.01"));
        assert_eq!(round_cents(d("0.125")), d("0.13"));
        assert_eq!(round_cents(d("2.675")), d("2.68"));
        assert_eq!(round_cents(d("-0.005")), d("-0.01"));
        assert_eq!(round_cents(d("0.0049")), d("0.00"));
        assert_eq!(round_cents(d("5")).to_string(), "5.00");
        assert_eq!(round_price(d("1.00005")), d("1.0001"));
        assert_eq!(round_price(d("9")).to_string(), "9.0000");
        assert_eq!(MAX_AMOUNT, d("999999999999.99"));
        assert_eq!(MAX_AMOUNT.to_string(), "999999999999.99");
    }

    proptest! {
        #[test]
        fn cents_are_the_nearest_with_halves_away_from_zero_and_idempotent(
            m in -1_000_000_000_000i64..1_000_000_000_000, s in 0u32..8,
        ) {
            let v = Decimal::new(m, s);
            let r = round_cents(v);
            prop_assert_eq!(r.scale(), 2);
            prop_assert_eq!(round_cents(r), r);
            let diff = (v - r).abs();
            prop_assert!(diff <= d("0.005"));
            if diff == d("0.005") {
                // A tie: the result is the one farther from zero.
                prop_assert!(r.abs() > v.abs());
            }
            prop_assert_eq!(r.is_sign_negative() && !r.is_zero(), v <= d("-0.005"));
            let p = round_price(v);
            prop_assert_eq!(p.scale(), 4);
            prop_assert_eq!(round_price(p), p);
            prop_assert!((v - p).abs() <= d("0.00005"));
        }
    }
}
