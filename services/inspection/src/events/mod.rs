//! What the service consumes, decoded and handed to its use case
//! (`app::read_models`), inside the inbox transaction so each applies exactly once:
//! - `catalog.part_upserted` → the `parts` read model (price, currency, supplier,
//!   category, core, returnable, warranty months, active);
//! - `orders.dealer_upserted` → the `dealers` read model (labor rate, currency, active);
//! - `orders.order_placed`, `catalog.shipment_dispatched` and `orders.order_cancelled`
//!   → the placements, shipments (line by line) and cancellations the dealer
//!   scorecard's 24 h fill rate is measured on.
//!
//! Each change an event makes is recorded on the audit trail with the event as its
//! origin (the producing service and the event id); an event that changes nothing (an
//! older upsert, a placement kept already) records nothing, and a duplicate delivery
//! never reaches the handler.
//!
//! Published (through the outbox, by the use case that makes the change, see `app`):
//! `inspection.claim_submitted`, `inspection.part_received`,
//! `inspection.claim_adjudicated`, `inspection.part_disposed`.

use aftersales_messaging::contracts::{catalog, event_types, orders};
use aftersales_messaging::{Envelope, Handled, Handler, HandlerError, payload};
use aftersales_web::audit::Origin;
use diesel_async::AsyncPgConnection;

use crate::app::read_models;

/// Applies the events this service consumes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl Handler for EventHandler {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Envelope) -> Handled {
        let origin = Origin::event(event);
        let at = event.occurred_at;
        match event.event_type.as_str() {
            event_types::PART_UPSERTED => {
                let part: catalog::PartUpserted = payload(event)?;
                read_models::record_part(conn, &origin, part, at).await
            }
            event_types::DEALER_UPSERTED => {
                let dealer: orders::DealerUpserted = payload(event)?;
                read_models::record_dealer(conn, &origin, dealer, at).await
            }
            event_types::ORDER_PLACED => {
                let order: orders::OrderPlaced = payload(event)?;
                read_models::record_order(conn, &origin, order).await
            }
            event_types::ORDER_CANCELLED => {
                let cancelled: orders::OrderCancelled = payload(event)?;
                read_models::record_cancellation(conn, &origin, cancelled, at).await
            }
            event_types::SHIPMENT_DISPATCHED => {
                let shipment: catalog::ShipmentDispatched = payload(event)?;
                read_models::record_shipment(conn, &origin, shipment, at).await
            }
            other => Err(HandlerError::not_consumed("inspection", other)),
        }
    }
}
