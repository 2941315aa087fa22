//! `receipts`, `adjustments`, `counts`: what warehouse staff record of the stock
//! (each a movement of the ledger).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, Keyed};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::WarehouseStaff;
use super::fields::{self, given, parsed};
use super::stock::StockOut;
use crate::app::Cause;
use crate::app::stock::{self as use_case, Entry};
use crate::domain::stock::{AdjustmentReason, MovementKind, adjustment_delta};
use crate::domain::{self, FromInput, PartNumber, WarehouseCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/receipts", web::post().to(create_receipt))
        .route("/adjustments", web::post().to(create_adjustment))
        .route("/counts", web::post().to(create_count));
}

/// The warehouse and part a body names.
fn level_of(wh: &str, pn: &str) -> Result<(WarehouseCode, PartNumber), ApiError> {
    Ok((
        parsed("warehouse", WarehouseCode::from_input(wh))?,
        parsed("part_number", PartNumber::from_input(pn))?,
    ))
}

/// The reference a body gives, or `default` when it gives none.
fn reference(
    given_ref: Option<&str>,
    default: impl FnOnce() -> String,
) -> Result<String, ApiError> {
    match given(given_ref) {
        Some(r) => parsed("reference", domain::text(r, 100)),
        None => Ok(default()),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ReceiptIn {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub warehouse: String,
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    #[validate(custom(function = "fields::quantity"))]
    pub qty: i64,
    /// The supplier delivery note or purchase order.
    #[validate(custom(function = "fields::optional_text_100"))]
    pub reference: Option<String>,
}

/// Receive units into a warehouse (warehouse); waiting backorders are served,
/// emergency orders first, then oldest.
#[utoipa::path(post, path = "/api/v1/receipts", tag = "stock",
    params(KeyHeader), request_body = ReceiptIn,
    responses((status = 201, body = StockOut), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_receipt(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<ReceiptIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let (wh, pn) = level_of(&body.warehouse, &body.part_number)?;
    let qty = parsed("qty", domain::quantity(body.qty))?.get();
    let reference = reference(body.reference.as_deref(), || {
        format!("receipt:{}", Uuid::now_v7())
    })?;
    let request = ("receipts", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let cause = Cause::request(&who, corr.0);
            let (wh, pn) = (wh.as_str(), pn.as_str());
            let level = use_case::receipt(c, wh, pn, qty, &reference, &who.sub, cause).await?;
            Ok(StockOut::from(level))
        })
        .await?;
    Ok(answer.into_response())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct AdjustmentIn {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub warehouse: String,
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    /// Signed change of on hand, never 0.
    #[validate(custom(function = "fields::delta"))]
    pub delta: i64,
    pub reason: AdjustmentReason,
    #[validate(custom(function = "fields::optional_text_100"))]
    pub reference: Option<String>,
}

/// Adjust on hand with a reason (warehouse); never below reserved (409).
#[utoipa::path(post, path = "/api/v1/adjustments", tag = "stock",
    params(KeyHeader), request_body = AdjustmentIn,
    responses((status = 201, body = StockOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_adjustment(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<AdjustmentIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let (wh, pn) = level_of(&body.warehouse, &body.part_number)?;
    let delta = parsed("delta", adjustment_delta(body.delta))?;
    let reference = reference(body.reference.as_deref(), || {
        format!("adjustment:{}", Uuid::now_v7())
    })?;
    let request = ("adjustments", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let entry = Entry {
                kind: MovementKind::Adjustment,
                reason: Some(body.reason),
                reference: &reference,
                actor: &who.sub,
            };
            let cause = Cause::request(&who, corr.0);
            let level = use_case::adjust(c, wh.as_str(), pn.as_str(), delta, entry, cause).await?;
            Ok(StockOut::from(level))
        })
        .await?;
    Ok(answer.into_response())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct CountIn {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub warehouse: String,
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    /// Units physically counted, 0 or more.
    #[validate(custom(function = "fields::non_negative"))]
    pub counted: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CountOut {
    pub id: Uuid,
    pub counted: i32,
    pub expected: i32,
    pub variance: i32,
    pub stock: StockOut,
}

/// Record a cycle count (warehouse): the variance is posted to the ledger; a count
/// below what is reserved or quarantined is refused (409).
#[utoipa::path(post, path = "/api/v1/counts", tag = "stock",
    params(KeyHeader), request_body = CountIn,
    responses((status = 201, body = CountOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_count(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CountIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let (wh, pn) = level_of(&body.warehouse, &body.part_number)?;
    let counted = parsed("counted", domain::non_negative(body.counted))?;
    let request = ("counts", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let cause = Cause::request(&who, corr.0);
            let (row, level) =
                use_case::count(c, wh.as_str(), pn.as_str(), counted, &who.sub, cause).await?;
            Ok(CountOut {
                id: row.id,
                counted: row.counted,
                expected: row.expected,
                variance: row.variance,
                stock: StockOut::from(level),
            })
        })
        .await?;
    Ok(answer.into_response())
}
