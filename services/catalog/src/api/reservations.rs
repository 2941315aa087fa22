//! `reservations`: what catalog reserved and backordered for an order (warehouse
//! staff and admins read).

use actix_web::{HttpResponse, web};
use aftersales_web::{ApiError, DbConn, Principal};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::STOCK_READERS;
use crate::db::allocations as q;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reservations", web::get().to(list_reservations));
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReservationQuery {
    pub order_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationLineOut {
    pub line_no: i32,
    pub part_number: String,
    pub reserved_part_number: String,
    pub ordered: i32,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
    /// When the backordered units are expected (from the open purchase orders);
    /// absent when nothing is backordered or nothing on order covers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReservationOut {
    pub order_id: Uuid,
    pub order_number: String,
    pub warehouse: String,
    pub priority: String,
    pub placed_at: DateTime<Utc>,
    pub cancelled: bool,
    pub allocation_version: i64,
    pub lines: Vec<AllocationLineOut>,
}

impl From<q::Line> for AllocationLineOut {
    fn from(l: q::Line) -> Self {
        Self {
            line_no: l.line_no,
            part_number: l.part_number,
            reserved_part_number: l.reserved_part_number,
            ordered: l.ordered,
            reserved: l.reserved,
            backordered: l.backordered,
            shipped: l.shipped,
            released: l.released,
            expected_date: l.expected_date,
        }
    }
}

/// An order's reservations and backorders in catalog.
#[utoipa::path(get, path = "/api/v1/reservations", tag = "stock", params(ReservationQuery),
    responses((status = 200, body = ReservationOut), (status = 404, body = aftersales_web::Problem),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn list_reservations(
    who: Principal,
    mut c: DbConn,
    s: aftersales_web::Query<ReservationQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let o = q::find_order(&mut c, s.order_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("order {} has no reservations", s.order_id)))?;
    let lines = q::lines(&mut c, o.order_id).await?;
    Ok(HttpResponse::Ok().json(ReservationOut {
        order_id: o.order_id,
        order_number: o.order_number,
        warehouse: o.warehouse_code,
        priority: o.priority.as_str().to_owned(),
        placed_at: o.placed_at,
        cancelled: o.cancelled,
        allocation_version: o.version,
        lines: lines.into_iter().map(AllocationLineOut::from).collect(),
    }))
}
