//! Reconciliation and aging of the claims submitted in a period: summed from the
//! per-line figures (`domain::ledger::Figures`, `domain::aging::Aging`) per supplier
//! and currency, and overall per currency (amounts are never summed across
//! currencies). And the lines at risk of their filing deadline, and those forfeited.

use std::collections::BTreeMap;

use aftersales_web::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::Conn;
use crate::db;
use crate::domain::aging::Aging;
use crate::domain::filing::{self, LeadDays, Standing};
use crate::domain::ledger::Figures;

/// Sums per `(supplier, currency)`, and per currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped<T> {
    pub suppliers: Vec<(String, String, T)>,
    pub overall: Vec<(String, T)>,
}

/// Claims submitted in `[from, to)`, of one supplier if given.
#[derive(Debug, Clone, Default)]
pub struct Period<'a> {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub supplier: Option<&'a str>,
}

/// Groups rows (sorted by supplier, currency) into per-supplier and per-currency sums.
fn group<T: Copy + Default>(
    rows: &[db::lines::Figures],
    add: impl Fn(T, &db::lines::Figures) -> T,
    plus: impl Fn(T, T) -> T,
) -> Grouped<T> {
    let mut suppliers: Vec<(String, String, T)> = Vec::new();
    for r in rows {
        match suppliers.last_mut() {
            Some((s, c, acc)) if *s == r.supplier_code && *c == r.currency => {
                *acc = add(*acc, r);
            }
            _ => suppliers.push((
                r.supplier_code.clone(),
                r.currency.clone(),
                add(T::default(), r),
            )),
        }
    }
    let mut overall: Vec<(String, T)> = Vec::new();
    for (_, currency, v) in &suppliers {
        match overall.iter_mut().find(|(c, _)| c == currency) {
            Some((_, acc)) => *acc = plus(*acc, *v),
            None => overall.push((currency.clone(), *v)),
        }
    }
    overall.sort_by(|a, b| a.0.cmp(&b.0));
    Grouped { suppliers, overall }
}

/// Claimed, accepted, rejected, pending, credited, written off and outstanding.
pub async fn reconciliation(
    c: &mut Conn,
    period: &Period<'_>,
) -> Result<Grouped<Figures>, ApiError> {
    let rows = db::lines::figures_submitted(c, period.from, period.to, period.supplier).await?;
    Ok(group(
        &rows,
        |f: Figures, r| f.with_line(&r.line()),
        Figures::plus,
    ))
}

/// What is outstanding, by days since the claim's submission as of `as_of`.
pub async fn aging(
    c: &mut Conn,
    period: &Period<'_>,
    as_of: NaiveDate,
) -> Result<Grouped<Aging>, ApiError> {
    let rows = db::lines::figures_submitted(c, period.from, period.to, period.supplier).await?;
    Ok(group(
        &rows,
        |a: Aging, r| a.add(r.submitted_at.date_naive(), as_of, r.line().outstanding()),
        Aging::plus,
    ))
}

/// Lines at risk and forfeited, as of a day under a lead time.
#[derive(Debug, Clone)]
pub struct FilingDeadlines {
    /// Not yet submitted, deadline within the lead time: soonest first.
    pub at_risk: Vec<db::lines::Line>,
    /// Forfeited in the period, and those whose deadline passed that the sweep has
    /// not marked yet: the supplier refuses them all the same.
    pub forfeited: Vec<db::lines::Line>,
}

/// Lines of one supplier if given at risk on `today` under `lead`, and forfeited in
/// `[from, to)` of `period`.
pub async fn filing_deadlines(
    c: &mut Conn,
    period: &Period<'_>,
    today: NaiveDate,
    lead: LeadDays,
) -> Result<FilingDeadlines, ApiError> {
    let of_supplier = |l: &db::lines::Line| {
        period
            .supplier
            .is_none_or(|s| l.supplier_code.as_str() == s)
    };
    let mut report = FilingDeadlines {
        at_risk: Vec::new(),
        forfeited: Vec::new(),
    };
    let due = db::lines::unsubmitted_due(c, filing::at_risk_through(today, lead)).await?;
    for line in due.into_iter().filter(of_supplier) {
        let Some(deadline) = line.filing_deadline else {
            continue;
        };
        match filing::standing(deadline, today, lead) {
            Standing::Forfeited => report.forfeited.push(line),
            Standing::AtRisk => report.at_risk.push(line),
            Standing::OnTime => {}
        }
    }
    let forfeited = db::lines::forfeited(c, period.from, period.to).await?;
    report
        .forfeited
        .extend(forfeited.into_iter().filter(of_supplier));
    Ok(report)
}

/// Lines and amounts per supplier and currency, and per currency.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Count {
    pub lines: usize,
    pub amount: Decimal,
}

/// Counts `lines` per `(supplier, currency)` and per currency, in that order.
pub fn count(lines: &[db::lines::Line]) -> Grouped<Count> {
    let mut suppliers: BTreeMap<(String, String), Count> = BTreeMap::new();
    let mut overall: BTreeMap<String, Count> = BTreeMap::new();
    for l in lines {
        let amount = l.amount.unwrap_or_default();
        let key = (l.supplier_code.to_string(), l.currency.to_string());
        for c in [
            suppliers.entry(key.clone()).or_default(),
            overall.entry(key.1).or_default(),
        ] {
            c.lines += 1;
            c.amount += amount;
        }
    }
    Grouped {
        suppliers: suppliers.into_iter().map(|((s, c), v)| (s, c, v)).collect(),
        overall: overall.into_iter().collect(),
    }
}
