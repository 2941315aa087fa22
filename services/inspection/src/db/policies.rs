//! Warranty policies, per part category or per part.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::schema::policies;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = policies)]
pub struct Policy {
    pub id: Uuid,
    pub category: Option<String>,
    pub part_number: Option<String>,
    pub warranty_months: i32,
    pub usage_limit: Option<i64>,
    pub core_replace_only_months: i32,
    pub submission_window_days: i32,
    pub return_required: bool,
    pub return_deadline_days: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The terms an admin sets.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = policies)]
pub struct Terms {
    pub warranty_months: i32,
    #[diesel(treat_none_as_null = true)]
    pub usage_limit: Option<i64>,
    pub core_replace_only_months: i32,
    pub submission_window_days: i32,
    pub return_required: bool,
    pub return_deadline_days: i32,
}

/// Inserts a policy for a category or a part; `None` when that scope has one already.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    category: Option<&str>,
    part_number: Option<&str>,
    terms: &Terms,
) -> QueryResult<Option<Policy>> {
    diesel::insert_into(policies::table)
        .values((
            policies::id.eq(id),
            policies::category.eq(category),
            policies::part_number.eq(part_number),
            terms,
        ))
        .on_conflict_do_nothing()
        .returning(Policy::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub enum UpdateOutcome {
    Updated(Policy),
    NotFound,
    Stale,
}

/// Replaces a policy's terms in one conditional statement (optimistic concurrency).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    terms: &Terms,
    expected_version: Option<i32>,
) -> QueryResult<UpdateOutcome> {
    let changes = (
        terms,
        policies::version.eq(policies::version + 1),
        policies::updated_at.eq(diesel::dsl::now),
    );
    let updated = match expected_version {
        Some(v) => {
            diesel::update(policies::table.find(id).filter(policies::version.eq(v)))
                .set(changes)
                .returning(Policy::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(policies::table.find(id))
                .set(changes)
                .returning(Policy::as_returning())
                .get_result(conn)
                .await
        }
    }
    .optional()?;
    Ok(match updated {
        Some(p) => UpdateOutcome::Updated(p),
        None if find(conn, id).await?.is_some() => UpdateOutcome::Stale,
        None => UpdateOutcome::NotFound,
    })
}

// The policy, optionally locked until the transaction ends (an update records the
// terms it replaced).
aftersales_web::find_and_lock!(policies::table, Policy, Uuid);

/// The policy for a part: its own, else its category's.
pub async fn for_part(
    conn: &mut AsyncPgConnection,
    part_number: &str,
    category: &str,
) -> QueryResult<Option<Policy>> {
    let own = policies::table
        .filter(policies::part_number.eq(part_number))
        .select(Policy::as_select())
        .first(conn)
        .await
        .optional()?;
    if own.is_some() {
        return Ok(own);
    }
    policies::table
        .filter(policies::category.eq(category))
        .select(Policy::as_select())
        .first(conn)
        .await
        .optional()
}

/// Policies ordered by id after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Policy>> {
    let mut query = policies::table
        .select(Policy::as_select())
        .order(policies::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(policies::id.gt(after));
    }
    query.load(conn).await
}
