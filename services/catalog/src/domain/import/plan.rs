//! Deciding what each row does against what the catalog already holds.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Action, Known, Planned, Row, RowError, Summary};
use crate::domain::supersession;
use crate::domain::types::PRICE_SCALE;

/// The price in force at `at`: the latest with `effective_from <= at`.
pub fn price_at(prices: &[(DateTime<Utc>, Decimal)], at: DateTime<Utc>) -> Option<Decimal> {
    prices
        .iter()
        .filter(|(from, _)| *from <= at)
        .max_by_key(|(from, _)| *from)
        .map(|(_, p)| *p)
}

/// Decides what every row does, checking what only the catalog can tell:
/// suppliers exist and are active, successors exist (in the catalog or the file),
/// the links after the import make no cycle, currencies do not change, a new part has
/// a price in force, and a price does not contradict one already in the history.
/// `in_file` is every part number the file names (see [`Parsed::numbers`]).
pub fn plan(
    rows: Vec<Row>,
    in_file: &HashSet<String>,
    known: &Known,
    now: DateTime<Utc>,
    max_chain: usize,
) -> Result<Vec<Planned>, Vec<RowError>> {
    let mut errors = Vec::new();
    // The links once the file is applied: its rows replace the links of their parts.
    let mut links = known.links.clone();
    for row in &rows {
        match &row.data.superseded_by {
            Some(s) => links.insert(row.part_number.as_str().to_owned(), s.clone()),
            None => links.remove(row.part_number.as_str()),
        };
    }
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let line = row.line;
        let pn = row.part_number.as_str();
        let before = errors.len();
        match known.suppliers.get(&row.data.supplier_code) {
            None => errors.push(RowError::new(
                line,
                "supplier_code",
                format!("supplier {} does not exist", row.data.supplier_code),
            )),
            Some(false) => errors.push(RowError::new(
                line,
                "supplier_code",
                format!("supplier {} is inactive", row.data.supplier_code),
            )),
            Some(true) => {}
        }
        if let Some(s) = &row.data.superseded_by {
            if !in_file.contains(s) && !known.successors.contains(s) {
                errors.push(RowError::new(
                    line,
                    "superseded_by",
                    format!("part {s} is neither in the catalog nor in the file"),
                ));
            } else if supersession::would_cycle(pn, s, max_chain, |p| links.get(p).cloned()) {
                errors.push(RowError::new(
                    line,
                    "superseded_by",
                    format!("{pn} → {s} makes a supersession cycle (or a chain over {max_chain})"),
                ));
            }
        }
        let effective = row.effective_from.unwrap_or(now);
        let existing = known.parts.get(pn);
        let empty = Vec::new();
        let history = existing.map_or(&empty, |e| &e.prices);
        let price = row.price.get();
        let add_price = match history.iter().find(|(from, _)| *from == effective) {
            Some((_, p)) if *p == price => false,
            Some((_, p)) => {
                errors.push(RowError::new(
                    line,
                    "list_price",
                    format!("the history already has {p} effective from {effective}"),
                ));
                false
            }
            None => price_at(history, effective) != Some(price),
        };
        let action = match existing {
            None => {
                if effective > now {
                    errors.push(RowError::new(
                        line,
                        "effective_from",
                        "a new part needs a price in force now; effective_from is in the future",
                    ));
                }
                Action::Create
            }
            Some(e) if e.data.currency != row.data.currency => {
                errors.push(RowError::new(
                    line,
                    "currency",
                    format!(
                        "part {pn} is priced in {}; the currency of a part cannot change",
                        e.data.currency
                    ),
                ));
                Action::Keep
            }
            Some(e) if e.data == row.data => Action::Keep,
            Some(_) => Action::Update,
        };
        if errors.len() != before {
            continue;
        }
        let price_now = if add_price {
            let mut all = history.clone();
            all.push((effective, price));
            price_at(&all, now)
        } else {
            price_at(history, now)
        }
        // As the database gives it back (NUMERIC(14,4)), so events agree.
        .map(|mut p| {
            p.rescale(PRICE_SCALE);
            p
        });
        planned.push(Planned {
            active: existing.is_none_or(|e| e.active),
            row,
            action,
            effective_from: effective,
            add_price,
            price_now,
        });
    }
    if errors.is_empty() {
        Ok(planned)
    } else {
        Err(errors)
    }
}

pub fn summary(plan: &[Planned]) -> Summary {
    let mut s = Summary::default();
    for p in plan {
        match p.action {
            Action::Create => s.created += 1,
            Action::Update => s.updated += 1,
            Action::Keep if p.add_price => s.updated += 1,
            Action::Keep => s.unchanged += 1,
        }
        s.prices_added += usize::from(p.add_price);
    }
    s
}
