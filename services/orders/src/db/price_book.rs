//! The price book read model.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::schema::price_book;
use crate::domain::Currency;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = price_book)]
pub struct Part {
    pub part_number: String,
    pub description: String,
    pub list_price: Decimal,
    pub currency: Currency,
    pub active: bool,
    pub superseded_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Inserts or replaces the part (the event carries the whole part), unless the row
/// holds a newer description already: `updated_at` is the event's `occurred_at`, so
/// an older event delivered late does not overwrite a newer price. Answers whether it
/// wrote.
pub async fn upsert(conn: &mut AsyncPgConnection, part: &Part) -> QueryResult<bool> {
    use diesel::sql_types::{Bool, Nullable, Numeric, Text, Timestamptz};
    // diesel's DSL cannot put a WHERE on ON CONFLICT DO UPDATE with `excluded`.
    diesel::sql_query(
        "INSERT INTO price_book (part_number, description, list_price, currency, active, superseded_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (part_number) DO UPDATE SET
             description = excluded.description, list_price = excluded.list_price,
             currency = excluded.currency, active = excluded.active,
             superseded_by = excluded.superseded_by, updated_at = excluded.updated_at
         WHERE price_book.updated_at <= excluded.updated_at",
    )
    .bind::<Text, _>(&part.part_number)
    .bind::<Text, _>(&part.description)
    .bind::<Numeric, _>(part.list_price)
    .bind::<Text, _>(part.currency.as_ref())
    .bind::<Bool, _>(part.active)
    .bind::<Nullable<Text>, _>(part.superseded_by.as_deref())
    .bind::<Timestamptz, _>(part.updated_at)
    .execute(conn)
    .await
    .map(|rows| rows == 1)
}

// `lock`: the row a part event replaces, held until the transaction ends so that what
// its audit record calls "before" is what the upsert overwrites.
aftersales_web::find_and_lock!(price_book::table, Part, &str);

/// The parts of `part_numbers` the book has. Takes a shared connection so that it can
/// be pipelined with an order batch's other reads.
pub async fn find_many(
    mut conn: &AsyncPgConnection,
    part_numbers: &[String],
) -> QueryResult<Vec<Part>> {
    price_book::table
        .filter(price_book::part_number.eq_any(part_numbers))
        .select(Part::as_select())
        .load(&mut conn)
        .await
}
