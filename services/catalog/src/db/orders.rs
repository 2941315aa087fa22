//! Order allocations: reservation at placement (`orders.order_placed`), release on
//! cancellation (with tombstones for cancellations that arrive first), backorders
//! served when stock becomes available, and shipments of reserved units.

use std::collections::{BTreeMap, BTreeSet};

use aftersales_messaging::contracts::catalog::{
    ShipmentDispatched, ShippedLine, StockReleased, StockReserved,
};
use aftersales_messaging::contracts::orders::{OrderPlaced, Priority as WirePriority};
use aftersales_messaging::contracts::{Allocation, AllocationLine};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{
    allocation_lines, order_allocations, order_tombstones, shipment_lines, shipments,
};
use super::stock::{self, Level, Move};
use super::{Cause, Error, Result, catalog};
use crate::domain::allocation::{LineState, Priority, Waiting, allocate_backorders};
use crate::domain::stock::{Levels, MovementKind};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_allocations)]
pub struct Order {
    pub order_id: Uuid,
    pub order_number: String,
    pub dealer_code: String,
    pub warehouse_code: String,
    pub priority: String,
    pub placed_at: DateTime<Utc>,
    pub version: i64,
    pub cancelled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = allocation_lines)]
pub struct Line {
    pub order_id: Uuid,
    pub line_no: i32,
    pub part_number: String,
    pub reserved_part_number: String,
    pub ordered: i32,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
}

impl Line {
    pub fn state(&self) -> LineState {
        LineState {
            ordered: self.ordered,
            reserved: self.reserved,
            backordered: self.backordered,
            shipped: self.shipped,
            released: self.released,
        }
    }

    fn with(mut self, s: LineState) -> Self {
        self.reserved = s.reserved;
        self.backordered = s.backordered;
        self.shipped = s.shipped;
        self.released = s.released;
        self
    }
}

pub fn allocation(version: i64, lines: &[Line]) -> Allocation {
    Allocation {
        allocation_version: version,
        lines: lines
            .iter()
            .map(|l| AllocationLine {
                line_no: l.line_no,
                part_number: l.part_number.clone(),
                reserved_part_number: l.reserved_part_number.clone(),
                ordered: l.ordered,
                reserved: l.reserved,
                backordered: l.backordered,
                shipped: l.shipped,
                released: l.released,
            })
            .collect(),
    }
}

pub async fn get_order(c: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Order>> {
    Ok(order_allocations::table
        .find(id)
        .select(Order::as_select())
        .first(c)
        .await
        .optional()?)
}

async fn lock_order(c: &mut AsyncPgConnection, id: Uuid) -> Result<Order> {
    Ok(order_allocations::table
        .find(id)
        .select(Order::as_select())
        .for_update()
        .first(c)
        .await?)
}

pub async fn lines(c: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<Line>> {
    Ok(allocation_lines::table
        .filter(allocation_lines::order_id.eq(id))
        .order(allocation_lines::line_no)
        .select(Line::as_select())
        .load(c)
        .await?)
}

async fn save_lines(c: &mut AsyncPgConnection, lines: &[Line]) -> Result<()> {
    for l in lines {
        diesel::update(allocation_lines::table.find((l.order_id, l.line_no)))
            .set((
                allocation_lines::reserved.eq(l.reserved),
                allocation_lines::backordered.eq(l.backordered),
                allocation_lines::shipped.eq(l.shipped),
                allocation_lines::released.eq(l.released),
            ))
            .execute(c)
            .await?;
    }
    Ok(())
}

async fn bump(c: &mut AsyncPgConnection, id: Uuid, cancelled: Option<bool>) -> Result<i64> {
    let version = match cancelled {
        Some(flag) => {
            diesel::update(order_allocations::table.find(id))
                .set((
                    order_allocations::version.eq(order_allocations::version + 1),
                    order_allocations::cancelled.eq(flag),
                ))
                .returning(order_allocations::version)
                .get_result(c)
                .await?
        }
        None => {
            diesel::update(order_allocations::table.find(id))
                .set(order_allocations::version.eq(order_allocations::version + 1))
                .returning(order_allocations::version)
                .get_result(c)
                .await?
        }
    };
    Ok(version)
}

/// Locks the levels of `parts` in `wh`, in the global lock order.
async fn lock_levels(
    c: &mut AsyncPgConnection,
    wh: &str,
    parts: BTreeSet<String>,
) -> Result<BTreeMap<String, Level>> {
    let mut out = BTreeMap::new();
    for pn in parts {
        let level = stock::lock(c, wh, &pn).await?;
        out.insert(pn, level);
    }
    Ok(out)
}

/// What [`place_order`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    Reserved(Allocation),
    /// A cancellation had arrived first: everything released at once.
    Released(Allocation),
    /// The order is known already (another event for it was applied).
    AlreadyKnown,
}

/// Reserves stock for a placed order: per line `min(available, qty)`, the rest
/// backordered; a superseded part reserves its final successor.
pub async fn place_order(
    c: &mut AsyncPgConnection,
    o: &OrderPlaced,
    cause: Cause<'_>,
) -> Result<Placed> {
    if o.lines.is_empty() {
        return Err(Error::invalid("lines", "an order needs at least one line"));
    }
    let mut seen = BTreeSet::new();
    for (i, l) in o.lines.iter().enumerate() {
        if l.qty < 1 {
            return Err(Error::invalid(
                format!("lines[{i}].qty"),
                "must be at least 1",
            ));
        }
        if !seen.insert(l.line_no) {
            return Err(Error::invalid(
                format!("lines[{i}].line_no"),
                "duplicate line number",
            ));
        }
    }
    // Serialises two deliveries of placements of the same order id.
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(o.order_id.to_string())
        .execute(c)
        .await?;
    if get_order(c, o.order_id).await?.is_some() {
        return Ok(Placed::AlreadyKnown);
    }
    if catalog::get_warehouse(c, &o.warehouse).await?.is_none() {
        return Err(Error::invalid(
            "warehouse",
            format!("warehouse {} does not exist", o.warehouse),
        ));
    }
    let mut targets = Vec::with_capacity(o.lines.len());
    for (i, l) in o.lines.iter().enumerate() {
        if catalog::get_part(c, &l.part_number).await?.is_none() {
            return Err(Error::invalid(
                format!("lines[{i}].part_number"),
                format!("part {} does not exist", l.part_number),
            ));
        }
        targets.push(catalog::final_successor(c, &l.part_number).await?);
    }
    let tombstone: Option<Uuid> = order_tombstones::table
        .find(o.order_id)
        .select(order_tombstones::order_id)
        .first(c)
        .await
        .optional()?;

    let priority = match o.priority {
        WirePriority::Stock => Priority::Stock,
        WirePriority::Emergency => Priority::Emergency,
    };
    diesel::insert_into(order_allocations::table)
        .values((
            order_allocations::order_id.eq(o.order_id),
            order_allocations::order_number.eq(&o.order_number),
            order_allocations::dealer_code.eq(&o.dealer_code),
            order_allocations::warehouse_code.eq(&o.warehouse),
            order_allocations::priority.eq(priority.as_str()),
            order_allocations::placed_at.eq(o.placed_at),
            order_allocations::version.eq(1_i64),
            order_allocations::cancelled.eq(tombstone.is_some()),
        ))
        .execute(c)
        .await?;

    let mut rows = Vec::with_capacity(o.lines.len());
    if tombstone.is_some() {
        for (l, target) in o.lines.iter().zip(&targets) {
            rows.push(new_line(
                o.order_id,
                l.line_no,
                &l.part_number,
                target,
                LineState::released(l.qty),
            ));
        }
        insert_lines(c, &rows).await?;
        let alloc = allocation(1, &rows);
        cause
            .publish(
                c,
                &StockReleased {
                    order_id: o.order_id,
                    allocation: alloc.clone(),
                },
            )
            .await?;
        return Ok(Placed::Released(alloc));
    }

    let mut levels = lock_levels(c, &o.warehouse, targets.iter().cloned().collect()).await?;
    let mut after: BTreeMap<String, Levels> = levels
        .iter()
        .map(|(k, v)| (k.clone(), v.levels()))
        .collect();
    for (l, target) in o.lines.iter().zip(&targets) {
        let current = after.get(target).copied().unwrap_or_default();
        let (next, got) = current.reserve(l.qty);
        after.insert(target.clone(), next);
        let state = LineState::place(l.qty, got);
        rows.push(new_line(
            o.order_id,
            l.line_no,
            &l.part_number,
            target,
            state,
        ));
    }
    insert_lines(c, &rows).await?;
    for (pn, before) in &mut levels {
        if let Some(next) = after.get(pn) {
            *before = stock::write(c, before, *next, &[], cause).await?;
        }
    }
    let alloc = allocation(1, &rows);
    cause
        .publish(
            c,
            &StockReserved {
                order_id: o.order_id,
                warehouse: o.warehouse.clone(),
                allocation: alloc.clone(),
            },
        )
        .await?;
    Ok(Placed::Reserved(alloc))
}

fn new_line(order_id: Uuid, line_no: i32, pn: &str, target: &str, s: LineState) -> Line {
    Line {
        order_id,
        line_no,
        part_number: pn.to_owned(),
        reserved_part_number: target.to_owned(),
        ordered: s.ordered,
        reserved: s.reserved,
        backordered: s.backordered,
        shipped: s.shipped,
        released: s.released,
    }
}

async fn insert_lines(c: &mut AsyncPgConnection, rows: &[Line]) -> Result<()> {
    diesel::insert_into(allocation_lines::table)
        .values(rows)
        .execute(c)
        .await?;
    Ok(())
}

/// What [`cancel_order`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancelled {
    Released(Allocation),
    /// Unknown order: a tombstone waits for it.
    Tombstone,
    AlreadyCancelled,
}

/// Releases an order's reservations and backorders; freed stock then serves other
/// backorders. An order not seen yet leaves a tombstone.
pub async fn cancel_order(
    c: &mut AsyncPgConnection,
    order_id: Uuid,
    cause: Cause<'_>,
) -> Result<Cancelled> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(order_id.to_string())
        .execute(c)
        .await?;
    let Some(order) = get_order(c, order_id).await? else {
        diesel::insert_into(order_tombstones::table)
            .values(order_tombstones::order_id.eq(order_id))
            .on_conflict_do_nothing()
            .execute(c)
            .await?;
        return Ok(Cancelled::Tombstone);
    };
    if order.cancelled {
        return Ok(Cancelled::AlreadyCancelled);
    }
    // Levels first, then the order (the global lock order); the parts an order's
    // lines reserve never change, so reading them before the locks is safe.
    let parts: BTreeSet<String> = lines(c, order_id)
        .await?
        .into_iter()
        .map(|l| l.reserved_part_number)
        .collect();
    let mut levels = lock_levels(c, &order.warehouse_code, parts).await?;
    let order = lock_order(c, order_id).await?;
    if order.cancelled {
        return Ok(Cancelled::AlreadyCancelled);
    }
    let mut after: BTreeMap<String, Levels> = levels
        .iter()
        .map(|(k, v)| (k.clone(), v.levels()))
        .collect();
    let mut rows = Vec::new();
    for line in lines(c, order_id).await? {
        let (state, freed) = line.state().cancel();
        let level = after.entry(line.reserved_part_number.clone()).or_default();
        *level = level.release(freed)?;
        rows.push(line.with(state));
    }
    save_lines(c, &rows).await?;
    let version = bump(c, order_id, Some(true)).await?;
    let alloc = allocation(version, &rows);
    cause
        .publish(
            c,
            &StockReleased {
                order_id,
                allocation: alloc.clone(),
            },
        )
        .await?;
    for (pn, before) in &mut levels {
        if let Some(next) = after.get(pn) {
            let written = stock::write(c, before, *next, &[], cause).await?;
            *before = serve_backorders(c, written, cause).await?;
        }
    }
    Ok(Cancelled::Released(alloc))
}

/// Gives the available units of a locked level to waiting backorders, emergency
/// orders first, then oldest; publishes `catalog.stock_reserved` per order served.
pub async fn serve_backorders(
    c: &mut AsyncPgConnection,
    level: Level,
    cause: Cause<'_>,
) -> Result<Level> {
    if level.available() <= 0 {
        return Ok(level);
    }
    let waiting: Vec<(Uuid, i32, String, DateTime<Utc>, i32)> = allocation_lines::table
        .inner_join(order_allocations::table)
        .filter(order_allocations::warehouse_code.eq(&level.warehouse_code))
        .filter(order_allocations::cancelled.eq(false))
        .filter(allocation_lines::reserved_part_number.eq(&level.part_number))
        .filter(allocation_lines::backordered.gt(0))
        .select((
            allocation_lines::order_id,
            allocation_lines::line_no,
            order_allocations::priority,
            order_allocations::placed_at,
            allocation_lines::backordered,
        ))
        .load(c)
        .await?;
    let waiting: Vec<Waiting<(Uuid, i32)>> = waiting
        .into_iter()
        .map(|(id, line_no, priority, placed_at, backordered)| Waiting {
            key: (id, line_no),
            priority: Priority::parse(&priority).unwrap_or(Priority::Stock),
            placed_at,
            backordered,
        })
        .collect();
    let grants = allocate_backorders(level.available(), &waiting);
    if grants.is_empty() {
        return Ok(level);
    }
    // Orders are locked in id order (the global lock order among orders).
    let mut by_order: BTreeMap<Uuid, BTreeMap<i32, i32>> = BTreeMap::new();
    for ((id, line_no), qty) in grants {
        by_order.entry(id).or_default().insert(line_no, qty);
    }
    let mut after = level.levels();
    for (id, grants) in by_order {
        let order = lock_order(c, id).await?;
        let mut rows = lines(c, id).await?;
        let mut changed = Vec::new();
        for row in &mut rows {
            if let Some(qty) = grants.get(&row.line_no) {
                let (next, got) = after.reserve(*qty);
                after = next;
                *row = row.clone().with(row.state().fill(got));
                changed.push(row.clone());
            }
        }
        save_lines(c, &changed).await?;
        let version = bump(c, id, None).await?;
        cause
            .publish(
                c,
                &StockReserved {
                    order_id: id,
                    warehouse: order.warehouse_code.clone(),
                    allocation: allocation(version, &rows),
                },
            )
            .await?;
    }
    stock::write(c, &level, after, &[], cause).await
}

/// Units arrive in a warehouse (receipt or transfer in); waiting backorders are served.
pub async fn receive(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    qty: i32,
    entry: stock::Entry<'_>,
    cause: Cause<'_>,
) -> Result<Level> {
    let level = stock::apply(c, wh, pn, |l| l.receive(qty), entry, cause).await?;
    serve_backorders(c, level, cause).await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shipments)]
pub struct Shipment {
    pub id: Uuid,
    pub order_id: Uuid,
    pub warehouse_code: String,
    pub carrier: String,
    pub tracking_ref: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// Ships reserved units of an order: the given `(line_no, qty)` pairs, or everything
/// reserved when `wanted` is empty. Never more than reserved (409).
pub async fn ship(
    c: &mut AsyncPgConnection,
    order_id: Uuid,
    wanted: &[(i32, i32)],
    carrier: &str,
    tracking_ref: &str,
    actor: &str,
    cause: Cause<'_>,
) -> Result<(Shipment, Vec<ShippedLine>, Allocation)> {
    let Some(order) = get_order(c, order_id).await? else {
        return Err(Error::invalid(
            "order_id",
            format!("order {order_id} is not known to catalog"),
        ));
    };
    if order.cancelled {
        return Err(Error::Conflict(format!("order {order_id} is cancelled")));
    }
    let current = lines(c, order_id).await?;
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
    let mut levels = lock_levels(c, &order.warehouse_code, parts).await?;
    let order = lock_order(c, order_id).await?;
    if order.cancelled {
        return Err(Error::Conflict(format!("order {order_id} is cancelled")));
    }
    let id = Uuid::now_v7();
    let reference = format!("shipment:{id}");
    let mut rows = lines(c, order_id).await?;
    let mut after: BTreeMap<String, Levels> = levels
        .iter()
        .map(|(k, v)| (k.clone(), v.levels()))
        .collect();
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
                actor: actor.to_owned(),
            });
        shipped.push(ShippedLine {
            line_no: row.line_no,
            part_number: row.reserved_part_number.clone(),
            qty,
        });
    }
    if shipped.is_empty() {
        return Err(Error::Conflict(format!(
            "order {order_id} has nothing reserved to ship"
        )));
    }
    let shipment: Shipment = diesel::insert_into(shipments::table)
        .values((
            shipments::id.eq(id),
            shipments::order_id.eq(order_id),
            shipments::warehouse_code.eq(&order.warehouse_code),
            shipments::carrier.eq(carrier),
            shipments::tracking_ref.eq(tracking_ref),
            shipments::actor.eq(actor),
        ))
        .returning(Shipment::as_returning())
        .get_result(c)
        .await?;
    let line_rows: Vec<_> = shipped
        .iter()
        .map(|s| {
            (
                shipment_lines::shipment_id.eq(id),
                shipment_lines::line_no.eq(s.line_no),
                shipment_lines::part_number.eq(&s.part_number),
                shipment_lines::qty.eq(s.qty),
            )
        })
        .collect();
    diesel::insert_into(shipment_lines::table)
        .values(line_rows)
        .execute(c)
        .await?;
    save_lines(c, &rows).await?;
    for (pn, before) in &mut levels {
        if let (Some(next), Some(mv)) = (after.get(pn), moves.get(pn)) {
            *before = stock::write(c, before, *next, mv, cause).await?;
        }
    }
    let version = bump(c, order_id, None).await?;
    let alloc = allocation(version, &rows);
    cause
        .publish(
            c,
            &ShipmentDispatched {
                shipment_id: id,
                order_id,
                lines: shipped.clone(),
                carrier: carrier.to_owned(),
                tracking_ref: tracking_ref.to_owned(),
                allocation: alloc.clone(),
            },
        )
        .await?;
    Ok((shipment, shipped, alloc))
}
