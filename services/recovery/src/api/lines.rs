//! `recovery-lines`, `recovery-lines/{id}`: one line per adjudicated supplier-defect
//! claim, with its amount or the reason it is not recoverable.

use actix_web::{HttpResponse, web};
use aftersales_web::{ApiError, DbPool, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::common::{self, Conn, require_finance};
use crate::db;
use crate::domain::agreement::NotRecoverable;
use crate::domain::ledger::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Recoverable, in no claim yet.
    Open,
    /// Kept with its reason; never claimed.
    NotRecoverable,
    /// In a draft recovery claim.
    Batched,
    /// In a submitted claim, waiting for the supplier's answer.
    Claimed,
    Accepted,
    PartiallyAccepted,
    Rejected,
}

impl LineStatus {
    const ALL: [LineStatus; 7] = [
        LineStatus::Open,
        LineStatus::NotRecoverable,
        LineStatus::Batched,
        LineStatus::Claimed,
        LineStatus::Accepted,
        LineStatus::PartiallyAccepted,
        LineStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Open => "open",
            LineStatus::NotRecoverable => "not_recoverable",
            LineStatus::Batched => "batched",
            LineStatus::Claimed => "claimed",
            LineStatus::Accepted => "accepted",
            LineStatus::PartiallyAccepted => "partially_accepted",
            LineStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

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

pub fn view(
    line: db::lines::Line,
    response: Option<db::lines::Response>,
) -> Result<LineView, ApiError> {
    let broken = |what: &str| ApiError::internal(format!("line {} has unknown {what}", line.id));
    let status = LineStatus::parse(&line.status).ok_or_else(|| broken("status"))?;
    let reason = match line.reason.as_deref() {
        Some(r) => Some(NotRecoverable::parse(r).ok_or_else(|| broken("reason"))?),
        None => None,
    };
    let response = match response {
        Some(r) => Some(ResponseView {
            outcome: Outcome::parse(&r.outcome).ok_or_else(|| broken("outcome"))?,
            accepted_amount: r.accepted_amount,
            reason: r.reason,
            responded_at: r.responded_at,
        }),
        None => None,
    };
    Ok(LineView {
        id: line.id,
        claim_id: line.claim_id,
        claim_number: line.claim_number,
        supplier_code: line.supplier_code,
        causal_part_number: line.causal_part_number,
        decision: line.decision,
        decided_at: line.decided_at,
        parts_amount: line.parts_amount,
        labor_amount: line.labor_amount,
        currency: line.currency,
        agreement_id: line.agreement_id,
        amount: line.amount,
        status,
        reason,
        recovery_claim_id: line.recovery_claim_id,
        response,
        created_at: line.created_at,
    })
}

/// Views of `lines` with their responses.
pub async fn views(c: &mut Conn, lines: Vec<db::lines::Line>) -> Result<Vec<LineView>, ApiError> {
    let ids: Vec<Uuid> = lines.iter().map(|l| l.id).collect();
    let mut responses = db::lines::responses_of(c, &ids).await?;
    lines
        .into_iter()
        .map(|l| {
            let r = responses
                .iter()
                .position(|r| r.line_id == l.id)
                .map(|i| responses.swap_remove(i));
            view(l, r)
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineFilter {
    pub status: Option<LineStatus>,
    /// Only this supplier's lines.
    pub supplier: Option<String>,
}

/// Recovery lines, oldest first, paginated; `?status=not_recoverable` lists what
/// cannot be charged back, with the reason.
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
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<LineFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let query = db::lines::ListFilter {
        status: filter.status.map(|s| s.as_str().to_owned()),
        supplier_code: filter.supplier.clone(),
        after: page.position()?,
    };
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows = db::lines::list(&mut conn, &query, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |l| (l.created_at, l.id));
    let items = views(&mut conn, page.items).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
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
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let line = db::lines::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no recovery line {id}")))?;
    let mut v = views(&mut conn, vec![line]).await?;
    Ok(HttpResponse::Ok().json(v.pop()))
}
