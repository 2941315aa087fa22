//! `credit-memos` and `write-offs`: what the supplier paid and what finance gave up,
//! allocated to accepted outstanding amounts (oldest claim first), never beyond
//! them (422). A claim whose last outstanding cent is paid or written off settles
//! and publishes `recovery.recovery_claim_settled`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use aftersales_types::{CalendarDate, DecimalString};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::FinanceStaff;
use super::common::{period, require_finance, valid_currency, valid_positive, valid_supplier};
use crate::app::allocation::Share;
use crate::app::credit_memos::{self, MemoDetail, NewCreditMemo};
use crate::app::write_offs::{self, NewWriteOff, WriteOffDetail};
use crate::db;
use crate::domain::SupplierCode;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationView {
    pub line_id: Uuid,
    pub recovery_claim_id: Uuid,
    #[schema(value_type = String, example = "50.00")]
    pub amount: Decimal,
}

impl From<Share> for AllocationView {
    fn from(share: Share) -> Self {
        AllocationView {
            line_id: share.line_id,
            recovery_claim_id: share.recovery_claim_id,
            amount: share.amount,
        }
    }
}

fn allocation_views(shares: Vec<Share>) -> Vec<AllocationView> {
    shares.into_iter().map(AllocationView::from).collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCreditMemo {
    #[validate(custom(function = "valid_supplier"))]
    pub supplier_code: String,
    /// The supplier's memo number; unique per supplier.
    #[validate(length(min = 1, max = 100))]
    pub reference: String,
    pub memo_date: CalendarDate,
    #[validate(custom(function = "valid_positive"))]
    #[schema(example = "150.00")]
    pub amount: DecimalString,
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

impl From<MemoDetail> for CreditMemoView {
    fn from(detail: MemoDetail) -> Self {
        let memo = detail.memo;
        CreditMemoView {
            id: memo.id,
            supplier_code: memo.supplier_code,
            reference: memo.reference,
            memo_date: memo.memo_date,
            amount: memo.amount,
            currency: memo.currency,
            created_at: memo.created_at,
            allocations: allocation_views(detail.allocations),
        }
    }
}

/// Records a supplier's credit memo and allocates it to accepted outstanding
/// amounts of the named claims (or all its submitted claims), oldest first. Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/credit-memos", tag = "payments",
    request_body = CreateCreditMemo,
    params(KeyHeader),
    responses(
        (status = 201, description = "recorded and allocated", body = CreditMemoView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 409, description = "the reference is recorded already for the supplier", body = aftersales_web::Problem),
        (status = 422, description = "amount larger than what is outstanding (`amount`); a claim not payable (`recovery_claim_ids[i]`); another currency (`currency`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_credit_memo(
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateCreditMemo>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let new = NewCreditMemo {
        supplier_code: body.supplier_code.clone(),
        reference: body.reference.clone(),
        memo_date: body.memo_date.get(),
        amount: body.amount.get(),
        currency: body.currency.clone(),
        recovery_claim_ids: body.recovery_claim_ids.clone(),
    };
    let request = ("POST /credit-memos", &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            credit_memos::record(c, new, &origin)
                .await
                .map(CreditMemoView::from)
        })
        .await?;
    Ok(answer.into_response())
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
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<MemoFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let page = credit_memos::list(
        &mut conn,
        filter.supplier.as_deref(),
        page.position()?,
        page.limit(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page.map(CreditMemoView::from)))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWriteOff {
    pub recovery_claim_id: Uuid,
    /// What to write off; everything outstanding on the claim when absent.
    #[serde(default)]
    #[validate(custom(function = "valid_positive"))]
    #[schema(example = "20.00")]
    pub amount: Option<DecimalString>,
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WriteOffView {
    pub id: Uuid,
    pub recovery_claim_id: Uuid,
    /// The recovery claim's number, `RC-000007`.
    pub recovery_claim_number: String,
    /// The supplier of the recovery claim.
    pub supplier_code: String,
    /// The amount's currency (the claim's).
    pub currency: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub allocations: Vec<AllocationView>,
}

impl From<WriteOffDetail> for WriteOffView {
    fn from(detail: WriteOffDetail) -> Self {
        let w = detail.write_off;
        WriteOffView {
            id: w.id,
            recovery_claim_id: w.recovery_claim_id,
            recovery_claim_number: detail.claim.number,
            supplier_code: detail.claim.supplier_code,
            currency: detail.claim.currency,
            amount: w.amount,
            reason: w.reason,
            created_at: w.created_at,
            allocations: allocation_views(detail.allocations),
        }
    }
}

/// Writes off accepted amounts of a claim the supplier will not pay, with a reason.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/write-offs", tag = "payments",
    request_body = CreateWriteOff,
    params(KeyHeader),
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
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateWriteOff>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let new = NewWriteOff {
        recovery_claim_id: body.recovery_claim_id,
        amount: body.amount.map(DecimalString::get),
        reason: body.reason.clone(),
    };
    let request = ("POST /write-offs", &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            write_offs::record(c, new, &origin)
                .await
                .map(WriteOffView::from)
        })
        .await?;
    Ok(answer.into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WriteOffFilter {
    /// Only write-offs on this recovery claim.
    pub recovery_claim: Option<Uuid>,
    /// Only write-offs on this supplier's claims.
    pub supplier: Option<String>,
    /// Written off at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Written off before this timestamp, or on or before this date.
    pub to: Option<String>,
}

/// Write-offs, newest first, each with its claim and allocations.
#[utoipa::path(
    get, path = "/api/v1/write-offs", tag = "payments",
    params(PageQuery, WriteOffFilter),
    responses(
        (status = 200, description = "a page of write-offs", body = inline(Page<WriteOffView>)),
        (status = 400, description = "bad cursor or parameter", body = aftersales_web::Problem),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "bad `supplier`, `from` or `to` (`to` before `from`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_write_offs(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<WriteOffFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    if let Some(supplier) = &filter.supplier {
        SupplierCode::parse(supplier)
            .map_err(|e| ApiError::invalid_field("supplier", e.into_message()))?;
    }
    let (from, to) = period(filter.from.as_deref(), filter.to.as_deref())?;
    let query = db::payments::WriteOffFilter {
        recovery_claim_id: filter.recovery_claim,
        supplier_code: filter.supplier.clone(),
        from,
        to,
        after: page.position()?,
    };
    let page = write_offs::list(&mut conn, &query, page.limit()).await?;
    Ok(HttpResponse::Ok().json(page.map(WriteOffView::from)))
}
