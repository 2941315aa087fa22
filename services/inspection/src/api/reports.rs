//! `reports/claims` and `reports/top-failing-parts`, over claims submitted in a
//! period, and `reports/dealer-scorecards`, per dealer and month; JSON, or CSV
//! (`Accept: text/csv` or `?format=csv`).

use actix_web::{HttpRequest, HttpResponse};
use aftersales_web::csv::CsvTable;
use aftersales_web::{Allowed, ApiError, DbConn, Principal, Role};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ScorecardReaders;
use super::common::{dealer_of, field, period_bound, wants_csv};
use crate::app;
use crate::db;
use crate::db::reports::CostBy;
use crate::domain::ClaimStatus;
use crate::domain::report::{cycle_hours, share};
use crate::domain::scorecard::{self, Month, Scorecard};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Claims submitted at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: String,
    /// Claims submitted before this timestamp, or on or before this date (UTC).
    pub to: String,
    /// `json` (default) or `csv`.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
    /// top-failing-parts only: parts per month and supplier (1 to 50, default 5).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusRow {
    #[schema(value_type = String)]
    pub status: ClaimStatus,
    pub currency: String,
    pub claims: i64,
    /// Sum of the claimed totals.
    #[schema(value_type = String)]
    pub claimed: Decimal,
    /// Sum of the approved amounts (parts + labor).
    #[schema(value_type = String)]
    pub approved: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CostRow {
    /// The part number, supplier code or dealer code.
    pub key: String,
    pub currency: String,
    pub claims: i64,
    /// Approved parts + labor of approved and partially approved claims.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimsReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub by_status: Vec<StatusRow>,
    /// Claims decided: by an inspector, at submission, or by the return-deadline job.
    pub decided: i64,
    /// Of those, approved or partially approved.
    pub approved: i64,
    /// approved / decided, 4 decimals; null when nothing was decided.
    #[schema(value_type = Option<String>)]
    pub approval_rate: Option<Decimal>,
    /// Submission → an inspector's decision, in hours (2 decimals).
    #[schema(value_type = Option<String>)]
    pub avg_cycle_hours: Option<Decimal>,
    /// 90th percentile (nearest rank) of the same.
    #[schema(value_type = Option<String>)]
    pub p90_cycle_hours: Option<Decimal>,
    /// Returnable parts due (received, or past their deadline).
    pub returns_due: i64,
    pub returned_on_time: i64,
    /// returned_on_time / returns_due, 4 decimals; null without returns due.
    #[schema(value_type = Option<String>)]
    pub return_compliance: Option<Decimal>,
    pub cost_by_part: Vec<CostRow>,
    pub cost_by_supplier: Vec<CostRow>,
    pub cost_by_dealer: Vec<CostRow>,
}

fn bounds(q: &PeriodQuery) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let from = period_bound("from", &q.from, false)?;
    let to = period_bound("to", &q.to, true)?;
    if to < from {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    Ok((from, to))
}

fn cost_rows(rows: Vec<db::reports::CostRow>) -> Vec<CostRow> {
    rows.into_iter()
        .map(|r| CostRow {
            key: r.key,
            currency: r.currency,
            claims: r.claims,
            amount: r.amount,
        })
        .collect()
}

fn claims_csv(r: &ClaimsReport) -> Result<CsvTable, ApiError> {
    let mut t = CsvTable::new(&["section", "key", "currency", "claims", "amount", "approved"])?;
    let opt = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    for s in &r.by_status {
        t.row([
            "status",
            s.status.as_str(),
            &s.currency,
            &s.claims.to_string(),
            &s.claimed.to_string(),
            &s.approved.to_string(),
        ])?;
    }
    for (section, rows) in [
        ("cost_by_part", &r.cost_by_part),
        ("cost_by_supplier", &r.cost_by_supplier),
        ("cost_by_dealer", &r.cost_by_dealer),
    ] {
        for c in rows {
            t.row([
                section,
                &c.key,
                &c.currency,
                &c.claims.to_string(),
                &c.amount.to_string(),
                "",
            ])?;
        }
    }
    t.row([
        "approval_rate",
        "",
        "",
        &r.decided.to_string(),
        &opt(r.approval_rate),
        "",
    ])?;
    t.row(["avg_cycle_hours", "", "", "", &opt(r.avg_cycle_hours), ""])?;
    t.row(["p90_cycle_hours", "", "", "", &opt(r.p90_cycle_hours), ""])?;
    t.row([
        "return_compliance",
        "",
        "",
        &r.returns_due.to_string(),
        &opt(r.return_compliance),
        "",
    ])?;
    Ok(t)
}

fn top_failing_csv(rows: &[FailingPart]) -> Result<CsvTable, ApiError> {
    let mut t = CsvTable::new(&["month", "supplier_code", "part_number", "claims", "rank"])?;
    for r in rows {
        t.serialize(r)?;
    }
    Ok(t)
}

/// The report as JSON, or as CSV named `name`.
fn respond<T: Serialize>(
    as_csv: bool,
    report: &T,
    name: &str,
    csv: impl Fn(&T) -> Result<CsvTable, ApiError>,
) -> Result<HttpResponse, ApiError> {
    if as_csv {
        csv(report)?.into_response(name)
    } else {
        Ok(HttpResponse::Ok().json(report))
    }
}

/// Claims submitted in the period: counts and amounts by status, approval rate,
/// average and p90 cycle time (submission → decision), return compliance, and the
/// approved warranty cost by part, supplier and dealer. A dealer sees only its own.
/// CSV: one row per line of each section (`section,key,currency,claims,amount,approved`).
#[utoipa::path(
    get, path = "/api/v1/reports/claims", tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "the report; CSV with Accept: text/csv or ?format=csv",
         content((ClaimsReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "from or to missing", body = aftersales_web::Problem),
        (status = 403, description = "role may not read reports", body = aftersales_web::Problem),
        (status = 422, description = "bad date, to before from, or unknown format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn claims_report(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::Dealer,
        Role::Quality,
        Role::QualityLead,
        Role::Finance,
        Role::Admin,
    ])?;
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let (from, to) = bounds(&query)?;
    let dealer = who.dealer_scope()?;
    let by_status = db::reports::by_status(&mut conn, from, to, dealer)
        .await?
        .into_iter()
        .map(|r| StatusRow {
            status: r.status,
            currency: r.currency,
            claims: r.claims,
            claimed: r.claimed,
            approved: r.approved,
        })
        .collect();
    let counts = db::reports::counts(&mut conn, from, to, dealer).await?;
    let seconds = db::reports::cycle_seconds(&mut conn, from, to, dealer).await?;
    let (avg, p90) = cycle_hours(&seconds);
    let report = ClaimsReport {
        from,
        to,
        by_status,
        decided: counts.decided,
        approved: counts.approved,
        approval_rate: share(counts.approved, counts.decided),
        avg_cycle_hours: avg,
        p90_cycle_hours: p90,
        returns_due: counts.returns_due,
        returned_on_time: counts.returned_on_time,
        return_compliance: share(counts.returned_on_time, counts.returns_due),
        cost_by_part: cost_rows(
            db::reports::cost(&mut conn, CostBy::Part, from, to, dealer).await?,
        ),
        cost_by_supplier: cost_rows(
            db::reports::cost(&mut conn, CostBy::Supplier, from, to, dealer).await?,
        ),
        cost_by_dealer: cost_rows(
            db::reports::cost(&mut conn, CostBy::Dealer, from, to, dealer).await?,
        ),
    };
    respond(as_csv, &report, "claims-report", claims_csv)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FailingPart {
    /// `YYYY-MM` of submission (UTC).
    pub month: String,
    /// The responsible supplier from the findings, else the part's supplier.
    pub supplier_code: String,
    pub part_number: String,
    pub claims: i64,
    /// 1 = most claims for this supplier in this month.
    pub rank: i64,
}

/// The monthly quality feedback: per month and supplier, the parts with the most
/// claims (claims rejected at submission are left out).
#[utoipa::path(
    get, path = "/api/v1/reports/top-failing-parts", tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "ordered by month, supplier, rank; CSV with Accept: text/csv or ?format=csv",
         content((Vec<FailingPart> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "from or to missing", body = aftersales_web::Problem),
        (status = 403, description = "not quality, quality_lead, finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "bad date, to before from, bad limit or format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn top_failing_parts(
    who: Principal,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Quality, Role::QualityLead, Role::Finance, Role::Admin])?;
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let (from, to) = bounds(&query)?;
    let limit = query.limit.unwrap_or(5);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be from 1 to 50"));
    }
    let rows: Vec<FailingPart> = db::reports::top_failing(&mut conn, from, to, limit)
        .await?
        .into_iter()
        .map(|r| FailingPart {
            month: r.month,
            supplier_code: r.supplier_code,
            part_number: r.part_number,
            claims: r.claims,
            rank: r.rank,
        })
        .collect();
    respond(as_csv, &rows, "top-failing-parts", |rows| {
        top_failing_csv(rows)
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// The first month, `YYYY-MM` (UTC).
    pub from: String,
    /// The last month, included (default: `from`); at most 24 months from `from`.
    pub to: Option<String>,
    /// Only this dealer (a dealer always sees only its own).
    pub dealer: Option<String>,
    /// `json` (default) or `csv`.
    #[param(inline, value_type = Option<aftersales_web::request::ReportFormat>)]
    pub format: Option<String>,
}

/// One dealer's station assessment for one month. A rate is a fraction with 4
/// decimals, `null` when there was nothing to measure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealerScorecard {
    pub dealer_code: String,
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Claims decided in the month: by an inspector, at submission, or for a part not
    /// returned.
    pub claims_decided: i64,
    /// Of those, rejected.
    pub claims_rejected: i64,
    #[schema(value_type = Option<String>, example = "0.1250")]
    pub rejection_rate: Option<Decimal>,
    /// Parts due back in the month (received, or past their deadline).
    pub returns_due: i64,
    /// Of those, received by their deadline.
    pub returned_on_time: i64,
    #[schema(value_type = Option<String>)]
    pub return_compliance: Option<Decimal>,
    /// Order lines placed in the month that requested parts: every line, less those
    /// of an order the dealer cancelled before any of the line's units shipped.
    pub order_lines: i64,
    /// Of those, lines whose every requested unit shipped within 24 hours of placement.
    pub order_lines_filled_within_24h: i64,
    /// The 24 h parts fill rate by request (the 90 % target's):
    /// order_lines_filled_within_24h / order_lines.
    #[schema(value_type = Option<String>, example = "0.9000")]
    pub fill_rate_24h: Option<Decimal>,
    /// Units those lines requested: ordered, less those released because the dealer
    /// cancelled (a cancelled order's line requests what shipped of it).
    pub units_ordered: i64,
    /// Of those, shipped within 24 hours of placement.
    pub units_shipped_within_24h: i64,
    /// The fill rate by quantity: units_shipped_within_24h / units_ordered.
    #[schema(value_type = Option<String>)]
    pub fill_rate_24h_by_quantity: Option<Decimal>,
    /// Submission → an inspector's decision, for claims decided in the month, in hours
    /// (2 decimals).
    #[schema(value_type = Option<String>)]
    pub avg_cycle_hours: Option<Decimal>,
    /// 90th percentile (nearest rank) of the same.
    #[schema(value_type = Option<String>)]
    pub p90_cycle_hours: Option<Decimal>,
    /// At the month's end, the dealer's units affected by campaigns running in the month.
    pub campaign_units: i64,
    /// Of those, with a campaign claim (not rejected).
    pub campaign_units_completed: i64,
    #[schema(value_type = Option<String>)]
    pub campaign_completion: Option<Decimal>,
}

impl From<Scorecard> for DealerScorecard {
    fn from(s: Scorecard) -> Self {
        let t = s.tally;
        DealerScorecard {
            dealer_code: s.dealer_code,
            month: s.month.to_string(),
            claims_decided: t.decided,
            claims_rejected: t.rejected,
            rejection_rate: s.rejection_rate,
            returns_due: t.returns_due,
            returned_on_time: t.returned_on_time,
            return_compliance: s.return_compliance,
            order_lines: t.fill.lines,
            order_lines_filled_within_24h: t.fill.lines_filled_within_24h,
            fill_rate_24h: s.fill_rate_24h,
            units_ordered: t.fill.units,
            units_shipped_within_24h: t.fill.shipped_within_24h,
            fill_rate_24h_by_quantity: s.fill_rate_24h_by_quantity,
            avg_cycle_hours: s.avg_cycle_hours,
            p90_cycle_hours: s.p90_cycle_hours,
            campaign_units: t.campaign_units,
            campaign_units_completed: t.campaign_completed,
            campaign_completion: s.campaign_completion,
        }
    }
}

fn scorecards_csv(rows: &[DealerScorecard]) -> Result<CsvTable, ApiError> {
    let mut t = CsvTable::new(&[
        "dealer_code",
        "month",
        "claims_decided",
        "claims_rejected",
        "rejection_rate",
        "returns_due",
        "returned_on_time",
        "return_compliance",
        "order_lines",
        "order_lines_filled_within_24h",
        "fill_rate_24h",
        "units_ordered",
        "units_shipped_within_24h",
        "fill_rate_24h_by_quantity",
        "avg_cycle_hours",
        "p90_cycle_hours",
        "campaign_units",
        "campaign_units_completed",
        "campaign_completion",
    ])?;
    for r in rows {
        t.serialize(r)?;
    }
    Ok(t)
}

/// Dealer scorecards, the station assessment: per dealer and month, the claim
/// rejection rate, part-return compliance, 24 h parts fill rate (by request, an order
/// line being one request, and by quantity; units the dealer cancelled not counted),
/// claim cycle time and campaign completion. Quality and admins see every dealer (or the one named); a
/// dealer only itself. CSV: one row per dealer and month, empty cells for no data.
#[utoipa::path(
    get, path = "/api/v1/reports/dealer-scorecards", tag = "reports",
    params(ScorecardQuery),
    responses(
        (status = 200, description = "by dealer, then month; CSV with Accept: text/csv or ?format=csv",
         content((Vec<DealerScorecard> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "from missing", body = aftersales_web::Problem),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
        (status = 404, description = "the dealer named is not known here", body = aftersales_web::Problem),
        (status = 422, description = "bad month, to before from, more than 24 months, or unknown format", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn dealer_scorecards(
    Allowed(who, ..): Allowed<ScorecardReaders>,
    req: HttpRequest,
    mut conn: DbConn,
    query: aftersales_web::Query<ScorecardQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let from = field("from", Month::parse(&query.from))?;
    let to = match &query.to {
        Some(to) => field("to", Month::parse(to))?,
        None => from,
    };
    let months = scorecard::months(from, to).map_err(|(f, m)| ApiError::invalid_field(f, m))?;
    let dealer = dealer_of(&who, query.dealer.as_deref())?;
    if let Some(named) = query.dealer.as_deref()
        && who.dealer_scope()?.is_none()
        && db::read_models::find_dealer(&mut conn, named)
            .await?
            .is_none()
    {
        return Err(ApiError::not_found(format!("no dealer {named}")));
    }
    let rows: Vec<DealerScorecard> =
        app::scorecards::scorecards(&mut conn, &months, dealer.as_deref())
            .await?
            .into_iter()
            .map(DealerScorecard::from)
            .collect();
    respond(as_csv, &rows, "dealer-scorecards", |rows| {
        scorecards_csv(rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: CsvTable) -> String {
        String::from_utf8(t.into_bytes().unwrap()).unwrap()
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let row = |supplier: &str, part: &str| FailingPart {
            month: "2024-03".into(),
            supplier_code: supplier.into(),
            part_number: part.into(),
            claims: 2,
            rank: 1,
        };
        let rows = [row("P-1", "a,b"), row("say \"x\"", "P-2")];
        assert_eq!(
            text(top_failing_csv(&rows).unwrap()),
            "month,supplier_code,part_number,claims,rank\n\
             2024-03,P-1,\"a,b\",2,1\n\
             2024-03,\"say \"\"x\"\"\",P-2,2,1\n"
        );
    }

    #[test]
    fn the_claims_csv_has_one_row_per_section_line_and_empty_cells_for_no_data() {
        let report = ClaimsReport {
            from: Utc::now(),
            to: Utc::now(),
            by_status: vec![StatusRow {
                status: ClaimStatus::Approved,
                currency: "EUR".into(),
                claims: 1,
                claimed: Decimal::new(20000, 2),
                approved: Decimal::new(20000, 2),
            }],
            decided: 0,
            approved: 0,
            approval_rate: None,
            avg_cycle_hours: None,
            p90_cycle_hours: None,
            returns_due: 0,
            returned_on_time: 0,
            return_compliance: None,
            cost_by_part: vec![CostRow {
                key: "BRK,1".into(),
                currency: "EUR".into(),
                claims: 1,
                amount: Decimal::new(20000, 2),
            }],
            cost_by_supplier: vec![],
            cost_by_dealer: vec![],
        };
        assert_eq!(
            text(claims_csv(&report).unwrap()),
            "section,key,currency,claims,amount,approved\n\
             status,approved,EUR,1,200.00,200.00\n\
             cost_by_part,\"BRK,1\",EUR,1,200.00,\n\
             approval_rate,,,0,,\n\
             avg_cycle_hours,,,,,\n\
             p90_cycle_hours,,,,,\n\
             return_compliance,,,0,,\n"
        );
    }
}
