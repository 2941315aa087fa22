//! Quality's hands-on steps with a claim: the returned part arrives
//! (`inspection.part_received`), findings are recorded, and after the decision the
//! part is disposed of (`inspection.part_disposed`). Each locks the claim and asks
//! the state machine (`domain::status::transition`) whether the move is legal (409
//! otherwise), and records the step on the claim's audit trail.

use aftersales_messaging::contracts::inspection::{PartDisposed, PartReceived};
use aftersales_web::audit::Origin;
use aftersales_web::notify;
use aftersales_web::{ApiError, Principal};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::claims::{self, ClaimFile};
use super::publish;
use crate::db;
use crate::domain::inspection::{check_receipt, returnable_quantity};
use crate::domain::status::{Action, IllegalTransition, transition};
use crate::domain::{CauseCode, DispositionKind, Quantity, SupplierCode, WarehouseCode};

pub(crate) fn conflict(e: IllegalTransition) -> ApiError {
    ApiError::conflict(e.to_string())
}

/// Records that the returned part of claim `id` arrived at `warehouse`: at most as
/// many as the claim replaced (422 naming `quantity`).
pub async fn receive_part(
    c: &mut AsyncPgConnection,
    who: &Principal,
    origin: &Origin,
    id: Uuid,
    warehouse: &WarehouseCode,
    quantity: Quantity,
) -> Result<ClaimFile, ApiError> {
    let claim = claims::lock(c, who, id).await?;
    let inspection = db::claims::inspection(c, id).await?;
    let to = transition(claim.status, Action::ReceivePart, false).map_err(conflict)?;
    let lines = db::claims::part_lines(c, id).await?;
    let causal = claim.causal_part_number.as_str();
    let returnable = returnable_quantity(
        causal,
        lines.iter().map(|l| (l.part_number.as_str(), l.qty)),
    );
    check_receipt(i64::from(quantity.get()), returnable, causal)
        .map_err(|e| ApiError::invalid_field("quantity", e))?;
    db::claims::set_status(c, id, to).await?;
    db::claims::set_received(c, id, warehouse.as_str(), quantity.get()).await?;
    let event = PartReceived {
        claim_id: id,
        part_number: claim.causal_part_number.clone(),
        quantity: quantity.get(),
        warehouse: warehouse.clone(),
    };
    publish(c, &event, origin).await?;
    let file = claims::load(c, id).await?;
    let entry = claims::stepped("claim.part_received", (&claim, &inspection), &file);
    origin.record(c, &[entry]).await?;
    let notice = super::notices::part_received(&claim, warehouse.as_str(), quantity.get());
    notify::emit(c, origin.correlation_id, &[notice]).await?;
    Ok(file)
}

/// What an inspector found.
#[derive(Debug, Clone)]
pub struct Findings {
    pub failure_mode: String,
    pub cause_code: CauseCode,
    /// `None`: the causal part's supplier.
    pub responsible_supplier: Option<SupplierCode>,
}

/// Records (or amends, before the decision) the findings of claim `id`; the claim is
/// then `under_inspection`.
pub async fn record_findings(
    c: &mut AsyncPgConnection,
    who: &Principal,
    origin: &Origin,
    id: Uuid,
    findings: &Findings,
) -> Result<ClaimFile, ApiError> {
    let claim = claims::lock(c, who, id).await?;
    let inspection = db::claims::inspection(c, id).await?;
    let to = transition(claim.status, Action::RecordFindings, false).map_err(conflict)?;
    let supplier = findings
        .responsible_supplier
        .as_ref()
        .map_or(claim.supplier_code.as_str(), SupplierCode::as_str);
    db::claims::set_status(c, id, to).await?;
    db::claims::set_findings(c, id, &findings.failure_mode, findings.cause_code, supplier).await?;
    let file = claims::load(c, id).await?;
    let entry = claims::stepped("claim.inspected", (&claim, &inspection), &file);
    origin.record(c, &[entry]).await?;
    Ok(file)
}

/// Disposes of the returned part of decided claim `id`; the claim is `closed`.
pub async fn dispose(
    c: &mut AsyncPgConnection,
    who: &Principal,
    origin: &Origin,
    id: Uuid,
    kind: DispositionKind,
) -> Result<ClaimFile, ApiError> {
    let claim = claims::lock(c, who, id).await?;
    let inspection = db::claims::inspection(c, id).await?;
    let in_hand = inspection.received_at.is_some();
    let to = transition(claim.status, Action::Dispose, in_hand).map_err(|e| {
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
    db::claims::set_status(c, id, to).await?;
    db::claims::set_disposed(c, id, kind).await?;
    let event = PartDisposed {
        claim_id: id,
        part_number: claim.causal_part_number.clone(),
        quantity,
        warehouse,
        disposition: kind,
    };
    publish(c, &event, origin).await?;
    let file = claims::load(c, id).await?;
    let entry = claims::stepped("claim.disposed", (&claim, &inspection), &file);
    origin.record(c, &[entry]).await?;
    Ok(file)
}
