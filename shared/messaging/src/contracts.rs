//! The event catalog of DESIGN.md: event type names and who consumes them. Payload
//! types shared between services live here too, one module per producer, as the
//! services that publish them are built.

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
}

/// The services of the system, in port order.
pub const SERVICES: [&str; 4] = ["catalog", "orders", "inspection", "recovery"];

/// The "consumed by" column of the event catalog, as broker topology.
pub fn topology_v1() -> Topology {
    use event_types::*;
    Topology::new(vec![
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
        Subscription::new("inspection", &[PART_UPSERTED, DEALER_UPSERTED]),
        Subscription::new("recovery", &[PART_UPSERTED, CLAIM_ADJUDICATED]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

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
