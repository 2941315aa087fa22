//! The dealer scorecard's counts per dealer and month (UTC), for instants in
//! `[from, to)`, of one dealer or all (`domain::scorecard` says what each counts).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Timestamptz};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

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

#[derive(Debug, Clone, QueryableByName)]
pub struct FillRow {
    #[diesel(sql_type = Text)]
    pub dealer_code: String,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub ordered: i64,
    #[diesel(sql_type = BigInt)]
    pub shipped_within_24h: i64,
}

/// Units ordered by the month of placement, and those shipped within 24 hours of it
/// (capped at each order's units).
pub async fn fill(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> QueryResult<Vec<FillRow>> {
    diesel::sql_query(
        "WITH o AS (
             SELECT order_id, dealer_code, placed_at, ordered FROM placed_orders
             WHERE placed_at >= $1 AND placed_at < $2 AND ($3::text IS NULL OR dealer_code = $3)
         ), s AS (
             SELECT s.order_id, SUM(s.qty) AS shipped
             FROM order_shipments s JOIN o ON o.order_id = s.order_id
             WHERE s.dispatched_at <= o.placed_at + interval '24 hours'
             GROUP BY s.order_id
         )
         SELECT o.dealer_code,
                date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date AS month,
                SUM(o.ordered)::bigint AS ordered,
                SUM(LEAST(COALESCE(s.shipped, 0), o.ordered))::bigint AS shipped_within_24h
         FROM o LEFT JOIN s ON s.order_id = o.order_id
         GROUP BY 1, 2",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .load(conn)
    .await
}
