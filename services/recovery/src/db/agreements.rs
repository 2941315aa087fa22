//! Supplier agreements.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::schema::agreements;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreements)]
pub struct Agreement {
    pub id: Uuid,
    pub supplier_code: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub parts_recovery_pct: Decimal,
    pub labor_recovery_pct: Decimal,
    pub handling_fee: Decimal,
    pub currency: String,
    pub claim_window_days: i32,
    pub created_at: DateTime<Utc>,
}

/// Serialises writers of one supplier's agreements until the transaction ends (the
/// same lock the overlap trigger takes).
pub async fn lock_supplier(conn: &mut AsyncPgConnection, supplier_code: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(84, hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(supplier_code)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert(conn: &mut AsyncPgConnection, agreement: &Agreement) -> QueryResult<Agreement> {
    diesel::insert_into(agreements::table)
        .values(agreement)
        .returning(Agreement::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Agreement>> {
    agreements::table
        .find(id)
        .select(Agreement::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every agreement of a supplier, oldest validity first.
pub async fn of_supplier(
    conn: &mut AsyncPgConnection,
    supplier_code: &str,
) -> QueryResult<Vec<Agreement>> {
    agreements::table
        .filter(agreements::supplier_code.eq(supplier_code))
        .order(agreements::valid_from)
        .select(Agreement::as_select())
        .load(conn)
        .await
}

/// Agreements by supplier and start, after `(supplier, valid_from, id)`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    supplier_code: Option<&str>,
    after: Option<(String, NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Agreement>> {
    let mut query = agreements::table
        .select(Agreement::as_select())
        .order((
            agreements::supplier_code,
            agreements::valid_from,
            agreements::id,
        ))
        .limit(limit)
        .into_boxed();
    if let Some(code) = supplier_code {
        query = query.filter(agreements::supplier_code.eq(code.to_owned()));
    }
    if let Some((code, from, id)) = after {
        query = query.filter(
            agreements::supplier_code
                .gt(code.clone())
                .or(agreements::supplier_code.eq(code).and(
                    agreements::valid_from
                        .gt(from)
                        .or(agreements::valid_from.eq(from).and(agreements::id.gt(id))),
                )),
        );
    }
    query.load(conn).await
}
