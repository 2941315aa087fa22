//! `claims`, `claims/{id}`: warranty claims filed by dealers.
//!
//! A claim is priced and checked when it is submitted. A claim that fails a check is
//! still stored — as `rejected`, with every reason code that applies — and answered
//! `201` like any other claim: the dealer gets a numbered claim it can look up, and
//! the rejection is the outcome, not an input error. Input that cannot make a claim
//! at all (future dates, repair before failure, usage below the reading at sale,
//! unknown part or operation) is a 422 naming the field, and nothing is written.

use actix_web::{HttpResponse, web};
use aftersales_messaging::contracts::inspection::{ClaimAmounts, ClaimSubmitted};
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{
    ApiError, DbPool, FieldError, MaybeIdempotencyKey, Page, PageQuery, Principal, Role,
};
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::common::{self, period_bound, validation};
use super::labor::valid_hours;
use crate::db;
use crate::domain::coverage::{self, ClaimFacts, Terms};
use crate::domain::pricing::{self, LaborLine, PartLine};
use crate::domain::status::{Action, ClaimStatus, Verdict, transition};
use crate::domain::{Currency, OperationCode, PartNumber, ReasonCode, Serial, line_qty};

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
    #[schema(value_type = String, example = "1.50")]
    pub hours: Decimal,
}

/// A warranty claim for one of the dealer's units.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClaim {
    #[validate(custom(function = "valid_serial"))]
    pub unit_serial: String,
    /// Not in the future, not before the unit's in-service date.
    pub failure_date: NaiveDate,
    /// Not in the future, not before the failure date.
    pub repair_date: NaiveDate,
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
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AmountsView {
    #[schema(value_type = String, example = "120.00")]
    pub parts: Decimal,
    #[schema(value_type = String, example = "85.50")]
    pub labor: Decimal,
    #[schema(value_type = String, example = "205.50")]
    pub total: Decimal,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartLineView {
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
    #[schema(value_type = String, example = "60.0000")]
    pub unit_price: Decimal,
    pub currency: String,
    /// `unit_price × qty`, rounded half away from zero to the cent.
    #[schema(value_type = String, example = "120.00")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LaborLineView {
    pub line_no: i32,
    pub operation_code: String,
    #[schema(value_type = String)]
    pub claimed_hours: Decimal,
    #[schema(value_type = String)]
    pub standard_hours: Decimal,
    /// `min(claimed, standard)`.
    #[schema(value_type = String)]
    pub paid_hours: Decimal,
    #[schema(value_type = String)]
    pub rate: Decimal,
    /// `paid_hours × rate`, rounded half away from zero to the cent.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptView {
    pub received_at: DateTime<Utc>,
    pub warehouse: String,
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FindingsView {
    pub failure_mode: String,
    pub cause_code: String,
    pub responsible_supplier: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    pub decision: Verdict,
    #[schema(value_type = String)]
    pub approved_parts_amount: Decimal,
    #[schema(value_type = String)]
    pub approved_labor_amount: Decimal,
    pub decided_at: DateTime<Utc>,
    pub decided_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DispositionView {
    pub disposition: String,
    pub disposed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimView {
    pub id: Uuid,
    /// Human number, `WC-000045`.
    pub number: String,
    pub dealer_code: String,
    pub unit_serial: String,
    pub status: ClaimStatus,
    /// Why the claim is rejected (empty otherwise), from the one vocabulary.
    pub reasons: Vec<ReasonCode>,
    pub failure_date: NaiveDate,
    pub repair_date: NaiveDate,
    pub usage_at_failure: i64,
    pub complaint: String,
    pub cause: String,
    pub correction: String,
    pub causal_part_number: String,
    pub supplier_code: String,
    /// As priced at submission.
    pub amounts: AmountsView,
    pub parts: Vec<PartLineView>,
    pub labor: Vec<LaborLineView>,
    /// The failed part must reach a warehouse by `return_deadline`.
    pub return_required: bool,
    pub return_deadline: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    /// When the claim was decided (also when rejected at submission or by the
    /// return-deadline job).
    pub decided_at: Option<DateTime<Utc>>,
    pub receipt: Option<ReceiptView>,
    pub findings: Option<FindingsView>,
    pub decision: Option<DecisionView>,
    pub disposition: Option<DispositionView>,
}

pub(crate) fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no claim {id}"))
}

pub(crate) fn status_of(claim: &db::claims::Claim) -> Result<ClaimStatus, ApiError> {
    ClaimStatus::parse(&claim.status)
        .ok_or_else(|| ApiError::internal(format!("claim {} has unknown status", claim.id)))
}

/// 404 unless the caller may see `claim` (a dealer sees only its own).
pub(crate) fn check_visible(who: &Principal, claim: &db::claims::Claim) -> Result<(), ApiError> {
    if who.is(Role::Dealer) && who.dealer_code() != Some(claim.dealer_code.as_str()) {
        return Err(not_found(claim.id));
    }
    Ok(())
}

pub(crate) async fn load_view(c: &mut AsyncPgConnection, id: Uuid) -> Result<ClaimView, ApiError> {
    let claim = db::claims::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    view_of(c, claim).await
}

pub(crate) async fn view_of(
    c: &mut AsyncPgConnection,
    claim: db::claims::Claim,
) -> Result<ClaimView, ApiError> {
    let id = claim.id;
    let details = db::claims::details(c, id).await?;
    let inspection = db::claims::inspection(c, id).await?;
    let parts = db::claims::part_lines(c, id).await?;
    let labor = db::claims::labor_lines(c, id).await?;
    let status = status_of(&claim)?;
    let reasons = claim
        .reasons
        .iter()
        .map(|r| {
            ReasonCode::parse(r)
                .ok_or_else(|| ApiError::internal(format!("claim {id} has unknown reason {r}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let receipt = match (
        inspection.received_at,
        inspection.receipt_warehouse,
        inspection.receipt_quantity,
    ) {
        (Some(received_at), Some(warehouse), Some(quantity)) => Some(ReceiptView {
            received_at,
            warehouse,
            quantity,
        }),
        _ => None,
    };
    let findings = match (
        inspection.failure_mode,
        inspection.cause_code,
        inspection.responsible_supplier,
    ) {
        (Some(failure_mode), Some(cause_code), Some(responsible_supplier)) => Some(FindingsView {
            failure_mode,
            cause_code,
            responsible_supplier,
        }),
        _ => None,
    };
    let decision = match (
        claim.decision.as_deref().and_then(Verdict::parse),
        claim.decided_at,
        inspection.decided_by,
    ) {
        (Some(decision), Some(decided_at), Some(decided_by)) => Some(DecisionView {
            decision,
            approved_parts_amount: inspection.approved_parts_amount.unwrap_or_default(),
            approved_labor_amount: inspection.approved_labor_amount.unwrap_or_default(),
            decided_at,
            decided_by,
        }),
        _ => None,
    };
    let disposition = match (inspection.disposition, inspection.disposed_at) {
        (Some(disposition), Some(disposed_at)) => Some(DispositionView {
            disposition,
            disposed_at,
        }),
        _ => None,
    };
    Ok(ClaimView {
        id,
        number: claim.number,
        dealer_code: claim.dealer_code,
        unit_serial: claim.unit_serial,
        status,
        reasons,
        failure_date: details.failure_date,
        repair_date: details.repair_date,
        usage_at_failure: details.usage_at_failure,
        complaint: details.complaint,
        cause: details.cause,
        correction: details.correction,
        causal_part_number: claim.causal_part_number,
        supplier_code: claim.supplier_code,
        amounts: AmountsView {
            parts: claim.parts_amount,
            labor: claim.labor_amount,
            total: claim.parts_amount + claim.labor_amount,
            currency: claim.currency,
        },
        parts: parts
            .into_iter()
            .map(|l| PartLineView {
                line_no: l.line_no,
                part_number: l.part_number,
                qty: l.qty,
                unit_price: l.unit_price,
                currency: l.currency,
                amount: l.amount,
            })
            .collect(),
        labor: labor
            .into_iter()
            .map(|l| LaborLineView {
                line_no: l.line_no,
                operation_code: l.operation_code,
                claimed_hours: l.claimed_hours,
                standard_hours: l.standard_hours,
                paid_hours: l.paid_hours,
                rate: l.rate,
                amount: l.amount,
            })
            .collect(),
        return_required: claim.return_required,
        return_deadline: claim.return_deadline,
        submitted_at: claim.submitted_at,
        decided_at: claim.decided_at,
        receipt,
        findings,
        decision,
        disposition,
    })
}

fn unprocessable(errors: Vec<FieldError>) -> ApiError {
    let detail = match errors.as_slice() {
        [one] => format!("{}: {}", one.field, one.message),
        _ => format!("{} fields are invalid", errors.len()),
    };
    ApiError::Unprocessable { detail, errors }
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
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe submission")),
    responses(
        (status = 201, description = "stored: `submitted` / `awaiting_part`, or `rejected` with its `reasons`; publishes inspection.claim_submitted", body = ClaimView),
        (status = 403, description = "only dealers file claims", body = aftersales_web::Problem),
        (status = 404, description = "unknown unit, or another dealer's", body = aftersales_web::Problem),
        (status = 422, description = "names the field: failure_date / repair_date in the future, repair before failure, failure before in-service, usage_at_failure below usage at sale, unknown causal_part_number / parts[i].part_number / labor[i].operation_code; dealer unknown to inspection; key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_claim(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateClaim>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer])?;
    let body = body.into_inner();
    body.validate()?;
    let dealer_code = who.dealer_code().unwrap_or_default().to_owned();
    let hash = idempotency::request_hash(&("POST /claims", &dealer_code, &body));
    let key = key.into_inner();
    let mut conn = common::conn(&pool).await?;
    let (status, json) = conn
        .transaction(async |c| {
            if let Some(key) = &key
                && let Claim::Replay { status, body } =
                    idempotency::claim(c, &who.sub, key, &hash).await?
            {
                return Ok::<_, ApiError>((status, body));
            }
            let view = submit(c, &dealer_code, &body, correlation).await?;
            let json = serde_json::to_value(view).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    common::created(status, json, "claims", "id")
}

async fn submit(
    c: &mut AsyncPgConnection,
    dealer_code: &str,
    body: &CreateClaim,
    correlation: CorrelationId,
) -> Result<ClaimView, ApiError> {
    // Locked: two submissions for one unit must not both pass the duplicate check.
    let unit = db::units::lock(c, &body.unit_serial)
        .await?
        .filter(|u| u.dealer_code == dealer_code)
        .ok_or_else(|| super::units::not_found(&body.unit_serial))?;
    // Microseconds: what PostgreSQL keeps, so the view and the row agree.
    let now = Utc::now().trunc_subsecs(6);
    let today = now.date_naive();

    let mut errors: Vec<FieldError> = coverage::input_problems(
        today,
        unit.in_service_date,
        body.failure_date,
        body.repair_date,
        unit.usage_at_sale,
        body.usage_at_failure,
    )
    .into_iter()
    .map(|(field, message)| FieldError::new(field, message))
    .collect();

    let mut numbers: Vec<String> = body.parts.iter().map(|p| p.part_number.clone()).collect();
    numbers.push(body.causal_part_number.clone());
    let known_parts = db::read_models::find_parts(c, &numbers).await?;
    let part = |n: &str| known_parts.iter().find(|p| p.part_number == n);
    let causal = part(&body.causal_part_number);
    if causal.is_none() {
        errors.push(FieldError::new(
            "causal_part_number",
            format!("unknown part {}", body.causal_part_number),
        ));
    }
    for (i, line) in body.parts.iter().enumerate() {
        if part(&line.part_number).is_none() {
            errors.push(FieldError::new(
                format!("parts[{i}].part_number"),
                format!("unknown part {}", line.part_number),
            ));
        }
    }
    let codes: Vec<String> = body
        .labor
        .iter()
        .map(|l| l.operation_code.clone())
        .collect();
    let operations = db::labor::find_many(c, &codes).await?;
    let operation = |code: &str| operations.iter().find(|o| o.code == code);
    for (i, line) in body.labor.iter().enumerate() {
        if operation(&line.operation_code).is_none() {
            errors.push(FieldError::new(
                format!("labor[{i}].operation_code"),
                format!("unknown labor operation {}", line.operation_code),
            ));
        }
    }
    let dealer = db::read_models::find_dealer(c, dealer_code).await?;
    let dealer = match dealer {
        Some(d) if d.active => Some(d),
        Some(_) => {
            errors.push(FieldError::new(
                "dealer_code",
                format!("dealer {dealer_code} is not active"),
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                "dealer_code",
                format!("dealer {dealer_code} is not known to inspection (no orders.dealer_upserted yet)"),
            ));
            None
        }
    };
    let (Some(causal), Some(dealer), true) = (causal, dealer, errors.is_empty()) else {
        return Err(unprocessable(errors));
    };

    let currency =
        Currency::parse(&dealer.currency).map_err(|e| ApiError::internal(e.into_message()))?;
    let mut part_lines = Vec::with_capacity(body.parts.len());
    for line in &body.parts {
        let p = part(&line.part_number).ok_or_else(|| ApiError::internal("part vanished"))?;
        part_lines.push(PartLine {
            part_number: PartNumber::parse(&p.part_number)
                .map_err(|e| ApiError::internal(e.into_message()))?,
            qty: line_qty(line.qty).map_err(|e| ApiError::internal(e.into_message()))?,
            unit_price: p.list_price,
            currency: Currency::parse(&p.currency)
                .map_err(|e| ApiError::internal(e.into_message()))?,
        });
    }
    let mut labor_lines = Vec::with_capacity(body.labor.len());
    for line in &body.labor {
        let op = operation(&line.operation_code)
            .ok_or_else(|| ApiError::internal("operation vanished"))?;
        labor_lines.push(LaborLine {
            claimed_hours: line.hours,
            standard_hours: op.standard_hours,
        });
    }
    let priced = pricing::price(&part_lines, &labor_lines, dealer.labor_rate, &currency);

    let policy = db::policies::for_part(c, &causal.part_number, &causal.category).await?;
    let terms = policy.as_ref().map(|p| Terms {
        warranty_months: u32::try_from(p.warranty_months).unwrap_or(0),
        usage_limit: p.usage_limit,
        core_replace_only_months: u32::try_from(p.core_replace_only_months).unwrap_or(0),
        submission_window_days: u32::try_from(p.submission_window_days).unwrap_or(0),
        return_required: p.return_required,
        return_deadline_days: u32::try_from(p.return_deadline_days).unwrap_or(0),
    });
    let duplicate = db::claims::for_unit_and_part(c, &unit.serial, &causal.part_number)
        .await?
        .into_iter()
        .any(|(status, decision)| {
            ClaimStatus::parse(&status)
                .is_none_or(|s| s.blocks_duplicate(decision.as_deref().and_then(Verdict::parse)))
        });
    let reasons = coverage::check(&ClaimFacts {
        in_service: unit.in_service_date,
        failure: body.failure_date,
        repair: body.repair_date,
        submitted_on: today,
        usage_at_failure: body.usage_at_failure,
        terms,
        causal_is_core: causal.core,
        causal_replaced: body
            .parts
            .iter()
            .any(|p| p.part_number == causal.part_number),
        duplicate,
        labor_exceeds_standard: priced.labor_exceeds_standard,
        currency_mismatch: priced.currency_mismatch,
    });

    let return_required = terms.is_some_and(|t| t.return_required) && causal.returnable;
    let illegal = |e: crate::domain::status::IllegalTransition| ApiError::internal(e.to_string());
    let (status, return_deadline, decided_at) = if !reasons.is_empty() {
        let s = transition(ClaimStatus::Submitted, Action::RejectAtSubmission, false)
            .map_err(illegal)?;
        (s, None, Some(now))
    } else if return_required {
        let s = transition(ClaimStatus::Submitted, Action::AwaitPart, false).map_err(illegal)?;
        let days = terms.map_or(0, |t| t.return_deadline_days);
        (s, Some(now + Duration::days(i64::from(days))), None)
    } else {
        (ClaimStatus::Submitted, None, None)
    };

    let id = Uuid::now_v7();
    let number = db::claims::next_number(c).await?;
    let claim = db::claims::Claim {
        id,
        number: number.clone(),
        dealer_code: dealer_code.to_owned(),
        unit_serial: unit.serial.clone(),
        causal_part_number: causal.part_number.clone(),
        supplier_code: causal.supplier_code.clone(),
        status: status.as_str().to_owned(),
        decision: None,
        reasons: reasons.iter().map(|r| r.as_str().to_owned()).collect(),
        currency: currency.to_string(),
        parts_amount: priced.parts,
        labor_amount: priced.labor_total,
        return_required,
        return_deadline,
        submitted_at: now,
        decided_at,
    };
    let details = db::claims::Details {
        claim_id: id,
        failure_date: body.failure_date,
        repair_date: body.repair_date,
        usage_at_failure: body.usage_at_failure,
        complaint: body.complaint.clone(),
        cause: body.cause.clone(),
        correction: body.correction.clone(),
    };
    let parts: Vec<db::claims::PartLine> = part_lines
        .iter()
        .zip(&priced.part_amounts)
        .zip(1..)
        .map(|((l, amount), line_no)| db::claims::PartLine {
            claim_id: id,
            line_no,
            part_number: l.part_number.to_string(),
            qty: l.qty.get(),
            unit_price: l.unit_price,
            currency: l.currency.to_string(),
            amount: *amount,
        })
        .collect();
    let labor: Vec<db::claims::LaborLine> = body
        .labor
        .iter()
        .zip(&labor_lines)
        .zip(&priced.labor)
        .zip(1..)
        .map(|(((input, l), p), line_no)| db::claims::LaborLine {
            claim_id: id,
            line_no,
            operation_code: input.operation_code.clone(),
            claimed_hours: l.claimed_hours,
            standard_hours: l.standard_hours,
            paid_hours: p.paid_hours,
            rate: dealer.labor_rate,
            amount: p.amount,
        })
        .collect();
    db::claims::insert(c, &claim, &details, &parts, &labor).await?;

    let event = ClaimSubmitted {
        claim_id: id,
        claim_number: number,
        dealer_code: dealer_code.to_owned(),
        causal_part_number: causal.part_number.clone(),
        amounts: ClaimAmounts {
            parts: priced.parts,
            labor: priced.labor_total,
            total: priced.total,
            currency: currency.to_string(),
        },
    };
    let envelope = Envelope::new(crate::NAME, &event, correlation.0).map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    view_of(c, claim).await
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
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let claim = db::claims::find(&mut conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(&who, &claim)?;
    Ok(HttpResponse::Ok().json(view_of(&mut conn, claim).await?))
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
}

/// Claims, newest first, paginated; a dealer lists only its own.
#[utoipa::path(
    get, path = "/api/v1/claims", tag = "claims",
    params(PageQuery, ClaimFilter),
    responses(
        (status = 200, description = "a page of claims", body = inline(Page<ClaimView>)),
        (status = 400, description = "bad cursor or status", body = aftersales_web::Problem),
        (status = 403, description = "role may not read claims", body = aftersales_web::Problem),
        (status = 422, description = "bad from / to", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_claims(
    who: Principal,
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<ClaimFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let filter = db::claims::ListFilter {
        dealer_code: who
            .is(Role::Dealer)
            .then(|| who.dealer_code().unwrap_or_default().to_owned()),
        status: filter.status.map(|s| s.as_str().to_owned()),
        from: filter
            .from
            .as_deref()
            .map(|v| period_bound("from", v, false))
            .transpose()?,
        to: filter
            .to
            .as_deref()
            .map(|v| period_bound("to", v, true))
            .transpose()?,
        after: page.position()?,
    };
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows = db::claims::list(&mut conn, &filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |c| (c.submitted_at, c.id));
    let mut items = Vec::with_capacity(page.items.len());
    for claim in page.items {
        items.push(view_of(&mut conn, claim).await?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}
