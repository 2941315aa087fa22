//! Parts: created with their first list price, changed, (de)activated, priced from a
//! date; supersession links checked for cycles. Every change publishes
//! `catalog.part_upserted`.

use aftersales_messaging::contracts::catalog::PartUpserted;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::{Cause, Error, Result, check_version, stored};
use crate::db::parts::{self, Part, PartFields, PartView, PriceRow, SUPERSESSION_LOCK};
use crate::db::{advisory_lock, suppliers};
use crate::domain::{PartNumber, Price, supersession};

/// Supersession chains longer than this are refused as a likely data error.
pub const MAX_CHAIN: usize = 50;

/// A new part with its first list price, in force from now.
pub async fn create(
    c: &mut AsyncPgConnection,
    pn: &PartNumber,
    fields: &PartFields,
    price: Price,
    actor: &str,
    cause: Cause<'_>,
) -> Result<PartView> {
    let pn = pn.as_str();
    if parts::find(c, pn).await?.is_some() {
        return Err(Error::Conflict(format!("part {pn} already exists")));
    }
    check_references(c, pn, fields).await?;
    let part = parts::insert(c, pn, fields).await?;
    let price =
        parts::insert_price(c, pn, price.get(), &fields.currency, Utc::now(), actor).await?;
    let view = PartView {
        part,
        price: Some(price),
    };
    publish(c, &view, cause).await?;
    Ok(view)
}

/// Replaces the settable fields of a part whose version is `expected` (any when
/// `None`); the currency cannot change.
pub async fn update(
    c: &mut AsyncPgConnection,
    pn: &PartNumber,
    expected: Option<i32>,
    fields: &PartFields,
    cause: Cause<'_>,
) -> Result<PartView> {
    let current = lock(c, pn, expected).await?;
    if current.currency != fields.currency {
        return Err(Error::invalid(
            "currency",
            "the currency of a part cannot change; its price history is in that currency",
        ));
    }
    check_references(c, pn.as_str(), fields).await?;
    let part = parts::update_fields(c, pn.as_str(), fields, current.version + 1).await?;
    let view = parts::with_price(c, part).await?;
    publish(c, &view, cause).await?;
    Ok(view)
}

/// Activates (orderable again) or deactivates a part.
pub async fn set_active(
    c: &mut AsyncPgConnection,
    pn: &PartNumber,
    expected: Option<i32>,
    active: bool,
    cause: Cause<'_>,
) -> Result<PartView> {
    let current = lock(c, pn, expected).await?;
    let part = parts::set_active(c, pn.as_str(), active, current.version + 1).await?;
    let view = parts::with_price(c, part).await?;
    publish(c, &view, cause).await?;
    Ok(view)
}

/// Adds a price to the history. A price effective now or earlier changes the price
/// in force; either way the part's version moves on and the part is published.
pub async fn add_price(
    c: &mut AsyncPgConnection,
    pn: &PartNumber,
    expected: Option<i32>,
    price: Price,
    effective_from: DateTime<Utc>,
    actor: &str,
    cause: Cause<'_>,
) -> Result<(PriceRow, PartView)> {
    let current = lock(c, pn, expected).await?;
    let pn = pn.as_str();
    let row =
        parts::insert_price(c, pn, price.get(), &current.currency, effective_from, actor).await?;
    let part = parts::set_version(c, pn, current.version + 1).await?;
    let view = parts::with_price(c, part).await?;
    publish(c, &view, cause).await?;
    Ok((row, view))
}

/// The part to reserve when `pn` is ordered: its final successor, or itself; `None`
/// when there is no part `pn`.
pub async fn final_successor(c: &mut AsyncPgConnection, pn: &str) -> Result<Option<String>> {
    let mut current = pn.to_owned();
    for hop in 0..MAX_CHAIN {
        match parts::successor_of(c, &current).await? {
            Some(Some(next)) => current = next,
            None if hop == 0 => return Ok(None),
            // A successor is a part (a foreign key): the chain ends here.
            Some(None) | None => return Ok(Some(current)),
        }
    }
    Err(Error::Conflict(format!(
        "supersession chain of {pn} is too long"
    )))
}

/// The part locked, at version `expected` when given.
async fn lock(c: &mut AsyncPgConnection, pn: &PartNumber, expected: Option<i32>) -> Result<Part> {
    let current = parts::lock(c, pn.as_str())
        .await?
        .ok_or_else(|| Error::NotFound(format!("part {pn} not found")))?;
    check_version(expected, current.version)?;
    Ok(current)
}

/// The supplier exists and is active; the successor exists and closes no cycle.
async fn check_references(c: &mut AsyncPgConnection, pn: &str, fields: &PartFields) -> Result<()> {
    match suppliers::find(c, &fields.supplier_code).await? {
        None => {
            return Err(Error::invalid(
                "supplier_code",
                format!("supplier {} does not exist", fields.supplier_code),
            ));
        }
        Some(s) if !s.active => {
            return Err(Error::invalid(
                "supplier_code",
                format!("supplier {} is inactive", fields.supplier_code),
            ));
        }
        Some(_) => {}
    }
    if let Some(successor) = &fields.superseded_by {
        // One supersession change at a time, so two concurrent edits (A → B, B → A)
        // cannot each miss the cycle the other closes.
        advisory_lock(c, SUPERSESSION_LOCK).await?;
        if successor != pn && parts::find(c, successor).await?.is_none() {
            return Err(Error::invalid(
                "superseded_by",
                format!("part {successor} does not exist"),
            ));
        }
        let chain = parts::successors(c).await?;
        if supersession::would_cycle(pn, successor, MAX_CHAIN, |p| chain.get(p).cloned()) {
            return Err(Error::invalid(
                "superseded_by",
                format!("{pn} → {successor} would make a supersession cycle"),
            ));
        }
    }
    Ok(())
}

/// `catalog.part_upserted` for the part as it is now.
async fn publish(c: &mut AsyncPgConnection, view: &PartView, cause: Cause<'_>) -> Result<()> {
    let p = &view.part;
    let payload = PartUpserted {
        part_number: stored(&p.part_number)?,
        description: p.description.clone(),
        category: p.category.clone(),
        list_price: view.price.as_ref().map_or(Decimal::ZERO, |r| r.price),
        currency: stored(&p.currency)?,
        supplier_code: stored(&p.supplier_code)?,
        warranty_months: p.warranty_months,
        core: p.core,
        returnable: p.returnable,
        superseded_by: p.superseded_by.as_deref().map(stored).transpose()?,
        active: p.active,
    };
    cause.publish(c, &payload).await
}
