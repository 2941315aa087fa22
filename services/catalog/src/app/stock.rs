//! Stock of one part in one warehouse: receipts, adjustments, cycle counts, reorder
//! settings and quarantine. [`write`] is the one writer of a level: it posts the
//! ledger, keeps the stock-low flag, publishes `catalog.stock_low` and notifies
//! `stock.below_reorder_point` once per crossing, and adds the change to the audit
//! trail. Units that become available serve waiting backorders
//! (`reservations::serve_backorders`).

use aftersales_messaging::contracts::catalog::StockLow;
use aftersales_types::DispositionKind;
use aftersales_web::audit;
use aftersales_web::notify;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

use super::{Cause, Error, Result, Trail, reservations, stored};
use crate::db::stock::{self as q, Count, Level, Move, NewCount};
use crate::db::{parts, warehouses};
use crate::domain::stock::{AdjustmentReason, Levels, MovementKind, StockError, stock_low};

/// The entity type of a stock level in the audit trail; its id is `WAREHOUSE/PART`.
pub const LEVEL: &str = "stock_level";

/// Why a level changes, as its audit entry says: the action and, when it has one, the
/// reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Why<'a> {
    pub action: &'static str,
    pub reason: Option<&'a str>,
}

impl Why<'static> {
    /// A change of the counters alone (a reservation, a release).
    pub fn counters(action: &'static str) -> Self {
        Why {
            action,
            reason: None,
        }
    }

    /// A movement of `kind` (an adjustment gives its reason).
    pub fn movement(kind: MovementKind, reason: Option<AdjustmentReason>) -> Self {
        Why {
            action: moved(kind),
            reason: reason.map(AdjustmentReason::as_str),
        }
    }
}

/// The audit action of a movement of `kind`.
pub fn moved(kind: MovementKind) -> &'static str {
    match kind {
        MovementKind::Receipt => "stock.received",
        MovementKind::Adjustment => "stock.adjusted",
        MovementKind::CountVariance => "stock.counted",
        MovementKind::TransferOut => "stock.transferred_out",
        MovementKind::TransferIn => "stock.transferred_in",
        MovementKind::Shipment => "stock.shipped",
        MovementKind::QuarantineIn => "stock.quarantined",
        MovementKind::QuarantineOut => "stock.disposed",
    }
}

/// The audit id of the level of `pn` in `wh`.
pub fn level_id(wh: &str, pn: &str) -> String {
    format!("{wh}/{pn}")
}

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
/// must add up to the change of on hand), raises `catalog.stock_low` when
/// available crosses the reorder point downwards and adds the change to `trail` as
/// `why` says: a change of the counters, or a movement posted even if it changed
/// nothing (a count that found what the books said).
pub async fn write(
    c: &mut AsyncPgConnection,
    before: &Level,
    after: Levels,
    moves: &[Move],
    why: Why<'_>,
    cause: Cause<'_>,
    trail: &mut Trail,
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
    let entry = counters_changed(why, before, &level);
    if !moves.is_empty() || !entry.changes.is_empty() {
        trail.push(entry);
    }
    Ok(level)
}

/// The audit entry of a level going from `before` to `after`.
fn counters_changed(why: Why<'_>, before: &Level, after: &Level) -> audit::Entry {
    let id = level_id(&after.warehouse_code, &after.part_number);
    audit::Entry::new(why.action, LEVEL, id)
        .change("on_hand", before.on_hand, after.on_hand)
        .change("reserved", before.reserved, after.reserved)
        .change("quarantined", before.quarantined, after.quarantined)
        .because(why.reason.unwrap_or_default())
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
    trail: &mut Trail,
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
    let why = Why::movement(entry.kind, entry.reason);
    write(c, &before, after, &moves, why, cause, trail).await
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
    let mut trail = Trail::new();
    let level = reservations::receive(c, wh, pn, qty, entry, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
    Ok(level)
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
    let mut trail = Trail::new();
    let level = apply(c, wh, pn, |l| l.adjust(delta), entry, cause, &mut trail).await?;
    let level = reservations::serve_backorders(c, level, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
    Ok(level)
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
    let mut trail = Trail::new();
    let why = Why::movement(MovementKind::CountVariance, None);
    let level = write(c, &before, after, &moves, why, cause, &mut trail).await?;
    let level = reservations::serve_backorders(c, level, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
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
    let settings = |l: &Level| json!({"reorder_point": l.reorder_point, "reorder_qty": l.reorder_qty, "bin": l.bin});
    let entry = audit::Entry::new("stock.settings_changed", LEVEL, level_id(wh, pn))
        .diff(&settings(&before), &settings(&level));
    cause.audit(c, &[entry]).await?;
    Ok(level)
}

/// Which way quarantined units move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quarantine {
    /// A returned failed part arrives for inspection.
    In,
    /// It leaves after its disposition (scrapped or returned to the supplier).
    Out(DispositionKind),
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
    let before = q::lock(c, wh, pn).await?;
    let (kind, after, reason) = match way {
        Quarantine::In => (
            MovementKind::QuarantineIn,
            before.levels().quarantine_in(qty)?,
            format!("claim {claim}"),
        ),
        Quarantine::Out(disposition) => (
            MovementKind::QuarantineOut,
            before.levels().quarantine_out(qty)?,
            format!("claim {claim}: {}", disposition.as_str()),
        ),
    };
    let moves = [Move {
        kind,
        qty: after.on_hand - before.on_hand,
        reason: None,
        reference: format!("claim:{claim}"),
        actor: "inspection".to_owned(),
    }];
    let why = Why {
        action: moved(kind),
        reason: Some(&reason),
    };
    let mut trail = Trail::new();
    let level = write(c, &before, after, &moves, why, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
    Ok(level)
}

/// Announces a level that crossed its reorder point downwards: `catalog.stock_low` and
/// the `stock.below_reorder_point` notification.
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
        .await?;
    let notice = super::notices::below_reorder_point(level);
    notify::emit(c, cause.origin().correlation_id, &[notice]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn level(on_hand: i32, reserved: i32, quarantined: i32) -> Level {
        Level {
            warehouse_code: "CENTRAL".into(),
            part_number: "A".into(),
            on_hand,
            reserved,
            quarantined,
            reorder_point: 0,
            reorder_qty: 0,
            bin: None,
            low_alerted: false,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn every_movement_has_an_action_of_its_own() {
        let actions: BTreeSet<&str> = MovementKind::ALL.into_iter().map(moved).collect();
        assert_eq!(actions.len(), MovementKind::ALL.len());
        assert!(actions.iter().all(|a| a.starts_with("stock.")));
    }

    #[test]
    fn a_level_change_keeps_the_counters_that_moved_and_the_reason() {
        let why = Why::movement(MovementKind::Adjustment, Some(AdjustmentReason::Damaged));
        let e = counters_changed(why, &level(10, 2, 0), &level(7, 2, 0));
        assert_eq!((e.action, e.entity_type), ("stock.adjusted", LEVEL));
        assert_eq!(e.entity_id, "CENTRAL/A");
        assert_eq!(
            e.changes.to_json(),
            json!({"on_hand": {"before": 10, "after": 7}})
        );
        assert_eq!(e.reason.as_deref(), Some("damaged"));
        let e = counters_changed(
            Why::counters("stock.reserved"),
            &level(5, 0, 0),
            &level(5, 0, 0),
        );
        assert!(e.changes.is_empty() && e.reason.is_none());
    }
}
