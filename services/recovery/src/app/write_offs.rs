//! Writing off accepted amounts of a claim the supplier will not pay, with a reason:
//! the amount given, or everything outstanding on the claim; recorded as
//! `write_off.recorded` with the amount and finance's reason.

use aftersales_types::money::round_cents;
use aftersales_web::audit::Origin;
use aftersales_web::{ApiError, Page};
use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::allocation::{self, Payment, Share};
use super::{Conn, claim_status, trail};
use crate::db;
use crate::domain::claim::Action;

/// A write-off as finance asks for it, its fields checked by the caller.
#[derive(Debug, Clone)]
pub struct NewWriteOff {
    pub recovery_claim_id: Uuid,
    /// Everything outstanding on the claim when `None`.
    pub amount: Option<Decimal>,
    pub reason: String,
}

/// A write-off with the claim it is on and its allocations.
#[derive(Debug, Clone)]
pub struct WriteOffDetail {
    pub write_off: db::payments::WriteOff,
    pub claim: db::payments::WrittenOffClaim,
    pub allocations: Vec<Share>,
}

/// Writes off on the claim: 404 unknown claim; 409 a draft or settled claim; 422
/// naming `amount` when it is more than, or nothing is, outstanding.
pub async fn record(
    c: &mut Conn,
    new: NewWriteOff,
    origin: &Origin,
) -> Result<WriteOffDetail, ApiError> {
    let id = new.recovery_claim_id;
    let claim = db::claims::lock(c, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no recovery claim {id}")))?;
    claim_status::check_allowed(&claim, Action::Pay)?;
    let amount = match new.amount {
        Some(amount) => amount,
        None => allocation::outstanding(c, &[id]).await?,
    };
    if amount <= Decimal::ZERO {
        return Err(ApiError::invalid_field(
            "amount",
            format!("nothing accepted is outstanding on {}", claim.number),
        ));
    }
    let write_off = db::payments::insert_write_off(
        c,
        &db::payments::WriteOff {
            id: Uuid::now_v7(),
            recovery_claim_id: id,
            amount: round_cents(amount),
            reason: new.reason,
            created_at: Utc::now(),
        },
    )
    .await?;
    let mut settled = Vec::new();
    let allocations = allocation::pay(
        c,
        Payment::WriteOff(write_off.id),
        &[id],
        amount,
        origin,
        &mut settled,
    )
    .await?;
    let mut entries = vec![trail::write_off_recorded(&write_off, &claim, &allocations)];
    entries.append(&mut settled);
    origin.record(c, &entries).await?;
    Ok(WriteOffDetail {
        write_off,
        claim: db::payments::WrittenOffClaim {
            number: claim.number,
            supplier_code: claim.supplier_code.into_inner(),
            currency: claim.currency.into_inner(),
        },
        allocations,
    })
}

/// A page of write-offs matching `filter`, newest first, with their allocations.
pub async fn list(
    c: &mut Conn,
    filter: &db::payments::WriteOffFilter,
    limit: i64,
) -> Result<Page<WriteOffDetail>, ApiError> {
    let rows = db::payments::list_write_offs(c, filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |(w, _)| (w.created_at, w.id));
    let mut items = Vec::with_capacity(page.items.len());
    for (write_off, claim) in page.items {
        let allocations = allocation::shares_of(c, Payment::WriteOff(write_off.id)).await?;
        items.push(WriteOffDetail {
            write_off,
            claim,
            allocations,
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
