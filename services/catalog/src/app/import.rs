//! The parts and price-list import: all rows or none. Loads what the rows refer to
//! (locked), plans with `domain::import`, writes the plan, publishes one
//! `catalog.part_upserted` per changed part and records each change, as the
//! single-part requests would.

use aftersales_messaging::contracts::catalog::PartUpserted;
use aftersales_web::audit::Entry;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{Cause, Result, parts::MAX_CHAIN, stored};
use crate::db::import as q;
use crate::domain::PRICE_SCALE;
use crate::domain::import::{self, Action, Known, Parsed, Planned, RowError, Summary};

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
    cause.audit(c, &entries(&plan, &known, now)).await?;
    Ok(Outcome::Imported {
        rows: plan.len(),
        summary: import::summary(&plan),
    })
}

/// The audit entries of an import written at `now`: per part, its creation or the
/// fields it changed, and the price it added (as `part.created`, `part.updated`,
/// `price.changed` or `price.scheduled` of a single request), each naming its line.
fn entries(plan: &[Planned], known: &Known, now: DateTime<Utc>) -> Vec<Entry> {
    let mut out = Vec::new();
    for p in plan.iter().filter(|p| p.changed()) {
        let pn = p.row.part_number.as_str();
        let line = format!("imported from line {}", p.row.line);
        let existing = known.parts.get(pn);
        let mut price = p.row.price.get();
        price.rescale(PRICE_SCALE);
        match p.action {
            Action::Create => out.push(
                Entry::new("part.created", "part", pn)
                    .created(&p.row.data)
                    .change("active", Value::Null, p.active)
                    .change("list_price", Value::Null, price)
                    .because(&line),
            ),
            Action::Update => out.push(
                Entry::new("part.updated", "part", pn)
                    .diff(&existing.map(|e| &e.data), &p.row.data)
                    .because(&line),
            ),
            Action::Keep => {}
        }
        // A new part's first price is part of its creation.
        if p.add_price && p.action != Action::Create {
            let history = existing.map_or(&[][..], |e| &e.prices[..]);
            let action = if p.effective_from <= now {
                "price.changed"
            } else {
                "price.scheduled"
            };
            out.push(
                Entry::new(action, "part_price", pn)
                    .change(
                        "list_price",
                        import::price_at(history, p.effective_from),
                        price,
                    )
                    .change("effective_from", Value::Null, p.effective_from)
                    .because(&line),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;
    use crate::domain::import::{Existing, PartData};

    const HEADER: &str = "part_number,description,category,list_price,supplier_code,warranty_months,effective_from\n";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
    }

    /// The catalog holds SUP1 and part `OLD` at 5.00 since May.
    fn known() -> Known {
        let data = PartData {
            description: "old pad".into(),
            category: "brakes".into(),
            unit_of_measure: "EA".into(),
            currency: "EUR".into(),
            supplier_code: "SUP1".into(),
            warranty_months: 12,
            core: false,
            returnable: false,
            superseded_by: None,
        };
        let may = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
        Known {
            suppliers: [("SUP1".to_owned(), true)].into(),
            parts: [(
                "OLD".to_owned(),
                Existing {
                    data,
                    active: true,
                    prices: vec![(may, Decimal::new(500, 2))],
                },
            )]
            .into(),
            ..Known::default()
        }
    }

    fn entries_of(rows: &str) -> Vec<Entry> {
        let parsed = import::parse(format!("{HEADER}{rows}").as_bytes()).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let known = known();
        let plan = import::plan(parsed.rows, &parsed.numbers, &known, now(), 50).unwrap();
        entries(&plan, &known, now())
    }

    #[test]
    fn a_new_part_is_created_with_its_price_and_line() {
        let e = entries_of("NEW,new pad,brakes,7.5,SUP1,24,\n");
        assert_eq!(e.len(), 1, "its first price is part of its creation");
        assert_eq!(
            (e[0].action, e[0].entity_id.as_str()),
            ("part.created", "NEW")
        );
        let changes = e[0].changes.to_json();
        assert_eq!(
            changes["description"],
            json!({"before": null, "after": "new pad"})
        );
        assert_eq!(
            changes["list_price"],
            json!({"before": null, "after": "7.5000"})
        );
        assert_eq!(changes["active"], json!({"before": null, "after": true}));
        assert_eq!(e[0].reason.as_deref(), Some("imported from line 2"));
    }

    #[test]
    fn a_changed_part_records_only_its_changed_fields_and_a_later_price_is_scheduled() {
        let e = entries_of("OLD,new pad,brakes,6,SUP1,12,2024-07-01\n");
        assert_eq!(
            e.iter().map(|e| e.action).collect::<Vec<_>>(),
            ["part.updated", "price.scheduled"]
        );
        assert_eq!(
            e[0].changes.to_json(),
            json!({"description": {"before": "old pad", "after": "new pad"}})
        );
        let price = e[1].changes.to_json();
        assert_eq!(
            (e[1].entity_type, e[1].entity_id.as_str()),
            ("part_price", "OLD")
        );
        assert_eq!(
            price["list_price"],
            json!({"before": "5.00", "after": "6.0000"})
        );
        assert_eq!(price["effective_from"]["before"], json!(null));
    }

    #[test]
    fn an_unchanged_part_records_nothing() {
        assert!(entries_of("OLD,old pad,brakes,5,SUP1,12,2024-05-01\n").is_empty());
    }
}
