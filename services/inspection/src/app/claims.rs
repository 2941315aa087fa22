//! A claim as the service answers it (the claim with its details, inspection record
//! and lines), who may see it, the claim list, and what the audit trail records of a
//! claim's changes.

use aftersales_web::audit::Entry;
use aftersales_web::pagination::{DealerListFilter, ListOrder, Position};
use aftersales_web::{ApiError, Page, Principal, Role};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db;
use crate::domain::{ClaimStatus, ReasonCode};

/// Everything stored about one claim.
#[derive(Debug, Clone)]
pub struct ClaimFile {
    pub claim: db::claims::Claim,
    pub details: db::claims::Details,
    pub inspection: db::claims::Inspection,
    pub parts: Vec<db::claims::PartLine>,
    pub labor: Vec<db::claims::LaborLine>,
}

pub fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no claim {id}"))
}

/// 404 unless the caller may see `claim` (a dealer sees only its own).
pub fn check_visible(who: &Principal, claim: &db::claims::Claim) -> Result<(), ApiError> {
    if who.is(Role::Dealer) && who.dealer_code() != Some(claim.dealer_code.as_str()) {
        return Err(not_found(claim.id));
    }
    Ok(())
}

/// The rest of `claim`'s file.
pub async fn file_of(
    c: &mut AsyncPgConnection,
    claim: db::claims::Claim,
) -> Result<ClaimFile, ApiError> {
    let id = claim.id;
    Ok(ClaimFile {
        details: db::claims::details(c, id).await?,
        inspection: db::claims::inspection(c, id).await?,
        parts: db::claims::part_lines(c, id).await?,
        labor: db::claims::labor_lines(c, id).await?,
        claim,
    })
}

/// The claim `id` as it is now (after a change made in this transaction).
pub async fn load(c: &mut AsyncPgConnection, id: Uuid) -> Result<ClaimFile, ApiError> {
    let claim = db::claims::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    file_of(c, claim).await
}

/// The claim `id` if `who` may see it.
pub async fn get(
    c: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<ClaimFile, ApiError> {
    let claim = db::claims::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(who, &claim)?;
    file_of(c, claim).await
}

/// The claim `id`, locked until the transaction ends, if `who` may see it: every
/// status change reads, asks the state machine, then writes.
pub async fn lock(
    c: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<db::claims::Claim, ApiError> {
    let claim = db::claims::lock(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(who, &claim)?;
    Ok(claim)
}

/// An audit entry of `action` on `claim`: the claim's dealer may read it.
pub(crate) fn entry(action: &'static str, claim: &db::claims::Claim) -> Entry {
    Entry::new(action, "claim", claim.id).of_dealer(&claim.dealer_code)
}

/// What the audit trail compares of a claim before and after a step: the fields the
/// steps after submission change (status, decision, inspection record). The claimed
/// amounts and lines never change after submission, so they are left out here.
pub(crate) fn audited(claim: &db::claims::Claim, inspection: &db::claims::Inspection) -> Value {
    json!({
        "status": claim.status,
        "decision": claim.decision,
        "reasons": claim.reasons,
        "decided_at": claim.decided_at,
        "received_at": inspection.received_at,
        "receipt_warehouse": inspection.receipt_warehouse,
        "receipt_quantity": inspection.receipt_quantity,
        "failure_mode": inspection.failure_mode,
        "cause_code": inspection.cause_code,
        "responsible_supplier": inspection.responsible_supplier,
        "approved_parts_amount": inspection.approved_parts_amount,
        "approved_labor_amount": inspection.approved_labor_amount,
        "decided_by": inspection.decided_by,
        "disposition": inspection.disposition,
        "disposed_at": inspection.disposed_at,
    })
}

/// The entry of a step `action` that took a claim from `before` (claim and inspection
/// record as locked) to `after`: the fields it changed.
pub(crate) fn stepped(
    action: &'static str,
    before: (&db::claims::Claim, &db::claims::Inspection),
    after: &ClaimFile,
) -> Entry {
    entry(action, before.0).diff(
        &audited(before.0, before.1),
        &audited(&after.claim, &after.inspection),
    )
}

/// Reason codes as one reason: `duplicate_claim, labor_exceeds_standard`.
pub(crate) fn reasons_text<'a>(reasons: impl IntoIterator<Item = &'a ReasonCode>) -> String {
    reasons
        .into_iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which claims to list.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub status: Option<ClaimStatus>,
    /// Submitted at or after.
    pub from: Option<DateTime<Utc>>,
    /// Submitted before.
    pub to: Option<DateTime<Utc>>,
    /// Claimed total above (`true`) or within (`false`) the approval limit `.1`.
    pub above_limit: Option<(bool, Decimal)>,
    /// By submission, newest or oldest first.
    pub order: ListOrder,
    /// The `(submitted_at, id)` of the last claim seen.
    pub after: Option<Position>,
}

/// Claims in `query.order` of submission, a page of `limit`; a dealer lists only its own.
pub async fn list(
    c: &mut AsyncPgConnection,
    who: &Principal,
    query: ListQuery,
    limit: i64,
) -> Result<Page<ClaimFile>, ApiError> {
    let order = query.order;
    let filter = DealerListFilter {
        dealer_code: who.dealer_scope()?.map(str::to_owned),
        status: query.status.map(|s| s.as_str().to_owned()),
        from: query.from,
        to: query.to,
        order: query.order,
        after: query.after,
    };
    let also = query
        .above_limit
        .map(|(above, limit)| db::claims::above_limit(above, limit));
    let rows = db::claims::list(c, &filter, also, limit + 1).await?;
    // The cursor names its order: resumed under the other one it would skip rows.
    let page = Page::from_rows(rows, limit, |c| (order, c.submitted_at, c.id));
    let mut items = Vec::with_capacity(page.items.len());
    for claim in page.items {
        items.push(file_of(c, claim).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
