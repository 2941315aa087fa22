//! The return-deadline sweep: a claim whose returnable part did not reach a warehouse
//! by its deadline is rejected `part_not_returned`, exactly once; before that, its
//! holder is reminded once that the part is due back soon (`domain::returns`).
//!
//! One conditional `UPDATE … WHERE status = 'awaiting_part' AND return_deadline <
//! now() RETURNING`, the outbox rows, the audit records (actor: the job
//! `return-deadlines`) and the notifications (`claim.decided`) of the claims it
//! returned commit in one transaction, so two replicas sweeping at the same moment
//! cannot both reject a claim (the row lock makes the second re-check the status and
//! skip it), nor record or notify it twice. The reminders (`claim.part_return_due`)
//! are marked in `claim_return_reminders`, keyed by the claim, in the transaction that
//! writes them: once per claim, whichever replica sweeps.

use std::time::Duration;

use aftersales_messaging::contracts::inspection::{ClaimAdjudicated, Decision};
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::DbPool;
use aftersales_web::audit::{Entry, Origin};
use aftersales_web::notify;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db;
use crate::domain::ReasonCode;
use crate::domain::inspection::returnable_quantity;
use crate::domain::returns;
use crate::domain::status::{Action, ClaimStatus, transition};

/// The job's name in the audit trail.
pub const JOB: &str = "return-deadlines";

/// How often [`run_forever`] sweeps.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] aftersales_web::DbError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("event: {0}")]
    Event(#[from] serde_json::Error),
}

/// Rejects every claim whose part is overdue; returns the ids rejected by this run.
///
/// Each rejection publishes `inspection.claim_adjudicated` (decision `rejected`,
/// zero amounts, no cause code since nothing was inspected, reason
/// `part_not_returned`) so that downstream services learn the claim is settled.
pub async fn reject_overdue_returns(pool: &DbPool) -> Result<Vec<Uuid>, JobError> {
    let mut conn = pool.get().await.map_err(aftersales_web::DbError::from)?;
    let from = ClaimStatus::AwaitingPart;
    // The state machine names the target; an illegal move cannot be swept.
    let to = transition(from, Action::ReturnDeadlinePassed, false)
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    // One flow per sweep: the events it publishes and its audit records share it.
    let correlation = Uuid::new_v4();
    let origin = Origin::job(JOB, Some(correlation));
    let reason = ReasonCode::PartNotReturned;
    conn.transaction(async |c| {
        let now = Utc::now();
        let expired = db::claims::expire_returns(c, from, to, reason, now).await?;
        let mut ids = Vec::with_capacity(expired.len());
        let mut entries = Vec::with_capacity(expired.len());
        let mut notices = Vec::with_capacity(expired.len());
        for claim in expired {
            // Only a claim that passed its checks awaits its part: it had no reasons.
            entries.push(
                Entry::new("claim.rejected", "claim", claim.id)
                    .of_dealer(&claim.dealer_code)
                    .change("status", from, to)
                    .change("reasons", Vec::<ReasonCode>::new(), [reason])
                    .change("decided_at", None::<()>, claim.decided_at)
                    .because(reason.as_str()),
            );
            let event = ClaimAdjudicated {
                claim_id: claim.id,
                claim_number: claim.number.clone(),
                dealer_code: claim.dealer_code,
                decision: Decision::Rejected,
                approved_parts_amount: Decimal::new(0, 2),
                approved_labor_amount: Decimal::new(0, 2),
                currency: claim.currency,
                causal_part_number: claim.causal_part_number,
                supplier_code: claim.supplier_code,
                cause_code: None,
                reason_codes: vec![reason.as_str().to_owned()],
                supplier_responsible: false,
                decided_at: claim.decided_at,
            };
            outbox::enqueue(c, &Envelope::new(crate::NAME, &event, correlation)?).await?;
            notices.push(super::notices::decided(&event));
            tracing::info!(claim = %claim.number, "return deadline passed: rejected part_not_returned");
            ids.push(claim.id);
        }
        origin.record(c, &entries).await?;
        notify::emit(c, Some(correlation), &notices).await?;
        Ok::<_, JobError>(ids)
    })
    .await
}

/// Reminds, once per claim, every claim awaiting its part whose return deadline is
/// within the window at `now` (`domain::returns`): `claim.part_return_due` to its
/// subscribers. Returns the ids reminded by this run.
pub async fn remind_due_returns(pool: &DbPool, now: DateTime<Utc>) -> Result<Vec<Uuid>, JobError> {
    let mut conn = pool.get().await.map_err(aftersales_web::DbError::from)?;
    let correlation = Uuid::new_v4();
    let horizon = returns::reminder_horizon(now);
    conn.transaction(async |c| {
        let due =
            db::claims::remind_due_returns(c, ClaimStatus::AwaitingPart, now, horizon).await?;
        let mut notices = Vec::with_capacity(due.len());
        for claim in &due {
            let lines = db::claims::part_lines(c, claim.id).await?;
            let quantity = returnable_quantity(
                &claim.causal_part_number,
                lines.iter().map(|l| (l.part_number.as_str(), l.qty)),
            );
            notices.push(super::notices::part_return_due(claim, quantity, now));
            tracing::info!(claim = %claim.number, deadline = %claim.return_deadline, "part return due soon: reminded");
        }
        notify::emit(c, Some(correlation), &notices).await?;
        Ok::<_, JobError>(due.into_iter().map(|d| d.id).collect())
    })
    .await
}

/// Sweeps every `interval` until the task is dropped or aborted; errors are logged
/// and the next sweep tries again.
pub async fn run_forever(pool: DbPool, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(e) = reject_overdue_returns(&pool).await {
            tracing::warn!(error = %e, "return-deadline job failed; retrying at the next tick");
        }
        if let Err(e) = remind_due_returns(&pool, Utc::now()).await {
            tracing::warn!(error = %e, "return reminders failed; retrying at the next tick");
        }
    }
}
