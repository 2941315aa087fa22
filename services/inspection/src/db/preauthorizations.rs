//! Goodwill pre-authorizations.

use aftersales_web::pagination::{self, Position};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{claims, preauthorizations as pa};
use crate::domain::goodwill::PreauthStatus;
use crate::domain::{Currency, DealerCode, PartNumber};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = pa)]
pub struct Preauthorization {
    pub id: Uuid,
    /// `PA-000007`.
    pub number: String,
    pub dealer_code: DealerCode,
    pub unit_serial: String,
    pub causal_part_number: PartNumber,
    pub description: String,
    pub estimate_parts: Decimal,
    pub estimate_labor: Decimal,
    pub currency: Currency,
    pub status: PreauthStatus,
    pub goodwill_pct: Option<Decimal>,
    /// The approval's note, or the rejection's reason.
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub requested_at: DateTime<Utc>,
}

/// The next human number, `PA-000007`.
pub async fn next_number(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    super::next_number(conn, "preauthorization_number_seq", "PA").await
}

pub async fn insert(conn: &mut AsyncPgConnection, p: &Preauthorization) -> QueryResult<()> {
    diesel::insert_into(pa::table)
        .values(p)
        .execute(conn)
        .await?;
    Ok(())
}

aftersales_web::find_and_lock!(pa::table, Preauthorization, Uuid);

/// Records a quality lead's decision.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: PreauthStatus,
    goodwill_pct: Option<Decimal>,
    note: Option<&str>,
    by: &str,
    at: DateTime<Utc>,
) -> QueryResult<Preauthorization> {
    diesel::update(pa::table.find(id))
        .set((
            pa::status.eq(status),
            pa::goodwill_pct.eq(goodwill_pct),
            pa::decision_note.eq(note),
            pa::decided_by.eq(by),
            pa::decided_at.eq(at),
        ))
        .returning(Preauthorization::as_returning())
        .get_result(conn)
        .await
}

/// The number of the claim (not rejected) filed under `id`, if any.
pub async fn claimed_by(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<String>> {
    claims::table
        .filter(claims::preauthorization_id.eq(id))
        .filter(super::claims::not_rejected())
        .select(claims::number)
        .first(conn)
        .await
        .optional()
}

/// Filters of the list, newest first, after `(requested_at, id)`.
pub struct ListFilter {
    pub dealer_code: Option<String>,
    pub status: Option<PreauthStatus>,
    pub after: Option<Position>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ListFilter,
    limit: i64,
) -> QueryResult<Vec<Preauthorization>> {
    let predicate = pagination::all([
        pagination::eq_if(pa::dealer_code, filter.dealer_code.as_deref()),
        pagination::eq_if(pa::status, filter.status.map(PreauthStatus::as_str)),
        filter
            .after
            .map(|after| pagination::older_than(pa::requested_at, pa::id, after)),
    ]);
    pa::table
        .select(Preauthorization::as_select())
        .filter(predicate)
        .order((pa::requested_at.desc(), pa::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}
