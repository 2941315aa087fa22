//! Quality's actions on a claim: `claims/{id}/part-receipt`, `…/findings`,
//! `…/decision`, `…/disposition`. Each locks the claim, asks the state machine
//! (`domain::status::transition`) whether the move is legal (409 otherwise), writes
//! the change and its event in one transaction, and answers the claim.

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use aftersales_messaging::contracts::inspection::{
    CauseCode as EventCause, ClaimAdjudicated, Decision, Disposition as EventDisposition,
    PartDisposed, PartReceived,
};
use aftersales_messaging::{Envelope, Event, outbox};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::{ApiError, DbPool, Principal, Role};
use chrono::{SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::claims::{ClaimView, check_visible, load_view, not_found, status_of};
use super::common::{self, decimal_in, validation};
use crate::db;
use crate::domain::pricing::round_cents;
use crate::domain::status::{Action, IllegalTransition, Verdict, transition};
use crate::domain::{ReasonCode, SupplierCode, WarehouseCode};

/// Who acts on claims as an inspector.
const INSPECTORS: &[Role] = &[Role::Quality, Role::QualityLead];

/// The default approval limit of an inspector (role `quality`), in the claim's currency.
pub const DEFAULT_APPROVAL_LIMIT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 2);

/// The approval limit: env `APPROVAL_LIMIT` (a decimal, read once), default 1000.00.
/// An unreadable value keeps the default and is logged, so a typo never lets a
/// larger amount through.
pub fn approval_limit() -> Decimal {
    static LIMIT: OnceLock<Decimal> = OnceLock::new();
    *LIMIT.get_or_init(|| match std::env::var("APPROVAL_LIMIT") {
        Ok(v) => match v.trim().parse::<Decimal>() {
            Ok(d) if d >= Decimal::ZERO => d,
            _ => {
                tracing::error!(value = %v, "APPROVAL_LIMIT is not a non-negative decimal; using the default");
                DEFAULT_APPROVAL_LIMIT
            }
        },
        Err(_) => DEFAULT_APPROVAL_LIMIT,
    })
}

fn conflict(e: IllegalTransition) -> ApiError {
    ApiError::conflict(e.to_string())
}

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

async fn locked(
    c: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<db::claims::Claim, ApiError> {
    let claim = db::claims::lock(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(who, &claim)?;
    Ok(claim)
}

async fn publish<E: Event>(
    c: &mut AsyncPgConnection,
    event: &E,
    correlation: CorrelationId,
) -> Result<(), ApiError> {
    let envelope = Envelope::new(crate::NAME, event, correlation.0).map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    Ok(())
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
/// `inspection.part_received` (catalog quarantines it).
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/part-receipt", tag = "inspection",
    params(("id" = Uuid, Path)),
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
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<Uuid>,
    body: web::Json<PartReceipt>,
) -> Result<HttpResponse, ApiError> {
    who.require(INSPECTORS)?;
    let body = body.into_inner();
    body.validate()?;
    let quantity = i32::try_from(body.quantity).map_err(ApiError::internal)?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = locked(c, &who, id).await?;
            let to =
                transition(status_of(&claim)?, Action::ReceivePart, false).map_err(conflict)?;
            db::claims::set_status(c, id, to.as_str()).await?;
            db::claims::set_received(c, id, &body.warehouse, quantity).await?;
            let event = PartReceived {
                claim_id: id,
                part_number: claim.causal_part_number.clone(),
                quantity,
                warehouse: body.warehouse.clone(),
            };
            publish(c, &event, correlation).await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Cause of a failure found by inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CauseCode {
    SupplierDefect,
    AssemblyDefect,
    Misuse,
    NoFaultFound,
}

impl CauseCode {
    fn as_str(self) -> &'static str {
        match self {
            CauseCode::SupplierDefect => "supplier_defect",
            CauseCode::AssemblyDefect => "assembly_defect",
            CauseCode::Misuse => "misuse",
            CauseCode::NoFaultFound => "no_fault_found",
        }
    }
    fn parse(value: &str) -> Option<CauseCode> {
        [
            CauseCode::SupplierDefect,
            CauseCode::AssemblyDefect,
            CauseCode::Misuse,
            CauseCode::NoFaultFound,
        ]
        .into_iter()
        .find(|c| c.as_str() == value)
    }
    fn event(self) -> EventCause {
        match self {
            CauseCode::SupplierDefect => EventCause::SupplierDefect,
            CauseCode::AssemblyDefect => EventCause::AssemblyDefect,
            CauseCode::Misuse => EventCause::Misuse,
            CauseCode::NoFaultFound => EventCause::NoFaultFound,
        }
    }
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
/// claim is then `under_inspection`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/findings", tag = "inspection",
    params(("id" = Uuid, Path)),
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
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
    body: web::Json<Findings>,
) -> Result<HttpResponse, ApiError> {
    who.require(INSPECTORS)?;
    let body = body.into_inner();
    body.validate()?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = locked(c, &who, id).await?;
            let to =
                transition(status_of(&claim)?, Action::RecordFindings, false).map_err(conflict)?;
            let supplier = body
                .responsible_supplier
                .clone()
                .unwrap_or_else(|| claim.supplier_code.clone());
            db::claims::set_status(c, id, to.as_str()).await?;
            db::claims::set_findings(
                c,
                id,
                &body.failure_mode,
                body.cause_code.as_str(),
                &supplier,
            )
            .await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: Verdict,
    /// `partially_approved` only (required): at most the claimed parts amount.
    #[validate(custom(function = "valid_amount"))]
    #[schema(value_type = Option<String>, example = "80.00")]
    #[serde(default)]
    pub approved_parts_amount: Option<Decimal>,
    /// `partially_approved` only (required): at most the claimed labor amount.
    #[validate(custom(function = "valid_amount"))]
    #[schema(value_type = Option<String>, example = "40.00")]
    #[serde(default)]
    pub approved_labor_amount: Option<Decimal>,
    /// `rejected` only (at least one).
    #[serde(default)]
    pub reasons: Vec<ReasonCode>,
}

/// The approved amounts of a decision, or the field that is wrong (pure rule).
fn approved_amounts(
    input: &DecisionInput,
    claimed_parts: Decimal,
    claimed_labor: Decimal,
) -> Result<(Decimal, Decimal), ApiError> {
    let zero = Decimal::new(0, 2);
    match input.decision {
        Verdict::Approved | Verdict::Rejected => {
            if input.approved_parts_amount.is_some() || input.approved_labor_amount.is_some() {
                return Err(ApiError::invalid_field(
                    "approved_parts_amount",
                    "amounts are given only for partially_approved",
                ));
            }
            if input.decision == Verdict::Rejected {
                if input.reasons.is_empty() {
                    return Err(ApiError::invalid_field(
                        "reasons",
                        "a rejection needs at least one reason code",
                    ));
                }
                return Ok((zero, zero));
            }
            if !input.reasons.is_empty() {
                return Err(ApiError::invalid_field("reasons", "only for rejected"));
            }
            Ok((claimed_parts, claimed_labor))
        }
        Verdict::PartiallyApproved => {
            if !input.reasons.is_empty() {
                return Err(ApiError::invalid_field("reasons", "only for rejected"));
            }
            let parts = input.approved_parts_amount.ok_or_else(|| {
                ApiError::invalid_field("approved_parts_amount", "required for partially_approved")
            })?;
            let labor = input.approved_labor_amount.ok_or_else(|| {
                ApiError::invalid_field("approved_labor_amount", "required for partially_approved")
            })?;
            if parts > claimed_parts {
                return Err(ApiError::invalid_field(
                    "approved_parts_amount",
                    format!("must not exceed the claimed parts amount {claimed_parts}"),
                ));
            }
            if labor > claimed_labor {
                return Err(ApiError::invalid_field(
                    "approved_labor_amount",
                    format!("must not exceed the claimed labor amount {claimed_labor}"),
                ));
            }
            if parts == claimed_parts && labor == claimed_labor {
                return Err(ApiError::invalid_field(
                    "approved_parts_amount",
                    "a partial approval approves less than claimed; use approved",
                ));
            }
            Ok((round_cents(parts), round_cents(labor)))
        }
    }
}

/// The approval-limit rule: above the limit, only a `quality_lead` may decide.
fn check_limit(
    who: &Principal,
    approved_total: Decimal,
    limit: Decimal,
    currency: &str,
) -> Result<(), ApiError> {
    if approved_total > limit && !who.is(Role::QualityLead) {
        return Err(ApiError::forbidden(format!(
            "the approved total {approved_total} {currency} exceeds the approval limit of {limit} {currency}; a quality_lead must decide"
        )));
    }
    Ok(())
}

/// Decides the claim (quality; above the approval limit, quality_lead). Publishes
/// `inspection.claim_adjudicated` with `supplier_responsible` = the cause is
/// `supplier_defect`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/decision", tag = "inspection",
    params(("id" = Uuid, Path)),
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
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<Uuid>,
    body: web::Json<DecisionInput>,
) -> Result<HttpResponse, ApiError> {
    who.require(INSPECTORS)?;
    let body = body.into_inner();
    body.validate()?;
    let id = path.into_inner();
    let limit = approval_limit();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = locked(c, &who, id).await?;
            let to = transition(status_of(&claim)?, Action::Decide(body.decision), false)
                .map_err(conflict)?;
            let (parts, labor) = approved_amounts(&body, claim.parts_amount, claim.labor_amount)?;
            check_limit(&who, parts + labor, limit, &claim.currency)?;
            let inspection = db::claims::inspection(c, id).await?;
            let cause = inspection
                .cause_code
                .as_deref()
                .and_then(CauseCode::parse)
                .ok_or_else(|| ApiError::conflict("record findings before deciding"))?;
            let supplier = inspection
                .responsible_supplier
                .clone()
                .unwrap_or_else(|| claim.supplier_code.clone());
            let mut reasons: Vec<String> =
                body.reasons.iter().map(|r| r.as_str().to_owned()).collect();
            reasons.sort();
            reasons.dedup();
            let reasons_sent = reasons.clone();
            let decided_at = Utc::now().trunc_subsecs(6);
            db::claims::set_decision(
                c,
                id,
                &db::claims::Decided {
                    status: to.as_str(),
                    decision: body.decision.as_str(),
                    reasons,
                    approved_parts_amount: parts,
                    approved_labor_amount: labor,
                    decided_at,
                    decided_by: &who.sub,
                },
            )
            .await?;
            let event = ClaimAdjudicated {
                claim_id: id,
                claim_number: claim.number.clone(),
                dealer_code: claim.dealer_code.clone(),
                decision: match body.decision {
                    Verdict::Approved => Decision::Approved,
                    Verdict::PartiallyApproved => Decision::PartiallyApproved,
                    Verdict::Rejected => Decision::Rejected,
                },
                approved_parts_amount: parts,
                approved_labor_amount: labor,
                currency: claim.currency.clone(),
                causal_part_number: claim.causal_part_number.clone(),
                supplier_code: supplier,
                cause_code: Some(cause.event()),
                reason_codes: reasons_sent,
                supplier_responsible: cause == CauseCode::SupplierDefect,
                decided_at,
            };
            publish(c, &event, correlation).await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DispositionKind {
    Scrap,
    ReturnToSupplier,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispositionInput {
    pub disposition: DispositionKind,
}

/// Disposes of the returned part after the decision (quality): scrap or return to
/// supplier. Publishes `inspection.part_disposed` (catalog takes it out of
/// quarantine); the claim is `closed`.
#[utoipa::path(
    post, path = "/api/v1/claims/{id}/disposition", tag = "inspection",
    params(("id" = Uuid, Path)),
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
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<Uuid>,
    body: web::Json<DispositionInput>,
) -> Result<HttpResponse, ApiError> {
    who.require(INSPECTORS)?;
    let kind = body.into_inner().disposition;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = locked(c, &who, id).await?;
            let inspection = db::claims::inspection(c, id).await?;
            let in_hand = inspection.received_at.is_some();
            let to = transition(status_of(&claim)?, Action::Dispose, in_hand).map_err(|e| {
                if in_hand {
                    conflict(e)
                } else {
                    ApiError::conflict(format!("{e}: no part was received"))
                }
            })?;
            let (Some(warehouse), Some(quantity)) = (
                inspection.receipt_warehouse.clone(),
                inspection.receipt_quantity,
            ) else {
                return Err(ApiError::conflict("no part was received"));
            };
            let (name, event_kind) = match kind {
                DispositionKind::Scrap => ("scrap", EventDisposition::Scrap),
                DispositionKind::ReturnToSupplier => {
                    ("return_to_supplier", EventDisposition::ReturnToSupplier)
                }
            };
            db::claims::set_status(c, id, to.as_str()).await?;
            db::claims::set_disposed(c, id, name).await?;
            let event = PartDisposed {
                claim_id: id,
                part_number: claim.causal_part_number.clone(),
                quantity,
                warehouse,
                disposition: event_kind,
            };
            publish(c, &event, correlation).await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role) -> Principal {
        Principal {
            sub: "u".into(),
            role,
            dealer_code: None,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_approval_limit_binds_quality_but_not_quality_lead() {
        let limit = d("1000.00");
        assert!(check_limit(&who(Role::Quality), d("1000.00"), limit, "EUR").is_ok());
        let err = check_limit(&who(Role::Quality), d("1000.01"), limit, "EUR").unwrap_err();
        assert!(
            matches!(&err, ApiError::Forbidden(m) if m.contains("1000.00 EUR")),
            "{err}"
        );
        assert!(check_limit(&who(Role::QualityLead), d("1000.01"), limit, "EUR").is_ok());
        assert_eq!(DEFAULT_APPROVAL_LIMIT, d("1000.00"));
    }

    fn input(
        decision: Verdict,
        parts: Option<&str>,
        labor: Option<&str>,
        reasons: Vec<ReasonCode>,
    ) -> DecisionInput {
        DecisionInput {
            decision,
            approved_parts_amount: parts.map(d),
            approved_labor_amount: labor.map(d),
            reasons,
        }
    }

    #[test]
    fn approved_amounts_follow_the_decision() {
        let (p, l) = (d("100.00"), d("50.00"));
        assert_eq!(
            approved_amounts(&input(Verdict::Approved, None, None, vec![]), p, l).unwrap(),
            (p, l)
        );
        assert_eq!(
            approved_amounts(
                &input(
                    Verdict::PartiallyApproved,
                    Some("80"),
                    Some("50.00"),
                    vec![]
                ),
                p,
                l
            )
            .unwrap(),
            (d("80.00"), l)
        );
        assert_eq!(
            approved_amounts(
                &input(Verdict::Rejected, None, None, vec![ReasonCode::Misuse]),
                p,
                l
            )
            .unwrap(),
            (Decimal::ZERO, Decimal::ZERO)
        );
        for bad in [
            input(Verdict::Rejected, None, None, vec![]),
            input(Verdict::Approved, Some("1"), None, vec![]),
            input(Verdict::PartiallyApproved, Some("101"), Some("0"), vec![]),
            input(Verdict::PartiallyApproved, Some("100"), Some("50"), vec![]),
            input(Verdict::PartiallyApproved, None, Some("1"), vec![]),
        ] {
            assert!(approved_amounts(&bad, p, l).is_err(), "{bad:?}");
        }
    }
}
