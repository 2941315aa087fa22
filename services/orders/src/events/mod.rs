//! What the service publishes and how it applies what it consumes.
//!
//! Consumed (all inside the inbox transaction, so each applies exactly once):
//! - `catalog.part_upserted` → the price book row of the part;
//! - `catalog.stock_reserved` / `catalog.stock_released` / `catalog.shipment_dispatched`
//!   → the order's allocation, applied only when its `allocation_version` is newer
//!   than the one the order holds (late or repeated events change nothing); a status
//!   change appends a timeline entry naming the event.
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
use aftersales_messaging::{Envelope, Handler, HandlerError, payload};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::domain::allocation::{self, AllocatedLine};
use crate::domain::status::{LineQty, OrderStatus, derive_status};
use crate::domain::{Currency, PartNumber};

/// Applies the catalog events this service consumes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl Handler for EventHandler {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        match event.event_type.as_str() {
            event_types::PART_UPSERTED => {
                let part: catalog::PartUpserted = payload(event)?;
                apply_part(conn, event, part).await
            }
            event_types::STOCK_RESERVED => {
                let p: catalog::StockReserved = payload(event)?;
                apply_allocation(conn, event, p.order_id, &p.allocation).await
            }
            event_types::STOCK_RELEASED => {
                let p: catalog::StockReleased = payload(event)?;
                apply_allocation(conn, event, p.order_id, &p.allocation).await
            }
            event_types::SHIPMENT_DISPATCHED => {
                let p: catalog::ShipmentDispatched = payload(event)?;
                apply_shipment(conn, event, &p).await
            }
            other => Err(HandlerError::Reject(format!(
                "orders does not consume {other}"
            ))),
        }
    }
}

async fn apply_part(
    conn: &mut AsyncPgConnection,
    event: &Envelope,
    part: catalog::PartUpserted,
) -> Result<(), HandlerError> {
    let reject = |e: crate::domain::InvalidValue| HandlerError::Reject(e.into_message());
    PartNumber::parse(&part.part_number).map_err(reject)?;
    Currency::parse(&part.currency).map_err(reject)?;
    if part.list_price < rust_decimal::Decimal::ZERO {
        return Err(HandlerError::Reject("negative list price".into()));
    }
    // NUMERIC(14,4): a finer price is rounded the way every price is.
    let list_price = crate::domain::pricing::round_price(part.list_price);
    db::price_book::upsert(
        conn,
        &db::price_book::Part {
            part_number: part.part_number,
            description: part.description,
            list_price,
            currency: part.currency,
            active: part.active,
            superseded_by: part.superseded_by,
            updated_at: event.occurred_at,
        },
    )
    .await?;
    Ok(())
}

async fn apply_shipment(
    conn: &mut AsyncPgConnection,
    event: &Envelope,
    shipment: &catalog::ShipmentDispatched,
) -> Result<(), HandlerError> {
    if shipment.lines.iter().any(|l| l.qty < 0) {
        return Err(HandlerError::Reject("negative shipped quantity".into()));
    }
    let qty = shipment.lines.iter().map(|l| i64::from(l.qty)).sum::<i64>();
    let qty = i32::try_from(qty)
        .map_err(|_| HandlerError::Reject("shipped quantity too large".into()))?;
    // Applying the allocation first also locks the order and answers Retry when it
    // is unknown, before the shipment row would hit its foreign key.
    apply_allocation(conn, event, shipment.order_id, &shipment.allocation).await?;
    db::orders::record_shipment(
        conn,
        &db::orders::NewShipment {
            shipment_id: shipment.shipment_id,
            order_id: shipment.order_id,
            dispatched_at: event.occurred_at,
            qty,
            carrier: &shipment.carrier,
            tracking_ref: &shipment.tracking_ref,
        },
    )
    .await?;
    Ok(())
}

async fn apply_allocation(
    conn: &mut AsyncPgConnection,
    event: &Envelope,
    order_id: Uuid,
    allocation: &Allocation,
) -> Result<(), HandlerError> {
    let Some(order) = db::orders::lock(conn, order_id).await? else {
        return Err(HandlerError::Retry(format!(
            "order {order_id} is not known (yet)"
        )));
    };
    let lines = db::orders::lines(conn, order_id).await?;
    let order_lines: Vec<(i32, i32)> = lines.iter().map(|l| (l.line_no, l.qty)).collect();
    let allocated: Vec<AllocatedLine> = allocation
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
        })
        .collect();
    let version = allocation.allocation_version;
    let checked = allocation::check(version, &order_lines, &allocated)
        .map_err(|e| HandlerError::Reject(format!("order {order_id}: {e}")))?;

    // The oldest allocation is catalog's answer to the placement: it feeds the fill
    // rate even when it arrives after newer ones.
    if order.initial_allocation_version.is_none_or(|v| version < v) {
        db::orders::set_initial_allocation_version(conn, order_id, version).await?;
        for line in &checked {
            let at_placement = line.qty.reserved + line.qty.shipped;
            db::orders::set_initial_reserved(conn, order_id, line.line_no, at_placement).await?;
        }
    }

    if version <= order.allocation_version {
        tracing::info!(%order_id, version, held = order.allocation_version, "stale allocation ignored");
        return Ok(());
    }
    for line in &checked {
        db::orders::set_line_allocation(
            conn,
            order_id,
            line.line_no,
            &line.reserved_part_number,
            line.qty,
        )
        .await?;
    }
    db::orders::set_allocation_version(conn, order_id, version).await?;

    let quantities: Vec<LineQty> = checked.iter().map(|l| l.qty).collect();
    let status = derive_status(&quantities, true, order.cancel_requested_at.is_some());
    let held = OrderStatus::parse(&order.status);
    if held != Some(status) {
        db::orders::set_status(conn, order_id, status.as_str()).await?;
        db::orders::append_timeline(
            conn,
            &db::orders::NewTimelineEntry {
                order_id,
                from_status: Some(&order.status),
                to_status: status.as_str(),
                event_id: event.event_id,
                event_type: &event.event_type,
                allocation_version: Some(version),
            },
        )
        .await?;
    }
    Ok(())
}
