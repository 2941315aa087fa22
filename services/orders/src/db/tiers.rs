//! Tier discounts and their history (`tier_discounts`: only ever added to).
//!
//! Pricing and scheduling meet on the table's lock. An order batch reads the discounts
//! in force in its transaction, and the read holds the table `ACCESS SHARE` until the
//! batch commits; a new discount is written holding the table `ACCESS EXCLUSIVE`
//! ([`lock_for_scheduling`]), with its "now" taken once the lock is granted, so it
//! waits for the batches that read before it and the batches that come later wait for
//! it. PostgreSQL takes a statement's snapshot after the statement's locks (a read that
//! waited sees what the writer committed), so a discount written at a moment is either
//! seen by an order batch's read or starts after every order that batch places. The
//! batches pay nothing for it: no statement of their own, only the read they do anyway.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::schema::tier_discounts;
use crate::domain::Tier;
use crate::domain::tier::Discount;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tier_discounts)]
pub struct TierDiscount {
    pub tier: Tier,
    pub effective_from: DateTime<Utc>,
    pub discount_pct: Decimal,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl TierDiscount {
    /// The entry as the pricing rules read it (the percent without trailing zeros, as
    /// it was given).
    pub fn discount(&self) -> Discount {
        Discount {
            tier: self.tier,
            pct: self.discount_pct.normalize(),
            effective_from: self.effective_from,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tier_discounts)]
pub struct NewTierDiscount {
    pub tier: Tier,
    pub effective_from: DateTime<Utc>,
    pub discount_pct: Decimal,
    pub created_by: String,
}

/// Takes the table exclusively until the transaction ends: waits for the order batches
/// that read the discounts (each holds its read's lock until it commits), and makes
/// those that come later, and every other reader, wait for this transaction.
pub async fn lock_for_scheduling(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("LOCK TABLE tier_discounts IN ACCESS EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    Ok(())
}

/// Each tier's entry in force at `at` (the latest not after it), one row per tier. In an
/// order batch, its lock is the pricing side of [`lock_for_scheduling`]. Takes a shared
/// connection so that it can be pipelined with the batch's other reads.
pub async fn in_force_at(
    mut conn: &AsyncPgConnection,
    at: DateTime<Utc>,
) -> QueryResult<Vec<TierDiscount>> {
    tier_discounts::table
        .filter(tier_discounts::effective_from.le(at))
        .order((tier_discounts::tier, tier_discounts::effective_from.desc()))
        .distinct_on(tier_discounts::tier)
        .select(TierDiscount::as_select())
        .load(&mut conn)
        .await
}

/// Each tier's next entry after `at` (the earliest after it), one row per tier that
/// has one.
pub async fn next_after(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> QueryResult<Vec<TierDiscount>> {
    tier_discounts::table
        .filter(tier_discounts::effective_from.gt(at))
        .order((tier_discounts::tier, tier_discounts::effective_from.asc()))
        .distinct_on(tier_discounts::tier)
        .select(TierDiscount::as_select())
        .load(conn)
        .await
}

/// `tier`'s whole history, newest `effective_from` first.
pub async fn history(conn: &mut AsyncPgConnection, tier: Tier) -> QueryResult<Vec<TierDiscount>> {
    tier_discounts::table
        .filter(tier_discounts::tier.eq(tier))
        .order(tier_discounts::effective_from.desc())
        .select(TierDiscount::as_select())
        .load(conn)
        .await
}

/// Adds an entry; `None` when the tier already has one from that moment.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    entry: &NewTierDiscount,
) -> QueryResult<Option<TierDiscount>> {
    diesel::insert_into(tier_discounts::table)
        .values(entry)
        .on_conflict_do_nothing()
        .returning(TierDiscount::as_returning())
        .get_result(conn)
        .await
        .optional()
}
