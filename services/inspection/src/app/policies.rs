//! Warranty policies per part category, overridable per part. A change applies to
//! claims submitted afterwards; decided claims keep what they were decided with.

use aftersales_web::ApiError;
use aftersales_web::audit::{Entry, Origin};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::domain::PartNumber;

/// What a policy covers: a part category, or one part.
#[derive(Debug, Clone)]
pub enum Scope {
    Category(String),
    Part(PartNumber),
}

/// Creates a policy for `scope`; 409 when that scope has one already.
pub async fn create(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    scope: &Scope,
    terms: &db::policies::Terms,
) -> Result<db::policies::Policy, ApiError> {
    let (category, part_number) = match scope {
        Scope::Category(category) => (Some(category.as_str()), None),
        Scope::Part(part) => (None, Some(part.as_str())),
    };
    let policy = db::policies::insert(c, Uuid::now_v7(), category, part_number, terms)
        .await?
        .ok_or_else(|| {
            ApiError::conflict("that category or part has a policy already; update it instead")
        })?;
    let entry = Entry::new("policy.created", "policy", policy.id).created(&policy);
    origin.record(c, &[entry]).await?;
    Ok(policy)
}

/// Replaces policy `id`'s terms; with `expected_version`, a stale one is 412.
pub async fn update(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    id: Uuid,
    terms: &db::policies::Terms,
    expected_version: Option<i32>,
) -> Result<db::policies::Policy, ApiError> {
    let not_found = || ApiError::not_found(format!("no policy {id}"));
    // Locked, so that the terms recorded as before are the ones replaced.
    let before = db::policies::lock(c, id).await?.ok_or_else(not_found)?;
    let after = match db::policies::update(c, id, terms, expected_version).await? {
        db::policies::UpdateOutcome::Updated(p) => p,
        db::policies::UpdateOutcome::NotFound => return Err(not_found()),
        db::policies::UpdateOutcome::Stale => {
            return Err(ApiError::precondition_failed(
                "the policy changed since it was read (If-Match is stale)",
            ));
        }
    };
    let entry = Entry::new("policy.updated", "policy", id).diff(&before, &after);
    origin.record(c, &[entry]).await?;
    Ok(after)
}
