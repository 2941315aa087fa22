//! Parts: created with their first list price, changed, (de)activated, priced from a
//! date; supersession links checked for cycles. Every change publishes
//! `catalog.part_upserted`, and so does a price from a later date on its day.

use std::collections::BTreeSet;
use std::time::Duration;

use aftersales_messaging::contracts::catalog::PartUpserted;
use aftersales_web::DbPool;
use aftersales_web::audit::Entry;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

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
    let mut created = audited(&part);
    created["list_price"] = json!(price.price);
    let entry = Entry::new("part.created", "part", pn).created(&created);
    let view = PartView {
        part,
        price: Some(price),
    };
    publish(c, &view, cause).await?;
    cause.audit(c, &[entry]).await?;
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
    let entry = Entry::new("part.updated", "part", pn).diff(&audited(&current), &audited(&part));
    let view = parts::with_price(c, part).await?;
    publish(c, &view, cause).await?;
    cause.audit(c, &[entry]).await?;
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
    let action = if active {
        "part.activated"
    } else {
        "part.deactivated"
    };
    let entry = Entry::new(action, "part", pn).change("active", current.active, part.active);
    let view = parts::with_price(c, part).await?;
    publish(c, &view, cause).await?;
    cause.audit(c, &[entry]).await?;
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
    let replaced = parts::price_at(c, pn, effective_from).await?;
    let row =
        parts::insert_price(c, pn, price.get(), &current.currency, effective_from, actor).await?;
    let part = parts::set_version(c, pn, current.version + 1).await?;
    // A price from a later date changes nothing today: it is scheduled, and the
    // price-day job records it taking effect.
    let action = if effective_from <= Utc::now() {
        "price.changed"
    } else {
        "price.scheduled"
    };
    let entry = Entry::new(action, "part_price", pn)
        .change("list_price", replaced.map(|r| r.price), row.price)
        .change("effective_from", Value::Null, row.effective_from);
    let view = parts::with_price(c, part).await?;
    publish(c, &view, cause).await?;
    cause.audit(c, &[entry]).await?;
    Ok((row, view))
}

/// Publishes every part whose list price from a later date has come into force by
/// `now`: its version moves on and `catalog.part_upserted` carries the price in force.
/// Run by [`publish_price_days`]; safe with replicas (the due prices are locked,
/// and another replica skips them). Returns the parts published.
pub async fn publish_due_prices(
    c: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    cause: Cause<'_>,
) -> Result<Vec<String>> {
    let due = parts::due_prices(c, now, PRICE_DAY_BATCH).await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
    // Parts in key order, like every other path that locks several.
    let numbers: BTreeSet<String> = due.into_iter().map(|(_, pn)| pn).collect();
    let mut trail = Vec::with_capacity(numbers.len());
    for pn in &numbers {
        let Some(current) = parts::lock_for_change(c, pn).await? else {
            continue;
        };
        let part = parts::set_version(c, pn, current.version + 1).await?;
        let mut latest = parts::latest_prices(c, pn, now, 2).await?.into_iter();
        let (price, before) = (latest.next(), latest.next());
        trail.push(
            Entry::new("price.took_effect", "part_price", pn)
                .change(
                    "list_price",
                    before.as_ref().map(|r| r.price),
                    price.as_ref().map(|r| r.price),
                )
                .change(
                    "effective_from",
                    before.as_ref().map(|r| r.effective_from),
                    price.as_ref().map(|r| r.effective_from),
                ),
        );
        publish(c, &PartView { part, price }, cause).await?;
    }
    parts::mark_published(c, &ids, now).await?;
    cause.audit(c, &trail).await?;
    Ok(numbers.into_iter().collect())
}

/// The price-day job, as the audit trail names it.
pub const PRICE_DAY_JOB: &str = "price-day";

/// The most prices one run of [`publish_due_prices`] publishes; the next run takes the
/// rest.
pub const PRICE_DAY_BATCH: i64 = 500;

/// How often prices that came into force are published unless `PRICE_SWEEP_SECONDS`
/// says otherwise.
pub const PRICE_SWEEP_DEFAULT: Duration = Duration::from_secs(60);

/// `PRICE_SWEEP_SECONDS` (a whole number above 0), or the default (an unreadable value
/// is logged).
pub fn price_sweep_interval() -> Duration {
    let Ok(value) = std::env::var("PRICE_SWEEP_SECONDS") else {
        return PRICE_SWEEP_DEFAULT;
    };
    match value.trim().parse::<u64>() {
        Ok(s) if s > 0 => Duration::from_secs(s),
        _ => {
            tracing::error!(%value, "PRICE_SWEEP_SECONDS is not a whole number above 0; using 60");
            PRICE_SWEEP_DEFAULT
        }
    }
}

/// Publishes prices on their day every `interval`, each run one transaction, until
/// the task is dropped; a failed run is logged and the next one tries again.
pub async fn publish_price_days(pool: DbPool, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let run = async {
            let mut conn = pool.get().await.map_err(|e| Error::Bug(e.to_string()))?;
            let cause = Cause::Job {
                name: PRICE_DAY_JOB,
                correlation: Uuid::new_v4(),
            };
            conn.transaction(async |c| publish_due_prices(c, Utc::now(), cause).await)
                .await
        };
        match run.await {
            Ok(parts) if !parts.is_empty() => {
                tracing::info!(parts = parts.len(), "list prices published on their day")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "publishing prices failed; retrying at the next tick")
            }
        }
    }
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

/// What the audit trail shows of a part (its price has entries of its own).
fn audited(p: &Part) -> Value {
    json!({
        "description": p.description,
        "category": p.category,
        "unit_of_measure": p.unit_of_measure,
        "currency": p.currency,
        "supplier_code": p.supplier_code,
        "warranty_months": p.warranty_months,
        "core": p.core,
        "returnable": p.returnable,
        "superseded_by": p.superseded_by,
        "active": p.active,
    })
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
