//! `parts/{part_number}/prices`: a part's list price history (admins add; every role
//! reads).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_types::{DecimalString, Timestamp};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Principal, Role};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Admins;
use super::fields::{self, parsed};
use super::if_match;
use super::parts::path_part;
use crate::app::{Cause, parts};
use crate::db::parts as q;
use crate::domain::Price;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/parts/{part_number}/prices", web::get().to(list_prices))
        .route("/parts/{part_number}/prices", web::post().to(add_price));
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PriceIn {
    #[schema(example = "12.50")]
    #[validate(custom(function = "fields::price"))]
    pub price: DecimalString,
    /// When the price takes effect; now when absent.
    pub effective_from: Option<Timestamp>,
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
#[utoipa::path(get, path = "/api/v1/parts/{part_number}/prices", tag = "catalog",
    responses((status = 200, body = Vec<PriceOut>), (status = 404, body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_prices(
    who: Principal,
    mut c: DbConn,
    pn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let pn = path_part(&pn)?;
    if !q::exists(&mut c, pn.as_str()).await? {
        return Err(ApiError::not_found(format!("part {pn} not found")));
    }
    let rows = q::list_prices(&mut c, pn.as_str()).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(PriceOut::from).collect::<Vec<_>>()))
}

/// Add a list price effective from a date (admin); publishes `catalog.part_upserted`.
#[utoipa::path(post, path = "/api/v1/parts/{part_number}/prices", tag = "catalog",
    params(KeyHeader, ("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412")), request_body = PriceIn,
    responses((status = 201, body = PriceOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn add_price(
    Allowed(who, ..): Allowed<Admins>,
    req: HttpRequest,
    corr: CorrelationId,
    keyed: Keyed,
    pn: web::Path<String>,
    body: aftersales_web::Json<PriceIn>,
) -> Result<HttpResponse, ApiError> {
    let pn = path_part(&pn)?;
    let expected = if_match(req.headers())?;
    body.validate()?;
    let price = parsed("price", Price::parse(body.price.get()))?;
    let effective = body.effective_from.map_or_else(Utc::now, Timestamp::get);
    let request = ("prices", pn.as_str(), &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let cause = Cause::request(&who, corr.0);
            let (row, _) =
                parts::add_price(c, &pn, expected, price, effective, &who.sub, cause).await?;
            Ok(PriceOut::from(row))
        })
        .await?;
    Ok(answer.into_response())
}
