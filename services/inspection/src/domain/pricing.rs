//! Claim pricing (DESIGN.md, "Precision, time and currency"): parts at the read
//! model's list price × quantity, labor at `min(claimed, standard) hours × dealer labor
//! rate`, each line rounded half away from zero to the cent, then summed.

pub use aftersales_types::money::{round_cents, round_price};
use rust_decimal::Decimal;

use super::{Currency, PartNumber, Quantity};

#[derive(Debug, Clone, PartialEq)]
pub struct PartLine {
    pub part_number: PartNumber,
    pub qty: Quantity,
    pub unit_price: Decimal,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LaborLine {
    pub claimed_hours: Decimal,
    pub standard_hours: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PricedLabor {
    pub paid_hours: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// One amount per parts line, in order.
    pub part_amounts: Vec<Decimal>,
    pub labor: Vec<PricedLabor>,
    pub parts: Decimal,
    pub labor_total: Decimal,
    pub total: Decimal,
    /// Some labor line claims more than its standard time.
    pub labor_exceeds_standard: bool,
    /// Some part is priced in another currency than the dealer's.
    pub currency_mismatch: bool,
}

/// Prices a claim in `currency` (the dealer's). A part in another currency is not
/// converted: it still gets its amount, and the claim is flagged `currency_mismatch`.
pub fn price(
    parts: &[PartLine],
    labor: &[LaborLine],
    rate: Decimal,
    currency: &Currency,
) -> Priced {
    let part_amounts: Vec<Decimal> = parts
        .iter()
        .map(|p| round_cents(p.unit_price * Decimal::from(p.qty.get())))
        .collect();
    let priced_labor: Vec<PricedLabor> = labor
        .iter()
        .map(|l| {
            let paid_hours = l.claimed_hours.min(l.standard_hours);
            PricedLabor {
                paid_hours,
                amount: round_cents(paid_hours * rate),
            }
        })
        .collect();
    let parts_total = round_cents(part_amounts.iter().copied().sum());
    let labor_total = round_cents(priced_labor.iter().map(|l| l.amount).sum());
    Priced {
        part_amounts,
        labor: priced_labor,
        parts: parts_total,
        labor_total,
        total: parts_total + labor_total,
        labor_exceeds_standard: labor.iter().any(|l| l.claimed_hours > l.standard_hours),
        currency_mismatch: parts.iter().any(|p| &p.currency != currency),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn part(price: &str, qty: i64, currency: &str) -> PartLine {
        PartLine {
            part_number: PartNumber::parse("P-1").unwrap(),
            qty: Quantity::parse(qty).unwrap(),
            unit_price: price.parse().unwrap(),
            currency: Currency::parse(currency).unwrap(),
        }
    }

    fn labor(claimed: &str, standard: &str) -> LaborLine {
        LaborLine {
            claimed_hours: claimed.parse().unwrap(),
            standard_hours: standard.parse().unwrap(),
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn each_line_is_rounded_half_away_from_zero_then_summed() {
        // 0.0050 × 1 = 0.005 → 0.01 per line; summed unrounded it would be 0.01 too,
        // but three such lines give 0.03, not round(0.015) = 0.02.
        let parts = vec![part("0.0050", 1, "EUR"); 3];
        let priced = price(&parts, &[], d("85"), &eur());
        assert_eq!(priced.part_amounts, vec![d("0.01"); 3]);
        assert_eq!(priced.parts, d("0.03"));
        assert_eq!(priced.parts.to_string(), "0.03");

        // Labor: min(claimed, standard) × rate: 1.5 h claimed, 1.2 standard, 85.125/h
        // = 102.15 exactly; 0.35 h × 85.125 = 29.79375 → 29.79.
        let priced = price(
            &[part("12.3450", 2, "EUR")],
            &[labor("1.5", "1.2"), labor("0.35", "1")],
            d("85.125"),
            &eur(),
        );
        assert_eq!(priced.part_amounts, vec![d("24.69")]);
        assert_eq!(priced.labor[0].paid_hours, d("1.2"));
        assert_eq!(priced.labor[0].amount, d("102.15"));
        assert_eq!(priced.labor[1].amount, d("29.79"));
        assert_eq!(priced.labor_total, d("131.94"));
        assert_eq!(priced.total, d("156.63"));
        assert!(priced.labor_exceeds_standard);
        assert!(!priced.currency_mismatch);
    }

    #[test]
    fn a_part_in_another_currency_is_flagged() {
        let priced = price(&[part("1", 1, "USD")], &[], d("1"), &eur());
        assert!(priced.currency_mismatch);
    }

    #[test]
    fn labor_at_exactly_standard_is_not_over() {
        let priced = price(&[], &[labor("1.20", "1.2")], d("10"), &eur());
        assert!(!priced.labor_exceeds_standard);
        assert_eq!(priced.labor_total, d("12.00"));
    }

    proptest! {
        #[test]
        fn totals_are_sums_of_rounded_lines(
            lines in prop::collection::vec((0i64..10_000_000, 1i64..100), 0..8),
            hours in prop::collection::vec((1i64..2000, 1i64..2000), 0..5),
            rate in 0i64..2_000_000,
        ) {
            let parts: Vec<PartLine> = lines
                .iter()
                .map(|&(p, q)| PartLine {
                    part_number: PartNumber::parse("P").unwrap(),
                    qty: Quantity::parse(q).unwrap(),
                    unit_price: Decimal::new(p, 4),
                    currency: eur(),
                })
                .collect();
            let labor: Vec<LaborLine> = hours
                .iter()
                .map(|&(c, s)| LaborLine { claimed_hours: Decimal::new(c, 2), standard_hours: Decimal::new(s, 2) })
                .collect();
            let rate = Decimal::new(rate, 4);
            let priced = price(&parts, &labor, rate, &eur());
            for (line, amount) in parts.iter().zip(&priced.part_amounts) {
                let exact = line.unit_price * Decimal::from(line.qty.get());
                prop_assert_eq!(amount.scale(), 2);
                prop_assert!((*amount - exact).abs() <= Decimal::new(5, 3));
            }
            for (line, paid) in labor.iter().zip(&priced.labor) {
                prop_assert!(paid.paid_hours <= line.standard_hours);
                prop_assert!(paid.paid_hours <= line.claimed_hours);
                prop_assert!((paid.amount - paid.paid_hours * rate).abs() <= Decimal::new(5, 3));
            }
            prop_assert_eq!(priced.parts, priced.part_amounts.iter().copied().sum::<Decimal>());
            prop_assert_eq!(priced.labor_total, priced.labor.iter().map(|l| l.amount).sum::<Decimal>());
            prop_assert_eq!(priced.total, priced.parts + priced.labor_total);
            prop_assert_eq!(
                priced.labor_exceeds_standard,
                labor.iter().any(|l| l.claimed_hours > l.standard_hours)
            );
        }

        #[test]
        fn rounding_is_half_away_from_zero(cents in 0i64..1_000_000, frac in 0i64..10) {
            // cents + frac/10 of a cent: rounds up exactly when frac >= 5.
            let value = Decimal::new(cents * 10 + frac, 3);
            let expected = Decimal::new(cents + i64::from(frac >= 5), 2);
            prop_assert_eq!(round_cents(value), expected);
        }
    }
}
