//! Pricing of an order at submission, from the price book and the dealer's tier.
//!
//! The rule (DESIGN.md, "Precision"): the tier discount applies to the **unit** list
//! price first; the unit net price is kept at the price precision (4 decimals, half
//! away from zero), so the dealer sees the same unit price on every line and in the
//! price book. The line total is `unit_net × qty` rounded half away from zero to the
//! cent; the order total is the sum of the line totals.
//!
//! Two lines for the same part are **refused** (422 naming the later line), never
//! merged: the dealer decides what one line means, and line numbers stay the ones
//! the dealer sent.

use std::collections::HashMap;

use aftersales_types::money::round_cents;
pub use aftersales_types::money::round_price;
use rust_decimal::Decimal;

use super::codes::{Currency, PartNumber, Quantity};

/// The unit price after `discount_pct` percent off `list`.
pub fn unit_net(list: Decimal, discount_pct: Decimal) -> Decimal {
    round_price(list * (Decimal::ONE_HUNDRED - discount_pct) / Decimal::ONE_HUNDRED)
}

/// `unit_net × qty`, to the cent.
pub fn line_total(unit_net: Decimal, qty: Quantity) -> Decimal {
    round_cents(unit_net * Decimal::from(qty.get()))
}

/// What the price book says about a part.
#[derive(Debug, Clone, PartialEq)]
pub struct BookEntry {
    pub list_price: Decimal,
    pub currency: Currency,
    pub active: bool,
}

/// A line as the dealer sent it (already parsed).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedLine {
    pub part_number: PartNumber,
    pub qty: Quantity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PricedLine {
    /// 1-based position in the request.
    pub line_no: i32,
    pub part_number: PartNumber,
    pub qty: Quantity,
    pub unit_list_price: Decimal,
    pub discount_pct: Decimal,
    pub unit_net_price: Decimal,
    pub line_total: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    pub total: Decimal,
    pub currency: Currency,
}

/// Why a line cannot be priced. `index` is the 0-based position in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub index: usize,
    pub kind: LineProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblemKind {
    UnknownPart,
    InactivePart,
    /// The part is priced in another currency than the dealer's (`currency_mismatch`).
    CurrencyMismatch {
        part: String,
        dealer: String,
    },
    /// Same part as the line at this 0-based index.
    Duplicate {
        first: usize,
    },
}

impl LineProblem {
    pub fn message(&self) -> String {
        match &self.kind {
            LineProblemKind::UnknownPart => "unknown part".into(),
            LineProblemKind::InactivePart => "part is not active".into(),
            LineProblemKind::CurrencyMismatch { part, dealer } => {
                format!("currency_mismatch: part is priced in {part}, the dealer buys in {dealer}")
            }
            LineProblemKind::Duplicate { first } => {
                format!("duplicate of lines[{first}]: one line per part")
            }
        }
    }
}

/// Prices every line, or lists every line that cannot be priced.
pub fn price_order(
    lines: &[RequestedLine],
    discount_pct: Decimal,
    currency: &Currency,
    book: impl Fn(&PartNumber) -> Option<BookEntry>,
) -> Result<PricedOrder, Vec<LineProblem>> {
    let mut problems = Vec::new();
    let mut priced = Vec::with_capacity(lines.len());
    let mut seen: HashMap<&PartNumber, usize> = HashMap::new();
    for (index, line) in lines.iter().enumerate() {
        if let Some(&first) = seen.get(&line.part_number) {
            problems.push(LineProblem {
                index,
                kind: LineProblemKind::Duplicate { first },
            });
            continue;
        }
        seen.insert(&line.part_number, index);
        let problem = |kind| LineProblem { index, kind };
        let Some(entry) = book(&line.part_number) else {
            problems.push(problem(LineProblemKind::UnknownPart));
            continue;
        };
        if !entry.active {
            problems.push(problem(LineProblemKind::InactivePart));
            continue;
        }
        if &entry.currency != currency {
            problems.push(problem(LineProblemKind::CurrencyMismatch {
                part: entry.currency.to_string(),
                dealer: currency.to_string(),
            }));
            continue;
        }
        let net = unit_net(entry.list_price, discount_pct);
        priced.push(PricedLine {
            line_no: i32::try_from(index + 1).unwrap_or(i32::MAX),
            part_number: line.part_number.clone(),
            qty: line.qty,
            unit_list_price: entry.list_price,
            discount_pct,
            unit_net_price: net,
            line_total: line_total(net, line.qty),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let total = round_cents(priced.iter().map(|l| l.line_total).sum());
    Ok(PricedOrder {
        lines: priced,
        total,
        currency: currency.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }
    fn line(part: &str, qty: i64) -> RequestedLine {
        RequestedLine {
            part_number: PartNumber::parse(part).unwrap(),
            qty: Quantity::parse(qty).unwrap(),
        }
    }
    fn book(p: &PartNumber) -> Option<BookEntry> {
        let (price, active, cur) = match p.as_str() {
            "A" => ("10.0050", true, "EUR"),
            "B" => ("0.0150", true, "EUR"),
            "OLD" => ("5", false, "EUR"),
            "USD" => ("5", true, "USD"),
            _ => return None,
        };
        Some(BookEntry {
            list_price: d(price),
            currency: Currency::parse(cur).unwrap(),
            active,
        })
    }

    #[test]
    fn discount_per_unit_then_round_per_line_then_sum() {
        let order = price_order(&[line("A", 3), line("B", 1)], d("10"), &eur(), book).unwrap();
        // 10.0050 × 0.9 = 9.0045 per unit; × 3 = 27.0135 → 27.01
        assert_eq!(order.lines[0].unit_net_price, d("9.0045"));
        assert_eq!(order.lines[0].line_total, d("27.01"));
        // 0.0150 × 0.9 = 0.0135 → line 0.0135 → 0.01
        assert_eq!(order.lines[1].line_total, d("0.01"));
        assert_eq!(order.total, d("27.02"));
        assert_eq!(order.lines[1].line_no, 2);
    }

    #[test]
    fn midpoints_round_away_from_zero() {
        assert_eq!(round_cents(d("0.005")), d("0.01"));
        assert_eq!(round_cents(d("2.675")), d("2.68"));
        assert_eq!(round_cents(d("-0.005")), d("-0.01"));
        assert_eq!(round_price(d("1.00005")), d("1.0001"));
        assert_eq!(
            line_total(d("0.0050"), Quantity::parse(1).unwrap()),
            d("0.01")
        );
    }

    #[test]
    fn every_bad_line_is_named() {
        let err = price_order(
            &[
                line("A", 1),
                line("X", 1),
                line("OLD", 1),
                line("A", 2),
                line("USD", 1),
            ],
            Decimal::ZERO,
            &eur(),
            book,
        )
        .unwrap_err();
        let kinds: Vec<_> = err.iter().map(|p| (p.index, p.kind.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (1, LineProblemKind::UnknownPart),
                (2, LineProblemKind::InactivePart),
                (3, LineProblemKind::Duplicate { first: 0 }),
                (
                    4,
                    LineProblemKind::CurrencyMismatch {
                        part: "USD".into(),
                        dealer: "EUR".into()
                    }
                ),
            ]
        );
        assert!(err[3].message().starts_with("currency_mismatch"));
    }

    fn price() -> impl Strategy<Value = Decimal> {
        // Up to 10 integer digits and 4 decimals: NUMERIC(14,4).
        (0i64..10_000_000_000_000).prop_map(|n| Decimal::new(n, 4))
    }

    fn pct() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(Decimal::ZERO),
            (0i64..=10_000).prop_map(|n| Decimal::new(n, 2))
        ]
    }

    proptest! {
        #[test]
        fn line_total_is_the_cent_nearest_to_unit_net_times_qty(list in price(), pct in pct(), qty in 1i64..=100_000) {
            let qty = Quantity::parse(qty).unwrap();
            let net = unit_net(list, pct);
            let total = line_total(net, qty);
            prop_assert_eq!(total.scale(), 2);
            let exact = net * Decimal::from(qty.get());
            prop_assert!((total - exact).abs() <= d("0.005"));
            prop_assert!(net <= list);
            prop_assert!(net >= Decimal::ZERO);
            prop_assert_eq!(net.scale(), 4);
        }

        #[test]
        fn no_discount_keeps_the_list_price(list in price()) {
            prop_assert_eq!(unit_net(list, Decimal::ZERO), list);
        }

        #[test]
        fn order_total_is_the_sum_of_line_totals(
            prices in proptest::collection::vec(price(), 1..10),
            qtys in proptest::collection::vec(1i64..1000, 10),
            pct in pct(),
        ) {
            let parts: Vec<String> = (0..prices.len()).map(|i| format!("P{i}")).collect();
            let lines: Vec<_> = parts.iter().zip(&qtys).map(|(p, q)| line(p, *q)).collect();
            let lookup = |p: &PartNumber| {
                let i: usize = p.as_str()[1..].parse().ok()?;
                Some(BookEntry { list_price: prices[i], currency: eur(), active: true })
            };
            let order = price_order(&lines, pct, &eur(), lookup).unwrap();
            let sum: Decimal = order.lines.iter().map(|l| l.line_total).sum();
            prop_assert_eq!(order.total, sum);
            prop_assert!(order.total.scale() <= 2);
            for (l, (p, q)) in order.lines.iter().zip(prices.iter().zip(&qtys)) {
                prop_assert_eq!(l.line_total, round_cents(unit_net(*p, pct) * Decimal::from(*q)));
            }
        }
    }
}
