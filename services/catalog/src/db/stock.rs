//! Stock levels (`stock_levels`), the append-only ledger (`stock_movements`) and
//! cycle counts. `app::stock::write` is the one writer of a level's counters.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Result;
use super::schema::{cycle_counts, stock_levels, stock_movements};
use crate::domain::stock::{AdjustmentReason, Levels, MovementKind};

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
    pub kind: MovementKind,
    pub qty: i32,
    pub reason_code: Option<AdjustmentReason>,
    pub reference: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// A movement to post: `qty` is the signed change of on hand.
#[derive(Debug, Clone)]
pub struct Move {
    pub kind: MovementKind,
    pub qty: i32,
    pub reason: Option<AdjustmentReason>,
    pub reference: String,
    pub actor: String,
}

/// The level, created empty if missing, locked for the rest of the transaction.
pub async fn lock(c: &mut AsyncPgConnection, wh: &str, pn: &str) -> Result<Level> {
    let locked = stock_levels::table
        .find((wh, pn))
        .select(Level::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?;
    if let Some(level) = locked {
        return Ok(level);
    }
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

/// Locks those of the `(warehouse, part)` levels that exist, in the global lock order
/// (by warehouse, then part, compared as bytes like the `BTreeSet`s of the other
/// lockers), in one round trip. Missing levels are created later by [`lock`].
pub async fn lock_existing(
    c: &mut AsyncPgConnection,
    levels: &BTreeSet<(String, String)>,
) -> Result<()> {
    use diesel::sql_types::{Array, Text};
    let (warehouses, parts): (Vec<&str>, Vec<&str>) =
        levels.iter().map(|(w, p)| (w.as_str(), p.as_str())).unzip();
    aftersales_web::db::prepared(
        "SELECT 1 FROM stock_levels s \
         JOIN unnest($1::text[], $2::text[]) AS k(w, p) \
           ON s.warehouse_code = k.w AND s.part_number = k.p \
         ORDER BY s.warehouse_code COLLATE \"C\", s.part_number COLLATE \"C\" \
         FOR UPDATE OF s",
    )
    .bind::<Array<Text>, _>(warehouses)
    .bind::<Array<Text>, _>(parts)
    .execute(c)
    .await?;
    Ok(())
}

/// Locks the levels of `parts` in `wh`, in the global lock order.
pub async fn lock_many(
    c: &mut AsyncPgConnection,
    wh: &str,
    parts: BTreeSet<String>,
) -> Result<BTreeMap<String, Level>> {
    let mut out = BTreeMap::new();
    for pn in parts {
        let level = lock(c, wh, &pn).await?;
        out.insert(pn, level);
    }
    Ok(out)
}

pub async fn get(c: &mut AsyncPgConnection, wh: &str, pn: &str) -> Result<Option<Level>> {
    Ok(stock_levels::table
        .find((wh, pn))
        .select(Level::as_select())
        .first(c)
        .await
        .optional()?)
}

/// Stores the counters and the stock-low flag of a locked level.
pub async fn update_counters(
    c: &mut AsyncPgConnection,
    level: &Level,
    after: Levels,
    low_alerted: bool,
) -> Result<Level> {
    Ok(
        diesel::update(stock_levels::table.find((&level.warehouse_code, &level.part_number)))
            .set((
                stock_levels::on_hand.eq(after.on_hand),
                stock_levels::reserved.eq(after.reserved),
                stock_levels::quarantined.eq(after.quarantined),
                stock_levels::low_alerted.eq(low_alerted),
                stock_levels::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Level::as_returning())
            .get_result(c)
            .await?,
    )
}

/// Stores reorder point, reorder quantity, bin and the stock-low flag.
pub async fn update_settings(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    reorder_point: i32,
    reorder_qty: i32,
    bin: Option<&str>,
    low_alerted: bool,
) -> Result<Level> {
    Ok(diesel::update(stock_levels::table.find((wh, pn)))
        .set((
            stock_levels::reorder_point.eq(reorder_point),
            stock_levels::reorder_qty.eq(reorder_qty),
            stock_levels::bin.eq(bin),
            stock_levels::low_alerted.eq(low_alerted),
            stock_levels::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Level::as_returning())
        .get_result(c)
        .await?)
}

/// Appends `moves` (those with a quantity) to the ledger of one level.
pub async fn post(c: &mut AsyncPgConnection, wh: &str, pn: &str, moves: &[Move]) -> Result<()> {
    let rows: Vec<_> = moves
        .iter()
        .filter(|m| m.qty != 0)
        .map(|m| {
            (
                stock_movements::warehouse_code.eq(wh),
                stock_movements::part_number.eq(pn),
                stock_movements::kind.eq(m.kind),
                stock_movements::qty.eq(m.qty),
                stock_movements::reason_code.eq(m.reason.map(AdjustmentReason::as_str)),
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

/// The record of a cycle count: what was counted and what the level said.
#[derive(Debug, Clone, Copy)]
pub struct NewCount<'a> {
    pub id: Uuid,
    pub warehouse: &'a str,
    pub part_number: &'a str,
    pub counted: i32,
    pub expected: i32,
    pub variance: i32,
    pub actor: &'a str,
}

pub async fn insert_count(c: &mut AsyncPgConnection, n: NewCount<'_>) -> Result<Count> {
    Ok(diesel::insert_into(cycle_counts::table)
        .values((
            cycle_counts::id.eq(n.id),
            cycle_counts::warehouse_code.eq(n.warehouse),
            cycle_counts::part_number.eq(n.part_number),
            cycle_counts::counted.eq(n.counted),
            cycle_counts::expected.eq(n.expected),
            cycle_counts::variance.eq(n.variance),
            cycle_counts::actor.eq(n.actor),
        ))
        .returning(Count::as_returning())
        .get_result(c)
        .await?)
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

/// The levels of `parts` in active warehouses.
pub async fn of_parts_in_active(c: &mut AsyncPgConnection, parts: &[String]) -> Result<Vec<Level>> {
    use super::schema::warehouses;
    Ok(stock_levels::table
        .inner_join(warehouses::table.on(warehouses::code.eq(stock_levels::warehouse_code)))
        .filter(warehouses::active)
        .filter(stock_levels::part_number.eq_any(parts))
        .select(Level::as_select())
        .load(c)
        .await?)
}
