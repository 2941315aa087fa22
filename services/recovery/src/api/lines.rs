//! `recovery-lines`, `recovery-lines/{id}`: one line per adjudicated supplier-defect
//! claim, with its amount or the reason it is not recoverable.

use actix_web::{HttpResponse, web};
use aftersales_types::CalendarDate;
use aftersales_web::{ApiError, DbConn, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::common::require_finance;
use crate::app::lines::{self, LineDetail};
use crate::db;
use crate::domain::agreement::NotRecoverable;
use crate::domain::filing;
use crate::domain::ledger::Outcome;
pub use crate::domain::line::LineStatus;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResponseView {
    pub outcome: Outcome,
    #[schema(value_type = String, example = "80.00")]
    pub accepted_amount: Decimal,
    pub reason: Option<String>,
    pub responded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LineView {
    pub id: Uuid,
    /// The warranty claim in inspection.
    pub claim_id: Uuid,
    pub claim_number: String,
    pub supplier_code: String,
    pub causal_part_number: String,
    /// Inspection's decision: `approved` or `partially_approved`.
    pub decision: String,
    pub decided_at: DateTime<Utc>,
    #[schema(value_type = String, example = "120.00")]
    pub parts_amount: Decimal,
    #[schema(value_type = String, example = "85.50")]
    pub labor_amount: Decimal,
    pub currency: String,
    /// The agreement in force on the decision date, if any.
    pub agreement_id: Option<Uuid>,
    /// The last day the supplier still accepts a claim for this line (its filing
    /// deadline): the decision's UTC date plus the agreement's `claim_window_days`
    /// (null without an agreement).
    pub claim_window_closes_on: Option<NaiveDate>,
    /// Days from today (UTC) to `claim_window_closes_on` while the line is not yet
    /// submitted (`open` or `batched`): 0 on the last day, negative once passed.
    pub days_left: Option<i64>,
    /// When the filing-deadline sweep announced the line at risk.
    pub at_risk_since: Option<DateTime<Utc>>,
    /// When the line was forfeited (status `forfeited`).
    pub forfeited_at: Option<DateTime<Utc>>,
    /// What is charged back; null when not recoverable.
    #[schema(value_type = Option<String>, example = "162.75")]
    pub amount: Option<Decimal>,
    pub status: LineStatus,
    /// Why the line is not recoverable.
    pub reason: Option<NotRecoverable>,
    pub recovery_claim_id: Option<Uuid>,
    pub response: Option<ResponseView>,
    pub created_at: DateTime<Utc>,
}

impl From<LineDetail> for LineView {
    fn from(detail: LineDetail) -> Self {
        let line = detail.line;
        let today = Utc::now().date_naive();
        let days_left = line
            .filing_deadline
            .filter(|_| line.status.is_unsubmitted())
            .map(|deadline| filing::days_left(deadline, today));
        LineView {
            id: line.id,
            claim_id: line.claim_id,
            claim_number: line.claim_number,
            supplier_code: line.supplier_code.into_inner(),
            causal_part_number: line.causal_part_number,
            decision: line.decision.as_str().to_owned(),
            decided_at: line.decided_at,
            parts_amount: line.parts_amount,
            labor_amount: line.labor_amount,
            currency: line.currency.into_inner(),
            agreement_id: line.agreement_id,
            claim_window_closes_on: line.filing_deadline,
            days_left,
            at_risk_since: line.at_risk_since,
            forfeited_at: line.forfeited_at,
            amount: line.amount,
            status: line.status,
            reason: line.reason,
            recovery_claim_id: line.recovery_claim_id,
            response: detail.response.map(|r| ResponseView {
                outcome: r.outcome,
                accepted_amount: r.accepted_amount,
                reason: r.reason,
                responded_at: r.responded_at,
            }),
            created_at: line.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineFilter {
    pub status: Option<LineStatus>,
    /// Only this supplier's lines.
    pub supplier: Option<String>,
    /// Only the line of this warranty claim (its id in inspection).
    pub warranty_claim: Option<Uuid>,
    /// Only the line of the warranty claim with this number (e.g. `WC-000042`).
    pub claim_number: Option<String>,
    /// `created` (oldest first, the default) or `deadline` (fewest days left first,
    /// lines without a deadline left out).
    pub sort: Option<LineSort>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineSort {
    #[default]
    Created,
    Deadline,
}

/// Recovery lines, oldest first, paginated; `?status=not_recoverable` lists what
/// cannot be charged back, with the reason; `?status=open&sort=deadline` what must be
/// claimed soonest.
#[utoipa::path(
    get, path = "/api/v1/recovery-lines", tag = "recovery-lines",
    params(PageQuery, LineFilter),
    responses(
        (status = 200, description = "a page of lines", body = inline(Page<LineView>)),
        (status = 400, description = "bad cursor or status", body = aftersales_web::Problem),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_lines(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<LineFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let by_deadline = filter.sort.unwrap_or_default() == LineSort::Deadline;
    let after = if by_deadline {
        // A cursor is only base64 of JSON: a forged one may carry any date, and a
        // `CalendarDate` holds none PostgreSQL cannot compare with.
        page.position::<(CalendarDate, Uuid)>()?
            .map(|(day, id)| db::lines::After::Deadline(day.get(), id))
    } else {
        page.position()?.map(db::lines::After::Created)
    };
    let query = db::lines::ListFilter {
        status: filter.status,
        supplier_code: filter.supplier.clone(),
        warranty_claim: filter.warranty_claim,
        claim_number: filter.claim_number.clone(),
        by_deadline,
        after,
    };
    let page = lines::list(&mut conn, &query, page.limit()).await?;
    Ok(HttpResponse::Ok().json(page.map(LineView::from)))
}

/// One recovery line.
#[utoipa::path(
    get, path = "/api/v1/recovery-lines/{id}", tag = "recovery-lines",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the line", body = LineView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_line(
    who: Principal,
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let line = lines::find(&mut conn, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(LineView::from(line)))
}
