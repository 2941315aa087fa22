//! Purchase orders to suppliers: draft → sent → partially received → received, or
//! cancelled before they are fully received; what one receipt may post against a
//! line (never more than is still open, unless the warehouse says why).

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseOrderStatus {
    Draft,
    Sent,
    PartiallyReceived,
    Received,
    Cancelled,
}

/// What can be done to a purchase order as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseOrderAction {
    Send,
    /// Post a receipt; `complete` says whether every line then has all it ordered.
    Receive {
        complete: bool,
    },
    /// Move a line's expected date.
    Reschedule,
    Cancel,
}

impl PurchaseOrderStatus {
    pub const ALL: [PurchaseOrderStatus; 5] = [
        PurchaseOrderStatus::Draft,
        PurchaseOrderStatus::Sent,
        PurchaseOrderStatus::PartiallyReceived,
        PurchaseOrderStatus::Received,
        PurchaseOrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseOrderStatus::Draft => "draft",
            PurchaseOrderStatus::Sent => "sent",
            PurchaseOrderStatus::PartiallyReceived => "partially_received",
            PurchaseOrderStatus::Received => "received",
            PurchaseOrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the supplier has it and what is not yet received is on its way: what
    /// counts as stock on order and gives backorders their expected dates.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            PurchaseOrderStatus::Sent | PurchaseOrderStatus::PartiallyReceived
        )
    }

    /// The one place that says which action is allowed from which status.
    pub fn transition(self, action: PurchaseOrderAction) -> Result<PurchaseOrderStatus, String> {
        use PurchaseOrderAction::*;
        use PurchaseOrderStatus::*;
        match (self, action) {
            (Draft, Send) => Ok(Sent),
            (Sent | PartiallyReceived, Receive { complete: true }) => Ok(Received),
            (Sent | PartiallyReceived, Receive { complete: false }) => Ok(PartiallyReceived),
            (s @ (Draft | Sent | PartiallyReceived), Reschedule) => Ok(s),
            (Draft | Sent | PartiallyReceived, Cancel) => Ok(Cancelled),
            (Draft, Receive { .. }) => Err(
                "purchase order is still a draft: send it to the supplier before receiving against it"
                    .to_owned(),
            ),
            (from, action) => Err(format!(
                "a purchase order that is {} cannot be {}",
                from.as_str().replace('_', " "),
                match action {
                    Send => "sent",
                    Receive { .. } => "received against",
                    Reschedule => "rescheduled",
                    Cancel => "cancelled",
                }
            )),
        }
    }
}

/// Why one receipt cannot be posted against a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error(
        "only {open} of the {ordered} ordered are still open; to receive {qty}, give \
         over_receipt_reason (the supplier sent more than ordered)"
    )]
    OverReceipt { ordered: i32, open: i32, qty: i32 },
    #[error("{received} received already: {qty} more is more than one line can count")]
    TooMany { received: i32, qty: i32 },
}

/// A line's quantities: what was ordered and what has arrived so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineQty {
    pub ordered: i32,
    pub received: i32,
}

impl LineQty {
    /// What is still to come (never negative: an over-receipt leaves nothing open).
    pub fn open(self) -> i32 {
        (self.ordered - self.received).max(0)
    }

    pub fn is_complete(self) -> bool {
        self.received >= self.ordered
    }

    /// `qty` more received. More than is open only with a reason (`flagged`): the
    /// warehouse keeps what the supplier delivered, and the excess is on record.
    pub fn receive(self, qty: i32, flagged: bool) -> Result<LineQty, ReceiptError> {
        if qty > self.open() && !flagged {
            return Err(ReceiptError::OverReceipt {
                ordered: self.ordered,
                open: self.open(),
                qty,
            });
        }
        let received = self
            .received
            .checked_add(qty)
            .ok_or(ReceiptError::TooMany {
                received: self.received,
                qty,
            })?;
        Ok(LineQty { received, ..self })
    }
}

/// How a purchase-order line kept its expected date, seen on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Received in full on or before its date.
    OnTime,
    /// Received in full `days` after its date.
    Late { days: i64 },
    /// Not received in full, `days` past its date.
    Overdue { days: i64 },
    /// Not received in full, and its date has not passed.
    NotDue,
}

/// The delivery of a line expected on `expected` and received in full on
/// `completed_on` (none while it is not), seen on `today`.
pub fn delivery(
    expected: NaiveDate,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Delivery {
    match completed_on {
        Some(done) if done <= expected => Delivery::OnTime,
        Some(done) => Delivery::Late {
            days: (done - expected).num_days(),
        },
        None if today > expected => Delivery::Overdue {
            days: (today - expected).num_days(),
        },
        None => Delivery::NotDue,
    }
}

/// A supplier's deliveries: how many lines came on time, late, or are overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lateness {
    pub on_time: i64,
    pub late: i64,
    pub overdue: i64,
    /// Days late over the late and overdue lines.
    pub days_late: i64,
}

impl Lateness {
    pub fn add(&mut self, d: Delivery) {
        match d {
            Delivery::OnTime => self.on_time += 1,
            Delivery::Late { days } => {
                self.late += 1;
                self.days_late += days;
            }
            Delivery::Overdue { days } => {
                self.overdue += 1;
                self.days_late += days;
            }
            Delivery::NotDue => {}
        }
    }

    /// Lines whose date has come: the ones measured.
    pub fn due(&self) -> i64 {
        self.on_time + self.late + self.overdue
    }

    /// On time / due, to 4 places (half away from zero); none when nothing was due.
    pub fn on_time_rate(&self) -> Option<Decimal> {
        (self.due() > 0).then(|| {
            (Decimal::from(self.on_time) / Decimal::from(self.due()))
                .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        })
    }

    /// Mean days late of the late and overdue lines, to 1 place; none when none was.
    pub fn mean_days_late(&self) -> Option<Decimal> {
        let behind = self.late + self.overdue;
        (behind > 0).then(|| {
            (Decimal::from(self.days_late) / Decimal::from(behind))
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::PurchaseOrderAction::*;
    use super::PurchaseOrderStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn transitions() {
        assert_eq!(Draft.transition(Send), Ok(Sent));
        assert!(Sent.transition(Send).is_err());
        assert_eq!(
            Sent.transition(Receive { complete: false }),
            Ok(PartiallyReceived)
        );
        assert_eq!(
            PartiallyReceived.transition(Receive { complete: true }),
            Ok(Received)
        );
        assert!(
            Draft
                .transition(Receive { complete: true })
                .is_err_and(|m| m.contains("send it"))
        );
        assert_eq!(PartiallyReceived.transition(Cancel), Ok(Cancelled));
        assert_eq!(Draft.transition(Reschedule), Ok(Draft));
        for closed in [Received, Cancelled] {
            for action in [Send, Receive { complete: true }, Reschedule, Cancel] {
                assert!(closed.transition(action).is_err(), "{closed:?} {action:?}");
            }
        }
        assert!(
            Received
                .transition(Cancel)
                .is_err_and(|m| m == "a purchase order that is received cannot be cancelled")
        );
    }

    #[test]
    fn only_sent_orders_are_on_order() {
        let open: Vec<_> = PurchaseOrderStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, vec![Sent, PartiallyReceived]);
        for s in PurchaseOrderStatus::ALL {
            assert_eq!(PurchaseOrderStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn an_over_receipt_needs_a_reason() {
        let line = LineQty {
            ordered: 10,
            received: 7,
        };
        assert_eq!(
            line.receive(4, false),
            Err(ReceiptError::OverReceipt {
                ordered: 10,
                open: 3,
                qty: 4
            })
        );
        let over = line.receive(4, true).unwrap();
        assert_eq!(
            (over.received, over.open(), over.is_complete()),
            (11, 0, true)
        );
        assert!(!line.receive(2, false).unwrap().is_complete());
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    #[test]
    fn a_line_is_on_time_late_overdue_or_not_due() {
        assert_eq!(delivery(day(10), Some(day(10)), day(20)), Delivery::OnTime);
        assert_eq!(
            delivery(day(10), Some(day(13)), day(20)),
            Delivery::Late { days: 3 }
        );
        assert_eq!(
            delivery(day(10), None, day(14)),
            Delivery::Overdue { days: 4 }
        );
        assert_eq!(delivery(day(10), None, day(10)), Delivery::NotDue);
        let mut l = Lateness::default();
        for d in [
            Delivery::OnTime,
            Delivery::Late { days: 3 },
            Delivery::Overdue { days: 4 },
            Delivery::NotDue,
        ] {
            l.add(d);
        }
        assert_eq!(l.due(), 3);
        assert_eq!(
            l.on_time_rate().map(|r| r.to_string()),
            Some("0.3333".into())
        );
        assert_eq!(
            l.mean_days_late().map(|r| r.to_string()),
            Some("3.5".into())
        );
        assert_eq!(Lateness::default().on_time_rate(), None);
    }

    proptest! {
        /// The on-time rate lies in [0, 1] and counts every due line once.
        #[test]
        fn the_on_time_rate_is_a_share_of_the_due_lines(
            lines in proptest::collection::vec((1u32..28, proptest::option::of(1u32..28)), 0..20),
            today in 1u32..28,
        ) {
            let mut l = Lateness::default();
            for (expected, done) in &lines {
                l.add(delivery(day(*expected), done.map(day), day(today)));
            }
            let not_due = lines.iter().filter(|(e, d)| d.is_none() && today <= *e).count();
            prop_assert_eq!(l.due() as usize + not_due, lines.len());
            if let Some(r) = l.on_time_rate() {
                prop_assert!(r >= Decimal::ZERO && r <= Decimal::ONE);
            }
        }

        /// Without a reason, what is received never exceeds what was ordered.
        #[test]
        fn unflagged_receipts_never_exceed_the_order(ordered in 1i32..100, qtys in proptest::collection::vec(1i32..40, 0..10)) {
            let mut line = LineQty { ordered, received: 0 };
            for q in qtys {
                if let Ok(next) = line.receive(q, false) {
                    line = next;
                }
                prop_assert!(line.received <= line.ordered);
                prop_assert_eq!(line.open(), line.ordered - line.received);
            }
        }
    }
}
