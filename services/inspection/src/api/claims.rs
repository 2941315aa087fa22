//! `claims`, `claims/{id}`: warranty claims filed by dealers.
//!
//! A claim is priced and checked when it is submitted. A claim that fails a check is
//! still stored — as `rejected`, with every reason code that applies — and answered
//! `201` like any other claim: the dealer gets a numbered claim it can look up, and
//! the rejection is the outcome, not an input error. Input that cannot make a claim
//! at all (future dates, repair before failure, usage below the reading at sale,
//! unknown part or operation) is a 422 naming the field, and nothing is written.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::{CalendarDate, DecimalString, Timestamp};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::pagination::ListOrder;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::Dealers;
use super::common::{field, period_bound, validation};
use super::labor::valid_hours;
use super::views::{ClaimPreviewView, ClaimView, claim_view, preview_view};
use crate::app;
use crate::app::submission::{NewClaim, NewLaborLine, NewPartLine, Purpose};
use crate::domain::{ClaimStatus, OperationCode, PartNumber, Serial, line_qty};

fn valid_part(value: &str) -> Result<(), ValidationError> {
    PartNumber::parse(value).map(drop).map_err(validation)
}
fn valid_serial(value: &str) -> Result<(), ValidationError> {
    Serial::parse(value).map(drop).map_err(validation)
}
fn valid_operation(value: &str) -> Result<(), ValidationError> {
    OperationCode::parse(value).map(drop).map_err(validation)
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartLineInput {
    #[validate(custom(function = "valid_part"))]
    pub part_number: String,
    #[validate(range(min = 1, max = 10_000))]
    pub qty: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaborLineInput {
    #[validate(custom(function = "valid_operation"))]
    pub operation_code: String,
    /// Claimed hours (decimal string, 0.01 to 999, 2 decimals). Paid:
    /// `min(claimed, standard) × dealer labor rate`.
    #[validate(custom(function = "valid_hours"))]
    #[schema(example = "1.50")]
    pub hours: DecimalString,
}

/// A warranty claim for one of the dealer's units.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClaim {
    #[validate(custom(function = "valid_serial"))]
    pub unit_serial: String,
    /// Not in the future, not before the unit's in-service date.
    pub failure_date: CalendarDate,
    /// Not in the future, not before the failure date.
    pub repair_date: CalendarDate,
    /// Absolute reading; not lower than the unit's usage at sale.
    #[validate(range(min = 0, max = 1_000_000_000))]
    pub usage_at_failure: i64,
    #[validate(length(min = 1, max = 4000))]
    pub complaint: String,
    #[validate(length(min = 1, max = 4000))]
    pub cause: String,
    #[validate(length(min = 1, max = 4000))]
    pub correction: String,
    /// The part that failed.
    #[validate(custom(function = "valid_part"))]
    pub causal_part_number: String,
    /// Parts used in the repair.
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub parts: Vec<PartLineInput>,
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub labor: Vec<LaborLineInput>,
    /// The approved goodwill pre-authorization the repair was made under: coverage
    /// checks are waived, the total may not exceed its estimate, and the claim is
    /// covered at its goodwill share.
    #[serde(default)]
    pub preauthorization_id: Option<Uuid>,
    /// The service campaign the repair was made for: covered whatever the unit's
    /// warranty state, once per unit, holding only the campaign's fix.
    #[validate(length(min = 1, max = 20))]
    #[serde(default)]
    pub campaign_code: Option<String>,
}

impl CreateClaim {
    /// The claim in the domain's types (the body is validated already; a value that
    /// still does not parse is a 422 naming its field).
    fn parse(&self) -> Result<NewClaim, ApiError> {
        let parts = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Ok(NewPartLine {
                    part_number: field(
                        &format!("parts[{i}].part_number"),
                        PartNumber::parse(&l.part_number),
                    )?,
                    qty: field(&format!("parts[{i}].qty"), line_qty(l.qty))?,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        let labor = self
            .labor
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Ok(NewLaborLine {
                    operation_code: field(
                        &format!("labor[{i}].operation_code"),
                        OperationCode::parse(&l.operation_code),
                    )?,
                    hours: l.hours.get(),
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(NewClaim {
            unit_serial: field("unit_serial", Serial::parse(&self.unit_serial))?,
            failure_date: self.failure_date.get(),
            repair_date: self.repair_date.get(),
            usage_at_failure: self.usage_at_failure,
            complaint: self.complaint.clone(),
            cause: self.cause.clone(),
            correction: self.correction.clone(),
            causal_part_number: field(
                "causal_part_number",
                PartNumber::parse(&self.causal_part_number),
            )?,
            parts,
            labor,
            preauthorization_id: self.preauthorization_id,
            campaign_code: self.campaign_code.clone(),
        })
    }
}

/// The claim a dealer submits or previews, validated and parsed, and the dealer it
/// is for: only dealers file claims.
fn dealer_claim<'a>(
    who: &'a Principal,
    body: &CreateClaim,
) -> Result<(NewClaim, &'a str), ApiError> {
    who.require(&[Role::Dealer])?;
    body.validate()?;
    Ok((body.parse()?, who.own_dealer()?))
}

/// Submits a warranty claim for one of the dealer's units.
///
/// Priced now: parts at the read model's list price × qty, labor at
/// `min(claimed, standard hours) × dealer labor rate`, each line rounded half away
/// from zero to the cent, then summed. Checked now: coverage months and usage from
/// the unit's in-service date, submission window, duplicate (same unit and causal
/// part with an open or approved claim), labor over standard time, part not covered
/// by any policy, core part not replaced within its replace-only months, part
/// currency other than the dealer's.
///
/// **A claim failing any check is stored as `rejected` and answered 201** with every
/// reason code that applies in `reasons` (vocabulary: `ReasonCode`). A passing claim
/// is `awaiting_part` when its part must be returned (policy says so and catalog
/// marks it returnable), else `submitted`. Publishes `inspection.claim_submitted`
/// either way. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/claims", tag = "claims",
    request_body = CreateClaim,
    params(KeyHeader),
    responses(
        (status = 201, description = "stored: `submitted` / `awaiting_part`, or `rejected` with its `reasons`; publishes inspection.claim_submitted", body = ClaimView),
        (status = 403, description = "only dealers file claims", body = aftersales_web::Problem),
        (status = 404, description = "unknown unit, or another dealer's", body = aftersales_web::Problem),
        (status = 422, description = "names the field: failure_date / repair_date in the future, repair before failure, failure before in-service, usage_at_failure below usage at sale, unknown causal_part_number / parts[i].part_number / labor[i].operation_code; dealer unknown to inspection; key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_claim(
    Allowed(who, ..): Allowed<Dealers>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateClaim>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (claim, dealer_code) = dealer_claim(&who, &body)?;
    let request = ("POST /claims", dealer_code, &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let file = app::submission::submit(c, &origin, dealer_code, &claim).await?;
            claim_view(file)
        })
        .await?;
    Ok(answer.located("/api/v1/claims", "id"))
}

/// Previews a warranty claim: the same body as `POST /claims`, priced and checked
/// exactly as a submission now would be (the same code decides), and nothing is
/// stored or published.
///
/// Answers 200 with the priced lines, the totals, the status the claim would have and
/// every failing check (`failures`: reason code, the field to correct, a message).
/// Input that cannot make a claim is a 422 naming the field, and another dealer's or
/// an unknown unit a 404, exactly as on submission.
#[utoipa::path(
    post, path = "/api/v1/claims/preview", tag = "claims",
    request_body = CreateClaim,
    responses(
        (status = 200, description = "priced and checked; nothing stored", body = ClaimPreviewView),
        (status = 403, description = "only dealers preview claims", body = aftersales_web::Problem),
        (status = 404, description = "unknown unit, or another dealer's", body = aftersales_web::Problem),
        (status = 422, description = "names the field, as on `POST /claims`", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn preview_claim(
    Allowed(who, ..): Allowed<Dealers>,
    body: aftersales_web::Json<CreateClaim>,
    mut conn: DbConn,
) -> Result<HttpResponse, ApiError> {
    let (claim, dealer_code) = dealer_claim(&who, &body)?;
    let assessment =
        app::submission::assess(&mut conn, dealer_code, &claim, Purpose::Preview).await?;
    Ok(HttpResponse::Ok().json(preview_view(assessment)))
}

/// One claim (another dealer's → 404).
#[utoipa::path(
    get, path = "/api/v1/claims/{id}", tag = "claims",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "role may not read claims", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_claim(
    who: Principal,
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let file = app::claims::get(&mut conn, &who, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(claim_view(file)?))
}

/// DESIGN.md's access table: dealers (their own), quality, quality leads, admins.
pub(crate) const READERS: &[Role] = &[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    /// Submitted at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Submitted before this timestamp, or on or before this date.
    pub to: Option<String>,
    /// `true`: only claims whose claimed total is above the approval limit (the
    /// quality lead's approvals queue, decided by the same rule as a decision);
    /// `false`: only those within it.
    pub above_approval_limit: Option<bool>,
    /// By submission: `newest` first (default) or `oldest` first (work queues).
    #[param(inline)]
    pub order: Option<ListOrder>,
}

/// Claims, newest first (or `order=oldest`), paginated; a dealer lists only its own.
#[utoipa::path(
    get, path = "/api/v1/claims", tag = "claims",
    params(PageQuery, ClaimFilter),
    responses(
        (status = 200, description = "a page of claims", body = inline(Page<ClaimView>)),
        (status = 400, description = "bad cursor, status, order or above_approval_limit", body = aftersales_web::Problem),
        (status = 403, description = "role may not read claims", body = aftersales_web::Problem),
        (status = 422, description = "bad from / to", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_claims(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<ClaimFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let bound = |name, value: &Option<String>, end| {
        value
            .as_deref()
            .map(|v| period_bound(name, v, end))
            .transpose()
    };
    let order = filter.order.unwrap_or_default();
    let query = app::claims::ListQuery {
        status: filter.status,
        from: bound("from", &filter.from, false)?,
        to: bound("to", &filter.to, true)?,
        above_limit: filter
            .above_approval_limit
            .map(|above| (above, app::decision::approval_limit())),
        order,
        // A cursor is only base64 of JSON: a forged one may carry any time.
        after: match page.position::<(ListOrder, Timestamp, Uuid)>()? {
            Some((of, at, id)) if of == order => Some((at, id)),
            Some(_) => {
                return Err(ApiError::bad_parameter(
                    "cursor",
                    "belongs to the list in the other order; start again from the first page",
                ));
            }
            None => None,
        },
    };
    let page = app::claims::list(&mut conn, &who, query, page.limit()).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(claim_view)
            .collect::<Result<Vec<_>, _>>()?,
        next_cursor: page.next_cursor,
    }))
}
