//! `availability`: what every role, dealers first, may know of stock before ordering:
//! a band per part and active warehouse (`domain::availability`), never a count.

use actix_web::{HttpResponse, web};
use aftersales_web::{ApiError, DbConn, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::availability::{self as use_case, InWarehouse, PartAvailability};
use crate::domain::availability::Band;
use crate::domain::{FromInput, PartNumber};

/// How many parts one request may ask about (a page of a part search).
pub const MAX_PARTS: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/availability", web::get().to(get_availability));
}

/// The query: `part_number` repeated, 1 to 50 times.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// A part to answer for; repeat the parameter for more (`?part_number=A&part_number=B`).
    #[param(min_items = 1, max_items = 50)]
    #[allow(dead_code, reason = "read only by the OpenAPI derive; parsed by hand")]
    part_number: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarehouseBand {
    pub warehouse: String,
    pub name: String,
    pub band: Band,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartAvailabilityView {
    pub part_number: String,
    /// Every active warehouse, by code.
    pub warehouses: Vec<WarehouseBand>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityView {
    /// One per part asked, in the order asked (a part asked twice is answered once).
    pub items: Vec<PartAvailabilityView>,
}

impl From<PartAvailability> for PartAvailabilityView {
    fn from(p: PartAvailability) -> Self {
        Self {
            part_number: p.part_number,
            warehouses: p
                .warehouses
                .into_iter()
                .map(|w: InWarehouse| WarehouseBand {
                    warehouse: w.warehouse,
                    name: w.name,
                    band: w.band,
                })
                .collect(),
        }
    }
}

/// The part numbers of the query: only `part_number`, 1 to [`MAX_PARTS`] of them.
fn asked(pairs: &[(String, String)]) -> Result<Vec<PartNumber>, ApiError> {
    let mut parts = Vec::new();
    for (name, value) in pairs {
        if name != "part_number" {
            return Err(ApiError::bad_parameter(
                name.clone(),
                "is not a parameter of this request; repeat part_number for each part",
            ));
        }
        let pn = PartNumber::from_input(value)
            .map_err(|e| ApiError::invalid_field(format!("part_number[{}]", parts.len()), e.0))?;
        parts.push(pn);
    }
    if parts.is_empty() || parts.len() > MAX_PARTS {
        return Err(ApiError::invalid_field(
            "part_number",
            format!("give 1 to {MAX_PARTS} part numbers (part_number=A&part_number=B)"),
        ));
    }
    Ok(parts)
}

/// Whether parts can be had now: per part, per active warehouse, `in_stock` (more
/// available than the reorder point), `low` (at or below it) or `none`. Available
/// means not reserved (by anyone) nor quarantined; counts are not shown.
#[utoipa::path(get, path = "/api/v1/availability", tag = "stock", params(AvailabilityQuery),
    responses((status = 200, description = "the bands", body = AvailabilityView),
        (status = 400, description = "a query parameter other than `part_number`", body = aftersales_web::Problem),
        (status = 422, description = "no part number, more than 50, or one that is malformed or unknown (`part_number`)", body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn get_availability(
    who: Principal,
    mut conn: DbConn,
    query: aftersales_web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    who.require(&Role::ALL)?;
    let parts = asked(&query)?;
    let items = use_case::of(&mut conn, &parts).await?;
    Ok(HttpResponse::Ok().json(AvailabilityView {
        items: items.into_iter().map(PartAvailabilityView::from).collect(),
    }))
}
