//! Suppliers, parts, prices and warehouses (admin writes, everyone reads parts).

use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::request_hash;
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal, Role};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ADMIN, Check, conn, etag, if_match, present, respond, to_json};
use crate::db::{Cause, catalog as q};
use crate::domain::{self, Currency, FromInput, PartNumber, Price, SupplierCode, WarehouseCode};
use crate::idempotent;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/suppliers", web::post().to(create_supplier))
        .route("/suppliers", web::get().to(list_suppliers))
        .route("/suppliers/{code}", web::get().to(get_supplier))
        .route("/suppliers/{code}", web::patch().to(update_supplier))
        .route(
            "/suppliers/{code}/deactivate",
            web::post().to(deactivate_supplier),
        )
        .route("/parts", web::post().to(create_part))
        .route("/parts", web::get().to(search_parts))
        .route("/parts/{part_number}", web::get().to(get_part))
        .route("/parts/{part_number}", web::put().to(update_part))
        .route(
            "/parts/{part_number}/deactivate",
            web::post().to(deactivate_part),
        )
        .route(
            "/parts/{part_number}/activate",
            web::post().to(activate_part),
        )
        .route("/parts/{part_number}/prices", web::get().to(list_prices))
        .route("/parts/{part_number}/prices", web::post().to(add_price))
        .route("/warehouses", web::post().to(create_warehouse))
        .route("/warehouses", web::get().to(list_warehouses))
        .route("/warehouses/{code}", web::get().to(get_warehouse));
}

/// Who may read suppliers: everyone but dealers.
const SUPPLIER_READERS: &[Role] = &[
    Role::Warehouse,
    Role::Quality,
    Role::QualityLead,
    Role::Finance,
    Role::Admin,
];

// ---------------------------------------------------------------------------
// suppliers

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupplierIn {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SupplierPatch {
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

fn with_etag(version: i32, body: impl Serialize) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header(etag(version))
        .json(to_json(&body)?))
}

/// Create a supplier (admin).
#[utoipa::path(post, path = "/api/v1/suppliers",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = SupplierIn,
    responses((status = 201, body = SupplierOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_supplier(
    who: Principal,
    pool: web::Data<DbPool>,
    key: MaybeIdempotencyKey,
    body: web::Json<SupplierIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let mut v = Check::default();
    let code = v.field("code", SupplierCode::from_input(&body.code));
    let name = v.field("name", domain::text(&body.name, 200));
    v.finish()?;
    let (code, name) = (present(code)?, present(name)?);
    let hash = request_hash(&("suppliers", &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                to_json(&SupplierOut::from(
                    q::create_supplier(c, code.as_str(), &name).await?,
                ))?
            })
        })
        .await?;
    Ok(respond(status, body))
}

/// List suppliers.
#[utoipa::path(get, path = "/api/v1/suppliers", params(PageQuery),
    responses((status = 200, body = Page<SupplierOut>),
        (status = 403, description = "role may not read suppliers", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_suppliers(
    who: Principal,
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(SUPPLIER_READERS)?;
    let after: Option<String> = page.position()?;
    let rows = q::list_suppliers(&mut *conn(&pool).await?, after.as_deref(), page.limit()).await?;
    let page = Page::from_rows(rows, page.limit(), |s| s.code.clone()).map(SupplierOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One supplier, with its ETag.
#[utoipa::path(get, path = "/api/v1/suppliers/{code}",
    responses((status = 200, body = SupplierOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read suppliers", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_supplier(
    who: Principal,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(SUPPLIER_READERS)?;
    let code =
        SupplierCode::from_input(&code).map_err(|_| ApiError::not_found("supplier not found"))?;
    let s = q::get_supplier(&mut *conn(&pool).await?, code.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("supplier {code} not found")))?;
    with_etag(s.version, SupplierOut::from(s))
}

/// Change a supplier's name or active flag (admin; `If-Match` → 412 when stale).
#[utoipa::path(patch, path = "/api/v1/suppliers/{code}",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")), request_body = SupplierPatch,
    responses((status = 200, body = SupplierOut), (status = 412, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn update_supplier(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    body: web::Json<SupplierPatch>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let code =
        SupplierCode::from_input(&code).map_err(|_| ApiError::not_found("supplier not found"))?;
    let expected = if_match(req.headers())?;
    let mut v = Check::default();
    let name = match &body.name {
        Some(n) => v.field("name", domain::text(n, 200)),
        None => None,
    };
    v.finish()?;
    let mut c = conn(&pool).await?;
    let s = c
        .transaction(async |c| {
            Ok::<_, ApiError>(
                q::update_supplier(c, code.as_str(), expected, name.as_deref(), body.active)
                    .await?,
            )
        })
        .await?;
    with_etag(s.version, SupplierOut::from(s))
}

/// Deactivate a supplier (admin): no new parts may name it.
#[utoipa::path(post, path = "/api/v1/suppliers/{code}/deactivate",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")),
    responses((status = 200, body = SupplierOut),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn deactivate_supplier(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let code =
        SupplierCode::from_input(&code).map_err(|_| ApiError::not_found("supplier not found"))?;
    let expected = if_match(req.headers())?;
    let mut c = conn(&pool).await?;
    let s = c
        .transaction(async |c| {
            Ok::<_, ApiError>(
                q::update_supplier(c, code.as_str(), expected, None, Some(false)).await?,
            )
        })
        .await?;
    with_etag(s.version, SupplierOut::from(s))
}

// ---------------------------------------------------------------------------
// parts

fn default_uom() -> String {
    "EA".into()
}

fn default_currency() -> String {
    "EUR".into()
}

/// A new part with its first list price (in force from now).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartIn {
    pub part_number: String,
    pub description: String,
    pub category: String,
    #[serde(default = "default_uom")]
    pub unit_of_measure: String,
    #[serde(default = "default_currency")]
    pub currency: String,
    pub supplier_code: String,
    pub warranty_months: i64,
    #[serde(default)]
    pub core: bool,
    #[serde(default)]
    pub returnable: bool,
    #[serde(default)]
    pub superseded_by: Option<String>,
    /// Up to 4 decimals, as a string: `"12.5000"`.
    #[schema(value_type = String, example = "12.50")]
    pub list_price: Decimal,
}

/// Every settable field of a part (the list price has its own history).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartUpdate {
    pub description: String,
    pub category: String,
    #[serde(default = "default_uom")]
    pub unit_of_measure: String,
    #[serde(default = "default_currency")]
    pub currency: String,
    pub supplier_code: String,
    pub warranty_months: i64,
    #[serde(default)]
    pub core: bool,
    #[serde(default)]
    pub returnable: bool,
    #[serde(default)]
    pub superseded_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartOut {
    pub part_number: String,
    pub description: String,
    pub category: String,
    pub unit_of_measure: String,
    pub currency: String,
    pub supplier_code: String,
    pub warranty_months: i32,
    pub core: bool,
    pub returnable: bool,
    pub superseded_by: Option<String>,
    pub active: bool,
    /// The price in force now (latest `effective_from` not in the future).
    #[schema(value_type = Option<String>)]
    pub list_price: Option<Decimal>,
    pub price_effective_from: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<q::PartView> for PartOut {
    fn from(v: q::PartView) -> Self {
        let p = v.part;
        Self {
            part_number: p.part_number,
            description: p.description,
            category: p.category,
            unit_of_measure: p.unit_of_measure,
            currency: p.currency,
            supplier_code: p.supplier_code,
            warranty_months: p.warranty_months,
            core: p.core,
            returnable: p.returnable,
            superseded_by: p.superseded_by,
            active: p.active,
            list_price: v.price.as_ref().map(|r| r.price),
            price_effective_from: v.price.map(|r| r.effective_from),
            version: p.version,
            updated_at: p.updated_at,
        }
    }
}

/// Checks the settable fields of a part, naming every bad one.
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per settable field, each checked and named"
)]
pub fn part_fields(
    v: &mut Check,
    description: &str,
    category: &str,
    uom: &str,
    currency: &str,
    supplier: &str,
    warranty: i64,
    core: bool,
    returnable: bool,
    superseded_by: Option<&str>,
) -> Option<q::PartFields> {
    let description = v.field("description", domain::text(description, 500));
    let category = v.field("category", domain::text(category, 100));
    let uom = v.field("unit_of_measure", domain::text(uom, 20));
    let currency = v.field("currency", Currency::parse(currency));
    let supplier = v.field("supplier_code", SupplierCode::from_input(supplier));
    let warranty = v.field("warranty_months", domain::warranty_months(warranty));
    let successor = match superseded_by.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(v.field("superseded_by", PartNumber::from_input(s))?),
        None => None,
    };
    Some(q::PartFields {
        description: description?,
        category: category?,
        unit_of_measure: uom?,
        currency: currency?.as_str().to_owned(),
        supplier_code: supplier?.into_inner(),
        warranty_months: warranty?,
        core,
        returnable,
        superseded_by: successor.map(PartNumber::into_inner),
    })
}

fn path_part(pn: &str) -> Result<PartNumber, ApiError> {
    PartNumber::from_input(pn).map_err(|_| ApiError::not_found(format!("part {pn} not found")))
}

/// Create a part with its first list price (admin); publishes `catalog.part_upserted`.
#[utoipa::path(post, path = "/api/v1/parts",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = PartIn,
    responses((status = 201, body = PartOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_part(
    who: Principal,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<PartIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let b = &*body;
    let mut v = Check::default();
    let pn = v.field("part_number", PartNumber::from_input(&b.part_number));
    let price = v.field("list_price", Price::parse(b.list_price));
    let fields = part_fields(
        &mut v,
        &b.description,
        &b.category,
        &b.unit_of_measure,
        &b.currency,
        &b.supplier_code,
        b.warranty_months,
        b.core,
        b.returnable,
        b.superseded_by.as_deref(),
    );
    v.finish()?;
    let (pn, price, fields) = (present(pn)?, present(price)?, present(fields)?);
    let hash = request_hash(&("parts", b));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                let view = q::create_part(
                    c,
                    pn.as_str(),
                    &fields,
                    price.get(),
                    &who.sub,
                    Cause::Request(corr.0),
                )
                .await?;
                to_json(&PartOut::from(view))?
            })
        })
        .await?;
    let version = body["version"].as_i64().unwrap_or(1);
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .insert_header((actix_web::http::header::ETAG, format!("\"{version}\"")))
    .json(body))
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartSearch {
    /// Part number prefix.
    pub prefix: Option<String>,
    /// Text contained in the description (case-insensitive).
    pub q: Option<String>,
    pub supplier: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Search parts by number prefix, description text, supplier and category (all roles).
#[utoipa::path(get, path = "/api/v1/parts", params(PartSearch),
    responses((status = 200, body = Page<PartOut>),
        (status = 422, description = "`supplier` is not a supplier code", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn search_parts(
    who: Principal,
    pool: web::Data<DbPool>,
    s: web::Query<PartSearch>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let mut v = Check::default();
    let clean = |x: &Option<String>| {
        x.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let text = clean(&s.q);
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        v.fail("q", "must be at most 200 characters");
    }
    let prefix = clean(&s.prefix).map(|p| p.to_ascii_uppercase());
    if prefix.as_ref().is_some_and(|p| p.len() > 40) {
        v.fail("prefix", "must be at most 40 characters");
    }
    let supplier = match clean(&s.supplier) {
        Some(x) => v
            .field("supplier", SupplierCode::from_input(&x))
            .map(SupplierCode::into_inner),
        None => None,
    };
    v.finish()?;
    let filter = q::PartFilter {
        prefix,
        text,
        supplier,
        category: clean(&s.category),
        active: s.active,
    };
    let after: Option<String> = page.position()?;
    let rows = q::search_parts(
        &mut *conn(&pool).await?,
        &filter,
        after.as_deref(),
        page.limit(),
    )
    .await?;
    let page =
        Page::from_rows(rows, page.limit(), |v| v.part.part_number.clone()).map(PartOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One part with its price in force and its ETag (all roles).
#[utoipa::path(get, path = "/api/v1/parts/{part_number}",
    responses((status = 200, body = PartOut), (status = 404, body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_part(
    who: Principal,
    pool: web::Data<DbPool>,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let pn = path_part(&pn)?;
    let view = q::part_view(&mut *conn(&pool).await?, pn.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("part {pn} not found")))?;
    with_etag(view.part.version, PartOut::from(view))
}

/// Replace a part's settable fields (admin; `If-Match` → 412 when stale; a
/// supersession cycle → 422).
#[utoipa::path(put, path = "/api/v1/parts/{part_number}",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")), request_body = PartUpdate,
    responses((status = 200, body = PartOut), (status = 412, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn update_part(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    pn: web::Path<String>,
    body: web::Json<PartUpdate>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let pn = path_part(&pn)?;
    let expected = if_match(req.headers())?;
    let b = &*body;
    let mut v = Check::default();
    let fields = part_fields(
        &mut v,
        &b.description,
        &b.category,
        &b.unit_of_measure,
        &b.currency,
        &b.supplier_code,
        b.warranty_months,
        b.core,
        b.returnable,
        b.superseded_by.as_deref(),
    );
    v.finish()?;
    let fields = present(fields)?;
    let mut c = conn(&pool).await?;
    let view = c
        .transaction(async |c| {
            Ok::<_, ApiError>(
                q::update_part(c, pn.as_str(), expected, &fields, Cause::Request(corr.0)).await?,
            )
        })
        .await?;
    with_etag(view.part.version, PartOut::from(view))
}

async fn set_active(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    pn: web::Path<String>,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let pn = path_part(&pn)?;
    let expected = if_match(req.headers())?;
    let mut c = conn(&pool).await?;
    let view = c
        .transaction(async |c| {
            Ok::<_, ApiError>(
                q::set_part_active(c, pn.as_str(), expected, active, Cause::Request(corr.0))
                    .await?,
            )
        })
        .await?;
    with_etag(view.part.version, PartOut::from(view))
}

/// Deactivate a part (admin): it can no longer be ordered.
#[utoipa::path(post, path = "/api/v1/parts/{part_number}/deactivate",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")),
    responses((status = 200, body = PartOut),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn deactivate_part(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(who, req, pool, corr, pn, false).await
}

/// Reactivate a part (admin).
#[utoipa::path(post, path = "/api/v1/parts/{part_number}/activate",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")),
    responses((status = 200, body = PartOut),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn activate_part(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(who, req, pool, corr, pn, true).await
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriceIn {
    #[schema(value_type = String, example = "12.50")]
    pub price: Decimal,
    /// When the price takes effect; now when absent.
    pub effective_from: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriceOut {
    #[schema(value_type = String)]
    pub price: Decimal,
    pub currency: String,
    pub effective_from: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<q::PriceRow> for PriceOut {
    fn from(r: q::PriceRow) -> Self {
        Self {
            price: r.price,
            currency: r.currency,
            effective_from: r.effective_from,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// A part's price history, newest first (all roles).
#[utoipa::path(get, path = "/api/v1/parts/{part_number}/prices",
    responses((status = 200, body = Vec<PriceOut>), (status = 404, body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_prices(
    who: Principal,
    pool: web::Data<DbPool>,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let pn = path_part(&pn)?;
    let mut c = conn(&pool).await?;
    if q::get_part(&mut c, pn.as_str()).await?.is_none() {
        return Err(ApiError::not_found(format!("part {pn} not found")));
    }
    let rows = q::list_prices(&mut c, pn.as_str()).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(PriceOut::from).collect::<Vec<_>>()))
}

/// Add a list price effective from a date (admin); publishes `catalog.part_upserted`.
#[utoipa::path(post, path = "/api/v1/parts/{part_number}/prices",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result"), ("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")), request_body = PriceIn,
    responses((status = 201, body = PriceOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn add_price(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    corr: CorrelationId,
    key: MaybeIdempotencyKey,
    pn: web::Path<String>,
    body: web::Json<PriceIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let pn = path_part(&pn)?;
    let expected = if_match(req.headers())?;
    let mut v = Check::default();
    let price = v.field("price", Price::parse(body.price));
    v.finish()?;
    let price = present(price)?;
    let effective = body.effective_from.unwrap_or_else(Utc::now);
    let hash = request_hash(&("prices", pn.as_str(), &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                let (row, _) = q::add_price(
                    c,
                    pn.as_str(),
                    expected,
                    price.get(),
                    effective,
                    &who.sub,
                    Cause::Request(corr.0),
                )
                .await?;
                to_json(&PriceOut::from(row))?
            })
        })
        .await?;
    Ok(respond(status, body))
}

// ---------------------------------------------------------------------------
// warehouses

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarehouseKind {
    Central,
    Regional,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarehouseIn {
    pub code: String,
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
            kind: w.kind,
            active: w.active,
        }
    }
}

/// Create a warehouse, central or regional (admin).
#[utoipa::path(post, path = "/api/v1/warehouses",
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: a repeat answers the first result")), request_body = WarehouseIn,
    responses((status = 201, body = WarehouseOut), (status = 409, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn create_warehouse(
    who: Principal,
    pool: web::Data<DbPool>,
    key: MaybeIdempotencyKey,
    body: web::Json<WarehouseIn>,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let mut v = Check::default();
    let code = v.field("code", WarehouseCode::from_input(&body.code));
    let name = v.field("name", domain::text(&body.name, 200));
    v.finish()?;
    let (code, name) = (present(code)?, present(name)?);
    let kind = match body.kind {
        WarehouseKind::Central => "central",
        WarehouseKind::Regional => "regional",
    };
    let hash = request_hash(&("warehouses", &*body));
    let key = key.into_inner();
    let mut c = conn(&pool).await?;
    let (status, body) = c
        .transaction(async |c| {
            idempotent!(c, who, key.as_ref(), hash, 201, {
                to_json(&WarehouseOut::from(
                    q::create_warehouse(c, code.as_str(), &name, kind).await?,
                ))?
            })
        })
        .await?;
    Ok(respond(status, body))
}

/// All warehouses (all roles).
#[utoipa::path(get, path = "/api/v1/warehouses",
    responses((status = 200, body = Vec<WarehouseOut>)), security(("bearer" = [])))]
pub async fn list_warehouses(
    who: Principal,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let rows = q::list_warehouses(&mut *conn(&pool).await?).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(WarehouseOut::from).collect::<Vec<_>>()))
}

/// One warehouse (all roles).
#[utoipa::path(get, path = "/api/v1/warehouses/{code}",
    responses((status = 200, body = WarehouseOut), (status = 404, body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_warehouse(
    who: Principal,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let code =
        WarehouseCode::from_input(&code).map_err(|_| ApiError::not_found("warehouse not found"))?;
    let w = q::get_warehouse(&mut *conn(&pool).await?, code.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("warehouse {code} not found")))?;
    Ok(HttpResponse::Ok().json(WarehouseOut::from(w)))
}
