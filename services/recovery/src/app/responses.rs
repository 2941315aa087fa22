//! Recording the supplier's answer per line of a submitted claim
//! (`domain::ledger::accepted_amount`). Once every line is answered the claim is
//! `responded`, or `settled` when nothing was accepted. Each answer is recorded as
//! `recovery_line.answered`, with the supplier's reason.

use aftersales_web::ApiError;
use aftersales_web::audit::Origin;
use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::claims::{ClaimDetail, detail};
use super::lines::claimed_amount;
use super::{Conn, claim_status, trail};
use crate::db;
use crate::domain::claim::Action;
use crate::domain::ledger::{Outcome, ResponseError, accepted_amount};

/// The supplier's answer on one line.
#[derive(Debug, Clone)]
pub struct Answer {
    pub line_id: Uuid,
    pub outcome: Outcome,
    pub accepted_amount: Option<Decimal>,
    pub reason: Option<String>,
}

/// Records `answers` on the lines of claim `id`: 422 naming `responses[i].…` for a
/// line not in the claim or a bad amount or missing reason; 409 when the claim is not
/// waiting for answers or a line is answered already.
pub async fn record(
    c: &mut Conn,
    id: Uuid,
    answers: &[Answer],
    origin: &Origin,
) -> Result<ClaimDetail, ApiError> {
    let claim = db::claims::lock(c, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no recovery claim {id}")))?;
    claim_status::check_allowed(&claim, Action::Respond)?;
    let lines = db::lines::of_claim(c, id).await?;
    let now = Utc::now();
    let mut entries = Vec::with_capacity(answers.len() + 1);
    for (i, answer) in answers.iter().enumerate() {
        let Some(line) = lines.iter().find(|l| l.id == answer.line_id) else {
            return Err(ApiError::invalid_field(
                format!("responses[{i}].line_id"),
                format!("line {} is not in claim {}", answer.line_id, claim.number),
            ));
        };
        let accepted = accepted_amount(
            claimed_amount(line)?,
            answer.outcome,
            answer.accepted_amount,
            answer.reason.as_deref(),
        )
        .map_err(|e| {
            let field = match e {
                ResponseError::MissingReason => "reason",
                _ => "accepted_amount",
            };
            ApiError::invalid_field(format!("responses[{i}].{field}"), e.to_string())
        })?;
        if answer
            .accepted_amount
            .is_some_and(|a| a.normalize().scale() > 2)
        {
            return Err(ApiError::invalid_field(
                format!("responses[{i}].accepted_amount"),
                "at most 2 decimals",
            ));
        }
        let response = db::lines::Response {
            line_id: line.id,
            outcome: answer.outcome,
            accepted_amount: accepted,
            reason: answer.reason.clone(),
            responded_at: now,
        };
        if !db::lines::respond(c, &response).await? {
            return Err(ApiError::conflict(format!(
                "line {} of {} is answered already",
                line.id, claim.number
            )));
        }
        entries.push(trail::line_answered(line.id, line.status, &response));
    }
    claim_status::advance(c, &claim, Action::Respond, origin, &mut entries).await?;
    origin.record(c, &entries).await?;
    detail(c, id).await
}
