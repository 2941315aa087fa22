//! Credit memos, write-offs and their allocations to accepted lines.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use aftersales_web::pagination::{self, Position, Predicate};

use super::schema::{allocations, credit_memos, recovery_claims, recovery_lines, write_offs};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credit_memos)]
pub struct CreditMemo {
    pub id: Uuid,
    pub supplier_code: String,
    pub reference: String,
    pub memo_date: NaiveDate,
    pub amount: Decimal,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = write_offs)]
pub struct WriteOff {
    pub id: Uuid,
    pub recovery_claim_id: Uuid,
    pub amount: Decimal,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = allocations)]
pub struct Allocation {
    pub id: i64,
    pub line_id: Uuid,
    pub credit_memo_id: Option<Uuid>,
    pub write_off_id: Option<Uuid>,
    pub amount: Decimal,
}

/// Inserts the memo; `None` when the supplier's reference is already recorded.
pub async fn insert_memo(
    conn: &mut AsyncPgConnection,
    memo: &CreditMemo,
) -> QueryResult<Option<CreditMemo>> {
    diesel::insert_into(credit_memos::table)
        .values(memo)
        .on_conflict_do_nothing()
        .returning(CreditMemo::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn insert_write_off(conn: &mut AsyncPgConnection, w: &WriteOff) -> QueryResult<WriteOff> {
    diesel::insert_into(write_offs::table)
        .values(w)
        .returning(WriteOff::as_returning())
        .get_result(conn)
        .await
}

/// Records the shares `(line, amount)` of a memo or a write-off.
pub async fn allocate(
    conn: &mut AsyncPgConnection,
    memo: Option<Uuid>,
    write_off: Option<Uuid>,
    shares: &[(Uuid, Decimal)],
) -> QueryResult<()> {
    let rows: Vec<_> = shares
        .iter()
        .map(|(line, amount)| {
            (
                allocations::line_id.eq(*line),
                allocations::credit_memo_id.eq(memo),
                allocations::write_off_id.eq(write_off),
                allocations::amount.eq(*amount),
            )
        })
        .collect();
    diesel::insert_into(allocations::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Allocations of a memo or write-off, each with the recovery claim its line is in
/// (`None` only if the line left its claim, which the service never does).
pub async fn allocations_of(
    conn: &mut AsyncPgConnection,
    memo: Option<Uuid>,
    write_off: Option<Uuid>,
) -> QueryResult<Vec<(Allocation, Option<Uuid>)>> {
    let mut query = allocations::table
        .inner_join(recovery_lines::table)
        .select((Allocation::as_select(), recovery_lines::recovery_claim_id))
        .order(allocations::id)
        .into_boxed();
    if let Some(m) = memo {
        query = query.filter(allocations::credit_memo_id.eq(m));
    }
    if let Some(w) = write_off {
        query = query.filter(allocations::write_off_id.eq(w));
    }
    query.load(conn).await
}

/// Memos newest first after `(created_at, id)`.
pub async fn list_memos(
    conn: &mut AsyncPgConnection,
    supplier: Option<&str>,
    after: Option<Position>,
    limit: i64,
) -> QueryResult<Vec<CreditMemo>> {
    let mut query = credit_memos::table
        .select(CreditMemo::as_select())
        .order((credit_memos::created_at.desc(), credit_memos::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(s) = supplier {
        query = query.filter(credit_memos::supplier_code.eq(s.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(pagination::older_than(
            credit_memos::created_at,
            credit_memos::id,
            after,
        ));
    }
    query.load(conn).await
}

/// The claim a write-off is on, as the write-off list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct WrittenOffClaim {
    pub number: String,
    pub supplier_code: String,
    pub currency: String,
}

/// Filters of the write-off list: the claim or its supplier, a period `[from, to)`
/// of `created_at`, and the `(created_at, id)` of the last row seen.
#[derive(Debug, Default)]
pub struct WriteOffFilter {
    pub recovery_claim_id: Option<Uuid>,
    pub supplier_code: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub after: Option<Position>,
}

type WriteOffSource =
    diesel::helper_types::InnerJoinQuerySource<write_offs::table, recovery_claims::table>;

/// Write-offs newest first, each with its claim.
pub async fn list_write_offs(
    conn: &mut AsyncPgConnection,
    filter: &WriteOffFilter,
    limit: i64,
) -> QueryResult<Vec<(WriteOff, WrittenOffClaim)>> {
    let at = write_offs::created_at;
    let predicate: Predicate<WriteOffSource> = pagination::all([
        pagination::eq_if(
            recovery_claims::supplier_code,
            filter.supplier_code.as_deref(),
        ),
        filter
            .recovery_claim_id
            .map(|id| Box::new(write_offs::recovery_claim_id.eq(id)) as Predicate<WriteOffSource>),
        filter
            .from
            .map(|from| Box::new(at.ge(from)) as Predicate<WriteOffSource>),
        filter
            .to
            .map(|to| Box::new(at.lt(to)) as Predicate<WriteOffSource>),
        filter
            .after
            .map(|after| pagination::older_than(at, write_offs::id, after)),
    ]);
    write_offs::table
        .inner_join(recovery_claims::table)
        .select((
            WriteOff::as_select(),
            (
                recovery_claims::number,
                recovery_claims::supplier_code,
                recovery_claims::currency,
            ),
        ))
        .filter(predicate)
        .order((at.desc(), write_offs::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}
