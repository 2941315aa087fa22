//! HTTP handlers and request/response types, under `/api/v1`. A handler checks the
//! role, validates and parses the request, calls one use case of `app` (through
//! `idempotency::once` for every creating or state-changing POST) and maps the result.
//!
//! Who may do what: admins write master data (suppliers, parts, prices,
//! warehouses); every role reads parts, warehouses and availability (a band per
//! warehouse, never a count); warehouse staff work the
//! stock (receipts, adjustments, counts, transfers, shipments, reorder settings,
//! purchase orders to suppliers) and
//! read it together with admins, and the stock reports. Admins import parts and
//! price lists from CSV.

pub mod availability;
pub mod fields;
pub mod import;
pub mod parts;
pub mod prices;
pub mod purchase_orders;
pub mod purchasing_reports;
pub mod replenishment;
pub mod reports;
pub mod reservations;
pub mod shipments;
pub mod stock;
pub mod stock_changes;
pub mod suppliers;
pub mod transfers;
pub mod warehouses;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use aftersales_web::idempotency::Answer;
use aftersales_web::openapi::Conventions;
use aftersales_web::{ApiError, Role};
use serde::Serialize;
use utoipa::OpenApi;

use crate::{app, db};
pub use aftersales_web::request::if_match;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales catalog", description = "Catalog and stock: suppliers, parts with their price history and supersession, warehouses, stock levels, the stock ledger, reservations, backorders, transfers, cycle counts, shipments and quarantine."),
    paths(
        suppliers::create_supplier, suppliers::list_suppliers, suppliers::get_supplier,
        suppliers::update_supplier, suppliers::deactivate_supplier,
        parts::create_part, parts::search_parts, parts::get_part, parts::update_part,
        parts::deactivate_part, parts::activate_part, prices::list_prices, prices::add_price,
        warehouses::create_warehouse, warehouses::list_warehouses, warehouses::get_warehouse,
        availability::get_availability,
        stock::list_stock, stock::get_stock, stock::set_stock_settings, stock::list_movements,
        stock_changes::create_receipt, stock_changes::create_adjustment, stock_changes::create_count,
        transfers::create_transfer, transfers::list_transfers, transfers::get_transfer,
        transfers::dispatch_transfer, transfers::receive_transfer, transfers::cancel_transfer,
        reservations::list_reservations, shipments::create_shipment,
        import::import_parts,
        reports::stock_valuation, reports::stockouts, reports::backorders,
        purchase_orders::create_purchase_order, purchase_orders::list_purchase_orders,
        purchase_orders::get_purchase_order, purchase_orders::send_purchase_order,
        purchase_orders::cancel_purchase_order, purchase_orders::reschedule_purchase_order_line,
        purchase_orders::receive_purchase_order,
        replenishment::replenishment, replenishment::order_replenishment,
        purchasing_reports::purchase_order_lateness, purchasing_reports::stock_on_order,
    ),
    modifiers(&Conventions)
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before `/parts/{part_number}`, which would otherwise match first.
    import::configure(cfg);
    suppliers::configure(cfg);
    parts::configure(cfg);
    prices::configure(cfg);
    warehouses::configure(cfg);
    availability::configure(cfg);
    stock::configure(cfg);
    stock_changes::configure(cfg);
    transfers::configure(cfg);
    reservations::configure(cfg);
    shipments::configure(cfg);
    purchase_orders::configure(cfg);
    replenishment::configure(cfg);
    purchasing_reports::configure(cfg);
    reports::configure(cfg);
}

/// Admins write master data.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Warehouse staff work the stock.
pub const WAREHOUSE: &[Role] = &[Role::Warehouse];
/// Who reads stock, reservations and reports.
pub const STOCK_READERS: &[Role] = &[Role::Warehouse, Role::Admin];

aftersales_web::roles! {
    /// Admins write master data (who may send its bodies at all).
    pub Admins = [Admin];
    /// Warehouse staff work the stock.
    pub WarehouseStaff = [Warehouse];
}

/// The one mapping of a use case's failure to an HTTP problem.
impl From<app::Error> for ApiError {
    fn from(e: app::Error) -> Self {
        match e {
            app::Error::NotFound(m) => ApiError::not_found(m),
            app::Error::Invalid { field, message } => ApiError::invalid_field(field, message),
            app::Error::Conflict(m) => ApiError::conflict(m),
            app::Error::Stale(m) => ApiError::precondition_failed(m),
            app::Error::Stock(s) => ApiError::conflict(s.to_string()),
            app::Error::Db(d) => d.into(),
            other @ (app::Error::Encode(_) | app::Error::Bug(_)) => ApiError::internal(other),
        }
    }
}

/// Reads go straight to `db`; what a failure means is `app`'s to say.
impl From<db::Error> for ApiError {
    fn from(e: db::Error) -> Self {
        app::Error::from(e).into()
    }
}

/// `200` with `body` and its `ETag`.
pub fn with_etag(version: i32, body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, aftersales_web::request::etag(version)))
        .json(body)
}

/// The answer of a versioned resource (a first one or its replay), with the `ETag`
/// of the `version` its body carries.
pub fn answer_with_etag(answer: Answer) -> Result<HttpResponse, ApiError> {
    let version = answer
        .body
        .get("version")
        .and_then(serde_json::Value::as_i64)
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| ApiError::internal("a versioned resource answered without its version"))?;
    let mut resp = answer.into_response();
    let etag = aftersales_web::request::etag(version);
    resp.headers_mut().insert(
        header::ETAG,
        header::HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    );
    Ok(resp)
}
