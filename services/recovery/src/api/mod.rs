//! HTTP handlers and request/response types, under `/api/v1`.

use actix_web::web;
use aftersales_web::openapi::SecurityAddon;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales recovery", description = "Supplier claim recovery: supplier agreements, recovery lines, recovery claims to suppliers, supplier responses, credit memos, write-offs, reconciliation and aging."),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
