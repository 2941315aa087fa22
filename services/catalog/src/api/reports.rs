//! Stock reports (warehouse staff and admins): stock valuation, stock-outs and
//! backorder aging. JSON by default; CSV with `Accept: text/csv` or `?format=csv`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::csv::CsvTable;
use aftersales_web::{ApiError, DbConn, Principal};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::STOCK_READERS;
use super::fields::{self, given, parsed};
use crate::db::{reports as q, warehouses};
use crate::domain::reports::{age, is_stockout, line_value, totals};
use crate::domain::stock::Levels;
use crate::domain::{FromInput, WarehouseCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/stock-valuation", web::get().to(stock_valuation))
        .route("/reports/stockouts", web::get().to(stockouts))
        .route("/reports/backorders", web::get().to(backorders));
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this warehouse.
    #[validate(custom(function = "optional_warehouse"))]
    pub warehouse: Option<String>,
    /// `json` or `csv`; without it, `Accept: text/csv` chooses CSV.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    #[validate(custom(function = "valid_format"))]
    pub format: Option<String>,
}

fn optional_warehouse(value: &str) -> Result<(), ValidationError> {
    given(Some(value)).map_or(Ok(()), fields::warehouse_code)
}

fn valid_format(value: &str) -> Result<(), ValidationError> {
    match format_named(value) {
        Some(_) => Ok(()),
        None => Err(fields::validation(crate::domain::Invalid(
            "must be json or csv".into(),
        ))),
    }
}

fn format_named(value: &str) -> Option<Format> {
    let f = value.trim();
    if f.eq_ignore_ascii_case("csv") {
        Some(Format::Csv)
    } else if f.eq_ignore_ascii_case("json") {
        Some(Format::Json)
    } else {
        None
    }
}

/// A row type that is also a line of the CSV form of a report.
pub(super) trait CsvRow: Serialize {
    const HEADER: &'static [&'static str];
}

pub(super) enum Format {
    Json,
    Csv,
}

/// The format asked for: `format` when given, else CSV if `Accept` names text/csv.
pub(super) fn format_of(req: &HttpRequest, format: Option<&str>) -> Result<Format, ApiError> {
    Ok(match format {
        Some(f) => format_named(f)
            .ok_or_else(|| ApiError::invalid_field("format", "must be json or csv"))?,
        None => {
            let wants_csv = req
                .headers()
                .get_all(header::ACCEPT)
                .filter_map(|h| h.to_str().ok())
                .any(|h| h.to_ascii_lowercase().contains("text/csv"));
            if wants_csv { Format::Csv } else { Format::Json }
        }
    })
}

/// Checks the query: the format asked for and the warehouse (which must exist).
pub(super) async fn read_query(
    req: &HttpRequest,
    conn: &mut DbConn,
    s: &ReportQuery,
) -> Result<(Format, Option<WarehouseCode>), ApiError> {
    s.validate()?;
    let format = format_of(req, s.format.as_deref())?;
    let wh = match given(s.warehouse.as_deref()) {
        Some(w) => Some(parsed("warehouse", WarehouseCode::from_input(w))?),
        None => None,
    };
    if let Some(w) = &wh
        && warehouses::find(conn, w.as_str()).await?.is_none()
    {
        return Err(ApiError::invalid_field(
            "warehouse",
            format!("warehouse {w} does not exist"),
        ));
    }
    Ok((format, wh))
}

/// The rows as a CSV attachment `<name>.csv`, with `R`'s header.
pub(super) fn csv_response<R: CsvRow>(name: &str, rows: &[R]) -> Result<HttpResponse, ApiError> {
    let mut table = CsvTable::new(R::HEADER)?;
    for r in rows {
        table.serialize(r)?;
    }
    table.into_response(name)
}

// ---------------------------------------------------------------------------
// stock valuation

/// One part in one warehouse, valued at the price in force.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ValuationLine {
    pub warehouse: String,
    pub part_number: String,
    pub on_hand: i32,
    pub currency: String,
    /// The list price in force; empty when the part has none yet.
    #[schema(value_type = Option<String>, example = "12.5000")]
    pub unit_price: Option<Decimal>,
    /// `on_hand × unit_price`, to the cent, half away from zero.
    #[schema(value_type = Option<String>, example = "125.00")]
    pub value: Option<Decimal>,
}

impl CsvRow for ValuationLine {
    const HEADER: &'static [&'static str] = &[
        "warehouse",
        "part_number",
        "on_hand",
        "currency",
        "unit_price",
        "value",
    ];
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CurrencyTotal {
    pub currency: String,
    /// Sum of the rounded line values.
    #[schema(value_type = String, example = "1234.50")]
    pub value: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarehouseValuation {
    pub warehouse: String,
    /// One total per currency: amounts in different currencies are never added.
    pub totals: Vec<CurrencyTotal>,
    pub lines: Vec<ValuationLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ValuationOut {
    /// Prices in force at this time.
    pub as_of: DateTime<Utc>,
    pub warehouses: Vec<WarehouseValuation>,
}

/// Stock valuation: on hand (quarantined units included) × list price in force, per
/// part and per warehouse. CSV: one line per part and warehouse.
#[utoipa::path(get, path = "/api/v1/reports/stock-valuation", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or CSV of the lines with `?format=csv` or `Accept: text/csv`",
        content((ValuationOut = "application/json"), (String = "text/csv"))),
        (status = 403, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn stock_valuation(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    s: aftersales_web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (format, wh) = read_query(&req, &mut conn, &s).await?;
    let now = Utc::now();
    let rows = q::valued_stock(&mut conn, wh.as_ref().map(WarehouseCode::as_str), now).await?;
    let lines: Vec<ValuationLine> = rows
        .into_iter()
        .map(|r| ValuationLine {
            value: r.unit_price.map(|p| line_value(r.on_hand, p)),
            warehouse: r.warehouse_code,
            part_number: r.part_number,
            on_hand: r.on_hand,
            currency: r.currency,
            unit_price: r.unit_price,
        })
        .collect();
    if let Format::Csv = format {
        return csv_response("stock-valuation", &lines);
    }
    let mut warehouses: Vec<WarehouseValuation> = Vec::new();
    for line in lines {
        match warehouses.last_mut() {
            Some(w) if w.warehouse == line.warehouse => w.lines.push(line),
            _ => warehouses.push(WarehouseValuation {
                warehouse: line.warehouse.clone(),
                totals: Vec::new(),
                lines: vec![line],
            }),
        }
    }
    for w in &mut warehouses {
        w.totals = totals(
            w.lines
                .iter()
                .filter_map(|l| l.value.map(|v| (l.currency.as_str(), v))),
        )
        .into_iter()
        .map(|(currency, value)| CurrencyTotal { currency, value })
        .collect();
    }
    Ok(HttpResponse::Ok().json(ValuationOut {
        as_of: now,
        warehouses,
    }))
}

// ---------------------------------------------------------------------------
// stock-outs

/// A part with nothing on hand, or nothing available while orders wait for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockoutLine {
    pub warehouse: String,
    pub part_number: String,
    pub on_hand: i32,
    pub reserved: i32,
    pub quarantined: i32,
    pub available: i32,
    /// Units of open orders waiting for this part here.
    pub backordered: i64,
    /// When the oldest of those orders was placed.
    pub oldest_backorder_placed_at: Option<DateTime<Utc>>,
    pub reorder_point: i32,
    pub reorder_qty: i32,
}

impl CsvRow for StockoutLine {
    const HEADER: &'static [&'static str] = &[
        "warehouse",
        "part_number",
        "on_hand",
        "reserved",
        "quarantined",
        "available",
        "backordered",
        "oldest_backorder_placed_at",
        "reorder_point",
        "reorder_qty",
    ];
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockoutsOut {
    pub as_of: DateTime<Utc>,
    pub items: Vec<StockoutLine>,
}

/// Stock-outs: levels with nothing on hand, or nothing available while backorders
/// wait, by warehouse and part.
#[utoipa::path(get, path = "/api/v1/reports/stockouts", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or CSV of the items with `?format=csv` or `Accept: text/csv`",
        content((StockoutsOut = "application/json"), (String = "text/csv"))),
        (status = 403, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn stockouts(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    s: aftersales_web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (format, wh) = read_query(&req, &mut conn, &s).await?;
    let rows = q::short_levels(&mut conn, wh.as_ref().map(WarehouseCode::as_str)).await?;
    let items: Vec<StockoutLine> = rows
        .into_iter()
        .filter_map(|r| {
            let levels = Levels {
                on_hand: r.on_hand,
                reserved: r.reserved,
                quarantined: r.quarantined,
            };
            is_stockout(levels, r.backordered).then(|| StockoutLine {
                warehouse: r.warehouse_code,
                part_number: r.part_number,
                on_hand: r.on_hand,
                reserved: r.reserved,
                quarantined: r.quarantined,
                available: levels.available(),
                backordered: r.backordered,
                oldest_backorder_placed_at: r.oldest_backorder,
                reorder_point: r.reorder_point,
                reorder_qty: r.reorder_qty,
            })
        })
        .collect();
    if let Format::Csv = format {
        return csv_response("stockouts", &items);
    }
    Ok(HttpResponse::Ok().json(StockoutsOut {
        as_of: Utc::now(),
        items,
    }))
}

// ---------------------------------------------------------------------------
// backorders

/// One order line waiting for stock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackorderLine {
    pub order_id: Uuid,
    pub order_number: String,
    pub dealer_code: String,
    pub warehouse: String,
    /// `stock` or `emergency`.
    pub priority: String,
    pub line_no: i32,
    /// The part ordered.
    pub part_number: String,
    /// The part reserved for it (its successor when superseded).
    pub reserved_part_number: String,
    pub qty: i32,
    pub placed_at: DateTime<Utc>,
    /// Whole hours since placement.
    pub age_hours: i64,
    /// Whole days since placement.
    pub age_days: i64,
    /// When the units are expected from the open purchase orders; null (empty in
    /// CSV) when nothing on order covers them.
    pub expected_date: Option<chrono::NaiveDate>,
}

impl CsvRow for BackorderLine {
    const HEADER: &'static [&'static str] = &[
        "order_id",
        "order_number",
        "dealer_code",
        "warehouse",
        "priority",
        "line_no",
        "part_number",
        "reserved_part_number",
        "qty",
        "placed_at",
        "age_hours",
        "age_days",
        "expected_date",
    ];
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackordersOut {
    pub as_of: DateTime<Utc>,
    pub items: Vec<BackorderLine>,
}

/// Backorder aging: open backordered order lines, oldest first.
#[utoipa::path(get, path = "/api/v1/reports/backorders", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or CSV of the items with `?format=csv` or `Accept: text/csv`",
        content((BackordersOut = "application/json"), (String = "text/csv"))),
        (status = 403, body = aftersales_web::Problem), (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn backorders(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    s: aftersales_web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(STOCK_READERS)?;
    let (format, wh) = read_query(&req, &mut conn, &s).await?;
    let now = Utc::now();
    let rows = q::open_backorders(&mut conn, wh.as_ref().map(WarehouseCode::as_str)).await?;
    let items: Vec<BackorderLine> = rows
        .into_iter()
        .map(|r| {
            let a = age(r.placed_at, now);
            BackorderLine {
                order_id: r.order_id,
                order_number: r.order_number,
                dealer_code: r.dealer_code,
                warehouse: r.warehouse_code,
                priority: r.priority.as_str().to_owned(),
                line_no: r.line_no,
                part_number: r.part_number,
                reserved_part_number: r.reserved_part_number,
                qty: r.backordered,
                placed_at: r.placed_at,
                age_hours: a.hours,
                age_days: a.days,
                expected_date: r.expected_date,
            }
        })
        .collect();
    if let Format::Csv = format {
        return csv_response("backorders", &items);
    }
    Ok(HttpResponse::Ok().json(BackordersOut { as_of: now, items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of<R: CsvRow + Serialize>(row: &R) -> Vec<String> {
        match serde_json::to_value(row) {
            Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The CSV header names the fields in the order serde writes them.
    #[test]
    fn csv_headers_match_the_rows() {
        let now = Utc::now();
        let v = ValuationLine {
            warehouse: "W".into(),
            part_number: "P".into(),
            on_hand: 1,
            currency: "EUR".into(),
            unit_price: None,
            value: None,
        };
        let s = StockoutLine {
            warehouse: "W".into(),
            part_number: "P".into(),
            on_hand: 0,
            reserved: 0,
            quarantined: 0,
            available: 0,
            backordered: 0,
            oldest_backorder_placed_at: None,
            reorder_point: 0,
            reorder_qty: 0,
        };
        let b = BackorderLine {
            order_id: Uuid::nil(),
            order_number: "O".into(),
            dealer_code: "D".into(),
            warehouse: "W".into(),
            priority: "stock".into(),
            line_no: 1,
            part_number: "P".into(),
            reserved_part_number: "P".into(),
            qty: 1,
            placed_at: now,
            age_hours: 0,
            age_days: 0,
            expected_date: None,
        };
        let sorted = |h: &[&str]| {
            let mut h: Vec<String> = h.iter().map(|s| (*s).to_owned()).collect();
            h.sort();
            h
        };
        assert_eq!(header_of(&v), sorted(ValuationLine::HEADER));
        assert_eq!(header_of(&s), sorted(StockoutLine::HEADER));
        assert_eq!(header_of(&b), sorted(BackorderLine::HEADER));
    }
}
