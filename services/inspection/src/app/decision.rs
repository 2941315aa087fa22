//! Deciding a claim, and who may: an inspector (role `quality`) decides up to the
//! approval limit, above it only a `quality_lead` (rule: `domain::approval`). The
//! decision is stored, announced (`inspection.claim_adjudicated`, with
//! `supplier_responsible` = the cause is `supplier_defect`), recorded on the claim's
//! audit trail and told to its subscribers (`claim.decided`) in one transaction.

use std::sync::OnceLock;

use aftersales_messaging::contracts::inspection::{ClaimAdjudicated, Decision as EventDecision};
use aftersales_web::audit::Origin;
use aftersales_web::notify;
use aftersales_web::{ApiError, Principal, Role};
use chrono::{SubsecRound, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::claims::{self, ClaimFile};
use super::inspection::conflict;
use super::publish;
use crate::db;
use crate::domain::Verdict;
use crate::domain::approval::{
    self, Authority, DEFAULT_APPROVAL_LIMIT, Decision, approved_amounts, stored_reasons,
};
use crate::domain::inspection::supplier_responsible;
use crate::domain::status::{Action, transition};

/// The approval limit: env `APPROVAL_LIMIT` (a decimal, read once), default 1000.00.
/// An unreadable value keeps the default and is logged, so a typo never lets a
/// larger amount through.
pub fn approval_limit() -> Decimal {
    static LIMIT: OnceLock<Decimal> = OnceLock::new();
    *LIMIT.get_or_init(|| super::decimal_setting("APPROVAL_LIMIT", DEFAULT_APPROVAL_LIMIT))
}

/// The approval limit `subject` decides within: their own if one was set
/// (`approval-limits`), otherwise the default ([`approval_limit`]).
pub async fn limit_of(c: &mut AsyncPgConnection, subject: &str) -> Result<Decimal, ApiError> {
    Ok(db::approval_limits::find(c, subject)
        .await?
        .map_or_else(approval_limit, |own| own.approval_limit))
}

/// The approval-limit rule for `who`: above `limit`, only a `quality_lead` may decide
/// (403 naming the limit otherwise).
pub fn check_limit(
    who: &Principal,
    approved_total: Decimal,
    limit: Decimal,
    currency: &str,
) -> Result<(), ApiError> {
    let authority = if who.is(Role::QualityLead) {
        Authority::Lead
    } else {
        Authority::Inspector
    };
    approval::within_limit(authority, approved_total, limit).map_err(|e| {
        ApiError::forbidden(format!(
            "the approved total {} {currency} exceeds the approval limit of {} {currency}; a quality_lead must decide",
            e.total, e.limit
        ))
    })
}

/// The audit action of a decision: what was decided, so that a claim's trail reads
/// `claim.approved` where a quality lead approved it.
fn audit_action(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approved => "claim.approved",
        Verdict::PartiallyApproved => "claim.partially_approved",
        Verdict::Rejected => "claim.rejected",
    }
}

fn event_decision(verdict: Verdict) -> EventDecision {
    match verdict {
        Verdict::Approved => EventDecision::Approved,
        Verdict::PartiallyApproved => EventDecision::PartiallyApproved,
        Verdict::Rejected => EventDecision::Rejected,
    }
}

/// Decides claim `id` as `who`, within `who`'s approval limit ([`limit_of`]).
pub async fn decide(
    c: &mut AsyncPgConnection,
    who: &Principal,
    origin: &Origin,
    id: Uuid,
    decision: &Decision,
) -> Result<ClaimFile, ApiError> {
    let claim = claims::lock(c, who, id).await?;
    let limit = limit_of(c, &who.sub).await?;
    let to = transition(claim.status, Action::Decide(decision.verdict), false).map_err(conflict)?;
    let (parts, labor) = approved_amounts(decision, claim.parts_amount, claim.labor_amount)
        .map_err(|e| ApiError::invalid_field(e.field, e.message))?;
    check_limit(who, parts + labor, limit, claim.currency.as_str())?;
    let inspection = db::claims::inspection(c, id).await?;
    let cause = inspection
        .cause_code
        .ok_or_else(|| ApiError::conflict("record findings before deciding"))?;
    // Findings always store the responsible supplier (the causal part's by default).
    let supplier = inspection.responsible_supplier.clone().ok_or_else(|| {
        ApiError::internal(format!(
            "claim {id} has findings without a responsible supplier"
        ))
    })?;
    let reasons = stored_reasons(&decision.reasons);
    let decided_at = Utc::now().trunc_subsecs(6);
    db::claims::set_decision(
        c,
        id,
        &db::claims::Decided {
            status: to,
            decision: decision.verdict,
            reasons: &reasons,
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
        decision: event_decision(decision.verdict),
        approved_parts_amount: parts,
        approved_labor_amount: labor,
        currency: claim.currency.clone(),
        causal_part_number: claim.causal_part_number.clone(),
        supplier_code: supplier,
        cause_code: Some(cause),
        reason_codes: reasons.iter().map(|r| r.as_str().to_owned()).collect(),
        supplier_responsible: supplier_responsible(cause),
        decided_at,
    };
    publish(c, &event, origin).await?;
    let notice = super::notices::decided(&event);
    let file = claims::load(c, id).await?;
    // A rejection's reason is its codes; an approval's, when it took a quality lead,
    // the limit it went above.
    let total = parts + labor;
    let currency = claim.currency.as_str();
    let reason = match decision.verdict {
        Verdict::Rejected => claims::reasons_text(&reasons),
        _ if approval::needs_lead(total, limit) => format!(
            "the approved total {total} {currency} is above the approval limit of {limit} {currency}"
        ),
        _ => String::new(),
    };
    let entry = claims::stepped(audit_action(decision.verdict), (&claim, &inspection), &file)
        .because(reason);
    origin.record(c, &[entry]).await?;
    notify::emit(c, origin.correlation_id, &[notice]).await?;
    Ok(file)
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
}
