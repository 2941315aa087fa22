//! Suppliers, parts, their price history and supersession, warehouses; every part
//! change publishes `catalog.part_upserted`.

use aftersales_messaging::contracts::catalog::PartUpserted;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::schema::{part_prices, parts, suppliers, warehouses};
use super::{Cause, Error, Result, constraint};
use crate::domain::supersession;

/// Supersession chains longer than this are refused as a likely data error.
pub const MAX_CHAIN: usize = 50;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = suppliers)]
pub struct Supplier {
    pub code: String,
    pub name: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn create_supplier(
    c: &mut AsyncPgConnection,
    code: &str,
    name: &str,
) -> Result<Supplier> {
    diesel::insert_into(suppliers::table)
        .values((suppliers::code.eq(code), suppliers::name.eq(name)))
        .returning(Supplier::as_returning())
        .get_result(c)
        .await
        .map_err(|e| constraint(e, &format!("supplier {code}")))
}

pub async fn get_supplier(c: &mut AsyncPgConnection, code: &str) -> Result<Option<Supplier>> {
    Ok(suppliers::table
        .find(code)
        .select(Supplier::as_select())
        .first(c)
        .await
        .optional()?)
}

pub async fn list_suppliers(
    c: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Supplier>> {
    let mut q = suppliers::table
        .select(Supplier::as_select())
        .order(suppliers::code)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(suppliers::code.gt(after.to_owned()));
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

/// Renames and/or (de)activates a supplier, checking `expected` version.
pub async fn update_supplier(
    c: &mut AsyncPgConnection,
    code: &str,
    expected: Option<i32>,
    name: Option<&str>,
    active: Option<bool>,
) -> Result<Supplier> {
    let current: Supplier = suppliers::table
        .find(code)
        .select(Supplier::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("supplier {code} not found")))?;
    check_version(expected, current.version)?;
    Ok(diesel::update(suppliers::table.find(code))
        .set((
            suppliers::name.eq(name.unwrap_or(&current.name)),
            suppliers::active.eq(active.unwrap_or(current.active)),
            suppliers::version.eq(current.version + 1),
            suppliers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Supplier::as_returning())
        .get_result(c)
        .await?)
}

fn check_version(expected: Option<i32>, current: i32) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(Error::Stale(format!(
            "the resource is at version {current}, not {v}; read it again"
        ))),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parts)]
pub struct Part {
    pub part_number: String,
    pub description: String,
    pub category: String,
    pub unit_of_measure: String,
    pub currency: String,
    pub supplier_code: String,
    pub warranty_months: i32,
    pub core: bool,
    pub returnable: bool,
    pub superseded_by: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = part_prices)]
pub struct PriceRow {
    pub id: i64,
    pub part_number: String,
    pub price: Decimal,
    pub currency: String,
    pub effective_from: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A part with the price in force now.
#[derive(Debug, Clone)]
pub struct PartView {
    pub part: Part,
    pub price: Option<PriceRow>,
}

/// The fields of a part an admin sets (everything but number, price and state).
#[derive(Debug, Clone, PartialEq)]
pub struct PartFields {
    pub description: String,
    pub category: String,
    pub unit_of_measure: String,
    pub currency: String,
    pub supplier_code: String,
    pub warranty_months: i32,
    pub core: bool,
    pub returnable: bool,
    pub superseded_by: Option<String>,
}

pub async fn get_part(c: &mut AsyncPgConnection, pn: &str) -> Result<Option<Part>> {
    Ok(parts::table
        .find(pn)
        .select(Part::as_select())
        .first(c)
        .await
        .optional()?)
}

async fn lock_part(c: &mut AsyncPgConnection, pn: &str) -> Result<Part> {
    parts::table
        .find(pn)
        .select(Part::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("part {pn} not found")))
}

/// The price in force at `at`: the latest with `effective_from <= at`.
pub async fn price_at(
    c: &mut AsyncPgConnection,
    pn: &str,
    at: DateTime<Utc>,
) -> Result<Option<PriceRow>> {
    Ok(part_prices::table
        .filter(part_prices::part_number.eq(pn))
        .filter(part_prices::effective_from.le(at))
        .order(part_prices::effective_from.desc())
        .select(PriceRow::as_select())
        .first(c)
        .await
        .optional()?)
}

pub async fn part_view(c: &mut AsyncPgConnection, pn: &str) -> Result<Option<PartView>> {
    let Some(part) = get_part(c, pn).await? else {
        return Ok(None);
    };
    let price = price_at(c, pn, Utc::now()).await?;
    Ok(Some(PartView { part, price }))
}

async fn check_references(c: &mut AsyncPgConnection, pn: &str, fields: &PartFields) -> Result<()> {
    let supplier = get_supplier(c, &fields.supplier_code).await?;
    match supplier {
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
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('catalog.supersession'))")
            .execute(c)
            .await?;
        if successor != pn && get_part(c, successor).await?.is_none() {
            return Err(Error::invalid(
                "superseded_by",
                format!("part {successor} does not exist"),
            ));
        }
        let chain = successors(c).await?;
        if supersession::would_cycle(pn, successor, MAX_CHAIN, |p| chain.get(p).cloned()) {
            return Err(Error::invalid(
                "superseded_by",
                format!("{pn} → {successor} would make a supersession cycle"),
            ));
        }
    }
    Ok(())
}

/// Every supersession link, for chain walks.
pub async fn successors(
    c: &mut AsyncPgConnection,
) -> Result<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, Option<String>)> = parts::table
        .filter(parts::superseded_by.is_not_null())
        .select((parts::part_number, parts::superseded_by))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, s)| s.map(|s| (p, s)))
        .collect())
}

/// The part to reserve when `pn` is ordered: its final successor, or itself.
pub async fn final_successor(c: &mut AsyncPgConnection, pn: &str) -> Result<String> {
    let mut current = pn.to_owned();
    for _ in 0..MAX_CHAIN {
        let next: Option<Option<String>> = parts::table
            .find(&current)
            .select(parts::superseded_by)
            .first(c)
            .await
            .optional()?;
        match next.flatten() {
            Some(n) => current = n,
            None => return Ok(current),
        }
    }
    Err(Error::Conflict(format!(
        "supersession chain of {pn} is too long"
    )))
}

pub async fn create_part(
    c: &mut AsyncPgConnection,
    pn: &str,
    fields: &PartFields,
    price: Decimal,
    actor: &str,
    cause: Cause<'_>,
) -> Result<PartView> {
    if get_part(c, pn).await?.is_some() {
        return Err(Error::Conflict(format!("part {pn} already exists")));
    }
    check_references(c, pn, fields).await?;
    let part: Part = diesel::insert_into(parts::table)
        .values((
            parts::part_number.eq(pn),
            parts::description.eq(&fields.description),
            parts::category.eq(&fields.category),
            parts::unit_of_measure.eq(&fields.unit_of_measure),
            parts::currency.eq(&fields.currency),
            parts::supplier_code.eq(&fields.supplier_code),
            parts::warranty_months.eq(fields.warranty_months),
            parts::core.eq(fields.core),
            parts::returnable.eq(fields.returnable),
            parts::superseded_by.eq(&fields.superseded_by),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await
        .map_err(|e| constraint(e, &format!("part {pn}")))?;
    let price = insert_price(c, pn, price, &fields.currency, Utc::now(), actor).await?;
    let view = PartView {
        part,
        price: Some(price),
    };
    publish_part(c, &view, cause).await?;
    Ok(view)
}

async fn insert_price(
    c: &mut AsyncPgConnection,
    pn: &str,
    price: Decimal,
    currency: &str,
    effective_from: DateTime<Utc>,
    actor: &str,
) -> Result<PriceRow> {
    diesel::insert_into(part_prices::table)
        .values((
            part_prices::part_number.eq(pn),
            part_prices::price.eq(price),
            part_prices::currency.eq(currency),
            part_prices::effective_from.eq(effective_from),
            part_prices::created_by.eq(actor),
        ))
        .returning(PriceRow::as_returning())
        .get_result(c)
        .await
        .map_err(|e| {
            constraint(
                e,
                &format!("a price of {pn} effective from {effective_from}"),
            )
        })
}

/// Replaces the settable fields of a part, checking `expected` version.
pub async fn update_part(
    c: &mut AsyncPgConnection,
    pn: &str,
    expected: Option<i32>,
    fields: &PartFields,
    cause: Cause<'_>,
) -> Result<PartView> {
    let current = lock_part(c, pn).await?;
    check_version(expected, current.version)?;
    if current.currency != fields.currency {
        return Err(Error::invalid(
            "currency",
            "the currency of a part cannot change; its price history is in that currency",
        ));
    }
    check_references(c, pn, fields).await?;
    let part: Part = diesel::update(parts::table.find(pn))
        .set((
            parts::description.eq(&fields.description),
            parts::category.eq(&fields.category),
            parts::unit_of_measure.eq(&fields.unit_of_measure),
            parts::supplier_code.eq(&fields.supplier_code),
            parts::warranty_months.eq(fields.warranty_months),
            parts::core.eq(fields.core),
            parts::returnable.eq(fields.returnable),
            parts::superseded_by.eq(&fields.superseded_by),
            parts::version.eq(current.version + 1),
            parts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await?;
    let price = price_at(c, pn, Utc::now()).await?;
    let view = PartView { part, price };
    publish_part(c, &view, cause).await?;
    Ok(view)
}

pub async fn set_part_active(
    c: &mut AsyncPgConnection,
    pn: &str,
    expected: Option<i32>,
    active: bool,
    cause: Cause<'_>,
) -> Result<PartView> {
    let current = lock_part(c, pn).await?;
    check_version(expected, current.version)?;
    let part: Part = diesel::update(parts::table.find(pn))
        .set((
            parts::active.eq(active),
            parts::version.eq(current.version + 1),
            parts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await?;
    let price = price_at(c, pn, Utc::now()).await?;
    let view = PartView { part, price };
    publish_part(c, &view, cause).await?;
    Ok(view)
}

/// Adds a price to the history. A price effective now or earlier changes the price
/// in force, so it bumps the part's version and publishes the part.
pub async fn add_price(
    c: &mut AsyncPgConnection,
    pn: &str,
    expected: Option<i32>,
    price: Decimal,
    effective_from: DateTime<Utc>,
    actor: &str,
    cause: Cause<'_>,
) -> Result<(PriceRow, PartView)> {
    let current = lock_part(c, pn).await?;
    check_version(expected, current.version)?;
    let row = insert_price(c, pn, price, &current.currency, effective_from, actor).await?;
    let part: Part = diesel::update(parts::table.find(pn))
        .set((
            parts::version.eq(current.version + 1),
            parts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await?;
    let in_force = price_at(c, pn, Utc::now()).await?;
    let view = PartView {
        part,
        price: in_force,
    };
    publish_part(c, &view, cause).await?;
    Ok((row, view))
}

pub async fn list_prices(c: &mut AsyncPgConnection, pn: &str) -> Result<Vec<PriceRow>> {
    Ok(part_prices::table
        .filter(part_prices::part_number.eq(pn))
        .order(part_prices::effective_from.desc())
        .select(PriceRow::as_select())
        .load(c)
        .await?)
}

pub async fn publish_part(
    c: &mut AsyncPgConnection,
    view: &PartView,
    cause: Cause<'_>,
) -> Result<()> {
    let p = &view.part;
    let payload = PartUpserted {
        part_number: p.part_number.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        list_price: view.price.as_ref().map_or(Decimal::ZERO, |r| r.price),
        currency: p.currency.clone(),
        supplier_code: p.supplier_code.clone(),
        warranty_months: p.warranty_months,
        core: p.core,
        returnable: p.returnable,
        superseded_by: p.superseded_by.clone(),
        active: p.active,
    };
    cause.publish(c, &payload).await
}

/// Search filters; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct PartFilter {
    pub prefix: Option<String>,
    pub text: Option<String>,
    pub supplier: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Parts matching `filter` after part number `after`, ordered by part number, with
/// their prices in force; up to `limit + 1` rows (the extra one tells there is more).
pub async fn search_parts(
    c: &mut AsyncPgConnection,
    filter: &PartFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PartView>> {
    let mut q = parts::table
        .select(Part::as_select())
        .order(parts::part_number)
        .into_boxed();
    if let Some(prefix) = &filter.prefix {
        q = q.filter(parts::part_number.like(format!("{}%", like_escape(prefix))));
    }
    if let Some(text) = &filter.text {
        q = q.filter(parts::description.ilike(format!("%{}%", like_escape(text))));
    }
    if let Some(s) = &filter.supplier {
        q = q.filter(parts::supplier_code.eq(s.clone()));
    }
    if let Some(cat) = &filter.category {
        q = q.filter(parts::category.eq(cat.clone()));
    }
    if let Some(a) = filter.active {
        q = q.filter(parts::active.eq(a));
    }
    if let Some(after) = after {
        q = q.filter(parts::part_number.gt(after.to_owned()));
    }
    let rows: Vec<Part> = q.limit(limit + 1).load(c).await?;
    let numbers: Vec<&str> = rows.iter().map(|p| p.part_number.as_str()).collect();
    let prices: Vec<PriceRow> = part_prices::table
        .filter(part_prices::part_number.eq_any(&numbers))
        .filter(part_prices::effective_from.le(Utc::now()))
        .order((part_prices::part_number, part_prices::effective_from.desc()))
        .distinct_on(part_prices::part_number)
        .select(PriceRow::as_select())
        .load(c)
        .await?;
    let mut by_part: std::collections::HashMap<String, PriceRow> = prices
        .into_iter()
        .map(|p| (p.part_number.clone(), p))
        .collect();
    Ok(rows
        .into_iter()
        .map(|part| {
            let price = by_part.remove(&part.part_number);
            PartView { part, price }
        })
        .collect())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = warehouses)]
pub struct Warehouse {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn create_warehouse(
    c: &mut AsyncPgConnection,
    code: &str,
    name: &str,
    kind: &str,
) -> Result<Warehouse> {
    diesel::insert_into(warehouses::table)
        .values((
            warehouses::code.eq(code),
            warehouses::name.eq(name),
            warehouses::kind.eq(kind),
        ))
        .returning(Warehouse::as_returning())
        .get_result(c)
        .await
        .map_err(|e| constraint(e, &format!("warehouse {code}")))
}

pub async fn get_warehouse(c: &mut AsyncPgConnection, code: &str) -> Result<Option<Warehouse>> {
    Ok(warehouses::table
        .find(code)
        .select(Warehouse::as_select())
        .first(c)
        .await
        .optional()?)
}

pub async fn list_warehouses(c: &mut AsyncPgConnection) -> Result<Vec<Warehouse>> {
    Ok(warehouses::table
        .order(warehouses::code)
        .select(Warehouse::as_select())
        .load(c)
        .await?)
}
