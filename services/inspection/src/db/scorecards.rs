//! The dealer scorecard's counts per dealer and month (UTC), for instants in
//! `[from, to)`, of one dealer or all (`domain::scorecard` says what each counts).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct DecidedRow {
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub decided: i64,
    #[diesel(sql_type = BigInt)]
    pub rejected: i64,
    /// Submission → an inspector's decision (claims decided by a rule have none).
    #[diesel(sql_type = Array<BigInt>)]
    pub cycle_seconds: Vec<i64>,
}

/// Claims by the month they were decided. Decided without an inspector's decision
/// means rejected by a rule (at submission, or for a part not returned).
pub async fn decided(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> QueryResult<Vec<DecidedRow>> {
    diesel::sql_query(
        "SELECT dealer_code,
                date_trunc('month', decided_at AT TIME ZONE 'UTC')::date AS month,
                count(*) AS decided,
                count(*) FILTER (WHERE COALESCE(decision, 'rejected') = 'rejected') AS rejected,
                COALESCE(array_agg(GREATEST(EXTRACT(EPOCH FROM decided_at - submitted_at), 0)::bigint)
                         FILTER (WHERE decision IS NOT NULL), '{}') AS cycle_seconds
         FROM claims
         WHERE decided_at >= $1 AND decided_at < $2 AND ($3::text IS NULL OR dealer_code = $3)
         GROUP BY 1, 2",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .load(conn)
    .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ReturnsRow {
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub due: i64,
    #[diesel(sql_type = BigInt)]
    pub on_time: i64,
}

/// Parts that must come back, by the month of their deadline: due once received or
/// past the deadline; on time when received by it.
pub async fn returns(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<ReturnsRow>> {
    diesel::sql_query(
        "SELECT c.dealer_code,
                date_trunc('month', c.return_deadline AT TIME ZONE 'UTC')::date AS month,
                count(*) FILTER (WHERE i.received_at IS NOT NULL OR c.return_deadline < $4) AS due,
                count(*) FILTER (WHERE i.received_at <= c.return_deadline) AS on_time
         FROM claims c LEFT JOIN claim_inspections i ON i.claim_id = c.id
         WHERE c.return_required AND c.return_deadline >= $1 AND c.return_deadline < $2
           AND ($3::text IS NULL OR c.dealer_code = $3)
         GROUP BY 1, 2",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await
}

/// One order line placed in the period, with what the fill rate weighs
/// (`domain::scorecard::order_fill`). An order kept without its lines (before
/// inspection kept them) is one row of all its units, with `line_no` null.
#[derive(Debug, Clone, QueryableByName)]
pub struct FillLineRow {
    #[diesel(sql_type = SqlUuid)]
    pub order_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    /// The dealer cancelled the order.
    #[diesel(sql_type = Bool)]
    pub cancelled: bool,
    #[diesel(sql_type = BigInt)]
    pub ordered: i64,
    /// This line's units in the order's shipments, ever and within 24 h of placement.
    #[diesel(sql_type = BigInt)]
    pub shipped: i64,
    #[diesel(sql_type = BigInt)]
    pub shipped_within_24h: i64,
    /// The whole order's shipped units (the same on each of its rows), ever and within
    /// 24 h: more than its lines' when a shipment was kept without its lines.
    #[diesel(sql_type = BigInt)]
    pub order_shipped: i64,
    #[diesel(sql_type = BigInt)]
    pub order_shipped_within_24h: i64,
}

/// Every line of the orders placed in `[from, to)` (of `dealer` only, when given),
/// by order then line number, with the month of placement.
pub async fn fill_lines(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> QueryResult<Vec<FillLineRow>> {
    diesel::sql_query(
        "WITH o AS (
             SELECT p.order_id, p.dealer_code, p.placed_at, p.ordered, c.order_id IS NOT NULL AS cancelled
             FROM placed_orders p LEFT JOIN cancelled_orders c ON c.order_id = p.order_id
             WHERE p.placed_at >= $1 AND p.placed_at < $2 AND ($3::text IS NULL OR p.dealer_code = $3)
         ), s AS (
             SELECT s.shipment_id, s.order_id, s.qty,
                    s.dispatched_at <= o.placed_at + interval '24 hours' AS in_time
             FROM order_shipments s JOIN o ON o.order_id = s.order_id
         ), by_line AS (
             SELECT s.order_id, sl.line_no, SUM(sl.qty) AS shipped,
                    COALESCE(SUM(sl.qty) FILTER (WHERE s.in_time), 0) AS in_time
             FROM s JOIN order_shipment_lines sl ON sl.shipment_id = s.shipment_id
             GROUP BY 1, 2
         ), by_order AS (
             SELECT order_id, SUM(qty) AS shipped,
                    COALESCE(SUM(qty) FILTER (WHERE in_time), 0) AS in_time
             FROM s GROUP BY 1
         )
         SELECT o.order_id, o.dealer_code,
                date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date AS month,
                o.cancelled,
                COALESCE(l.qty, o.ordered)::bigint AS ordered,
                COALESCE(b.shipped, 0)::bigint AS shipped,
                COALESCE(b.in_time, 0)::bigint AS shipped_within_24h,
                COALESCE(t.shipped, 0)::bigint AS order_shipped,
                COALESCE(t.in_time, 0)::bigint AS order_shipped_within_24h
         FROM o LEFT JOIN placed_order_lines l ON l.order_id = o.order_id
         LEFT JOIN by_line b ON b.order_id = o.order_id AND b.line_no = l.line_no
         LEFT JOIN by_order t ON t.order_id = o.order_id
         ORDER BY o.order_id, l.line_no",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .load(conn)
    .await
}
