//! Where a recovery claim goes after an action: what its lines say
//! (`domain::claim::Progress`), the status `domain::claim::transition` gives (illegal
//! → 409), and `recovery.recovery_claim_settled` when it settles.

use aftersales_messaging::contracts::recovery::RecoveryClaimSettled;
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::ApiError;
use aftersales_web::audit::{Entry, Origin};
use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Conn, trail};
use crate::db;
use crate::domain::claim::{Action, ClaimStatus, Progress, transition};
use crate::domain::ledger::Figures;
use crate::domain::money::cents;

/// What the claim's lines say for its next transition.
async fn progress(c: &mut Conn, claim: Uuid) -> Result<Progress, ApiError> {
    let lines = db::lines::of_claim(c, claim).await?;
    let figures = db::lines::figures_of_claims(c, &[claim]).await?;
    let all_answered = !figures.is_empty() && figures.iter().all(|f| f.accepted_amount.is_some());
    let outstanding: Decimal = figures.iter().map(|f| f.line().outstanding()).sum();
    Ok(Progress {
        lines: lines.len(),
        all_answered,
        nothing_outstanding: outstanding <= Decimal::ZERO,
    })
}

/// The status the claim takes after `action`, or 409.
pub async fn next(
    c: &mut Conn,
    claim: &db::claims::Claim,
    action: Action,
) -> Result<ClaimStatus, ApiError> {
    let p = progress(c, claim.id).await?;
    transition(claim.status, action, p)
        .map_err(|e| ApiError::conflict(format!("{}: {e}", claim.number)))
}

/// 409 unless `action` is allowed on the claim as it stands.
pub fn check_allowed(claim: &db::claims::Claim, action: Action) -> Result<(), ApiError> {
    // Before the change, only legality matters: any progress that lets the action through.
    let loose = Progress {
        lines: usize::MAX,
        all_answered: false,
        nothing_outstanding: false,
    };
    transition(claim.status, action, loose)
        .map(drop)
        .map_err(|e| ApiError::conflict(format!("{}: {e}", claim.number)))
}

/// Applies the status after `action`, adding its entry to `entries` when it moved;
/// publishes `recovery.recovery_claim_settled` when the claim settles.
pub async fn advance(
    c: &mut Conn,
    claim: &db::claims::Claim,
    action: Action,
    origin: &Origin,
    entries: &mut Vec<Entry>,
) -> Result<ClaimStatus, ApiError> {
    let held = claim.status;
    let next = next(c, claim, action).await?;
    if next != held {
        let at = Utc::now();
        db::claims::set_status(c, claim.id, next, at).await?;
        entries.extend(trail::claim_moved(claim.id, held, next, at));
    }
    if next == ClaimStatus::Settled && held != ClaimStatus::Settled {
        let figures = db::lines::figures_of_claims(c, &[claim.id]).await?;
        let totals = Figures::of(&figures.iter().map(|f| f.line()).collect::<Vec<_>>());
        let event = RecoveryClaimSettled {
            recovery_claim_id: claim.id,
            credited: cents(totals.credited),
            written_off: cents(totals.written_off),
        };
        let envelope = Envelope::new(crate::NAME, &event, trail::correlation(origin))
            .map_err(ApiError::internal)?;
        outbox::enqueue(c, &envelope).await?;
    }
    Ok(next)
}
