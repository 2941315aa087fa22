//! Stock levels, the ledger, receipts, adjustments, cycle counts, transfers,
//! reservations and shipments (warehouse staff).

use actix_web::{HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::request_hash;
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Check, STOCK_READERS, WAREHOUSE, conn, present, respond, to_json};
use crate::db::{Cause, orders, stock as q, transfers};
use crate::domain::stock::{AdjustmentReason, MovementKind, adjustment_delta};
use crate::domain::transfer::{TransferAction, TransferStatus};
use crate::domain::{self, FromInput, Invalid, PartNumber, WarehouseCode};
use crate::idempotent;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stock", web::get().to(list_stock))
        .route("/stock/{warehouse}/{part_number}", web::get().to(get_stock))
        .route(
            "/stock/{warehouse}/{part_number}",
            web::put().to(set_stock_settings),
        )
        .route(
            "/stock/{warehouse}/{part_number}/movements",
            web::get().to(list_movements),
        )
        .route("/receipts", web::post().to(create_receipt))
        .route("/adjustments", web::post().to(create_adjustment))
        .route("/counts", web::post().to(create_count))
        .route("/transfers", web::post().to(create_transfer))
        .route("/transfers", web::get().to(list_transfers))
        .route("/transfers/{id}", web::get().to(get_transfer))
        .route(
            "/transfers/{id}/dispatch",
            web::post().to(dispatch_transfer),
        )
        .route("/transfers/{id}/receive", web::post().to(receive_transfer))
        .route("/transfers/{id}/cancel", web::post().to(cancel_transfer))
        .route("/reservations", web::get().to(list_reservations))
        .route("/shipments", web::post().to(create_shipment));
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockOut {
    pub warehouse: String,
    pub part_number: String,
    pub on_hand: i32,
    pub reserved: i32,
    pub quarantined: i32,
    /// `on_hand - reserved - quarantined`.
    pub available: i32,
    pub reorder_point: i32,
    pub reorder_qty: i32,
    pub bin: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<q::Level> for StockOut {
    fn from(l: q::Level) -> Self {
        Self {
            available: l.available(),
            warehouse: l.warehouse_code,
            part_number: l.part_number,
            on_hand: l.on_hand,
            reserved: l.reserved,
            quarantined: l.quarantined,
            reorder_point: l.reorder_point,
            reorder_qty: l.reorder_qty,
            bin: l.bin,
            updated_at: l.updated_at,
        }
    }
}

fn path_level(wh: &str, pn: &str) -> Result<(WarehouseCode, PartNumber), ApiError> {
    let w = WarehouseCode::from_input(wh)
        .map_err(|_| ApiError::not_found(format!("warehouse {wh} not found")))?;
    let p = PartNumber::from_input(pn)
        .map_err(|_| ApiError::not_found(format!("part {pn} not found")))?;
    Ok((w, p))
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    pub warehouse: Option<String>,
    pub part: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Stock levels, filtered by warehouse and/or part.
#[utoipa::path(get, path = "/api/v1/stock", params(StockQuery),
    responses((status = 200, body = Page<StockOut>),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem),
        (status = 422, description = "`warehouse` or `part` is not a code", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_stock(
    who: Principal,
    pool: web::Data<DbPool>,
    s: web::Query<StockQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let mut v = Check::default();
    let wh = s
        .warehouse
        .as_deref()
        .and_then(|w| v.field("warehouse", WarehouseCode::from_input(w)));
    let pn = s
        .part
        .as_deref()
        .and_then(|p| v.field("part", PartNumber::from_input(p)));
    v.finish()?;
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let after: Option<(String, String)> = page.position()?;
    let rows = q::list(
        &mut *conn(&pool).await?,
        wh.as_ref().map(WarehouseCode::as_str),
        pn.as_ref().map(PartNumber::as_str),
        after,
        page.limit(),
    )
    .await?;
    let page = Page::from_rows(rows, page.limit(), |l| {
        (l.warehouse_code.clone(), l.part_number.clone())
    })
    .map(StockOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// The stock of one part in one warehouse (zeros when never stocked).
#[utoipa::path(get, path = "/api/v1/stock/{warehouse}/{part_number}",
    responses((status = 200, body = StockOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_stock(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (wh, pn) = path_level(&path.0, &path.1)?;
    let mut c = conn(&pool).await?;
    q::check_refs(&mut c, wh.as_str(), pn.as_str(), true).await?;
    let level = match q::get(&mut c, wh.as_str(), pn.as_str()).await? {
        Some(l) => StockOut::from(l),
        None => StockOut {
            warehouse: wh.into_inner(),
            part_number: pn.into_inner(),
            on_hand: 0,
            reserved: 0,
            quarantined: 0,
            available: 0,
            reorder_point: 0,
            reorder_qty: 0,
            bin: None,
            updated_at: Utc::now(),
        },
    };
    Ok(HttpResponse::Ok().json(level))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockSettings {
    pub reorder_point: i64,
    pub reorder_qty: i64,
    pub bin: Option<String>,
}

fn non_negative(v: i64) -> Result<i32, Invalid> {
    if (0..=i64::from(domain::MAX_QTY)).contains(&v) {
        Ok(v as i32)
    } else {
        Err(Invalid(format!(
            "must be between 0 and {}",
            domain::MAX_QTY
        )))
    }
}

/// Set reorder point, reorder quantity and bin of a stock level (warehouse).
#[utoipa::path(put, path = "/api/v1/stock/{warehouse}/{part_number}", request_body = StockSettings,
    responses((status = 200, body = StockOut), (status = 404, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn set_stock_settings(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    path: web::Path<(String, String)>,
    body: web::Json<StockSettings>,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let (wh, pn) = path_level(&path.0, &path.1)?;
    let mut v = Check::default();
    let rp = v.field("reorder_point", non_negative(body.reorder_point));
    let rq = v.field("reorder_qty", non_negative(body.reorder_qty));
    let bin = match body.bin.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => v.field("bin", domain::text(b, 40)),
        None => None,
    };
    v.finish()?;
    let (rp, rq) = (present(rp)?, present(rq)?);
    let mut c = conn(&pool).await?;
    let level = c
        .transaction(async |c| {
            q::check_refs(c, wh.as_str(), pn.as_str(), true).await?;
            Ok::<_, ApiError>(
                q::set_settings(
                    c,
                    wh.as_str(),
                    pn.as_str(),
                    rp,
                    rq,
                    bin.as_deref(),
                    Cause::Request(corr.0),
                )
                .await?,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(StockOut::from(level)))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MovementOut {
    pub id: i64,
    pub kind: MovementKind,
    /// Signed change of on hand.
    pub qty: i32,
    pub reason_code: Option<String>,
    pub reference: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl From<q::Movement> for MovementOut {
    fn from(m: q::Movement) -> Self {
        Self {
            id: m.id,
            kind: MovementKind::parse(&m.kind).unwrap_or(MovementKind::Adjustment),
            qty: m.qty,
            reason_code: m.reason_code,
            reference: m.reference,
            actor: m.actor,
            created_at: m.created_at,
        }
    }
}

/// The ledger of one part in one warehouse, oldest first.
#[utoipa::path(get, path = "/api/v1/stock/{warehouse}/{part_number}/movements", params(PageQuery),
    responses((status = 200, body = Page<MovementOut>), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_movements(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<(String, String)>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (wh, pn) = path_level(&path.0, &path.1)?;
    let after: Option<i64> = page.position()?;
    let mut c = conn(&pool).await?;
    q::check_refs(&mut c, wh.as_str(), pn.as_str(), true).await?;
    let rows = q::movements(&mut c, wh.as_str(), pn.as_str(), after, page.limit()).await?;
    let page = Page::from_rows(rows, page.limit(), |m| m.id).map(MovementOut::from);
    Ok(HttpResponse::Ok().json(page))
}

fn reference(v: &mut Check, r: Option<&str>, default: String) -> String {
    match r.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => v
            .field("reference", domain::text(r, 100))
            .unwrap_or_default(),
        None => default,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptIn {
    pub warehouse: String,
    pub part_number: String,
    pub qty: i64,
    /// The supplier delivery note or purchase order.
    pub reference: Option<String>,
}

/// Receive units into a warehouse (warehouse); waiting backorders are served,
/// emergency orders first, then oldest.
#[utoipa::path(post, path = "/api/v1/receipts",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = ReceiptIn,
    responses((status = 201, body = StockOut), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_receipt(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<ReceiptIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let mut v = Check::default();
    let wh = v.field("warehouse", WarehouseCode::from_input(&body.warehouse));
    let pn = v.field("part_number", PartNumber::from_input(&body.part_number));
    let qty = v.field("qty", domain::quantity(body.qty));
    let reference = reference(
        &mut v,
        body.reference.as_deref(),
        format!("receipt:{}", Uuid::now_v7()),
    );
    v.finish()?;
    let (wh, pn, qty) = (present(wh)?, present(pn)?, present(qty)?);
    let hash = request_hash(&("receipts", &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                q::check_refs(c, wh.as_str(), pn.as_str(), false).await?;
                let entry = q::Entry {
                    kind: MovementKind::Receipt,
                    reason: None,
                    reference: &reference,
                    actor: &who.sub,
                };
                let level = orders::receive(
                    c,
                    wh.as_str(),
                    pn.as_str(),
                    qty.get(),
                    entry,
                    Cause::Request(corr.0),
                )
                .await?;
                to_json(&StockOut::from(level))?
            })
        })
        .await?;
    Ok(respond(status, body))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdjustmentIn {
    pub warehouse: String,
    pub part_number: String,
    /// Signed change of on hand, never 0.
    pub delta: i64,
    pub reason: AdjustmentReason,
    pub reference: Option<String>,
}

/// Adjust on hand with a reason (warehouse); never below reserved (409).
#[utoipa::path(post, path = "/api/v1/adjustments",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = AdjustmentIn,
    responses((status = 201, body = StockOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_adjustment(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<AdjustmentIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let mut v = Check::default();
    let wh = v.field("warehouse", WarehouseCode::from_input(&body.warehouse));
    let pn = v.field("part_number", PartNumber::from_input(&body.part_number));
    let delta = v.field("delta", adjustment_delta(body.delta));
    let reference = reference(
        &mut v,
        body.reference.as_deref(),
        format!("adjustment:{}", Uuid::now_v7()),
    );
    v.finish()?;
    let (wh, pn, delta) = (present(wh)?, present(pn)?, present(delta)?);
    let hash = request_hash(&("adjustments", &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                q::check_refs(c, wh.as_str(), pn.as_str(), false).await?;
                let cause = Cause::Request(corr.0);
                let entry = q::Entry {
                    kind: MovementKind::Adjustment,
                    reason: Some(body.reason.as_str()),
                    reference: &reference,
                    actor: &who.sub,
                };
                let level = q::apply(
                    c,
                    wh.as_str(),
                    pn.as_str(),
                    |l| l.adjust(delta),
                    entry,
                    cause,
                )
                .await?;
                let level = orders::serve_backorders(c, level, cause).await?;
                to_json(&StockOut::from(level))?
            })
        })
        .await?;
    Ok(respond(status, body))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CountIn {
    pub warehouse: String,
    pub part_number: String,
    /// Units physically counted, 0 or more.
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
#[utoipa::path(post, path = "/api/v1/counts",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = CountIn,
    responses((status = 201, body = CountOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_count(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<CountIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let mut v = Check::default();
    let wh = v.field("warehouse", WarehouseCode::from_input(&body.warehouse));
    let pn = v.field("part_number", PartNumber::from_input(&body.part_number));
    let counted = v.field("counted", non_negative(body.counted));
    v.finish()?;
    let (wh, pn, counted) = (present(wh)?, present(pn)?, present(counted)?);
    let hash = request_hash(&("counts", &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                q::check_refs(c, wh.as_str(), pn.as_str(), false).await?;
                let cause = Cause::Request(corr.0);
                let (row, level) =
                    q::count(c, wh.as_str(), pn.as_str(), counted, &who.sub, cause).await?;
                let level = orders::serve_backorders(c, level, cause).await?;
                to_json(&CountOut {
                    id: row.id,
                    counted: row.counted,
                    expected: row.expected,
                    variance: row.variance,
                    stock: StockOut::from(level),
                })?
            })
        })
        .await?;
    Ok(respond(status, body))
}

// ---------------------------------------------------------------------------
// transfers

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransferIn {
    pub from_warehouse: String,
    pub to_warehouse: String,
    pub part_number: String,
    pub qty: i64,
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
}

impl From<transfers::Transfer> for TransferOut {
    fn from(t: transfers::Transfer) -> Self {
        Self {
            id: t.id,
            from_warehouse: t.from_warehouse,
            to_warehouse: t.to_warehouse,
            part_number: t.part_number,
            qty: t.qty,
            status: TransferStatus::parse(&t.status).unwrap_or(TransferStatus::Requested),
            requested_by: t.requested_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Request a transfer between warehouses (warehouse).
#[utoipa::path(post, path = "/api/v1/transfers",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = TransferIn,
    responses((status = 201, body = TransferOut), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_transfer(
    who: Principal,
    pool: web::Data<DbPool>,
    key: MaybeIdempotencyKey,
    body: web::Json<TransferIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let mut v = Check::default();
    let from = v.field(
        "from_warehouse",
        WarehouseCode::from_input(&body.from_warehouse),
    );
    let to = v.field(
        "to_warehouse",
        WarehouseCode::from_input(&body.to_warehouse),
    );
    let pn = v.field("part_number", PartNumber::from_input(&body.part_number));
    let qty = v.field("qty", domain::quantity(body.qty));
    v.finish()?;
    let (from, to, pn, qty) = (present(from)?, present(to)?, present(pn)?, present(qty)?);
    let hash = request_hash(&("transfers", &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                let t = transfers::create(
                    c,
                    from.as_str(),
                    to.as_str(),
                    pn.as_str(),
                    qty.get(),
                    &who.sub,
                )
                .await?;
                to_json(&TransferOut::from(t))?
            })
        })
        .await?;
    Ok(respond(status, body))
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    pub status: Option<TransferStatus>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Transfers, optionally by status.
#[utoipa::path(get, path = "/api/v1/transfers", params(TransferQuery),
    responses((status = 200, body = Page<TransferOut>),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_transfers(
    who: Principal,
    pool: web::Data<DbPool>,
    s: web::Query<TransferQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let after: Option<Uuid> = page.position()?;
    let rows = transfers::list(
        &mut *conn(&pool).await?,
        s.status.map(TransferStatus::as_str),
        after,
        page.limit(),
    )
    .await?;
    let page = Page::from_rows(rows, page.limit(), |t| t.id).map(TransferOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One transfer.
#[utoipa::path(get, path = "/api/v1/transfers/{id}",
    responses((status = 200, body = TransferOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_transfer(
    who: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let t = transfers::get(&mut *conn(&pool).await?, *id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("transfer {id} not found")))?;
    Ok(HttpResponse::Ok().json(TransferOut::from(t)))
}

async fn act(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    id: Uuid,
    action: TransferAction,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let mut c = conn(&pool).await?;
    let t = c
        .transaction(async |c| {
            Ok::<_, ApiError>(
                transfers::act(c, id, action, &who.sub, Cause::Request(corr.0)).await?,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(TransferOut::from(t)))
}

/// Dispatch a requested transfer: stock leaves the source (409 if not available).
#[utoipa::path(post, path = "/api/v1/transfers/{id}/dispatch",
    responses((status = 200, body = TransferOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn dispatch_transfer(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(who, pool, corr, *id, TransferAction::Dispatch).await
}

/// Receive a transfer in transit: stock arrives and serves waiting backorders.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/receive",
    responses((status = 200, body = TransferOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn receive_transfer(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(who, pool, corr, *id, TransferAction::Receive).await
}

/// Cancel a transfer that is still requested.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/cancel",
    responses((status = 200, body = TransferOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn cancel_transfer(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(who, pool, corr, *id, TransferAction::Cancel).await
}

// ---------------------------------------------------------------------------
// reservations and shipments

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReservationQuery {
    pub order_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationLineOut {
    pub line_no: i32,
    pub part_number: String,
    pub reserved_part_number: String,
    pub ordered: i32,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReservationOut {
    pub order_id: Uuid,
    pub order_number: String,
    pub warehouse: String,
    pub priority: String,
    pub placed_at: DateTime<Utc>,
    pub cancelled: bool,
    pub allocation_version: i64,
    pub lines: Vec<AllocationLineOut>,
}

fn lines_out(lines: Vec<orders::Line>) -> Vec<AllocationLineOut> {
    lines
        .into_iter()
        .map(|l| AllocationLineOut {
            line_no: l.line_no,
            part_number: l.part_number,
            reserved_part_number: l.reserved_part_number,
            ordered: l.ordered,
            reserved: l.reserved,
            backordered: l.backordered,
            shipped: l.shipped,
            released: l.released,
        })
        .collect()
}

/// An order's reservations and backorders in catalog.
#[utoipa::path(get, path = "/api/v1/reservations", params(ReservationQuery),
    responses((status = 200, body = ReservationOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_reservations(
    who: Principal,
    pool: web::Data<DbPool>,
    s: web::Query<ReservationQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let mut c = conn(&pool).await?;
    let o = orders::get_order(&mut c, s.order_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("order {} has no reservations", s.order_id)))?;
    let lines = orders::lines(&mut c, o.order_id).await?;
    Ok(HttpResponse::Ok().json(ReservationOut {
        order_id: o.order_id,
        order_number: o.order_number,
        warehouse: o.warehouse_code,
        priority: o.priority,
        placed_at: o.placed_at,
        cancelled: o.cancelled,
        allocation_version: o.version,
        lines: lines_out(lines),
    }))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShipLineIn {
    pub line_no: i32,
    pub qty: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShipmentIn {
    pub order_id: Uuid,
    pub carrier: String,
    pub tracking_ref: String,
    /// Lines and quantities to ship; everything reserved when absent.
    #[serde(default)]
    pub lines: Option<Vec<ShipLineIn>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShippedLineOut {
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShipmentOut {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub carrier: String,
    pub tracking_ref: String,
    pub lines: Vec<ShippedLineOut>,
    pub allocation_version: i64,
}

/// Ship reserved units of an order (warehouse): partial allowed, never more than
/// reserved (409); publishes `catalog.shipment_dispatched`.
#[utoipa::path(post, path = "/api/v1/shipments",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = ShipmentIn,
    responses((status = 201, body = ShipmentOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_shipment(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<ShipmentIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(WAREHOUSE)?;
    let mut v = Check::default();
    let carrier = v.field("carrier", domain::text(&body.carrier, 100));
    let tracking = v.field("tracking_ref", domain::text(&body.tracking_ref, 100));
    let mut wanted = Vec::new();
    if let Some(lines) = &body.lines {
        if lines.is_empty() {
            v.fail(
                "lines",
                "must not be empty; omit it to ship everything reserved",
            );
        }
        for (i, l) in lines.iter().enumerate() {
            if let Some(q) = v.field(&format!("lines[{i}].qty"), domain::quantity(l.qty)) {
                wanted.push((l.line_no, q.get()));
            }
        }
    }
    v.finish()?;
    let (carrier, tracking) = (present(carrier)?, present(tracking)?);
    let hash = request_hash(&("shipments", &*body));
    let key = key.into_inner();
    let order_id = body.order_id;
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                let (s, lines, alloc) = orders::ship(
                    c,
                    order_id,
                    &wanted,
                    &carrier,
                    &tracking,
                    &who.sub,
                    Cause::Request(corr.0),
                )
                .await?;
                to_json(&ShipmentOut {
                    shipment_id: s.id,
                    order_id: s.order_id,
                    carrier: s.carrier,
                    tracking_ref: s.tracking_ref,
                    lines: lines
                        .into_iter()
                        .map(|l| ShippedLineOut {
                            line_no: l.line_no,
                            part_number: l.part_number,
                            qty: l.qty,
                        })
                        .collect(),
                    allocation_version: alloc.allocation_version,
                })?
            })
        })
        .await?;
    Ok(respond(status, body))
}
