//! Supplier agreements.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::schema::agreements;
use crate::domain::Currency;
use crate::domain::agreement::{self, Terms, Validity};
use crate::domain::money::Percent;

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

impl Agreement {
    /// The stored agreement as the rules need it; an error (naming the agreement) only
    /// if the row breaks the table's own checks.
    pub fn to_domain(&self) -> Result<agreement::Agreement<Uuid>, String> {
        let broken = |what: String| format!("agreement {}: {what}", self.id);
        Ok(agreement::Agreement {
            id: self.id,
            validity: self.validity().map_err(broken)?,
            terms: Terms {
                parts_pct: Percent::parse(self.parts_recovery_pct).map_err(broken)?,
                labor_pct: Percent::parse(self.labor_recovery_pct).map_err(broken)?,
                handling_fee: self.handling_fee,
                currency: Currency::parse(&self.currency).map_err(|e| broken(e.into_message()))?,
                claim_window_days: u32::try_from(self.claim_window_days)
                    .map_err(|_| broken("negative claim window".into()))?,
            },
        })
    }

    /// The days the stored agreement is in force.
    pub fn validity(&self) -> Result<Validity, String> {
        Validity::parse(self.valid_from, self.valid_to)
    }
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

aftersales_web::row_by_key!(pub fn find(agreements::table, Uuid) -> Agreement);

/// Writes the agreement's validity and terms (its id, supplier and creation stay).
pub async fn update(conn: &mut AsyncPgConnection, a: &Agreement) -> QueryResult<Agreement> {
    diesel::update(agreements::table.find(a.id))
        .set((
            agreements::valid_from.eq(a.valid_from),
            agreements::valid_to.eq(a.valid_to),
            agreements::parts_recovery_pct.eq(a.parts_recovery_pct),
            agreements::labor_recovery_pct.eq(a.labor_recovery_pct),
            agreements::handling_fee.eq(a.handling_fee),
            agreements::currency.eq(&a.currency),
            agreements::claim_window_days.eq(a.claim_window_days),
        ))
        .returning(Agreement::as_returning())
        .get_result(conn)
        .await
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
