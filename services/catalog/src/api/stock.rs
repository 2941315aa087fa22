//! `stock`: stock levels, their reorder settings and their ledger (warehouse staff
//! and admins read; warehouse staff set).

use actix_web::{HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::{Allowed, ApiError, DbConn, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::STOCK_READERS;
use super::WarehouseStaff;
use super::fields::{self, given, parsed};
use crate::app::stock::{self as use_case, Named};
use crate::app::{Cause, stock::check_refs};
use crate::db::stock as q;
use crate::domain::stock::MovementKind;
use crate::domain::{self, FromInput, PartNumber, WarehouseCode};

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
        );
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

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub warehouse: Option<String>,
    #[validate(custom(function = "fields::part_number"))]
    pub part: Option<String>,
    pub cursor: Option<String>,
    /// Page size, default 50; a value outside 1 to 200 counts as the nearer of the two.
    // Any whole number a u32 holds is taken (docs/api.md, Pagination), and the document
    // says so: left alone, utoipa documents a u32 as an int32, which ends at 2^31 - 1.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

/// Stock levels, filtered by warehouse and/or part.
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", params(StockQuery),
    responses((status = 200, body = Page<StockOut>),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem),
        (status = 422, description = "`warehouse` or `part` is not a code", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_stock(
    who: Principal,
    mut conn: DbConn,
    s: aftersales_web::Query<StockQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    s.validate()?;
    let wh = match &s.warehouse {
        Some(w) => Some(parsed("warehouse", WarehouseCode::from_input(w))?),
        None => None,
    };
    let pn = match &s.part {
        Some(p) => Some(parsed("part", PartNumber::from_input(p))?),
        None => None,
    };
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let after: Option<(String, String)> = page.position()?;
    let rows = q::list(
        &mut conn,
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
#[utoipa::path(get, path = "/api/v1/stock/{warehouse}/{part_number}", tag = "stock",
    responses((status = 200, body = StockOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_stock(
    who: Principal,
    mut c: DbConn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (wh, pn) = path_level(&path.0, &path.1)?;
    check_refs(&mut c, wh.as_str(), pn.as_str(), Named::InPath).await?;
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

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct StockSettings {
    #[validate(custom(function = "fields::non_negative"))]
    pub reorder_point: i64,
    #[validate(custom(function = "fields::non_negative"))]
    pub reorder_qty: i64,
    #[validate(custom(function = "fields::optional_text_40"))]
    pub bin: Option<String>,
}

/// Set reorder point, reorder quantity and bin of a stock level (warehouse).
#[utoipa::path(put, path = "/api/v1/stock/{warehouse}/{part_number}", tag = "stock", request_body = StockSettings,
    responses((status = 200, body = StockOut), (status = 404, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn set_stock_settings(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    body: aftersales_web::Json<StockSettings>,
    mut c: DbConn,
    corr: CorrelationId,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (wh, pn) = path_level(&path.0, &path.1)?;
    body.validate()?;
    let rp = parsed("reorder_point", domain::non_negative(body.reorder_point))?;
    let rq = parsed("reorder_qty", domain::non_negative(body.reorder_qty))?;
    let bin = match given(body.bin.as_deref()) {
        Some(b) => Some(parsed("bin", domain::text(b, 40))?),
        None => None,
    };
    let level = c
        .transaction(async |c| {
            let cause = Cause::request(&who, corr.0);
            use_case::settings(c, wh.as_str(), pn.as_str(), (rp, rq), bin.as_deref(), cause).await
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
            kind: m.kind,
            qty: m.qty,
            reason_code: m.reason_code.map(|r| r.as_str().to_owned()),
            reference: m.reference,
            actor: m.actor,
            created_at: m.created_at,
        }
    }
}

/// The ledger of one part in one warehouse, oldest first.
#[utoipa::path(get, path = "/api/v1/stock/{warehouse}/{part_number}/movements", tag = "stock", params(PageQuery),
    responses((status = 200, body = Page<MovementOut>), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_movements(
    who: Principal,
    mut c: DbConn,
    path: web::Path<(String, String)>,
    page: aftersales_web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (wh, pn) = path_level(&path.0, &path.1)?;
    let after: Option<i64> = page.position()?;
    check_refs(&mut c, wh.as_str(), pn.as_str(), Named::InPath).await?;
    let rows = q::movements(&mut c, wh.as_str(), pn.as_str(), after, page.limit()).await?;
    let page = Page::from_rows(rows, page.limit(), |m| m.id).map(MovementOut::from);
    Ok(HttpResponse::Ok().json(page))
}
