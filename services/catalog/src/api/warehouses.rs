//! `warehouses`: central and regional warehouses (admins create; every role reads).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Admins;
use super::fields::{self, parsed};
use crate::app::{Cause, warehouses};
use crate::db::warehouses as q;
use crate::domain::{self, FromInput, WarehouseCode, WarehouseKind};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/warehouses", web::post().to(create_warehouse))
        .route("/warehouses", web::get().to(list_warehouses))
        .route("/warehouses/{code}", web::get().to(get_warehouse));
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct WarehouseIn {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub code: String,
    #[validate(custom(function = "fields::text_200"))]
    pub name: String,
    pub kind: WarehouseKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarehouseOut {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
}

impl From<q::Warehouse> for WarehouseOut {
    fn from(w: q::Warehouse) -> Self {
        Self {
            code: w.code,
            name: w.name,
            kind: w.kind.as_str().to_owned(),
            active: w.active,
        }
    }
}

/// Create a warehouse, central or regional (admin).
#[utoipa::path(post, path = "/api/v1/warehouses", tag = "catalog",
    params(KeyHeader), request_body = WarehouseIn,
    responses((status = 201, body = WarehouseOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_warehouse(
    Allowed(who, ..): Allowed<Admins>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<WarehouseIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let code = parsed("code", WarehouseCode::from_input(&body.code))?;
    let name = parsed("name", domain::text(&body.name, 200))?;
    let request = ("warehouses", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let cause = Cause::request(&who, corr.0);
            Ok(WarehouseOut::from(
                warehouses::create(c, &code, &name, body.kind, cause).await?,
            ))
        })
        .await?;
    Ok(answer.into_response())
}

/// All warehouses (all roles).
#[utoipa::path(get, path = "/api/v1/warehouses", tag = "catalog",
    responses((status = 200, body = Vec<WarehouseOut>)), security(("bearer" = [])))]
pub async fn list_warehouses(who: Principal, mut conn: DbConn) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let rows = q::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(WarehouseOut::from).collect::<Vec<_>>()))
}

/// One warehouse (all roles).
#[utoipa::path(get, path = "/api/v1/warehouses/{code}", tag = "catalog",
    responses((status = 200, body = WarehouseOut), (status = 404, body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_warehouse(
    who: Principal,
    mut conn: DbConn,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let code =
        WarehouseCode::from_input(&code).map_err(|_| ApiError::not_found("warehouse not found"))?;
    let w = q::find(&mut conn, code.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("warehouse {code} not found")))?;
    Ok(HttpResponse::Ok().json(WarehouseOut::from(w)))
}
