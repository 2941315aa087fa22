//! `suppliers`: supplier master data (admins write; everyone but dealers reads).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal, Role};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Admins;
use super::fields::{self, parsed};
use super::{ADMIN, answer_with_etag, if_match, with_etag};
use crate::app::{Cause, suppliers};
use crate::db::suppliers as q;
use crate::domain::{self, FromInput, SupplierCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/suppliers", web::post().to(create_supplier))
        .route("/suppliers", web::get().to(list_suppliers))
        .route("/suppliers/{code}", web::get().to(get_supplier))
        .route("/suppliers/{code}", web::patch().to(update_supplier))
        .route(
            "/suppliers/{code}/deactivate",
            web::post().to(deactivate_supplier),
        );
}

/// Who may read suppliers: everyone but dealers.
const SUPPLIER_READERS: &[Role] = &[
    Role::Warehouse,
    Role::Quality,
    Role::QualityLead,
    Role::Finance,
    Role::Admin,
];

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct SupplierIn {
    #[validate(custom(function = "fields::supplier_code"))]
    pub code: String,
    #[validate(custom(function = "fields::text_200"))]
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
pub struct SupplierPatch {
    #[validate(custom(function = "fields::text_200"))]
    pub name: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupplierOut {
    pub code: String,
    pub name: String,
    pub active: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<q::Supplier> for SupplierOut {
    fn from(s: q::Supplier) -> Self {
        Self {
            code: s.code,
            name: s.name,
            active: s.active,
            version: s.version,
            updated_at: s.updated_at,
        }
    }
}

fn path_supplier(code: &str) -> Result<SupplierCode, ApiError> {
    SupplierCode::from_input(code).map_err(|_| ApiError::not_found("supplier not found"))
}

/// Create a supplier (admin).
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "catalog",
    params(KeyHeader), request_body = SupplierIn,
    responses((status = 201, body = SupplierOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_supplier(
    Allowed(who, ..): Allowed<Admins>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<SupplierIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let code = parsed("code", SupplierCode::from_input(&body.code))?;
    let name = parsed("name", domain::text(&body.name, 200))?;
    let request = ("suppliers", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let cause = Cause::request(&who, corr.0);
            Ok(SupplierOut::from(
                suppliers::create(c, &code, &name, cause).await?,
            ))
        })
        .await?;
    Ok(answer.into_response())
}

/// List suppliers.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "catalog", params(PageQuery),
    responses((status = 200, body = Page<SupplierOut>),
        (status = 403, description = "role may not read suppliers", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_suppliers(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(SUPPLIER_READERS)?;
    let after: Option<String> = page.position()?;
    let rows = q::list(&mut conn, after.as_deref(), page.limit()).await?;
    let page = Page::from_rows(rows, page.limit(), |s| s.code.clone()).map(SupplierOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One supplier, with its ETag.
#[utoipa::path(get, path = "/api/v1/suppliers/{code}", tag = "catalog",
    responses((status = 200, body = SupplierOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read suppliers", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_supplier(
    who: Principal,
    mut conn: DbConn,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(SUPPLIER_READERS)?;
    let code = path_supplier(&code)?;
    let s = q::find(&mut conn, code.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("supplier {code} not found")))?;
    Ok(with_etag(s.version, SupplierOut::from(s)))
}

/// Change a supplier's name or active flag (admin; `If-Match` → 412 when stale).
#[utoipa::path(patch, path = "/api/v1/suppliers/{code}", tag = "catalog",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")), request_body = SupplierPatch,
    responses((status = 200, body = SupplierOut), (status = 412, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn update_supplier(
    Allowed(who, ..): Allowed<Admins>,
    corr: CorrelationId,
    req: HttpRequest,
    body: aftersales_web::Json<SupplierPatch>,
    mut c: DbConn,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path_supplier(&code)?;
    let expected = if_match(req.headers())?;
    body.validate()?;
    let name = match &body.name {
        Some(n) => Some(parsed("name", domain::text(n, 200))?),
        None => None,
    };
    let s = c
        .transaction(async |c| {
            let cause = Cause::request(&who, corr.0);
            suppliers::update(c, &code, expected, name.as_deref(), body.active, cause).await
        })
        .await?;
    Ok(with_etag(s.version, SupplierOut::from(s)))
}

/// Deactivate a supplier (admin): no new parts may name it.
#[utoipa::path(post, path = "/api/v1/suppliers/{code}/deactivate", tag = "catalog",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412"),
        KeyHeader),
    responses((status = 200, body = SupplierOut),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn deactivate_supplier(
    who: Principal,
    corr: CorrelationId,
    req: HttpRequest,
    keyed: Keyed,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let code = path_supplier(&code)?;
    let expected = if_match(req.headers())?;
    let request = ("suppliers/deactivate", code.as_str(), expected);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            let cause = Cause::request(&who, corr.0);
            Ok(SupplierOut::from(
                suppliers::deactivate(c, &code, expected, cause).await?,
            ))
        })
        .await?;
    answer_with_etag(answer)
}
