//! Amounts and the recovery amount of a line (DESIGN.md, "Precision"): every product
//! is rounded to the cent half away from zero on its own, then the products are summed.

use aftersales_types::money::{MAX_AMOUNT, round_cents};
use rust_decimal::Decimal;

/// A percentage from 0 to 100 with at most 2 decimals (`NUMERIC(5,2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(Decimal);

impl Percent {
    pub fn parse(value: Decimal) -> Result<Self, String> {
        if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED || value.scale() > 2 {
            return Err("must be from 0 to 100 with at most 2 decimals".into());
        }
        Ok(Self(value))
    }

    pub fn get(self) -> Decimal {
        self.0
    }

    /// `amount × self / 100`, to the cent.
    pub fn of(self, amount: Decimal) -> Decimal {
        round_cents(amount * self.0 / Decimal::ONE_HUNDRED)
    }
}

/// A non-negative amount in cents precision (fees, memo and write-off amounts).
pub fn parse_amount(value: Decimal) -> Result<Decimal, String> {
    if value < Decimal::ZERO || value > MAX_AMOUNT || value.normalize().scale() > 2 {
        return Err("must be at least 0, below 10^12, with at most 2 decimals".into());
    }
    Ok(round_cents(value))
}

/// An amount shown with both decimals (`"0.00"`, not `"0"`).
pub fn cents(mut value: Decimal) -> Decimal {
    value.rescale(2);
    value
}

/// What a supplier owes for one claim:
/// `round(parts × parts_pct / 100) + round(labor × labor_pct / 100) + handling_fee`.
pub fn recovery_amount(
    parts: Decimal,
    labor: Decimal,
    parts_pct: Percent,
    labor_pct: Percent,
    handling_fee: Decimal,
) -> Decimal {
    round_cents(parts_pct.of(parts) + labor_pct.of(labor) + handling_fee)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn pct(s: &str) -> Percent {
        Percent::parse(d(s)).unwrap()
    }

    #[test]
    fn each_product_is_rounded_half_away_from_zero_then_summed() {
        // 0.125 and 0.375: banker's rounding would give 0.12 and 0.38 (to even);
        // half away from zero gives 0.13 and 0.38.
        assert_eq!(pct("50").of(d("0.25")), d("0.13"));
        assert_eq!(pct("50").of(d("0.75")), d("0.38"));
        // 2.50 × 50 % = 1.25 → 1.25; 0.05 × 50 % = 0.025 → 0.03 (banker's: 0.02).
        let amount = recovery_amount(d("2.50"), d("0.05"), pct("50"), pct("50"), d("0"));
        assert_eq!(amount, d("1.28"));
        assert_eq!(amount.to_string(), "1.28");

        // Rounding per product, not on the sum: 0.005 + 0.005 would round to 0.01 as
        // a sum, but is 0.01 + 0.01 = 0.02 when each product is rounded first.
        let amount = recovery_amount(d("0.01"), d("0.01"), pct("50"), pct("50"), d("0"));
        assert_eq!(amount, d("0.02"));

        // 1.15 × 50 % = 0.575. As an f64, 1.15 * 0.5 = 0.57499999... which rounds down
        // to 0.57; as a decimal it is exactly 0.575 → 0.58.
        assert_eq!(format!("{:.2}", 1.15_f64 * 0.5), "0.57");
        assert_eq!(pct("50").of(d("1.15")), d("0.58"));

        // The DESIGN example shape: parts 123.45 at 80 % = 98.76; labor 77.77 at
        // 33.33 % = 25.920741 → 25.92; fee 15.00 → 139.68.
        let amount = recovery_amount(d("123.45"), d("77.77"), pct("80"), pct("33.33"), d("15"));
        assert_eq!(amount, d("139.68"));
        assert_eq!(amount.to_string(), "139.68");
    }

    #[test]
    fn percentages_and_amounts() {
        assert!(Percent::parse(d("0")).is_ok());
        assert!(Percent::parse(d("100")).is_ok());
        assert!(Percent::parse(d("12.5")).is_ok());
        for bad in ["-0.01", "100.01", "101", "12.345"] {
            assert!(Percent::parse(d(bad)).is_err(), "{bad}");
        }
        assert_eq!(parse_amount(d("15")), Ok(d("15.00")));
        assert!(parse_amount(d("-1")).is_err());
        assert!(parse_amount(d("0.001")).is_err());
        assert!(parse_amount(d("1000000000000")).is_err());
    }

    proptest! {
        #[test]
        fn the_amount_is_exact_cents_and_at_most_the_full_claim_plus_fee(
            parts in 0i64..10_000_000, labor in 0i64..10_000_000,
            pp in 0i64..=10_000, lp in 0i64..=10_000, fee in 0i64..100_000,
        ) {
            let (parts, labor, fee) = (Decimal::new(parts, 2), Decimal::new(labor, 2), Decimal::new(fee, 2));
            let amount = recovery_amount(
                parts, labor,
                Percent::parse(Decimal::new(pp, 2)).unwrap(),
                Percent::parse(Decimal::new(lp, 2)).unwrap(),
                fee,
            );
            prop_assert_eq!(amount.scale(), 2);
            prop_assert!(amount >= fee);
            prop_assert!(amount <= parts + labor + fee);
        }
    }
}
