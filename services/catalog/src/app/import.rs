//! The parts and price-list import: all rows or none. Loads what the rows refer to
//! (locked), plans with `domain::import`, writes the plan and publishes one
//! `catalog.part_upserted` per changed part.

use aftersales_messaging::contracts::catalog::PartUpserted;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::{Cause, Result, parts::MAX_CHAIN};
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
            part_number: p.row.part_number.as_str().to_owned(),
            description: d.description.clone(),
            category: d.category.clone(),
            list_price: p.price_now.unwrap_or(Decimal::ZERO),
            currency: d.currency.clone(),
            supplier_code: d.supplier_code.clone(),
            warranty_months: d.warranty_months,
            core: d.core,
            returnable: d.returnable,
            superseded_by: d.superseded_by.clone(),
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
