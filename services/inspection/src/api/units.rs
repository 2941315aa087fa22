//! `units`, `units/{serial}`: sold units registered for warranty. A dealer registers
//! and reads only its own units (another dealer's serial answers 404); an admin may
//! register for any dealer; quality roles and admins read all.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::CalendarDate;
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal, Role};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::DealersAndAdmins;
use super::common::{field, validation};
use crate::app;
use crate::app::units::NewUnit;
use crate::db;
use crate::domain::{DealerCode, Serial, UsageUnit};

fn valid_serial(value: &str) -> Result<(), ValidationError> {
    Serial::parse(value).map(drop).map_err(validation)
}
fn valid_dealer_code(value: &str) -> Result<(), ValidationError> {
    DealerCode::parse(value).map(drop).map_err(validation)
}

/// A sold unit to register.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterUnit {
    /// Unique across all dealers.
    #[validate(custom(function = "valid_serial"))]
    #[schema(example = "VIN-0001")]
    pub serial: String,
    #[validate(length(min = 1, max = 100))]
    pub model: String,
    /// The day the unit went into service (not in the future).
    pub in_service_date: CalendarDate,
    /// The usage reading at sale.
    #[validate(range(min = 0, max = 1_000_000_000))]
    pub usage_at_sale: i64,
    pub usage_unit: UsageUnit,
    /// Admin only: the dealer the unit belongs to. A dealer registers for itself.
    #[validate(custom(function = "valid_dealer_code"))]
    #[serde(default)]
    pub dealer_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitView {
    pub serial: String,
    pub dealer_code: String,
    pub model: String,
    pub in_service_date: NaiveDate,
    pub usage_at_sale: i64,
    pub usage_unit: UsageUnit,
    pub registered_at: DateTime<Utc>,
}

fn view(u: db::units::Unit) -> UnitView {
    UnitView {
        serial: u.serial,
        dealer_code: u.dealer_code,
        model: u.model,
        in_service_date: u.in_service_date,
        usage_at_sale: u.usage_at_sale,
        usage_unit: u.usage_unit,
        registered_at: u.registered_at,
    }
}

/// Registers a sold unit. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/units", tag = "units",
    request_body = RegisterUnit,
    params(KeyHeader),
    responses(
        (status = 201, description = "registered", body = UnitView),
        (status = 403, description = "role may not register units, or a dealer registering for another dealer", body = aftersales_web::Problem),
        (status = 409, description = "the serial is registered already", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields (in-service date in the future), or key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn register_unit(
    Allowed(who, ..): Allowed<DealersAndAdmins>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<RegisterUnit>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let requested = body
        .dealer_code
        .as_deref()
        .map(|c| field("dealer_code", DealerCode::parse(c)))
        .transpose()?;
    let dealer_code = app::units::owner(&who, requested.as_ref())?;
    let unit = NewUnit {
        serial: field("serial", Serial::parse(&body.serial))?,
        model: body.model.clone(),
        in_service_date: body.in_service_date.get(),
        usage_at_sale: body.usage_at_sale,
        usage_unit: body.usage_unit,
    };
    let request = ("POST /units", &dealer_code, &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            Ok(view(
                app::units::register(c, &origin, &dealer_code, &unit).await?,
            ))
        })
        .await?;
    Ok(answer.located("/api/v1/units", "serial"))
}

/// One unit (another dealer's → 404).
#[utoipa::path(
    get, path = "/api/v1/units/{serial}", tag = "units",
    params(("serial" = String, Path)),
    responses(
        (status = 200, description = "the unit", body = UnitView),
        (status = 403, description = "role may not read units", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_unit(
    who: Principal,
    mut conn: DbConn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin])?;
    let serial = path.into_inner();
    let unit = db::units::find(&mut conn, &serial)
        .await?
        .ok_or_else(|| app::units::not_found(&serial))?;
    app::units::check_visible(&who, &unit)?;
    Ok(HttpResponse::Ok().json(view(unit)))
}

/// Units by serial, paginated; a dealer lists only its own.
#[utoipa::path(
    get, path = "/api/v1/units", tag = "units",
    params(PageQuery),
    responses(
        (status = 200, description = "a page of units", body = inline(Page<UnitView>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
        (status = 403, description = "role may not read units", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_units(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin])?;
    let after: Option<String> = page.position()?;
    let limit = page.limit();
    let dealer = who.dealer_scope()?;
    let rows = db::units::list(&mut conn, dealer, after.as_deref(), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |u| u.serial.clone()).map(view);
    Ok(HttpResponse::Ok().json(page))
}
