//! Replenishment suggestions: how much of a part a warehouse should order from its
//! supplier now.
//!
//! The inventory position is what the warehouse can count on: available stock plus
//! what is in transit to it and on order with suppliers, less what waiting backorders
//! already claim. It must cover the **cover**: the reorder point, or the demand of the
//! last window when that is larger (a part that sells faster than its reorder point
//! assumed). Below the cover, the suggestion brings the position back to it, in whole
//! reorder quantities when one is set. So ordering what was suggested leaves nothing to
//! suggest: what is already on order is never suggested again.

/// What the warehouse holds, expects and owes of one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// On hand less reserved and quarantined.
    pub available: i64,
    /// Units of transfers to this warehouse on their way.
    pub in_transit: i64,
    /// The open rest of sent purchase orders.
    pub on_order: i64,
    /// Units of waiting backorders.
    pub backordered: i64,
    /// Units ordered at this warehouse over the demand window.
    pub demand: i64,
    pub reorder_point: i64,
    pub reorder_qty: i64,
}

impl Position {
    /// Available, in transit and on order, less what backorders claim.
    pub fn inventory_position(&self) -> i64 {
        self.available + self.in_transit + self.on_order - self.backordered
    }

    /// What the position must reach: the reorder point, or the window's demand if larger.
    pub fn cover(&self) -> i64 {
        self.reorder_point.max(self.demand).max(0)
    }

    /// How many to order now: none while the position covers the cover; otherwise the
    /// shortfall, rounded up to whole reorder quantities when one is set.
    pub fn suggestion(&self) -> i64 {
        let shortfall = self.cover() - self.inventory_position();
        if shortfall <= 0 {
            return 0;
        }
        if self.reorder_qty > 0 {
            let batches = (shortfall + self.reorder_qty - 1) / self.reorder_qty;
            batches * self.reorder_qty
        } else {
            shortfall
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn below_the_reorder_point_whole_reorder_quantities_are_suggested() {
        let p = Position {
            available: 3,
            on_order: 2,
            reorder_point: 10,
            reorder_qty: 4,
            ..Position::default()
        };
        assert_eq!((p.inventory_position(), p.cover()), (5, 10));
        assert_eq!(p.suggestion(), 8, "5 short: two boxes of 4");
        let covered = Position { on_order: 10, ..p };
        assert_eq!(covered.suggestion(), 0);
    }

    #[test]
    fn backorders_and_demand_raise_the_suggestion() {
        let p = Position {
            backordered: 6,
            in_transit: 1,
            ..Position::default()
        };
        assert_eq!(p.suggestion(), 5, "the backorders not yet covered");
        let selling = Position {
            available: 4,
            demand: 12,
            reorder_point: 5,
            ..Position::default()
        };
        assert_eq!(selling.suggestion(), 8, "the window's demand is the cover");
        assert_eq!(Position::default().suggestion(), 0);
    }

    fn position() -> impl Strategy<Value = Position> {
        (
            -5i64..50,
            0i64..30,
            0i64..30,
            0i64..40,
            0i64..60,
            0i64..40,
            0i64..12,
        )
            .prop_map(
                |(available, in_transit, on_order, backordered, demand, rp, rq)| Position {
                    available,
                    in_transit,
                    on_order,
                    backordered,
                    demand,
                    reorder_point: rp,
                    reorder_qty: rq,
                },
            )
    }

    proptest! {
        /// Ordering what was suggested leaves nothing to suggest; a suggestion brings the
        /// position to the cover, in whole reorder quantities, and never more than one
        /// reorder quantity beyond it.
        #[test]
        fn what_is_on_order_is_never_suggested_again(p in position()) {
            let s = p.suggestion();
            prop_assert!(s >= 0);
            prop_assert_eq!(s > 0, p.inventory_position() < p.cover());
            let ordered = Position { on_order: p.on_order + s, ..p };
            prop_assert_eq!(ordered.suggestion(), 0);
            if s > 0 {
                prop_assert!(ordered.inventory_position() >= p.cover());
                if p.reorder_qty > 0 {
                    prop_assert_eq!(s % p.reorder_qty, 0);
                    prop_assert!(ordered.inventory_position() < p.cover() + p.reorder_qty);
                } else {
                    prop_assert_eq!(ordered.inventory_position(), p.cover());
                }
            }
        }

        /// More on its way never makes the suggestion larger.
        #[test]
        fn more_on_order_never_suggests_more(p in position(), extra in 0i64..30) {
            let more = Position { on_order: p.on_order + extra, ..p };
            prop_assert!(more.suggestion() <= p.suggestion());
        }
    }
}
