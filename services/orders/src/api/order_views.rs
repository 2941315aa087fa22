//! The request and response bodies of `orders…`: what a dealer sends to place an
//! order, and how an order, its lines and its timeline are shown.

use aftersales_web::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::common::validation;
use crate::app::orders::{OrderDetail, ShipmentDetail, TimelineDetail};
use crate::domain::pricing::RequestedLine;
use crate::domain::{DealerCode, OrderStatus, PartNumber, Priority, WarehouseCode, line_qty};

fn valid_part(value: &str) -> Result<(), ValidationError> {
    PartNumber::parse(value).map(drop).map_err(validation)
}
fn valid_warehouse(value: &str) -> Result<(), ValidationError> {
    WarehouseCode::parse(value).map(drop).map_err(validation)
}
fn valid_dealer_code(value: &str) -> Result<(), ValidationError> {
    DealerCode::parse(value).map(drop).map_err(validation)
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    #[validate(custom(function = "valid_part"))]
    pub part_number: String,
    #[validate(range(min = 1, max = 100_000))]
    pub qty: i64,
}

/// A new order. One line per part: a second line for the same part is refused
/// (422 naming it), never merged.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// Admin only: the dealer the order is for (required for admins). A dealer
    /// orders for itself; it may omit this or give its own code.
    #[validate(custom(function = "valid_dealer_code"))]
    #[serde(default)]
    pub dealer_code: Option<String>,
    /// Shipping warehouse; defaults to the dealer's home warehouse.
    #[validate(custom(function = "valid_warehouse"))]
    #[serde(default)]
    pub warehouse: Option<String>,
    pub priority: Priority,
    #[validate(length(min = 1, max = 200), nested)]
    pub lines: Vec<OrderLineInput>,
}

impl CreateOrder {
    /// The lines as the domain takes them; a bad one → 422 naming `lines[i]`.
    pub fn requested_lines(&self) -> Result<Vec<RequestedLine>, ApiError> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let field = |name: &str| format!("lines[{i}].{name}");
                let part_number = PartNumber::parse(&l.part_number)
                    .map_err(|e| ApiError::invalid_field(field("part_number"), e.into_message()))?;
                let qty = line_qty(l.qty)
                    .map_err(|e| ApiError::invalid_field(field("qty"), e.into_message()))?;
                Ok(RequestedLine { part_number, qty })
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderLineView {
    pub line_no: i32,
    pub part_number: String,
    /// The part catalog reserved (the successor of a superseded part); null until
    /// catalog allocated the line.
    pub reserved_part_number: Option<String>,
    pub qty: i32,
    #[schema(value_type = String, example = "120.0000")]
    pub unit_list_price: Decimal,
    #[schema(value_type = String, example = "10.00")]
    pub discount_pct: Decimal,
    /// Unit list price less the discount, 4 decimals: the discount applies per unit.
    #[schema(value_type = String, example = "108.0000")]
    pub unit_net_price: Decimal,
    /// `unit_net_price × qty` rounded half away from zero to the cent.
    #[schema(value_type = String, example = "216.00")]
    pub line_total: Decimal,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
    /// Units catalog has not allocated yet (all of them before the first
    /// allocation, then 0: reserved + backordered + shipped + released = qty).
    pub pending: i32,
    /// When the backordered units are expected (`YYYY-MM-DD`): the expected date of
    /// the earliest open purchase order that serves them, as catalog's newest
    /// allocation said. It moves with that purchase order; null when nothing is
    /// backordered or nothing on order covers it.
    #[schema(example = "2026-12-24")]
    pub expected_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    /// Human number, `ORD-000123`.
    pub number: String,
    pub dealer_code: String,
    pub warehouse: String,
    pub priority: Priority,
    pub status: OrderStatus,
    pub currency: String,
    /// Sum of the line totals.
    #[schema(value_type = String, example = "216.00")]
    pub total: Decimal,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the dealer asked to cancel; the status is `cancel_requested` until
    /// catalog released everything not shipped, then `cancelled`.
    pub cancel_requested_at: Option<DateTime<Utc>>,
    /// Version of catalog's allocation reflected here (0: none yet).
    pub allocation_version: i64,
    pub lines: Vec<OrderLineView>,
    /// What left the warehouse, oldest first.
    pub shipments: Vec<ShipmentView>,
}

/// One shipment of the order, as catalog reported it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShipmentView {
    pub shipment_id: Uuid,
    pub dispatched_at: DateTime<Utc>,
    #[schema(example = "DHL")]
    pub carrier: String,
    #[schema(example = "JD014600006281")]
    pub tracking_ref: String,
    /// Units shipped, all lines together.
    pub qty: i32,
    /// Per order line (empty for shipments recorded before lines were kept).
    pub lines: Vec<ShippedLineView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShippedLineView {
    pub line_no: i32,
    /// The part that left (the successor, when the ordered part is superseded).
    pub part_number: String,
    pub qty: i32,
}

impl From<ShipmentDetail> for ShipmentView {
    fn from((s, lines): ShipmentDetail) -> Self {
        ShipmentView {
            shipment_id: s.shipment_id,
            dispatched_at: s.dispatched_at,
            carrier: s.carrier,
            tracking_ref: s.tracking_ref,
            qty: s.qty,
            lines: lines
                .into_iter()
                .map(|l| ShippedLineView {
                    line_no: l.line_no,
                    part_number: l.part_number,
                    qty: l.qty,
                })
                .collect(),
        }
    }
}

impl From<OrderDetail> for OrderView {
    fn from(
        OrderDetail {
            order,
            lines,
            shipments,
        }: OrderDetail,
    ) -> Self {
        OrderView {
            id: order.id,
            number: order.number,
            dealer_code: order.dealer_code.into_inner(),
            warehouse: order.warehouse.into_inner(),
            priority: order.priority,
            status: order.status,
            currency: order.currency.to_string(),
            total: order.total,
            placed_at: order.placed_at,
            updated_at: order.updated_at,
            cancel_requested_at: order.cancel_requested_at,
            allocation_version: order.allocation_version,
            lines: lines
                .into_iter()
                .map(|l| OrderLineView {
                    pending: l.qty - l.reserved - l.backordered - l.shipped - l.released,
                    line_no: l.line_no,
                    part_number: l.part_number.into_inner(),
                    reserved_part_number: l.reserved_part_number.map(PartNumber::into_inner),
                    qty: l.qty,
                    unit_list_price: l.unit_list_price,
                    discount_pct: l.discount_pct,
                    unit_net_price: l.unit_net_price,
                    line_total: l.line_total,
                    reserved: l.reserved,
                    backordered: l.backordered,
                    shipped: l.shipped,
                    released: l.released,
                    expected_date: l.expected_date,
                })
                .collect(),
            shipments: shipments.into_iter().map(ShipmentView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Placed at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Placed before this timestamp, or on or before this date (UTC).
    pub to: Option<String>,
    /// Warehouse and admin: only this dealer's orders (a dealer always sees only its own).
    pub dealer: Option<String>,
}

/// Why an order is cancelled: the optional body of `POST /orders/{id}/cancel`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    /// Kept in the order's audit record (`GET /audit`); blank counts as none.
    #[validate(length(max = 500))]
    #[serde(default)]
    #[schema(example = "ordered the wrong part")]
    pub reason: Option<String>,
}

impl CancelOrder {
    /// The reason given, trimmed; none when blank.
    pub fn reason(&self) -> Option<&str> {
        self.reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }
}

/// The ship queue's filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShipQueueFilter {
    /// Only this warehouse's orders.
    #[param(value_type = Option<String>)]
    pub warehouse: Option<WarehouseCode>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntryView {
    pub at: DateTime<Utc>,
    /// Null for the first entry (placement).
    pub from_status: Option<OrderStatus>,
    pub status: OrderStatus,
    /// The event that caused the change: `orders.order_placed`,
    /// `orders.order_cancelled`, or the catalog event that carried the allocation.
    pub event_id: Uuid,
    pub event_type: String,
    pub allocation_version: Option<i64>,
    /// The shipment that caused this change (`catalog.shipment_dispatched`).
    pub shipment: Option<ShipmentView>,
}

impl From<TimelineDetail> for TimelineEntryView {
    fn from((e, shipment): TimelineDetail) -> Self {
        TimelineEntryView {
            shipment: shipment.map(ShipmentView::from),
            at: e.at,
            from_status: e.from_status,
            status: e.to_status,
            event_id: e.event_id,
            event_type: e.event_type,
            allocation_version: e.allocation_version,
        }
    }
}
