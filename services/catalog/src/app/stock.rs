//! Stock of one part in one warehouse: receipts, adjustments, cycle counts, reorder
//! settings and quarantine. [`write`] is the one writer of a level: it posts the
//! ledger, keeps the stock-low flag and publishes `catalog.stock_low` once per
//! crossing. Units that become available serve waiting backorders
//! (`reservations::serve_backorders`).

use aftersales_messaging::contracts::catalog::StockLow;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Cause, Error, Result, reservations, stored};
use crate::db::stock::{self as q, Count, Level, Move, NewCount};
use crate::db::{parts, warehouses};
use crate::domain::stock::{AdjustmentReason, Levels, MovementKind, StockError, stock_low};

/// What a movement records besides its quantity.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub kind: MovementKind,
    pub reason: Option<AdjustmentReason>,
    pub reference: &'a str,
    pub actor: &'a str,
}

/// Where the warehouse and part of a request were named: in the path (an unknown one
/// is "not found") or in the body (an unknown one is an invalid field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    InPath,
    InBody,
}

/// Whether the warehouse (active) and the part exist; the error names the missing one.
pub async fn check_refs(c: &mut AsyncPgConnection, wh: &str, pn: &str, named: Named) -> Result<()> {
    let missing = |field: &str, msg: String| match named {
        Named::InPath => Error::NotFound(msg),
        Named::InBody => Error::invalid(field, msg),
    };
    active_warehouse(c, wh, named).await?;
    if !parts::exists(c, pn).await? {
        return Err(missing("part_number", format!("part {pn} does not exist")));
    }
    Ok(())
}

/// Whether `wh` is an active warehouse; the error names the field `warehouse`.
pub async fn active_warehouse(c: &mut AsyncPgConnection, wh: &str, named: Named) -> Result<()> {
    match warehouses::active(c, wh).await? {
        None if named == Named::InPath => {
            Err(Error::NotFound(format!("warehouse {wh} does not exist")))
        }
        None => Err(Error::invalid(
            "warehouse",
            format!("warehouse {wh} does not exist"),
        )),
        Some(false) => Err(Error::invalid(
            "warehouse",
            format!("warehouse {wh} is inactive"),
        )),
        Some(true) => Ok(()),
    }
}

/// Stores `after` for the locked level `before`, posts `moves` (whose quantities
/// must add up to the change of on hand) and raises `catalog.stock_low` when
/// available crosses the reorder point downwards.
pub async fn write(
    c: &mut AsyncPgConnection,
    before: &Level,
    after: Levels,
    moves: &[Move],
    cause: Cause<'_>,
) -> Result<Level> {
    let posted: i32 = moves.iter().map(|m| m.qty).sum();
    if posted != after.on_hand - before.on_hand || !after.holds_invariant() {
        return Err(Error::Bug(format!(
            "stock write of {}/{} posts {posted} for {before:?} -> {after:?}",
            before.warehouse_code, before.part_number
        )));
    }
    let (alerted, emit) = stock_low(before.low_alerted, after.available(), before.reorder_point);
    let level = q::update_counters(c, before, after, alerted).await?;
    q::post(c, &level.warehouse_code, &level.part_number, moves).await?;
    if emit {
        publish_low(c, &level, cause).await?;
    }
    Ok(level)
}

/// Locks the level, applies `op` and writes the result with one movement of the
/// resulting on-hand change (none if it did not change).
pub async fn apply(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    op: impl FnOnce(Levels) -> Result<Levels, StockError>,
    entry: Entry<'_>,
    cause: Cause<'_>,
) -> Result<Level> {
    let before = q::lock(c, wh, pn).await?;
    let after = op(before.levels())?;
    let moves = [Move {
        kind: entry.kind,
        qty: after.on_hand - before.on_hand,
        reason: entry.reason,
        reference: entry.reference.to_owned(),
        actor: entry.actor.to_owned(),
    }];
    write(c, &before, after, &moves, cause).await
}

/// Units received from a supplier; waiting backorders are served, emergency orders
/// first, then oldest.
pub async fn receipt(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    qty: i32,
    reference: &str,
    actor: &str,
    cause: Cause<'_>,
) -> Result<Level> {
    check_refs(c, wh, pn, Named::InBody).await?;
    let entry = Entry {
        kind: MovementKind::Receipt,
        reason: None,
        reference,
        actor,
    };
    reservations::receive(c, wh, pn, qty, entry, cause).await
}

/// An adjustment of on hand by `delta` for `reason`, never below what is reserved or
/// quarantined; units found serve waiting backorders.
pub async fn adjust(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    delta: i32,
    entry: Entry<'_>,
    cause: Cause<'_>,
) -> Result<Level> {
    check_refs(c, wh, pn, Named::InBody).await?;
    let level = apply(c, wh, pn, |l| l.adjust(delta), entry, cause).await?;
    reservations::serve_backorders(c, level, cause).await
}

/// A cycle count: on hand becomes what was counted, the variance is posted; units
/// found serve waiting backorders.
pub async fn count(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    counted: i32,
    actor: &str,
    cause: Cause<'_>,
) -> Result<(Count, Level)> {
    check_refs(c, wh, pn, Named::InBody).await?;
    let id = Uuid::now_v7();
    let before = q::lock(c, wh, pn).await?;
    let (after, variance) = before.levels().count(counted)?;
    let row = q::insert_count(
        c,
        NewCount {
            id,
            warehouse: wh,
            part_number: pn,
            counted,
            expected: before.on_hand,
            variance,
            actor,
        },
    )
    .await?;
    let moves = [Move {
        kind: MovementKind::CountVariance,
        qty: variance,
        reason: None,
        reference: format!("count:{id}"),
        actor: actor.to_owned(),
    }];
    let level = write(c, &before, after, &moves, cause).await?;
    let level = reservations::serve_backorders(c, level, cause).await?;
    Ok((row, level))
}

/// Reorder point, reorder quantity and bin of a level; may raise or re-arm
/// stock-low.
pub async fn settings(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    reorder: (i32, i32),
    bin: Option<&str>,
    cause: Cause<'_>,
) -> Result<Level> {
    check_refs(c, wh, pn, Named::InPath).await?;
    let (reorder_point, reorder_qty) = reorder;
    let before = q::lock(c, wh, pn).await?;
    let (alerted, emit) = stock_low(before.low_alerted, before.available(), reorder_point);
    let level = q::update_settings(c, wh, pn, reorder_point, reorder_qty, bin, alerted).await?;
    if emit {
        publish_low(c, &level, cause).await?;
    }
    Ok(level)
}

/// Which way quarantined units move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quarantine {
    /// A returned failed part arrives for inspection.
    In,
    /// It leaves after its disposition (scrapped or returned to the supplier).
    Out,
}

/// Returned parts entering or leaving quarantine for claim `claim`.
pub async fn quarantine(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    qty: i32,
    way: Quarantine,
    claim: Uuid,
    cause: Cause<'_>,
) -> Result<Level> {
    if qty < 1 {
        return Err(Error::invalid(
            "quantity",
            format!("quantity {qty} must be at least 1"),
        ));
    }
    check_refs(c, wh, pn, Named::InBody).await?;
    let reference = format!("claim:{claim}");
    let kind = match way {
        Quarantine::In => MovementKind::QuarantineIn,
        Quarantine::Out => MovementKind::QuarantineOut,
    };
    let entry = Entry {
        kind,
        reason: None,
        reference: &reference,
        actor: "inspection",
    };
    match way {
        Quarantine::In => apply(c, wh, pn, |l| l.quarantine_in(qty), entry, cause).await,
        Quarantine::Out => apply(c, wh, pn, |l| l.quarantine_out(qty), entry, cause).await,
    }
}

async fn publish_low(c: &mut AsyncPgConnection, level: &Level, cause: Cause<'_>) -> Result<()> {
    cause
        .publish(
            c,
            &StockLow {
                warehouse: stored(&level.warehouse_code)?,
                part_number: stored(&level.part_number)?,
                available: level.available(),
                reorder_point: level.reorder_point,
                reorder_qty: level.reorder_qty,
            },
        )
        .await
}
