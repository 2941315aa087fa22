//! `recovery-claims/{id}/responses`: the supplier's answer per line of a submitted
//! claim (the use case is `app::responses::record`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::DecimalString;
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, Keyed};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::claims::ClaimView;
use super::common::FinanceStaff;
use crate::app::responses::{self, Answer};
use crate::domain::ledger::Outcome;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineResponse {
    pub line_id: Uuid,
    pub outcome: Outcome,
    /// Only for `partially_accepted`: above 0 and below the line's amount.
    #[serde(default)]
    #[schema(example = "80.00")]
    pub accepted_amount: Option<DecimalString>,
    /// Required for `rejected`.
    #[serde(default)]
    #[validate(length(min = 1, max = 500))]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordResponses {
    #[validate(length(min = 1, max = 500), nested)]
    pub responses: Vec<LineResponse>,
}

impl From<&LineResponse> for Answer {
    fn from(r: &LineResponse) -> Self {
        Answer {
            line_id: r.line_id,
            outcome: r.outcome,
            accepted_amount: r.accepted_amount.map(DecimalString::get),
            reason: r.reason.clone(),
        }
    }
}

/// Records the supplier's answer per line of a submitted claim. Once every line is
/// answered the claim is `responded` (or `settled` when nothing was accepted).
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/recovery-claims/{id}/responses", tag = "recovery-claims",
    request_body = RecordResponses,
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim", body = aftersales_web::Problem),
        (status = 409, description = "the claim is not waiting for answers, or the line is answered already", body = aftersales_web::Problem),
        (status = 422, description = "a line not in the claim (`responses[i].line_id`), or a bad amount or missing reason", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn record_responses(
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<RecordResponses>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    body.validate()?;
    let answers: Vec<Answer> = body.responses.iter().map(Answer::from).collect();
    let request = ("POST /recovery-claims/{id}/responses", id, &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            responses::record(c, id, &answers, &origin)
                .await
                .map(ClaimView::from)
        })
        .await?;
    Ok(answer.into_response())
}
