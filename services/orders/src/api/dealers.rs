//! `dealers`, `dealers/{code}`: dealer master data (admin). Every change publishes
//! `orders.dealer_upserted` in the same transaction.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_messaging::contracts::orders::DealerUpserted;
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal, Role};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::common::{self, etag, if_match, validation};
use crate::db;
use crate::domain::{Currency, DealerCode, Tier, WarehouseCode};

fn valid_dealer_code(value: &str) -> Result<(), ValidationError> {
    DealerCode::parse(value).map(drop).map_err(validation)
}
fn valid_warehouse(value: &str) -> Result<(), ValidationError> {
    WarehouseCode::parse(value).map(drop).map_err(validation)
}
fn valid_currency(value: &str) -> Result<(), ValidationError> {
    Currency::parse(value).map(drop).map_err(validation)
}
fn valid_rate(value: &Decimal) -> Result<(), ValidationError> {
    if *value < Decimal::ZERO || *value >= Decimal::from(10_000_000_000_i64) || value.scale() > 4 {
        return Err(ValidationError::new("range")
            .with_message("must be at least 0, below 10^10, with at most 4 decimals".into()));
    }
    Ok(())
}
fn yes() -> bool {
    true
}

/// A new dealer.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDealer {
    #[validate(custom(function = "valid_dealer_code"))]
    #[schema(example = "D001")]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Sets the parts discount: standard 0 %, silver 5 %, gold 10 %, platinum 15 %.
    pub tier: Tier,
    /// Labor rate per hour, in `currency` (decimal string).
    #[validate(custom(function = "valid_rate"))]
    #[schema(value_type = String, example = "85.00")]
    pub labor_rate: Decimal,
    #[validate(custom(function = "valid_currency"))]
    #[schema(example = "EUR")]
    pub currency: String,
    #[validate(custom(function = "valid_warehouse"))]
    pub home_warehouse: String,
    #[serde(default = "yes")]
    pub active: bool,
}

/// Everything but the code, replaced as a whole.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDealer {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub tier: Tier,
    #[validate(custom(function = "valid_rate"))]
    #[schema(value_type = String, example = "85.00")]
    pub labor_rate: Decimal,
    #[validate(custom(function = "valid_currency"))]
    pub currency: String,
    #[validate(custom(function = "valid_warehouse"))]
    pub home_warehouse: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealerView {
    pub code: String,
    pub name: String,
    pub tier: Tier,
    /// The tier's discount on list prices, in percent.
    #[schema(value_type = String, example = "10")]
    pub discount_pct: Decimal,
    #[schema(value_type = String, example = "85.0000")]
    pub labor_rate: Decimal,
    pub currency: String,
    pub home_warehouse: String,
    pub active: bool,
    /// Also sent as the `ETag` header; send it back in `If-Match` to update.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn tier_of(dealer: &db::dealers::Dealer) -> Result<Tier, ApiError> {
    Tier::parse(&dealer.tier).ok_or_else(|| {
        ApiError::internal(format!(
            "dealer {} has unknown tier {}",
            dealer.code, dealer.tier
        ))
    })
}

fn view(dealer: db::dealers::Dealer) -> Result<DealerView, ApiError> {
    let tier = tier_of(&dealer)?;
    Ok(DealerView {
        discount_pct: tier.discount_pct(),
        tier,
        code: dealer.code,
        name: dealer.name,
        labor_rate: dealer.labor_rate,
        currency: dealer.currency,
        home_warehouse: dealer.home_warehouse,
        active: dealer.active,
        version: dealer.version,
        created_at: dealer.created_at,
        updated_at: dealer.updated_at,
    })
}

async fn publish(
    c: &mut AsyncPgConnection,
    dealer: &db::dealers::Dealer,
    correlation: CorrelationId,
) -> Result<(), ApiError> {
    let event = DealerUpserted {
        dealer_code: dealer.code.clone(),
        name: dealer.name.clone(),
        tier: dealer.tier.clone(),
        labor_rate: dealer.labor_rate,
        currency: dealer.currency.clone(),
        home_warehouse: dealer.home_warehouse.clone(),
        active: dealer.active,
    };
    let envelope = Envelope::new(crate::NAME, &event, correlation.0).map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    Ok(())
}

fn with_etag(status: actix_web::http::StatusCode, body: serde_json::Value) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    if let Some(version) = body.get("version").and_then(serde_json::Value::as_i64) {
        resp.insert_header((header::ETAG, format!("\"v{version}\"")));
    }
    if let Some(code) = body.get("code").and_then(serde_json::Value::as_str) {
        resp.insert_header((header::LOCATION, format!("/api/v1/dealers/{code}")));
    }
    resp.json(body)
}

/// Registers a dealer (admin). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/dealers", tag = "dealers",
    request_body = CreateDealer,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation")),
    responses(
        (status = 201, description = "created; ETag header", body = DealerView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 409, description = "the code is taken", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields, or key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_dealer(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateDealer>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Admin])?;
    let body = body.into_inner();
    body.validate()?;
    let hash = idempotency::request_hash(&("POST /dealers", &body));
    let key = key.into_inner();
    let mut conn = common::conn(&pool).await?;
    let (status, json) = conn
        .transaction(async |c| {
            if let Some(key) = &key
                && let Claim::Replay { status, body } =
                    idempotency::claim(c, &who.sub, key, &hash).await?
            {
                return Ok::<_, ApiError>((status, body));
            }
            let fields = db::dealers::DealerFields {
                name: &body.name,
                tier: body.tier.as_str(),
                labor_rate: body.labor_rate,
                currency: &body.currency,
                home_warehouse: &body.home_warehouse,
                active: body.active,
            };
            let Some(dealer) = db::dealers::insert(c, &body.code, &fields).await? else {
                return Err(ApiError::conflict(format!(
                    "dealer {} already exists",
                    body.code
                )));
            };
            publish(c, &dealer, correlation).await?;
            let json = serde_json::to_value(view(dealer)?).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(with_etag(status, json))
}

/// Replaces a dealer's data (admin). With `If-Match`, a stale version → 412.
#[utoipa::path(
    put, path = "/api/v1/dealers/{code}", tag = "dealers",
    request_body = UpdateDealer,
    params(
        ("code" = String, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412"),
    ),
    responses(
        (status = 200, description = "updated; new ETag", body = DealerView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 404, description = "no such dealer", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn update_dealer(
    who: Principal,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<String>,
    body: web::Json<UpdateDealer>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Admin])?;
    let code = path.into_inner();
    let expected = if_match(req.headers())?;
    let body = body.into_inner();
    body.validate()?;
    let mut conn = common::conn(&pool).await?;
    let dealer = conn
        .transaction(async |c| {
            let fields = db::dealers::DealerFields {
                name: &body.name,
                tier: body.tier.as_str(),
                labor_rate: body.labor_rate,
                currency: &body.currency,
                home_warehouse: &body.home_warehouse,
                active: body.active,
            };
            match db::dealers::update(c, &code, &fields, expected).await? {
                db::dealers::UpdateOutcome::Updated(dealer) => {
                    publish(c, &dealer, correlation).await?;
                    Ok(dealer)
                }
                db::dealers::UpdateOutcome::NotFound => {
                    Err(ApiError::not_found(format!("no dealer {code}")))
                }
                db::dealers::UpdateOutcome::Stale => Err(ApiError::precondition_failed(
                    "the dealer changed since it was read (If-Match is stale)",
                )),
            }
        })
        .await?;
    let json = serde_json::to_value(view(dealer)?).map_err(ApiError::internal)?;
    Ok(with_etag(actix_web::http::StatusCode::OK, json))
}

/// One dealer: admin and warehouse any; a dealer only itself (another → 404).
#[utoipa::path(
    get, path = "/api/v1/dealers/{code}", tag = "dealers",
    params(("code" = String, Path)),
    responses(
        (status = 200, description = "the dealer; ETag header", body = DealerView),
        (status = 403, description = "role may not read dealers", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_dealer(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Admin, Role::Warehouse, Role::Dealer])?;
    let code = path.into_inner();
    if who.is(Role::Dealer) && who.dealer_code() != Some(code.as_str()) {
        return Err(ApiError::not_found(format!("no dealer {code}")));
    }
    let mut conn = common::conn(&pool).await?;
    let dealer = db::dealers::find(&mut conn, &code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no dealer {code}")))?;
    let version = dealer.version;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(view(dealer)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealerFilter {
    /// Only active (`true`) or inactive (`false`) dealers.
    pub active: Option<bool>,
}

/// Dealers by code (admin, warehouse), paginated.
#[utoipa::path(
    get, path = "/api/v1/dealers", tag = "dealers",
    params(PageQuery, DealerFilter),
    responses(
        (status = 200, description = "a page of dealers", body = inline(Page<DealerView>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
        (status = 403, description = "role may not list dealers", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_dealers(
    who: Principal,
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<DealerFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Admin, Role::Warehouse])?;
    let after: Option<String> = page.position()?;
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows = db::dealers::list(&mut conn, after.as_deref(), filter.active, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |d| d.code.clone());
    let items = page
        .items
        .into_iter()
        .map(view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}
