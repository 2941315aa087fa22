//! `reports/reconciliation`, `reports/aging` and `reports/filing-deadlines`: per supplier (and currency) and
//! overall per currency, for claims submitted in a period; JSON, or CSV
//! (`Accept: text/csv` or `?format=csv`). Both are summed from per-line figures by
//! the same domain code the property tests hold to the identities.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse};
use aftersales_web::csv::CsvTable;
use aftersales_web::{ApiError, DbConn, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::claims::FiguresView;
use super::common::{date, period, require_finance, wants_csv};
use super::lines::LineView;
use crate::app::filing;
use crate::app::lines::LineDetail;
use crate::app::reports::{self, Grouped, Period};
use crate::db::lines::Line;
use crate::domain::aging::Aging;
use crate::domain::filing::LeadDays;
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilingQuery {
    /// Days before its deadline a line counts as at risk; the sweep's own lead time
    /// (env `FILING_LEAD_DAYS`, default 14) when absent.
    #[param(minimum = 0, maximum = 365)]
    pub lead_days: Option<i64>,
    /// Lines forfeited at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Lines forfeited before this timestamp, or on or before this date (UTC).
    pub to: Option<String>,
    /// Only this supplier.
    pub supplier: Option<String>,
    /// `json` (default) or `csv` (one row per line).
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FilingRow {
    /// The supplier, or `null` for the overall row of a currency.
    pub supplier_code: Option<String>,
    pub currency: String,
    pub at_risk_lines: usize,
    #[schema(value_type = String, example = "1250.00")]
    pub at_risk_amount: Decimal,
    pub forfeited_lines: usize,
    #[schema(value_type = String, example = "0.00")]
    pub forfeited_amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FilingReport {
    /// Today (UTC): days left are counted to it.
    pub as_of: NaiveDate,
    pub lead_days: u16,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub suppliers: Vec<FilingRow>,
    /// One row per currency: amounts are never summed across currencies.
    pub overall: Vec<FilingRow>,
    /// Lines not yet submitted whose deadline is within the lead time, fewest days
    /// left first.
    pub at_risk: Vec<LineView>,
    /// Lines forfeited in the period, and those past their deadline the sweep has not
    /// marked yet.
    pub forfeited: Vec<LineView>,
}

/// Both counts side by side, per supplier and currency, then per currency.
fn filing_rows(at_risk: &[Line], forfeited: &[Line]) -> (Vec<FilingRow>, Vec<FilingRow>) {
    let mut rows: BTreeMap<(Option<String>, String), FilingRow> = BTreeMap::new();
    for (grouped, is_at_risk) in [
        (reports::count(at_risk), true),
        (reports::count(forfeited), false),
    ] {
        let suppliers = grouped
            .suppliers
            .into_iter()
            .map(|(s, c, n)| (Some(s), c, n));
        let overall = grouped.overall.into_iter().map(|(c, n)| (None, c, n));
        for (supplier, currency, n) in suppliers.chain(overall) {
            let row = rows
                .entry((supplier.clone(), currency.clone()))
                .or_insert_with(|| FilingRow {
                    supplier_code: supplier,
                    currency,
                    at_risk_lines: 0,
                    at_risk_amount: Decimal::ZERO,
                    forfeited_lines: 0,
                    forfeited_amount: Decimal::ZERO,
                });
            if is_at_risk {
                (row.at_risk_lines, row.at_risk_amount) = (n.lines, cents(n.amount));
            } else {
                (row.forfeited_lines, row.forfeited_amount) = (n.lines, cents(n.amount));
            }
        }
    }
    // `None` sorts first: the overall rows are split off the front.
    let (overall, suppliers): (Vec<_>, Vec<_>) =
        rows.into_values().partition(|r| r.supplier_code.is_none());
    (suppliers, overall)
}

/// Lines at risk of their filing deadline and lines forfeited, with their amounts;
/// per supplier and overall per currency. The sweep drafts claims for the lines at
/// risk; what is forfeited here was lost.
#[utoipa::path(
    get, path = "/api/v1/reports/filing-deadlines", tag = "reports",
    params(FilingQuery),
    responses(
        (status = 200, description = "lines at risk and forfeited; CSV (one row per line) with Accept: text/csv or ?format=csv",
         content((FilingReport = "application/json"), (String = "text/csv"))),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "bad date, to before from, lead_days outside 0 to 365, or unknown format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn filing_deadlines(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<FilingQuery>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let lead = match query.lead_days {
        Some(days) => LeadDays::parse(days).map_err(|e| ApiError::invalid_field("lead_days", e))?,
        None => filing::settings().0,
    };
    let scope = Period {
        from,
        to,
        supplier: query.supplier.as_deref(),
    };
    let today = Utc::now().date_naive();
    let found = reports::filing_deadlines(&mut conn, &scope, today, lead).await?;
    let (suppliers, overall) = filing_rows(&found.at_risk, &found.forfeited);
    let views = |lines: Vec<Line>| -> Vec<LineView> {
        lines
            .into_iter()
            .map(|line| {
                LineView::from(LineDetail {
                    line,
                    response: None,
                })
            })
            .collect()
    };
    let report = FilingReport {
        as_of: today,
        lead_days: lead.days(),
        from,
        to,
        suppliers,
        overall,
        at_risk: views(found.at_risk),
        forfeited: views(found.forfeited),
    };
    if !as_csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let mut csv = CsvTable::new(&[
        "standing",
        "line_id",
        "claim_number",
        "supplier_code",
        "currency",
        "amount",
        "filing_deadline",
        "days_left",
        "recovery_claim_id",
    ])?;
    let at_risk = report.at_risk.iter().map(|l| ("at_risk", l));
    let forfeited = report.forfeited.iter().map(|l| ("forfeited", l));
    for (standing, l) in at_risk.chain(forfeited) {
        let text = |v: Option<String>| v.unwrap_or_default();
        csv.row([
            standing.to_owned(),
            l.id.to_string(),
            l.claim_number.clone(),
            l.supplier_code.clone(),
            l.currency.clone(),
            text(l.amount.map(|a| a.to_string())),
            text(l.claim_window_closes_on.map(|d| d.to_string())),
            text(l.days_left.map(|d| d.to_string())),
            text(l.recovery_claim_id.map(|id| id.to_string())),
        ])?;
    }
    csv.into_response("filing-deadlines")
}
