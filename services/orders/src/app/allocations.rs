//! Catalog's allocation of an order applied to it: the reserved, backordered,
//! shipped and released units of each line, when its backordered units are expected,
//! the status they imply, and shipments.
//!
//! An allocation applies only when its `allocation_version` is newer than the one the
//! order holds (late or repeated events change nothing); the oldest one ever seen is
//! catalog's answer to the placement and feeds the fill rate. An allocation for an
//! unknown order is retried, never dropped (see `events`).
//!
//! An allocation applied is audited as `order.allocated` (`order.shipped` with a
//! shipment): the status, the version and each changed line's units before and after,
//! one record per event, written by catalog's event. A late or repeated allocation
//! writes none: what it may still set (the fill rate's answer to the placement) is
//! bookkeeping, not a change anyone made to the order. Subscribers are told the same
//! way, only of a change: backordered units filled, a shipment new to the order.

use aftersales_messaging::HandlerError;
use aftersales_web::notify;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::{Cause, Entry};
use crate::db;
use crate::db::orders::{Line, NewShipment, NewTimelineEntry, Order, ShipmentLine};
use crate::domain::OrderStatus;
use crate::domain::allocation::{self, AllocatedLine};
use crate::domain::status::{LineQty, derive_status};

/// Catalog's allocation of one order at one version.
#[derive(Debug, Clone)]
pub struct AllocationUpdate {
    pub order_id: Uuid,
    pub version: i64,
    pub lines: Vec<AllocatedLine>,
}

/// A dispatched shipment and the allocation after it.
#[derive(Debug, Clone)]
pub struct Shipment {
    pub shipment_id: Uuid,
    /// Units in the shipment, all lines together.
    pub qty: i32,
    /// Per order line: `(line_no, part_number, qty)`.
    pub lines: Vec<(i32, String, i32)>,
    pub carrier: String,
    pub tracking_ref: String,
    pub allocation: AllocationUpdate,
}

/// Applies `update` to its order: `Retry` while the order is unknown, `Reject` when
/// the allocation does not fit the order's lines.
pub async fn apply(
    c: &mut AsyncPgConnection,
    cause: &Cause<'_>,
    update: &AllocationUpdate,
) -> Result<(), HandlerError> {
    let (_, entry) = allocate(c, cause, update, "order.allocated").await?;
    if let Some(entry) = entry {
        cause.origin.record(c, &[entry]).await?;
    }
    Ok(())
}

/// Applies `update` as [`apply`] says; answers the order as it was locked and, when
/// the allocation was newer than the order's, its audit entry as `action` (unwritten:
/// the caller may add to it).
async fn allocate(
    c: &mut AsyncPgConnection,
    cause: &Cause<'_>,
    update: &AllocationUpdate,
    action: &'static str,
) -> Result<(Order, Option<Entry>), HandlerError> {
    let order_id = update.order_id;
    let Some(order) = db::orders::lock(c, order_id).await? else {
        return Err(HandlerError::Retry(format!(
            "order {order_id} is not known (yet)"
        )));
    };
    let lines = db::orders::lines(c, order_id).await?;
    let order_lines: Vec<(i32, i32)> = lines.iter().map(|l| (l.line_no, l.qty)).collect();
    let version = update.version;
    let checked = allocation::check(version, &order_lines, &update.lines)
        .map_err(|e| HandlerError::Reject(format!("order {order_id}: {e}")))?;

    // The oldest allocation is catalog's answer to the placement: it feeds the fill
    // rate even when it arrives after newer ones.
    let first_answer = order.initial_allocation_version.is_none_or(|v| version < v);
    let at_placement = |line: &AllocatedLine| line.qty.reserved + line.qty.shipped;

    if version <= order.allocation_version {
        if first_answer {
            db::orders::set_initial_allocation_version(c, order_id, version).await?;
            for line in &checked {
                db::orders::set_initial_reserved(c, order_id, line.line_no, at_placement(line))
                    .await?;
            }
        }
        tracing::info!(%order_id, version, held = order.allocation_version, "stale allocation ignored");
        return Ok((order, None));
    }
    for line in &checked {
        // The row is locked with its order: what it holds cannot change under us.
        let held = lines.iter().find(|l| l.line_no == line.line_no);
        let initial = match first_answer {
            true => Some(at_placement(line)),
            false => held.and_then(|l| l.initial_reserved),
        };
        db::orders::set_line_allocation(c, order_id, line, initial).await?;
    }
    let quantities: Vec<LineQty> = checked.iter().map(|l| l.qty).collect();
    let status = derive_status(&quantities, true, order.cancel_requested_at.is_some());
    let initial_version = match first_answer {
        true => Some(version),
        false => order.initial_allocation_version,
    };
    db::orders::set_allocated(c, order_id, version, initial_version, status).await?;
    if order.status != status {
        db::orders::append_timeline(
            c,
            &NewTimelineEntry {
                order_id,
                from_status: Some(order.status),
                to_status: status,
                event_id: cause.event.event_id,
                event_type: cause.event.event_type.clone(),
                allocation_version: Some(version),
            },
        )
        .await?;
    }
    if let Some(notice) = super::notices::backorder_filled(&order, &lines, &checked) {
        notify::emit(c, cause.origin.correlation_id, &[notice]).await?;
    }
    let entry = allocated_entry(action, &order, &lines, &checked, status, version);
    Ok((order, Some(entry)))
}

/// A line's allocation as an audit record shows it: the part reserved only when it is
/// not the part ordered (a successor), the expected date only while one is known.
#[derive(Debug, Serialize)]
struct LineUnits<'a> {
    reserved: i32,
    backordered: i32,
    shipped: i32,
    released: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reserved_part_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_date: Option<NaiveDate>,
}

impl LineUnits<'_> {
    fn held(line: &Line) -> LineUnits<'_> {
        LineUnits {
            reserved: line.reserved,
            backordered: line.backordered,
            shipped: line.shipped,
            released: line.released,
            reserved_part_number: line
                .reserved_part_number
                .as_ref()
                .filter(|p| **p != line.part_number)
                .map(|p| p.as_str()),
            expected_date: line.expected_date,
        }
    }

    fn allocated<'a>(line: &'a AllocatedLine, ordered: Option<&Line>) -> LineUnits<'a> {
        let q = line.qty;
        LineUnits {
            reserved: q.reserved,
            backordered: q.backordered,
            shipped: q.shipped,
            released: q.released,
            reserved_part_number: Some(line.reserved_part_number.as_str())
                .filter(|p| ordered.is_none_or(|o| o.part_number.as_str() != *p)),
            expected_date: line.expected_date,
        }
    }
}

/// `action` on `order`: its status and version, and each line whose units changed
/// (`line_<no>`), before and after. Unchanged fields and lines are left out.
fn allocated_entry(
    action: &'static str,
    order: &Order,
    lines: &[Line],
    checked: &[AllocatedLine],
    status: OrderStatus,
    version: i64,
) -> Entry {
    let entry = Entry::new(action, "order", order.id)
        .of_dealer(order.dealer_code.as_str())
        .change("status", order.status, status)
        .change("allocation_version", order.allocation_version, version);
    checked.iter().fold(entry, |entry, line| {
        let held = lines.iter().find(|l| l.line_no == line.line_no);
        entry.change(
            &format!("line_{}", line.line_no),
            held.map(LineUnits::held),
            LineUnits::allocated(line, held),
        )
    })
}

/// What an `order.shipped` record says of the shipment.
#[derive(Debug, Serialize)]
struct ShipmentRecord<'a> {
    shipment_id: Uuid,
    qty: i32,
    carrier: &'a str,
    tracking_ref: &'a str,
}

/// Applies the allocation after `shipment`, then records the shipment once (a
/// redelivered or replayed event finds it there). One audit record for both, if
/// either changed anything.
pub async fn ship(
    c: &mut AsyncPgConnection,
    cause: &Cause<'_>,
    shipment: &Shipment,
) -> Result<(), HandlerError> {
    // Applying the allocation first also locks the order and answers Retry when it
    // is unknown, before the shipment row would hit its foreign key.
    let (order, entry) = allocate(c, cause, &shipment.allocation, "order.shipped").await?;
    let recorded = db::orders::record_shipment(
        c,
        &NewShipment {
            shipment_id: shipment.shipment_id,
            order_id: shipment.allocation.order_id,
            dispatched_at: cause.event.occurred_at,
            qty: shipment.qty,
            carrier: &shipment.carrier,
            tracking_ref: &shipment.tracking_ref,
            event_id: Some(cause.event.event_id),
        },
        &shipment
            .lines
            .iter()
            .map(|(line_no, part_number, qty)| ShipmentLine {
                shipment_id: shipment.shipment_id,
                line_no: *line_no,
                part_number: part_number.clone(),
                qty: *qty,
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    // A shipment new to the order under an allocation already overtaken (a newer one
    // arrived first) is still a change: recorded with the shipment alone.
    let entry = match entry {
        Some(entry) => entry,
        None if recorded => {
            Entry::new("order.shipped", "order", order.id).of_dealer(order.dealer_code.as_str())
        }
        None => return Ok(()),
    };
    let new_shipment = recorded.then(|| ShipmentRecord {
        shipment_id: shipment.shipment_id,
        qty: shipment.qty,
        carrier: &shipment.carrier,
        tracking_ref: &shipment.tracking_ref,
    });
    let entry = entry.change("shipment", None::<ShipmentRecord<'_>>, new_shipment);
    cause.origin.record(c, &[entry]).await?;
    if recorded {
        let notice = super::notices::shipped(&order, shipment);
        notify::emit(c, cause.origin.correlation_id, &[notice]).await?;
    }
    Ok(())
}
