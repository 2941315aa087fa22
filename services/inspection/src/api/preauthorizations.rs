//! `preauthorizations`: goodwill pre-authorizations. A dealer requests one before a
//! repair outside coverage or above the pre-authorization limit; a quality lead
//! approves it with a goodwill share or rejects it with a reason; a claim filed with
//! its id is covered at that share (`domain::goodwill`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::{DecimalString, Timestamp};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::common::{decimal_in, field, validation};
use super::{Dealers, PreauthReaders, QualityLeads};
use crate::app::preauthorizations::{self, Request, Verdict};
use crate::db;
use crate::db::preauthorizations::Preauthorization;
use crate::domain::goodwill::{PreauthStatus, Share};
use crate::domain::{PartNumber, Serial};

fn valid_part(value: &str) -> Result<(), ValidationError> {
    PartNumber::parse(value).map(drop).map_err(validation)
}
fn valid_serial(value: &str) -> Result<(), ValidationError> {
    Serial::parse(value).map(drop).map_err(validation)
}
fn valid_amount(value: &Decimal) -> Result<(), ValidationError> {
    decimal_in(value, Decimal::ZERO, Decimal::from(1_000_000_000_i64), 2)
}
fn valid_pct(value: &Decimal) -> Result<(), ValidationError> {
    decimal_in(value, Decimal::ZERO, Decimal::ONE_HUNDRED, 2)
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestPreauthorization {
    #[validate(custom(function = "valid_serial"))]
    pub unit_serial: String,
    /// The part expected to have failed.
    #[validate(custom(function = "valid_part"))]
    pub causal_part_number: String,
    /// The failure, the repair planned and why goodwill is asked for.
    #[validate(length(min = 1, max = 4000))]
    pub description: String,
    /// Estimated parts and labor, in the dealer's currency.
    #[validate(custom(function = "valid_amount"))]
    #[schema(example = "1800.00")]
    pub estimate_parts: DecimalString,
    #[validate(custom(function = "valid_amount"))]
    #[schema(example = "450.00")]
    pub estimate_labor: DecimalString,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreauthorizationView {
    pub id: Uuid,
    /// `PA-000007`.
    pub number: String,
    pub dealer_code: String,
    pub unit_serial: String,
    pub causal_part_number: String,
    pub description: String,
    #[schema(value_type = String, example = "1800.00")]
    pub estimate_parts: Decimal,
    #[schema(value_type = String, example = "450.00")]
    pub estimate_labor: Decimal,
    /// The most a claim under it may total.
    #[schema(value_type = String, example = "2250.00")]
    pub estimate_total: Decimal,
    pub currency: String,
    pub status: PreauthStatus,
    /// When approved: the percent of parts and labor a claim under it is covered for.
    #[schema(value_type = Option<String>, example = "60.00")]
    pub goodwill_pct: Option<Decimal>,
    /// The approval's note, or why it was rejected.
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub requested_at: DateTime<Utc>,
}

impl From<Preauthorization> for PreauthorizationView {
    fn from(p: Preauthorization) -> Self {
        PreauthorizationView {
            id: p.id,
            number: p.number,
            dealer_code: p.dealer_code.into_inner(),
            unit_serial: p.unit_serial,
            causal_part_number: p.causal_part_number.into_inner(),
            description: p.description,
            estimate_parts: p.estimate_parts,
            estimate_labor: p.estimate_labor,
            estimate_total: p.estimate_parts + p.estimate_labor,
            currency: p.currency.into_inner(),
            status: p.status,
            goodwill_pct: p.goodwill_pct,
            decision_note: p.decision_note,
            decided_by: p.decided_by,
            decided_at: p.decided_at,
            requested_at: p.requested_at,
        }
    }
}

/// Requests a goodwill pre-authorization for one of the dealer's units (dealers).
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/preauthorizations", tag = "preauthorizations",
    request_body = RequestPreauthorization,
    params(KeyHeader),
    responses(
        (status = 201, description = "requested", body = PreauthorizationView),
        (status = 403, description = "only dealers request", body = aftersales_web::Problem),
        (status = 404, description = "unknown unit, or another dealer's", body = aftersales_web::Problem),
        (status = 422, description = "names the field: bad serial or part, unknown part, estimates outside 0 to 1 000 000 000 or with more than 2 decimals, empty description", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn request_preauthorization(
    Allowed(who, ..): Allowed<Dealers>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<RequestPreauthorization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let dealer_code = who.own_dealer()?;
    let request = Request {
        unit_serial: field("unit_serial", Serial::parse(&body.unit_serial))?,
        causal_part_number: field(
            "causal_part_number",
            PartNumber::parse(&body.causal_part_number),
        )?,
        description: body.description.clone(),
        estimate_parts: body.estimate_parts.get(),
        estimate_labor: body.estimate_labor.get(),
    };
    let key = ("POST /preauthorizations", dealer_code, &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &key, StatusCode::CREATED, async |c| {
            preauthorizations::request(c, &origin, dealer_code, request)
                .await
                .map(PreauthorizationView::from)
        })
        .await?;
    Ok(answer.located("/api/v1/preauthorizations", "id"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreauthFilter {
    pub status: Option<PreauthStatus>,
    /// Only this dealer's (a dealer always sees only its own).
    pub dealer: Option<String>,
}

/// Pre-authorizations, newest first, paginated: a dealer its own; quality, quality
/// leads and admins all (`?status=requested` is the quality lead's queue).
#[utoipa::path(
    get, path = "/api/v1/preauthorizations", tag = "preauthorizations",
    params(PageQuery, PreauthFilter),
    responses(
        (status = 200, description = "a page", body = inline(Page<PreauthorizationView>)),
        (status = 400, description = "bad cursor or status", body = aftersales_web::Problem),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_preauthorizations(
    Allowed(who, ..): Allowed<PreauthReaders>,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<PreauthFilter>,
) -> Result<HttpResponse, ApiError> {
    let dealer_code = match who.dealer_scope()? {
        Some(own) => Some(own.to_owned()),
        None => filter.dealer.clone(),
    };
    let query = db::preauthorizations::ListFilter {
        dealer_code,
        status: filter.status,
        after: page.position::<(Timestamp, Uuid)>()?,
    };
    let page = preauthorizations::list(&mut conn, &query, page.limit()).await?;
    Ok(HttpResponse::Ok().json(page.map(PreauthorizationView::from)))
}

/// One pre-authorization (a dealer only its own: another's is 404).
#[utoipa::path(
    get, path = "/api/v1/preauthorizations/{id}", tag = "preauthorizations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the pre-authorization", body = PreauthorizationView),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_preauthorization(
    Allowed(who, ..): Allowed<PreauthReaders>,
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let p = preauthorizations::get(&mut conn, &who, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(PreauthorizationView::from(p)))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovePreauthorization {
    /// The percent of the claim's priced parts and labor the manufacturer pays.
    #[validate(custom(function = "valid_pct"))]
    #[schema(example = "60")]
    pub goodwill_pct: DecimalString,
    #[validate(length(max = 4000))]
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectPreauthorization {
    /// Why, for the dealer.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

async fn decide(
    who: &Principal,
    correlation: CorrelationId,
    keyed: &Keyed,
    request: &(impl Serialize + ?Sized),
    id: Uuid,
    verdict: Verdict,
) -> Result<HttpResponse, ApiError> {
    let origin = Origin::request(who, correlation.0);
    let answer = keyed
        .once(who, request, StatusCode::OK, async |c| {
            preauthorizations::decide(c, who, &origin, id, verdict)
                .await
                .map(PreauthorizationView::from)
        })
        .await?;
    Ok(answer.into_response())
}

/// Approves a requested pre-authorization with a goodwill share (quality leads).
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/preauthorizations/{id}/approve", tag = "preauthorizations",
    params(("id" = Uuid, Path), KeyHeader),
    request_body = ApprovePreauthorization,
    responses(
        (status = 200, description = "approved", body = PreauthorizationView),
        (status = 403, description = "not a quality lead", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
        (status = 409, description = "already decided", body = aftersales_web::Problem),
        (status = 422, description = "goodwill_pct outside 0 to 100 or with more than 2 decimals", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn approve_preauthorization(
    Allowed(who, ..): Allowed<QualityLeads>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<ApprovePreauthorization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let share = Share::parse(body.goodwill_pct.get())
        .map_err(|e| ApiError::invalid_field("goodwill_pct", e))?;
    let id = path.into_inner();
    let request = ("POST /preauthorizations/{id}/approve", id, &body);
    let verdict = Verdict::Approve {
        share,
        note: body.note.clone(),
    };
    decide(&who, correlation, &keyed, &request, id, verdict).await
}

/// Rejects a requested pre-authorization with a reason (quality leads). Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/preauthorizations/{id}/reject", tag = "preauthorizations",
    params(("id" = Uuid, Path), KeyHeader),
    request_body = RejectPreauthorization,
    responses(
        (status = 200, description = "rejected", body = PreauthorizationView),
        (status = 403, description = "not a quality lead", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
        (status = 409, description = "already decided", body = aftersales_web::Problem),
        (status = 422, description = "empty reason", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn reject_preauthorization(
    Allowed(who, ..): Allowed<QualityLeads>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<RejectPreauthorization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let id = path.into_inner();
    let request = ("POST /preauthorizations/{id}/reject", id, &body);
    let verdict = Verdict::Reject {
        reason: body.reason.clone(),
    };
    decide(&who, correlation, &keyed, &request, id, verdict).await
}
