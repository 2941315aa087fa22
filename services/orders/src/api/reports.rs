//! `reports/fill-rate`: for orders placed in a period, the share of ordered units
//! reserved at placement (catalog's first allocation) and the share shipped within
//! 24 h of placement, per dealer and overall; JSON, or CSV (`Accept: text/csv` or
//! `?format=csv`).

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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FillRateRow {
    /// The dealer, or `null` for the overall row.
    pub dealer_code: Option<String>,
    pub ordered_qty: i64,
    pub reserved_at_placement_qty: i64,
    pub shipped_within_24h_qty: i64,
    /// reserved_at_placement_qty / ordered_qty, 4 decimals; null without orders.
    #[schema(value_type = Option<String>, example = "0.9250")]
    pub reserved_at_placement_rate: Option<Decimal>,
    /// shipped_within_24h_qty / ordered_qty, 4 decimals; null without orders.
    #[schema(value_type = Option<String>, example = "0.8800")]
    pub shipped_within_24h_rate: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FillRateReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub dealers: Vec<FillRateRow>,
    pub overall: FillRateRow,
}

fn row(dealer_code: Option<String>, counts: FillCounts) -> FillRateRow {
    FillRateRow {
        dealer_code,
        ordered_qty: counts.ordered,
        reserved_at_placement_qty: counts.reserved_at_placement,
        shipped_within_24h_qty: counts.shipped_within_24h,
        reserved_at_placement_rate: counts.reserved_rate(),
        shipped_within_24h_rate: counts.shipped_24h_rate(),
    }
}

/// The CSV columns, in order; the overall row is named `ALL`.
const CSV_COLUMNS: [&str; 6] = [
    "dealer_code",
    "ordered_qty",
    "reserved_at_placement_qty",
    "shipped_within_24h_qty",
    "reserved_at_placement_rate",
    "shipped_within_24h_rate",
];

fn csv(report: &FillRateReport) -> Result<HttpResponse, ApiError> {
    let mut table = CsvTable::new(&CSV_COLUMNS)?;
    for r in &report.dealers {
        table.serialize(r)?;
    }
    table.serialize(&FillRateRow {
        dealer_code: Some("ALL".into()),
        ..report.overall.clone()
    })?;
    table.into_response("fill-rate")
}

/// Fill rate for orders placed in `[from, to)`. A dealer sees only its own figures.
#[utoipa::path(
    get, path = "/api/v1/reports/fill-rate", tag = "reports",
    params(FillRateQuery),
    responses(
        (status = 200, description = "per dealer and overall; CSV with Accept: text/csv or ?format=csv (last row `ALL`)",
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
            .map(|(code, counts)| row(Some(code), counts))
            .collect(),
        overall: row(None, figures.overall),
    };
    if as_csv {
        csv(&report)
    } else {
        Ok(HttpResponse::Ok().json(report))
    }
}
