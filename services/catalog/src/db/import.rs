//! Queries of the CSV import: loading what the rows refer to (locked), then writing
//! a checked plan with multi-row statements, so that ten thousand rows take a
//! handful of round trips.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::parts::{Part, SUPERSESSION_LOCK, successors};
use super::schema::{part_prices, parts, suppliers};
use super::{Result, advisory_lock, constraint};
use crate::domain::import::{Action, Existing, Known, PartData, Planned, Row};

/// Rows per multi-row INSERT: 10 columns × 1000 stays far below PostgreSQL's 65 535
/// bind parameters.
const CHUNK: usize = 1000;

/// What the catalog holds that `rows` refer to. The parts of the file are locked
/// (in part-number order, so two imports cannot deadlock), then supersession edits
/// are serialised as in single-part writes, so the cycle check stays true until
/// commit.
pub async fn load_known(c: &mut AsyncPgConnection, rows: &[Row]) -> Result<Known> {
    let numbers: BTreeSet<&str> = rows.iter().map(|r| r.part_number.as_str()).collect();
    let numbers: Vec<&str> = numbers.into_iter().collect();
    let codes: BTreeSet<&str> = rows.iter().map(|r| r.data.supplier_code.as_str()).collect();
    let codes: Vec<&str> = codes.into_iter().collect();
    let named: BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r.data.superseded_by.as_deref())
        .collect();
    let named: Vec<&str> = named.into_iter().collect();

    let mut existing: Vec<Part> = Vec::new();
    for chunk in numbers.chunks(CHUNK * 10) {
        existing.extend(
            parts::table
                .filter(parts::part_number.eq_any(chunk))
                .order(parts::part_number)
                .select(Part::as_select())
                .for_update()
                .load::<Part>(c)
                .await?,
        );
    }
    advisory_lock(c, SUPERSESSION_LOCK).await?;
    let suppliers: HashMap<String, bool> = suppliers::table
        .filter(suppliers::code.eq_any(&codes))
        .select((suppliers::code, suppliers::active))
        .for_share()
        .load::<(String, bool)>(c)
        .await?
        .into_iter()
        .collect();
    let prices: Vec<(String, DateTime<Utc>, Decimal)> = part_prices::table
        .filter(part_prices::part_number.eq_any(&numbers))
        .select((
            part_prices::part_number,
            part_prices::effective_from,
            part_prices::price,
        ))
        .load(c)
        .await?;
    let successors_found: Vec<String> = parts::table
        .filter(parts::part_number.eq_any(&named))
        .select(parts::part_number)
        .load(c)
        .await?;

    let mut parts: HashMap<String, Existing> = existing
        .into_iter()
        .map(|p| {
            (
                p.part_number.clone(),
                Existing {
                    data: PartData {
                        description: p.description,
                        category: p.category,
                        unit_of_measure: p.unit_of_measure,
                        currency: p.currency,
                        supplier_code: p.supplier_code,
                        warranty_months: p.warranty_months,
                        core: p.core,
                        returnable: p.returnable,
                        superseded_by: p.superseded_by,
                    },
                    active: p.active,
                    prices: Vec::new(),
                },
            )
        })
        .collect();
    for (pn, from, price) in prices {
        if let Some(p) = parts.get_mut(&pn) {
            p.prices.push((from, price));
        }
    }
    Ok(Known {
        suppliers,
        parts,
        successors: successors_found.into_iter().collect(),
        links: successors(c).await?,
    })
}

/// Writes a checked plan: new parts, changed parts (version bumped), supersession
/// links of new parts and new prices.
pub async fn write(c: &mut AsyncPgConnection, plan: &[Planned], actor: &str) -> Result<()> {
    let created: Vec<&Planned> = plan.iter().filter(|p| p.action == Action::Create).collect();
    // New parts go in without their successor first: it may be a new part of a later
    // chunk, and the foreign key is checked per statement.
    for chunk in created.chunks(CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|p| {
                let d = &p.row.data;
                (
                    parts::part_number.eq(p.row.part_number.as_str()),
                    parts::description.eq(&d.description),
                    parts::category.eq(&d.category),
                    parts::unit_of_measure.eq(&d.unit_of_measure),
                    parts::currency.eq(&d.currency),
                    parts::supplier_code.eq(&d.supplier_code),
                    parts::warranty_months.eq(d.warranty_months),
                    parts::core.eq(d.core),
                    parts::returnable.eq(d.returnable),
                )
            })
            .collect();
        diesel::insert_into(parts::table)
            .values(values)
            .execute(c)
            .await
            .map_err(|e| constraint(e, "a part of the file"))?;
    }
    let links: Vec<&Planned> = created
        .iter()
        .copied()
        .filter(|p| p.row.data.superseded_by.is_some())
        .collect();
    for chunk in links.chunks(CHUNK * 10) {
        let pns: Vec<&str> = chunk.iter().map(|p| p.row.part_number.as_str()).collect();
        let succ: Vec<Option<&str>> = chunk
            .iter()
            .map(|p| p.row.data.superseded_by.as_deref())
            .collect();
        diesel::sql_query(
            "UPDATE parts SET superseded_by = v.successor \
             FROM unnest($1::text[], $2::text[]) AS v(part_number, successor) \
             WHERE parts.part_number = v.part_number",
        )
        .bind::<Array<Text>, _>(pns)
        .bind::<Array<Nullable<Text>>, _>(succ)
        .execute(c)
        .await?;
    }

    let changed: Vec<&Planned> = plan
        .iter()
        .filter(|p| p.action != Action::Create && p.changed())
        .collect();
    for chunk in changed.chunks(CHUNK * 10) {
        let col = |f: fn(&PartData) -> &str| -> Vec<&str> {
            chunk.iter().map(|p| f(&p.row.data)).collect()
        };
        let pns: Vec<&str> = chunk.iter().map(|p| p.row.part_number.as_str()).collect();
        let warranty: Vec<i32> = chunk.iter().map(|p| p.row.data.warranty_months).collect();
        let core: Vec<bool> = chunk.iter().map(|p| p.row.data.core).collect();
        let returnable: Vec<bool> = chunk.iter().map(|p| p.row.data.returnable).collect();
        let succ: Vec<Option<&str>> = chunk
            .iter()
            .map(|p| p.row.data.superseded_by.as_deref())
            .collect();
        diesel::sql_query(
            "UPDATE parts SET description = v.description, category = v.category, \
               unit_of_measure = v.unit_of_measure, supplier_code = v.supplier_code, \
               warranty_months = v.warranty_months, core = v.core, returnable = v.returnable, \
               superseded_by = v.superseded_by, version = parts.version + 1, updated_at = now() \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                         $6::int[], $7::bool[], $8::bool[], $9::text[]) \
               AS v(part_number, description, category, unit_of_measure, supplier_code, \
                    warranty_months, core, returnable, superseded_by) \
             WHERE parts.part_number = v.part_number",
        )
        .bind::<Array<Text>, _>(pns)
        .bind::<Array<Text>, _>(col(|d| &d.description))
        .bind::<Array<Text>, _>(col(|d| &d.category))
        .bind::<Array<Text>, _>(col(|d| &d.unit_of_measure))
        .bind::<Array<Text>, _>(col(|d| &d.supplier_code))
        .bind::<Array<Integer>, _>(warranty)
        .bind::<Array<Bool>, _>(core)
        .bind::<Array<Bool>, _>(returnable)
        .bind::<Array<Nullable<Text>>, _>(succ)
        .execute(c)
        .await?;
    }

    let priced: Vec<&Planned> = plan.iter().filter(|p| p.add_price).collect();
    for chunk in priced.chunks(CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|p| {
                (
                    part_prices::part_number.eq(p.row.part_number.as_str()),
                    part_prices::price.eq(p.row.price.get()),
                    part_prices::currency.eq(&p.row.data.currency),
                    part_prices::effective_from.eq(p.effective_from),
                    part_prices::created_by.eq(actor),
                    part_prices::published_at.eq(super::parts::published_now(p.effective_from)),
                )
            })
            .collect();
        diesel::insert_into(part_prices::table)
            .values(values)
            .execute(c)
            .await
            .map_err(|e| constraint(e, "a price of the file"))?;
    }

    Ok(())
}
