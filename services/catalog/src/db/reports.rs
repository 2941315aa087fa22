//! Reads behind the stock reports: valued stock, levels without available stock,
//! open backorders.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::Result;
use crate::domain::allocation::Priority;

/// Stock on hand of one part in one warehouse with the price in force.
#[derive(Debug, Clone, QueryableByName)]
pub struct Valued {
    #[diesel(sql_type = Text)]
    pub warehouse_code: String,
    #[diesel(sql_type = Text)]
    pub part_number: String,
    #[diesel(sql_type = Integer)]
    pub on_hand: i32,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Nullable<Numeric>)]
    pub unit_price: Option<Decimal>,
}

/// Levels with units on hand, by warehouse then part, priced at `at`.
pub async fn valued_stock(
    c: &mut AsyncPgConnection,
    warehouse: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<Valued>> {
    Ok(diesel::sql_query(
        "SELECT s.warehouse_code, s.part_number, s.on_hand, p.currency, pr.price AS unit_price \
         FROM stock_levels s \
         JOIN parts p ON p.part_number = s.part_number \
         LEFT JOIN LATERAL ( \
             SELECT pp.price FROM part_prices pp \
             WHERE pp.part_number = s.part_number AND pp.effective_from <= $2 \
             ORDER BY pp.effective_from DESC LIMIT 1) pr ON TRUE \
         WHERE s.on_hand > 0 AND ($1::text IS NULL OR s.warehouse_code = $1) \
         ORDER BY s.warehouse_code, s.part_number",
    )
    .bind::<Nullable<Text>, _>(warehouse)
    .bind::<Timestamptz, _>(at)
    .load(c)
    .await?)
}

/// A level (or a part ordered where it was never stocked) with nothing available,
/// and the demand waiting for it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Short {
    #[diesel(sql_type = Text)]
    pub warehouse_code: String,
    #[diesel(sql_type = Text)]
    pub part_number: String,
    #[diesel(sql_type = Integer)]
    pub on_hand: i32,
    #[diesel(sql_type = Integer)]
    pub reserved: i32,
    #[diesel(sql_type = Integer)]
    pub quarantined: i32,
    #[diesel(sql_type = Integer)]
    pub reorder_point: i32,
    #[diesel(sql_type = Integer)]
    pub reorder_qty: i32,
    #[diesel(sql_type = BigInt)]
    pub backordered: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub oldest_backorder: Option<DateTime<Utc>>,
}

/// Every level with `available <= 0`, with its open backorders; which of them are
/// stock-outs is `domain::reports::is_stockout`'s call.
pub async fn short_levels(
    c: &mut AsyncPgConnection,
    warehouse: Option<&str>,
) -> Result<Vec<Short>> {
    Ok(diesel::sql_query(
        "WITH demand AS ( \
             SELECT o.warehouse_code, l.reserved_part_number AS part_number, \
                    SUM(l.backordered)::BIGINT AS backordered, MIN(o.placed_at) AS oldest \
             FROM allocation_lines l JOIN order_allocations o USING (order_id) \
             WHERE l.backordered > 0 AND NOT o.cancelled \
             GROUP BY o.warehouse_code, l.reserved_part_number) \
         SELECT COALESCE(s.warehouse_code, d.warehouse_code) AS warehouse_code, \
                COALESCE(s.part_number, d.part_number) AS part_number, \
                COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved, \
                COALESCE(s.quarantined, 0) AS quarantined, \
                COALESCE(s.reorder_point, 0) AS reorder_point, \
                COALESCE(s.reorder_qty, 0) AS reorder_qty, \
                COALESCE(d.backordered, 0)::BIGINT AS backordered, d.oldest AS oldest_backorder \
         FROM stock_levels s FULL JOIN demand d \
           ON d.warehouse_code = s.warehouse_code AND d.part_number = s.part_number \
         WHERE COALESCE(s.on_hand - s.reserved - s.quarantined, 0) <= 0 \
           AND ($1::text IS NULL OR COALESCE(s.warehouse_code, d.warehouse_code) = $1) \
         ORDER BY 1, 2",
    )
    .bind::<Nullable<Text>, _>(warehouse)
    .load(c)
    .await?)
}

/// One order line waiting for stock.
#[derive(Debug, Clone, QueryableByName)]
pub struct Backorder {
    #[diesel(sql_type = SqlUuid)]
    pub order_id: Uuid,
    #[diesel(sql_type = Text)]
    pub order_number: String,
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = Text)]
    pub warehouse_code: String,
    #[diesel(sql_type = Text)]
    pub priority: Priority,
    #[diesel(sql_type = Timestamptz)]
    pub placed_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    pub line_no: i32,
    #[diesel(sql_type = Text)]
    pub part_number: String,
    #[diesel(sql_type = Text)]
    pub reserved_part_number: String,
    #[diesel(sql_type = Integer)]
    pub backordered: i32,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    pub expected_date: Option<chrono::NaiveDate>,
}

/// Open backorder lines, oldest order first.
pub async fn open_backorders(
    c: &mut AsyncPgConnection,
    warehouse: Option<&str>,
) -> Result<Vec<Backorder>> {
    Ok(diesel::sql_query(
        "SELECT o.order_id, o.order_number, o.dealer_code, o.warehouse_code, o.priority, \
                o.placed_at, l.line_no, l.part_number, l.reserved_part_number, l.backordered, \
                l.expected_date \
         FROM allocation_lines l JOIN order_allocations o USING (order_id) \
         WHERE l.backordered > 0 AND NOT o.cancelled \
           AND ($1::text IS NULL OR o.warehouse_code = $1) \
         ORDER BY o.placed_at, o.order_id, l.line_no",
    )
    .bind::<Nullable<Text>, _>(warehouse)
    .load(c)
    .await?)
}
