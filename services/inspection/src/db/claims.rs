//! Warranty claims, their parts and labor lines, and the return-deadline sweep and
//! reminders.

use aftersales_web::pagination::Predicate;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{
    claim_details, claim_inspections, claim_labor_lines, claim_part_lines, claims,
};
use crate::domain::{
    CauseCode, ClaimStatus, Currency, DealerCode, DispositionKind, PartNumber, ReasonCode,
    SupplierCode, Verdict, WarehouseCode,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = claims)]
pub struct Claim {
    pub id: Uuid,
    pub number: String,
    pub dealer_code: DealerCode,
    pub unit_serial: String,
    pub causal_part_number: PartNumber,
    pub supplier_code: SupplierCode,
    pub status: ClaimStatus,
    pub decision: Option<Verdict>,
    pub reasons: Vec<ReasonCode>,
    pub currency: Currency,
    pub parts_amount: Decimal,
    pub labor_amount: Decimal,
    pub return_required: bool,
    pub return_deadline: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The goodwill pre-authorization the claim is filed under, and its share.
    pub preauthorization_id: Option<Uuid>,
    pub goodwill_pct: Option<Decimal>,
    /// Coverage checks the claim failed that its pre-authorization or campaign waived.
    pub waived_reasons: Vec<ReasonCode>,
    /// The service campaign the claim is filed under.
    pub campaign_code: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = claim_details)]
pub struct Details {
    pub claim_id: Uuid,
    pub failure_date: NaiveDate,
    pub repair_date: NaiveDate,
    pub usage_at_failure: i64,
    pub complaint: String,
    pub cause: String,
    pub correction: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claim_inspections)]
pub struct Inspection {
    pub claim_id: Uuid,
    pub received_at: Option<DateTime<Utc>>,
    pub receipt_warehouse: Option<WarehouseCode>,
    pub receipt_quantity: Option<i32>,
    pub failure_mode: Option<String>,
    pub cause_code: Option<CauseCode>,
    pub responsible_supplier: Option<SupplierCode>,
    pub approved_parts_amount: Option<Decimal>,
    pub approved_labor_amount: Option<Decimal>,
    pub decided_by: Option<String>,
    pub disposition: Option<DispositionKind>,
    pub disposed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = claim_part_lines)]
pub struct PartLine {
    pub claim_id: Uuid,
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
    pub unit_price: Decimal,
    pub currency: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = claim_labor_lines)]
pub struct LaborLine {
    pub claim_id: Uuid,
    pub line_no: i32,
    pub operation_code: String,
    pub claimed_hours: Decimal,
    pub standard_hours: Decimal,
    pub paid_hours: Decimal,
    pub rate: Decimal,
    pub amount: Decimal,
}

/// The next human claim number, `WC-000045`.
pub async fn next_number(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    super::next_number(conn, "claim_number_seq", "WC").await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    claim: &Claim,
    details: &Details,
    parts: &[PartLine],
    labor: &[LaborLine],
) -> QueryResult<()> {
    diesel::insert_into(claims::table)
        .values(claim)
        .execute(conn)
        .await?;
    diesel::insert_into(claim_details::table)
        .values(details)
        .execute(conn)
        .await?;
    diesel::insert_into(claim_inspections::table)
        .values(claim_inspections::claim_id.eq(claim.id))
        .execute(conn)
        .await?;
    diesel::insert_into(claim_part_lines::table)
        .values(parts)
        .execute(conn)
        .await?;
    diesel::insert_into(claim_labor_lines::table)
        .values(labor)
        .execute(conn)
        .await?;
    Ok(())
}

// The claim, locked until the transaction ends (every status change reads, checks
// the state machine, then writes).
aftersales_web::find_and_lock!(claims::table, Claim, Uuid);

/// Claims that were not rejected, at submission or by an inspector (a claim an
/// inspector rejected keeps that decision once closed): what uses up a
/// pre-authorization or a campaign's unit.
pub fn not_rejected() -> Predicate<claims::table> {
    Box::new(
        claims::status
            .ne(ClaimStatus::Rejected)
            .and(claims::decision.is_distinct_from(Verdict::Rejected.as_str())),
    )
}

pub async fn part_lines(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<PartLine>> {
    claim_part_lines::table
        .filter(claim_part_lines::claim_id.eq(id))
        .order(claim_part_lines::line_no)
        .select(PartLine::as_select())
        .load(conn)
        .await
}

pub async fn labor_lines(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<LaborLine>> {
    claim_labor_lines::table
        .filter(claim_labor_lines::claim_id.eq(id))
        .order(claim_labor_lines::line_no)
        .select(LaborLine::as_select())
        .load(conn)
        .await
}

pub async fn details(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Details> {
    claim_details::table
        .find(id)
        .select(Details::as_select())
        .first(conn)
        .await
}

pub async fn inspection(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Inspection> {
    claim_inspections::table
        .find(id)
        .select(Inspection::as_select())
        .first(conn)
        .await
}

/// `(status, decision)` of the unit's claims for `causal_part` (the duplicate check).
pub async fn for_unit_and_part(
    conn: &mut AsyncPgConnection,
    serial: &str,
    causal_part: &str,
) -> QueryResult<Vec<(ClaimStatus, Option<Verdict>)>> {
    claims::table
        .filter(claims::unit_serial.eq(serial))
        .filter(claims::causal_part_number.eq(causal_part))
        .select((claims::status, claims::decision))
        .load(conn)
        .await
}

/// The claim list's filters; `after` is the `(submitted_at, id)` of the last row seen.
pub use aftersales_web::pagination::DealerListFilter as ListFilter;

/// Claims whose claimed total is above (`true`) or within (`false`) `limit`: the
/// rule of `domain::approval::needs_lead`, in SQL so that a page holds only them.
pub fn above_limit(above: bool, limit: Decimal) -> Predicate<claims::table> {
    let total = claims::parts_amount + claims::labor_amount;
    if above {
        Box::new(total.gt(limit))
    } else {
        Box::new(total.le(limit))
    }
}

aftersales_web::dealer_list!(pub fn list(claims) -> Claim, at submitted_at, dealer dealer_code, status status);

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ClaimStatus,
) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set(claims::status.eq(status))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_received(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    warehouse: &str,
    quantity: i32,
) -> QueryResult<()> {
    diesel::update(claim_inspections::table.find(id))
        .set((
            claim_inspections::received_at.eq(diesel::dsl::now),
            claim_inspections::receipt_warehouse.eq(warehouse),
            claim_inspections::receipt_quantity.eq(quantity),
            claim_inspections::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_findings(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    failure_mode: &str,
    cause_code: CauseCode,
    responsible_supplier: &str,
) -> QueryResult<()> {
    diesel::update(claim_inspections::table.find(id))
        .set((
            claim_inspections::failure_mode.eq(failure_mode),
            claim_inspections::cause_code.eq(cause_code),
            claim_inspections::responsible_supplier.eq(responsible_supplier),
            claim_inspections::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub struct Decided<'a> {
    pub status: ClaimStatus,
    pub decision: Verdict,
    pub reasons: &'a [ReasonCode],
    pub approved_parts_amount: Decimal,
    pub approved_labor_amount: Decimal,
    pub decided_at: DateTime<Utc>,
    pub decided_by: &'a str,
}

pub async fn set_decision(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    d: &Decided<'_>,
) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set((
            claims::status.eq(d.status),
            claims::decision.eq(d.decision),
            claims::reasons.eq(d.reasons),
            claims::decided_at.eq(d.decided_at),
        ))
        .execute(conn)
        .await?;
    diesel::update(claim_inspections::table.find(id))
        .set((
            claim_inspections::approved_parts_amount.eq(d.approved_parts_amount),
            claim_inspections::approved_labor_amount.eq(d.approved_labor_amount),
            claim_inspections::decided_by.eq(d.decided_by),
            claim_inspections::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_disposed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    disposition: DispositionKind,
) -> QueryResult<()> {
    diesel::update(claim_inspections::table.find(id))
        .set((
            claim_inspections::disposition.eq(disposition),
            claim_inspections::disposed_at.eq(diesel::dsl::now),
            claim_inspections::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A claim the return-deadline sweep rejected.
#[derive(Debug, Clone, Queryable)]
pub struct Expired {
    pub id: Uuid,
    pub number: String,
    pub dealer_code: DealerCode,
    pub causal_part_number: PartNumber,
    pub supplier_code: SupplierCode,
    pub currency: Currency,
    pub decided_at: DateTime<Utc>,
}

/// Moves every claim in `from` whose return deadline is before `now` to `to` with
/// `reason`, in ONE conditional statement: two replicas sweeping at once cannot
/// both take a claim (the second sees the row no longer in `from`).
pub async fn expire_returns(
    conn: &mut AsyncPgConnection,
    from: ClaimStatus,
    to: ClaimStatus,
    reason: ReasonCode,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Expired>> {
    diesel::update(
        claims::table
            .filter(claims::status.eq(from))
            .filter(claims::return_deadline.lt(now)),
    )
    .set((
        claims::status.eq(to),
        claims::reasons.eq(vec![reason]),
        claims::decided_at.eq(now),
    ))
    .returning((
        claims::id,
        claims::number,
        claims::dealer_code,
        claims::causal_part_number,
        claims::supplier_code,
        claims::currency,
        // Just set above: never NULL here.
        claims::decided_at.assume_not_null(),
    ))
    .get_results(conn)
    .await
}

/// A claim whose part is due back soon, reminded by [`remind_due_returns`].
#[derive(Debug, Clone, QueryableByName)]
pub struct DueReturn {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub number: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub dealer_code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub causal_part_number: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub return_deadline: DateTime<Utc>,
}

/// Marks reminded every claim in `status` whose return deadline is in `[now,
/// horizon]` and that was never reminded, in ONE statement, and returns them. The claims
/// are locked (a part received meanwhile is re-checked and skipped) and the reminder's
/// key is the claim: two replicas at once remind each claim once.
pub async fn remind_due_returns(
    conn: &mut AsyncPgConnection,
    status: ClaimStatus,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> QueryResult<Vec<DueReturn>> {
    use diesel::sql_types::{Text, Timestamptz};
    diesel::sql_query(
        "WITH due AS ( \
           SELECT c.id, c.return_deadline FROM claims c \
           WHERE c.status = $1 AND c.return_deadline BETWEEN $2 AND $3 \
             AND NOT EXISTS (SELECT 1 FROM claim_return_reminders r WHERE r.claim_id = c.id) \
           FOR UPDATE OF c), \
         reminded AS ( \
           INSERT INTO claim_return_reminders (claim_id, return_deadline, reminded_at) \
           SELECT id, return_deadline, $2 FROM due \
           ON CONFLICT (claim_id) DO NOTHING \
           RETURNING claim_id) \
         SELECT c.id, c.number, c.dealer_code, c.causal_part_number, \
                c.return_deadline AS return_deadline \
         FROM claims c JOIN reminded r ON r.claim_id = c.id \
         ORDER BY c.return_deadline, c.id",
    )
    .bind::<Text, _>(status.as_str())
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(horizon)
    .load(conn)
    .await
}
