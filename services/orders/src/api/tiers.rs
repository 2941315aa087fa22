//! `tiers`, `tiers/{tier}/discounts`: the dealer tiers' discounts and their history,
//! through `app::tiers`. Admins schedule discounts; the staff who read orders and
//! price parts (warehouse, admins) read them. A dealer sees its own tier's discount in
//! force where it buys: the price book, its dealer record and its order lines.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use aftersales_types::{DecimalString, Timestamp};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::common::validation;
use super::{Admins, TierReaders};
use crate::app;
use crate::db::tiers::TierDiscount;
use crate::domain::Tier;
use crate::domain::tier::DiscountPct;

fn valid_discount(value: &Decimal) -> Result<(), ValidationError> {
    DiscountPct::parse(*value).map(drop).map_err(validation)
}

/// A discount to add to a tier's history.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDiscount {
    /// Percent off list prices: 0 to 100, at most 2 decimals.
    #[validate(custom(function = "valid_discount"))]
    #[schema(example = "12.50")]
    pub discount_pct: DecimalString,
    /// When it comes into force: now when absent, else now or later (a moment already
    /// passed is refused: the discount of a moment already priced never changes).
    pub effective_from: Option<Timestamp>,
}

/// One entry of a tier's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TierDiscountView {
    pub tier: Tier,
    /// Percent off list prices.
    #[schema(value_type = String, example = "12.5")]
    pub discount_pct: Decimal,
    /// In force from this moment until the next entry's.
    pub effective_from: DateTime<Utc>,
    /// Who scheduled it (the token's subject; `system` for the first discounts).
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<TierDiscount> for TierDiscountView {
    fn from(row: TierDiscount) -> Self {
        TierDiscountView {
            tier: row.tier,
            discount_pct: row.discount_pct.normalize(),
            effective_from: row.effective_from,
            created_by: row.created_by,
            created_at: row.created_at,
        }
    }
}

/// A tier, its discount in force now and the next one scheduled.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TierView {
    pub tier: Tier,
    /// Percent off list prices in force now: what an order placed now gets.
    #[schema(value_type = String, example = "10")]
    pub discount_pct: Decimal,
    /// Since when it is in force.
    pub effective_from: DateTime<Utc>,
    /// The discount that comes into force next; null when none is scheduled.
    pub next_discount: Option<TierDiscountView>,
}

fn path_tier(raw: &str) -> Result<Tier, ApiError> {
    Tier::parse(raw).ok_or_else(|| ApiError::not_found(format!("no tier {raw}")))
}

/// Every tier with its discount in force now and the next one scheduled (warehouse,
/// admin).
#[utoipa::path(
    get, path = "/api/v1/tiers", tag = "tiers",
    responses(
        (status = 200, description = "the tiers, standard to platinum", body = Vec<TierView>),
        (status = 403, description = "role may not read tier discounts", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_tiers(
    _: Allowed<TierReaders>,
    mut conn: DbConn,
) -> Result<HttpResponse, ApiError> {
    let tiers = app::tiers::overview(&mut conn).await?;
    let views: Vec<TierView> = tiers
        .into_iter()
        .map(|t| TierView {
            tier: t.tier,
            discount_pct: t.current.discount_pct.normalize(),
            effective_from: t.current.effective_from,
            next_discount: t.next.map(TierDiscountView::from),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// A tier's discount history, newest `effective_from` first, scheduled ones included
/// (warehouse, admin).
#[utoipa::path(
    get, path = "/api/v1/tiers/{tier}/discounts", tag = "tiers",
    params(("tier" = Tier, Path)),
    responses(
        (status = 200, description = "the history, newest first", body = Vec<TierDiscountView>),
        (status = 403, description = "role may not read tier discounts", body = aftersales_web::Problem),
        (status = 404, description = "no such tier", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_discounts(
    _: Allowed<TierReaders>,
    mut conn: DbConn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tier = path_tier(&path)?;
    let rows = app::tiers::history(&mut conn, tier).await?;
    let views: Vec<TierDiscountView> = rows.into_iter().map(TierDiscountView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Schedules a tier's discount from `effective_from` (now when absent; never in the
/// past) (admin). Orders placed from then on are priced with it; orders placed before
/// keep theirs. Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/tiers/{tier}/discounts", tag = "tiers",
    request_body = ScheduleDiscount,
    params(("tier" = Tier, Path), KeyHeader),
    responses(
        (status = 201, description = "added to the history; Location: the tier's history", body = TierDiscountView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 404, description = "no such tier", body = aftersales_web::Problem),
        (status = 409, description = "the tier already has a discount from that moment", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields: a discount below 0, above 100 or with more than 2 decimals; an `effective_from` in the past; or the key reused with another body", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn schedule_discount(
    Allowed(who, ..): Allowed<Admins>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<String>,
    body: aftersales_web::Json<ScheduleDiscount>,
) -> Result<HttpResponse, ApiError> {
    let tier = path_tier(&path)?;
    let body = body.into_inner();
    body.validate()?;
    let pct = DiscountPct::parse(body.discount_pct.get())
        .map_err(|e| ApiError::invalid_field("discount_pct", e.into_message()))?;
    let effective_from = body.effective_from.map(Timestamp::get);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(
            &who,
            &("POST /tiers/{tier}/discounts", tier, &body),
            StatusCode::CREATED,
            async |c| {
                let row =
                    app::tiers::schedule(c, tier, pct, effective_from, &who.sub, &origin).await?;
                Ok(TierDiscountView::from(row))
            },
        )
        .await?;
    let location = format!("/api/v1/tiers/{}/discounts", tier.as_str());
    let mut resp = answer.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    Ok(resp)
}
