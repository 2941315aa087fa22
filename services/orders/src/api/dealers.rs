//! `dealers`, `dealers/{code}`: dealer master data (admin), through `app::dealers`,
//! where every change publishes `orders.dealer_upserted` in its transaction.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_types::DecimalString;
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{Answer, KeyHeader};
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal, Role};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::Admins;
use super::common::{etag, if_match, validation};
use crate::app::{self};
use crate::db::dealers::{Dealer, DealerFields};
use crate::domain::tier::Schedule;
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
    /// Sets the parts discount: the tier's discount in force (`GET /tiers`).
    pub tier: Tier,
    /// Labor rate per hour, in `currency` (decimal string).
    #[validate(custom(function = "valid_rate"))]
    #[schema(example = "85.00")]
    pub labor_rate: DecimalString,
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
    #[schema(example = "85.00")]
    pub labor_rate: DecimalString,
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
    /// The tier's discount on list prices in force now, in percent (the tier's history:
    /// `GET /tiers/{tier}/discounts`).
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

impl DealerView {
    /// The dealer with its tier's discount in `discounts` (in force now).
    fn new(dealer: Dealer, discounts: &(Schedule, DateTime<Utc>)) -> Result<Self, ApiError> {
        let (schedule, now) = discounts;
        Ok(DealerView {
            discount_pct: app::tiers::discount_of(schedule, dealer.tier, *now)?,
            tier: dealer.tier,
            code: dealer.code.into_inner(),
            name: dealer.name,
            labor_rate: dealer.labor_rate,
            currency: dealer.currency.to_string(),
            home_warehouse: dealer.home_warehouse.into_inner(),
            active: dealer.active,
            version: dealer.version,
            created_at: dealer.created_at,
            updated_at: dealer.updated_at,
        })
    }
}

impl CreateDealer {
    /// The code, and the rest as an update would set it.
    fn split(self) -> (String, UpdateDealer) {
        let data = UpdateDealer {
            name: self.name,
            tier: self.tier,
            labor_rate: self.labor_rate,
            currency: self.currency,
            home_warehouse: self.home_warehouse,
            active: self.active,
        };
        (self.code, data)
    }
}

impl UpdateDealer {
    /// What the dealer row gets, typed (`currency` was validated already).
    fn fields(self) -> Result<DealerFields, ApiError> {
        Ok(DealerFields {
            currency: Currency::parse(&self.currency)
                .map_err(|e| ApiError::invalid_field("currency", e.into_message()))?,
            name: self.name,
            tier: self.tier,
            labor_rate: self.labor_rate.get(),
            home_warehouse: self.home_warehouse,
            active: self.active,
        })
    }
}

/// A dealer answer: its `Location`, and its version as `ETag` (also on a replay).
fn with_etag(answer: Answer) -> HttpResponse {
    let version = answer
        .body
        .get("version")
        .and_then(serde_json::Value::as_i64);
    let mut resp = answer.located("/api/v1/dealers", "code");
    if let Some(etag) = version.and_then(|v| HeaderValue::from_str(&format!("\"v{v}\"")).ok()) {
        resp.headers_mut().insert(header::ETAG, etag);
    }
    resp
}

/// Registers a dealer (admin). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/dealers", tag = "dealers",
    request_body = CreateDealer,
    params(KeyHeader),
    responses(
        (status = 201, description = "created; ETag header", body = DealerView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 409, description = "the code is taken", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields, or key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_dealer(
    Allowed(who, ..): Allowed<Admins>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateDealer>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let (code, data) = body.clone().split();
    let fields = data.fields()?;
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(
            &who,
            &("POST /dealers", &body),
            StatusCode::CREATED,
            async |c| {
                let dealer = app::dealers::register(c, &code, &fields, &origin).await?;
                DealerView::new(dealer, &app::tiers::in_force_now(c).await?)
            },
        )
        .await?;
    Ok(with_etag(answer))
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
    Allowed(who, ..): Allowed<Admins>,
    req: HttpRequest,
    body: aftersales_web::Json<UpdateDealer>,
    mut conn: DbConn,
    correlation: CorrelationId,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let expected = if_match(req.headers())?;
    let body = body.into_inner();
    body.validate()?;
    let fields = body.fields()?;
    let origin = Origin::request(&who, correlation.0);
    let view = conn
        .transaction(async |c| {
            let dealer = app::dealers::update(c, &code, &fields, expected, &origin).await?;
            DealerView::new(dealer, &app::tiers::in_force_now(c).await?)
        })
        .await?;
    let body = serde_json::to_value(view).map_err(ApiError::internal)?;
    Ok(with_etag(Answer {
        status: StatusCode::OK,
        body,
        replayed: false,
    }))
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
    mut conn: DbConn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Admin, Role::Warehouse, Role::Dealer])?;
    let caller = who.caller()?;
    let dealer = app::dealers::get(&mut conn, &caller, &path.into_inner()).await?;
    let discounts = app::tiers::in_force_now(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(dealer.version)))
        .json(DealerView::new(dealer, &discounts)?))
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
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<DealerFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Admin, Role::Warehouse])?;
    let after: Option<String> = page.position()?;
    let dealers =
        app::dealers::list(&mut conn, after.as_deref(), filter.active, page.limit()).await?;
    let discounts = app::tiers::in_force_now(&mut conn).await?;
    let items = dealers
        .items
        .into_iter()
        .map(|dealer| DealerView::new(dealer, &discounts))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: dealers.next_cursor,
    }))
}
