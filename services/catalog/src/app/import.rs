//! The parts and price-list import: all rows or none. Loads what the rows refer to
//! (locked), plans with `domain::import`, writes the plan and publishes one
//! `catalog.part_upserted` per changed part.

use aftersales_messaging::contracts::catalog::PartUpserted;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::{Cause, Result, parts::MAX_CHAIN, stored};
use crate::db::import as q;
use crate::domain::import::{self, Parsed, RowError, Summary};

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every row applied: how many rows, and what they did.
    Imported { rows: usize, summary: Summary },
    /// Nothing written: every problem of every row.
    Rejected(Vec<RowError>),
}

/// The import of a parsed file, prices in force as of `now`.
pub async fn run(
    c: &mut AsyncPgConnection,
    parsed: &Parsed,
    now: DateTime<Utc>,
    actor: &str,
    cause: Cause<'_>,
) -> Result<Outcome> {
    let known = q::load_known(c, &parsed.rows).await?;
    let mut errors = parsed.errors.clone();
    let plan = match import::plan(parsed.rows.clone(), &parsed.numbers, &known, now, MAX_CHAIN) {
        Ok(plan) => plan,
        Err(more) => {
            errors.extend(more);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Ok(Outcome::Rejected(errors));
    }
    q::write(c, &plan, actor).await?;
    let mut envelopes = Vec::new();
    for p in plan.iter().filter(|p| p.changed()) {
        let d = &p.row.data;
        let payload = PartUpserted {
            part_number: p.row.part_number.clone(),
            description: d.description.clone(),
            category: d.category.clone(),
            list_price: p.price_now.unwrap_or(Decimal::ZERO),
            currency: stored(&d.currency)?,
            supplier_code: stored(&d.supplier_code)?,
            warranty_months: d.warranty_months,
            core: d.core,
            returnable: d.returnable,
            superseded_by: d.superseded_by.as_deref().map(stored).transpose()?,
            active: p.active,
        };
        envelopes.push(cause.envelope(&payload)?);
    }
    aftersales_messaging::outbox::enqueue_many(c, &envelopes).await?;
    Ok(Outcome::Imported {
        rows: plan.len(),
        summary: import::summary(&plan),
    })
}
