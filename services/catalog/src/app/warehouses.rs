//! Warehouses: central or regional, created by admins.

use diesel_async::AsyncPgConnection;

use super::Result;
use crate::db::warehouses::{self, Warehouse};
use crate::domain::{WarehouseCode, WarehouseKind};

pub async fn create(
    c: &mut AsyncPgConnection,
    code: &WarehouseCode,
    name: &str,
    kind: WarehouseKind,
) -> Result<Warehouse> {
    Ok(warehouses::insert(c, code.as_str(), name, kind).await?)
}
