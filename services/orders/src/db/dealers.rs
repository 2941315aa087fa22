//! Dealers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::schema::dealers;
use crate::domain::{Currency, DealerCode, Tier, WarehouseCode};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dealers)]
pub struct Dealer {
    pub code: DealerCode,
    pub name: String,
    pub tier: Tier,
    pub labor_rate: Decimal,
    pub currency: Currency,
    pub home_warehouse: WarehouseCode,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an admin sets on a dealer (all fields but the code).
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = dealers)]
pub struct DealerFields {
    pub name: String,
    pub tier: Tier,
    pub labor_rate: Decimal,
    pub currency: Currency,
    pub home_warehouse: String,
    pub active: bool,
}

/// Inserts a new dealer; `None` when the code is taken.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    code: &str,
    fields: &DealerFields,
) -> QueryResult<Option<Dealer>> {
    diesel::insert_into(dealers::table)
        .values((dealers::code.eq(code), fields.clone()))
        .on_conflict_do_nothing()
        .returning(Dealer::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub enum UpdateOutcome {
    Updated(Dealer),
    NotFound,
    /// The dealer is at another version than `If-Match` said.
    Stale,
}

/// Updates a dealer in one conditional statement, so two admins writing at once
/// cannot both succeed against the same version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    code: &str,
    fields: &DealerFields,
    expected_version: Option<i32>,
) -> QueryResult<UpdateOutcome> {
    let target = dealers::table.filter(dealers::code.eq(code));
    let updated = match expected_version {
        Some(v) => {
            diesel::update(target.filter(dealers::version.eq(v)))
                .set((
                    fields.clone(),
                    dealers::version.eq(dealers::version + 1),
                    dealers::updated_at.eq(diesel::dsl::now),
                ))
                .returning(Dealer::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set((
                    fields.clone(),
                    dealers::version.eq(dealers::version + 1),
                    dealers::updated_at.eq(diesel::dsl::now),
                ))
                .returning(Dealer::as_returning())
                .get_result(conn)
                .await
        }
    }
    .optional()?;
    Ok(match updated {
        Some(dealer) => UpdateOutcome::Updated(dealer),
        None if find(conn, code).await?.is_some() => UpdateOutcome::Stale,
        None => UpdateOutcome::NotFound,
    })
}

// `lock`: the dealer an update replaces, held until the transaction ends.
aftersales_web::find_and_lock!(dealers::table, Dealer, &str);

/// The dealers of `codes` that exist, in no particular order. Takes a shared
/// connection so that it can be pipelined with an order batch's other reads.
pub async fn find_many(mut conn: &AsyncPgConnection, codes: &[&str]) -> QueryResult<Vec<Dealer>> {
    dealers::table
        .filter(dealers::code.eq_any(codes))
        .select(Dealer::as_select())
        .load(&mut conn)
        .await
}

/// Dealers by code after `after`, at most `limit` rows.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    active: Option<bool>,
    limit: i64,
) -> QueryResult<Vec<Dealer>> {
    let mut query = dealers::table
        .select(Dealer::as_select())
        .order(dealers::code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(dealers::code.gt(after.to_owned()));
    }
    if let Some(active) = active {
        query = query.filter(dealers::active.eq(active));
    }
    query.load(conn).await
}
