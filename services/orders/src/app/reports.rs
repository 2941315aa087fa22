//! The fill-rate report: for orders placed in `[from, to)`, per dealer, per warehouse
//! (the order's) and overall, the order lines requested and filled within 24 h and
//! the units requested, reserved at placement and shipped within 24 h
//! (`domain::report` says what counts).

use std::collections::BTreeMap;

use aftersales_web::ApiError;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use super::Caller;
use crate::db;
use crate::domain::report::{FillCounts, LineFacts, order_counts};

/// The fill-rate figures: per dealer and per warehouse (by code) and overall.
#[derive(Debug, Clone)]
pub struct FillRate {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub dealers: Vec<(String, FillCounts)>,
    pub warehouses: Vec<(String, FillCounts)>,
    pub overall: FillCounts,
}

/// The fill rate of orders placed in `[from, to)`: a dealer sees only its own
/// figures (`to` before `from` → 422). A dealer or warehouse with orders in the
/// period has a row even when all of them were cancelled before anything shipped
/// (nothing to measure: its rates are `None`).
pub async fn fill_rate(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FillRate, ApiError> {
    if to < from {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    let rows = db::reports::fill_lines(c, from, to, caller.dealer()).await?;
    let mut dealers: BTreeMap<String, FillCounts> = BTreeMap::new();
    let mut warehouses: BTreeMap<String, FillCounts> = BTreeMap::new();
    let mut overall = FillCounts::default();
    for order in rows.chunk_by(|a, b| a.order_id == b.order_id) {
        let Some(first) = order.first() else {
            continue;
        };
        let lines: Vec<LineFacts> = order
            .iter()
            .map(|r| LineFacts {
                ordered: r.ordered,
                released: r.released,
                reserved_at_placement: r.reserved_at_placement,
                shipped_within_24h: r.shipped_within_24h,
            })
            .collect();
        let on_lines: i64 = order.iter().map(|r| r.shipped_within_24h).sum();
        let counts = order_counts(&lines, first.order_shipped_within_24h - on_lines);
        for (per, key) in [
            (&mut dealers, &first.dealer_code),
            (&mut warehouses, &first.warehouse),
        ] {
            let entry = per.entry(key.clone()).or_default();
            *entry = entry.plus(counts);
        }
        overall = overall.plus(counts);
    }
    Ok(FillRate {
        from,
        to,
        dealers: dealers.into_iter().collect(),
        warehouses: warehouses.into_iter().collect(),
        overall,
    })
}
