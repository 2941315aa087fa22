//! `recovery-claims`, `recovery-claims/{id}`, `…/lines`, `…/submit`, `…/responses`:
//! batching open lines of one supplier into a claim, submitting it, and recording
//! the supplier's answer per line. Every change locks the claim row first; the status
//! follows `domain::claim::transition` only (illegal → 409).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use aftersales_messaging::contracts::recovery::{RecoveryClaimSettled, RecoveryClaimSubmitted};
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::{self, Conn, require_finance};
use super::lines::{LineView, views};
use crate::db;
use crate::domain::claim::{Action, ClaimStatus, Progress, transition};
use crate::domain::ledger::{Figures, LineFigures, Outcome, accepted_amount};

/// Reconciliation figures of one claim (or a set of lines).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FiguresView {
    #[schema(value_type = String)]
    pub claimed: Decimal,
    #[schema(value_type = String)]
    pub accepted: Decimal,
    #[schema(value_type = String)]
    pub rejected: Decimal,
    /// Claimed, not answered yet.
    #[schema(value_type = String)]
    pub pending: Decimal,
    #[schema(value_type = String)]
    pub credited: Decimal,
    #[schema(value_type = String)]
    pub written_off: Decimal,
    #[schema(value_type = String)]
    pub outstanding: Decimal,
}

/// An amount shown with both decimals (`"0.00"`, not `"0"`).
pub fn cents(mut d: Decimal) -> Decimal {
    d.rescale(2);
    d
}

impl From<Figures> for FiguresView {
    fn from(f: Figures) -> Self {
        FiguresView {
            claimed: cents(f.claimed),
            accepted: cents(f.accepted),
            rejected: cents(f.rejected),
            pending: cents(f.pending),
            credited: cents(f.credited),
            written_off: cents(f.written_off),
            outstanding: cents(f.outstanding),
        }
    }
}

pub fn line_figures(row: &db::lines::Figures) -> LineFigures {
    LineFigures {
        claimed: row.amount,
        accepted: row.accepted_amount,
        credited: row.credited,
        written_off: row.written_off,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimView {
    pub id: Uuid,
    /// Human number, `RC-000007`.
    pub number: String,
    pub supplier_code: String,
    pub currency: String,
    pub status: ClaimStatus,
    /// Sum of the line amounts.
    #[schema(value_type = String, example = "162.75")]
    pub amount: Decimal,
    /// Zero while draft: nothing is claimed before submission.
    pub figures: FiguresView,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineView>,
}

fn status_of(claim: &db::claims::Claim) -> Result<ClaimStatus, ApiError> {
    ClaimStatus::parse(&claim.status)
        .ok_or_else(|| ApiError::internal(format!("claim {} has unknown status", claim.id)))
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no recovery claim {id}"))
}

/// What the claim's lines say for its next transition.
async fn progress(c: &mut Conn, claim: Uuid) -> Result<Progress, ApiError> {
    let lines = db::lines::of_claim(c, claim).await?;
    let figures = db::lines::figures_of_claims(c, &[claim]).await?;
    let all_answered = !figures.is_empty() && figures.iter().all(|f| f.accepted_amount.is_some());
    let outstanding: Decimal = figures.iter().map(|f| line_figures(f).outstanding()).sum();
    Ok(Progress {
        lines: lines.len(),
        all_answered,
        nothing_outstanding: outstanding <= Decimal::ZERO,
    })
}

/// The status the claim takes after `action`, or 409.
pub async fn next_status(
    c: &mut Conn,
    claim: &db::claims::Claim,
    action: Action,
) -> Result<ClaimStatus, ApiError> {
    let held = status_of(claim)?;
    let p = progress(c, claim.id).await?;
    transition(held, action, p).map_err(|e| ApiError::conflict(format!("{}: {e}", claim.number)))
}

/// 409 unless `action` is allowed on the claim as it stands.
pub fn check_allowed(claim: &db::claims::Claim, action: Action) -> Result<(), ApiError> {
    let held = status_of(claim)?;
    // Before the change, only legality matters: any progress that lets the action through.
    let loose = Progress {
        lines: usize::MAX,
        all_answered: false,
        nothing_outstanding: false,
    };
    transition(held, action, loose)
        .map(drop)
        .map_err(|e| ApiError::conflict(format!("{}: {e}", claim.number)))
}

/// Applies the status after `action`; publishes `recovery.recovery_claim_settled`
/// when the claim settles.
pub async fn advance(
    c: &mut Conn,
    claim: &db::claims::Claim,
    action: Action,
    correlation: CorrelationId,
) -> Result<ClaimStatus, ApiError> {
    let held = status_of(claim)?;
    let next = next_status(c, claim, action).await?;
    if next != held {
        db::claims::set_status(c, claim.id, next.as_str(), Utc::now()).await?;
    }
    if next == ClaimStatus::Settled && held != ClaimStatus::Settled {
        let figures = db::lines::figures_of_claims(c, &[claim.id]).await?;
        let totals = Figures::of(&figures.iter().map(line_figures).collect::<Vec<_>>());
        let event = RecoveryClaimSettled {
            recovery_claim_id: claim.id,
            credited: cents(totals.credited),
            written_off: cents(totals.written_off),
        };
        let envelope =
            Envelope::new(crate::NAME, &event, correlation.0).map_err(ApiError::internal)?;
        outbox::enqueue(c, &envelope).await?;
    }
    Ok(next)
}

pub async fn load_view(c: &mut Conn, id: Uuid) -> Result<ClaimView, ApiError> {
    let claim = db::claims::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let status = status_of(&claim)?;
    let lines = db::lines::of_claim(c, id).await?;
    let amount = cents(lines.iter().filter_map(|l| l.amount).sum());
    let figures = db::lines::figures_of_claims(c, &[id]).await?;
    let figures = Figures::of(&figures.iter().map(line_figures).collect::<Vec<_>>());
    Ok(ClaimView {
        id: claim.id,
        number: claim.number,
        supplier_code: claim.supplier_code,
        currency: claim.currency,
        status,
        amount,
        figures: figures.into(),
        created_at: claim.created_at,
        submitted_at: claim.submitted_at,
        responded_at: claim.responded_at,
        settled_at: claim.settled_at,
        lines: views(c, lines).await?,
    })
}

/// Puts `line_ids` into the draft `claim`; 422 naming the line that is unknown, of
/// another supplier or currency, not recoverable, or already in a claim.
async fn add_lines(
    c: &mut Conn,
    claim: &db::claims::Claim,
    line_ids: &[Uuid],
) -> Result<(), ApiError> {
    for (i, id) in line_ids.iter().enumerate() {
        let field = format!("line_ids[{i}]");
        let line = db::lines::find(c, *id)
            .await?
            .ok_or_else(|| ApiError::invalid_field(&field, format!("no recovery line {id}")))?;
        if line.supplier_code != claim.supplier_code {
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "line {id} is of supplier {}, not {}",
                    line.supplier_code, claim.supplier_code
                ),
            ));
        }
        if line.currency != claim.currency {
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "currency_mismatch: line {id} is in {}, the claim in {}",
                    line.currency, claim.currency
                ),
            ));
        }
        if line.recovery_claim_id == Some(claim.id) {
            continue;
        }
        if !db::lines::batch(c, *id, claim.id, &claim.supplier_code, &claim.currency).await? {
            return Err(ApiError::invalid_field(
                &field,
                format!("line {id} is {}, not open", line.status),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClaim {
    /// Open lines of one supplier, in one currency.
    #[validate(length(min = 1, max = 500))]
    pub line_ids: Vec<Uuid>,
}

/// Batches open lines of one supplier into a new draft claim (`RC-000007`). Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/recovery-claims", tag = "recovery-claims",
    request_body = CreateClaim,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation")),
    responses(
        (status = 201, description = "draft created", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "a line (`line_ids[i]`) unknown, not open, of another supplier or currency", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_claim(
    who: Principal,
    pool: web::Data<DbPool>,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateClaim>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let body = body.into_inner();
    body.validate()?;
    let hash = idempotency::request_hash(&("POST /recovery-claims", &body));
    let key = key.into_inner();
    let mut conn = common::conn(&pool).await?;
    let (status, json) = conn
        .transaction(async |c| {
            if let Some(key) = &key
                && let Claim::Replay { status, body } =
                    idempotency::claim(c, &who.sub, key, &hash).await?
            {
                return Ok::<_, ApiError>((status, body));
            }
            let first = body.line_ids[0];
            let line = db::lines::find(c, first).await?.ok_or_else(|| {
                ApiError::invalid_field("line_ids[0]", format!("no recovery line {first}"))
            })?;
            let claim = db::claims::Claim {
                id: Uuid::now_v7(),
                number: db::claims::next_number(c).await?,
                supplier_code: line.supplier_code.clone(),
                currency: line.currency.clone(),
                status: ClaimStatus::Draft.as_str().to_owned(),
                created_at: Utc::now(),
                submitted_at: None,
                responded_at: None,
                settled_at: None,
            };
            db::claims::insert(c, &claim).await?;
            add_lines(c, &claim, &body.line_ids).await?;
            let json =
                serde_json::to_value(load_view(c, claim.id).await?).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
    let mut resp = HttpResponse::build(status);
    if let Some(id) = json.get("id").and_then(serde_json::Value::as_str) {
        resp.insert_header((header::LOCATION, format!("/api/v1/recovery-claims/{id}")));
    }
    Ok(resp.json(json))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLines {
    #[validate(length(min = 1, max = 500))]
    pub line_ids: Vec<Uuid>,
}

/// Adds open lines to a draft claim (a submitted claim → 409).
#[utoipa::path(
    post, path = "/api/v1/recovery-claims/{id}/lines", tag = "recovery-claims",
    request_body = AddLines,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim", body = aftersales_web::Problem),
        (status = 409, description = "the claim is no longer a draft", body = aftersales_web::Problem),
        (status = 422, description = "a line (`line_ids[i]`) unknown, not open, of another supplier or currency", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn add_claim_lines(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
    body: web::Json<AddLines>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let id = path.into_inner();
    let body = body.into_inner();
    body.validate()?;
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = db::claims::lock(c, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            check_allowed(&claim, Action::EditLines)?;
            add_lines(c, &claim, &body.line_ids).await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Takes a line out of a draft claim; it is open again (a submitted claim → 409).
#[utoipa::path(
    delete, path = "/api/v1/recovery-claims/{id}/lines/{line_id}", tag = "recovery-claims",
    params(("id" = Uuid, Path), ("line_id" = Uuid, Path)),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim, or the line is not in it", body = aftersales_web::Problem),
        (status = 409, description = "the claim is no longer a draft", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn remove_claim_line(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let (id, line) = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = db::claims::lock(c, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            check_allowed(&claim, Action::EditLines)?;
            if !db::lines::unbatch(c, line, id).await? {
                return Err(ApiError::not_found(format!(
                    "line {line} is not in claim {}",
                    claim.number
                )));
            }
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Submits a draft claim to the supplier; publishes `recovery.recovery_claim_submitted`.
#[utoipa::path(
    post, path = "/api/v1/recovery-claims/{id}/submit", tag = "recovery-claims",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "submitted", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim", body = aftersales_web::Problem),
        (status = 409, description = "not a draft, or without lines", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn submit_claim(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = db::claims::lock(c, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            let next = next_status(c, &claim, Action::Submit).await?;
            db::claims::set_status(c, id, next.as_str(), Utc::now()).await?;
            db::lines::mark_claimed(c, id).await?;
            let lines = db::lines::of_claim(c, id).await?;
            let amount: Decimal = lines.iter().filter_map(|l| l.amount).sum();
            let event = RecoveryClaimSubmitted {
                recovery_claim_id: id,
                supplier_code: claim.supplier_code.clone(),
                amount: cents(amount),
                currency: claim.currency.clone(),
            };
            let envelope =
                Envelope::new(crate::NAME, &event, correlation.0).map_err(ApiError::internal)?;
            outbox::enqueue(c, &envelope).await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineResponse {
    pub line_id: Uuid,
    pub outcome: Outcome,
    /// Only for `partially_accepted`: above 0 and below the line's amount.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "80.00")]
    pub accepted_amount: Option<Decimal>,
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

/// Records the supplier's answer per line of a submitted claim. Once every line is
/// answered the claim is `responded` (or `settled` when nothing was accepted).
#[utoipa::path(
    post, path = "/api/v1/recovery-claims/{id}/responses", tag = "recovery-claims",
    request_body = RecordResponses,
    params(("id" = Uuid, Path)),
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
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<Uuid>,
    body: web::Json<RecordResponses>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let id = path.into_inner();
    let body = body.into_inner();
    body.validate()?;
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let claim = db::claims::lock(c, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            check_allowed(&claim, Action::Respond)?;
            let lines = db::lines::of_claim(c, id).await?;
            let now = Utc::now();
            for (i, r) in body.responses.iter().enumerate() {
                let Some(line) = lines.iter().find(|l| l.id == r.line_id) else {
                    return Err(ApiError::invalid_field(
                        format!("responses[{i}].line_id"),
                        format!("line {} is not in claim {}", r.line_id, claim.number),
                    ));
                };
                let claimed = line.amount.unwrap_or_default();
                let accepted =
                    accepted_amount(claimed, r.outcome, r.accepted_amount, r.reason.as_deref())
                        .map_err(|e| {
                            let field = match e {
                                crate::domain::ledger::ResponseError::MissingReason => "reason",
                                _ => "accepted_amount",
                            };
                            ApiError::invalid_field(
                                format!("responses[{i}].{field}"),
                                e.to_string(),
                            )
                        })?;
                if r.accepted_amount.is_some_and(|a| a.normalize().scale() > 2) {
                    return Err(ApiError::invalid_field(
                        format!("responses[{i}].accepted_amount"),
                        "at most 2 decimals",
                    ));
                }
                let answered = db::lines::respond(
                    c,
                    &db::lines::Response {
                        line_id: line.id,
                        outcome: r.outcome.as_str().to_owned(),
                        accepted_amount: accepted,
                        reason: r.reason.clone(),
                        responded_at: now,
                    },
                )
                .await?;
                if !answered {
                    return Err(ApiError::conflict(format!(
                        "line {} of {} is answered already",
                        line.id, claim.number
                    )));
                }
            }
            advance(c, &claim, Action::Respond, correlation).await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One claim with its lines and figures.
#[utoipa::path(
    get, path = "/api/v1/recovery-claims/{id}", tag = "recovery-claims",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the claim", body = ClaimView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_claim(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let mut conn = common::conn(&pool).await?;
    Ok(HttpResponse::Ok().json(load_view(&mut conn, path.into_inner()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    pub supplier: Option<String>,
}

/// Claims, newest first, paginated.
#[utoipa::path(
    get, path = "/api/v1/recovery-claims", tag = "recovery-claims",
    params(PageQuery, ClaimFilter),
    responses(
        (status = 200, description = "a page of claims", body = inline(Page<ClaimView>)),
        (status = 400, description = "bad cursor or status", body = aftersales_web::Problem),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_claims(
    who: Principal,
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<ClaimFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let query = db::claims::ListFilter {
        status: filter.status.map(|s| s.as_str().to_owned()),
        supplier_code: filter.supplier.clone(),
        after: page.position()?,
    };
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows = db::claims::list(&mut conn, &query, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |c| (c.created_at, c.id));
    let mut items = Vec::with_capacity(page.items.len());
    for claim in page.items {
        items.push(load_view(&mut conn, claim.id).await?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}
