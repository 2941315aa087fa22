//! `replenishment`: what a warehouse should order from its suppliers now (warehouse
//! staff and admins read it; warehouse staff turn it into purchase orders).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_types::{CalendarDate, DecimalString};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Principal};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::fields::{self, parsed};
use super::purchase_orders::PurchaseOrderOut;
use super::reports::{CsvRow, Format, csv_response, format_of};
use super::{STOCK_READERS, WarehouseStaff};
use crate::app::Cause;
use crate::app::replenishment::{
    self as use_case, DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, Selected, Suggestion,
};
use crate::domain::{self, Currency, FromInput, PartNumber, Price, WarehouseCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/replenishment", web::get().to(replenishment))
        .route(
            "/replenishment/purchase-orders",
            web::post().to(order_replenishment),
        );
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplenishmentQuery {
    /// The warehouse to replenish.
    pub warehouse: String,
    /// Days of demand counted (orders placed at the warehouse), 1 to 365; 30 when absent.
    pub window_days: Option<u32>,
    /// `json` or `csv`; without it, `Accept: text/csv` chooses CSV.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

/// One part to order, with the figures that call for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SuggestionOut {
    pub part_number: String,
    pub description: String,
    pub supplier: String,
    pub available: i64,
    pub in_transit: i64,
    pub on_order: i64,
    pub backordered: i64,
    /// Units ordered at the warehouse over the window.
    pub demand: i64,
    pub reorder_point: i64,
    pub reorder_qty: i64,
    /// Available + in transit + on order − backordered.
    pub inventory_position: i64,
    /// What the position must reach: the reorder point, or the window's demand if larger.
    pub cover: i64,
    pub suggested_qty: i64,
    /// The last unit price agreed with the supplier for the part, if any.
    #[schema(value_type = Option<String>, example = "7.5000")]
    pub last_unit_price: Option<Decimal>,
    pub last_currency: Option<String>,
}

impl CsvRow for SuggestionOut {
    const HEADER: &'static [&'static str] = &[
        "part_number",
        "description",
        "supplier",
        "available",
        "in_transit",
        "on_order",
        "backordered",
        "demand",
        "reorder_point",
        "reorder_qty",
        "inventory_position",
        "cover",
        "suggested_qty",
        "last_unit_price",
        "last_currency",
    ];
}

impl From<Suggestion> for SuggestionOut {
    fn from(s: Suggestion) -> Self {
        let (r, p) = (s.row, s.position);
        Self {
            inventory_position: p.inventory_position(),
            cover: p.cover(),
            suggested_qty: s.suggested,
            part_number: r.part_number,
            description: r.description,
            supplier: r.supplier_code,
            available: r.available,
            in_transit: r.in_transit,
            on_order: r.on_order,
            backordered: r.backordered,
            demand: r.demand,
            reorder_point: r.reorder_point,
            reorder_qty: r.reorder_qty,
            last_unit_price: r.last_unit_price,
            last_currency: r.last_currency,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReplenishmentOut {
    pub warehouse: String,
    pub window_days: i64,
    pub as_of: DateTime<Utc>,
    pub items: Vec<SuggestionOut>,
}

fn window(days: Option<u32>) -> Result<i64, ApiError> {
    match days {
        None => Ok(DEFAULT_WINDOW_DAYS),
        Some(d) if (1..=MAX_WINDOW_DAYS).contains(&i64::from(d)) => Ok(i64::from(d)),
        Some(_) => Err(ApiError::invalid_field(
            "window_days",
            format!("must be 1 to {MAX_WINDOW_DAYS} days"),
        )),
    }
}

/// What the warehouse should order now, per part: below its reorder point (or the
/// window's demand) once stock in transit, on order and backordered is counted.
#[utoipa::path(get, path = "/api/v1/replenishment", tag = "purchasing", params(ReplenishmentQuery),
    responses((status = 200, description = "JSON, or CSV of the items with `?format=csv` or `Accept: text/csv`",
        content((ReplenishmentOut = "application/json"), (String = "text/csv"))),
        (status = 403, description = "role may not read stock", body = aftersales_web::Problem),
        (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn replenishment(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    s: aftersales_web::Query<ReplenishmentQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let format = format_of(&req, s.format.as_deref())?;
    let wh = parsed("warehouse", WarehouseCode::from_input(&s.warehouse))?;
    let days = window(s.window_days)?;
    let now = Utc::now();
    let items: Vec<SuggestionOut> = use_case::suggestions(&mut conn, wh.as_str(), days, now)
        .await?
        .into_iter()
        .map(SuggestionOut::from)
        .collect();
    if let Format::Csv = format {
        return csv_response("replenishment", &items);
    }
    Ok(HttpResponse::Ok().json(ReplenishmentOut {
        warehouse: wh.as_str().to_owned(),
        window_days: days,
        as_of: now,
        items,
    }))
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct SelectedIn {
    #[validate(custom(function = "fields::part_number"))]
    pub part_number: String,
    /// Instead of the suggested quantity.
    #[validate(custom(function = "fields::quantity"))]
    pub qty: Option<i64>,
    /// Instead of the last price agreed with the supplier.
    #[schema(example = "7.50")]
    #[validate(custom(function = "fields::price"))]
    pub unit_price: Option<DecimalString>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ReplenishmentOrderIn {
    #[validate(custom(function = "fields::warehouse_code"))]
    pub warehouse: String,
    /// The demand window the suggestions were read with (1 to 365, 30 when absent).
    pub window_days: Option<u32>,
    #[validate(custom(function = "fields::currency"))]
    pub currency: String,
    /// When the suppliers are asked to deliver; today or later.
    pub expected_date: CalendarDate,
    #[validate(length(min = 1, max = 200), nested)]
    pub lines: Vec<SelectedIn>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReplenishmentOrderOut {
    /// One draft per supplier, by supplier code.
    pub purchase_orders: Vec<PurchaseOrderOut>,
}

/// Turn selected suggestions into draft purchase orders, one per supplier
/// (warehouse): the suggested quantity and the last agreed price unless given.
#[utoipa::path(post, path = "/api/v1/replenishment/purchase-orders", tag = "purchasing",
    params(KeyHeader), request_body = ReplenishmentOrderIn,
    responses((status = 201, body = ReplenishmentOrderOut), (status = 422, body = aftersales_web::Problem),
        (status = 403, description = "not warehouse staff", body = aftersales_web::Problem)), security(("bearer" = [])))]
pub async fn order_replenishment(
    Allowed(who, ..): Allowed<WarehouseStaff>,
    corr: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<ReplenishmentOrderIn>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let wh = parsed("warehouse", WarehouseCode::from_input(&body.warehouse))?;
    let currency = parsed(
        "currency",
        Currency::parse(&body.currency).map_err(Into::into),
    )?;
    let days = window(body.window_days)?;
    let lines = body
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let field = |name: &str| format!("lines[{i}].{name}");
            let pn = parsed(
                &field("part_number"),
                PartNumber::from_input(&l.part_number),
            )?;
            let qty = l
                .qty
                .map(|q| parsed(&field("qty"), domain::quantity(q)).map(|q| q.get()))
                .transpose()?;
            let unit_price = l
                .unit_price
                .map(|p| parsed(&field("unit_price"), Price::parse(p.get())).map(Price::get))
                .transpose()?;
            Ok(Selected {
                part_number: pn.as_str().to_owned(),
                qty,
                unit_price,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let request = ("replenishment/purchase-orders", &*body);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let order = use_case::Order {
                warehouse: wh.as_str(),
                window_days: days,
                currency: currency.as_str(),
                expected_date: body.expected_date.get(),
                lines,
            };
            let cause = Cause::request(&who, corr.0);
            let drafted = use_case::order(c, order, &who.sub, Utc::now(), cause).await?;
            Ok(ReplenishmentOrderOut {
                purchase_orders: drafted.into_iter().map(PurchaseOrderOut::from).collect(),
            })
        })
        .await?;
    Ok(answer.into_response())
}
