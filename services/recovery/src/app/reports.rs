//! Reconciliation and aging of the claims submitted in a period: summed from the
//! per-line figures (`domain::ledger::Figures`, `domain::aging::Aging`) per supplier
//! and currency, and overall per currency (amounts are never summed across
//! currencies).

use aftersales_web::ApiError;
use chrono::{DateTime, NaiveDate, Utc};

use super::Conn;
use crate::db;
use crate::domain::aging::Aging;
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
