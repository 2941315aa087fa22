//! Inspectors' own approval limits, set and removed by quality leads and admins; the
//! decision rule reads them through `decision::limit_of`.

use aftersales_web::ApiError;
use aftersales_web::audit::{Entry, Origin};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::db;
use crate::db::approval_limits::ApprovalLimit;

fn entry(action: &'static str, subject: &str) -> Entry {
    Entry::new(action, "approval_limit", subject)
}

/// Sets (or replaces) `subject`'s own limit as `set_by`; it applies to their next
/// decision.
pub async fn set(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    subject: String,
    limit: Decimal,
    set_by: &str,
) -> Result<ApprovalLimit, ApiError> {
    // Locked, so that the limit recorded as before is the one replaced.
    let before = db::approval_limits::lock(c, &subject).await?;
    let row = ApprovalLimit {
        subject,
        approval_limit: limit,
        set_by: set_by.to_owned(),
        updated_at: Utc::now(),
    };
    let row = db::approval_limits::put(c, &row).await?;
    let entry = entry("approval_limit.set", &row.subject).diff(&before, &row);
    origin.record(c, &[entry]).await?;
    tracing::info!(subject = %row.subject, limit = %row.approval_limit, by = %set_by, "approval limit set");
    Ok(row)
}

/// Removes `subject`'s own limit, so the default applies again; 404 when they have none.
pub async fn remove(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    subject: &str,
) -> Result<(), ApiError> {
    let removed = db::approval_limits::delete(c, subject)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{subject} has no approval limit of their own; the default applies"
            ))
        })?;
    let entry = entry("approval_limit.removed", subject).diff(&removed, &());
    origin.record(c, &[entry]).await?;
    tracing::info!(%subject, "approval limit removed");
    Ok(())
}
