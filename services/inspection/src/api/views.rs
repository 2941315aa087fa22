//! How a claim is answered: `ClaimView` and its parts, made from the stored claim
//! (`app::claims::ClaimFile`). A stored claim that cannot be shown as it must (a
//! decision without its amounts) is an internal error, never a default.

use aftersales_web::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::claims::ClaimFile;
use crate::app::decision::approval_limit;
use crate::app::submission::Assessment;
use crate::db;
use crate::domain::approval::needs_lead;
use crate::domain::{CauseCode, ClaimStatus, DispositionKind, ReasonCode, Verdict};

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
    #[schema(value_type = String)]
    pub cause_code: CauseCode,
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
    #[schema(value_type = String)]
    pub disposition: DispositionKind,
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
    /// What the claim is covered for, as priced at submission: under a goodwill
    /// pre-authorization, its share of the priced lines.
    pub amounts: AmountsView,
    /// The goodwill pre-authorization the claim is filed under.
    pub goodwill: Option<GoodwillView>,
    /// Coverage checks the claim failed that its pre-authorization or campaign waived.
    pub waived_reasons: Vec<ReasonCode>,
    /// The service campaign the claim is filed under.
    pub campaign_code: Option<String>,
    /// The claimed total is above the approval limit: approving it in full is for a
    /// quality lead (the decision's rule, `domain::approval::needs_lead`; the
    /// claim list's `above_approval_limit` filter lists these).
    pub above_approval_limit: bool,
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

/// The pre-authorization a claim is filed under.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GoodwillView {
    pub preauthorization_id: Uuid,
    /// The percent of the priced parts and labor the claim is covered for.
    #[schema(value_type = String, example = "60.00")]
    pub goodwill_pct: Decimal,
}

fn goodwill_view(id: Option<Uuid>, pct: Option<Decimal>) -> Option<GoodwillView> {
    Some(GoodwillView {
        preauthorization_id: id?,
        goodwill_pct: pct?,
    })
}

/// A value an inspector's decision always stores, or an internal error naming it.
fn decided<T>(id: Uuid, field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::internal(format!("claim {id} is decided but has no {field}")))
}

/// A priced parts line as answered.
pub fn part_line_view(l: db::claims::PartLine) -> PartLineView {
    PartLineView {
        line_no: l.line_no,
        part_number: l.part_number,
        qty: l.qty,
        unit_price: l.unit_price,
        currency: l.currency,
        amount: l.amount,
    }
}

/// A priced labor line as answered.
pub fn labor_line_view(l: db::claims::LaborLine) -> LaborLineView {
    LaborLineView {
        line_no: l.line_no,
        operation_code: l.operation_code,
        claimed_hours: l.claimed_hours,
        standard_hours: l.standard_hours,
        paid_hours: l.paid_hours,
        rate: l.rate,
        amount: l.amount,
    }
}

/// The claim as answered.
pub fn claim_view(file: ClaimFile) -> Result<ClaimView, ApiError> {
    let ClaimFile {
        claim,
        details,
        inspection,
        parts,
        labor,
    } = file;
    let id = claim.id;
    let receipt = match (
        inspection.received_at,
        inspection.receipt_warehouse,
        inspection.receipt_quantity,
    ) {
        (Some(received_at), Some(warehouse), Some(quantity)) => Some(ReceiptView {
            received_at,
            warehouse: warehouse.into_inner(),
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
            responsible_supplier: responsible_supplier.into_inner(),
        }),
        _ => None,
    };
    // Only an inspector's decision sets `decision`; a claim rejected at submission or
    // by the deadline job has a `decided_at` but no decision.
    let decision = match claim.decision {
        Some(decision) => Some(DecisionView {
            decision,
            approved_parts_amount: decided(
                id,
                "approved_parts_amount",
                inspection.approved_parts_amount,
            )?,
            approved_labor_amount: decided(
                id,
                "approved_labor_amount",
                inspection.approved_labor_amount,
            )?,
            decided_at: decided(id, "decided_at", claim.decided_at)?,
            decided_by: decided(id, "decided_by", inspection.decided_by)?,
        }),
        None => None,
    };
    let disposition = match (inspection.disposition, inspection.disposed_at) {
        (Some(disposition), Some(disposed_at)) => Some(DispositionView {
            disposition,
            disposed_at,
        }),
        _ => None,
    };
    let total = claim.parts_amount + claim.labor_amount;
    Ok(ClaimView {
        id,
        number: claim.number,
        dealer_code: claim.dealer_code.into_inner(),
        unit_serial: claim.unit_serial,
        status: claim.status,
        reasons: claim.reasons,
        failure_date: details.failure_date,
        repair_date: details.repair_date,
        usage_at_failure: details.usage_at_failure,
        complaint: details.complaint,
        cause: details.cause,
        correction: details.correction,
        causal_part_number: claim.causal_part_number.into_inner(),
        supplier_code: claim.supplier_code.into_inner(),
        above_approval_limit: needs_lead(total, approval_limit()),
        amounts: AmountsView {
            parts: claim.parts_amount,
            labor: claim.labor_amount,
            total,
            currency: claim.currency.into_inner(),
        },
        goodwill: goodwill_view(claim.preauthorization_id, claim.goodwill_pct),
        waived_reasons: claim.waived_reasons,
        campaign_code: claim.campaign_code,
        parts: parts.into_iter().map(part_line_view).collect(),
        labor: labor.into_iter().map(labor_line_view).collect(),
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

/// A failing check of a claim preview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckFailureView {
    /// The reason the claim would be rejected with (the one vocabulary).
    pub code: ReasonCode,
    /// The request field to correct: `failure_date`, `repair_date`,
    /// `usage_at_failure`, `causal_part_number`, `parts` or `labor`.
    pub field: String,
    pub message: String,
}

/// What submitting the claim now would store, without storing it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimPreviewView {
    /// The status the claim would have: `rejected` when a check fails, else
    /// `awaiting_part` or `submitted`.
    pub status: ClaimStatus,
    /// Every failing check, in the vocabulary's order; empty when the claim passes.
    pub failures: Vec<CheckFailureView>,
    pub supplier_code: String,
    /// What the claim would be covered for (under a pre-authorization, its share).
    pub amounts: AmountsView,
    pub goodwill: Option<GoodwillView>,
    /// Coverage checks the pre-authorization or campaign would waive.
    pub waived_reasons: Vec<ReasonCode>,
    pub parts: Vec<PartLineView>,
    pub labor: Vec<LaborLineView>,
    pub return_required: bool,
    /// The old part's return deadline if the claim were submitted now.
    pub return_deadline: Option<DateTime<Utc>>,
}

/// The preview of an assessed claim.
pub fn preview_view(a: Assessment) -> ClaimPreviewView {
    ClaimPreviewView {
        status: a.status,
        failures: a
            .failures
            .into_iter()
            .map(|f| CheckFailureView {
                code: f.reason,
                field: f.field.to_owned(),
                message: f.message,
            })
            .collect(),
        supplier_code: a.causal.supplier_code.into_inner(),
        amounts: AmountsView {
            parts: a.covered_parts,
            labor: a.covered_labor,
            total: a.covered_parts + a.covered_labor,
            currency: a.currency.into_inner(),
        },
        goodwill: goodwill_view(
            a.goodwill.map(|(id, _)| id),
            a.goodwill.map(|(_, share)| share.pct()),
        ),
        waived_reasons: a.waived,
        parts: a.parts.into_iter().map(part_line_view).collect(),
        labor: a.labor.into_iter().map(labor_line_view).collect(),
        return_required: a.return_required,
        return_deadline: a.return_deadline,
    }
}
