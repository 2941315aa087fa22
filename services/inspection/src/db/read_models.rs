//! Local read models of other services' facts: catalog's parts, orders' dealers, and
//! the placements, shipments and cancellations of orders, line by line (for the dealer
//! scorecard's fill rate). A part or dealer row keeps the `occurred_at` of the event
//! that wrote it, so an older event delivered late never overwrites a newer one;
//! placements, shipments and cancellations never change, so they are written once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{
    cancelled_orders, dealers, order_shipment_lines, order_shipments, parts, placed_order_lines,
    placed_orders,
};
use crate::domain::{Currency, DealerCode, PartNumber, SupplierCode};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = parts)]
pub struct Part {
    pub part_number: PartNumber,
    pub description: String,
    pub category: String,
    pub list_price: Decimal,
    pub currency: Currency,
    pub supplier_code: SupplierCode,
    pub warranty_months: i32,
    pub core: bool,
    pub returnable: bool,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = dealers)]
pub struct Dealer {
    pub dealer_code: DealerCode,
    pub name: String,
    pub labor_rate: Decimal,
    pub currency: Currency,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// Inserts or replaces the part unless the row already holds a newer description;
/// whether it did.
pub async fn upsert_part(conn: &mut AsyncPgConnection, part: &Part) -> QueryResult<bool> {
    use diesel::sql_types::{Bool, Integer, Numeric, Text, Timestamptz};
    // diesel's DSL cannot put a WHERE on ON CONFLICT DO UPDATE with `excluded`.
    diesel::sql_query(
        "INSERT INTO parts (part_number, description, category, list_price, currency, supplier_code,
                            warranty_months, core, returnable, active, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (part_number) DO UPDATE SET
             description = excluded.description, category = excluded.category,
             list_price = excluded.list_price, currency = excluded.currency,
             supplier_code = excluded.supplier_code, warranty_months = excluded.warranty_months,
             core = excluded.core, returnable = excluded.returnable, active = excluded.active,
             updated_at = excluded.updated_at
         WHERE parts.updated_at <= excluded.updated_at",
    )
    .bind::<Text, _>(&part.part_number)
    .bind::<Text, _>(&part.description)
    .bind::<Text, _>(&part.category)
    .bind::<Numeric, _>(part.list_price)
    .bind::<Text, _>(&part.currency)
    .bind::<Text, _>(&part.supplier_code)
    .bind::<Integer, _>(part.warranty_months)
    .bind::<Bool, _>(part.core)
    .bind::<Bool, _>(part.returnable)
    .bind::<Bool, _>(part.active)
    .bind::<Timestamptz, _>(part.updated_at)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Inserts or replaces the dealer unless the row already holds a newer description;
/// whether it did.
pub async fn upsert_dealer(conn: &mut AsyncPgConnection, dealer: &Dealer) -> QueryResult<bool> {
    use diesel::sql_types::{Bool, Numeric, Text, Timestamptz};
    diesel::sql_query(
        "INSERT INTO dealers (dealer_code, name, labor_rate, currency, active, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dealer_code) DO UPDATE SET
             name = excluded.name, labor_rate = excluded.labor_rate,
             currency = excluded.currency, active = excluded.active,
             updated_at = excluded.updated_at
         WHERE dealers.updated_at <= excluded.updated_at",
    )
    .bind::<Text, _>(&dealer.dealer_code)
    .bind::<Text, _>(&dealer.name)
    .bind::<Numeric, _>(dealer.labor_rate)
    .bind::<Text, _>(&dealer.currency)
    .bind::<Bool, _>(dealer.active)
    .bind::<Timestamptz, _>(dealer.updated_at)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

aftersales_web::row_by_key!(pub fn find_part(parts::table, &str) -> Part);
// Locked before an upsert, so that the row recorded as before is the one replaced.
aftersales_web::row_by_key!(pub fn lock_part(parts::table, &str) -> Part, for update);

pub async fn find_parts(
    conn: &mut AsyncPgConnection,
    numbers: &[String],
) -> QueryResult<Vec<Part>> {
    parts::table
        .filter(parts::part_number.eq_any(numbers))
        .select(Part::as_select())
        .load(conn)
        .await
}

aftersales_web::row_by_key!(pub fn find_dealer(dealers::table, &str) -> Dealer);
aftersales_web::row_by_key!(pub fn lock_dealer(dealers::table, &str) -> Dealer, for update);

/// An order as placed: who, when, how many units (the scorecard's fill rate).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = placed_orders)]
pub struct PlacedOrder {
    pub order_id: Uuid,
    pub dealer_code: String,
    pub placed_at: DateTime<Utc>,
    pub ordered: i64,
}

/// A shipment catalog dispatched for an order, and how many units it carried.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_shipments)]
pub struct OrderShipment {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub dispatched_at: DateTime<Utc>,
    pub qty: i64,
}

/// An order line as placed: how many units it asked for.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = placed_order_lines)]
pub struct PlacedOrderLine {
    pub order_id: Uuid,
    pub line_no: i32,
    pub qty: i64,
}

/// What a shipment carried of one order line (over every part number shipped for it).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_shipment_lines)]
pub struct OrderShipmentLine {
    pub shipment_id: Uuid,
    pub line_no: i32,
    pub qty: i64,
}

/// Keeps the placement and its lines; a placement seen before changes nothing (its
/// lines are added if it was kept before lines were). Whether anything was kept.
pub async fn insert_placed_order(
    conn: &mut AsyncPgConnection,
    order: &PlacedOrder,
    lines: &[PlacedOrderLine],
) -> QueryResult<bool> {
    let mut kept = diesel::insert_into(placed_orders::table)
        .values(order)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if !lines.is_empty() {
        kept += diesel::insert_into(placed_order_lines::table)
            .values(lines)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(kept > 0)
}

/// Keeps the shipment and what it carried per line; a shipment seen before changes
/// nothing. Whether anything was kept.
pub async fn insert_order_shipment(
    conn: &mut AsyncPgConnection,
    shipment: &OrderShipment,
    lines: &[OrderShipmentLine],
) -> QueryResult<bool> {
    let mut kept = diesel::insert_into(order_shipments::table)
        .values(shipment)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if !lines.is_empty() {
        kept += diesel::insert_into(order_shipment_lines::table)
            .values(lines)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(kept > 0)
}

/// Keeps that the dealer cancelled `order_id` at `cancelled_at`; a cancellation seen
/// before changes nothing. The order need not be kept yet. Whether it was kept.
pub async fn insert_cancelled_order(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    cancelled_at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(cancelled_orders::table)
        .values((
            cancelled_orders::order_id.eq(order_id),
            cancelled_orders::cancelled_at.eq(cancelled_at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// The dealer of a placement kept here, if it has arrived.
pub async fn dealer_of_order(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<String>> {
    placed_orders::table
        .find(order_id)
        .select(placed_orders::dealer_code)
        .first(conn)
        .await
        .optional()
}

/// Every dealer orders has announced, by code.
pub async fn dealer_codes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    dealers::table
        .select(dealers::dealer_code)
        .order(dealers::dealer_code)
        .load(conn)
        .await
}
