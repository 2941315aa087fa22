//! The fill-rate report: for orders placed in `[from, to)`, per dealer and overall,
//! the units ordered, reserved at placement and shipped within 24 h
//! (`domain::report` does the arithmetic).

use aftersales_web::ApiError;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use super::Caller;
use crate::db;
use crate::domain::report::FillCounts;

/// The fill-rate figures: per dealer (by code) and overall.
#[derive(Debug, Clone)]
pub struct FillRate {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub dealers: Vec<(String, FillCounts)>,
    pub overall: FillCounts,
}

/// The fill rate of orders placed in `[from, to)`: a dealer sees only its own
/// figures (`to` before `from` → 422).
pub async fn fill_rate(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FillRate, ApiError> {
    if to < from {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    let rows = db::reports::fill_rate(c, from, to, caller.dealer()).await?;
    let mut overall = FillCounts::default();
    let dealers = rows
        .into_iter()
        .map(|r| {
            let counts = FillCounts {
                ordered: r.ordered,
                reserved_at_placement: r.reserved_at_placement,
                shipped_within_24h: r.shipped_within_24h,
            };
            overall = overall.plus(counts);
            (r.dealer_code, counts)
        })
        .collect();
    Ok(FillRate {
        from,
        to,
        dealers,
        overall,
    })
}
