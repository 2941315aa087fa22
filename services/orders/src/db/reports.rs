//! Report queries.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Debug, Clone, QueryableByName)]
pub struct FillRow {
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = BigInt)]
    pub ordered: i64,
    #[diesel(sql_type = BigInt)]
    pub reserved_at_placement: i64,
    #[diesel(sql_type = BigInt)]
    pub shipped_within_24h: i64,
}

use diesel::QueryableByName;

/// Per dealer, for orders placed in `[from, to)`: ordered units, units reserved by
/// catalog's first allocation, and units shipped within 24 h of placement (capped
/// at what the order asked for).
pub async fn fill_rate(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer_code: Option<&str>,
) -> diesel::QueryResult<Vec<FillRow>> {
    diesel::sql_query(
        "WITH o AS (
             SELECT id, dealer_code, placed_at FROM orders
             WHERE placed_at >= $1 AND placed_at < $2 AND ($3::text IS NULL OR dealer_code = $3)
         ), l AS (
             SELECT l.order_id, SUM(l.qty) AS ordered, SUM(COALESCE(l.initial_reserved, 0)) AS reserved
             FROM order_lines l JOIN o ON o.id = l.order_id GROUP BY l.order_id
         ), s AS (
             SELECT s.order_id, SUM(s.qty) AS shipped
             FROM order_shipments s JOIN o ON o.id = s.order_id
             WHERE s.dispatched_at <= o.placed_at + interval '24 hours'
             GROUP BY s.order_id
         )
         SELECT o.dealer_code,
                SUM(l.ordered)::bigint AS ordered,
                SUM(l.reserved)::bigint AS reserved_at_placement,
                SUM(LEAST(COALESCE(s.shipped, 0), l.ordered))::bigint AS shipped_within_24h
         FROM o JOIN l ON l.order_id = o.id LEFT JOIN s ON s.order_id = o.id
         GROUP BY o.dealer_code ORDER BY o.dealer_code",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer_code)
    .load(conn)
    .await
}
