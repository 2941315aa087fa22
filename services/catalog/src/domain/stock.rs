//! Stock of one part in one warehouse and every change that can happen to it.
//!
//! `on_hand` counts every unit physically there, quarantined ones included;
//! `quarantined` units (returned failed parts awaiting disposition) and `reserved`
//! units are not available: `available = on_hand - reserved - quarantined`.
//! The invariant `0 ≤ reserved`, `0 ≤ quarantined`, `reserved + quarantined ≤ on_hand`
//! (hence `0 ≤ reserved ≤ on_hand` of DESIGN.md) holds after every operation here.

use serde::{Deserialize, Serialize};

use super::types::MAX_QTY;

/// The counters of one stock level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Levels {
    pub on_hand: i32,
    pub reserved: i32,
    pub quarantined: i32,
}

/// Why a stock operation is refused (a state conflict, 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("on hand would be {on_hand}, below the {committed} units reserved or quarantined")]
    BelowCommitted { on_hand: i64, committed: i32 },
    #[error("only {available} available, {wanted} requested")]
    NotAvailable { available: i32, wanted: i32 },
    #[error("only {reserved} reserved, {wanted} requested")]
    NotReserved { reserved: i32, wanted: i32 },
    #[error("only {quarantined} quarantined, {wanted} requested")]
    NotQuarantined { quarantined: i32, wanted: i32 },
    #[error("on hand would exceed {limit}")]
    TooMuch { limit: i64 },
}

/// Highest on hand a level may reach: far beyond any warehouse, far below i32::MAX.
pub const MAX_ON_HAND: i64 = 1_000_000_000;

impl Levels {
    pub fn available(&self) -> i32 {
        self.on_hand - self.reserved - self.quarantined
    }

    pub fn holds_invariant(&self) -> bool {
        self.reserved >= 0
            && self.quarantined >= 0
            && self.reserved + self.quarantined <= self.on_hand
    }

    fn committed(&self) -> i32 {
        self.reserved + self.quarantined
    }

    fn with_on_hand(self, on_hand: i64) -> Result<Self, StockError> {
        if on_hand > MAX_ON_HAND {
            return Err(StockError::TooMuch { limit: MAX_ON_HAND });
        }
        if on_hand < i64::from(self.committed()) {
            return Err(StockError::BelowCommitted {
                on_hand,
                committed: self.committed(),
            });
        }
        Ok(Self {
            on_hand: on_hand as i32,
            ..self
        })
    }

    /// Units arrive (receipt, transfer in).
    pub fn receive(self, qty: i32) -> Result<Self, StockError> {
        self.with_on_hand(i64::from(self.on_hand) + i64::from(qty))
    }

    /// On hand changes by `delta`, never below what is reserved or quarantined.
    pub fn adjust(self, delta: i32) -> Result<Self, StockError> {
        self.with_on_hand(i64::from(self.on_hand) + i64::from(delta))
    }

    /// A physical count replaces on hand; returns the variance posted.
    pub fn count(self, counted: i32) -> Result<(Self, i32), StockError> {
        let next = self.with_on_hand(i64::from(counted))?;
        Ok((next, counted - self.on_hand))
    }

    /// Reserves up to `wanted`; returns how many were reserved.
    pub fn reserve(self, wanted: i32) -> (Self, i32) {
        let got = wanted.min(self.available()).max(0);
        (
            Self {
                reserved: self.reserved + got,
                ..self
            },
            got,
        )
    }

    pub fn release(self, qty: i32) -> Result<Self, StockError> {
        if qty > self.reserved {
            return Err(StockError::NotReserved {
                reserved: self.reserved,
                wanted: qty,
            });
        }
        Ok(Self {
            reserved: self.reserved - qty,
            ..self
        })
    }

    /// Reserved units leave the warehouse.
    pub fn ship(self, qty: i32) -> Result<Self, StockError> {
        let released = self.release(qty)?;
        Ok(Self {
            on_hand: released.on_hand - qty,
            ..released
        })
    }

    /// Available units leave the warehouse (transfer out).
    pub fn take_available(self, qty: i32) -> Result<Self, StockError> {
        if qty > self.available() {
            return Err(StockError::NotAvailable {
                available: self.available(),
                wanted: qty,
            });
        }
        Ok(Self {
            on_hand: self.on_hand - qty,
            ..self
        })
    }

    pub fn quarantine_in(self, qty: i32) -> Result<Self, StockError> {
        let next = self.receive(qty)?;
        Ok(Self {
            quarantined: next.quarantined + qty,
            ..next
        })
    }

    /// Quarantined units leave (scrapped or returned to the supplier).
    pub fn quarantine_out(self, qty: i32) -> Result<Self, StockError> {
        if qty > self.quarantined {
            return Err(StockError::NotQuarantined {
                quarantined: self.quarantined,
                wanted: qty,
            });
        }
        Ok(Self {
            on_hand: self.on_hand - qty,
            quarantined: self.quarantined - qty,
            ..self
        })
    }
}

/// The kinds of ledger movement; each changes on hand by its signed quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Receipt,
    Adjustment,
    CountVariance,
    TransferOut,
    TransferIn,
    Shipment,
    QuarantineIn,
    QuarantineOut,
}

impl MovementKind {
    pub const ALL: [MovementKind; 8] = [
        MovementKind::Receipt,
        MovementKind::Adjustment,
        MovementKind::CountVariance,
        MovementKind::TransferOut,
        MovementKind::TransferIn,
        MovementKind::Shipment,
        MovementKind::QuarantineIn,
        MovementKind::QuarantineOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Adjustment => "adjustment",
            MovementKind::CountVariance => "count_variance",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Shipment => "shipment",
            MovementKind::QuarantineIn => "quarantine_in",
            MovementKind::QuarantineOut => "quarantine_out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why an adjustment was made; required on every adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentReason {
    Damaged,
    Lost,
    Found,
    Expired,
    DataCorrection,
    Other,
}

impl AdjustmentReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentReason::Damaged => "damaged",
            AdjustmentReason::Lost => "lost",
            AdjustmentReason::Found => "found",
            AdjustmentReason::Expired => "expired",
            AdjustmentReason::DataCorrection => "data_correction",
            AdjustmentReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AdjustmentReason::Damaged,
            AdjustmentReason::Lost,
            AdjustmentReason::Found,
            AdjustmentReason::Expired,
            AdjustmentReason::DataCorrection,
            AdjustmentReason::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Whether to emit `catalog.stock_low` now, and the new "alerted" flag: an alert
/// fires when available falls to or below the reorder point from above it, and is
/// re-armed only when available rises above the reorder point again.
pub fn stock_low(was_alerted: bool, available: i32, reorder_point: i32) -> (bool, bool) {
    let low = available <= reorder_point;
    (low, low && !was_alerted)
}

/// Checks an adjustment delta: non-zero and within the quantity limit.
pub fn adjustment_delta(delta: i64) -> Result<i32, super::types::Invalid> {
    if delta == 0 {
        return Err(super::types::Invalid("must not be 0".into()));
    }
    // `unsigned_abs`: `abs` of i64::MIN overflows (a panic in debug builds, a
    // negative "absolute value" that passed this check in release builds).
    match i32::try_from(delta) {
        Ok(d) if delta.unsigned_abs() <= MAX_QTY.unsigned_abs().into() => Ok(d),
        _ => Err(super::types::Invalid(format!(
            "must be between -{MAX_QTY} and {MAX_QTY}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lv(on_hand: i32, reserved: i32, quarantined: i32) -> Levels {
        Levels {
            on_hand,
            reserved,
            quarantined,
        }
    }

    #[test]
    fn adjustments_never_go_below_reserved() {
        let l = lv(10, 6, 0);
        assert_eq!(l.adjust(-4).unwrap().on_hand, 6);
        assert!(matches!(
            l.adjust(-5),
            Err(StockError::BelowCommitted { .. })
        ));
        assert_eq!(l.count(7).unwrap(), (lv(7, 6, 0), -3));
        assert!(l.count(5).is_err());
    }

    #[test]
    fn quarantine_is_on_hand_but_not_available() {
        let l = lv(5, 0, 0).quarantine_in(2).unwrap();
        assert_eq!(l, lv(7, 0, 2));
        assert_eq!(l.available(), 5);
        let (l, got) = l.reserve(10);
        assert_eq!(got, 5);
        assert_eq!(l.quarantine_out(2).unwrap(), lv(5, 5, 0));
        assert!(l.quarantine_out(3).is_err());
    }

    #[test]
    fn stock_low_fires_once_per_crossing() {
        assert_eq!(stock_low(false, 5, 5), (true, true));
        assert_eq!(stock_low(true, 3, 5), (true, false));
        assert_eq!(stock_low(true, 6, 5), (false, false));
        assert_eq!(stock_low(false, 6, 5), (false, false));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Receive(i32),
        Adjust(i32),
        Count(i32),
        Reserve(i32),
        Release(i32),
        Ship(i32),
        TakeAvailable(i32),
        QuarantineIn(i32),
        QuarantineOut(i32),
    }

    #[test]
    fn adjustment_delta_takes_any_i64() {
        assert_eq!(adjustment_delta(-i64::from(MAX_QTY)).ok(), Some(-MAX_QTY));
        assert_eq!(adjustment_delta(i64::from(MAX_QTY)).ok(), Some(MAX_QTY));
        for bad in [
            0,
            i64::MIN,
            i64::MAX,
            i64::from(MAX_QTY) + 1,
            -i64::from(MAX_QTY) - 1,
        ] {
            assert!(adjustment_delta(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn adjustment_delta_is_exactly_the_allowed_range(delta in any::<i64>()) {
            let allowed = delta != 0 && delta.abs_diff(0) <= u64::from(MAX_QTY.unsigned_abs());
            prop_assert_eq!(adjustment_delta(delta).is_ok(), allowed);
            if let Ok(d) = adjustment_delta(delta) {
                prop_assert_eq!(i64::from(d), delta);
            }
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1..50).prop_map(Op::Receive),
            (-50..50).prop_map(Op::Adjust),
            (0..80).prop_map(Op::Count),
            (1..50).prop_map(Op::Reserve),
            (1..50).prop_map(Op::Release),
            (1..50).prop_map(Op::Ship),
            (1..50).prop_map(Op::TakeAvailable),
            (1..10).prop_map(Op::QuarantineIn),
            (1..10).prop_map(Op::QuarantineOut),
        ]
    }

    proptest! {
        /// Whatever sequence of operations, accepted or refused: the invariant holds
        /// and on hand equals the sum of the movements the accepted ones posted.
        #[test]
        fn invariant_holds_and_ledger_sums_to_on_hand(ops in proptest::collection::vec(op(), 0..60)) {
            let mut l = Levels::default();
            let mut ledger: i64 = 0;
            for op in ops {
                let before = l;
                let next = match op {
                    Op::Receive(q) => l.receive(q),
                    Op::Adjust(d) => l.adjust(d),
                    Op::Count(c) => l.count(c).map(|(n, _)| n),
                    Op::Reserve(q) => Ok(l.reserve(q).0),
                    Op::Release(q) => l.release(q),
                    Op::Ship(q) => l.ship(q),
                    Op::TakeAvailable(q) => l.take_available(q),
                    Op::QuarantineIn(q) => l.quarantine_in(q),
                    Op::QuarantineOut(q) => l.quarantine_out(q),
                };
                if let Ok(n) = next {
                    ledger += i64::from(n.on_hand - before.on_hand);
                    l = n;
                }
                prop_assert!(l.holds_invariant(), "{l:?}");
                prop_assert!(l.available() >= 0);
                prop_assert_eq!(ledger, i64::from(l.on_hand));
            }
        }
    }
}
