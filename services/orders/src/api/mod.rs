//! HTTP handlers and request/response types, under `/api/v1`.

use actix_web::web;
use aftersales_web::openapi::SecurityAddon;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales orders", description = "Dealer orders: dealers (tier, discount, labor rate, home warehouse), dealer orders and their lines, the order timeline, and a local price book fed by catalog events."),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
