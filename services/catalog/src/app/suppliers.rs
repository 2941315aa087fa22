//! Suppliers: created by admins, renamed, (de)activated; an inactive supplier can be
//! named by no new or changed part.

use aftersales_web::audit::Entry;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};

use super::{Cause, Error, Result, check_version};
use crate::db::suppliers::{self, Supplier};
use crate::domain::SupplierCode;

pub async fn create(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    name: &str,
    cause: Cause<'_>,
) -> Result<Supplier> {
    let s = suppliers::insert(c, code.as_str(), name).await?;
    let entry = Entry::new("supplier.created", "supplier", &s.code).created(&audited(&s));
    cause.audit(c, &[entry]).await?;
    Ok(s)
}

/// Renames and/or (de)activates a supplier whose version is `expected` (any when
/// `None`).
pub async fn update(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    expected: Option<i32>,
    name: Option<&str>,
    active: Option<bool>,
    cause: Cause<'_>,
) -> Result<Supplier> {
    change(c, code, expected, (name, active), "supplier.updated", cause).await
}

/// A supplier no new part may name.
pub async fn deactivate(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    expected: Option<i32>,
    cause: Cause<'_>,
) -> Result<Supplier> {
    let set = (None, Some(false));
    change(c, code, expected, set, "supplier.deactivated", cause).await
}

/// Sets the given `(name, active)`, recorded as `action`.
async fn change(
    c: &mut AsyncPgConnection,
    code: &SupplierCode,
    expected: Option<i32>,
    (name, active): (Option<&str>, Option<bool>),
    action: &'static str,
    cause: Cause<'_>,
) -> Result<Supplier> {
    let current = suppliers::lock(c, code.as_str())
        .await?
        .ok_or_else(|| Error::NotFound(format!("supplier {code} not found")))?;
    check_version(expected, current.version)?;
    let s = suppliers::update(
        c,
        code.as_str(),
        name.unwrap_or(&current.name),
        active.unwrap_or(current.active),
        current.version + 1,
    )
    .await?;
    let entry = Entry::new(action, "supplier", &s.code).diff(&audited(&current), &audited(&s));
    cause.audit(c, &[entry]).await?;
    Ok(s)
}

/// What the audit trail shows of a supplier.
fn audited(s: &Supplier) -> Value {
    json!({"name": s.name, "active": s.active})
}
