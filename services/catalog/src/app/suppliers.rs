//! Suppliers: created by admins, renamed, (de)activated; an inactive supplier can be
//! named by no new or changed part.

use diesel_async::AsyncPgConnection;

use super::{Error, Result, check_version};
use crate::db::suppliers::{self, Supplier};
use crate::domain::SupplierCode;

pub async fn create(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    name: &str,
) -> Result<Supplier> {
    Ok(suppliers::insert(c, code.as_str(), name).await?)
}

/// Renames and/or (de)activates a supplier whose version is `expected` (any when
/// `None`).
pub async fn update(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    expected: Option<i32>,
    name: Option<&str>,
    active: Option<bool>,
) -> Result<Supplier> {
    let current = suppliers::lock(c, code.as_str())
        .await?
        .ok_or_else(|| Error::NotFound(format!("supplier {code} not found")))?;
    check_version(expected, current.version)?;
    Ok(suppliers::update(
        c,
        code.as_str(),
        name.unwrap_or(&current.name),
        active.unwrap_or(current.active),
        current.version + 1,
    )
    .await?)
}

/// A supplier no new part may name.
pub async fn deactivate(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    expected: Option<i32>,
) -> Result<Supplier> {
    update(c, code, expected, None, Some(false)).await
}
