//! Tier discounts and their history (`tier_discounts`: only ever added to).
//!
//! Pricing and scheduling meet on one advisory lock: an order batch holds it shared
//! from before it reads the discounts until it commits, and a new discount is written
//! holding it exclusively, its "now" taken once the lock is granted. So a discount
//! written at a moment is either seen by an order batch's read or starts after every
//! order that batch places (a discount never starts before the moment it was written).

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

/// The advisory lock's key: (class 82, orders; 1, tier discounts).
const LOCK: &str = "82, 1";

/// Takes the lock shared until the transaction ends: the order batches' side.
pub async fn lock_for_pricing(mut conn: &AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock_shared({LOCK})"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Takes the lock exclusively until the transaction ends (waits for the order batches
/// writing now; those that come later wait for this transaction): the writer's side.
pub async fn lock_for_scheduling(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LOCK})"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Each tier's entry in force at `at` (the latest not after it), one row per tier.
/// Takes a shared connection so that it can be pipelined with the batch's other reads.
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
