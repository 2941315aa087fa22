//! What catalog knows of each order (`order_allocations`), its lines' allocation
//! (`allocation_lines`) and the tombstones of cancellations that arrived before
//! their order (`order_tombstones`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Result;
use super::schema::{allocation_lines, order_allocations, order_tombstones};
use crate::domain::allocation::{LineState, Priority, Waiting};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_allocations)]
pub struct Order {
    pub order_id: Uuid,
    pub order_number: String,
    pub dealer_code: String,
    pub warehouse_code: String,
    pub priority: Priority,
    pub placed_at: DateTime<Utc>,
    pub version: i64,
    pub cancelled: bool,
    pub created_at: DateTime<Utc>,
}

/// An order as first recorded (version 1).
#[derive(Debug, Clone, Copy)]
pub struct NewOrder<'a> {
    pub order_id: Uuid,
    pub order_number: &'a str,
    pub dealer_code: &'a str,
    pub warehouse_code: &'a str,
    pub priority: Priority,
    pub placed_at: DateTime<Utc>,
    pub cancelled: bool,
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
    /// When the backordered units are expected (never set without a backorder).
    pub expected_date: Option<NaiveDate>,
}

impl Line {
    /// A new line of `order_id` ordering `pn`, reserving `target`, in state `s`.
    pub fn new(order_id: Uuid, line_no: i32, pn: &str, target: &str, s: LineState) -> Self {
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
            expected_date: None,
        }
    }

    pub fn state(&self) -> LineState {
        LineState {
            ordered: self.ordered,
            reserved: self.reserved,
            backordered: self.backordered,
            shipped: self.shipped,
            released: self.released,
        }
    }

    /// The line in state `s`; a line no longer backordered expects nothing.
    pub fn with(mut self, s: LineState) -> Self {
        self.reserved = s.reserved;
        self.backordered = s.backordered;
        self.shipped = s.shipped;
        self.released = s.released;
        if s.backordered == 0 {
            self.expected_date = None;
        }
        self
    }
}

aftersales_web::row_by_key!(pub fn find_order(order_allocations::table, Uuid) -> Order);

/// The order, locked for the rest of the transaction.
pub async fn lock_order(c: &mut AsyncPgConnection, id: Uuid) -> Result<Order> {
    Ok(order_allocations::table
        .find(id)
        .select(Order::as_select())
        .for_update()
        .first(c)
        .await?)
}

pub async fn insert_order(c: &mut AsyncPgConnection, o: NewOrder<'_>) -> Result<()> {
    diesel::insert_into(order_allocations::table)
        .values((
            order_allocations::order_id.eq(o.order_id),
            order_allocations::order_number.eq(o.order_number),
            order_allocations::dealer_code.eq(o.dealer_code),
            order_allocations::warehouse_code.eq(o.warehouse_code),
            order_allocations::priority.eq(o.priority),
            order_allocations::placed_at.eq(o.placed_at),
            order_allocations::version.eq(1_i64),
            order_allocations::cancelled.eq(o.cancelled),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// Counts a change of the order's allocation (and sets its cancelled flag when
/// given); returns the new allocation version.
pub async fn bump(c: &mut AsyncPgConnection, id: Uuid, cancelled: Option<bool>) -> Result<i64> {
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

pub async fn lines(c: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<Line>> {
    Ok(allocation_lines::table
        .filter(allocation_lines::order_id.eq(id))
        .order(allocation_lines::line_no)
        .select(Line::as_select())
        .load(c)
        .await?)
}

pub async fn insert_lines(c: &mut AsyncPgConnection, rows: &[Line]) -> Result<()> {
    diesel::insert_into(allocation_lines::table)
        .values(rows)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn save_lines(c: &mut AsyncPgConnection, lines: &[Line]) -> Result<()> {
    for l in lines {
        diesel::update(allocation_lines::table.find((l.order_id, l.line_no)))
            .set((
                allocation_lines::reserved.eq(l.reserved),
                allocation_lines::backordered.eq(l.backordered),
                allocation_lines::shipped.eq(l.shipped),
                allocation_lines::released.eq(l.released),
                allocation_lines::expected_date.eq(l.expected_date),
            ))
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Whether a cancellation of `id` arrived before the order.
pub async fn has_tombstone(c: &mut AsyncPgConnection, id: Uuid) -> Result<bool> {
    let found: Option<Uuid> = order_tombstones::table
        .find(id)
        .select(order_tombstones::order_id)
        .first(c)
        .await
        .optional()?;
    Ok(found.is_some())
}

pub async fn insert_tombstone(c: &mut AsyncPgConnection, id: Uuid) -> Result<()> {
    diesel::insert_into(order_tombstones::table)
        .values(order_tombstones::order_id.eq(id))
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    Ok(())
}

/// The backordered lines of open orders waiting for `pn` in `wh`, keyed by
/// `(order id, line number)`, with the date each is expected now.
pub async fn waiting(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
) -> Result<Vec<(Waiting<(Uuid, i32)>, Option<NaiveDate>)>> {
    type Row = (Uuid, i32, Priority, DateTime<Utc>, i32, Option<NaiveDate>);
    let rows: Vec<Row> = allocation_lines::table
        .inner_join(order_allocations::table)
        .filter(order_allocations::warehouse_code.eq(wh))
        .filter(order_allocations::cancelled.eq(false))
        .filter(allocation_lines::reserved_part_number.eq(pn))
        .filter(allocation_lines::backordered.gt(0))
        .select((
            allocation_lines::order_id,
            allocation_lines::line_no,
            order_allocations::priority,
            order_allocations::placed_at,
            allocation_lines::backordered,
            allocation_lines::expected_date,
        ))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, line_no, priority, placed_at, backordered, date)| {
            let w = Waiting {
                key: (id, line_no),
                priority,
                placed_at,
                backordered,
            };
            (w, date)
        })
        .collect())
}
