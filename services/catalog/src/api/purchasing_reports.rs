//! Purchasing reports (warehouse staff and admins): how each supplier keeps its
//! delivery dates, and what is on order. JSON by default; CSV with `Accept: text/csv`
//! or `?format=csv`.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_types::CalendarDate;
use aftersales_types::money::round_cents;
use aftersales_web::{ApiError, DbConn, Principal};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::STOCK_READERS;
use super::reports::{CsvRow, CurrencyTotal, Format, ReportQuery, csv_response, read_query};
use crate::db::purchase_orders as q;
use crate::domain::WarehouseCode;
use crate::domain::purchase_order::{Lateness, delivery};
use crate::domain::reports::totals;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/reports/purchase-order-lateness",
        web::get().to(purchase_order_lateness),
    )
    .route("/reports/stock-on-order", web::get().to(stock_on_order));
}

/// The period when none is asked for: the 90 days up to today (`from` is 89 days
/// before `to`, both counted).
const DEFAULT_DAYS: i64 = 89;
/// The longest period, in days.
const MAX_DAYS: i64 = 731;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LatenessQuery {
    /// First expected date counted; when absent, 89 days before `to` (90 days in all).
    pub from: Option<CalendarDate>,
    /// Last expected date counted; today when absent.
    pub to: Option<CalendarDate>,
    /// Only this warehouse.
    pub warehouse: Option<String>,
    /// `json` or `csv`; without it, `Accept: text/csv` chooses CSV.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

/// One supplier's delivery record over the period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupplierLateness {
    pub supplier: String,
    /// Lines whose expected date has come.
    pub due: i64,
    pub on_time: i64,
    /// Received in full after their date.
    pub late: i64,
    /// Not received in full, past their date.
    pub overdue: i64,
    /// On time / due, 4 places; null when nothing was due.
    #[schema(value_type = Option<String>, example = "0.7500")]
    pub on_time_rate: Option<Decimal>,
    /// Mean days late over the late and overdue lines, 1 place; null when none was.
    #[schema(value_type = Option<String>, example = "3.5")]
    pub mean_days_late: Option<Decimal>,
}

impl CsvRow for SupplierLateness {
    const HEADER: &'static [&'static str] = &[
        "supplier",
        "due",
        "on_time",
        "late",
        "overdue",
        "on_time_rate",
        "mean_days_late",
    ];
}

impl SupplierLateness {
    fn new(supplier: String, l: Lateness) -> Self {
        Self {
            supplier,
            due: l.due(),
            on_time: l.on_time,
            late: l.late,
            overdue: l.overdue,
            on_time_rate: l.on_time_rate(),
            mean_days_late: l.mean_days_late(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LatenessOut {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: DateTime<Utc>,
    /// By supplier code.
    pub suppliers: Vec<SupplierLateness>,
    /// Every supplier together (`supplier` is `*`).
    pub overall: SupplierLateness,
}

/// Purchase-order lateness per supplier: of the lines expected in the period (orders
/// sent, not cancelled), how many arrived in full by their date, late, or are overdue.
#[utoipa::path(get, path = "/api/v1/reports/purchase-order-lateness", tag = "reports", params(LatenessQuery),
    responses((status = 200, description = "JSON, or CSV of the suppliers with `?format=csv` or `Accept: text/csv`",
        content((LatenessOut = "application/json"), (String = "text/csv"))),
        (status = 403, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn purchase_order_lateness(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    s: aftersales_web::Query<LatenessQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let common = ReportQuery {
        warehouse: s.warehouse.clone(),
        format: s.format.clone(),
    };
    let (format, wh) = read_query(&req, &mut conn, &common).await?;
    let now = Utc::now();
    let today = now.date_naive();
    let to = s.to.map_or(today, CalendarDate::get);
    let from = s
        .from
        .map_or(to - Duration::days(DEFAULT_DAYS), CalendarDate::get);
    if from > to {
        return Err(ApiError::invalid_field("from", "must not be after to"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid_field(
            "from",
            format!("the period may span at most {MAX_DAYS} days"),
        ));
    }
    let rows = q::due_lines(&mut conn, from, to, wh.as_ref().map(WarehouseCode::as_str)).await?;
    let mut by_supplier: BTreeMap<String, Lateness> = BTreeMap::new();
    let mut overall = Lateness::default();
    for r in rows {
        let d = delivery(r.expected_date, r.completed_on, today);
        by_supplier.entry(r.supplier_code).or_default().add(d);
        overall.add(d);
    }
    let suppliers: Vec<SupplierLateness> = by_supplier
        .into_iter()
        .filter(|(_, l)| l.due() > 0)
        .map(|(s, l)| SupplierLateness::new(s, l))
        .collect();
    if let Format::Csv = format {
        return csv_response("purchase-order-lateness", &suppliers);
    }
    Ok(HttpResponse::Ok().json(LatenessOut {
        from,
        to,
        as_of: now,
        suppliers,
        overall: SupplierLateness::new("*".to_owned(), overall),
    }))
}

/// What is on order of one part for one warehouse.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OnOrderLine {
    pub warehouse: String,
    pub part_number: String,
    pub units: i64,
    pub currency: String,
    /// Open units at their agreed prices, to the cent.
    #[schema(value_type = String, example = "150.00")]
    pub value: Decimal,
    /// The earliest expected date of the open lines.
    pub next_expected: NaiveDate,
    pub purchase_orders: i64,
}

impl CsvRow for OnOrderLine {
    const HEADER: &'static [&'static str] = &[
        "warehouse",
        "part_number",
        "units",
        "currency",
        "value",
        "next_expected",
        "purchase_orders",
    ];
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockOnOrderOut {
    pub as_of: DateTime<Utc>,
    pub items: Vec<OnOrderLine>,
    /// Value per currency, by currency code.
    pub totals: Vec<CurrencyTotal>,
}

/// Stock on order: the open rest of sent purchase orders by warehouse and part, valued
/// at the agreed prices.
#[utoipa::path(get, path = "/api/v1/reports/stock-on-order", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or CSV of the items with `?format=csv` or `Accept: text/csv`",
        content((StockOnOrderOut = "application/json"), (String = "text/csv"))),
        (status = 403, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn stock_on_order(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    s: aftersales_web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (format, wh) = read_query(&req, &mut conn, &s).await?;
    let rows = q::on_order(&mut conn, wh.as_ref().map(WarehouseCode::as_str)).await?;
    let items: Vec<OnOrderLine> = rows
        .into_iter()
        .map(|r| OnOrderLine {
            warehouse: r.warehouse_code,
            part_number: r.part_number,
            units: r.units,
            currency: r.currency,
            value: round_cents(r.value),
            next_expected: r.next_expected,
            purchase_orders: r.purchase_orders,
        })
        .collect();
    if let Format::Csv = format {
        return csv_response("stock-on-order", &items);
    }
    let totals = totals(items.iter().map(|i| (i.currency.as_str(), i.value)))
        .into_iter()
        .map(|(currency, value)| CurrencyTotal { currency, value })
        .collect();
    Ok(HttpResponse::Ok().json(StockOnOrderOut {
        as_of: Utc::now(),
        items,
        totals,
    }))
}
