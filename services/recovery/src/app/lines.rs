//! How a recovery line is priced, and reading lines with their answers.
//!
//! An adjudicated supplier-defect claim is assessed against the supplier's agreement
//! in force on the decision date (`domain::agreement::assess`; the formula is
//! `domain::money::recovery_amount`) and becomes one line per warranty claim: `open`
//! with its amount, or `not_recoverable` with the reason. The line is unique on the
//! warranty claim, so a redelivered adjudication creates nothing twice. The line
//! keeps its filing deadline, the last day of the agreement's claim window
//! (`domain::filing`). A new line is recorded as `recovery_line.created` by the event
//! that brought it; a redelivery, which creates nothing, records nothing.

use aftersales_web::audit::Origin;
use aftersales_web::{ApiError, Page};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Conn, trail};
use crate::db;
use crate::domain::agreement::{self, Adjudicated, NotRecoverable};
use crate::domain::line::{Decision, LineStatus};
use crate::domain::{Currency, SupplierCode};

/// An approved supplier-defect claim of inspection, as read from its event.
#[derive(Debug, Clone)]
pub struct Adjudication {
    pub claim_id: Uuid,
    pub claim_number: String,
    pub supplier: SupplierCode,
    pub causal_part_number: String,
    pub decision: Decision,
    pub decided_at: DateTime<Utc>,
    /// Approved amounts, to the cent.
    pub parts: Decimal,
    pub labor: Decimal,
    pub currency: Currency,
}

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// A stored agreement breaks the table's own checks: someone must look.
    #[error("{0}")]
    BrokenAgreement(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// What a line's assessment stores: the agreement applied, the status with its amount
/// or reason, and the filing deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Pricing {
    pub agreement_id: Option<Uuid>,
    pub status: LineStatus,
    pub amount: Option<Decimal>,
    pub reason: Option<NotRecoverable>,
    pub filing_deadline: Option<NaiveDate>,
}

/// The supplier's agreements as the rules need them.
pub async fn agreements_of(
    c: &mut Conn,
    supplier: &str,
) -> Result<Vec<agreement::Agreement<Uuid>>, PricingError> {
    db::agreements::of_supplier(c, supplier)
        .await?
        .iter()
        .map(db::agreements::Agreement::to_domain)
        .collect::<Result<Vec<_>, String>>()
        .map_err(PricingError::BrokenAgreement)
}

/// Assesses `claim` against `agreements` on `today` (`domain::agreement::assess`).
pub fn pricing(
    claim: &Adjudicated,
    agreements: &[agreement::Agreement<Uuid>],
    today: NaiveDate,
) -> Pricing {
    let assessment = agreement::assess(claim, agreements, today);
    let filing_deadline = agreements
        .iter()
        .find(|a| Some(a.id) == assessment.agreement)
        .and_then(|a| agreement::window_closes_on(claim.decided_on, a.terms.claim_window_days));
    let (status, amount, reason) = match assessment.outcome {
        Ok(amount) => (LineStatus::Open, Some(amount), None),
        Err(reason) => (LineStatus::NotRecoverable, None, Some(reason)),
    };
    Pricing {
        agreement_id: assessment.agreement,
        status,
        amount,
        reason,
        filing_deadline,
    }
}

/// Prices the adjudication into its recovery line; `None` when the warranty claim has
/// its line already.
pub async fn price(
    c: &mut Conn,
    adjudication: Adjudication,
    origin: &Origin,
) -> Result<Option<db::lines::Line>, PricingError> {
    // Under the supplier's lock: an agreement recorded or amended meanwhile either sees
    // this line (and reassesses it) or is seen by it, never neither.
    db::agreements::lock_supplier(c, adjudication.supplier.as_str()).await?;
    let agreements = agreements_of(c, adjudication.supplier.as_str()).await?;
    let claim = Adjudicated {
        parts: adjudication.parts,
        labor: adjudication.labor,
        currency: adjudication.currency.clone(),
        decided_on: adjudication.decided_at.date_naive(),
    };
    let p = pricing(&claim, &agreements, Utc::now().date_naive());
    let line = db::lines::Line {
        id: Uuid::now_v7(),
        claim_id: adjudication.claim_id,
        claim_number: adjudication.claim_number,
        supplier_code: adjudication.supplier,
        causal_part_number: adjudication.causal_part_number,
        decision: adjudication.decision,
        decided_at: adjudication.decided_at,
        parts_amount: adjudication.parts,
        labor_amount: adjudication.labor,
        currency: adjudication.currency,
        agreement_id: p.agreement_id,
        amount: p.amount,
        status: p.status,
        reason: p.reason,
        recovery_claim_id: None,
        created_at: Utc::now(),
        filing_deadline: p.filing_deadline,
        at_risk_since: None,
        forfeited_at: None,
    };
    let line = db::lines::insert_new(c, &line).await?;
    if let Some(line) = &line {
        origin.record(c, &[trail::line_created(line)]).await?;
    }
    Ok(line)
}

/// What a line in a recovery claim claims. Only recoverable lines enter a claim, so
/// a line there without an amount is a broken row: an internal error, never 0.
pub fn claimed_amount(line: &db::lines::Line) -> Result<Decimal, ApiError> {
    line.amount.ok_or_else(|| {
        ApiError::internal(format!(
            "line {} is in recovery claim {:?} without an amount",
            line.id, line.recovery_claim_id
        ))
    })
}

/// A line with the supplier's answer, once given.
#[derive(Debug, Clone)]
pub struct LineDetail {
    pub line: db::lines::Line,
    pub response: Option<db::lines::Response>,
}

/// `lines` with their answers, in the same order.
pub async fn with_responses(
    c: &mut Conn,
    lines: Vec<db::lines::Line>,
) -> Result<Vec<LineDetail>, ApiError> {
    let ids: Vec<Uuid> = lines.iter().map(|l| l.id).collect();
    let mut responses = db::lines::responses_of(c, &ids).await?;
    Ok(lines
        .into_iter()
        .map(|line| {
            let response = responses
                .iter()
                .position(|r| r.line_id == line.id)
                .map(|i| responses.swap_remove(i));
            LineDetail { line, response }
        })
        .collect())
}

/// One line; 404 when unknown.
pub async fn find(c: &mut Conn, id: Uuid) -> Result<LineDetail, ApiError> {
    let line = db::lines::find(c, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no recovery line {id}")))?;
    let mut found = with_responses(c, vec![line]).await?;
    found
        .pop()
        .ok_or_else(|| ApiError::internal(format!("line {id} vanished")))
}

/// A page of lines, oldest first or soonest deadline first.
pub async fn list(
    c: &mut Conn,
    filter: &db::lines::ListFilter,
    limit: i64,
) -> Result<Page<LineDetail>, ApiError> {
    let rows = db::lines::list(c, filter, limit + 1).await?;
    let page = if filter.by_deadline {
        Page::from_rows(rows, limit, |l| (l.filing_deadline, l.id))
    } else {
        Page::from_rows(rows, limit, |l| (l.created_at, l.id))
    };
    Ok(Page {
        items: with_responses(c, page.items).await?,
        next_cursor: page.next_cursor,
    })
}
