//! Warehouses: central or regional, created by admins.

use aftersales_web::audit::Entry;
use diesel_async::AsyncPgConnection;
use serde_json::json;

use super::{Cause, Result};
use crate::db::warehouses::{self, Warehouse};
use crate::domain::{WarehouseCode, WarehouseKind};

pub async fn create(
    c: &mut AsyncPgConnection,
    code: &WarehouseCode,
    name: &str,
    kind: WarehouseKind,
    cause: Cause<'_>,
) -> Result<Warehouse> {
    let w = warehouses::insert(c, code.as_str(), name, kind).await?;
    let fields = json!({"name": w.name, "kind": w.kind.as_str(), "active": w.active});
    let entry = Entry::new("warehouse.created", "warehouse", &w.code).created(&fields);
    cause.audit(c, &[entry]).await?;
    Ok(w)
}
