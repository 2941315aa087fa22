//! `reports/reconciliation` and `reports/aging`: per supplier (and currency) and
//! overall per currency, for claims submitted in a period; JSON, or CSV
//! (`Accept: text/csv` or `?format=csv`). Both are summed from per-line figures by
//! the same domain code the property tests hold to the identities.

use actix_web::{HttpRequest, HttpResponse};
use aftersales_web::csv::CsvTable;
use aftersales_web::{ApiError, DbConn, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::claims::FiguresView;
use super::common::{date, period, require_finance, wants_csv};
use crate::app::reports::{self, Grouped, Period};
use crate::domain::aging::Aging;
use crate::domain::ledger::Figures;
use crate::domain::money::cents;

/// The supplier column of a CSV row: `ALL` on the overall rows.
const ALL: &str = "ALL";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Claims submitted at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Claims submitted before this timestamp, or on or before this date (UTC).
    pub to: Option<String>,
    /// Only this supplier.
    pub supplier: Option<String>,
    /// `json` (default) or `csv`.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationRow {
    /// The supplier, or `null` for the overall row of a currency.
    pub supplier_code: Option<String>,
    pub currency: String,
    #[serde(flatten)]
    pub figures: FiguresView,
    /// credited / claimed, 4 decimals; null when nothing was claimed.
    #[schema(value_type = Option<String>, example = "0.7500")]
    pub recovery_rate: Option<Decimal>,
    /// Both identities hold to the cent (always true; shown for auditors).
    pub balanced: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationReport {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub suppliers: Vec<ReconciliationRow>,
    /// One row per currency: amounts are never summed across currencies.
    pub overall: Vec<ReconciliationRow>,
}

fn rec_row(supplier: Option<String>, currency: String, f: Figures) -> ReconciliationRow {
    ReconciliationRow {
        supplier_code: supplier,
        currency,
        recovery_rate: f.recovery_rate(),
        balanced: f.balanced(),
        figures: f.into(),
    }
}

/// Per-supplier rows, then the overall rows, of a grouped report.
fn rows<T, R>(
    grouped: Grouped<T>,
    row: impl Fn(Option<String>, String, T) -> R,
) -> (Vec<R>, Vec<R>) {
    let suppliers = grouped
        .suppliers
        .into_iter()
        .map(|(s, c, v)| row(Some(s), c, v))
        .collect();
    let overall = grouped
        .overall
        .into_iter()
        .map(|(c, v)| row(None, c, v))
        .collect();
    (suppliers, overall)
}

/// Per supplier and overall: claimed = accepted + rejected + pending; accepted =
/// credited + written off + outstanding; recovery rate = credited / claimed.
#[utoipa::path(
    get, path = "/api/v1/reports/reconciliation", tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, description = "per supplier and overall per currency; CSV with Accept: text/csv or ?format=csv (overall rows have supplier `ALL`)",
         content((ReconciliationReport = "application/json"), (String = "text/csv"))),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "bad date, to before from, or unknown format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn reconciliation(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let scope = Period {
        from,
        to,
        supplier: query.supplier.as_deref(),
    };
    let (suppliers, overall) = rows(reports::reconciliation(&mut conn, &scope).await?, rec_row);
    let report = ReconciliationReport {
        from,
        to,
        suppliers,
        overall,
    };
    if !as_csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let mut csv = CsvTable::new(&[
        "supplier_code",
        "currency",
        "claimed",
        "accepted",
        "rejected",
        "pending",
        "credited",
        "written_off",
        "outstanding",
        "recovery_rate",
    ])?;
    for r in report.suppliers.iter().chain(&report.overall) {
        let f = &r.figures;
        csv.row([
            r.supplier_code.as_deref().unwrap_or(ALL).to_owned(),
            r.currency.clone(),
            f.claimed.to_string(),
            f.accepted.to_string(),
            f.rejected.to_string(),
            f.pending.to_string(),
            f.credited.to_string(),
            f.written_off.to_string(),
            f.outstanding.to_string(),
            // Empty when nothing was claimed.
            r.recovery_rate.map(|d| d.to_string()).unwrap_or_default(),
        ])?;
    }
    csv.into_response("reconciliation")
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgingQuery {
    /// Claims submitted at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Claims submitted before this timestamp, or on or before this date (UTC).
    pub to: Option<String>,
    /// The day ages are counted to (UTC); today when absent.
    pub as_of: Option<String>,
    pub supplier: Option<String>,
    /// `json` (default) or `csv`.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgingRow {
    pub supplier_code: Option<String>,
    pub currency: String,
    #[schema(value_type = String)]
    pub days_0_30: Decimal,
    #[schema(value_type = String)]
    pub days_31_60: Decimal,
    #[schema(value_type = String)]
    pub days_61_90: Decimal,
    #[schema(value_type = String)]
    pub over_90: Decimal,
    #[schema(value_type = String)]
    pub outstanding: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub suppliers: Vec<AgingRow>,
    pub overall: Vec<AgingRow>,
}

fn aging_row(supplier: Option<String>, currency: String, a: Aging) -> AgingRow {
    AgingRow {
        supplier_code: supplier,
        currency,
        days_0_30: cents(a.days_0_30),
        days_31_60: cents(a.days_31_60),
        days_61_90: cents(a.days_61_90),
        over_90: cents(a.over_90),
        outstanding: cents(a.total()),
    }
}

/// Outstanding accepted amounts by days since the claim's submission: 0–30, 31–60,
/// 61–90, over 90; per supplier and overall per currency.
#[utoipa::path(
    get, path = "/api/v1/reports/aging", tag = "reports",
    params(AgingQuery),
    responses(
        (status = 200, description = "per supplier and overall; CSV with Accept: text/csv or ?format=csv",
         content((AgingReport = "application/json"), (String = "text/csv"))),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "bad date, to before from, or unknown format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn aging(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<AgingQuery>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let as_of = match query.as_of.as_deref() {
        Some(v) => date("as_of", v)?.get(),
        None => Utc::now().date_naive(),
    };
    let scope = Period {
        from,
        to,
        supplier: query.supplier.as_deref(),
    };
    let (suppliers, overall) = rows(reports::aging(&mut conn, &scope, as_of).await?, aging_row);
    let report = AgingReport {
        as_of,
        from,
        to,
        suppliers,
        overall,
    };
    if !as_csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let mut csv = CsvTable::new(&[
        "supplier_code",
        "currency",
        "days_0_30",
        "days_31_60",
        "days_61_90",
        "over_90",
        "outstanding",
    ])?;
    for r in report.suppliers.iter().chain(&report.overall) {
        csv.row([
            r.supplier_code.as_deref().unwrap_or(ALL).to_owned(),
            r.currency.clone(),
            r.days_0_30.to_string(),
            r.days_31_60.to_string(),
            r.days_61_90.to_string(),
            r.over_90.to_string(),
            r.outstanding.to_string(),
        ])?;
    }
    csv.into_response("aging")
}
