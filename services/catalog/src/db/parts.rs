//! The `parts` table and their price history (`part_prices`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::schema::{part_prices, parts};
use super::{Result, constraint};

/// The advisory lock key that serialises supersession edits (see `db::advisory_lock`).
pub const SUPERSESSION_LOCK: &str = "catalog.supersession";

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

aftersales_web::row_by_key!(pub fn find(parts::table, &str) -> Part);

/// Whether the part exists (active or not).
pub async fn exists(c: &mut AsyncPgConnection, pn: &str) -> Result<bool> {
    let found: Option<String> = parts::table
        .find(pn)
        .select(parts::part_number)
        .first(c)
        .await
        .optional()?;
    Ok(found.is_some())
}

aftersales_web::row_by_key!(pub fn lock(parts::table, &str) -> Part, for update);

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

/// The `n` latest prices in force at `at`, latest first: the one in force, then those
/// it followed.
pub async fn latest_prices(
    c: &mut AsyncPgConnection,
    pn: &str,
    at: DateTime<Utc>,
    n: i64,
) -> Result<Vec<PriceRow>> {
    Ok(part_prices::table
        .filter(part_prices::part_number.eq(pn))
        .filter(part_prices::effective_from.le(at))
        .order(part_prices::effective_from.desc())
        .select(PriceRow::as_select())
        .limit(n)
        .load(c)
        .await?)
}

/// `part` with the price in force now.
pub async fn with_price(c: &mut AsyncPgConnection, part: Part) -> Result<PartView> {
    let price = price_at(c, &part.part_number, Utc::now()).await?;
    Ok(PartView { part, price })
}

pub async fn view(c: &mut AsyncPgConnection, pn: &str) -> Result<Option<PartView>> {
    match find(c, pn).await? {
        Some(part) => Ok(Some(with_price(c, part).await?)),
        None => Ok(None),
    }
}

/// Every supersession link, for chain walks.
pub async fn successors(c: &mut AsyncPgConnection) -> Result<HashMap<String, String>> {
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

/// The part `pn` is superseded by: `None` when there is no part `pn`, `Some(None)`
/// when it is not superseded.
pub async fn successor_of(c: &mut AsyncPgConnection, pn: &str) -> Result<Option<Option<String>>> {
    Ok(parts::table
        .find(pn)
        .select(parts::superseded_by)
        .first(c)
        .await
        .optional()?)
}

pub async fn insert(c: &mut AsyncPgConnection, pn: &str, fields: &PartFields) -> Result<Part> {
    diesel::insert_into(parts::table)
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
        .map_err(|e| constraint(e, &format!("part {pn}")))
}

/// Stores the settable fields (all but the currency) as `version`.
pub async fn update_fields(
    c: &mut AsyncPgConnection,
    pn: &str,
    fields: &PartFields,
    version: i32,
) -> Result<Part> {
    Ok(diesel::update(parts::table.find(pn))
        .set((
            parts::description.eq(&fields.description),
            parts::category.eq(&fields.category),
            parts::unit_of_measure.eq(&fields.unit_of_measure),
            parts::supplier_code.eq(&fields.supplier_code),
            parts::warranty_months.eq(fields.warranty_months),
            parts::core.eq(fields.core),
            parts::returnable.eq(fields.returnable),
            parts::superseded_by.eq(&fields.superseded_by),
            parts::version.eq(version),
            parts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await?)
}

/// Stores the active flag as `version`.
pub async fn set_active(
    c: &mut AsyncPgConnection,
    pn: &str,
    active: bool,
    version: i32,
) -> Result<Part> {
    Ok(diesel::update(parts::table.find(pn))
        .set((
            parts::active.eq(active),
            parts::version.eq(version),
            parts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await?)
}

/// Marks a change of the part that is not one of its columns (a new price).
pub async fn set_version(c: &mut AsyncPgConnection, pn: &str, version: i32) -> Result<Part> {
    Ok(diesel::update(parts::table.find(pn))
        .set((
            parts::version.eq(version),
            parts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Part::as_returning())
        .get_result(c)
        .await?)
}

pub async fn insert_price(
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
            part_prices::published_at.eq(published_now(effective_from)),
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

/// The part, locked against other changes but not against rows that refer to it: a
/// placement or a purchase order inserting lines for it (a `FOR KEY SHARE` on the part)
/// goes on, so a job locking many parts cannot deadlock with them.
pub async fn lock_for_change(c: &mut AsyncPgConnection, pn: &str) -> Result<Option<Part>> {
    Ok(parts::table
        .find(pn)
        .select(Part::as_select())
        .for_no_key_update()
        .first(c)
        .await
        .optional()?)
}

/// When a price added now is published: now if it is already in force (the change
/// that adds it publishes the part), else later, by the job, on its day.
pub(crate) fn published_now(effective_from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let now = Utc::now();
    (effective_from <= now).then_some(now)
}

/// Prices whose day has come (`effective_from <= now`) and that were not published
/// yet, oldest first, at most `limit`, locked; rows another transaction holds are
/// skipped (a second replica publishes those).
pub async fn due_prices(
    c: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    Ok(part_prices::table
        .filter(part_prices::published_at.is_null())
        .filter(part_prices::effective_from.le(now))
        .order(part_prices::effective_from)
        .select((part_prices::id, part_prices::part_number))
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(c)
        .await?)
}

pub async fn mark_published(
    c: &mut AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    diesel::update(part_prices::table.filter(part_prices::id.eq_any(ids)))
        .set(part_prices::published_at.eq(now))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn list_prices(c: &mut AsyncPgConnection, pn: &str) -> Result<Vec<PriceRow>> {
    Ok(part_prices::table
        .filter(part_prices::part_number.eq(pn))
        .order(part_prices::effective_from.desc())
        .select(PriceRow::as_select())
        .load(c)
        .await?)
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
pub async fn search(
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
    let mut by_part: HashMap<String, PriceRow> = prices
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

/// Which of `pns` exist (active or not).
pub async fn existing(c: &mut AsyncPgConnection, pns: &[String]) -> Result<Vec<String>> {
    Ok(parts::table
        .filter(parts::part_number.eq_any(pns))
        .select(parts::part_number)
        .load(c)
        .await?)
}
