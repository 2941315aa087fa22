//! `purchase-orders`: what the warehouse orders from suppliers (warehouse staff draft,
//! send, reschedule, receive and cancel them; admins read them too).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::{CalendarDate, DecimalString};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::fields::{self, given, parsed};
use super::{STOCK_READERS, WarehouseStaff};
use crate::app::Cause;
use crate::app::purchase_orders::{self as use_case, Draft, DraftLine, Full, Received};
use crate::db::purchase_orders::{self as q, Filter};
use crate::domain::purchase_order::{PurchaseOrderAction, PurchaseOrderStatus};
use crate::domain::{self, Currency, FromInput, PartNumber, Price, SupplierCode, WarehouseCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/purchase-orders", web::post().to(create_purchase_order))
        .route("/purchase-orders", web::get().to(list_purchase_orders))
        .route("/purchase-orders/{id}", web::get().to(get_purchase_order))
        .route(
            "/purchase-orders/{id}/send",
            web::post().to(send_purchase_order),
        )
        .route(
            "/purchase-orders/{id}/cancel",
            web::post().to(cancel_purchase_order),
        )
        .route(
            "/purchase-orders/{id}/lines/{line_no}/reschedule",
            web::post().to(reschedule_purchase_order_line),
        )
        .route(
            "/purchase-orders/{id}/receipts",
            web::post().to(receive_purchase_order),
        );
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PurchaseOrderLineIn {
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    #[validate(custom(function = "fields::quantity"))]
    pub qty: i64,
    /// The unit price agreed with the supplier.
    #[schema(example = "12.50")]
    #[validate(custom(function = "fields::price"))]
    pub unit_price: DecimalString,
    /// When the supplier will deliver; today or later.
    pub expected_date: CalendarDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PurchaseOrderIn {
    #[validate(custom(function = "fields::supplier_code"))]
    pub supplier: String,
    /// The warehouse the goods are delivered to.
    #[validate(custom(function = "fields::warehouse_code"))]
    pub warehouse: String,
    /// The currency of the agreed prices.
    #[validate(custom(function = "fields::currency"))]
    pub currency: String,
    #[validate(length(min = 1, max = 200), nested)]
    pub lines: Vec<PurchaseOrderLineIn>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderLineOut {
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
    pub received: i32,
    /// Still to come (0 once received in full, or more).
    pub open: i32,
    #[schema(value_type = String, example = "12.50")]
    pub unit_price: Decimal,
    pub expected_date: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderOut {
    pub id: Uuid,
    /// `PO-000045`
    pub number: String,
    pub supplier: String,
    pub warehouse: String,
    pub currency: String,
    pub status: PurchaseOrderStatus,
    /// Quantity times agreed unit price over every line.
    #[schema(value_type = String, example = "125.00")]
    pub total: Decimal,
    pub lines: Vec<PurchaseOrderLineOut>,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Full> for PurchaseOrderOut {
    fn from(f: Full) -> Self {
        let o = f.order;
        let total = f
            .lines
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.qty))
            .sum();
        Self {
            id: o.id,
            number: o.number,
            supplier: o.supplier_code,
            warehouse: o.warehouse_code,
            currency: o.currency,
            status: o.status,
            total,
            lines: f
                .lines
                .into_iter()
                .map(|l| PurchaseOrderLineOut {
                    open: l.quantities().open(),
                    line_no: l.line_no,
                    part_number: l.part_number,
                    qty: l.qty,
                    received: l.received,
                    unit_price: l.unit_price,
                    expected_date: l.expected_date,
                })
                .collect(),
            created_by: o.created_by,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Draft a purchase order to a supplier (warehouse): every part supplied by it, one
/// line per part, expected today or later.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "purchasing",
    params(KeyHeader), request_body = PurchaseOrderIn,
    responses((status = 201, body = PurchaseOrderOut), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_purchase_order(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<PurchaseOrderIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let supplier = parsed("supplier", SupplierCode::from_input(&body.supplier))?;
    let warehouse = parsed("warehouse", WarehouseCode::from_input(&body.warehouse))?;
    let currency = parsed(
        "currency",
        Currency::parse(&body.currency).map_err(Into::into),
    )?;
    let lines = body
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let field = |name: &str| format!("lines[{i}].{name}");
            Ok(DraftLine {
                part_number: parsed(
                    &field("part_number"),
                    PartNumber::from_input(&l.part_number),
                )?
                .as_str()
                .to_owned(),
                qty: parsed(&field("qty"), domain::quantity(l.qty))?.get(),
                unit_price: parsed(&field("unit_price"), Price::parse(l.unit_price.get()))?.get(),
                expected_date: l.expected_date.get(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let request = ("purchase-orders", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let draft = Draft {
                supplier: supplier.as_str(),
                warehouse: warehouse.as_str(),
                currency: currency.as_str(),
                lines,
            };
            let cause = Cause::request(&who, corr.0);
            let full = use_case::draft(c, draft, &who.sub, today(), cause).await?;
            Ok(PurchaseOrderOut::from(full))
        })
        .await?;
    Ok(answer.into_response())
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchaseOrderQuery {
    pub supplier: Option<String>,
    pub warehouse: Option<String>,
    pub status: Option<PurchaseOrderStatus>,
    /// Only orders with a line for this part.
    pub part_number: Option<String>,
    pub cursor: Option<String>,
    /// Page size, default 50; a value outside 1 to 200 counts as the nearer of the two.
    // Any whole number a u32 holds is taken (docs/api.md, Pagination), and the document
    // says so: left alone, utoipa documents a u32 as an int32, which ends at 2^31 - 1.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

/// Purchase orders, newest first, by supplier, warehouse, status or part.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchasing", params(PurchaseOrderQuery),
    responses((status = 200, body = Page<PurchaseOrderOut>), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_purchase_orders(
    who: Principal,
    mut conn: DbConn,
    s: aftersales_web::Query<PurchaseOrderQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let supplier = given(s.supplier.as_deref())
        .map(|v| parsed("supplier", SupplierCode::from_input(v)))
        .transpose()?;
    let warehouse = given(s.warehouse.as_deref())
        .map(|v| parsed("warehouse", WarehouseCode::from_input(v)))
        .transpose()?;
    let part = given(s.part_number.as_deref())
        .map(|v| parsed("part_number", PartNumber::from_input(v)))
        .transpose()?;
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let before: Option<Uuid> = page.position()?;
    let filter = Filter {
        supplier: supplier.as_ref().map(SupplierCode::as_str),
        warehouse: warehouse.as_ref().map(WarehouseCode::as_str),
        status: s.status,
        part_number: part.as_ref().map(PartNumber::as_str),
    };
    let rows = q::list(&mut conn, filter, before, page.limit()).await?;
    let page = Page::from_rows(rows, page.limit(), |o| o.id);
    let ids: Vec<Uuid> = page.items.iter().map(|o| o.id).collect();
    let mut lines = q::lines_of(&mut conn, &ids).await?;
    let page = page.map(|order| {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut lines)
            .into_iter()
            .partition(|l| l.purchase_order_id == order.id);
        lines = rest;
        PurchaseOrderOut::from(Full { order, lines: mine })
    });
    Ok(HttpResponse::Ok().json(page))
}

/// One purchase order with its lines.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "purchasing",
    responses((status = 200, body = PurchaseOrderOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_purchase_order(
    who: Principal,
    mut conn: DbConn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let po = use_case::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("purchase order {id} not found")))?;
    Ok(HttpResponse::Ok().json(PurchaseOrderOut::from(po)))
}

/// Sends or cancels (`action`, known to the idempotency store as `name`), once per
/// Idempotency-Key.
async fn act(
    who: &Principal,
    corr: CorrelationId,
    keyed: Keyed,
    id: Uuid,
    (action, name): (PurchaseOrderAction, &str),
) -> Result<HttpResponse, ApiError> {
    let answer = keyed
        .once(who, &(name, id), StatusCode::OK, async |c| {
            let full = use_case::act(c, id, action, today(), Cause::request(who, corr.0)).await?;
            Ok(PurchaseOrderOut::from(full))
        })
        .await?;
    Ok(answer.into_response())
}

/// Send a draft to its supplier (warehouse): what it brings is on order from now on
/// and gives waiting backorders their expected dates.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/send", tag = "purchasing",
    params(KeyHeader),
    responses((status = 200, body = PurchaseOrderOut), (status = 404, body = aftersales_web::Problem),
        (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn send_purchase_order(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let send = (PurchaseOrderAction::Send, "purchase-orders/send");
    act(&who, corr, keyed, *id, send).await
}

/// Cancel what a purchase order has not brought yet (warehouse); backorders that
/// waited for it lose or move their dates.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/cancel", tag = "purchasing",
    params(KeyHeader),
    responses((status = 200, body = PurchaseOrderOut), (status = 404, body = aftersales_web::Problem),
        (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn cancel_purchase_order(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let cancel = (PurchaseOrderAction::Cancel, "purchase-orders/cancel");
    act(&who, corr, keyed, *id, cancel).await
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct RescheduleIn {
    /// The day the supplier now promises; today or later.
    pub expected_date: CalendarDate,
}

/// Move a line's expected date (warehouse); the backorders it serves move with it.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/lines/{line_no}/reschedule", tag = "purchasing",
    params(KeyHeader), request_body = RescheduleIn,
    responses((status = 200, body = PurchaseOrderOut), (status = 404, body = aftersales_web::Problem),
        (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn reschedule_purchase_order_line(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    path: web::Path<(Uuid, i32)>,
    body: aftersales_web::Json<RescheduleIn>,
) -> Result<HttpResponse, ApiError> {
    let (id, line_no) = *path;
    let date = body.expected_date.get();
    let request = ("purchase-orders/reschedule", id, line_no, &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            let cause = Cause::request(&who, corr.0);
            let full = use_case::reschedule(c, id, line_no, date, today(), cause).await?;
            Ok(PurchaseOrderOut::from(full))
        })
        .await?;
    Ok(answer.into_response())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ReceiptLineIn {
    pub line_no: i32,
    #[validate(custom(function = "fields::quantity"))]
    pub qty: i64,
    /// Why more than is still open is accepted (the supplier sent more); without
    /// one, an over-receipt is refused.
    #[validate(custom(function = "fields::optional_text_100"))]
    pub over_receipt_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PurchaseOrderReceiptIn {
    #[validate(length(min = 1, max = 200), nested)]
    pub lines: Vec<ReceiptLineIn>,
    /// The supplier's delivery note.
    #[validate(custom(function = "fields::optional_text_100"))]
    pub delivery_note: Option<String>,
}

/// Receive a delivery against a sent purchase order (warehouse): each line's units
/// enter stock and serve waiting backorders, emergency orders first, then oldest.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/receipts", tag = "purchasing",
    params(KeyHeader), request_body = PurchaseOrderReceiptIn,
    responses((status = 200, body = PurchaseOrderOut), (status = 404, body = aftersales_web::Problem),
        (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn receive_purchase_order(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    id: web::Path<Uuid>,
    body: aftersales_web::Json<PurchaseOrderReceiptIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = *id;
    let delivery = body
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let reason = given(l.over_receipt_reason.as_deref())
                .map(|r| {
                    parsed(
                        &format!("lines[{i}].over_receipt_reason"),
                        domain::text(r, 100),
                    )
                })
                .transpose()?;
            Ok(Received {
                line_no: l.line_no,
                qty: parsed(&format!("lines[{i}].qty"), domain::quantity(l.qty))?.get(),
                over_receipt_reason: reason,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let note = given(body.delivery_note.as_deref())
        .map(|n| parsed("delivery_note", domain::text(n, 100)))
        .transpose()?;
    let request = ("purchase-orders/receipts", id, &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            let cause = Cause::request(&who, corr.0);
            let full =
                use_case::receive(c, id, &delivery, note.as_deref(), &who.sub, cause).await?;
            Ok(PurchaseOrderOut::from(full))
        })
        .await?;
    Ok(answer.into_response())
}
