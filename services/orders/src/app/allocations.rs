//! Catalog's allocation of an order applied to it: the reserved, backordered,
//! shipped and released units of each line, when its backordered units are expected,
//! the status they imply, and shipments.
//!
//! An allocation applies only when its `allocation_version` is newer than the one the
//! order holds (late or repeated events change nothing); the oldest one ever seen is
//! catalog's answer to the placement and feeds the fill rate. An allocation for an
//! unknown order is retried, never dropped (see `events`).

use aftersales_messaging::HandlerError;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::orders::{NewShipment, NewTimelineEntry, ShipmentLine};
use crate::domain::allocation::{self, AllocatedLine};
use crate::domain::status::{LineQty, derive_status};

/// The event that carries a change: named by the timeline entry it causes.
#[derive(Debug, Clone, Copy)]
pub struct Cause<'a> {
    pub event_id: Uuid,
    pub event_type: &'a str,
    pub occurred_at: DateTime<Utc>,
}

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
    cause: Cause<'_>,
    update: &AllocationUpdate,
) -> Result<(), HandlerError> {
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
        return Ok(());
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
                event_id: cause.event_id,
                event_type: cause.event_type.to_owned(),
                allocation_version: Some(version),
            },
        )
        .await?;
    }
    Ok(())
}

/// Applies the allocation after `shipment`, then records the shipment once (a
/// redelivered or replayed event finds it there).
pub async fn ship(
    c: &mut AsyncPgConnection,
    cause: Cause<'_>,
    shipment: &Shipment,
) -> Result<(), HandlerError> {
    // Applying the allocation first also locks the order and answers Retry when it
    // is unknown, before the shipment row would hit its foreign key.
    apply(c, cause, &shipment.allocation).await?;
    db::orders::record_shipment(
        c,
        &NewShipment {
            shipment_id: shipment.shipment_id,
            order_id: shipment.allocation.order_id,
            dispatched_at: cause.occurred_at,
            qty: shipment.qty,
            carrier: &shipment.carrier,
            tracking_ref: &shipment.tracking_ref,
            event_id: Some(cause.event_id),
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
    Ok(())
}
