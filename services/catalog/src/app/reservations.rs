//! Where an order is reserved: `orders.order_placed` reserves stock per line (the
//! rest backordered), `orders.order_cancelled` releases it (or leaves a tombstone
//! when it arrives first), and stock that becomes available serves waiting
//! backorders, emergency orders first, then oldest. Each backorder carries the date
//! it is expected from the open purchase orders (`domain::eta`). Each change of an
//! order's allocation (its dates included) bumps its version and publishes
//! `catalog.stock_reserved` or `catalog.stock_released`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use aftersales_messaging::contracts::catalog::{StockReleased, StockReserved};
use aftersales_messaging::contracts::orders::OrderPlaced;
use aftersales_messaging::contracts::{Allocation, AllocationLine};
use aftersales_web::audit;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::stock::{self, Entry, Why};
use super::{Cause, Error, Result, Trail, parts::final_successor, stored};
use crate::db::allocations::{self as q, Line, NewOrder};
use crate::db::stock::{self as levels, Level};
use crate::db::{advisory_lock, advisory_lock_all, purchase_orders, transfers, warehouses};
use crate::domain::allocation::{LineState, Waiting, allocate_backorders};
use crate::domain::eta::expected_dates;
use crate::domain::stock::Levels;

/// The entity type of an order's allocation (its reservations and backorders) in the
/// audit trail; its id is the order id, and its entries belong to the order's dealer.
pub const RESERVATION: &str = "reservation";

/// What [`place`] did.
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
pub async fn place(c: &mut AsyncPgConnection, o: &OrderPlaced, cause: Cause<'_>) -> Result<Placed> {
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
    advisory_lock(c, &o.order_id.to_string()).await?;
    if q::find_order(c, o.order_id).await?.is_some() {
        return Ok(Placed::AlreadyKnown);
    }
    if warehouses::find(c, o.warehouse.as_str()).await?.is_none() {
        return Err(Error::invalid(
            "warehouse",
            format!("warehouse {} does not exist", o.warehouse),
        ));
    }
    let mut targets = Vec::with_capacity(o.lines.len());
    for (i, l) in o.lines.iter().enumerate() {
        let Some(target) = final_successor(c, l.part_number.as_str()).await? else {
            return Err(Error::invalid(
                format!("lines[{i}].part_number"),
                format!("part {} does not exist", l.part_number),
            ));
        };
        targets.push(target);
    }
    let tombstone = q::has_tombstone(c, o.order_id).await?;
    q::insert_order(
        c,
        NewOrder {
            order_id: o.order_id,
            order_number: &o.order_number,
            dealer_code: o.dealer_code.as_str(),
            warehouse_code: o.warehouse.as_str(),
            priority: o.priority,
            placed_at: o.placed_at,
            cancelled: tombstone,
        },
    )
    .await?;

    let mut rows = Vec::with_capacity(o.lines.len());
    if tombstone {
        for (l, target) in o.lines.iter().zip(&targets) {
            let state = LineState::released(l.qty);
            rows.push(Line::new(
                o.order_id,
                l.line_no,
                l.part_number.as_str(),
                target,
                state,
            ));
        }
        q::insert_lines(c, &rows).await?;
        let alloc = allocation(1, &rows)?;
        let released = StockReleased {
            order_id: o.order_id,
            allocation: alloc.clone(),
        };
        cause.publish(c, &released).await?;
        let entry = placed("reservation.released", o, &rows)
            .because("the order was cancelled before it was placed");
        cause.audit(c, &[entry]).await?;
        return Ok(Placed::Released(alloc));
    }

    let mut locked =
        levels::lock_many(c, o.warehouse.as_str(), targets.iter().cloned().collect()).await?;
    let mut after = counters(&locked);
    for (l, target) in o.lines.iter().zip(&targets) {
        let current = after.get(target).copied().unwrap_or_default();
        let (next, got) = current.reserve(l.qty);
        after.insert(target.clone(), next);
        let state = LineState::place(l.qty, got);
        rows.push(Line::new(
            o.order_id,
            l.line_no,
            l.part_number.as_str(),
            target,
            state,
        ));
    }
    q::insert_lines(c, &rows).await?;
    let mut trail = vec![placed("reservation.made", o, &rows)];
    let why = Why::counters("stock.reserved");
    for (pn, before) in &mut locked {
        if let Some(next) = after.get(pn) {
            *before = stock::write(c, before, *next, &[], why, cause, &mut trail).await?;
        }
    }
    let alloc = allocation(1, &rows)?;
    let reserved = StockReserved {
        order_id: o.order_id,
        warehouse: o.warehouse.clone(),
        allocation: alloc.clone(),
    };
    cause.publish(c, &reserved).await?;
    // A new backorder takes its place in the queue: it (and those served after it)
    // learn when they are expected, in a next version of their allocations.
    let backordered: BTreeSet<String> = rows
        .iter()
        .filter(|r| r.backordered > 0)
        .map(|r| r.reserved_part_number.clone())
        .collect();
    expect_backorders(c, o.warehouse.as_str(), &backordered, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
    Ok(Placed::Reserved(alloc))
}

/// The audit entry of an order's allocation as first recorded.
fn placed(action: &'static str, o: &OrderPlaced, rows: &[Line]) -> audit::Entry {
    let lines: Vec<Value> = rows.iter().map(line_fields).collect();
    audit::Entry::new(action, RESERVATION, o.order_id)
        .of_dealer(o.dealer_code.as_str())
        .created(&json!({
            "order_number": o.order_number,
            "warehouse": o.warehouse.as_str(),
            "priority": o.priority,
            "lines": lines,
        }))
}

/// One line of an allocation as the audit trail shows it.
fn line_fields(l: &Line) -> Value {
    json!({
        "line_no": l.line_no,
        "part_number": l.part_number,
        "reserved_part_number": l.reserved_part_number,
        "ordered": l.ordered,
        "reserved": l.reserved,
        "backordered": l.backordered,
        "shipped": l.shipped,
        "released": l.released,
        "expected_date": l.expected_date,
    })
}

/// `entry` with what changed of each line, `line N.field`, from `before` to `after`
/// (the same lines in the same order).
pub(super) fn line_changes(
    mut entry: audit::Entry,
    before: &[Line],
    after: &[Line],
) -> audit::Entry {
    for (b, a) in before.iter().zip(after) {
        let field = |name: &str| format!("line {}.{name}", a.line_no);
        entry = entry
            .change(&field("reserved"), b.reserved, a.reserved)
            .change(&field("backordered"), b.backordered, a.backordered)
            .change(&field("shipped"), b.shipped, a.shipped)
            .change(&field("released"), b.released, a.released)
            .change(&field("expected_date"), b.expected_date, a.expected_date);
    }
    entry
}

/// Takes the locks that a batch of placements of `orders` (their ids) reserving
/// `levels` (`(warehouse, part)`) will take one by one, all at once and in the global
/// order: order keys, then levels. Applied side by side, two batches then wait for
/// each other instead of deadlocking.
pub async fn lock_batch(
    c: &mut AsyncPgConnection,
    orders: &BTreeSet<Uuid>,
    levels: &BTreeSet<(String, String)>,
) -> Result<()> {
    // A uuid's text sorts like the uuid: the keys stay in the set's order.
    let keys: Vec<String> = orders.iter().map(Uuid::to_string).collect();
    advisory_lock_all(c, &keys).await?;
    Ok(levels::lock_existing(c, levels).await?)
}

/// What [`cancel`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancelled {
    Released(Allocation),
    /// Unknown order: a tombstone waits for it.
    Tombstone,
    AlreadyCancelled,
}

/// Releases an order's reservations and backorders; freed stock then serves other
/// backorders. An order not seen yet leaves a tombstone.
pub async fn cancel(
    c: &mut AsyncPgConnection,
    order_id: Uuid,
    cause: Cause<'_>,
) -> Result<Cancelled> {
    advisory_lock(c, &order_id.to_string()).await?;
    let Some(order) = q::find_order(c, order_id).await? else {
        q::insert_tombstone(c, order_id).await?;
        // Whose order it is is not known yet: its placement records it when it comes.
        let entry = audit::Entry::new("reservation.cancelled", RESERVATION, order_id).change(
            "cancelled",
            Value::Null,
            true,
        );
        cause.audit(c, &[entry]).await?;
        return Ok(Cancelled::Tombstone);
    };
    if order.cancelled {
        return Ok(Cancelled::AlreadyCancelled);
    }
    // Levels first, then the order (the global lock order); the parts an order's
    // lines reserve never change, so reading them before the locks is safe.
    let parts: BTreeSet<String> = q::lines(c, order_id)
        .await?
        .into_iter()
        .map(|l| l.reserved_part_number)
        .collect();
    let mut locked = levels::lock_many(c, &order.warehouse_code, parts).await?;
    let order = q::lock_order(c, order_id).await?;
    if order.cancelled {
        return Ok(Cancelled::AlreadyCancelled);
    }
    let mut after = counters(&locked);
    let was = q::lines(c, order_id).await?;
    let mut rows = Vec::with_capacity(was.len());
    for line in &was {
        let (state, freed) = line.state().cancel();
        let level = after.entry(line.reserved_part_number.clone()).or_default();
        *level = level.release(freed)?;
        rows.push(line.clone().with(state));
    }
    q::save_lines(c, &rows).await?;
    let entry = audit::Entry::new("reservation.released", RESERVATION, order_id)
        .of_dealer(&order.dealer_code)
        .change("cancelled", false, true);
    let mut trail = vec![line_changes(entry, &was, &rows)];
    let version = q::bump(c, order_id, Some(true)).await?;
    let alloc = allocation(version, &rows)?;
    let released = StockReleased {
        order_id,
        allocation: alloc.clone(),
    };
    cause.publish(c, &released).await?;
    let why = Why::counters("stock.released");
    for (pn, before) in &mut locked {
        if let Some(next) = after.get(pn) {
            let written = stock::write(c, before, *next, &[], why, cause, &mut trail).await?;
            *before = serve_backorders(c, written, cause, &mut trail).await?;
        }
    }
    cause.audit(c, &trail).await?;
    Ok(Cancelled::Released(alloc))
}

/// Gives the available units of a locked level to waiting backorders, emergency
/// orders first, then oldest, and the backorders still waiting the dates they are
/// now expected; publishes `catalog.stock_reserved` per order that changed.
pub async fn serve_backorders(
    c: &mut AsyncPgConnection,
    level: Level,
    cause: Cause<'_>,
    trail: &mut Trail,
) -> Result<Level> {
    let level = fill_backorders(c, level, cause, trail).await?;
    let part = BTreeSet::from([level.part_number.clone()]);
    expect_backorders(c, &level.warehouse_code, &part, cause, trail).await?;
    Ok(level)
}

async fn fill_backorders(
    c: &mut AsyncPgConnection,
    level: Level,
    cause: Cause<'_>,
    trail: &mut Trail,
) -> Result<Level> {
    if level.available() <= 0 {
        return Ok(level);
    }
    let waiting: Vec<Waiting<_>> = q::waiting(c, &level.warehouse_code, &level.part_number)
        .await?
        .into_iter()
        .map(|(w, _)| w)
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
        change_lines(c, id, "reservation.filled", cause, trail, |row| {
            let Some(qty) = grants.get(&row.line_no) else {
                return false;
            };
            let (next, got) = after.reserve(*qty);
            after = next;
            *row = row.clone().with(row.state().fill(got));
            true
        })
        .await?;
    }
    let why = Why::counters("stock.reserved");
    stock::write(c, &level, after, &[], why, cause, trail).await
}

/// Gives the backorders waiting for `parts` in `wh` (whose levels the caller has
/// locked) the dates the open purchase orders bring their units, in allocation order;
/// every order whose dates moved gets a new allocation version, published.
pub async fn expect_backorders(
    c: &mut AsyncPgConnection,
    wh: &str,
    parts: &BTreeSet<String>,
    cause: Cause<'_>,
    trail: &mut Trail,
) -> Result<()> {
    // Every part's changes first, then each order once, in id order (the global lock
    // order among orders): an order waiting for two of the parts is locked once.
    let mut moved: BTreeMap<Uuid, BTreeMap<i32, Option<NaiveDate>>> = BTreeMap::new();
    for pn in parts {
        let waiting = q::waiting(c, wh, pn).await?;
        if waiting.is_empty() {
            continue;
        }
        let mut supply = purchase_orders::supply(c, wh, pn).await?;
        supply.extend(transfers::inbound(c, wh, pn).await?);
        let now: BTreeMap<(Uuid, i32), Option<NaiveDate>> =
            waiting.iter().map(|(w, d)| (w.key, *d)).collect();
        let lines: Vec<Waiting<_>> = waiting.into_iter().map(|(w, _)| w).collect();
        for (key, date) in expected_dates(&lines, &supply) {
            if now.get(&key) != Some(&date) {
                moved.entry(key.0).or_default().insert(key.1, date);
            }
        }
    }
    for (id, dates) in moved {
        change_lines(c, id, "reservation.rescheduled", cause, trail, |row| {
            let Some(date) = dates.get(&row.line_no) else {
                return false;
            };
            row.expected_date = *date;
            true
        })
        .await?;
    }
    Ok(())
}

/// Locks order `id`, changes its lines with `change` (true for a line it changed),
/// stores them, publishes the new allocation version as `catalog.stock_reserved` and
/// adds the change to `trail` as `action`.
async fn change_lines(
    c: &mut AsyncPgConnection,
    id: Uuid,
    action: &'static str,
    cause: Cause<'_>,
    trail: &mut Trail,
    mut change: impl FnMut(&mut Line) -> bool,
) -> Result<()> {
    let order = q::lock_order(c, id).await?;
    let mut rows = q::lines(c, id).await?;
    let was = rows.clone();
    let changed: Vec<Line> = rows
        .iter_mut()
        .filter_map(|row| change(row).then(|| row.clone()))
        .collect();
    q::save_lines(c, &changed).await?;
    let entry = audit::Entry::new(action, RESERVATION, id).of_dealer(&order.dealer_code);
    trail.push(line_changes(entry, &was, &rows));
    let version = q::bump(c, id, None).await?;
    let reserved = StockReserved {
        order_id: id,
        warehouse: stored(&order.warehouse_code)?,
        allocation: allocation(version, &rows)?,
    };
    cause.publish(c, &reserved).await
}

/// Units arrive in a warehouse (receipt or transfer in); waiting backorders are served.
pub async fn receive(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    qty: i32,
    entry: Entry<'_>,
    cause: Cause<'_>,
    trail: &mut Trail,
) -> Result<Level> {
    let level = stock::apply(c, wh, pn, |l| l.receive(qty), entry, cause, trail).await?;
    serve_backorders(c, level, cause, trail).await
}

/// The allocation of an order as events carry it.
pub fn allocation(version: i64, lines: &[Line]) -> Result<Allocation> {
    Ok(Allocation {
        allocation_version: version,
        lines: lines
            .iter()
            .map(|l| {
                Ok(AllocationLine {
                    line_no: l.line_no,
                    part_number: stored(&l.part_number)?,
                    reserved_part_number: stored(&l.reserved_part_number)?,
                    ordered: l.ordered,
                    reserved: l.reserved,
                    backordered: l.backordered,
                    shipped: l.shipped,
                    released: l.released,
                    expected_date: l.expected_date,
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// The counters of locked levels, by part, to compute the next ones on.
pub(super) fn counters(locked: &BTreeMap<String, Level>) -> BTreeMap<String, Levels> {
    locked
        .iter()
        .map(|(k, v)| (k.clone(), v.levels()))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;

    #[test]
    fn line_changes_name_each_changed_field_of_each_line() {
        let id = Uuid::nil();
        let before = vec![
            Line::new(id, 1, "A", "A", LineState::place(5, 2)),
            Line::new(id, 2, "B", "B", LineState::place(4, 1)),
        ];
        let mut after = before.clone();
        after[0] = after[0].clone().with(after[0].state().fill(3));
        after[1].expected_date = NaiveDate::from_ymd_opt(2024, 7, 1);
        let e = line_changes(
            audit::Entry::new("reservation.filled", RESERVATION, id),
            &before,
            &after,
        );
        assert_eq!(
            e.changes.to_json(),
            json!({
                "line 1.reserved": {"before": 2, "after": 5},
                "line 1.backordered": {"before": 3, "after": 0},
                "line 2.expected_date": {"before": null, "after": "2024-07-01"},
            })
        );
    }
}
