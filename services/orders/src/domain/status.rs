//! The order status, derived in one function from the order's lines (as catalog last
//! allocated them) and whether the dealer asked to cancel.
//!
//! Cancelling is a request to catalog: `POST orders/{id}/cancel` sets the status to
//! `cancel_requested` and publishes `orders.order_cancelled`; the order becomes
//! `cancelled` once catalog reports that everything not shipped is released. Units
//! catalog shipped before it saw the cancel stay shipped (an order can be `cancelled`
//! with some units shipped); if everything was shipped after all, it is `shipped`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; catalog has not allocated it yet.
    Submitted,
    /// Every unit reserved.
    Reserved,
    /// Some units reserved, the rest backordered.
    PartiallyReserved,
    /// Nothing reserved, everything backordered.
    Backordered,
    /// Some units shipped, others still reserved or backordered.
    PartiallyShipped,
    /// Every unit not released has been shipped.
    Shipped,
    /// The dealer asked to cancel; waiting for catalog to release.
    CancelRequested,
    /// Everything not shipped was released.
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Submitted,
        OrderStatus::Reserved,
        OrderStatus::PartiallyReserved,
        OrderStatus::Backordered,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::CancelRequested,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Submitted => "submitted",
            OrderStatus::Reserved => "reserved",
            OrderStatus::PartiallyReserved => "partially_reserved",
            OrderStatus::Backordered => "backordered",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::CancelRequested => "cancel_requested",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether the warehouse may ship for an order in this status, if it holds
    /// reserved units: once catalog has reserved them, and not after the dealer asked
    /// to cancel (catalog is releasing them then).
    pub fn may_ship(self) -> bool {
        matches!(
            self,
            OrderStatus::Reserved | OrderStatus::PartiallyReserved | OrderStatus::PartiallyShipped
        )
    }

    /// Whether the dealer may still cancel: anything not fully shipped, once.
    pub fn cancellable(self) -> Result<(), CancelRefused> {
        match self {
            OrderStatus::Shipped => Err(CancelRefused::Shipped),
            OrderStatus::CancelRequested | OrderStatus::Cancelled => {
                Err(CancelRefused::AlreadyCancelled)
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelRefused {
    #[error("the order is fully shipped")]
    Shipped,
    #[error("the order is already cancelled or being cancelled")]
    AlreadyCancelled,
}

/// One line's units by state. Before catalog's first allocation all four are 0;
/// afterwards they add up to `ordered` (invariant 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineQty {
    pub ordered: i32,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
}

impl LineQty {
    /// Units that left the backorder for the shelf or the truck between `self` and
    /// `next`: the backorder fell and as much more was reserved or shipped. A backorder
    /// that fell because the units were released (a cancellation) filled nothing.
    pub fn filled_from_backorder(&self, next: &LineQty) -> i32 {
        let left_backorder = self.backordered - next.backordered;
        let served = (next.reserved + next.shipped) - (self.reserved + self.shipped);
        left_backorder.min(served).max(0)
    }

    pub fn unallocated(ordered: i32) -> Self {
        LineQty {
            ordered,
            ..LineQty::default()
        }
    }

    pub fn is_balanced(&self) -> bool {
        self.reserved + self.backordered + self.shipped + self.released == self.ordered
    }
}

/// The status of an order: the one place where statuses follow from quantities.
pub fn derive_status(lines: &[LineQty], allocated: bool, cancel_requested: bool) -> OrderStatus {
    let sum = |f: fn(&LineQty) -> i32| lines.iter().map(f).sum::<i32>();
    let (reserved, backordered, shipped, released) = (
        sum(|l| l.reserved),
        sum(|l| l.backordered),
        sum(|l| l.shipped),
        sum(|l| l.released),
    );
    let open = reserved + backordered;
    if !allocated {
        return if cancel_requested {
            OrderStatus::CancelRequested
        } else {
            OrderStatus::Submitted
        };
    }
    if open == 0 {
        // Nothing left to do: what was not released was shipped.
        return if shipped > 0 && (released == 0 || !cancel_requested) {
            OrderStatus::Shipped
        } else {
            OrderStatus::Cancelled
        };
    }
    if cancel_requested {
        return OrderStatus::CancelRequested;
    }
    match (shipped > 0, reserved > 0, backordered > 0) {
        (true, _, _) => OrderStatus::PartiallyShipped,
        (false, true, false) => OrderStatus::Reserved,
        (false, true, true) => OrderStatus::PartiallyReserved,
        (false, false, _) => OrderStatus::Backordered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;
    use proptest::prelude::*;

    fn l(ordered: i32, reserved: i32, backordered: i32, shipped: i32, released: i32) -> LineQty {
        LineQty {
            ordered,
            reserved,
            backordered,
            shipped,
            released,
        }
    }

    #[test]
    fn statuses_follow_the_quantities() {
        assert_eq!(
            derive_status(&[LineQty::unallocated(3)], false, false),
            Submitted
        );
        assert_eq!(
            derive_status(&[LineQty::unallocated(3)], false, true),
            CancelRequested
        );
        assert_eq!(
            derive_status(&[l(3, 3, 0, 0, 0), l(1, 1, 0, 0, 0)], true, false),
            Reserved
        );
        assert_eq!(
            derive_status(&[l(3, 3, 0, 0, 0), l(1, 0, 1, 0, 0)], true, false),
            PartiallyReserved
        );
        assert_eq!(
            derive_status(&[l(3, 2, 1, 0, 0)], true, false),
            PartiallyReserved
        );
        assert_eq!(derive_status(&[l(3, 0, 3, 0, 0)], true, false), Backordered);
        assert_eq!(
            derive_status(&[l(3, 0, 1, 2, 0)], true, false),
            PartiallyShipped
        );
        assert_eq!(
            derive_status(&[l(3, 1, 0, 2, 0)], true, false),
            PartiallyShipped
        );
        assert_eq!(derive_status(&[l(3, 0, 0, 3, 0)], true, false), Shipped);
        assert_eq!(
            derive_status(&[l(3, 1, 0, 2, 0)], true, true),
            CancelRequested
        );
        assert_eq!(derive_status(&[l(3, 0, 0, 0, 3)], true, true), Cancelled);
        assert_eq!(derive_status(&[l(3, 0, 0, 2, 1)], true, true), Cancelled);
        // Cancel raced with the last shipment: everything went out.
        assert_eq!(derive_status(&[l(3, 0, 0, 3, 0)], true, true), Shipped);
        // Catalog released everything on its own.
        assert_eq!(derive_status(&[l(3, 0, 0, 0, 3)], true, false), Cancelled);
    }

    #[test]
    fn cancel_is_refused_when_shipped_or_cancelled() {
        assert_eq!(Shipped.cancellable(), Err(CancelRefused::Shipped));
        assert_eq!(
            Cancelled.cancellable(),
            Err(CancelRefused::AlreadyCancelled)
        );
        assert_eq!(
            CancelRequested.cancellable(),
            Err(CancelRefused::AlreadyCancelled)
        );
        for s in [
            Submitted,
            Reserved,
            PartiallyReserved,
            Backordered,
            PartiallyShipped,
        ] {
            assert_eq!(s.cancellable(), Ok(()));
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
    }

    fn balanced_line() -> impl Strategy<Value = LineQty> {
        (0i32..5, 0i32..5, 0i32..5, 0i32..5)
            .prop_filter("at least one unit", |(a, b, c, d)| a + b + c + d > 0)
            .prop_map(|(r, b, s, x)| l(r + b + s + x, r, b, s, x))
    }

    proptest! {
        #[test]
        fn cancelled_only_when_nothing_is_open(lines in proptest::collection::vec(balanced_line(), 1..5), cancel in any::<bool>()) {
            let status = derive_status(&lines, true, cancel);
            let open: i32 = lines.iter().map(|l| l.reserved + l.backordered).sum();
            let shipped: i32 = lines.iter().map(|l| l.shipped).sum();
            match status {
                Cancelled | Shipped => prop_assert_eq!(open, 0),
                CancelRequested => prop_assert!(cancel && open > 0),
                PartiallyShipped => prop_assert!(shipped > 0 && open > 0),
                Reserved | PartiallyReserved | Backordered => prop_assert!(shipped == 0 && open > 0 && !cancel),
                Submitted => prop_assert!(false, "allocated orders are never submitted"),
            }
        }

        #[test]
        fn reserved_units_may_ship_until_the_dealer_cancels(lines in proptest::collection::vec(balanced_line(), 1..5), cancel in any::<bool>()) {
            let status = derive_status(&lines, true, cancel);
            let reserved: i32 = lines.iter().map(|l| l.reserved).sum();
            if reserved > 0 {
                prop_assert_eq!(status.may_ship(), !cancel, "{:?}", status);
            }
        }
    }

    #[test]
    fn a_backorder_is_filled_by_what_is_reserved_or_shipped_from_it_not_by_a_release() {
        let q = |reserved, backordered, shipped, released| LineQty {
            ordered: 5,
            reserved,
            backordered,
            shipped,
            released,
        };
        let waiting = q(2, 3, 0, 0);
        assert_eq!(waiting.filled_from_backorder(&q(4, 1, 0, 0)), 2);
        assert_eq!(waiting.filled_from_backorder(&q(0, 0, 5, 0)), 3);
        assert_eq!(waiting.filled_from_backorder(&q(2, 0, 0, 3)), 0);
        assert_eq!(waiting.filled_from_backorder(&waiting), 0);
        // Shipping what was reserved leaves the backorder as it was.
        assert_eq!(waiting.filled_from_backorder(&q(0, 3, 2, 0)), 0);
        assert_eq!(q(5, 0, 0, 0).filled_from_backorder(&q(2, 3, 0, 0)), 0);
    }
}
