//! What the service consumes, decoded and handed to its use cases in `app/`
//! (`app::price_book`, `app::allocations`), and what it publishes.
//!
//! Consumed (all inside the inbox transaction, so each applies exactly once):
//! - `catalog.part_upserted` → the price book row of the part;
//! - `catalog.stock_reserved` / `catalog.stock_released` / `catalog.shipment_dispatched`
//!   → the order's allocation, applied only when its `allocation_version` is newer
//!   than the one the order holds (late or repeated events change nothing), with each
//!   backordered line's expected date; a status change appends a timeline entry
//!   naming the event.
//!
//! Each is handed over as its [`Cause`], which also holds the origin (catalog, the
//! event's id and correlation) that the change's audit record is written under.
//!
//! An allocation for an order this service does not know is answered with
//! `HandlerError::Retry`, never dropped: the order row commits before
//! `orders.order_placed` can leave the outbox, so catalog cannot know an order that
//! is not here yet; an unknown id is a foreign or lost order, and after the delivery
//! limit it rests in `orders.dead`, from where it can be replayed.
//!
//! Published (through the outbox, in the transaction of the change):
//! `orders.dealer_upserted`, `orders.order_placed`, `orders.order_cancelled`.

use aftersales_messaging::contracts::{Allocation, catalog, event_types};
use aftersales_messaging::{Envelope, Handled, Handler, HandlerError, payload};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::app;
use crate::app::Cause;
use crate::app::allocations::{AllocationUpdate, Shipment};
use crate::app::price_book::PublishedPart;
use crate::domain::allocation::AllocatedLine;
use crate::domain::status::LineQty;

/// Applies the catalog events this service consumes: decodes each and hands it to
/// its use case in `app/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl Handler for EventHandler {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Envelope) -> Handled {
        let cause = Cause::of(event);
        match event.event_type.as_str() {
            event_types::PART_UPSERTED => {
                let part = published_part(payload(event)?, event)?;
                app::price_book::apply_part(conn, part, &cause).await
            }
            event_types::STOCK_RESERVED => {
                let p: catalog::StockReserved = payload(event)?;
                app::allocations::apply(conn, &cause, &update(p.order_id, &p.allocation)).await
            }
            event_types::STOCK_RELEASED => {
                let p: catalog::StockReleased = payload(event)?;
                app::allocations::apply(conn, &cause, &update(p.order_id, &p.allocation)).await
            }
            event_types::SHIPMENT_DISPATCHED => {
                let shipment = shipment(payload(event)?)?;
                app::allocations::ship(conn, &cause, &shipment).await
            }
            other => Err(HandlerError::not_consumed("orders", other)),
        }
    }
}

fn published_part(
    part: catalog::PartUpserted,
    event: &Envelope,
) -> Result<PublishedPart, HandlerError> {
    Ok(PublishedPart {
        part_number: part.part_number,
        currency: part.currency,
        description: part.description,
        list_price: part.list_price,
        active: part.active,
        superseded_by: part.superseded_by,
        changed_at: event.occurred_at,
    })
}

fn update(order_id: Uuid, allocation: &Allocation) -> AllocationUpdate {
    AllocationUpdate {
        order_id,
        version: allocation.allocation_version,
        lines: allocation
            .lines
            .iter()
            .map(|l| AllocatedLine {
                line_no: l.line_no,
                reserved_part_number: l.reserved_part_number.clone(),
                qty: LineQty {
                    ordered: l.ordered,
                    reserved: l.reserved,
                    backordered: l.backordered,
                    shipped: l.shipped,
                    released: l.released,
                },
                expected_date: l.expected_date,
            })
            .collect(),
    }
}

fn shipment(p: catalog::ShipmentDispatched) -> Result<Shipment, HandlerError> {
    if p.lines.iter().any(|l| l.qty < 0) {
        return Err(HandlerError::Reject("negative shipped quantity".into()));
    }
    let qty = p.lines.iter().map(|l| i64::from(l.qty)).sum::<i64>();
    let qty = i32::try_from(qty)
        .map_err(|_| HandlerError::Reject("shipped quantity too large".into()))?;
    Ok(Shipment {
        shipment_id: p.shipment_id,
        qty,
        lines: p
            .lines
            .iter()
            .map(|l| (l.line_no, l.part_number.to_string(), l.qty))
            .collect(),
        allocation: update(p.order_id, &p.allocation),
        carrier: p.carrier,
        tracking_ref: p.tracking_ref,
    })
}
