//! Labor operations and their standard (flat-rate) hours.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;

use super::schema::labor_operations;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = labor_operations)]
pub struct Operation {
    pub code: String,
    pub description: String,
    pub standard_hours: Decimal,
    pub created_at: DateTime<Utc>,
}

/// Inserts an operation; `None` when the code is taken.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    code: &str,
    description: &str,
    standard_hours: Decimal,
) -> QueryResult<Option<Operation>> {
    diesel::insert_into(labor_operations::table)
        .values((
            labor_operations::code.eq(code),
            labor_operations::description.eq(description),
            labor_operations::standard_hours.eq(standard_hours),
        ))
        .on_conflict_do_nothing()
        .returning(Operation::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find_many(
    conn: &mut AsyncPgConnection,
    codes: &[String],
) -> QueryResult<Vec<Operation>> {
    labor_operations::table
        .filter(labor_operations::code.eq_any(codes))
        .select(Operation::as_select())
        .load(conn)
        .await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Operation>> {
    let mut query = labor_operations::table
        .select(Operation::as_select())
        .order(labor_operations::code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(labor_operations::code.gt(after.to_owned()));
    }
    query.load(conn).await
}
