//! Quality's actions on a claim: `claims/{id}/part-receipt`, `…/findings`,
//! `…/decision`, `…/disposition`. Each parses the request and runs its use case
//! (`app::inspection`, `app::decision`) through `idempotency::once`: one
//! transaction, repeat-safe with an `Idempotency-Key`. The answer is the claim.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::DecimalString;
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Principal, Role};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::Inspectors;
use super::common::{decimal_in, field, validation};
use super::views::{ClaimView, claim_view};
use crate::app;
use crate::db;
use crate::domain::approval::Decision;
use crate::domain::{
    CauseCode, DispositionKind, ReasonCode, SupplierCode, Verdict, WarehouseCode, line_qty,
};

/// Who acts on claims as an inspector.
const INSPECTORS: &[Role] = &[Role::Quality, Role::QualityLead];

fn valid_warehouse(value: &str) -> Result<(), ValidationError> {
    WarehouseCode::parse(value).map(drop).map_err(validation)
}
fn valid_supplier(value: &str) -> Result<(), ValidationError> {
    SupplierCode::parse(value).map(drop).map_err(validation)
}
fn valid_amount(value: &Decimal) -> Result<(), ValidationError> {
    decimal_in(
        value,
        Decimal::ZERO,
        Decimal::from(1_000_000_000_000_i64),
        2,
    )
}

/// Runs `work` for an inspector, once per Idempotency-Key, and answers the claim (200).
async fn act<W>(
    who: &Principal,
    keyed: &Keyed,
    request: &(impl Serialize + ?Sized),
    work: W,
) -> Result<HttpResponse, ApiError>
where
    W: for<'c> idempotency::Work<'c, ClaimView> + Send,
{
    let answer = keyed.once(who, request, StatusCode::OK, work).await?;
    Ok(answer.into_response())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartReceipt {
    #[validate(custom(function = "valid_warehouse"))]
    #[schema(example = "WH-NORTH")]
    pub warehouse: String,
    #[validate(range(min = 1, max = 10_000))]
    pub quantity: i64,
}

/// Records that the returned part arrived at a warehouse (quality). Publishes
/// `inspection.part_received` (catalog quarantines it). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/part-receipt", tag = "inspection",
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    request_body = PartReceipt,
    responses(
        (status = 200, description = "part_received", body = ClaimView),
        (status = 403, description = "not quality / quality_lead", body = aftersales_web::Problem),
        (status = 404, description = "no such claim", body = aftersales_web::Problem),
        (status = 409, description = "the claim is not awaiting a part", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn part_receipt(
    Allowed(who, ..): Allowed<Inspectors>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<PartReceipt>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let warehouse = field("warehouse", WarehouseCode::parse(&body.warehouse))?;
    let quantity = field("quantity", line_qty(body.quantity))?;
    let id = path.into_inner();
    let request = ("POST /claims/{id}/part-receipt", id, &body);
    let origin = Origin::request(&who, correlation.0);
    act(&who, &keyed, &request, async |c| {
        let file =
            app::inspection::receive_part(c, &who, &origin, id, &warehouse, quantity).await?;
        claim_view(file)
    })
    .await
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Findings {
    #[validate(length(min = 1, max = 1000))]
    pub failure_mode: String,
    pub cause_code: CauseCode,
    /// Defaults to the causal part's supplier.
    #[validate(custom(function = "valid_supplier"))]
    #[serde(default)]
    pub responsible_supplier: Option<String>,
}

/// Records (or amends, before the decision) the inspection findings (quality). The
/// claim is then `under_inspection`. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/findings", tag = "inspection",
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    request_body = Findings,
    responses(
        (status = 200, description = "under_inspection", body = ClaimView),
        (status = 403, description = "not quality / quality_lead", body = aftersales_web::Problem),
        (status = 404, description = "no such claim", body = aftersales_web::Problem),
        (status = 409, description = "the part is still awaited, or the claim is decided or closed", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn findings(
    Allowed(who, ..): Allowed<Inspectors>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<Findings>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let findings = app::inspection::Findings {
        failure_mode: body.failure_mode.clone(),
        cause_code: body.cause_code,
        responsible_supplier: body
            .responsible_supplier
            .as_deref()
            .map(|s| field("responsible_supplier", SupplierCode::parse(s)))
            .transpose()?,
    };
    let id = path.into_inner();
    let request = ("POST /claims/{id}/findings", id, &body);
    let origin = Origin::request(&who, correlation.0);
    act(&who, &keyed, &request, async |c| {
        claim_view(app::inspection::record_findings(c, &who, &origin, id, &findings).await?)
    })
    .await
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: Verdict,
    /// `partially_approved` only (required): at most the claimed parts amount.
    #[validate(custom(function = "valid_amount"))]
    #[schema(example = "80.00")]
    #[serde(default)]
    pub approved_parts_amount: Option<DecimalString>,
    /// `partially_approved` only (required): at most the claimed labor amount.
    #[validate(custom(function = "valid_amount"))]
    #[schema(example = "40.00")]
    #[serde(default)]
    pub approved_labor_amount: Option<DecimalString>,
    /// `rejected` only (at least one).
    #[serde(default)]
    pub reasons: Vec<ReasonCode>,
}

/// Decides the claim (quality; above the approval limit, quality_lead). Publishes
/// `inspection.claim_adjudicated` with `supplier_responsible` = the cause is
/// `supplier_defect`. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/decision", tag = "inspection",
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    request_body = DecisionInput,
    responses(
        (status = 200, description = "approved / partially_approved / rejected", body = ClaimView),
        (status = 403, description = "not quality / quality_lead; or the approved total exceeds the approval limit (env APPROVAL_LIMIT, default 1000.00) and the caller is not quality_lead — the detail names the limit", body = aftersales_web::Problem),
        (status = 404, description = "no such claim", body = aftersales_web::Problem),
        (status = 409, description = "the claim is not under inspection (no findings yet, or decided)", body = aftersales_web::Problem),
        (status = 422, description = "amounts missing, given where not allowed or above the claimed ones; a rejection without reasons", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn decision(
    Allowed(who, ..): Allowed<Inspectors>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<DecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let decision = Decision {
        verdict: body.decision,
        approved_parts_amount: body.approved_parts_amount.map(DecimalString::get),
        approved_labor_amount: body.approved_labor_amount.map(DecimalString::get),
        reasons: body.reasons.clone(),
    };
    let id = path.into_inner();
    let request = ("POST /claims/{id}/decision", id, &body);
    let origin = Origin::request(&who, correlation.0);
    act(&who, &keyed, &request, async |c| {
        let file = app::decision::decide(c, &who, &origin, id, &decision).await?;
        claim_view(file)
    })
    .await
}

/// The approval limit the caller decides within.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalLimitView {
    /// The caller's limit: approved totals (parts + labor) above it, in the claim's
    /// currency, are decided by a `quality_lead` only. Their own if one was set,
    /// otherwise the default.
    #[schema(value_type = String, example = "1000.00")]
    pub approval_limit: Decimal,
    /// The service's default (env `APPROVAL_LIMIT`, 1000.00 unless set): the claim
    /// list's `above_approval_limit` and the quality lead's queue use it.
    #[schema(value_type = String, example = "1000.00")]
    pub default_approval_limit: Decimal,
    /// The caller has a limit of their own (`approval-limits`).
    pub own: bool,
}

/// The caller's approval limit (quality, quality_lead): the screens show it before
/// deciding.
#[utoipa::path(
    get, path = "/api/v1/approval-limit", tag = "inspection",
    responses(
        (status = 200, description = "the caller's limit and the default (env APPROVAL_LIMIT, default 1000.00)", body = ApprovalLimitView),
        (status = 403, description = "not quality / quality_lead", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn approval_limit(who: Principal, mut conn: DbConn) -> Result<HttpResponse, ApiError> {
    who.require(INSPECTORS)?;
    let own = db::approval_limits::find(&mut conn, &who.sub).await?;
    let default = app::decision::approval_limit();
    Ok(HttpResponse::Ok().json(ApprovalLimitView {
        approval_limit: own.as_ref().map_or(default, |o| o.approval_limit),
        default_approval_limit: default,
        own: own.is_some(),
    }))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispositionInput {
    pub disposition: DispositionKind,
}

/// Disposes of the returned part after the decision (quality): scrap or return to
/// supplier. Publishes `inspection.part_disposed` (catalog takes it out of
/// quarantine); the claim is `closed`. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/disposition", tag = "inspection",
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    request_body = DispositionInput,
    responses(
        (status = 200, description = "closed", body = ClaimView),
        (status = 403, description = "not quality / quality_lead", body = aftersales_web::Problem),
        (status = 404, description = "no such claim", body = aftersales_web::Problem),
        (status = 409, description = "not decided yet, already closed, or no part was received", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn disposition(
    Allowed(who, ..): Allowed<Inspectors>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<DispositionInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let id = path.into_inner();
    let request = ("POST /claims/{id}/disposition", id, &body);
    let origin = Origin::request(&who, correlation.0);
    act(&who, &keyed, &request, async |c| {
        let file = app::inspection::dispose(c, &who, &origin, id, body.disposition).await?;
        claim_view(file)
    })
    .await
}
