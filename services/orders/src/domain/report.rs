//! The 24 h parts fill rate (DESIGN.md, "Reports"; docs/rules.md, "Reports"): of the
//! requests for parts, the share satisfied within 24 hours of placement, where **an
//! order line is one request**. Measured two ways on the same lines:
//! - **by request** (the source documents' definition, the one the 90 % target applies
//!   to): lines all of whose requested units shipped within 24 h / lines requested;
//! - **by quantity**: units shipped within 24 h / units requested.
//!
//! Units the dealer cancelled are not asked for: a line's request is what it ordered
//! less what catalog released when the dealer cancelled the order
//! ([`LineFacts::requested`]), so a cancelled order's line counts with what shipped
//! before the cancellation took effect, and a line with nothing shipped (everything
//! released) counts nowhere. The share of requested units catalog reserved at placement
//! (its first allocation) is reported on the same lines.

use aftersales_types::money::round_half_away;
use rust_decimal::Decimal;

/// One order line as the fill rate weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineFacts {
    /// Units the line ordered.
    pub ordered: i64,
    /// Units released because the dealer cancelled the order; 0 for an order the
    /// dealer did not cancel.
    pub released: i64,
    /// Units catalog's first allocation reserved (0 before it arrived).
    pub reserved_at_placement: i64,
    /// Units of this line in shipments dispatched within 24 h of placement.
    pub shipped_within_24h: i64,
}

impl LineFacts {
    /// What the dealer still asks of the line: ordered less released, from 0 to
    /// ordered.
    pub fn requested(&self) -> i64 {
        let ordered = self.ordered.max(0);
        (ordered - self.released.clamp(0, ordered)).max(0)
    }

    /// Units shipped within 24 h that count: at most what is requested.
    fn filled_units(&self) -> i64 {
        self.shipped_within_24h.clamp(0, self.requested())
    }
}

/// What was counted over some order lines: how many lines requested parts and how
/// many of them were filled within 24 h, and the units requested, reserved at
/// placement and shipped within 24 h (each at most the line's request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FillCounts {
    /// Lines with something requested (lines cancelled before anything shipped are
    /// left out).
    pub lines: i64,
    /// Of those, lines whose every requested unit shipped within 24 h of placement.
    pub lines_filled_within_24h: i64,
    /// Units requested: ordered less released by the dealer's cancellation.
    pub ordered: i64,
    pub reserved_at_placement: i64,
    pub shipped_within_24h: i64,
}

impl FillCounts {
    /// One line's counts: nothing when nothing is requested of it.
    pub fn of_line(line: &LineFacts) -> FillCounts {
        let requested = line.requested();
        if requested == 0 {
            return FillCounts::default();
        }
        let filled = line.filled_units();
        FillCounts {
            lines: 1,
            lines_filled_within_24h: i64::from(filled == requested),
            ordered: requested,
            reserved_at_placement: line.reserved_at_placement.clamp(0, requested),
            shipped_within_24h: filled,
        }
    }

    pub fn plus(self, other: FillCounts) -> FillCounts {
        FillCounts {
            lines: self.lines + other.lines,
            lines_filled_within_24h: self.lines_filled_within_24h + other.lines_filled_within_24h,
            ordered: self.ordered + other.ordered,
            reserved_at_placement: self.reserved_at_placement + other.reserved_at_placement,
            shipped_within_24h: self.shipped_within_24h + other.shipped_within_24h,
        }
    }

    /// By request: lines filled within 24 h / lines requested (the 90 % target's rate).
    pub fn fill_rate_24h(&self) -> Option<Decimal> {
        share(self.lines_filled_within_24h, self.lines)
    }

    /// By quantity: units shipped within 24 h / units requested.
    pub fn shipped_24h_rate(&self) -> Option<Decimal> {
        share(self.shipped_within_24h, self.ordered)
    }

    /// Units reserved at placement / units requested.
    pub fn reserved_rate(&self) -> Option<Decimal> {
        share(self.reserved_at_placement, self.ordered)
    }
}

/// One order's counts from its lines (in line order) and `unattributed_within_24h`:
/// units shipped within 24 h whose line is not known (shipments recorded before
/// orders kept what each carried per line). Those are given to the lines in line
/// order, each up to what it still lacks of its request; what is left over counts
/// nowhere.
pub fn order_counts(lines: &[LineFacts], unattributed_within_24h: i64) -> FillCounts {
    let mut spare = unattributed_within_24h.max(0);
    lines
        .iter()
        .map(|line| {
            let lacking = line.requested() - line.filled_units();
            let given = spare.min(lacking);
            spare -= given;
            FillCounts::of_line(&LineFacts {
                shipped_within_24h: line.filled_units() + given,
                ..*line
            })
        })
        .fold(FillCounts::default(), FillCounts::plus)
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

    fn line(ordered: i64, released: i64, reserved: i64, shipped: i64) -> LineFacts {
        LineFacts {
            ordered,
            released,
            reserved_at_placement: reserved,
            shipped_within_24h: shipped,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn shares() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(1, 3), Some(Decimal::new(3333, 4)));
        assert_eq!(share(2, 3), Some(Decimal::new(6667, 4)));
        assert_eq!(share(9, 9), Some(Decimal::ONE));
        // Half away from zero: 1/32 = 0.03125.
        assert_eq!(share(1, 32), Some(d("0.0313")));
    }

    #[test]
    fn a_line_is_filled_only_when_all_it_requests_shipped_within_24_hours() {
        // 4 ordered, 3 shipped in time: a quarter of the units short, the request unmet.
        let partly = FillCounts::of_line(&line(4, 0, 3, 3));
        assert_eq!(
            partly,
            FillCounts {
                lines: 1,
                lines_filled_within_24h: 0,
                ordered: 4,
                reserved_at_placement: 3,
                shipped_within_24h: 3,
            }
        );
        let full = FillCounts::of_line(&line(2, 0, 2, 2));
        assert_eq!(full.lines_filled_within_24h, 1);
        // More shipped than asked for (a shipment counted twice upstream) is capped.
        assert_eq!(FillCounts::of_line(&line(2, 0, 5, 9)), full);
        let total = partly
            .plus(full)
            .plus(FillCounts::of_line(&line(5, 0, 0, 0)));
        assert_eq!(total.fill_rate_24h(), Some(d("0.3333")));
        assert_eq!(total.shipped_24h_rate(), Some(d("0.4545")));
        assert_eq!(total.reserved_rate(), Some(d("0.4545")));
        assert_eq!(FillCounts::default().fill_rate_24h(), None);
        assert_eq!(FillCounts::default().shipped_24h_rate(), None);
    }

    #[test]
    fn a_cancelled_line_counts_with_what_shipped_before_the_cancellation() {
        // 10 ordered, 4 shipped in time, 6 released: a request of 4, filled.
        let shipped_then_cancelled = FillCounts::of_line(&line(10, 6, 10, 4));
        assert_eq!(
            (
                shipped_then_cancelled.lines,
                shipped_then_cancelled.lines_filled_within_24h,
                shipped_then_cancelled.ordered,
                shipped_then_cancelled.reserved_at_placement,
            ),
            (1, 1, 4, 4)
        );
        // 4 shipped, only 1 of them in time: a request of 4, not filled.
        let late = FillCounts::of_line(&line(10, 6, 0, 1));
        assert_eq!(
            (
                late.lines,
                late.lines_filled_within_24h,
                late.ordered,
                late.shipped_within_24h
            ),
            (1, 0, 4, 1)
        );
        // Everything released: nothing was asked for, the line counts nowhere.
        assert_eq!(
            FillCounts::of_line(&line(3, 3, 3, 0)),
            FillCounts::default()
        );
    }

    #[test]
    fn units_of_an_unknown_line_go_to_the_lines_in_line_order() {
        let lines = [line(2, 0, 0, 1), line(3, 0, 0, 0), line(1, 1, 0, 0)];
        // 1 to fill line 1, 2 of line 2's 3; line 3 was cancelled whole.
        let counts = order_counts(&lines, 3);
        assert_eq!(
            (
                counts.lines,
                counts.lines_filled_within_24h,
                counts.ordered,
                counts.shipped_within_24h
            ),
            (2, 1, 5, 4)
        );
        // More than the order lacks: the rest counts nowhere.
        assert_eq!(order_counts(&lines, 50).lines_filled_within_24h, 2);
        assert_eq!(order_counts(&lines, 50).shipped_within_24h, 5);
        assert_eq!(
            order_counts(&lines, 0),
            lines
                .iter()
                .map(FillCounts::of_line)
                .fold(FillCounts::default(), FillCounts::plus)
        );
        assert_eq!(order_counts(&[], 4), FillCounts::default());
    }

    fn any_line() -> impl Strategy<Value = LineFacts> {
        (1i64..50, 0i64..60, 0i64..60, 0i64..60).prop_map(
            |(ordered, released, reserved, shipped)| {
                line(ordered, released.min(ordered), reserved, shipped)
            },
        )
    }

    fn valid(c: &FillCounts) -> bool {
        0 <= c.lines_filled_within_24h
            && c.lines_filled_within_24h <= c.lines
            && 0 <= c.shipped_within_24h
            && c.shipped_within_24h <= c.ordered
            && 0 <= c.reserved_at_placement
            && c.reserved_at_placement <= c.ordered
            && c.lines <= c.ordered
    }

    proptest! {
        #[test]
        fn a_share_is_between_0_and_1(part in 0i64..1_000_000, whole in 1i64..1_000_000) {
            let s = share(part, whole).unwrap();
            prop_assert!(s >= Decimal::ZERO && s <= Decimal::ONE);
        }

        #[test]
        fn rates_are_fractions_and_never_count_more_than_was_requested(
            lines in prop::collection::vec(any_line(), 0..8),
            unattributed in 0i64..100,
        ) {
            let c = order_counts(&lines, unattributed);
            prop_assert!(valid(&c), "{c:?}");
            for rate in [c.fill_rate_24h(), c.shipped_24h_rate(), c.reserved_rate()].into_iter().flatten() {
                prop_assert!(rate >= Decimal::ZERO && rate <= Decimal::ONE);
            }
            prop_assert_eq!(c.fill_rate_24h().is_none(), c.ordered == 0);
            // Every request met is every unit shipped, and the other way round.
            prop_assert_eq!(c.lines_filled_within_24h == c.lines, c.shipped_within_24h == c.ordered);
        }

        #[test]
        fn leaving_cancelled_units_out_never_drops_the_requests_below_those_filled(
            lines in prop::collection::vec(any_line(), 1..8),
            unattributed in 0i64..100,
        ) {
            let kept: Vec<LineFacts> = lines.iter().map(|l| LineFacts { released: 0, ..*l }).collect();
            let (with, without) = (order_counts(&lines, unattributed), order_counts(&kept, unattributed));
            prop_assert!(valid(&with), "{with:?}");
            prop_assert!(with.lines <= without.lines && with.ordered <= without.ordered);
            // A cancellation takes away requests, never a filled one's success: the
            // requests unmet can only be fewer.
            prop_assert!(with.lines - with.lines_filled_within_24h <= without.lines - without.lines_filled_within_24h);
            prop_assert!(with.ordered - with.shipped_within_24h <= without.ordered - without.shipped_within_24h);
        }

        #[test]
        fn units_of_unknown_lines_are_all_counted_while_a_line_lacks_them(
            lines in prop::collection::vec(any_line(), 0..8),
            unattributed in 0i64..100,
        ) {
            let known: i64 = lines.iter().map(|l| l.filled_units()).sum();
            let c = order_counts(&lines, unattributed);
            prop_assert_eq!(c.shipped_within_24h, (known + unattributed).min(c.ordered));
        }

        #[test]
        fn counts_add_up_in_any_order(
            a in any_line(), b in any_line(), c in any_line(),
        ) {
            let (a, b, c) = (FillCounts::of_line(&a), FillCounts::of_line(&b), FillCounts::of_line(&c));
            prop_assert_eq!(a.plus(b).plus(c), c.plus(a.plus(b)));
        }
    }
}
