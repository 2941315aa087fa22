//! Replenishment: what a warehouse should order now (`domain::replenishment`), and
//! the selected suggestions turned into draft purchase orders, one per supplier, in
//! one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::purchase_orders::{self, Draft, DraftLine, Full};
use super::stock::{Named, active_warehouse};
use super::{Cause, Error, Result};
use crate::db::replenishment::{self as q, Row};
use crate::domain::replenishment::Position;

/// The demand window when none is asked for, in days.
pub const DEFAULT_WINDOW_DAYS: i64 = 30;
/// The longest demand window, in days.
pub const MAX_WINDOW_DAYS: i64 = 365;

/// One part of the warehouse with its position and what to order.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub row: Row,
    pub position: Position,
    pub suggested: i64,
}

impl From<Row> for Suggestion {
    fn from(row: Row) -> Self {
        let position = Position {
            available: row.available,
            in_transit: row.in_transit,
            on_order: row.on_order,
            backordered: row.backordered,
            demand: row.demand,
            reorder_point: row.reorder_point,
            reorder_qty: row.reorder_qty,
        };
        Suggestion {
            suggested: position.suggestion(),
            position,
            row,
        }
    }
}

/// The parts of `wh` that need ordering, by part number, with demand counted over the
/// `window_days` before `now`.
pub async fn suggestions(
    c: &mut AsyncPgConnection,
    wh: &str,
    window_days: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Suggestion>> {
    active_warehouse(c, wh, Named::InBody).await?;
    let since = now - Duration::days(window_days);
    Ok(q::positions(c, wh, since, &[])
        .await?
        .into_iter()
        .map(Suggestion::from)
        .filter(|s| s.suggested > 0)
        .collect())
}

/// A suggestion a warehouse user selected, with what they changed of it.
#[derive(Debug, Clone)]
pub struct Selected {
    pub part_number: String,
    /// The quantity to order instead of the suggested one.
    pub qty: Option<i32>,
    /// The agreed price, instead of the last one agreed with the supplier.
    pub unit_price: Option<Decimal>,
}

/// What [`order`] is asked to do.
#[derive(Debug, Clone)]
pub struct Order<'a> {
    pub warehouse: &'a str,
    pub window_days: i64,
    pub currency: &'a str,
    pub expected_date: NaiveDate,
    pub lines: Vec<Selected>,
}

/// Drafts one purchase order per supplier of the selected parts: the suggested
/// quantity unless another is given, the last price agreed with the supplier unless
/// another is given.
pub async fn order(
    c: &mut AsyncPgConnection,
    o: Order<'_>,
    actor: &str,
    now: DateTime<Utc>,
    cause: Cause<'_>,
) -> Result<Vec<Full>> {
    active_warehouse(c, o.warehouse, Named::InBody).await?;
    let today = now.date_naive();
    if o.expected_date < today {
        return Err(Error::invalid(
            "expected_date",
            format!("{} is in the past (today is {today})", o.expected_date),
        ));
    }
    if o.lines.is_empty() {
        return Err(Error::invalid("lines", "select at least one part"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, l) in o.lines.iter().enumerate() {
        if !seen.insert(&l.part_number) {
            return Err(Error::invalid(
                format!("lines[{i}].part_number"),
                format!("part {} is selected twice", l.part_number),
            ));
        }
    }
    let wanted: Vec<String> = o.lines.iter().map(|l| l.part_number.clone()).collect();
    let since = now - Duration::days(o.window_days);
    let rows: BTreeMap<String, Suggestion> = q::positions(c, o.warehouse, since, &wanted)
        .await?
        .into_iter()
        .map(|r| (r.part_number.clone(), Suggestion::from(r)))
        .collect();
    let mut by_supplier: BTreeMap<String, Vec<DraftLine>> = BTreeMap::new();
    for (i, l) in o.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let pn = &l.part_number;
        let Some(s) = rows.get(pn) else {
            return Err(Error::invalid(
                field("part_number"),
                format!(
                    "part {pn} is not stocked in {} (or is inactive or superseded)",
                    o.warehouse
                ),
            ));
        };
        let qty = match l.qty {
            Some(q) => q,
            None if s.suggested > 0 => i32::try_from(s.suggested).map_err(|_| {
                Error::invalid(field("qty"), "the suggestion is too large: give qty")
            })?,
            None => {
                return Err(Error::invalid(
                    field("qty"),
                    format!("nothing needs ordering for {pn} now: give qty to order anyway"),
                ));
            }
        };
        let last = s.row.last_unit_price.zip(s.row.last_currency.as_deref());
        let unit_price = match (l.unit_price, last) {
            (Some(p), _) => p,
            (None, Some((p, currency))) if currency == o.currency => p,
            (None, Some((_, currency))) => {
                return Err(Error::invalid(
                    field("unit_price"),
                    format!(
                        "the last price agreed with {} for {pn} is in {currency}, this order \
                         in {}: give unit_price in {}",
                        s.row.supplier_code, o.currency, o.currency
                    ),
                ));
            }
            (None, None) => {
                return Err(Error::invalid(
                    field("unit_price"),
                    format!(
                        "no price has been agreed with {} for {pn} yet: give unit_price",
                        s.row.supplier_code
                    ),
                ));
            }
        };
        by_supplier
            .entry(s.row.supplier_code.clone())
            .or_default()
            .push(DraftLine {
                part_number: pn.clone(),
                qty,
                unit_price,
                expected_date: o.expected_date,
            });
    }
    let mut drafted = Vec::with_capacity(by_supplier.len());
    for (supplier, lines) in by_supplier {
        let draft = Draft {
            supplier: &supplier,
            warehouse: o.warehouse,
            currency: o.currency,
            lines,
        };
        drafted.push(purchase_orders::insert_draft(c, draft, actor, today).await?);
    }
    let trail: Vec<_> = drafted.iter().map(purchase_orders::drafted).collect();
    cause.audit(c, &trail).await?;
    Ok(drafted)
}
