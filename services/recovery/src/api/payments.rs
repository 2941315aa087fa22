//! `credit-memos` and `write-offs`: what the supplier paid and what finance gave up,
//! allocated to accepted outstanding amounts (oldest claim first), never beyond
//! them (422). A claim whose last outstanding cent is paid or written off settles
//! and publishes `recovery.recovery_claim_settled`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::claims::{advance, check_allowed, line_figures};
use super::common::{self, Conn, require_finance};
use crate::db;
use crate::domain::claim::Action;
use crate::domain::ledger::allocate;
use crate::domain::money::parse_amount;
use crate::domain::{Currency, SupplierCode};

fn message(e: impl Into<std::borrow::Cow<'static, str>>) -> ValidationError {
    ValidationError::new("invalid").with_message(e.into())
}
fn valid_supplier(value: &str) -> Result<(), ValidationError> {
    SupplierCode::parse(value)
        .map(drop)
        .map_err(|e| message(e.into_message()))
}
fn valid_currency(value: &str) -> Result<(), ValidationError> {
    Currency::parse(value)
        .map(drop)
        .map_err(|e| message(e.into_message()))
}
fn valid_positive(value: &Decimal) -> Result<(), ValidationError> {
    parse_amount(*value).map_err(message)?;
    if *value <= Decimal::ZERO {
        return Err(message("must be more than 0"));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationView {
    pub line_id: Uuid,
    pub recovery_claim_id: Uuid,
    #[schema(value_type = String, example = "50.00")]
    pub amount: Decimal,
}

/// Allocates `amount` over the outstanding accepted amounts of `claims` (locked by
/// the caller), oldest claim first; 422 naming `amount` when it is more than what is
/// outstanding. Returns the shares.
async fn allocate_over(
    c: &mut Conn,
    claims: &[Uuid],
    amount: Decimal,
) -> Result<Vec<AllocationView>, ApiError> {
    let figures = db::lines::figures_of_claims(c, claims).await?;
    let owed: Vec<((Uuid, Uuid), Decimal)> = figures
        .iter()
        .map(|f| {
            (
                (f.line_id, f.recovery_claim_id),
                line_figures(f).outstanding(),
            )
        })
        .collect();
    let shares = allocate(amount, &owed).map_err(|e| {
        ApiError::invalid_field(
            "amount",
            format!("{e}: a payment never exceeds the accepted amounts still outstanding"),
        )
    })?;
    Ok(shares
        .into_iter()
        .map(|((line_id, recovery_claim_id), amount)| AllocationView {
            line_id,
            recovery_claim_id,
            amount,
        })
        .collect())
}

/// Moves every claim a payment touched to its next status.
async fn advance_paid(
    c: &mut Conn,
    shares: &[AllocationView],
    correlation: CorrelationId,
) -> Result<(), ApiError> {
    let mut touched: Vec<Uuid> = shares.iter().map(|s| s.recovery_claim_id).collect();
    touched.sort();
    touched.dedup();
    for id in touched {
        let claim = db::claims::find(c, id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("claim {id} vanished")))?;
        advance(c, &claim, Action::Pay, correlation).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCreditMemo {
    #[validate(custom(function = "valid_supplier"))]
    pub supplier_code: String,
    /// The supplier's memo number; unique per supplier.
    #[validate(length(min = 1, max = 100))]
    pub reference: String,
    pub memo_date: NaiveDate,
    #[validate(custom(function = "valid_positive"))]
    #[schema(value_type = String, example = "150.00")]
    pub amount: Decimal,
    #[validate(custom(function = "valid_currency"))]
    pub currency: String,
    /// The claims the memo pays (oldest first); all of the supplier's submitted
    /// claims when absent.
    #[serde(default)]
    pub recovery_claim_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreditMemoView {
    pub id: Uuid,
    pub supplier_code: String,
    pub reference: String,
    pub memo_date: NaiveDate,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub allocations: Vec<AllocationView>,
}

async fn memo_view(
    c: &mut Conn,
    memo: db::payments::CreditMemo,
) -> Result<CreditMemoView, ApiError> {
    let allocations = allocation_views(c, Some(memo.id), None).await?;
    Ok(CreditMemoView {
        id: memo.id,
        supplier_code: memo.supplier_code,
        reference: memo.reference,
        memo_date: memo.memo_date,
        amount: memo.amount,
        currency: memo.currency,
        created_at: memo.created_at,
        allocations,
    })
}

async fn allocation_views(
    c: &mut Conn,
    memo: Option<Uuid>,
    write_off: Option<Uuid>,
) -> Result<Vec<AllocationView>, ApiError> {
    let rows = db::payments::allocations_of(c, memo, write_off).await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        let line = db::lines::find(c, a.line_id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("allocation {} without line", a.id)))?;
        out.push(AllocationView {
            line_id: a.line_id,
            recovery_claim_id: line.recovery_claim_id.unwrap_or_default(),
            amount: a.amount,
        });
    }
    Ok(out)
}

/// Records a supplier's credit memo and allocates it to accepted outstanding
/// amounts of the named claims (or all its submitted claims), oldest first. Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/credit-memos", tag = "payments",
    request_body = CreateCreditMemo,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation")),
    responses(
        (status = 201, description = "recorded and allocated", body = CreditMemoView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 409, description = "the reference is recorded already for the supplier", body = aftersales_web::Problem),
        (status = 422, description = "amount larger than what is outstanding (`amount`); a claim not payable (`recovery_claim_ids[i]`); another currency (`currency`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_credit_memo(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateCreditMemo>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let body = body.into_inner();
    body.validate()?;
    let hash = idempotency::request_hash(&("POST /credit-memos", &body));
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
            let claims = db::claims::lock_payable(
                c,
                &body.supplier_code,
                body.recovery_claim_ids.as_deref(),
            )
            .await?;
            if let Some(ids) = &body.recovery_claim_ids {
                for (i, id) in ids.iter().enumerate() {
                    if !claims.iter().any(|c| c.id == *id) {
                        return Err(ApiError::invalid_field(
                            format!("recovery_claim_ids[{i}]"),
                            format!(
                                "{id} is not a submitted recovery claim of supplier {}",
                                body.supplier_code
                            ),
                        ));
                    }
                }
            }
            if let Some(other) = claims.iter().find(|c| c.currency != body.currency) {
                return Err(ApiError::invalid_field(
                    "currency",
                    format!(
                        "currency_mismatch: claim {} is in {}",
                        other.number, other.currency
                    ),
                ));
            }
            let ids: Vec<Uuid> = claims.iter().map(|c| c.id).collect();
            let shares = allocate_over(c, &ids, body.amount).await?;
            let memo = db::payments::CreditMemo {
                id: Uuid::now_v7(),
                supplier_code: body.supplier_code.clone(),
                reference: body.reference.clone(),
                memo_date: body.memo_date,
                amount: aftersales_types::money::round_cents(body.amount),
                currency: body.currency.clone(),
                created_at: Utc::now(),
            };
            let Some(memo) = db::payments::insert_memo(c, &memo).await? else {
                return Err(ApiError::conflict(format!(
                    "credit memo {} of supplier {} is recorded already",
                    body.reference, body.supplier_code
                )));
            };
            let rows: Vec<(Uuid, Decimal)> = shares.iter().map(|s| (s.line_id, s.amount)).collect();
            db::payments::allocate(c, Some(memo.id), None, &rows).await?;
            advance_paid(c, &shares, correlation).await?;
            let json =
                serde_json::to_value(memo_view(c, memo).await?).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status).json(json))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemoFilter {
    pub supplier: Option<String>,
}

/// Credit memos, newest first, with their allocations.
#[utoipa::path(
    get, path = "/api/v1/credit-memos", tag = "payments",
    params(PageQuery, MemoFilter),
    responses(
        (status = 200, description = "a page of memos", body = inline(Page<CreditMemoView>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_credit_memos(
    who: Principal,
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<MemoFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows = db::payments::list_memos(
        &mut conn,
        filter.supplier.as_deref(),
        page.position()?,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |m| (m.created_at, m.id));
    let mut items = Vec::with_capacity(page.items.len());
    for memo in page.items {
        items.push(memo_view(&mut conn, memo).await?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWriteOff {
    pub recovery_claim_id: Uuid,
    /// What to write off; everything outstanding on the claim when absent.
    #[serde(default)]
    #[validate(custom(function = "valid_positive"))]
    #[schema(value_type = Option<String>, example = "20.00")]
    pub amount: Option<Decimal>,
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WriteOffView {
    pub id: Uuid,
    pub recovery_claim_id: Uuid,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub allocations: Vec<AllocationView>,
}

/// Writes off accepted amounts of a claim the supplier will not pay, with a reason.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/write-offs", tag = "payments",
    request_body = CreateWriteOff,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation")),
    responses(
        (status = 201, description = "written off", body = WriteOffView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown claim", body = aftersales_web::Problem),
        (status = 409, description = "the claim is a draft or settled", body = aftersales_web::Problem),
        (status = 422, description = "more than what is outstanding, or nothing outstanding (`amount`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_write_off(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateWriteOff>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let body = body.into_inner();
    body.validate()?;
    let hash = idempotency::request_hash(&("POST /write-offs", &body));
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
            let id = body.recovery_claim_id;
            let claim = db::claims::lock(c, id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no recovery claim {id}")))?;
            check_allowed(&claim, Action::Pay)?;
            let amount = match body.amount {
                Some(a) => a,
                None => db::lines::figures_of_claims(c, &[id])
                    .await?
                    .iter()
                    .map(|f| line_figures(f).outstanding())
                    .sum(),
            };
            if amount <= Decimal::ZERO {
                return Err(ApiError::invalid_field(
                    "amount",
                    format!("nothing accepted is outstanding on {}", claim.number),
                ));
            }
            let shares = allocate_over(c, &[id], amount).await?;
            let w = db::payments::insert_write_off(
                c,
                &db::payments::WriteOff {
                    id: Uuid::now_v7(),
                    recovery_claim_id: id,
                    amount: aftersales_types::money::round_cents(amount),
                    reason: body.reason.clone(),
                    created_at: Utc::now(),
                },
            )
            .await?;
            let rows: Vec<(Uuid, Decimal)> = shares.iter().map(|s| (s.line_id, s.amount)).collect();
            db::payments::allocate(c, None, Some(w.id), &rows).await?;
            advance_paid(c, &shares, correlation).await?;
            let view = WriteOffView {
                id: w.id,
                recovery_claim_id: w.recovery_claim_id,
                amount: w.amount,
                reason: w.reason,
                created_at: w.created_at,
                allocations: shares,
            };
            let json = serde_json::to_value(view).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status).json(json))
}
