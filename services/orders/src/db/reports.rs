//! Report queries.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One order line of an order placed in the period, with what the fill rate weighs
/// (`domain::report::LineFacts`).
#[derive(Debug, Clone, QueryableByName)]
pub struct FillLineRow {
    #[diesel(sql_type = SqlUuid)]
    pub order_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = Text)]
    pub warehouse: String,
    #[diesel(sql_type = BigInt)]
    pub ordered: i64,
    /// Released by catalog after the dealer cancelled; 0 unless the dealer did.
    #[diesel(sql_type = BigInt)]
    pub released: i64,
    /// Reserved by catalog's first allocation.
    #[diesel(sql_type = BigInt)]
    pub reserved_at_placement: i64,
    /// This line's units in shipments dispatched within 24 h of placement.
    #[diesel(sql_type = BigInt)]
    pub shipped_within_24h: i64,
    /// The whole order's units in those shipments (the same on each of its lines):
    /// more than its lines' sum for shipments recorded before their lines were kept.
    #[diesel(sql_type = BigInt)]
    pub order_shipped_within_24h: i64,
}

/// Every line of the orders placed in `[from, to)` (of `dealer_code` only, when
/// given), by order then line number.
pub async fn fill_lines(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer_code: Option<&str>,
) -> diesel::QueryResult<Vec<FillLineRow>> {
    diesel::sql_query(
        "WITH o AS (
             SELECT id, dealer_code, warehouse, placed_at, cancel_requested_at IS NOT NULL AS cancelled
             FROM orders
             WHERE placed_at >= $1 AND placed_at < $2 AND ($3::text IS NULL OR dealer_code = $3)
         ), s AS (
             SELECT s.shipment_id, s.order_id, s.qty
             FROM order_shipments s JOIN o ON o.id = s.order_id
             WHERE s.dispatched_at <= o.placed_at + interval '24 hours'
         ), by_line AS (
             SELECT s.order_id, sl.line_no, SUM(sl.qty) AS shipped
             FROM s JOIN order_shipment_lines sl ON sl.shipment_id = s.shipment_id
             GROUP BY 1, 2
         ), by_order AS (
             SELECT order_id, SUM(qty) AS shipped FROM s GROUP BY 1
         )
         SELECT o.id AS order_id, o.dealer_code, o.warehouse,
                l.qty::bigint AS ordered,
                (CASE WHEN o.cancelled THEN l.released ELSE 0 END)::bigint AS released,
                COALESCE(l.initial_reserved, 0)::bigint AS reserved_at_placement,
                COALESCE(b.shipped, 0)::bigint AS shipped_within_24h,
                COALESCE(t.shipped, 0)::bigint AS order_shipped_within_24h
         FROM o JOIN order_lines l ON l.order_id = o.id
         LEFT JOIN by_line b ON b.order_id = o.id AND b.line_no = l.line_no
         LEFT JOIN by_order t ON t.order_id = o.id
         ORDER BY o.id, l.line_no",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer_code)
    .load(conn)
    .await
}
