//! `recovery-claims`, `recovery-claims/{id}`, `…/lines`, `…/submit`: batching open
//! lines of one supplier into a claim, editing its lines while draft, submitting it
//! (the use cases are in `app::claims`; the supplier's answers in `api::responses`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_web::audit;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::FinanceStaff;
use super::common::require_finance;
use super::lines::LineView;
use crate::app::claims::{self, ClaimDetail};
use crate::db;
use crate::domain::claim::{ClaimStatus, Origin};
use crate::domain::ledger::Figures;
use crate::domain::money::cents;

/// Reconciliation figures of one claim (or a set of lines).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FiguresView {
    #[schema(value_type = String)]
    pub claimed: Decimal,
    #[schema(value_type = String)]
    pub accepted: Decimal,
    #[schema(value_type = String)]
    pub rejected: Decimal,
    /// Claimed, not answered yet.
    #[schema(value_type = String)]
    pub pending: Decimal,
    #[schema(value_type = String)]
    pub credited: Decimal,
    #[schema(value_type = String)]
    pub written_off: Decimal,
    #[schema(value_type = String)]
    pub outstanding: Decimal,
}

impl From<Figures> for FiguresView {
    fn from(f: Figures) -> Self {
        FiguresView {
            claimed: cents(f.claimed),
            accepted: cents(f.accepted),
            rejected: cents(f.rejected),
            pending: cents(f.pending),
            credited: cents(f.credited),
            written_off: cents(f.written_off),
            outstanding: cents(f.outstanding),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimView {
    pub id: Uuid,
    /// Human number, `RC-000007`.
    pub number: String,
    pub supplier_code: String,
    pub currency: String,
    pub status: ClaimStatus,
    /// Who drafted it: finance, or the filing-deadline sweep for lines at risk.
    pub origin: Origin,
    /// Sum of the line amounts.
    #[schema(value_type = String, example = "162.75")]
    pub amount: Decimal,
    /// Zero while draft: nothing is claimed before submission.
    pub figures: FiguresView,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineView>,
}

impl From<ClaimDetail> for ClaimView {
    fn from(detail: ClaimDetail) -> Self {
        let claim = detail.claim;
        ClaimView {
            id: claim.id,
            number: claim.number,
            supplier_code: claim.supplier_code.into_inner(),
            currency: claim.currency.into_inner(),
            status: claim.status,
            origin: claim.origin,
            amount: detail.amount,
            figures: detail.figures.into(),
            created_at: claim.created_at,
            submitted_at: claim.submitted_at,
            responded_at: claim.responded_at,
            settled_at: claim.settled_at,
            lines: detail.lines.into_iter().map(LineView::from).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClaim {
    /// Open lines of one supplier, in one currency.
    #[validate(length(min = 1, max = 500))]
    pub line_ids: Vec<Uuid>,
}

/// Batches open lines of one supplier into a new draft claim (`RC-000007`). Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/recovery-claims", tag = "recovery-claims",
    request_body = CreateClaim,
    params(KeyHeader),
    responses(
        (status = 201, description = "draft created", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "a line (`line_ids[i]`) unknown, not open, of another supplier or currency", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_claim(
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateClaim>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let request = ("POST /recovery-claims", &body);
    let origin = audit::Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            claims::draft(c, &body.line_ids, &origin)
                .await
                .map(ClaimView::from)
        })
        .await?;
    Ok(answer.located("/api/v1/recovery-claims", "id"))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLines {
    #[validate(length(min = 1, max = 500))]
    pub line_ids: Vec<Uuid>,
}

/// Adds open lines to a draft claim (a submitted claim → 409). Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/recovery-claims/{id}/lines", tag = "recovery-claims",
    request_body = AddLines,
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim", body = aftersales_web::Problem),
        (status = 409, description = "the claim is no longer a draft", body = aftersales_web::Problem),
        (status = 422, description = "a line (`line_ids[i]`) unknown, not open, of another supplier or currency", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn add_claim_lines(
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<AddLines>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    body.validate()?;
    let request = ("POST /recovery-claims/{id}/lines", id, &body);
    let origin = audit::Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            claims::add_lines(c, id, &body.line_ids, &origin)
                .await
                .map(ClaimView::from)
        })
        .await?;
    Ok(answer.into_response())
}

/// Takes a line out of a draft claim; it is open again (a submitted claim → 409).
#[utoipa::path(
    delete, path = "/api/v1/recovery-claims/{id}/lines/{line_id}", tag = "recovery-claims",
    params(("id" = Uuid, Path), ("line_id" = Uuid, Path)),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim, or the line is not in it", body = aftersales_web::Problem),
        (status = 409, description = "the claim is no longer a draft", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn remove_claim_line(
    who: Principal,
    correlation: CorrelationId,
    mut conn: DbConn,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let (id, line) = path.into_inner();
    let origin = audit::Origin::request(&who, correlation.0);
    let claim = conn
        .transaction(async |c| claims::remove_line(c, id, line, &origin).await)
        .await?;
    Ok(HttpResponse::Ok().json(ClaimView::from(claim)))
}

/// Submits a draft claim to the supplier; publishes `recovery.recovery_claim_submitted`.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/recovery-claims/{id}/submit", tag = "recovery-claims",
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    responses(
        (status = 200, description = "submitted", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim", body = aftersales_web::Problem),
        (status = 409, description = "not a draft, or without lines", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn submit_claim(
    who: Principal,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let id = path.into_inner();
    let request = ("POST /recovery-claims/{id}/submit", id);
    let origin = audit::Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            claims::submit(c, id, &origin).await.map(ClaimView::from)
        })
        .await?;
    Ok(answer.into_response())
}

/// One claim with its lines and figures.
#[utoipa::path(
    get, path = "/api/v1/recovery-claims/{id}", tag = "recovery-claims",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_claim(
    who: Principal,
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let claim = claims::detail(&mut conn, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ClaimView::from(claim)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    pub supplier: Option<String>,
    /// `filing_deadline_sweep`: the drafts the sweep made for lines at risk.
    pub origin: Option<Origin>,
}

/// Claims, newest first, paginated.
#[utoipa::path(
    get, path = "/api/v1/recovery-claims", tag = "recovery-claims",
    params(PageQuery, ClaimFilter),
    responses(
        (status = 200, description = "a page of claims", body = inline(Page<ClaimView>)),
        (status = 400, description = "bad cursor or status", body = aftersales_web::Problem),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_claims(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<ClaimFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let query = db::claims::ListFilter {
        status: filter.status,
        supplier_code: filter.supplier.clone(),
        origin: filter.origin,
        after: page.position()?,
    };
    let page = claims::list(&mut conn, &query, page.limit()).await?;
    Ok(HttpResponse::Ok().json(page.map(ClaimView::from)))
}
