//! Registered units.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use super::schema::units;
use crate::domain::UsageUnit;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = units)]
pub struct Unit {
    pub serial: String,
    pub dealer_code: String,
    pub model: String,
    pub in_service_date: NaiveDate,
    pub usage_at_sale: i64,
    pub usage_unit: UsageUnit,
    pub registered_at: DateTime<Utc>,
}

/// Inserts a unit; `None` when the serial is taken (by any dealer).
pub async fn insert(conn: &mut AsyncPgConnection, unit: &Unit) -> QueryResult<Option<Unit>> {
    diesel::insert_into(units::table)
        .values(unit)
        .on_conflict_do_nothing()
        .returning(Unit::as_returning())
        .get_result(conn)
        .await
        .optional()
}

// The unit, locked until the transaction ends: claim submission checks for
// duplicates per unit, and two submissions for one unit must not both pass.
aftersales_web::find_and_lock!(units::table, Unit, &str);

/// Units by serial after `after`, optionally of one dealer.
pub async fn list(
    conn: &mut AsyncPgConnection,
    dealer_code: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Unit>> {
    let mut query = units::table
        .select(Unit::as_select())
        .order(units::serial)
        .limit(limit)
        .into_boxed();
    if let Some(dealer) = dealer_code {
        query = query.filter(units::dealer_code.eq(dealer.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(units::serial.gt(after.to_owned()));
    }
    query.load(conn).await
}
