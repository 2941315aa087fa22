//! Recording a supplier's credit memo: unique per supplier and reference (a repeat is
//! 409, whatever else it says), then allocated to the accepted outstanding amounts of
//! the named claims, or of all the supplier's submitted claims, oldest first; recorded
//! as `credit_memo.recorded` with its allocations, and the claims it settled.

use aftersales_types::money::round_cents;
use aftersales_web::audit::Origin;
use aftersales_web::{ApiError, Page, pagination::Position};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::allocation::{self, Payment, Share};
use super::{Conn, trail};
use crate::db;

/// A memo as the supplier sent it, its fields checked by the caller.
#[derive(Debug, Clone)]
pub struct NewCreditMemo {
    pub supplier_code: String,
    pub reference: String,
    pub memo_date: NaiveDate,
    pub amount: Decimal,
    pub currency: String,
    /// The claims it pays; all the supplier's submitted claims when `None`.
    pub recovery_claim_ids: Option<Vec<Uuid>>,
}

/// A memo with its allocations.
#[derive(Debug, Clone)]
pub struct MemoDetail {
    pub memo: db::payments::CreditMemo,
    pub allocations: Vec<Share>,
}

/// Records the memo and allocates it. 409 when the supplier's reference is recorded
/// already; 422 naming `recovery_claim_ids[i]` (not a payable claim of the supplier),
/// `currency` (another currency than a claim) or `amount` (more than outstanding).
pub async fn record(
    c: &mut Conn,
    new: NewCreditMemo,
    origin: &Origin,
) -> Result<MemoDetail, ApiError> {
    // The memo is inserted first: a repeat is "recorded already" (409) even when what
    // it would pay is no longer outstanding, and a concurrent twin waits on the unique
    // key and then finds it taken.
    let memo = db::payments::CreditMemo {
        id: Uuid::now_v7(),
        supplier_code: new.supplier_code.clone(),
        reference: new.reference.clone(),
        memo_date: new.memo_date,
        amount: round_cents(new.amount),
        currency: new.currency.clone(),
        created_at: Utc::now(),
    };
    let Some(memo) = db::payments::insert_memo(c, &memo).await? else {
        return Err(ApiError::conflict(format!(
            "credit memo {} of supplier {} is recorded already",
            new.reference, new.supplier_code
        )));
    };
    let claims =
        db::claims::lock_payable(c, &new.supplier_code, new.recovery_claim_ids.as_deref()).await?;
    if let Some(ids) = &new.recovery_claim_ids {
        for (i, id) in ids.iter().enumerate() {
            if !claims.iter().any(|claim| claim.id == *id) {
                return Err(ApiError::invalid_field(
                    format!("recovery_claim_ids[{i}]"),
                    format!(
                        "{id} is not a submitted recovery claim of supplier {}",
                        new.supplier_code
                    ),
                ));
            }
        }
    }
    if let Some(other) = claims
        .iter()
        .find(|claim| claim.currency.as_str() != new.currency)
    {
        return Err(ApiError::invalid_field(
            "currency",
            format!(
                "currency_mismatch: claim {} is in {}",
                other.number, other.currency
            ),
        ));
    }
    let ids: Vec<Uuid> = claims.iter().map(|claim| claim.id).collect();
    let mut settled = Vec::new();
    let allocations = allocation::pay(
        c,
        Payment::CreditMemo(memo.id),
        &ids,
        new.amount,
        origin,
        &mut settled,
    )
    .await?;
    let mut entries = vec![trail::memo_recorded(&memo, &allocations)];
    entries.append(&mut settled);
    origin.record(c, &entries).await?;
    Ok(MemoDetail { memo, allocations })
}

/// The memo with its recorded allocations.
pub async fn detail(c: &mut Conn, memo: db::payments::CreditMemo) -> Result<MemoDetail, ApiError> {
    let allocations = allocation::shares_of(c, Payment::CreditMemo(memo.id)).await?;
    Ok(MemoDetail { memo, allocations })
}

/// A page of memos, newest first.
pub async fn list(
    c: &mut Conn,
    supplier: Option<&str>,
    after: Option<Position>,
    limit: i64,
) -> Result<Page<MemoDetail>, ApiError> {
    let rows = db::payments::list_memos(c, supplier, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |m| (m.created_at, m.id));
    let mut items = Vec::with_capacity(page.items.len());
    for memo in page.items {
        items.push(detail(c, memo).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
