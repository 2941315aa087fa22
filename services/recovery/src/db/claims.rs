//! Recovery claims to suppliers.

use aftersales_web::pagination::{self, Position};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::recovery_claims as rc;
use crate::domain::claim::{ClaimStatus, Origin};
use crate::domain::line::LineStatus;
use crate::domain::{Currency, SupplierCode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rc)]
pub struct Claim {
    pub id: Uuid,
    pub number: String,
    pub supplier_code: SupplierCode,
    pub currency: Currency,
    pub status: ClaimStatus,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
    pub origin: Origin,
}

#[derive(QueryableByName)]
struct NextVal {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The next human claim number, `RC-000007`.
pub async fn next_number(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    let next: NextVal =
        aftersales_web::db::prepared("SELECT nextval('recovery_claim_number_seq') AS n")
            .get_result(conn)
            .await?;
    Ok(format!("RC-{:06}", next.n))
}

pub async fn insert(conn: &mut AsyncPgConnection, claim: &Claim) -> QueryResult<()> {
    diesel::insert_into(rc::table)
        .values(claim)
        .execute(conn)
        .await?;
    Ok(())
}

// The claim, locked until the transaction ends: every change of a claim or its
// lines reads and writes under this lock.
aftersales_web::find_and_lock!(rc::table, Claim, Uuid);

/// Draft claims holding a line whose filing deadline is before `today`, locked in id
/// order: the sweep takes such a line out only under its claim's lock, as every
/// change of a claim's lines does, so a submission and the sweep never both win.
pub async fn lock_drafts_holding_overdue(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> QueryResult<Vec<Uuid>> {
    use super::schema::recovery_lines as rl;
    let holding = rl::table
        .filter(rl::status.eq(LineStatus::Batched))
        .filter(rl::filing_deadline.lt(today))
        .select(rl::recovery_claim_id.assume_not_null());
    rc::table
        .filter(rc::status.eq(ClaimStatus::Draft))
        .filter(rc::id.eq_any(holding))
        .order(rc::id)
        .select(rc::id)
        .for_update()
        .load(conn)
        .await
}

/// Claims of a supplier in the given statuses (all of `ids` if given), locked, in
/// id order so that concurrent payers lock them in the same order.
pub async fn lock_payable(
    conn: &mut AsyncPgConnection,
    supplier: &str,
    ids: Option<&[Uuid]>,
) -> QueryResult<Vec<Claim>> {
    let base = rc::table
        .filter(rc::supplier_code.eq(supplier.to_owned()))
        .filter(rc::status.eq_any([
            ClaimStatus::Submitted.as_str(),
            ClaimStatus::Responded.as_str(),
        ]))
        .order(rc::id)
        .select(Claim::as_select());
    match ids {
        Some(ids) => {
            base.filter(rc::id.eq_any(ids.to_vec()))
                .for_update()
                .load(conn)
                .await
        }
        None => base.for_update().load(conn).await,
    }
}

/// Moves the claim to `status`, stamping when it was submitted, answered or settled.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ClaimStatus,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    let target = rc::table.find(id);
    match status {
        ClaimStatus::Submitted => {
            diesel::update(target)
                .set((rc::status.eq(status), rc::submitted_at.eq(Some(at))))
                .execute(conn)
                .await?
        }
        ClaimStatus::Responded => {
            diesel::update(target)
                .set((rc::status.eq(status), rc::responded_at.eq(Some(at))))
                .execute(conn)
                .await?
        }
        ClaimStatus::Settled => {
            diesel::update(target)
                .set((
                    rc::status.eq(status),
                    rc::responded_at.eq(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
                    >("COALESCE(responded_at, now())")),
                    rc::settled_at.eq(Some(at)),
                ))
                .execute(conn)
                .await?
        }
        ClaimStatus::Draft => {
            diesel::update(target)
                .set(rc::status.eq(status))
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

/// Filters of the claim list; `after` is the `(created_at, id)` of the last row seen.
pub struct ListFilter {
    pub status: Option<ClaimStatus>,
    pub supplier_code: Option<String>,
    pub origin: Option<Origin>,
    pub after: Option<Position>,
}

/// Claims newest first, after the cursor `(created_at, id)`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ListFilter,
    limit: i64,
) -> QueryResult<Vec<Claim>> {
    let filter = pagination::all([
        pagination::eq_if(rc::status, filter.status.map(ClaimStatus::as_str)),
        pagination::eq_if(rc::supplier_code, filter.supplier_code.as_deref()),
        pagination::eq_if(rc::origin, filter.origin.map(Origin::as_str)),
        filter
            .after
            .map(|after| pagination::older_than(rc::created_at, rc::id, after)),
    ]);
    rc::table
        .select(Claim::as_select())
        .filter(filter)
        .order((rc::created_at.desc(), rc::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}
