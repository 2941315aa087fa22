//! Parts as catalog last described them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::parts;
use crate::domain::{PartNumber, SupplierCode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = parts)]
pub struct Part {
    pub part_number: PartNumber,
    pub description: String,
    pub supplier_code: SupplierCode,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// Inserts or replaces the part, unless what is stored is newer (events may arrive
/// out of order).
/// Whether it was written.
pub async fn upsert(conn: &mut AsyncPgConnection, part: &Part) -> QueryResult<bool> {
    use diesel::sql_types::{Bool, Text, Timestamptz};
    diesel::sql_query(
        "INSERT INTO parts (part_number, description, supplier_code, active, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (part_number) DO UPDATE SET
             description = EXCLUDED.description, supplier_code = EXCLUDED.supplier_code,
             active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
         WHERE parts.updated_at <= EXCLUDED.updated_at",
    )
    .bind::<Text, _>(&part.part_number)
    .bind::<Text, _>(&part.description)
    .bind::<Text, _>(&part.supplier_code)
    .bind::<Bool, _>(part.active)
    .bind::<Timestamptz, _>(part.updated_at)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

// Whether the part is known.
aftersales_web::row_by_key!(pub fn find(parts::table, &str) -> Part);
