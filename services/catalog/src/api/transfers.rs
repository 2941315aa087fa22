//! `transfers`: stock moved between warehouses (warehouse staff work them; admins
//! read them too).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::CalendarDate;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::WarehouseStaff;
use super::fields::{self, parsed};
use super::{STOCK_READERS, WAREHOUSE};
use crate::app::{Cause, transfers};
use crate::db::transfers::{self as q, NewTransfer};
use crate::domain::transfer::{TransferAction, TransferStatus};
use crate::domain::{self, FromInput, PartNumber, WarehouseCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/transfers", web::post().to(create_transfer))
        .route("/transfers", web::get().to(list_transfers))
        .route("/transfers/{id}", web::get().to(get_transfer))
        .route(
            "/transfers/{id}/dispatch",
            web::post().to(dispatch_transfer),
        )
        .route("/transfers/{id}/receive", web::post().to(receive_transfer))
        .route("/transfers/{id}/cancel", web::post().to(cancel_transfer));
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct TransferIn {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub from_warehouse: String,
    #[validate(custom(function = "fields::warehouse_code"))]
    pub to_warehouse: String,
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    #[validate(custom(function = "fields::quantity"))]
    pub qty: i64,
    /// When the units are expected at the destination (today or later); with one, the
    /// transfer in transit dates the backorders waiting there.
    pub expected_date: Option<CalendarDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransferOut {
    pub id: Uuid,
    pub from_warehouse: String,
    pub to_warehouse: String,
    pub part_number: String,
    pub qty: i32,
    pub status: TransferStatus,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expected_date: Option<NaiveDate>,
}

impl From<q::Transfer> for TransferOut {
    fn from(t: q::Transfer) -> Self {
        Self {
            id: t.id,
            from_warehouse: t.from_warehouse,
            to_warehouse: t.to_warehouse,
            part_number: t.part_number,
            qty: t.qty,
            status: t.status,
            requested_by: t.requested_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
            expected_date: t.expected_date,
        }
    }
}

/// Request a transfer between warehouses (warehouse).
#[utoipa::path(post, path = "/api/v1/transfers", tag = "stock",
    params(KeyHeader), request_body = TransferIn,
    responses((status = 201, body = TransferOut), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_transfer(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<TransferIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let from = parsed(
        "from_warehouse",
        WarehouseCode::from_input(&body.from_warehouse),
    )?;
    let to = parsed(
        "to_warehouse",
        WarehouseCode::from_input(&body.to_warehouse),
    )?;
    let pn = parsed("part_number", PartNumber::from_input(&body.part_number))?;
    let qty = parsed("qty", domain::quantity(body.qty))?.get();
    let request = ("transfers", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let t = NewTransfer {
                from: from.as_str(),
                to: to.as_str(),
                part_number: pn.as_str(),
                qty,
                requested_by: &who.sub,
                expected_date: body.expected_date.map(CalendarDate::get),
            };
            let today = Utc::now().date_naive();
            let cause = Cause::request(&who, corr.0);
            Ok(TransferOut::from(
                transfers::request(c, t, today, cause).await?,
            ))
        })
        .await?;
    Ok(answer.into_response())
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    pub status: Option<TransferStatus>,
    pub cursor: Option<String>,
    /// Page size, default 50; a value outside 1 to 200 counts as the nearer of the two.
    // Any whole number a u32 holds is taken (docs/api.md, Pagination), and the document
    // says so: left alone, utoipa documents a u32 as an int32, which ends at 2^31 - 1.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

/// Transfers, optionally by status.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "stock", params(TransferQuery),
    responses((status = 200, body = Page<TransferOut>),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_transfers(
    who: Principal,
    mut conn: DbConn,
    s: aftersales_web::Query<TransferQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let after: Option<Uuid> = page.position()?;
    let rows = q::list(&mut conn, s.status, after, page.limit()).await?;
    let page = Page::from_rows(rows, page.limit(), |t| t.id).map(TransferOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One transfer.
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "stock",
    responses((status = 200, body = TransferOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_transfer(
    who: Principal,
    mut conn: DbConn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let t = q::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("transfer {id} not found")))?;
    Ok(HttpResponse::Ok().json(TransferOut::from(t)))
}

async fn act(
    who: Principal,
    corr: CorrelationId,
    keyed: Keyed,
    id: Uuid,
    action: TransferAction,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let name = match action {
        TransferAction::Dispatch => "transfers/dispatch",
        TransferAction::Receive => "transfers/receive",
        TransferAction::Cancel => "transfers/cancel",
    };
    let request = (name, id);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            let cause = Cause::request(&who, corr.0);
            Ok(TransferOut::from(
                transfers::act(c, id, action, &who.sub, cause).await?,
            ))
        })
        .await?;
    Ok(answer.into_response())
}

/// Dispatch a requested transfer: stock leaves the source (409 if not available).
#[utoipa::path(post, path = "/api/v1/transfers/{id}/dispatch", tag = "stock",
    params(KeyHeader),
    responses((status = 200, body = TransferOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn dispatch_transfer(
    who: Principal,
    corr: CorrelationId,
    keyed: Keyed,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(who, corr, keyed, *id, TransferAction::Dispatch).await
}

/// Receive a transfer in transit: stock arrives and serves waiting backorders.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/receive", tag = "stock",
    params(KeyHeader),
    responses((status = 200, body = TransferOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn receive_transfer(
    who: Principal,
    corr: CorrelationId,
    keyed: Keyed,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(who, corr, keyed, *id, TransferAction::Receive).await
}

/// Cancel a transfer that is still requested.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/cancel", tag = "stock",
    params(KeyHeader),
    responses((status = 200, body = TransferOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn cancel_transfer(
    who: Principal,
    corr: CorrelationId,
    keyed: Keyed,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(who, corr, keyed, *id, TransferAction::Cancel).await
}
