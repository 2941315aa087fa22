//! HTTP handlers and request/response types, under `/api/v1`.

use actix_web::web;
use aftersales_web::openapi::SecurityAddon;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales catalog", description = "Catalog and stock: suppliers, parts with their price history and supersession, warehouses, stock levels, the stock ledger, reservations, backorders, transfers, cycle counts, shipments and quarantine."),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
