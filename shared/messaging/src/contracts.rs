//! The event catalog (`docs/events.md`): event type names, who consumes them, and the
//! payload of every event, one module per producer. This is the only code services
//! share about each other. Codes and currencies are the shared vocabulary of
//! `aftersales-types` (`PartNumber`, `DealerCode`, `Currency`…): they travel as plain
//! strings and are parsed on the way in, so an event whose code breaks its owner's
//! rule is refused (dead-lettered) at the consumer's door instead of deep inside it.
//!
//! Amounts are `Decimal` and travel as decimal strings (`"1234.50"`); quantities are
//! whole units. A new field is additive (`#[serde(default)]` on the reader's side);
//! a changed meaning is a new `SCHEMA_VERSION`.

pub use aftersales_types::{Currency, DealerCode, PartNumber, SupplierCode, WarehouseCode};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::envelope::Event;
use crate::topology::{Subscription, Topology};

pub mod event_types {
    pub const PART_UPSERTED: &str = "catalog.part_upserted";
    pub const STOCK_RESERVED: &str = "catalog.stock_reserved";
    pub const STOCK_RELEASED: &str = "catalog.stock_released";
    pub const SHIPMENT_DISPATCHED: &str = "catalog.shipment_dispatched";
    pub const STOCK_LOW: &str = "catalog.stock_low";
    pub const DEALER_UPSERTED: &str = "orders.dealer_upserted";
    pub const ORDER_PLACED: &str = "orders.order_placed";
    pub const ORDER_CANCELLED: &str = "orders.order_cancelled";
    pub const CLAIM_SUBMITTED: &str = "inspection.claim_submitted";
    pub const PART_RECEIVED: &str = "inspection.part_received";
    pub const CLAIM_ADJUDICATED: &str = "inspection.claim_adjudicated";
    pub const PART_DISPOSED: &str = "inspection.part_disposed";
    pub const RECOVERY_CLAIM_SUBMITTED: &str = "recovery.recovery_claim_submitted";
    pub const RECOVERY_CLAIM_SETTLED: &str = "recovery.recovery_claim_settled";
    pub const RECOVERY_LINES_AT_RISK: &str = "recovery.recovery_lines_at_risk";
    pub const RECOVERY_LINES_REASSESSED: &str = "recovery.recovery_lines_reassessed";

    /// Every event type above, in catalog order: what the event catalog in
    /// `docs/events.md` must list (a test reads this module's source to keep it whole).
    pub const ALL: &[&str] = &[
        PART_UPSERTED,
        STOCK_RESERVED,
        STOCK_RELEASED,
        SHIPMENT_DISPATCHED,
        STOCK_LOW,
        DEALER_UPSERTED,
        ORDER_PLACED,
        ORDER_CANCELLED,
        CLAIM_SUBMITTED,
        PART_RECEIVED,
        CLAIM_ADJUDICATED,
        PART_DISPOSED,
        RECOVERY_CLAIM_SUBMITTED,
        RECOVERY_CLAIM_SETTLED,
        RECOVERY_LINES_AT_RISK,
        RECOVERY_LINES_REASSESSED,
    ];
}

/// The services of the system, in port order.
pub const SERVICES: [&str; 4] = ["catalog", "orders", "inspection", "recovery"];

/// The "producer" column of the event catalog: the only service whose envelopes of
/// each type are believed. The broker lets each service's user publish only these
/// routing keys, and a consumer dead-letters an envelope whose `producer` is not the
/// one named here for its type.
pub fn producers_v1() -> Vec<Subscription> {
    use event_types::*;
    vec![
        Subscription::new(
            "catalog",
            &[
                PART_UPSERTED,
                STOCK_RESERVED,
                STOCK_RELEASED,
                SHIPMENT_DISPATCHED,
                STOCK_LOW,
            ],
        ),
        Subscription::new("orders", &[DEALER_UPSERTED, ORDER_PLACED, ORDER_CANCELLED]),
        Subscription::new(
            "inspection",
            &[
                CLAIM_SUBMITTED,
                PART_RECEIVED,
                CLAIM_ADJUDICATED,
                PART_DISPOSED,
            ],
        ),
        Subscription::new(
            "recovery",
            &[
                RECOVERY_CLAIM_SUBMITTED,
                RECOVERY_CLAIM_SETTLED,
                RECOVERY_LINES_AT_RISK,
                RECOVERY_LINES_REASSESSED,
            ],
        ),
    ]
}

/// The "produced by" and "consumed by" columns of the event catalog, as broker
/// topology.
pub fn topology_v1() -> Topology {
    use event_types::*;
    let consumers = Topology::new(vec![
        Subscription::new(
            "catalog",
            &[ORDER_PLACED, ORDER_CANCELLED, PART_RECEIVED, PART_DISPOSED],
        ),
        Subscription::new(
            "orders",
            &[
                PART_UPSERTED,
                STOCK_RESERVED,
                STOCK_RELEASED,
                SHIPMENT_DISPATCHED,
            ],
        ),
        Subscription::new(
            "inspection",
            &[
                PART_UPSERTED,
                DEALER_UPSERTED,
                ORDER_PLACED,
                ORDER_CANCELLED,
                SHIPMENT_DISPATCHED,
            ],
        ),
        Subscription::new("recovery", &[PART_UPSERTED, CLAIM_ADJUDICATED]),
    ]);
    consumers.with_producers(producers_v1())
}

macro_rules! event {
    ($payload:ty, $name:expr) => {
        impl Event for $payload {
            const TYPE: &'static str = $name;
        }
    };
}

/// An order's allocation in catalog after a change (DESIGN.md, "Event catalog").
/// Orders applies it only when `allocation_version` is newer than the one it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub allocation_version: i64,
    pub lines: Vec<AllocationLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationLine {
    pub line_no: i32,
    pub part_number: PartNumber,
    /// The part actually reserved: the final successor when `part_number` is superseded.
    pub reserved_part_number: PartNumber,
    pub ordered: i32,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
    /// When the backordered units are expected: the day the last of them arrives from
    /// the open purchase orders and dated transfers in transit, which serve the waiting
    /// lines in allocation order
    /// (emergency first, then oldest), earliest date first. None when nothing is
    /// backordered or what is on order does not cover it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_date: Option<NaiveDate>,
}

impl AllocationLine {
    /// Invariant 2: every ordered unit is in exactly one state.
    pub fn is_balanced(&self) -> bool {
        self.reserved + self.backordered + self.shipped + self.released == self.ordered
    }
}

pub mod catalog {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct PartUpserted {
        pub part_number: PartNumber,
        pub description: String,
        pub category: String,
        pub list_price: Decimal,
        pub currency: Currency,
        pub supplier_code: SupplierCode,
        pub warranty_months: i32,
        pub core: bool,
        pub returnable: bool,
        pub superseded_by: Option<PartNumber>,
        pub active: bool,
    }
    event!(PartUpserted, event_types::PART_UPSERTED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct StockReserved {
        pub order_id: Uuid,
        pub warehouse: WarehouseCode,
        pub allocation: Allocation,
    }
    event!(StockReserved, event_types::STOCK_RESERVED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct StockReleased {
        pub order_id: Uuid,
        pub allocation: Allocation,
    }
    event!(StockReleased, event_types::STOCK_RELEASED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ShippedLine {
        pub line_no: i32,
        pub part_number: PartNumber,
        pub qty: i32,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ShipmentDispatched {
        pub shipment_id: Uuid,
        pub order_id: Uuid,
        pub lines: Vec<ShippedLine>,
        pub carrier: String,
        pub tracking_ref: String,
        pub allocation: Allocation,
    }
    event!(ShipmentDispatched, event_types::SHIPMENT_DISPATCHED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct StockLow {
        pub warehouse: WarehouseCode,
        pub part_number: PartNumber,
        pub available: i32,
        pub reorder_point: i32,
        pub reorder_qty: i32,
    }
    event!(StockLow, event_types::STOCK_LOW);
}

pub mod orders {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct DealerUpserted {
        pub dealer_code: DealerCode,
        pub name: String,
        pub tier: String,
        pub labor_rate: Decimal,
        pub currency: Currency,
        pub home_warehouse: WarehouseCode,
        pub active: bool,
    }
    event!(DealerUpserted, event_types::DEALER_UPSERTED);

    /// The order's priority: shared vocabulary (`aftersales_types`).
    pub use aftersales_types::Priority;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct OrderLine {
        pub line_no: i32,
        pub part_number: PartNumber,
        pub qty: i32,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct OrderPlaced {
        pub order_id: Uuid,
        pub order_number: String,
        pub dealer_code: DealerCode,
        pub warehouse: WarehouseCode,
        pub priority: Priority,
        /// When the dealer submitted it: backorders are served oldest first.
        pub placed_at: DateTime<Utc>,
        pub lines: Vec<OrderLine>,
    }
    event!(OrderPlaced, event_types::ORDER_PLACED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct OrderCancelled {
        pub order_id: Uuid,
    }
    event!(OrderCancelled, event_types::ORDER_CANCELLED);
}

pub mod inspection {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ClaimAmounts {
        pub parts: Decimal,
        pub labor: Decimal,
        pub total: Decimal,
        pub currency: Currency,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ClaimSubmitted {
        pub claim_id: Uuid,
        pub claim_number: String,
        pub dealer_code: DealerCode,
        pub causal_part_number: PartNumber,
        pub amounts: ClaimAmounts,
    }
    event!(ClaimSubmitted, event_types::CLAIM_SUBMITTED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct PartReceived {
        pub claim_id: Uuid,
        pub part_number: PartNumber,
        pub quantity: i32,
        pub warehouse: WarehouseCode,
    }
    event!(PartReceived, event_types::PART_RECEIVED);

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Decision {
        Approved,
        PartiallyApproved,
        Rejected,
    }

    pub use aftersales_types::{CauseCode, DispositionKind as Disposition};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ClaimAdjudicated {
        pub claim_id: Uuid,
        pub claim_number: String,
        pub dealer_code: DealerCode,
        pub decision: Decision,
        pub approved_parts_amount: Decimal,
        pub approved_labor_amount: Decimal,
        pub currency: Currency,
        pub causal_part_number: PartNumber,
        pub supplier_code: SupplierCode,
        /// The inspection's finding; `None` when the claim was decided without one
        /// (its part never came back, `reason_codes` says so).
        #[serde(default)]
        pub cause_code: Option<CauseCode>,
        /// Why a claim was rejected, in the claim reason vocabulary.
        #[serde(default)]
        pub reason_codes: Vec<String>,
        pub supplier_responsible: bool,
        pub decided_at: DateTime<Utc>,
    }
    event!(ClaimAdjudicated, event_types::CLAIM_ADJUDICATED);

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct PartDisposed {
        pub claim_id: Uuid,
        pub part_number: PartNumber,
        pub quantity: i32,
        pub warehouse: WarehouseCode,
        pub disposition: Disposition,
    }
    event!(PartDisposed, event_types::PART_DISPOSED);
}

pub mod recovery {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct RecoveryClaimSubmitted {
        pub recovery_claim_id: Uuid,
        pub supplier_code: SupplierCode,
        pub amount: Decimal,
        pub currency: Currency,
    }
    event!(
        RecoveryClaimSubmitted,
        event_types::RECOVERY_CLAIM_SUBMITTED
    );

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct RecoveryClaimSettled {
        pub recovery_claim_id: Uuid,
        pub credited: Decimal,
        pub written_off: Decimal,
    }
    event!(RecoveryClaimSettled, event_types::RECOVERY_CLAIM_SETTLED);

    /// Lines of one recovery claim not yet submitted whose filing deadline is near,
    /// announced once each by the filing-deadline sweep.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct RecoveryLinesAtRisk {
        pub recovery_claim_id: Uuid,
        pub recovery_claim_number: String,
        pub supplier_code: SupplierCode,
        pub currency: Currency,
        /// The sweep drafted the claim (otherwise it is a draft of finance's).
        pub drafted_by_sweep: bool,
        pub lines: Vec<LineAtRisk>,
    }
    event!(RecoveryLinesAtRisk, event_types::RECOVERY_LINES_AT_RISK);

    /// Lines kept `not_recoverable` for want of an agreement that a new or amended
    /// agreement of their supplier now covers, as they were assessed again.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct RecoveryLinesReassessed {
        pub agreement_id: Uuid,
        pub supplier_code: SupplierCode,
        pub lines: Vec<ReassessedLine>,
    }
    event!(
        RecoveryLinesReassessed,
        event_types::RECOVERY_LINES_REASSESSED
    );

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ReassessedLine {
        pub line_id: Uuid,
        /// The warranty claim the line charges back.
        pub claim_number: String,
        /// `open`, or `not_recoverable` with `reason`.
        pub status: String,
        pub amount: Option<Decimal>,
        pub reason: Option<String>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct LineAtRisk {
        pub line_id: Uuid,
        /// The warranty claim the line charges back.
        pub claim_number: String,
        pub amount: Decimal,
        /// The last day the supplier accepts the line.
        pub filing_deadline: NaiveDate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;

    #[test]
    fn amounts_travel_as_decimal_strings_and_round_trip() {
        let part = catalog::PartUpserted {
            part_number: "P-100".parse().unwrap(),
            description: "Brake pad".into(),
            category: "brakes".into(),
            list_price: Decimal::new(123450, 2),
            currency: "EUR".parse().unwrap(),
            supplier_code: "SUP1".parse().unwrap(),
            warranty_months: 24,
            core: false,
            returnable: true,
            superseded_by: None,
            active: true,
        };
        let envelope = Envelope::new("catalog", &part, Uuid::new_v4()).unwrap();
        assert_eq!(envelope.event_type, "catalog.part_upserted");
        assert_eq!(envelope.payload["list_price"], "1234.50");
        assert_eq!(envelope.payload::<catalog::PartUpserted>().unwrap(), part);
    }

    /// The wire form of a payload, byte for byte: codes are plain strings, quantities
    /// plain integers, amounts decimal strings, in field order. Typing the fields (e.g.
    /// with `aftersales-types`) must leave this text as it is.
    #[test]
    fn payloads_serialise_byte_for_byte() {
        let placed = orders::OrderPlaced {
            order_id: Uuid::nil(),
            order_number: "SO-2026-000001".into(),
            dealer_code: "D001".parse().unwrap(),
            warehouse: "WH1".parse().unwrap(),
            priority: orders::Priority::Emergency,
            placed_at: "2026-12-01T08:00:00Z".parse().unwrap(),
            lines: vec![orders::OrderLine {
                line_no: 1,
                part_number: "BP-1001".parse().unwrap(),
                qty: 3,
            }],
        };
        let json = r#"{"order_id":"00000000-0000-0000-0000-000000000000","order_number":"SO-2026-000001","dealer_code":"D001","warehouse":"WH1","priority":"emergency","placed_at":"2026-12-01T08:00:00Z","lines":[{"line_no":1,"part_number":"BP-1001","qty":3}]}"#;
        assert_eq!(serde_json::to_string(&placed).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<orders::OrderPlaced>(json).unwrap(),
            placed
        );

        let claim = recovery::RecoveryClaimSubmitted {
            recovery_claim_id: Uuid::nil(),
            supplier_code: "SUP1".parse().unwrap(),
            amount: Decimal::new(13968, 2),
            currency: "EUR".parse().unwrap(),
        };
        let json = r#"{"recovery_claim_id":"00000000-0000-0000-0000-000000000000","supplier_code":"SUP1","amount":"139.68","currency":"EUR"}"#;
        assert_eq!(serde_json::to_string(&claim).unwrap(), json);
    }

    #[test]
    fn enums_use_the_design_spelling() {
        let json = serde_json::to_value(inspection::Decision::PartiallyApproved).unwrap();
        assert_eq!(json, "partially_approved");
        let json = serde_json::to_value(inspection::Disposition::ReturnToSupplier).unwrap();
        assert_eq!(json, "return_to_supplier");
        let json = serde_json::to_value(orders::Priority::Emergency).unwrap();
        assert_eq!(json, "emergency");
    }

    #[test]
    fn an_allocation_line_balances_when_every_unit_has_one_state() {
        let mut line = AllocationLine {
            line_no: 1,
            part_number: "A".parse().unwrap(),
            reserved_part_number: "C".parse().unwrap(),
            ordered: 10,
            reserved: 4,
            backordered: 3,
            shipped: 2,
            released: 1,
            expected_date: None,
        };
        assert!(line.is_balanced());
        line.shipped += 1;
        assert!(!line.is_balanced());
    }

    /// The string constants declared in `event_types`, read from this file's source:
    /// a constant added there but not to `ALL` fails the test below.
    fn declared_event_types() -> Vec<String> {
        let source = include_str!("contracts.rs");
        let body = source
            .split_once("pub mod event_types {")
            .and_then(|(_, rest)| rest.split_once("\n}"))
            .map(|(body, _)| body)
            .expect("contracts.rs has a `pub mod event_types { … }`");
        body.lines()
            .filter_map(|line| line.trim().strip_prefix("pub const "))
            .filter(|decl| decl.contains(": &str = "))
            .filter_map(|decl| decl.split('"').nth(1))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn all_lists_every_event_type_once() {
        let declared = declared_event_types();
        assert!(declared.len() >= 14, "read too few constants: {declared:?}");
        let mut all: Vec<String> = event_types::ALL.iter().map(|t| (*t).to_owned()).collect();
        let listed = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), listed, "event_types::ALL lists a type twice");
        let missing: Vec<&String> = declared.iter().filter(|t| !all.contains(t)).collect();
        let extra: Vec<&String> = all.iter().filter(|t| !declared.contains(t)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "event_types::ALL must list exactly the constants of event_types: \
             missing {missing:?}, not declared {extra:?}"
        );
        let topology = topology_v1();
        for sub in &topology.subscriptions {
            for event in &sub.event_types {
                assert!(
                    event_types::ALL.contains(&event.as_str()),
                    "{} consumes {event}, which is not in event_types::ALL",
                    sub.service
                );
            }
        }
    }

    #[test]
    fn every_event_type_has_exactly_one_producer_named_by_its_prefix() {
        let topology = topology_v1();
        for event in event_types::ALL {
            let owners: Vec<&str> = topology
                .producers
                .iter()
                .filter(|p| p.event_types.iter().any(|t| t == event))
                .map(|p| p.service.as_str())
                .collect();
            let prefix = event.split('.').next().unwrap_or_default();
            assert_eq!(owners, [prefix], "{event}");
            assert_eq!(topology.producer_of(event), Some(prefix));
        }
        let listed: usize = topology.producers.iter().map(|p| p.event_types.len()).sum();
        assert_eq!(
            listed,
            event_types::ALL.len(),
            "a producer lists a type twice"
        );
    }

    #[test]
    fn every_service_has_an_inbox_and_every_consumed_event_is_produced_by_another() {
        let topology = topology_v1();
        for service in SERVICES {
            let sub = topology.subscription(service).expect("subscription");
            for event in &sub.event_types {
                let producer = event.split('.').next().unwrap_or_default();
                assert!(SERVICES.contains(&producer), "{event}");
                assert_ne!(producer, service, "{service} consumes its own {event}");
            }
        }
    }
}
