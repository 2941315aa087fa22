//! `shipments`: reserved units of an order leave the warehouse (warehouse staff).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, Keyed};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::WarehouseStaff;
use super::fields::{self, parsed};
use crate::app::Cause;
use crate::app::shipments::{self, Ship};
use crate::domain;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/shipments", web::post().to(create_shipment));
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ShipLineIn {
    pub line_no: i32,
    #[validate(custom(function = "fields::quantity"))]
    pub qty: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ShipmentIn {
    pub order_id: Uuid,
    #[validate(custom(function = "fields::text_100"))]
    pub carrier: String,
    #[validate(custom(function = "fields::text_100"))]
    pub tracking_ref: String,
    /// Lines and quantities to ship; everything reserved when absent.
    #[serde(default)]
    #[validate(
        length(
            min = 1,
            message = "must not be empty; omit it to ship everything reserved"
        ),
        nested
    )]
    pub lines: Option<Vec<ShipLineIn>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShippedLineOut {
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShipmentOut {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub carrier: String,
    pub tracking_ref: String,
    pub lines: Vec<ShippedLineOut>,
    pub allocation_version: i64,
}

/// Ship reserved units of an order (warehouse): partial allowed, never more than
/// reserved (409); publishes `catalog.shipment_dispatched`.
#[utoipa::path(post, path = "/api/v1/shipments", tag = "stock",
    params(KeyHeader), request_body = ShipmentIn,
    responses((status = 201, body = ShipmentOut), (status = 409, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn create_shipment(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<ShipmentIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let carrier = parsed("carrier", domain::text(&body.carrier, 100))?;
    let tracking = parsed("tracking_ref", domain::text(&body.tracking_ref, 100))?;
    let wanted = body
        .lines
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| {
            let qty = parsed(&format!("lines[{i}].qty"), domain::quantity(l.qty))?;
            Ok((l.line_no, qty.get()))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let request = ("shipments", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let ship = Ship {
                order_id: body.order_id,
                wanted: &wanted,
                carrier: &carrier,
                tracking_ref: &tracking,
                actor: &who.sub,
            };
            let (s, lines, alloc) = shipments::ship(c, ship, Cause::request(&who, corr.0)).await?;
            Ok(ShipmentOut {
                shipment_id: s.id,
                order_id: s.order_id,
                carrier: s.carrier,
                tracking_ref: s.tracking_ref,
                lines: lines
                    .into_iter()
                    .map(|l| ShippedLineOut {
                        line_no: l.line_no,
                        part_number: l.part_number.into_inner(),
                        qty: l.qty,
                    })
                    .collect(),
                allocation_version: alloc.allocation_version,
            })
        })
        .await?;
    Ok(answer.into_response())
}
