//! HTTP handlers and request/response types, under `/api/v1`.

use actix_web::web;
use aftersales_web::openapi::SecurityAddon;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales inspection", description = "Warranty claims and old-part inspection: unit registrations, warranty policies, labor operations, claims, old-part receipt, findings, decisions and disposition."),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
