//! Shipments: reserved units of an order leave the warehouse, partially or all at
//! once, never more than reserved; publishes `catalog.shipment_dispatched`.

use std::collections::{BTreeMap, BTreeSet};

use aftersales_messaging::contracts::Allocation;
use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine};
use aftersales_web::audit;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

use super::reservations::{RESERVATION, allocation, counters, line_changes};
use super::stock::Why;
use super::{Cause, Error, Result, Trail, stock, stored};
use crate::db::allocations as q;
use crate::db::shipments::{self, NewShipment, Shipment};
use crate::db::stock::{self as levels, Move};
use crate::domain::stock::MovementKind;

/// A shipment asked for.
#[derive(Debug, Clone, Copy)]
pub struct Ship<'a> {
    pub order_id: Uuid,
    /// `(line_no, qty)` pairs; everything reserved when empty.
    pub wanted: &'a [(i32, i32)],
    pub carrier: &'a str,
    pub tracking_ref: &'a str,
    pub actor: &'a str,
}

/// Ships reserved units of an order: the wanted `(line_no, qty)` pairs, or everything
/// reserved. Never more than reserved (a conflict).
pub async fn ship(
    c: &mut AsyncPgConnection,
    s: Ship<'_>,
    cause: Cause<'_>,
) -> Result<(Shipment, Vec<ShippedLine>, Allocation)> {
    let Ship {
        order_id, wanted, ..
    } = s;
    let Some(order) = q::find_order(c, order_id).await? else {
        return Err(Error::invalid(
            "order_id",
            format!("order {order_id} is not known to catalog"),
        ));
    };
    if order.cancelled {
        return Err(Error::Conflict(format!("order {order_id} is cancelled")));
    }
    let current = q::lines(c, order_id).await?;
    let mut seen = BTreeSet::new();
    for (i, (line_no, _)) in wanted.iter().enumerate() {
        if !current.iter().any(|l| l.line_no == *line_no) {
            return Err(Error::invalid(
                format!("lines[{i}].line_no"),
                format!("order {order_id} has no line {line_no}"),
            ));
        }
        if !seen.insert(*line_no) {
            return Err(Error::invalid(
                format!("lines[{i}].line_no"),
                "duplicate line number",
            ));
        }
    }
    let parts: BTreeSet<String> = current
        .iter()
        .map(|l| l.reserved_part_number.clone())
        .collect();
    let mut locked = levels::lock_many(c, &order.warehouse_code, parts).await?;
    let order = q::lock_order(c, order_id).await?;
    if order.cancelled {
        return Err(Error::Conflict(format!("order {order_id} is cancelled")));
    }
    let id = Uuid::now_v7();
    let reference = format!("shipment:{id}");
    let mut rows = q::lines(c, order_id).await?;
    let was = rows.clone();
    let mut after = counters(&locked);
    let mut moves: BTreeMap<String, Vec<Move>> = BTreeMap::new();
    let mut shipped = Vec::new();
    for row in &mut rows {
        let qty = if wanted.is_empty() {
            row.reserved
        } else {
            match wanted.iter().find(|(n, _)| *n == row.line_no) {
                Some((_, q)) => *q,
                None => continue,
            }
        };
        if qty == 0 {
            continue;
        }
        let state = row.state().ship(qty).map_err(|e| {
            Error::Conflict(format!(
                "line {}: {e}; only reserved units can be shipped",
                row.line_no
            ))
        })?;
        *row = row.clone().with(state);
        let level = after.entry(row.reserved_part_number.clone()).or_default();
        *level = level.ship(qty)?;
        moves
            .entry(row.reserved_part_number.clone())
            .or_default()
            .push(Move {
                kind: MovementKind::Shipment,
                qty: -qty,
                reason: None,
                reference: reference.clone(),
                actor: s.actor.to_owned(),
            });
        shipped.push(ShippedLine {
            line_no: row.line_no,
            part_number: stored(&row.reserved_part_number)?,
            qty,
        });
    }
    if shipped.is_empty() {
        return Err(Error::Conflict(format!(
            "order {order_id} has nothing reserved to ship"
        )));
    }
    let shipment = shipments::insert(
        c,
        NewShipment {
            id,
            order_id,
            warehouse_code: &order.warehouse_code,
            carrier: s.carrier,
            tracking_ref: s.tracking_ref,
            actor: s.actor,
        },
        &shipped,
    )
    .await?;
    q::save_lines(c, &rows).await?;
    let lines: Vec<_> = shipped
        .iter()
        .map(|l| json!({"line_no": l.line_no, "part_number": l.part_number.as_str(), "qty": l.qty}))
        .collect();
    let dispatched = audit::Entry::new("shipment.dispatched", "shipment", id)
        .of_dealer(&order.dealer_code)
        .created(&json!({
            "order_id": order_id,
            "order_number": order.order_number,
            "warehouse": order.warehouse_code,
            "carrier": s.carrier,
            "tracking_ref": s.tracking_ref,
            "lines": lines,
        }));
    let shipped_from = audit::Entry::new("reservation.shipped", RESERVATION, order_id)
        .of_dealer(&order.dealer_code);
    let mut trail: Trail = vec![dispatched, line_changes(shipped_from, &was, &rows)];
    let why = Why::movement(MovementKind::Shipment, None);
    for (pn, before) in &mut locked {
        if let (Some(next), Some(mv)) = (after.get(pn), moves.get(pn)) {
            *before = stock::write(c, before, *next, mv, why, cause, &mut trail).await?;
        }
    }
    let version = q::bump(c, order_id, None).await?;
    let alloc = allocation(version, &rows)?;
    let dispatched = ShipmentDispatched {
        shipment_id: id,
        order_id,
        lines: shipped.clone(),
        carrier: s.carrier.to_owned(),
        tracking_ref: s.tracking_ref.to_owned(),
        allocation: alloc.clone(),
    };
    cause.publish(c, &dispatched).await?;
    cause.audit(c, &trail).await?;
    Ok((shipment, shipped, alloc))
}
