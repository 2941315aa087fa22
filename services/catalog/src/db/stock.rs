//! Stock levels and the append-only ledger. Every change of a level goes through
//! [`write`], which posts the movements, keeps the stock-low flag and publishes
//! `catalog.stock_low` once per crossing.

use aftersales_messaging::contracts::catalog::StockLow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{cycle_counts, parts, stock_levels, stock_movements, warehouses};
use super::{Cause, Error, Result};
use crate::domain::stock::{Levels, MovementKind, StockError, stock_low};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stock_levels)]
pub struct Level {
    pub warehouse_code: String,
    pub part_number: String,
    pub on_hand: i32,
    pub reserved: i32,
    pub quarantined: i32,
    pub reorder_point: i32,
    pub reorder_qty: i32,
    pub bin: Option<String>,
    pub low_alerted: bool,
    pub updated_at: DateTime<Utc>,
}

impl Level {
    pub fn levels(&self) -> Levels {
        Levels {
            on_hand: self.on_hand,
            reserved: self.reserved,
            quarantined: self.quarantined,
        }
    }

    pub fn available(&self) -> i32 {
        self.levels().available()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stock_movements)]
pub struct Movement {
    pub id: i64,
    pub warehouse_code: String,
    pub part_number: String,
    pub kind: String,
    pub qty: i32,
    pub reason_code: Option<String>,
    pub reference: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// A movement to post: `qty` is the signed change of on hand.
#[derive(Debug, Clone)]
pub struct Move {
    pub kind: MovementKind,
    pub qty: i32,
    pub reason: Option<String>,
    pub reference: String,
    pub actor: String,
}

/// Whether the warehouse and part exist; the error names the missing one. `in_path`
/// chooses 404 (addressed in the URL) or 422 (referenced from a body).
pub async fn check_refs(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    in_path: bool,
) -> Result<()> {
    let wh_ok: Option<bool> = warehouses::table
        .find(wh)
        .select(warehouses::active)
        .first(c)
        .await
        .optional()?;
    let missing = |field: &str, msg: String| {
        if in_path {
            Error::NotFound(msg)
        } else {
            Error::invalid(field, msg)
        }
    };
    match wh_ok {
        None => {
            return Err(missing(
                "warehouse",
                format!("warehouse {wh} does not exist"),
            ));
        }
        Some(false) => {
            return Err(Error::invalid(
                "warehouse",
                format!("warehouse {wh} is inactive"),
            ));
        }
        Some(true) => {}
    }
    let part: Option<String> = parts::table
        .find(pn)
        .select(parts::part_number)
        .first(c)
        .await
        .optional()?;
    if part.is_none() {
        return Err(missing("part_number", format!("part {pn} does not exist")));
    }
    Ok(())
}

/// The level, created empty if missing, locked for the rest of the transaction.
pub async fn lock(c: &mut AsyncPgConnection, wh: &str, pn: &str) -> Result<Level> {
    diesel::insert_into(stock_levels::table)
        .values((
            stock_levels::warehouse_code.eq(wh),
            stock_levels::part_number.eq(pn),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    Ok(stock_levels::table
        .find((wh, pn))
        .select(Level::as_select())
        .for_update()
        .first(c)
        .await?)
}

pub async fn get(c: &mut AsyncPgConnection, wh: &str, pn: &str) -> Result<Option<Level>> {
    Ok(stock_levels::table
        .find((wh, pn))
        .select(Level::as_select())
        .first(c)
        .await
        .optional()?)
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
    let level: Level =
        diesel::update(stock_levels::table.find((&before.warehouse_code, &before.part_number)))
            .set((
                stock_levels::on_hand.eq(after.on_hand),
                stock_levels::reserved.eq(after.reserved),
                stock_levels::quarantined.eq(after.quarantined),
                stock_levels::low_alerted.eq(alerted),
                stock_levels::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Level::as_returning())
            .get_result(c)
            .await?;
    post(c, &level.warehouse_code, &level.part_number, moves).await?;
    if emit {
        publish_low(c, &level, cause).await?;
    }
    Ok(level)
}

async fn post(c: &mut AsyncPgConnection, wh: &str, pn: &str, moves: &[Move]) -> Result<()> {
    let rows: Vec<_> = moves
        .iter()
        .filter(|m| m.qty != 0)
        .map(|m| {
            (
                stock_movements::warehouse_code.eq(wh),
                stock_movements::part_number.eq(pn),
                stock_movements::kind.eq(m.kind.as_str()),
                stock_movements::qty.eq(m.qty),
                stock_movements::reason_code.eq(m.reason.as_deref()),
                stock_movements::reference.eq(&m.reference),
                stock_movements::actor.eq(&m.actor),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(stock_movements::table)
            .values(rows)
            .execute(c)
            .await?;
    }
    Ok(())
}

async fn publish_low(c: &mut AsyncPgConnection, level: &Level, cause: Cause<'_>) -> Result<()> {
    cause
        .publish(
            c,
            &StockLow {
                warehouse: level.warehouse_code.clone(),
                part_number: level.part_number.clone(),
                available: level.available(),
                reorder_point: level.reorder_point,
                reorder_qty: level.reorder_qty,
            },
        )
        .await
}

/// What a movement records besides its quantity.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub kind: MovementKind,
    pub reason: Option<&'a str>,
    pub reference: &'a str,
    pub actor: &'a str,
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
    let before = lock(c, wh, pn).await?;
    let after = op(before.levels())?;
    let moves = [Move {
        kind: entry.kind,
        qty: after.on_hand - before.on_hand,
        reason: entry.reason.map(str::to_owned),
        reference: entry.reference.to_owned(),
        actor: entry.actor.to_owned(),
    }];
    write(c, &before, after, &moves, cause).await
}

/// Sets reorder point, reorder quantity and bin; may raise or re-arm stock-low.
pub async fn set_settings(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    reorder_point: i32,
    reorder_qty: i32,
    bin: Option<&str>,
    cause: Cause<'_>,
) -> Result<Level> {
    let before = lock(c, wh, pn).await?;
    let (alerted, emit) = stock_low(before.low_alerted, before.available(), reorder_point);
    let level: Level = diesel::update(stock_levels::table.find((wh, pn)))
        .set((
            stock_levels::reorder_point.eq(reorder_point),
            stock_levels::reorder_qty.eq(reorder_qty),
            stock_levels::bin.eq(bin),
            stock_levels::low_alerted.eq(alerted),
            stock_levels::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Level::as_returning())
        .get_result(c)
        .await?;
    if emit {
        publish_low(c, &level, cause).await?;
    }
    Ok(level)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cycle_counts)]
pub struct Count {
    pub id: Uuid,
    pub warehouse_code: String,
    pub part_number: String,
    pub counted: i32,
    pub expected: i32,
    pub variance: i32,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// Records a cycle count and posts its variance.
pub async fn count(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    counted: i32,
    actor: &str,
    cause: Cause<'_>,
) -> Result<(Count, Level)> {
    let id = Uuid::now_v7();
    let before = lock(c, wh, pn).await?;
    let (after, variance) = before.levels().count(counted)?;
    let row: Count = diesel::insert_into(cycle_counts::table)
        .values((
            cycle_counts::id.eq(id),
            cycle_counts::warehouse_code.eq(wh),
            cycle_counts::part_number.eq(pn),
            cycle_counts::counted.eq(counted),
            cycle_counts::expected.eq(before.on_hand),
            cycle_counts::variance.eq(variance),
            cycle_counts::actor.eq(actor),
        ))
        .returning(Count::as_returning())
        .get_result(c)
        .await?;
    let moves = [Move {
        kind: MovementKind::CountVariance,
        qty: variance,
        reason: None,
        reference: format!("count:{id}"),
        actor: actor.to_owned(),
    }];
    let level = write(c, &before, after, &moves, cause).await?;
    Ok((row, level))
}

/// Levels filtered by warehouse and/or part, after position `after`.
pub async fn list(
    c: &mut AsyncPgConnection,
    wh: Option<&str>,
    pn: Option<&str>,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<Level>> {
    let mut q = stock_levels::table
        .select(Level::as_select())
        .order((stock_levels::warehouse_code, stock_levels::part_number))
        .into_boxed();
    if let Some(wh) = wh {
        q = q.filter(stock_levels::warehouse_code.eq(wh.to_owned()));
    }
    if let Some(pn) = pn {
        q = q.filter(stock_levels::part_number.eq(pn.to_owned()));
    }
    if let Some((w, p)) = after {
        q = q.filter(
            stock_levels::warehouse_code
                .gt(w.clone())
                .or(stock_levels::warehouse_code
                    .eq(w)
                    .and(stock_levels::part_number.gt(p))),
        );
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

pub async fn movements(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Movement>> {
    let mut q = stock_movements::table
        .filter(stock_movements::warehouse_code.eq(wh))
        .filter(stock_movements::part_number.eq(pn))
        .order(stock_movements::id)
        .select(Movement::as_select())
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(stock_movements::id.gt(after));
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

/// Sum of the ledger of one level (invariant 1 says it equals on hand).
pub async fn ledger_sum(c: &mut AsyncPgConnection, wh: &str, pn: &str) -> Result<i64> {
    let sum: Option<i64> = stock_movements::table
        .filter(stock_movements::warehouse_code.eq(wh))
        .filter(stock_movements::part_number.eq(pn))
        .select(diesel::dsl::sum(stock_movements::qty))
        .first(c)
        .await?;
    Ok(sum.unwrap_or(0))
}
