//! `reports/fill-rate`: for orders placed in a period, the 24 h parts fill rate by
//! request (order lines all of whose units shipped within 24 h of placement / order
//! lines) and by quantity (units shipped within 24 h / units), and the share of units
//! reserved at placement (catalog's first allocation); units released because the
//! dealer cancelled are not counted (`domain::report`). Per dealer, per warehouse and
//! overall; JSON, or CSV (`Accept: text/csv` or `?format=csv`).

use actix_web::{HttpRequest, HttpResponse};
use aftersales_web::csv::CsvTable;
use aftersales_web::{ApiError, DbConn, Principal, Role};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::common::{period_bound, wants_csv};
use crate::app::{self};
use crate::domain::report::FillCounts;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FillRateQuery {
    /// Orders placed at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: String,
    /// Orders placed before this timestamp, or on or before this date (UTC).
    pub to: String,
    /// `json` (default) or `csv`.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

/// One row of the report: a dealer's (over every warehouse), a warehouse's (over
/// every dealer) or the overall one. Its fields are in the CSV's column order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FillRateRow {
    /// The dealer; `null` on a warehouse's row and the overall row.
    pub dealer_code: Option<String>,
    /// The warehouse the orders were placed on; `null` on a dealer's row and the
    /// overall row.
    pub warehouse: Option<String>,
    /// Order lines requesting parts: every line, less those of an order the dealer
    /// cancelled before any of the line's units shipped.
    pub order_lines: i64,
    /// Of those, lines whose every requested unit shipped within 24 h of placement.
    pub order_lines_filled_within_24h: i64,
    /// The 24 h parts fill rate by request, the one the 90 % target applies to:
    /// order_lines_filled_within_24h / order_lines, 4 decimals; null without lines.
    #[schema(value_type = Option<String>, example = "0.9000")]
    pub fill_rate_24h: Option<Decimal>,
    /// Units requested: ordered, less those released because the dealer cancelled.
    pub ordered_qty: i64,
    /// Of those, reserved by catalog's first allocation.
    pub reserved_at_placement_qty: i64,
    /// Of those, shipped within 24 h of placement.
    pub shipped_within_24h_qty: i64,
    /// reserved_at_placement_qty / ordered_qty, 4 decimals; null without units.
    #[schema(value_type = Option<String>, example = "0.9250")]
    pub reserved_at_placement_rate: Option<Decimal>,
    /// The fill rate by quantity: shipped_within_24h_qty / ordered_qty, 4 decimals;
    /// null without units.
    #[schema(value_type = Option<String>, example = "0.8800")]
    pub shipped_within_24h_rate: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FillRateReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Per dealer, by code.
    pub dealers: Vec<FillRateRow>,
    /// Per warehouse (the order's), by code.
    pub warehouses: Vec<FillRateRow>,
    pub overall: FillRateRow,
}

fn row(dealer_code: Option<String>, warehouse: Option<String>, counts: FillCounts) -> FillRateRow {
    FillRateRow {
        dealer_code,
        warehouse,
        order_lines: counts.lines,
        order_lines_filled_within_24h: counts.lines_filled_within_24h,
        fill_rate_24h: counts.fill_rate_24h(),
        ordered_qty: counts.ordered,
        reserved_at_placement_qty: counts.reserved_at_placement,
        shipped_within_24h_qty: counts.shipped_within_24h,
        reserved_at_placement_rate: counts.reserved_rate(),
        shipped_within_24h_rate: counts.shipped_24h_rate(),
    }
}

/// The CSV columns, in order: the dealers' rows (warehouse `ALL`), the warehouses'
/// rows (dealer `ALL`), then the overall row (`ALL`, `ALL`).
const CSV_COLUMNS: [&str; 10] = [
    "dealer_code",
    "warehouse",
    "order_lines",
    "order_lines_filled_within_24h",
    "fill_rate_24h",
    "ordered_qty",
    "reserved_at_placement_qty",
    "shipped_within_24h_qty",
    "reserved_at_placement_rate",
    "shipped_within_24h_rate",
];

const ALL: &str = "ALL";

fn csv(report: &FillRateReport) -> Result<HttpResponse, ApiError> {
    let mut table = CsvTable::new(&CSV_COLUMNS)?;
    let all = || Some(ALL.to_owned());
    for r in &report.dealers {
        table.serialize(&FillRateRow {
            warehouse: all(),
            ..r.clone()
        })?;
    }
    for r in &report.warehouses {
        table.serialize(&FillRateRow {
            dealer_code: all(),
            ..r.clone()
        })?;
    }
    table.serialize(&FillRateRow {
        dealer_code: all(),
        warehouse: all(),
        ..report.overall.clone()
    })?;
    table.into_response("fill-rate")
}

/// The 24 h parts fill rate of orders placed in `[from, to)`, by request (an order
/// line is one request; the 90 % target's rate) and by quantity, per dealer, per
/// warehouse and overall. Units released because the dealer cancelled are not
/// counted: a cancelled order's line counts with what shipped, and not at all when
/// nothing did. A dealer sees only its own figures.
#[utoipa::path(
    get, path = "/api/v1/reports/fill-rate", tag = "reports",
    params(FillRateQuery),
    responses(
        (status = 200, description = "per dealer, per warehouse and overall; CSV with Accept: text/csv or ?format=csv (dealers' rows with warehouse `ALL`, warehouses' rows with dealer `ALL`, last row `ALL,ALL`)",
         content((FillRateReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "from or to missing", body = aftersales_web::Problem),
        (status = 403, description = "role may not read reports", body = aftersales_web::Problem),
        (status = 422, description = "bad date, to before from, or unknown format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn fill_rate(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<FillRateQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let from = period_bound("from", &query.from, false)?;
    let to = period_bound("to", &query.to, true)?;
    let caller = who.caller()?;
    let figures = app::reports::fill_rate(&mut conn, &caller, from, to).await?;
    let report = FillRateReport {
        from: figures.from,
        to: figures.to,
        dealers: figures
            .dealers
            .into_iter()
            .map(|(code, counts)| row(Some(code), None, counts))
            .collect(),
        warehouses: figures
            .warehouses
            .into_iter()
            .map(|(code, counts)| row(None, Some(code), counts))
            .collect(),
        overall: row(None, None, figures.overall),
    };
    if as_csv {
        csv(&report)
    } else {
        Ok(HttpResponse::Ok().json(report))
    }
}
