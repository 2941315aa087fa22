//! `units`, `units/{serial}`: sold units registered for warranty. A dealer registers
//! and reads only its own units (another dealer's serial answers 404); an admin may
//! register for any dealer; quality roles and admins read all.

use actix_web::{HttpResponse, web};
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal, Role};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::common::{self, validation};
use crate::db;
use crate::domain::{DealerCode, Serial};

fn valid_serial(value: &str) -> Result<(), ValidationError> {
    Serial::parse(value).map(drop).map_err(validation)
}
fn valid_dealer_code(value: &str) -> Result<(), ValidationError> {
    DealerCode::parse(value).map(drop).map_err(validation)
}

/// How a unit's usage is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsageUnit {
    /// Odometer kilometres.
    Km,
    /// Hour meter.
    Hours,
}

impl UsageUnit {
    fn as_str(self) -> &'static str {
        match self {
            UsageUnit::Km => "km",
            UsageUnit::Hours => "hours",
        }
    }
    fn parse(value: &str) -> Option<UsageUnit> {
        match value {
            "km" => Some(UsageUnit::Km),
            "hours" => Some(UsageUnit::Hours),
            _ => None,
        }
    }
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
    pub in_service_date: NaiveDate,
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

fn view(u: db::units::Unit) -> Result<UnitView, ApiError> {
    let usage_unit = UsageUnit::parse(&u.usage_unit)
        .ok_or_else(|| ApiError::internal(format!("unit {} has unknown usage unit", u.serial)))?;
    Ok(UnitView {
        serial: u.serial,
        dealer_code: u.dealer_code,
        model: u.model,
        in_service_date: u.in_service_date,
        usage_at_sale: u.usage_at_sale,
        usage_unit,
        registered_at: u.registered_at,
    })
}

/// 404 unless the caller may see `unit` (a dealer sees only its own).
pub(crate) fn check_visible(who: &Principal, unit: &db::units::Unit) -> Result<(), ApiError> {
    if who.is(Role::Dealer) && who.dealer_code() != Some(unit.dealer_code.as_str()) {
        return Err(not_found(&unit.serial));
    }
    Ok(())
}

pub(crate) fn not_found(serial: &str) -> ApiError {
    ApiError::not_found(format!("no unit {serial}"))
}

/// Registers a sold unit. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/units", tag = "units",
    request_body = RegisterUnit,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation")),
    responses(
        (status = 201, description = "registered", body = UnitView),
        (status = 403, description = "role may not register units, or a dealer registering for another dealer", body = aftersales_web::Problem),
        (status = 409, description = "the serial is registered already", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields (in-service date in the future), or key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn register_unit(
    who: Principal,
    pool: web::Data<DbPool>,
    key: MaybeIdempotencyKey,
    body: web::Json<RegisterUnit>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Admin])?;
    let body = body.into_inner();
    body.validate()?;
    let dealer_code = if who.is(Role::Dealer) {
        let own = who.dealer_code().unwrap_or_default().to_owned();
        if body.dealer_code.as_deref().is_some_and(|c| c != own) {
            return Err(ApiError::forbidden(
                "a dealer registers units only for itself",
            ));
        }
        own
    } else {
        body.dealer_code.clone().ok_or_else(|| {
            ApiError::invalid_field("dealer_code", "required when an admin registers a unit")
        })?
    };
    if body.in_service_date > Utc::now().date_naive() {
        return Err(ApiError::invalid_field(
            "in_service_date",
            "must not be in the future",
        ));
    }
    let hash = idempotency::request_hash(&("POST /units", &dealer_code, &body));
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
            let unit = db::units::Unit {
                serial: body.serial.clone(),
                dealer_code: dealer_code.clone(),
                model: body.model.clone(),
                in_service_date: body.in_service_date,
                usage_at_sale: body.usage_at_sale,
                usage_unit: body.usage_unit.as_str().to_owned(),
                registered_at: Utc::now().trunc_subsecs(6),
            };
            let Some(unit) = db::units::insert(c, &unit).await? else {
                return Err(ApiError::conflict(format!(
                    "unit {} is registered already",
                    body.serial
                )));
            };
            let json = serde_json::to_value(view(unit)?).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    common::created(status, json, "units", "serial")
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
    pool: web::Data<DbPool>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin])?;
    let serial = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let unit = db::units::find(&mut conn, &serial)
        .await?
        .ok_or_else(|| not_found(&serial))?;
    check_visible(&who, &unit)?;
    Ok(HttpResponse::Ok().json(view(unit)?))
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
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin])?;
    let after: Option<String> = page.position()?;
    let limit = page.limit();
    let dealer = if who.is(Role::Dealer) {
        who.dealer_code()
    } else {
        None
    };
    let mut conn = common::conn(&pool).await?;
    let rows = db::units::list(&mut conn, dealer, after.as_deref(), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |u| u.serial.clone());
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
