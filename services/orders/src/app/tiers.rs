//! Tier discounts: the discounts in force (to price orders and to show them), each
//! tier's history, and scheduling a new discount (admins). The rules are
//! `domain::tier`'s; the lock that keeps pricing and scheduling apart is described in
//! `db::tiers`.

use aftersales_web::ApiError;
use chrono::{DateTime, SubsecRound, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::{Entry, Origin};
use crate::db;
use crate::db::tiers::{NewTierDiscount, TierDiscount};
use crate::domain::Tier;
use crate::domain::tier::{DiscountPct, Schedule, check_effective_from};

/// A tier with the discount in force now and the next one scheduled, if any.
#[derive(Debug, Clone)]
pub struct TierOverview {
    pub tier: Tier,
    pub current: TierDiscount,
    pub next: Option<TierDiscount>,
}

/// The discounts in force at `at`, to price orders placed at `at`, in the caller's
/// transaction: the read holds the table's lock until it ends, the pricing side of
/// `db::tiers::lock_for_scheduling`. Takes a shared connection so that an order batch
/// pipelines it with its other reads.
pub async fn for_pricing(
    conn: &AsyncPgConnection,
    at: DateTime<Utc>,
) -> diesel::QueryResult<Schedule> {
    let rows = db::tiers::in_force_at(conn, at).await?;
    Ok(Schedule::new(rows.iter().map(TierDiscount::discount)))
}

/// The discounts in force now, to show (the dealer views, the price book).
pub async fn in_force_now(
    c: &mut AsyncPgConnection,
) -> Result<(Schedule, DateTime<Utc>), ApiError> {
    let now = Utc::now();
    let rows = db::tiers::in_force_at(c, now).await?;
    Ok((Schedule::new(rows.iter().map(TierDiscount::discount)), now))
}

/// `tier`'s discount in percent in `schedule` at `at`. Every tier has one from the
/// epoch on (the migration's), and entries are never removed: none is our fault.
pub fn discount_of(
    schedule: &Schedule,
    tier: Tier,
    at: DateTime<Utc>,
) -> Result<Decimal, ApiError> {
    schedule.in_force(tier, at).map(|d| d.pct).ok_or_else(|| {
        ApiError::internal(format!("tier {} has no discount in force", tier.as_str()))
    })
}

/// Every tier, in [`Tier::ALL`] order, with its discount in force now and its next one.
pub async fn overview(c: &mut AsyncPgConnection) -> Result<Vec<TierOverview>, ApiError> {
    let now = Utc::now();
    let mut rows = db::tiers::in_force_at(c, now).await?;
    rows.extend(db::tiers::next_after(c, now).await?);
    let schedule = Schedule::new(rows.iter().map(TierDiscount::discount));
    let row_of = |found: &crate::domain::tier::Discount| {
        rows.iter()
            .find(|r| r.tier == found.tier && r.effective_from == found.effective_from)
            .cloned()
    };
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let current = schedule
                .in_force(tier, now)
                .and_then(row_of)
                .ok_or_else(|| {
                    ApiError::internal(format!("tier {} has no discount in force", tier.as_str()))
                })?;
            let next = schedule.next_after(tier, now).and_then(row_of);
            Ok(TierOverview {
                tier,
                current,
                next,
            })
        })
        .collect()
}

/// `tier`'s history, newest first.
pub async fn history(c: &mut AsyncPgConnection, tier: Tier) -> Result<Vec<TierDiscount>, ApiError> {
    Ok(db::tiers::history(c, tier).await?)
}

/// Adds `pct` to `tier`'s history from `effective_from` (now when `None`), written by
/// `actor` and audited as `tier_discount.scheduled` (entity: the tier). A moment
/// already passed → 422 naming `effective_from`; the tier already has a discount from
/// that moment → 409.
pub async fn schedule(
    c: &mut AsyncPgConnection,
    tier: Tier,
    pct: DiscountPct,
    effective_from: Option<DateTime<Utc>>,
    actor: &str,
    origin: &Origin,
) -> Result<TierDiscount, ApiError> {
    db::tiers::lock_for_scheduling(c).await?;
    // Taken once the lock is ours: every order priced before it has committed.
    // Microseconds: what PostgreSQL keeps.
    let now = Utc::now().trunc_subsecs(6);
    let effective_from = match effective_from {
        Some(at) => {
            let at = at.trunc_subsecs(6);
            check_effective_from(at, now)
                .map_err(|e| ApiError::invalid_field("effective_from", e.into_message()))?;
            at
        }
        None => now,
    };
    let entry = NewTierDiscount {
        tier,
        effective_from,
        discount_pct: pct.get(),
        created_by: actor.to_owned(),
    };
    let row = db::tiers::insert(c, &entry).await?.ok_or_else(|| {
        ApiError::conflict(format!(
            "tier {} already has a discount from {}",
            tier.as_str(),
            effective_from.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ))
    })?;
    let record = Entry::new("tier_discount.scheduled", "tier_discount", tier.as_str())
        .change(
            "discount_pct",
            None::<Decimal>,
            Some(row.discount_pct.normalize()),
        )
        .change(
            "effective_from",
            None::<DateTime<Utc>>,
            Some(row.effective_from),
        );
    origin.record(c, &[record]).await?;
    Ok(row)
}
