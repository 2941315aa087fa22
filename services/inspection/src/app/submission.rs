//! Submitting a warranty claim: the claim is priced and checked now, numbered,
//! stored (as `rejected` with every reason when a check fails), announced
//! (`inspection.claim_submitted`) and recorded on its audit trail, in one transaction;
//! a claim that must return its part tells its subscribers (`claim.awaiting_part`).
//! A preview runs the very same assessment (`assess`) and writes nothing.

use aftersales_messaging::contracts::inspection::{ClaimAmounts, ClaimSubmitted};
use aftersales_web::audit::Origin;
use aftersales_web::notify;
use aftersales_web::{ApiError, FieldError};
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::claims::{self, ClaimFile, file_of};
use super::{campaigns, preauthorizations, publish};
use crate::db;
use crate::domain::coverage::{self, ClaimFacts, Failure, Terms};
use crate::domain::goodwill::{self, Share};
use crate::domain::inspection::returnable_quantity;
use crate::domain::pricing::{self, LaborLine, PartLine, Priced};
use crate::domain::status::{Action, IllegalTransition, transition};
use crate::domain::{
    ClaimStatus, Currency, DealerCode, OperationCode, PartNumber, Quantity, ReasonCode, Serial,
};

/// A parts line of a new claim.
#[derive(Debug, Clone)]
pub struct NewPartLine {
    pub part_number: PartNumber,
    pub qty: Quantity,
}

/// A labor line of a new claim.
#[derive(Debug, Clone)]
pub struct NewLaborLine {
    pub operation_code: OperationCode,
    pub hours: Decimal,
}

/// A claim as a dealer files it.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub unit_serial: Serial,
    pub failure_date: NaiveDate,
    pub repair_date: NaiveDate,
    pub usage_at_failure: i64,
    pub complaint: String,
    pub cause: String,
    pub correction: String,
    pub causal_part_number: PartNumber,
    pub parts: Vec<NewPartLine>,
    pub labor: Vec<NewLaborLine>,
    /// The goodwill pre-authorization the repair was approved under, if any.
    pub preauthorization_id: Option<Uuid>,
    /// The service campaign the repair was made for, if any.
    pub campaign_code: Option<String>,
}

/// 422 listing every field that cannot make a claim.
fn unprocessable(errors: Vec<FieldError>) -> ApiError {
    let detail = match errors.as_slice() {
        [one] => format!("{}: {}", one.field, one.message),
        _ => format!("{} fields are invalid", errors.len()),
    };
    ApiError::Unprocessable { detail, errors }
}

/// The terms of a stored policy. A value outside its range is a broken row: an
/// internal error naming it, never a 0-month warranty.
fn terms_of(p: &db::policies::Policy) -> Result<Terms, ApiError> {
    let months = |name: &str, value: i32| {
        u32::try_from(value)
            .map_err(|_| ApiError::internal(format!("policy {} has {name} = {value}", p.id)))
    };
    Ok(Terms {
        warranty_months: months("warranty_months", p.warranty_months)?,
        usage_limit: p.usage_limit,
        core_replace_only_months: months("core_replace_only_months", p.core_replace_only_months)?,
        submission_window_days: months("submission_window_days", p.submission_window_days)?,
        return_required: p.return_required,
        return_deadline_days: months("return_deadline_days", p.return_deadline_days)?,
    })
}

/// What the read models and master data say about a new claim's unit, parts,
/// operations and dealer; every input problem is collected, not only the first.
struct Known {
    unit: db::units::Unit,
    causal: db::read_models::Part,
    dealer: db::read_models::Dealer,
    parts: Vec<db::read_models::Part>,
    operations: Vec<db::labor::Operation>,
}

async fn look_up(
    c: &mut AsyncPgConnection,
    dealer_code: &str,
    claim: &NewClaim,
    today: NaiveDate,
    purpose: Purpose,
) -> Result<Known, ApiError> {
    // Locked to submit: two submissions for one unit must not both pass the
    // duplicate check. A preview only reads.
    let unit = match purpose {
        Purpose::Submit => db::units::lock(c, claim.unit_serial.as_str()).await?,
        Purpose::Preview => db::units::find(c, claim.unit_serial.as_str()).await?,
    };
    let unit = unit
        .filter(|u| u.dealer_code == dealer_code)
        .ok_or_else(|| super::units::not_found(claim.unit_serial.as_str()))?;

    let mut errors: Vec<FieldError> = coverage::input_problems(
        today,
        unit.in_service_date,
        claim.failure_date,
        claim.repair_date,
        unit.usage_at_sale,
        claim.usage_at_failure,
    )
    .into_iter()
    .map(|(field, message)| FieldError::new(field, message))
    .collect();

    let mut numbers: Vec<String> = claim
        .parts
        .iter()
        .map(|p| p.part_number.to_string())
        .collect();
    numbers.push(claim.causal_part_number.to_string());
    let parts = db::read_models::find_parts(c, &numbers).await?;
    let known = |n: &PartNumber| parts.iter().any(|p| p.part_number == n.as_str());
    if !known(&claim.causal_part_number) {
        errors.push(FieldError::new(
            "causal_part_number",
            format!("unknown part {}", claim.causal_part_number),
        ));
    }
    for (i, line) in claim.parts.iter().enumerate() {
        if !known(&line.part_number) {
            errors.push(FieldError::new(
                format!("parts[{i}].part_number"),
                format!("unknown part {}", line.part_number),
            ));
        }
    }
    let codes: Vec<String> = claim
        .labor
        .iter()
        .map(|l| l.operation_code.to_string())
        .collect();
    let operations = db::labor::find_many(c, &codes).await?;
    for (i, line) in claim.labor.iter().enumerate() {
        if !operations
            .iter()
            .any(|o| o.code == line.operation_code.as_str())
        {
            errors.push(FieldError::new(
                format!("labor[{i}].operation_code"),
                format!("unknown labor operation {}", line.operation_code),
            ));
        }
    }
    let dealer = match db::read_models::find_dealer(c, dealer_code).await? {
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
    let causal = parts
        .iter()
        .find(|p| p.part_number == claim.causal_part_number.as_str())
        .cloned();
    let (Some(causal), Some(dealer), true) = (causal, dealer, errors.is_empty()) else {
        return Err(unprocessable(errors));
    };
    Ok(Known {
        unit,
        causal,
        dealer,
        parts,
        operations,
    })
}

/// The priced lines of a claim whose parts and operations are all known.
fn price(
    claim: &NewClaim,
    known: &Known,
    currency: &Currency,
) -> Result<(Vec<PartLine>, Vec<LaborLine>, Priced), ApiError> {
    let mut part_lines = Vec::with_capacity(claim.parts.len());
    for line in &claim.parts {
        let p = known
            .parts
            .iter()
            .find(|p| p.part_number == line.part_number.as_str())
            .ok_or_else(|| ApiError::internal("part vanished"))?;
        part_lines.push(PartLine {
            part_number: line.part_number.clone(),
            qty: line.qty,
            unit_price: p.list_price,
            currency: p.currency.clone(),
        });
    }
    let mut labor_lines = Vec::with_capacity(claim.labor.len());
    for line in &claim.labor {
        let op = known
            .operations
            .iter()
            .find(|o| o.code == line.operation_code.as_str())
            .ok_or_else(|| ApiError::internal("operation vanished"))?;
        labor_lines.push(LaborLine {
            claimed_hours: line.hours,
            standard_hours: op.standard_hours,
        });
    }
    let priced = pricing::price(&part_lines, &labor_lines, known.dealer.labor_rate, currency);
    Ok((part_lines, labor_lines, priced))
}

/// Why a claim is assessed: to store it (its unit locked) or to preview it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Submit,
    Preview,
}

/// A claim priced and checked as it would be stored now: everything but its number.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub id: Uuid,
    pub now: DateTime<Utc>,
    pub dealer_code: DealerCode,
    pub unit_serial: String,
    pub causal: db::read_models::Part,
    pub status: ClaimStatus,
    /// Every failing check, in the vocabulary's order; empty when the claim passes.
    pub failures: Vec<Failure>,
    pub currency: Currency,
    pub priced: Priced,
    /// What the claim is covered for: the priced parts and labor, or their goodwill
    /// share under a pre-authorization.
    pub covered_parts: Decimal,
    pub covered_labor: Decimal,
    /// The pre-authorization the claim is filed under, and its share.
    pub goodwill: Option<(Uuid, Share)>,
    /// Coverage checks failed that the pre-authorization waived.
    pub waived: Vec<ReasonCode>,
    pub return_required: bool,
    pub return_deadline: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub parts: Vec<db::claims::PartLine>,
    pub labor: Vec<db::claims::LaborLine>,
}

/// Prices and checks `claim` for `dealer_code`'s unit: the one decision behind both
/// submit and preview. Input that cannot make a claim is a 422 naming every field;
/// another dealer's unit is a 404.
pub async fn assess(
    c: &mut AsyncPgConnection,
    dealer_code: &str,
    claim: &NewClaim,
    purpose: Purpose,
) -> Result<Assessment, ApiError> {
    // Microseconds: what PostgreSQL keeps, so the answer and the row agree.
    let now = Utc::now().trunc_subsecs(6);
    let today = now.date_naive();
    let known = look_up(c, dealer_code, claim, today, purpose).await?;
    let currency = known.dealer.currency.clone();
    let (part_lines, labor_lines, priced) = price(claim, &known, &currency)?;
    let (unit, causal) = (&known.unit, &known.causal);

    let terms =
        match db::policies::for_part(c, causal.part_number.as_str(), &causal.category).await? {
            Some(policy) => Some(terms_of(&policy)?),
            None => None,
        };
    // A campaign claim is once per unit and campaign; any other, once per unit and
    // causal part while open or approved.
    let duplicate = match &claim.campaign_code {
        Some(code) => {
            campaigns::check_claim(c, code, unit, claim).await?;
            db::campaigns::claim_of_unit(c, code, &unit.serial)
                .await?
                .is_some()
        }
        None => db::claims::for_unit_and_part(c, &unit.serial, causal.part_number.as_str())
            .await?
            .into_iter()
            .any(|(status, decision)| status.blocks_duplicate(decision)),
    };
    let failures = coverage::failures(&ClaimFacts {
        in_service: unit.in_service_date,
        failure: claim.failure_date,
        repair: claim.repair_date,
        submitted_on: today,
        usage_at_failure: claim.usage_at_failure,
        terms,
        causal_is_core: causal.core,
        causal_replaced: claim
            .parts
            .iter()
            .any(|p| p.part_number == causal.part_number),
        duplicate,
        labor_exceeds_standard: priced.labor_exceeds_standard,
        currency_mismatch: priced.currency_mismatch,
    });
    // Under a pre-authorization coverage is waived and the estimate binds; without one,
    // a total above the limit needed one.
    let (failures, waived, goodwill) = match (claim.preauthorization_id, &claim.campaign_code) {
        (Some(id), _) => {
            let grant = preauthorizations::grant_for(c, id, dealer_code, claim).await?;
            let (failures, waived) = goodwill::apply(failures, &grant, priced.total);
            (failures, waived, Some((id, grant.share)))
        }
        // The campaign covers the unit whatever its warranty state.
        (None, Some(_)) => {
            let (failures, waived) = goodwill::waive(failures);
            (failures, waived, None)
        }
        (None, None) => {
            let mut failures = failures;
            let limit = preauthorizations::preauthorization_limit();
            failures.extend(goodwill::required(priced.total, limit));
            (failures, Vec::new(), None)
        }
    };
    let (covered_parts, covered_labor) = match goodwill {
        Some((_, share)) => (share.of(priced.parts), share.of(priced.labor_total)),
        None => (priced.parts, priced.labor_total),
    };

    // The part must come back when the policy says so and catalog marks it returnable.
    let return_days = terms
        .filter(|t| t.return_required && causal.returnable)
        .map(|t| t.return_deadline_days);
    let illegal = |e: IllegalTransition| ApiError::internal(e.to_string());
    let (status, return_deadline, decided_at) = match (failures.is_empty(), return_days) {
        (false, _) => {
            let s = transition(ClaimStatus::Submitted, Action::RejectAtSubmission, false)
                .map_err(illegal)?;
            (s, None, Some(now))
        }
        (true, Some(days)) => {
            let s =
                transition(ClaimStatus::Submitted, Action::AwaitPart, false).map_err(illegal)?;
            (s, Some(now + Duration::days(i64::from(days))), None)
        }
        (true, None) => (ClaimStatus::Submitted, None, None),
    };

    let id = Uuid::now_v7();
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
    let labor: Vec<db::claims::LaborLine> = claim
        .labor
        .iter()
        .zip(&labor_lines)
        .zip(&priced.labor)
        .zip(1..)
        .map(|(((input, l), p), line_no)| db::claims::LaborLine {
            claim_id: id,
            line_no,
            operation_code: input.operation_code.to_string(),
            claimed_hours: l.claimed_hours,
            standard_hours: l.standard_hours,
            paid_hours: p.paid_hours,
            rate: known.dealer.labor_rate,
            amount: p.amount,
        })
        .collect();
    Ok(Assessment {
        id,
        now,
        dealer_code: known.dealer.dealer_code.clone(),
        unit_serial: unit.serial.clone(),
        causal: known.causal.clone(),
        status,
        failures,
        currency,
        priced,
        covered_parts,
        covered_labor,
        goodwill,
        waived,
        return_required: return_days.is_some(),
        return_deadline,
        decided_at,
        parts,
        labor,
    })
}

/// Submits `claim` for `dealer_code`'s unit. Input that cannot make a claim is a 422
/// naming every field; a claim failing a check is stored `rejected` with its reasons.
pub async fn submit(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    dealer_code: &str,
    claim: &NewClaim,
) -> Result<ClaimFile, ApiError> {
    let a = assess(c, dealer_code, claim, Purpose::Submit).await?;
    let number = db::claims::next_number(c).await?;
    let row = db::claims::Claim {
        id: a.id,
        number: number.clone(),
        dealer_code: a.dealer_code.clone(),
        unit_serial: a.unit_serial,
        causal_part_number: a.causal.part_number.clone(),
        supplier_code: a.causal.supplier_code.clone(),
        status: a.status,
        decision: None,
        reasons: a.failures.iter().map(|f| f.reason).collect(),
        currency: a.currency.clone(),
        parts_amount: a.covered_parts,
        labor_amount: a.covered_labor,
        return_required: a.return_required,
        return_deadline: a.return_deadline,
        submitted_at: a.now,
        decided_at: a.decided_at,
        preauthorization_id: a.goodwill.map(|(id, _)| id),
        goodwill_pct: a.goodwill.map(|(_, share)| share.pct()),
        waived_reasons: a.waived.clone(),
        campaign_code: claim.campaign_code.clone(),
    };
    let details = db::claims::Details {
        claim_id: a.id,
        failure_date: claim.failure_date,
        repair_date: claim.repair_date,
        usage_at_failure: claim.usage_at_failure,
        complaint: claim.complaint.clone(),
        cause: claim.cause.clone(),
        correction: claim.correction.clone(),
    };
    db::claims::insert(c, &row, &details, &a.parts, &a.labor).await?;

    let event = ClaimSubmitted {
        claim_id: a.id,
        claim_number: number,
        dealer_code: a.dealer_code,
        causal_part_number: a.causal.part_number,
        amounts: ClaimAmounts {
            parts: a.covered_parts,
            labor: a.covered_labor,
            total: a.covered_parts + a.covered_labor,
            currency: a.currency,
        },
    };
    publish(c, &event, origin).await?;
    // A claim rejected at submission gives the checks it failed as the reason.
    let entry = claims::entry("claim.submitted", &row)
        .created(&row)
        .because(claims::reasons_text(&row.reasons));
    origin.record(c, &[entry]).await?;
    let quantity = returnable_quantity(
        row.causal_part_number.as_str(),
        a.parts.iter().map(|l| (l.part_number.as_str(), l.qty)),
    );
    let notice = match row.status {
        ClaimStatus::AwaitingPart => super::notices::awaiting_part(&row, quantity),
        _ => None,
    };
    if let Some(notice) = notice {
        notify::emit(c, origin.correlation_id, &[notice]).await?;
    }
    file_of(c, row).await
}
