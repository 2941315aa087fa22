//! Inspectors' own approval limits.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;

use super::schema::approval_limits as al;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = al)]
pub struct ApprovalLimit {
    /// The inspector's subject (`sub` of their token).
    pub subject: String,
    pub approval_limit: Decimal,
    /// Who set it.
    pub set_by: String,
    pub updated_at: DateTime<Utc>,
}

// The limit, optionally locked until the transaction ends (a change records the
// limit it replaced).
aftersales_web::find_and_lock!(al::table, ApprovalLimit, &str);

/// Sets (or replaces) the inspector's limit.
pub async fn put(
    conn: &mut AsyncPgConnection,
    limit: &ApprovalLimit,
) -> QueryResult<ApprovalLimit> {
    diesel::insert_into(al::table)
        .values(limit)
        .on_conflict(al::subject)
        .do_update()
        .set((
            al::approval_limit.eq(limit.approval_limit),
            al::set_by.eq(&limit.set_by),
            al::updated_at.eq(limit.updated_at),
        ))
        .returning(ApprovalLimit::as_returning())
        .get_result(conn)
        .await
}

/// Removes the inspector's own limit; the limit removed, if there was one.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    subject: &str,
) -> QueryResult<Option<ApprovalLimit>> {
    diesel::delete(al::table.find(subject))
        .returning(ApprovalLimit::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Limits by subject, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ApprovalLimit>> {
    let mut query = al::table
        .select(ApprovalLimit::as_select())
        .order(al::subject)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(al::subject.gt(after.to_owned()));
    }
    query.load(conn).await
}
