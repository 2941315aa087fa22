//! Allocation of stock to order lines: reservation at placement, backorders served
//! when stock becomes available (emergency orders first, then oldest first),
//! release on cancellation, and shipment of reserved units.
//!
//! Each order line keeps every ordered unit in exactly one state:
//! `reserved + backordered + shipped + released = ordered` (invariant 2).

use chrono::{DateTime, Utc};

use super::stock::StockError;

/// Emergency orders are served first: shared vocabulary of the order contract.
pub use aftersales_types::Priority;

/// The state of one order line's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineState {
    pub ordered: i32,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
}

impl LineState {
    /// A new line: `min(available, ordered)` reserved, the rest backordered.
    pub fn place(ordered: i32, available: i32) -> Self {
        let reserved = ordered.min(available.max(0));
        Self {
            ordered,
            reserved,
            backordered: ordered - reserved,
            ..Self::default()
        }
    }

    /// A line of an order cancelled before it arrived: everything released.
    pub fn released(ordered: i32) -> Self {
        Self {
            ordered,
            released: ordered,
            ..Self::default()
        }
    }

    pub fn is_balanced(&self) -> bool {
        self.reserved + self.backordered + self.shipped + self.released == self.ordered
    }

    /// Cancels what has not shipped; returns the line and the reserved units to give back.
    pub fn cancel(self) -> (Self, i32) {
        let freed = self.reserved;
        (
            Self {
                reserved: 0,
                backordered: 0,
                released: self.released + self.reserved + self.backordered,
                ..self
            },
            freed,
        )
    }

    /// Moves `qty` backordered units to reserved.
    pub fn fill(self, qty: i32) -> Self {
        let qty = qty.min(self.backordered).max(0);
        Self {
            reserved: self.reserved + qty,
            backordered: self.backordered - qty,
            ..self
        }
    }

    /// Moves `qty` reserved units to shipped; never more than reserved.
    pub fn ship(self, qty: i32) -> Result<Self, StockError> {
        if qty > self.reserved {
            return Err(StockError::NotReserved {
                reserved: self.reserved,
                wanted: qty,
            });
        }
        Ok(Self {
            reserved: self.reserved - qty,
            shipped: self.shipped + qty,
            ..self
        })
    }
}

/// One backordered line waiting for stock of one part in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting<K> {
    pub key: K,
    pub priority: Priority,
    pub placed_at: DateTime<Utc>,
    pub backordered: i32,
}

/// The order in which waiting lines are served: emergency first, then oldest, then
/// by key so the order is total and the same in every replica.
pub fn service_order<K: Ord>(a: &Waiting<K>, b: &Waiting<K>) -> std::cmp::Ordering {
    let rank = |w: &Waiting<K>| u8::from(w.priority != Priority::Emergency);
    rank(a)
        .cmp(&rank(b))
        .then(a.placed_at.cmp(&b.placed_at))
        .then(a.key.cmp(&b.key))
}

/// Distributes `available` units over `waiting` lines in [`service_order`]: each line
/// in turn gets as much as it waits for until the units run out. Returns the lines
/// that got something and how much.
pub fn allocate_backorders<K: Ord + Clone>(
    available: i32,
    waiting: &[Waiting<K>],
) -> Vec<(K, i32)> {
    let mut queue: Vec<&Waiting<K>> = waiting.iter().filter(|w| w.backordered > 0).collect();
    queue.sort_by(|a, b| service_order(a, b));
    let mut left = available.max(0);
    let mut out = Vec::new();
    for w in queue {
        if left == 0 {
            break;
        }
        let got = w.backordered.min(left);
        left -= got;
        out.push((w.key.clone(), got));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stock::Levels;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + minute * 60, 0)
            .single()
            .unwrap_or_default()
    }

    fn w(key: u32, priority: Priority, minute: i64, backordered: i32) -> Waiting<u32> {
        Waiting {
            key,
            priority,
            placed_at: at(minute),
            backordered,
        }
    }

    #[test]
    fn emergency_first_then_oldest() {
        let waiting = [
            w(1, Priority::Stock, 1, 5),
            w(2, Priority::Emergency, 9, 3),
            w(3, Priority::Stock, 0, 2),
            w(4, Priority::Emergency, 5, 1),
        ];
        assert_eq!(
            allocate_backorders(6, &waiting),
            vec![(4, 1), (2, 3), (3, 2)]
        );
        assert_eq!(allocate_backorders(0, &waiting), vec![]);
    }

    #[test]
    fn line_states_balance() {
        let l = LineState::place(10, 4);
        assert_eq!((l.reserved, l.backordered), (4, 6));
        let l = l.fill(3).ship(5).unwrap();
        assert_eq!((l.reserved, l.backordered, l.shipped), (2, 3, 5));
        assert!(l.ship(3).is_err());
        let (l, freed) = l.cancel();
        assert_eq!((freed, l.released, l.shipped), (2, 5, 5));
        assert!(l.is_balanced());
        assert!(LineState::released(3).is_balanced());
    }

    fn waiting() -> impl Strategy<Value = Vec<Waiting<u32>>> {
        proptest::collection::vec((any::<bool>(), 0i64..20, 1i32..10), 0..15).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (e, m, q))| {
                    w(
                        i as u32,
                        if e {
                            Priority::Emergency
                        } else {
                            Priority::Stock
                        },
                        m,
                        q,
                    )
                })
                .collect()
        })
    }

    proptest! {
        /// Served lines form a prefix of the service order: every line before the
        /// last one served is filled completely, nothing after it gets anything, and
        /// no more than `available` is handed out.
        #[test]
        fn allocation_respects_service_order(available in 0i32..60, waiting in waiting()) {
            let got: BTreeMap<u32, i32> = allocate_backorders(available, &waiting).into_iter().collect();
            let mut sorted = waiting.clone();
            sorted.sort_by(service_order);
            let total: i32 = got.values().sum();
            let wanted: i32 = waiting.iter().map(|w| w.backordered).sum();
            prop_assert_eq!(total, available.min(wanted));
            let mut short_seen = false;
            for line in &sorted {
                let g = got.get(&line.key).copied().unwrap_or(0);
                prop_assert!(g <= line.backordered);
                if short_seen {
                    prop_assert_eq!(g, 0, "a later line was served before an earlier one was full");
                }
                if g < line.backordered {
                    short_seen = true;
                }
            }
        }
    }

    /// A model of one part in one warehouse driven only by the rules above and the
    /// stock rules: what the database code does, without the database.
    #[derive(Debug, Clone)]
    enum Op {
        Receipt(i32),
        Place {
            qty: i32,
            emergency: bool,
            minute: i64,
        },
        Cancel(usize),
        Ship(usize, i32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1i32..30).prop_map(Op::Receipt),
            (1i32..15, any::<bool>(), 0i64..1000).prop_map(|(qty, emergency, minute)| Op::Place {
                qty,
                emergency,
                minute
            }),
            (0usize..20).prop_map(Op::Cancel),
            (0usize..20, 1i32..10).prop_map(|(i, q)| Op::Ship(i, q)),
        ]
    }

    struct Model {
        stock: Levels,
        lines: Vec<(Waiting<u32>, LineState)>,
        ledger: i64,
    }

    impl Model {
        /// What a receipt or a release triggers: waiting lines take what is available.
        fn serve_backorders(&mut self) -> Vec<(u32, i32)> {
            let waiting: Vec<Waiting<u32>> = self
                .lines
                .iter()
                .map(|(w, l)| Waiting {
                    backordered: l.backordered,
                    ..w.clone()
                })
                .collect();
            let grants = allocate_backorders(self.stock.available(), &waiting);
            for (key, qty) in &grants {
                let (stock, got) = self.stock.reserve(*qty);
                assert_eq!(got, *qty);
                self.stock = stock;
                let line = &mut self.lines[*key as usize].1;
                *line = line.fill(*qty);
            }
            grants
        }
    }

    proptest! {
        #[test]
        fn random_receipts_orders_cancellations_and_shipments_keep_invariant_one(
            ops in proptest::collection::vec(op(), 0..80)
        ) {
            let mut m = Model { stock: Levels::default(), lines: Vec::new(), ledger: 0 };
            for op in ops {
                match op {
                    Op::Receipt(q) => {
                        m.stock = m.stock.receive(q).unwrap_or(m.stock);
                        m.ledger += i64::from(q);
                        let grants = m.serve_backorders();
                        // Whoever got units, nobody ranked before them is still short.
                        if let Some(last) = grants.last() {
                            let last_w = m.lines[last.0 as usize].0.clone();
                            for (w, l) in &m.lines {
                                if service_order(w, &last_w).is_lt() {
                                    prop_assert_eq!(l.backordered, 0);
                                }
                            }
                        }
                    }
                    Op::Place { qty, emergency, minute } => {
                        let line = LineState::place(qty, m.stock.available());
                        let (stock, got) = m.stock.reserve(qty);
                        prop_assert_eq!(got, line.reserved);
                        m.stock = stock;
                        let key = m.lines.len() as u32;
                        let priority = if emergency { Priority::Emergency } else { Priority::Stock };
                        m.lines.push((Waiting { key, priority, placed_at: at(minute), backordered: 0 }, line));
                    }
                    Op::Cancel(i) => {
                        if let Some((_, line)) = m.lines.get_mut(i) {
                            let (next, freed) = line.cancel();
                            *line = next;
                            m.stock = m.stock.release(freed).map_err(|e| TestCaseError::fail(e.to_string()))?;
                            m.serve_backorders();
                        }
                    }
                    Op::Ship(i, q) => {
                        if let Some((_, line)) = m.lines.get_mut(i)
                            && let Ok(next) = line.ship(q)
                        {
                            *line = next;
                            m.stock = m.stock.ship(q).map_err(|e| TestCaseError::fail(e.to_string()))?;
                            m.ledger -= i64::from(q);
                        }
                    }
                }
                prop_assert!(m.stock.holds_invariant(), "{:?}", m.stock);
                prop_assert!(m.stock.on_hand >= 0);
                prop_assert_eq!(m.ledger, i64::from(m.stock.on_hand));
                let reserved: i32 = m.lines.iter().map(|(_, l)| l.reserved).sum();
                prop_assert_eq!(reserved, m.stock.reserved);
                for (_, l) in &m.lines {
                    prop_assert!(l.is_balanced(), "{l:?}");
                }
                // Stock never waits on a shelf while someone waits for it.
                let waiting: i32 = m.lines.iter().map(|(_, l)| l.backordered).sum();
                prop_assert!(waiting == 0 || m.stock.available() == 0);
            }
        }
    }
}
