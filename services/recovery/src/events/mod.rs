//! What the service publishes and how it applies what it consumes.
//!
//! Consumed (inside the inbox transaction, so each applies exactly once):
//! - `catalog.part_upserted` → the local `parts` row (newer facts win);
//! - `inspection.claim_adjudicated` with cause `supplier_defect` and decision
//!   `approved` / `partially_approved` → one recovery line per claim, assessed against
//!   the supplier's agreement in force on the decision date. A line that cannot be
//!   charged back is kept as `not_recoverable` with its reason. The line is unique
//!   on `claim_id`, so a redelivered or replayed event (even with a new event id)
//!   creates nothing twice. Other causes and rejected claims concern no supplier
//!   and are acknowledged without effect.
//!
//! Published (through the outbox, in the transaction of the change, by `api`):
//! `recovery.recovery_claim_submitted`, `recovery.recovery_claim_settled`.

use aftersales_messaging::contracts::inspection::{CauseCode, ClaimAdjudicated, Decision};
use aftersales_messaging::contracts::{catalog, event_types};
use aftersales_messaging::{Envelope, Handler, HandlerError, payload};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db;
use crate::domain::agreement::{self, Adjudicated};
use crate::domain::{Currency, SupplierCode};
use aftersales_types::money::{MAX_AMOUNT, round_cents};

/// Applies the events this service consumes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl Handler for EventHandler {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        match event.event_type.as_str() {
            event_types::PART_UPSERTED => {
                let part: catalog::PartUpserted = payload(event)?;
                db::parts::upsert(
                    conn,
                    &db::parts::Part {
                        part_number: part.part_number,
                        description: part.description,
                        supplier_code: part.supplier_code,
                        active: part.active,
                        updated_at: event.occurred_at,
                    },
                )
                .await?;
                Ok(())
            }
            event_types::CLAIM_ADJUDICATED => {
                let claim: ClaimAdjudicated = payload(event)?;
                apply_adjudication(conn, claim).await
            }
            other => Err(HandlerError::Reject(format!(
                "recovery does not consume {other}"
            ))),
        }
    }
}

fn decision_str(d: Decision) -> &'static str {
    match d {
        Decision::Approved => "approved",
        Decision::PartiallyApproved => "partially_approved",
        Decision::Rejected => "rejected",
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

async fn apply_adjudication(
    conn: &mut AsyncPgConnection,
    claim: ClaimAdjudicated,
) -> Result<(), HandlerError> {
    let recoverable_decision = matches!(
        claim.decision,
        Decision::Approved | Decision::PartiallyApproved
    );
    if claim.cause_code != Some(CauseCode::SupplierDefect) || !recoverable_decision {
        tracing::debug!(claim_id = %claim.claim_id, "not a supplier recovery: ignored");
        return Ok(());
    }
    let reject = |e: crate::domain::InvalidValue| HandlerError::Reject(e.into_message());
    let supplier = SupplierCode::parse(&claim.supplier_code).map_err(reject)?;
    let currency = Currency::parse(&claim.currency).map_err(reject)?;
    let parts = amount(claim.approved_parts_amount, "approved_parts_amount")?;
    let labor = amount(claim.approved_labor_amount, "approved_labor_amount")?;

    let stored = db::agreements::of_supplier(conn, supplier.as_str()).await?;
    let agreements = stored
        .iter()
        .map(crate::api::agreements::domain_of)
        .collect::<Result<Vec<_>, String>>()
        .map_err(HandlerError::Retry)?;
    let today = Utc::now().date_naive();
    let assessment = agreement::assess(
        &Adjudicated {
            parts,
            labor,
            currency: currency.clone(),
            decided_on: claim.decided_at.date_naive(),
        },
        &agreements,
        today,
    );
    let (status, line_amount, reason) = match assessment.outcome {
        Ok(a) => ("open", Some(a), None),
        Err(r) => ("not_recoverable", None, Some(r.as_str().to_owned())),
    };
    let line = db::lines::Line {
        id: Uuid::now_v7(),
        claim_id: claim.claim_id,
        claim_number: claim.claim_number,
        supplier_code: supplier.to_string(),
        causal_part_number: claim.causal_part_number,
        decision: decision_str(claim.decision).to_owned(),
        decided_at: claim.decided_at,
        parts_amount: parts,
        labor_amount: labor,
        currency: currency.to_string(),
        agreement_id: assessment.agreement,
        amount: line_amount,
        status: status.to_owned(),
        reason,
        recovery_claim_id: None,
        created_at: Utc::now(),
    };
    match db::lines::insert_new(conn, &line).await? {
        Some(line) => {
            tracing::info!(line_id = %line.id, claim_id = %line.claim_id, status = %line.status, "recovery line created")
        }
        None => {
            tracing::info!(claim_id = %line.claim_id, "recovery line exists already: nothing created")
        }
    }
    Ok(())
}
