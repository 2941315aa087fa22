//! Report queries over claims submitted in `[from, to)`, optionally of one dealer.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::domain::ClaimStatus;

/// The claims in the period, with their approved amounts (0 when none).
const PERIOD: &str = "WITH p AS (
    SELECT c.*, i.received_at, COALESCE(i.responsible_supplier, c.supplier_code) AS supplier,
           COALESCE(i.approved_parts_amount, 0) + COALESCE(i.approved_labor_amount, 0) AS approved
    FROM claims c JOIN claim_inspections i ON i.claim_id = c.id
    WHERE c.submitted_at >= $1 AND c.submitted_at < $2 AND ($3::text IS NULL OR c.dealer_code = $3)
)";

#[derive(Debug, Clone, QueryableByName)]
pub struct StatusRow {
    #[diesel(sql_type = Text)]
    pub status: ClaimStatus,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
    #[diesel(sql_type = Numeric)]
    pub claimed: Decimal,
    #[diesel(sql_type = Numeric)]
    pub approved: Decimal,
}

pub async fn by_status(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> diesel::QueryResult<Vec<StatusRow>> {
    diesel::sql_query(format!(
        "{PERIOD} SELECT status, currency, count(*) AS claims,
                 SUM(parts_amount + labor_amount) AS claimed, SUM(approved) AS approved
          FROM p GROUP BY status, currency ORDER BY status, currency"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .load(conn)
    .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Counts {
    /// Claims decided (by an inspector, at submission, or by the deadline job).
    #[diesel(sql_type = BigInt)]
    pub decided: i64,
    /// Of those, approved or partially approved.
    #[diesel(sql_type = BigInt)]
    pub approved: i64,
    /// Returnable parts due: received, or past their deadline.
    #[diesel(sql_type = BigInt)]
    pub returns_due: i64,
    /// Of those, received by the deadline.
    #[diesel(sql_type = BigInt)]
    pub returned_on_time: i64,
}

pub async fn counts(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> diesel::QueryResult<Counts> {
    diesel::sql_query(format!(
        "{PERIOD} SELECT
            count(*) FILTER (WHERE decided_at IS NOT NULL) AS decided,
            count(*) FILTER (WHERE decision IN ('approved', 'partially_approved')) AS approved,
            count(*) FILTER (WHERE return_required AND return_deadline IS NOT NULL
                             AND (received_at IS NOT NULL OR return_deadline < now())) AS returns_due,
            count(*) FILTER (WHERE return_required AND received_at <= return_deadline) AS returned_on_time
         FROM p"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .get_result(conn)
    .await
}

#[derive(Debug, Clone, QueryableByName)]
struct Seconds {
    #[diesel(sql_type = BigInt)]
    s: i64,
}

/// Seconds from submission to an inspector's decision.
pub async fn cycle_seconds(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> diesel::QueryResult<Vec<i64>> {
    let rows: Vec<Seconds> = diesel::sql_query(format!(
        "{PERIOD} SELECT EXTRACT(EPOCH FROM decided_at - submitted_at)::bigint AS s
          FROM p WHERE decision IS NOT NULL AND decided_at IS NOT NULL"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.s).collect())
}

#[derive(Debug, Clone, Copy)]
pub enum CostBy {
    Part,
    Supplier,
    Dealer,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CostRow {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
}

/// Approved warranty cost (parts + labor) of approved and partially approved claims.
pub async fn cost(
    conn: &mut AsyncPgConnection,
    by: CostBy,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dealer: Option<&str>,
) -> diesel::QueryResult<Vec<CostRow>> {
    let key = match by {
        CostBy::Part => "causal_part_number",
        CostBy::Supplier => "supplier",
        CostBy::Dealer => "dealer_code",
    };
    diesel::sql_query(format!(
        "{PERIOD} SELECT {key} AS key, currency, count(*) AS claims, SUM(approved) AS amount
          FROM p WHERE decision IN ('approved', 'partially_approved')
          GROUP BY {key}, currency ORDER BY amount DESC, key"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(dealer)
    .load(conn)
    .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct FailingRow {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = Text)]
    pub supplier_code: String,
    #[diesel(sql_type = Text)]
    pub part_number: String,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
    #[diesel(sql_type = BigInt)]
    pub rank: i64,
}

/// Per month (of submission, UTC) and supplier, the `limit` parts with the most claims.
/// Claims rejected at submission (never a failure looked at) are left out.
pub async fn top_failing(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> diesel::QueryResult<Vec<FailingRow>> {
    diesel::sql_query(format!(
        "{PERIOD}, m AS (
            SELECT to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, supplier AS supplier_code,
                   causal_part_number AS part_number, count(*) AS claims
            FROM p WHERE NOT (decision IS NULL AND status = 'rejected' AND decided_at = submitted_at)
            GROUP BY 1, 2, 3
        ), r AS (
            SELECT m.*, row_number() OVER (PARTITION BY month, supplier_code ORDER BY claims DESC, part_number) AS rank
            FROM m
        )
        SELECT month, supplier_code, part_number, claims, rank FROM r WHERE rank <= $4
        ORDER BY month, supplier_code, rank"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(None::<&str>)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
