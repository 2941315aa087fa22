//! The `suppliers` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::suppliers;
use super::{Result, constraint};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = suppliers)]
pub struct Supplier {
    pub code: String,
    pub name: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(c: &mut AsyncPgConnection, code: &str, name: &str) -> Result<Supplier> {
    diesel::insert_into(suppliers::table)
        .values((suppliers::code.eq(code), suppliers::name.eq(name)))
        .returning(Supplier::as_returning())
        .get_result(c)
        .await
        .map_err(|e| constraint(e, &format!("supplier {code}")))
}

aftersales_web::find_and_lock!(suppliers::table, Supplier, &str);

pub async fn list(
    c: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Supplier>> {
    let mut q = suppliers::table
        .select(Supplier::as_select())
        .order(suppliers::code)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(suppliers::code.gt(after.to_owned()));
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

/// Stores name and active flag as the next version.
pub async fn update(
    c: &mut AsyncPgConnection,
    code: &str,
    name: &str,
    active: bool,
    version: i32,
) -> Result<Supplier> {
    Ok(diesel::update(suppliers::table.find(code))
        .set((
            suppliers::name.eq(name),
            suppliers::active.eq(active),
            suppliers::version.eq(version),
            suppliers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Supplier::as_returning())
        .get_result(c)
        .await?)
}
