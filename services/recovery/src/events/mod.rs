//! What the service publishes and how it applies what it consumes: each event is
//! decoded here and handed to a use case of `app`.
//!
//! Consumed (inside the inbox transaction, so each applies exactly once):
//! - `catalog.part_upserted` → the local `parts` row (`app::parts`, newer facts win);
//! - `inspection.claim_adjudicated` with cause `supplier_defect` and decision
//!   `approved` / `partially_approved` → one recovery line per claim, priced by
//!   `app::lines::price`. A line that cannot be charged back is kept as
//!   `not_recoverable` with its reason. The line is unique on `claim_id`, so a
//!   redelivered or replayed event (even with a new event id) creates nothing twice.
//!   Other causes and rejected claims concern no supplier and are acknowledged
//!   without effect. A new line is recorded in the audit trail as
//!   `recovery_line.created` by the event (its producer and id).
//!
//! The parts copy is not audited: it is catalog's part as catalog's own trail records
//! its change, and recording it again here would add one record per part upsert in
//! every consumer without saying who changed anything.
//!
//! Published (through the outbox, in the transaction of the change, by `app`):
//! `recovery.recovery_claim_submitted`, `recovery.recovery_claim_settled`.

use std::collections::BTreeSet;

use aftersales_messaging::contracts::inspection::{CauseCode, ClaimAdjudicated, Decision};
use aftersales_messaging::contracts::{catalog, event_types};
use aftersales_messaging::{Envelope, Handled, Handler, HandlerError, payload};
use aftersales_types::money::{MAX_AMOUNT, round_cents};
use aftersales_web::audit::Origin;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::app::lines::{self, Adjudication, PricingError};
use crate::app::parts;
use crate::db;
use crate::domain::line;

/// Applies the events this service consumes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl Handler for EventHandler {
    /// The supplier locks pricing takes (`app::lines::price`), in code order, so that two
    /// batches side by side cannot deadlock on them.
    async fn lock_batch(&self, conn: &mut AsyncPgConnection, events: &[&Envelope]) -> Handled {
        let suppliers: BTreeSet<String> = events
            .iter()
            .filter(|e| e.event_type == event_types::CLAIM_ADJUDICATED)
            .filter_map(|e| payload::<ClaimAdjudicated>(e).ok())
            .map(|c| c.supplier_code.to_string())
            .collect();
        for supplier in &suppliers {
            db::agreements::lock_supplier(conn, supplier).await?;
        }
        Ok(())
    }

    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Envelope) -> Handled {
        match event.event_type.as_str() {
            event_types::PART_UPSERTED => {
                let part: catalog::PartUpserted = payload(event)?;
                parts::record(conn, part, event.occurred_at, &Origin::event(event)).await
            }
            event_types::CLAIM_ADJUDICATED => {
                let claim: ClaimAdjudicated = payload(event)?;
                apply_adjudication(conn, claim, &Origin::event(event)).await
            }
            other => Err(HandlerError::not_consumed("recovery", other)),
        }
    }
}

fn amount(value: Decimal, what: &str) -> Result<Decimal, HandlerError> {
    if value < Decimal::ZERO || value > MAX_AMOUNT {
        return Err(HandlerError::Reject(format!(
            "{what} out of range: {value}"
        )));
    }
    Ok(round_cents(value))
}

/// The adjudication as `app::lines` takes it; `None` when it concerns no supplier.
fn decode(claim: ClaimAdjudicated) -> Result<Option<Adjudication>, HandlerError> {
    let decision = match claim.decision {
        Decision::Approved => line::Decision::Approved,
        Decision::PartiallyApproved => line::Decision::PartiallyApproved,
        Decision::Rejected => return Ok(None),
    };
    if claim.cause_code != Some(CauseCode::SupplierDefect) {
        return Ok(None);
    }
    Ok(Some(Adjudication {
        claim_id: claim.claim_id,
        claim_number: claim.claim_number,
        supplier: claim.supplier_code,
        causal_part_number: claim.causal_part_number.into_inner(),
        decision,
        decided_at: claim.decided_at,
        parts: amount(claim.approved_parts_amount, "approved_parts_amount")?,
        labor: amount(claim.approved_labor_amount, "approved_labor_amount")?,
        currency: claim.currency,
    }))
}

async fn apply_adjudication(
    conn: &mut AsyncPgConnection,
    claim: ClaimAdjudicated,
    origin: &Origin,
) -> Result<(), HandlerError> {
    let claim_id = claim.claim_id;
    let Some(adjudication) = decode(claim)? else {
        tracing::debug!(%claim_id, "not a supplier recovery: ignored");
        return Ok(());
    };
    match lines::price(conn, adjudication, origin).await {
        Ok(Some(line)) => {
            tracing::info!(line_id = %line.id, %claim_id, status = line.status.as_str(), "recovery line created");
            Ok(())
        }
        Ok(None) => {
            tracing::info!(%claim_id, "recovery line exists already: nothing created");
            Ok(())
        }
        // A broken stored agreement may be repaired: try again later.
        Err(PricingError::BrokenAgreement(e)) => Err(HandlerError::Retry(e)),
        Err(PricingError::Db(e)) => Err(HandlerError::Db(e)),
    }
}
