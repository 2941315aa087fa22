//! HTTP handlers and request/response types, under `/api/v1`.
//!
//! Who may do what: admins write master data (suppliers, parts, prices,
//! warehouses); every role reads parts and warehouses; warehouse staff work the
//! stock (receipts, adjustments, counts, transfers, shipments, reorder settings) and
//! read it together with admins, and the stock reports. Admins import parts and
//! price lists from CSV.

pub mod catalog;
pub mod import;
pub mod reports;
pub mod stock;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use aftersales_web::openapi::{ProblemResponses, SecurityAddon};
use aftersales_web::{ApiError, FieldError, Role};
use serde::Serialize;
use utoipa::OpenApi;

use crate::db;
use crate::domain::Invalid;
pub use aftersales_web::db::conn;
pub use aftersales_web::request::if_match;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales catalog", description = "Catalog and stock: suppliers, parts with their price history and supersession, warehouses, stock levels, the stock ledger, reservations, backorders, transfers, cycle counts, shipments and quarantine."),
    paths(
        catalog::create_supplier, catalog::list_suppliers, catalog::get_supplier,
        catalog::update_supplier, catalog::deactivate_supplier,
        catalog::create_part, catalog::search_parts, catalog::get_part, catalog::update_part,
        catalog::deactivate_part, catalog::activate_part, catalog::list_prices, catalog::add_price,
        catalog::create_warehouse, catalog::list_warehouses, catalog::get_warehouse,
        stock::list_stock, stock::get_stock, stock::set_stock_settings, stock::list_movements,
        stock::create_receipt, stock::create_adjustment, stock::create_count,
        stock::create_transfer, stock::list_transfers, stock::get_transfer,
        stock::dispatch_transfer, stock::receive_transfer, stock::cancel_transfer,
        stock::list_reservations, stock::create_shipment,
        import::import_parts,
        reports::stock_valuation, reports::stockouts, reports::backorders,
    ),
    components(schemas(aftersales_web::Problem, aftersales_web::FieldError)),
    modifiers(&SecurityAddon, &ProblemResponses)
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before catalog's `/parts/{part_number}`, which would otherwise match first.
    import::configure(cfg);
    catalog::configure(cfg);
    stock::configure(cfg);
    reports::configure(cfg);
}

/// Admins write master data.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Warehouse staff work the stock.
pub const WAREHOUSE: &[Role] = &[Role::Warehouse];
/// Who reads stock, reservations and reports.
pub const STOCK_READERS: &[Role] = &[Role::Warehouse, Role::Admin];

impl From<db::Error> for ApiError {
    fn from(e: db::Error) -> Self {
        match e {
            db::Error::NotFound(m) => ApiError::not_found(m),
            db::Error::Invalid { field, message } => ApiError::invalid_field(field, message),
            db::Error::Conflict(m) => ApiError::conflict(m),
            db::Error::Stale(m) => ApiError::precondition_failed(m),
            db::Error::Stock(s) => ApiError::conflict(s.to_string()),
            db::Error::Db(d) => d.into(),
            other @ (db::Error::Encode(_) | db::Error::Bug(_)) => ApiError::internal(other),
        }
    }
}

/// Collects every invalid field of a request, so one answer names them all.
#[derive(Default)]
pub struct Check(Vec<FieldError>);

impl Check {
    pub fn field<T>(&mut self, name: &str, result: Result<T, impl Into<Invalid>>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError::new(name, e.into().0));
                None
            }
        }
    }

    pub fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(name, message));
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let detail = match self.0.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("request has {} invalid fields", many.len()),
        };
        Err(ApiError::Unprocessable {
            detail,
            errors: self.0,
        })
    }
}

/// Unwraps what [`Check::finish`] proved present.
pub fn present<T>(value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::internal("checked field missing"))
}

pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, aftersales_web::request::etag(version))
}

pub fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

pub fn respond(status: u16, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK)).json(body)
}

/// Inside a transaction: replays the stored answer of a repeated `Idempotency-Key`,
/// otherwise does `$work` (a `serde_json::Value`) and stores it with `$status`.
#[macro_export]
macro_rules! idempotent {
    ($c:expr, $who:expr, $key:expr, $hash:expr, $status:expr, $work:expr) => {{
        if let Some(k) = $key {
            if let aftersales_web::Claim::Replay { status, body } =
                aftersales_web::idempotency::claim($c, &$who.sub, k, &$hash).await?
            {
                return Ok((status, body));
            }
        }
        let body: serde_json::Value = $work;
        if let Some(k) = $key {
            aftersales_web::idempotency::complete($c, &$who.sub, k, $status, &body).await?;
        }
        Ok::<(u16, serde_json::Value), ApiError>(($status, body))
    }};
}
