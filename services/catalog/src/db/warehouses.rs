//! The `warehouses` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::warehouses;
use super::{Result, constraint};
use crate::domain::WarehouseKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = warehouses)]
pub struct Warehouse {
    pub code: String,
    pub name: String,
    pub kind: WarehouseKind,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    c: &mut AsyncPgConnection,
    code: &str,
    name: &str,
    kind: WarehouseKind,
) -> Result<Warehouse> {
    diesel::insert_into(warehouses::table)
        .values((
            warehouses::code.eq(code),
            warehouses::name.eq(name),
            warehouses::kind.eq(kind),
        ))
        .returning(Warehouse::as_returning())
        .get_result(c)
        .await
        .map_err(|e| constraint(e, &format!("warehouse {code}")))
}

aftersales_web::row_by_key!(pub fn find(warehouses::table, &str) -> Warehouse);

/// Whether the warehouse is active; `None` when there is no such warehouse.
pub async fn active(c: &mut AsyncPgConnection, code: &str) -> Result<Option<bool>> {
    Ok(warehouses::table
        .find(code)
        .select(warehouses::active)
        .first(c)
        .await
        .optional()?)
}

pub async fn list(c: &mut AsyncPgConnection) -> Result<Vec<Warehouse>> {
    Ok(warehouses::table
        .order(warehouses::code)
        .select(Warehouse::as_select())
        .load(c)
        .await?)
}

/// The active warehouses, by code.
pub async fn list_active(c: &mut AsyncPgConnection) -> Result<Vec<Warehouse>> {
    Ok(warehouses::table
        .filter(warehouses::active)
        .order(warehouses::code)
        .select(Warehouse::as_select())
        .load(c)
        .await?)
}
