//! Recovery lines.

use aftersales_web::pagination;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Numeric, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::schema::line_responses as lr;
use super::schema::recovery_lines as rl;
use crate::domain::agreement::NotRecoverable;
use crate::domain::ledger::{LineFigures, Outcome};
use crate::domain::line::{Decision, LineStatus};
use crate::domain::{Currency, SupplierCode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rl)]
pub struct Line {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub claim_number: String,
    pub supplier_code: SupplierCode,
    pub causal_part_number: String,
    pub decision: Decision,
    pub decided_at: DateTime<Utc>,
    pub parts_amount: Decimal,
    pub labor_amount: Decimal,
    pub currency: Currency,
    pub agreement_id: Option<Uuid>,
    pub amount: Option<Decimal>,
    pub status: LineStatus,
    /// Why the line is not recoverable (only with that status).
    pub reason: Option<NotRecoverable>,
    pub recovery_claim_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The last day the supplier accepts a claim for the line (`domain::filing`);
    /// `None` without an agreement.
    pub filing_deadline: Option<NaiveDate>,
    /// When the filing-deadline sweep announced the line at risk (once).
    pub at_risk_since: Option<DateTime<Utc>>,
    pub forfeited_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lr)]
pub struct Response {
    pub line_id: Uuid,
    pub outcome: Outcome,
    pub accepted_amount: Decimal,
    pub reason: Option<String>,
    pub responded_at: DateTime<Utc>,
}

/// Inserts the line unless one exists for its claim; `None` when it did.
pub async fn insert_new(conn: &mut AsyncPgConnection, line: &Line) -> QueryResult<Option<Line>> {
    diesel::insert_into(rl::table)
        .values(line)
        .on_conflict(rl::claim_id)
        .do_nothing()
        .returning(Line::as_returning())
        .get_result(conn)
        .await
        .optional()
}

aftersales_web::row_by_key!(pub fn find(rl::table, Uuid) -> Line);

/// Where a page of the line list resumes: after the last row's sort key.
#[derive(Debug, Clone, Copy)]
pub enum After {
    /// Oldest first: `(created_at, id)`.
    Created(pagination::Position),
    /// Soonest filing deadline first: `(filing_deadline, id)`.
    Deadline(NaiveDate, Uuid),
}

/// Filters of the line list.
pub struct ListFilter {
    pub status: Option<LineStatus>,
    pub supplier_code: Option<String>,
    /// The warranty claim (inspection's id) the line charges back.
    pub warranty_claim: Option<Uuid>,
    pub claim_number: Option<String>,
    /// Soonest filing deadline first (lines without one left out), instead of oldest
    /// first.
    pub by_deadline: bool,
    pub after: Option<After>,
}

type Predicate = pagination::Predicate<rl::table>;

/// The statuses of a line not yet submitted (`LineStatus::is_unsubmitted`).
const UNSUBMITTED: [&str; 2] = ["open", "batched"];

/// Lines oldest first, or soonest deadline first, after the cursor.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ListFilter,
    limit: i64,
) -> QueryResult<Vec<Line>> {
    let after = filter.after.map(|after| match after {
        After::Created(position) => pagination::newer_than(rl::created_at, rl::id, position),
        After::Deadline(day, id) => Box::new(
            rl::filing_deadline
                .gt(day)
                .or(rl::filing_deadline.eq(day).and(rl::id.gt(id)))
                .assume_not_null(),
        ) as Predicate,
    });
    let predicate = pagination::all([
        pagination::eq_if(rl::status, filter.status.map(LineStatus::as_str)),
        pagination::eq_if(rl::supplier_code, filter.supplier_code.as_deref()),
        pagination::eq_if(rl::claim_number, filter.claim_number.as_deref()),
        filter
            .warranty_claim
            .map(|id| Box::new(rl::claim_id.eq(id)) as Predicate),
        filter
            .by_deadline
            .then(|| Box::new(rl::filing_deadline.is_not_null()) as Predicate),
        after,
    ]);
    let query = rl::table
        .select(Line::as_select())
        .filter(predicate)
        .limit(limit);
    if filter.by_deadline {
        query.order((rl::filing_deadline, rl::id)).load(conn).await
    } else {
        query.order((rl::created_at, rl::id)).load(conn).await
    }
}

/// The lines not yet submitted whose deadline is before `today`, locked in id order,
/// as they stand before [`forfeit_overdue`].
pub async fn lock_overdue(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> QueryResult<Vec<Line>> {
    rl::table
        .filter(rl::status.eq_any(UNSUBMITTED))
        .filter(rl::filing_deadline.lt(today))
        .order(rl::id)
        .select(Line::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Marks those of `lines` still not submitted whose deadline is before `today` as
/// `forfeited`, taking them out of their drafts; the lines it marked.
pub async fn forfeit_overdue(
    conn: &mut AsyncPgConnection,
    lines: &[Uuid],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Line>> {
    diesel::update(
        rl::table
            .filter(rl::id.eq_any(lines.to_vec()))
            .filter(rl::status.eq_any(UNSUBMITTED))
            .filter(rl::filing_deadline.lt(today)),
    )
    .set((
        rl::status.eq(LineStatus::Forfeited),
        rl::recovery_claim_id.eq(None::<Uuid>),
        rl::forfeited_at.eq(now),
    ))
    .returning(Line::as_returning())
    .get_results(conn)
    .await
}

/// Open lines whose deadline is in `[today, through]`, locked, soonest first.
pub async fn lock_open_due(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    through: NaiveDate,
) -> QueryResult<Vec<Line>> {
    rl::table
        .filter(rl::status.eq(LineStatus::Open))
        .filter(rl::filing_deadline.between(today, through))
        .order((rl::filing_deadline, rl::id))
        .select(Line::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Puts the open `lines` into the draft `claim` in one statement; how many it took.
pub async fn batch_many(
    conn: &mut AsyncPgConnection,
    lines: &[Uuid],
    claim: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        rl::table
            .filter(rl::id.eq_any(lines.to_vec()))
            .filter(rl::status.eq(LineStatus::Open)),
    )
    .set((
        rl::status.eq(LineStatus::Batched),
        rl::recovery_claim_id.eq(Some(claim)),
    ))
    .execute(conn)
    .await
}

/// Stamps `at_risk_since` on the lines in a draft whose deadline is in `[today,
/// through]` and that were never announced; the lines it stamped.
pub async fn announce_at_risk(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    through: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Line>> {
    diesel::update(
        rl::table
            .filter(rl::status.eq_any(UNSUBMITTED))
            .filter(rl::at_risk_since.is_null())
            // A line taken out of its draft since the sweep drafted is announced once
            // the next run has drafted it again.
            .filter(rl::recovery_claim_id.is_not_null())
            .filter(rl::filing_deadline.between(today, through)),
    )
    .set(rl::at_risk_since.eq(now))
    .returning(Line::as_returning())
    .get_results(conn)
    .await
}

/// When the lines priced under `agreement` were decided.
pub async fn decided_under(
    conn: &mut AsyncPgConnection,
    agreement: Uuid,
) -> QueryResult<Vec<DateTime<Utc>>> {
    rl::table
        .filter(rl::agreement_id.eq(agreement))
        .select(rl::decided_at)
        .load(conn)
        .await
}

/// The supplier's lines kept `not_recoverable` for want of an agreement, locked,
/// oldest first.
pub async fn lock_without_agreement(
    conn: &mut AsyncPgConnection,
    supplier: &str,
) -> QueryResult<Vec<Line>> {
    rl::table
        .filter(rl::supplier_code.eq(supplier))
        .filter(rl::status.eq(LineStatus::NotRecoverable))
        .filter(rl::reason.eq(NotRecoverable::NoAgreement))
        .order((rl::created_at, rl::id))
        .select(Line::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Writes a new assessment of a line without an agreement; the line as it is now.
pub async fn reassess(
    conn: &mut AsyncPgConnection,
    line: Uuid,
    agreement: Option<Uuid>,
    status: LineStatus,
    amount: Option<Decimal>,
    reason: Option<NotRecoverable>,
    filing_deadline: Option<NaiveDate>,
) -> QueryResult<Line> {
    diesel::update(rl::table.find(line))
        .set((
            rl::agreement_id.eq(agreement),
            rl::status.eq(status),
            rl::amount.eq(amount),
            rl::reason.eq(reason.map(NotRecoverable::as_str)),
            rl::filing_deadline.eq(filing_deadline),
        ))
        .returning(Line::as_returning())
        .get_result(conn)
        .await
}

/// Lines not yet submitted whose deadline is on or before `through`, soonest first
/// (overdue ones too, until the sweep forfeits them).
pub async fn unsubmitted_due(
    conn: &mut AsyncPgConnection,
    through: NaiveDate,
) -> QueryResult<Vec<Line>> {
    rl::table
        .filter(rl::status.eq_any(UNSUBMITTED))
        .filter(rl::filing_deadline.le(through))
        .order((rl::filing_deadline, rl::id))
        .select(Line::as_select())
        .load(conn)
        .await
}

/// Lines forfeited in `[from, to)`, oldest deadline first.
pub async fn forfeited(
    conn: &mut AsyncPgConnection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> QueryResult<Vec<Line>> {
    let predicate = pagination::all([
        Some(Box::new(rl::status.eq(LineStatus::Forfeited)) as Predicate),
        from.map(|from| Box::new(rl::forfeited_at.ge(from).assume_not_null()) as Predicate),
        to.map(|to| Box::new(rl::forfeited_at.lt(to).assume_not_null()) as Predicate),
    ]);
    rl::table
        .filter(predicate)
        .order((rl::filing_deadline, rl::id))
        .select(Line::as_select())
        .load(conn)
        .await
}

/// The lines of a recovery claim, oldest first.
pub async fn of_claim(conn: &mut AsyncPgConnection, claim: Uuid) -> QueryResult<Vec<Line>> {
    rl::table
        .filter(rl::recovery_claim_id.eq(claim))
        .order((rl::created_at, rl::id))
        .select(Line::as_select())
        .load(conn)
        .await
}

/// Puts an open line of `supplier` in `currency` into a draft claim, in one
/// conditional statement (two drafts cannot take the same line); whether it did.
pub async fn batch(
    conn: &mut AsyncPgConnection,
    line: Uuid,
    claim: Uuid,
    supplier: &str,
    currency: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        rl::table
            .filter(rl::id.eq(line))
            .filter(rl::status.eq(LineStatus::Open))
            .filter(rl::supplier_code.eq(supplier))
            .filter(rl::currency.eq(currency)),
    )
    .set((
        rl::status.eq(LineStatus::Batched),
        rl::recovery_claim_id.eq(Some(claim)),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Takes a line out of a draft claim; whether it was in it.
pub async fn unbatch(conn: &mut AsyncPgConnection, line: Uuid, claim: Uuid) -> QueryResult<bool> {
    let n = diesel::update(
        rl::table
            .filter(rl::id.eq(line))
            .filter(rl::recovery_claim_id.eq(claim))
            .filter(rl::status.eq(LineStatus::Batched)),
    )
    .set((
        rl::status.eq(LineStatus::Open),
        rl::recovery_claim_id.eq(None::<Uuid>),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Marks every line of a claim as claimed (on submission).
pub async fn mark_claimed(conn: &mut AsyncPgConnection, claim: Uuid) -> QueryResult<usize> {
    diesel::update(
        rl::table
            .filter(rl::recovery_claim_id.eq(claim))
            .filter(rl::status.eq(LineStatus::Batched)),
    )
    .set(rl::status.eq(LineStatus::Claimed))
    .execute(conn)
    .await
}

/// Records the supplier's answer on a claimed line; whether it was still unanswered.
pub async fn respond(conn: &mut AsyncPgConnection, response: &Response) -> QueryResult<bool> {
    let n = diesel::update(
        rl::table
            .filter(rl::id.eq(response.line_id))
            .filter(rl::status.eq(LineStatus::Claimed)),
    )
    .set(rl::status.eq(LineStatus::from(response.outcome)))
    .execute(conn)
    .await?;
    if n == 1 {
        diesel::insert_into(lr::table)
            .values(response)
            .execute(conn)
            .await?;
    }
    Ok(n == 1)
}

/// A claimed line with what was credited and written off on it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Figures {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub line_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub recovery_claim_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub supplier_code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub currency: String,
    #[diesel(sql_type = Timestamptz)]
    pub submitted_at: DateTime<Utc>,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
    #[diesel(sql_type = Nullable<Numeric>)]
    pub accepted_amount: Option<Decimal>,
    #[diesel(sql_type = Numeric)]
    pub credited: Decimal,
    #[diesel(sql_type = Numeric)]
    pub written_off: Decimal,
}

impl Figures {
    /// The line's figures as the ledger rules take them.
    pub fn line(&self) -> LineFigures {
        LineFigures {
            claimed: self.amount,
            accepted: self.accepted_amount,
            credited: self.credited,
            written_off: self.written_off,
        }
    }
}

const FIGURES: &str =
    "SELECT l.id AS line_id, c.id AS recovery_claim_id, c.supplier_code, c.currency,
        c.submitted_at, l.amount, r.accepted_amount,
        COALESCE(SUM(a.amount) FILTER (WHERE a.credit_memo_id IS NOT NULL), 0) AS credited,
        COALESCE(SUM(a.amount) FILTER (WHERE a.write_off_id IS NOT NULL), 0) AS written_off
    FROM recovery_claims c
    JOIN recovery_lines l ON l.recovery_claim_id = c.id
    LEFT JOIN line_responses r ON r.line_id = l.id
    LEFT JOIN allocations a ON a.line_id = l.id";

/// The lines of the given submitted claims with their figures, oldest claim first,
/// then line order: the order in which payments are allocated.
pub async fn figures_of_claims(
    conn: &mut AsyncPgConnection,
    claims: &[Uuid],
) -> QueryResult<Vec<Figures>> {
    diesel::sql_query(format!(
        "{FIGURES} WHERE c.id = ANY($1) AND c.submitted_at IS NOT NULL
         GROUP BY l.id, c.id, r.line_id
         ORDER BY c.submitted_at, c.id, l.created_at, l.id"
    ))
    .bind::<Array<diesel::sql_types::Uuid>, _>(claims)
    .load(conn)
    .await
}

/// Lines of claims submitted in `[from, to)` (of one supplier if given).
pub async fn figures_submitted(
    conn: &mut AsyncPgConnection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    supplier: Option<&str>,
) -> QueryResult<Vec<Figures>> {
    diesel::sql_query(format!(
        "{FIGURES} WHERE c.submitted_at IS NOT NULL
           AND ($1::timestamptz IS NULL OR c.submitted_at >= $1)
           AND ($2::timestamptz IS NULL OR c.submitted_at < $2)
           AND ($3::text IS NULL OR c.supplier_code = $3)
         GROUP BY l.id, c.id, r.line_id
         ORDER BY c.supplier_code, c.currency, c.submitted_at, c.id, l.created_at, l.id"
    ))
    .bind::<Nullable<Timestamptz>, _>(from)
    .bind::<Nullable<Timestamptz>, _>(to)
    .bind::<Nullable<diesel::sql_types::Text>, _>(supplier)
    .load(conn)
    .await
}

/// The answers on the given lines.
pub async fn responses_of(
    conn: &mut AsyncPgConnection,
    lines: &[Uuid],
) -> QueryResult<Vec<Response>> {
    lr::table
        .filter(lr::line_id.eq_any(lines.to_vec()))
        .select(Response::as_select())
        .load(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubmitted_names_the_unsubmitted_statuses() {
        let names: Vec<&str> = LineStatus::ALL
            .into_iter()
            .filter(|s| s.is_unsubmitted())
            .map(LineStatus::as_str)
            .collect();
        assert_eq!(names, UNSUBMITTED);
    }
}
