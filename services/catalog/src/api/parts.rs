//! `parts`: part master data (admins write; every role reads and searches).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_types::DecimalString;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal, Role};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::Admins;
use super::fields::{self, given, parsed};
use super::{ADMIN, answer_with_etag, if_match, with_etag};
use crate::app::{Cause, parts};
use crate::db::parts::{self as q, PartFields};
use crate::domain::{self, Currency, FromInput, Invalid, PartNumber, Price, SupplierCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/parts", web::post().to(create_part))
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
        );
}

fn default_uom() -> String {
    "EA".into()
}

fn default_currency() -> String {
    "EUR".into()
}

/// A new part with its first list price (in force from now).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PartIn {
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    #[validate(custom(function = "fields::text_500"))]
    pub description: String,
    #[validate(custom(function = "fields::text_100"))]
    pub category: String,
    #[serde(default = "default_uom")]
    #[validate(custom(function = "fields::text_20"))]
    pub unit_of_measure: String,
    #[serde(default = "default_currency")]
    #[validate(custom(function = "fields::currency"))]
    pub currency: String,
    #[validate(custom(function = "fields::supplier_code"))]
    pub supplier_code: String,
    #[validate(custom(function = "fields::warranty_months"))]
    pub warranty_months: i64,
    #[serde(default)]
    pub core: bool,
    #[serde(default)]
    pub returnable: bool,
    #[serde(default)]
    #[validate(custom(function = "fields::successor"))]
    pub superseded_by: Option<String>,
    /// Up to 4 decimals, as a string: `"12.5000"`.
    #[schema(example = "12.50")]
    #[validate(custom(function = "fields::price"))]
    pub list_price: DecimalString,
}

/// Every settable field of a part (the list price has its own history).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PartUpdate {
    #[validate(custom(function = "fields::text_500"))]
    pub description: String,
    #[validate(custom(function = "fields::text_100"))]
    pub category: String,
    #[serde(default = "default_uom")]
    #[validate(custom(function = "fields::text_20"))]
    pub unit_of_measure: String,
    #[serde(default = "default_currency")]
    #[validate(custom(function = "fields::currency"))]
    pub currency: String,
    #[validate(custom(function = "fields::supplier_code"))]
    pub supplier_code: String,
    #[validate(custom(function = "fields::warranty_months"))]
    pub warranty_months: i64,
    #[serde(default)]
    pub core: bool,
    #[serde(default)]
    pub returnable: bool,
    #[serde(default)]
    #[validate(custom(function = "fields::successor"))]
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

impl PartUpdate {
    /// The settable fields as the catalog stores them (after `validate()`).
    fn fields(&self) -> Result<PartFields, ApiError> {
        let successor = match given(self.superseded_by.as_deref()) {
            Some(s) => Some(parsed("superseded_by", PartNumber::from_input(s))?.into_inner()),
            None => None,
        };
        let currency = Currency::parse(&self.currency).map_err(Invalid::from);
        Ok(PartFields {
            description: parsed("description", domain::text(&self.description, 500))?,
            category: parsed("category", domain::text(&self.category, 100))?,
            unit_of_measure: parsed("unit_of_measure", domain::text(&self.unit_of_measure, 20))?,
            currency: parsed("currency", currency)?.as_str().to_owned(),
            supplier_code: parsed(
                "supplier_code",
                SupplierCode::from_input(&self.supplier_code),
            )?
            .into_inner(),
            warranty_months: parsed(
                "warranty_months",
                domain::warranty_months(self.warranty_months),
            )?,
            core: self.core,
            returnable: self.returnable,
            superseded_by: successor,
        })
    }
}

impl PartIn {
    /// Everything but the number and the price: a part's settable fields.
    fn settable(&self) -> PartUpdate {
        PartUpdate {
            description: self.description.clone(),
            category: self.category.clone(),
            unit_of_measure: self.unit_of_measure.clone(),
            currency: self.currency.clone(),
            supplier_code: self.supplier_code.clone(),
            warranty_months: self.warranty_months,
            core: self.core,
            returnable: self.returnable,
            superseded_by: self.superseded_by.clone(),
        }
    }
}

pub(super) fn path_part(pn: &str) -> Result<PartNumber, ApiError> {
    PartNumber::from_input(pn).map_err(|_| ApiError::not_found(format!("part {pn} not found")))
}

/// Create a part with its first list price (admin); publishes `catalog.part_upserted`.
#[utoipa::path(post, path = "/api/v1/parts", tag = "catalog",
    params(KeyHeader), request_body = PartIn,
    responses((status = 201, body = PartOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_part(
    Allowed(who, ..): Allowed<Admins>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<PartIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let pn = parsed("part_number", PartNumber::from_input(&body.part_number))?;
    let price = parsed("list_price", Price::parse(body.list_price.get()))?;
    let fields = body.settable().fields()?;
    let request = ("parts", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let cause = Cause::request(&who, corr.0);
            Ok(PartOut::from(
                parts::create(c, &pn, &fields, price, &who.sub, cause).await?,
            ))
        })
        .await?;
    answer_with_etag(answer)
}

fn too_long(max: usize) -> ValidationError {
    fields::validation(Invalid(format!("must be at most {max} characters")))
}

fn query_text(value: &str) -> Result<(), ValidationError> {
    match given(Some(value)) {
        Some(v) if v.chars().count() > 200 => Err(too_long(200)),
        _ => Ok(()),
    }
}

fn query_prefix(value: &str) -> Result<(), ValidationError> {
    match given(Some(value)) {
        Some(v) if v.len() > 40 => Err(too_long(40)),
        _ => Ok(()),
    }
}

fn query_supplier(value: &str) -> Result<(), ValidationError> {
    given(Some(value)).map_or(Ok(()), fields::supplier_code)
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartSearch {
    /// Part number prefix.
    #[validate(custom(function = "query_prefix"))]
    pub prefix: Option<String>,
    /// Text contained in the description (case-insensitive).
    #[validate(custom(function = "query_text"))]
    pub q: Option<String>,
    #[validate(custom(function = "query_supplier"))]
    pub supplier: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
    pub cursor: Option<String>,
    /// Page size, default 50; a value outside 1 to 200 counts as the nearer of the two.
    // Any whole number a u32 holds is taken (docs/api.md, Pagination), and the document
    // says so: left alone, utoipa documents a u32 as an int32, which ends at 2^31 - 1.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

/// Search parts by number prefix, description text, supplier and category (all roles).
#[utoipa::path(get, path = "/api/v1/parts", tag = "catalog", params(PartSearch),
    responses((status = 200, body = Page<PartOut>),
        (status = 422, description = "`supplier` is not a supplier code", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn search_parts(
    who: Principal,
    mut conn: DbConn,
    s: aftersales_web::Query<PartSearch>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    s.validate()?;
    let page = PageQuery {
        cursor: s.cursor.clone(),
        limit: s.limit,
    };
    let clean = |x: &Option<String>| given(x.as_deref()).map(str::to_owned);
    let supplier = match given(s.supplier.as_deref()) {
        Some(x) => Some(parsed("supplier", SupplierCode::from_input(x))?.into_inner()),
        None => None,
    };
    let filter = q::PartFilter {
        prefix: clean(&s.prefix).map(|p| p.to_ascii_uppercase()),
        text: clean(&s.q),
        supplier,
        category: clean(&s.category),
        active: s.active,
    };
    let after: Option<String> = page.position()?;
    let rows = q::search(&mut conn, &filter, after.as_deref(), page.limit()).await?;
    let page =
        Page::from_rows(rows, page.limit(), |v| v.part.part_number.clone()).map(PartOut::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One part with its price in force and its ETag (all roles).
#[utoipa::path(get, path = "/api/v1/parts/{part_number}", tag = "catalog",
    responses((status = 200, body = PartOut), (status = 404, body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn get_part(
    who: Principal,
    mut conn: DbConn,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let pn = path_part(&pn)?;
    let view = q::view(&mut conn, pn.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("part {pn} not found")))?;
    Ok(with_etag(view.part.version, PartOut::from(view)))
}

/// Replace a part's settable fields (admin; `If-Match` → 412 when stale; a
/// supersession cycle → 422).
#[utoipa::path(put, path = "/api/v1/parts/{part_number}", tag = "catalog",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")), request_body = PartUpdate,
    responses((status = 200, body = PartOut), (status = 412, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn update_part(
    Allowed(who, ..): Allowed<Admins>,
    req: HttpRequest,
    body: aftersales_web::Json<PartUpdate>,
    mut c: DbConn,
    corr: CorrelationId,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pn = path_part(&pn)?;
    let expected = if_match(req.headers())?;
    body.validate()?;
    let fields = body.fields()?;
    let view = c
        .transaction(async |c| {
            parts::update(c, &pn, expected, &fields, Cause::request(&who, corr.0)).await
        })
        .await?;
    Ok(with_etag(view.part.version, PartOut::from(view)))
}

async fn set_active(
    who: Principal,
    req: HttpRequest,
    corr: CorrelationId,
    keyed: Keyed,
    pn: web::Path<String>,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    who.require(ADMIN)?;
    let pn = path_part(&pn)?;
    let expected = if_match(req.headers())?;
    let request = ("parts/active", pn.as_str(), active, expected);
    let answer = keyed
        .once(&who, &request, StatusCode::OK, async |c| {
            let cause = Cause::request(&who, corr.0);
            Ok(PartOut::from(
                parts::set_active(c, &pn, expected, active, cause).await?,
            ))
        })
        .await?;
    answer_with_etag(answer)
}

/// Deactivate a part (admin): it can no longer be ordered.
#[utoipa::path(post, path = "/api/v1/parts/{part_number}/deactivate", tag = "catalog",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412"),
        KeyHeader),
    responses((status = 200, body = PartOut),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn deactivate_part(
    who: Principal,
    req: HttpRequest,
    corr: CorrelationId,
    keyed: Keyed,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(who, req, corr, keyed, pn, false).await
}

/// Reactivate a part (admin).
#[utoipa::path(post, path = "/api/v1/parts/{part_number}/activate", tag = "catalog",
    params(("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412"),
        KeyHeader),
    responses((status = 200, body = PartOut),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn activate_part(
    who: Principal,
    req: HttpRequest,
    corr: CorrelationId,
    keyed: Keyed,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(who, req, corr, keyed, pn, true).await
}
