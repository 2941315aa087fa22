//! `price-book?part=`: a part's net unit price for the caller's tier (its discount in
//! force now), from the local price book (fed by `catalog.part_upserted`, never a call
//! to catalog).

use actix_web::HttpResponse;
use aftersales_web::{ApiError, DbConn, Principal, Role};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::{self};
use crate::domain::pricing::{round_price, unit_net};
use crate::domain::{PartNumber, Tier};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriceQuery {
    /// The part number.
    pub part: String,
    /// For admin and warehouse: the tier to price for (default `standard`). A
    /// dealer always gets its own tier.
    pub tier: Option<Tier>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriceView {
    pub part_number: String,
    pub description: String,
    pub currency: String,
    pub tier: Tier,
    #[schema(value_type = String, example = "120.0000")]
    pub list_price: Decimal,
    /// The tier's discount in force now, in percent: what an order placed now gets.
    #[schema(value_type = String, example = "10")]
    pub discount_pct: Decimal,
    /// List price less the tier discount, per unit, 4 decimals.
    #[schema(value_type = String, example = "108.0000")]
    pub net_unit_price: Decimal,
    /// Inactive parts cannot be ordered.
    pub active: bool,
    /// Ordering this part reserves its successor.
    pub superseded_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The net price of one part for the caller's tier.
#[utoipa::path(
    get, path = "/api/v1/price-book", tag = "price book",
    params(PriceQuery),
    responses(
        (status = 200, description = "list price, discount and net unit price", body = PriceView),
        (status = 400, description = "no part given", body = aftersales_web::Problem),
        (status = 403, description = "role may not read prices", body = aftersales_web::Problem),
        (status = 404, description = "part not in the price book", body = aftersales_web::Problem),
        (status = 422, description = "`part` is not a part number, or the dealer of the token is not registered", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_price(
    who: Principal,
    mut conn: DbConn,
    query: aftersales_web::Query<PriceQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    // Checked before the lookup: text PostgreSQL cannot hold (a NUL byte) would
    // otherwise fail the query itself.
    let part_number = PartNumber::parse(&query.part)
        .map_err(|e| ApiError::invalid_field("part", e.into_message()))?;
    let caller = who.caller()?;
    let (part, tier, discount_pct) =
        app::price_book::price_for(&mut conn, &caller, &part_number, query.tier).await?;
    Ok(HttpResponse::Ok().json(PriceView {
        net_unit_price: unit_net(part.list_price, discount_pct),
        list_price: round_price(part.list_price),
        discount_pct,
        tier,
        part_number: part.part_number,
        description: part.description,
        currency: part.currency.to_string(),
        active: part.active,
        superseded_by: part.superseded_by,
        updated_at: part.updated_at,
    }))
}
