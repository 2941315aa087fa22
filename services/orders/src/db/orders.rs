//! Dealer orders, their lines, timeline and shipments.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use aftersales_types::Timestamp;
use aftersales_web::pagination::newer_than;

use super::schema::{order_lines, order_shipment_lines, order_shipments, order_timeline, orders};
use crate::domain::allocation::AllocatedLine;
use crate::domain::{Currency, DealerCode, OrderStatus, PartNumber, Priority, WarehouseCode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub struct Order {
    pub id: Uuid,
    pub number: String,
    pub dealer_code: DealerCode,
    pub warehouse: WarehouseCode,
    pub priority: Priority,
    pub status: OrderStatus,
    pub currency: Currency,
    pub total: Decimal,
    pub allocation_version: i64,
    pub initial_allocation_version: Option<i64>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines)]
pub struct Line {
    pub order_id: Uuid,
    pub line_no: i32,
    pub part_number: PartNumber,
    pub reserved_part_number: Option<PartNumber>,
    pub qty: i32,
    pub unit_list_price: Decimal,
    pub discount_pct: Decimal,
    pub unit_net_price: Decimal,
    pub line_total: Decimal,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
    pub initial_reserved: Option<i32>,
    /// When the backordered units are expected (catalog's newest allocation); None
    /// when nothing is backordered or nothing on order covers it.
    pub expected_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_timeline)]
pub struct TimelineEntry {
    pub id: i64,
    pub order_id: Uuid,
    pub at: DateTime<Utc>,
    pub from_status: Option<OrderStatus>,
    pub to_status: OrderStatus,
    pub event_id: Uuid,
    pub event_type: String,
    pub allocation_version: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_timeline)]
pub struct NewTimelineEntry {
    pub order_id: Uuid,
    pub from_status: Option<OrderStatus>,
    pub to_status: OrderStatus,
    pub event_id: Uuid,
    pub event_type: String,
    pub allocation_version: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_shipments)]
pub struct NewShipment<'a> {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub dispatched_at: DateTime<Utc>,
    pub qty: i32,
    pub carrier: &'a str,
    pub tracking_ref: &'a str,
    /// The event that reported it.
    pub event_id: Option<Uuid>,
}

/// What a shipment carried of one order line.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_shipment_lines)]
pub struct ShipmentLine {
    pub shipment_id: Uuid,
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_shipments)]
pub struct Shipment {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub dispatched_at: DateTime<Utc>,
    pub qty: i32,
    pub carrier: String,
    pub tracking_ref: String,
    pub event_id: Option<Uuid>,
}

#[derive(QueryableByName)]
struct NextVal {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The next `n` human order numbers (`ORD-000123`), ascending.
pub async fn next_numbers(conn: &mut AsyncPgConnection, n: usize) -> QueryResult<Vec<String>> {
    if n == 0 {
        // A batch whose every order was refused: no round trip.
        return Ok(Vec::new());
    }
    let count =
        i32::try_from(n).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    let mut next: Vec<i64> = aftersales_web::db::prepared(
        "SELECT nextval('order_number_seq') AS n FROM generate_series(1, $1)",
    )
    .bind::<diesel::sql_types::Integer, _>(count)
    .load::<NextVal>(conn)
    .await?
    .into_iter()
    .map(|v| v.n)
    .collect();
    next.sort_unstable();
    Ok(next.into_iter().map(|n| format!("ORD-{n:06}")).collect())
}

/// Inserts new orders with their lines: one statement for the orders, one for the lines.
pub async fn insert_many(
    conn: &mut AsyncPgConnection,
    new_orders: &[Order],
    lines: &[Line],
) -> QueryResult<()> {
    diesel::insert_into(orders::table)
        .values(new_orders)
        .execute(conn)
        .await?;
    diesel::insert_into(order_lines::table)
        .values(lines)
        .execute(conn)
        .await?;
    Ok(())
}

// The order, locked until the transaction ends: event handlers and cancel
// read-modify-write it, and replicas may do so side by side.
aftersales_web::find_and_lock!(orders::table, Order, Uuid);

pub async fn lines(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<Line>> {
    order_lines::table
        .filter(order_lines::order_id.eq(id))
        .order(order_lines::line_no)
        .select(Line::as_select())
        .load(conn)
        .await
}

pub async fn lines_of(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Line>> {
    order_lines::table
        .filter(order_lines::order_id.eq_any(ids))
        .order((order_lines::order_id, order_lines::line_no))
        .select(Line::as_select())
        .load(conn)
        .await
}

/// Filters of the order list; `after` is the `(placed_at, id)` of the last row seen.
pub use aftersales_web::pagination::DealerListFilter as ListFilter;

aftersales_web::dealer_list!(pub fn list(orders) -> Order, at placed_at, dealer dealer_code, status status);

/// Where the ship queue resumes: `(emergency, placed_at, id)` of the last order seen
/// (read from a cursor a client may have forged: a [`Timestamp`] PostgreSQL can compare).
pub type ShipQueuePosition = (bool, Timestamp, Uuid);

/// Orders holding reserved units the warehouse may ship ([`OrderStatus::may_ship`]),
/// of one warehouse if given: emergency first, then the oldest first.
pub async fn ship_queue(
    conn: &mut AsyncPgConnection,
    warehouse: Option<&WarehouseCode>,
    after: Option<ShipQueuePosition>,
    limit: i64,
) -> QueryResult<Vec<Order>> {
    let emergency = orders::priority.eq(Priority::Emergency.as_str());
    let shippable: Vec<&str> = OrderStatus::ALL
        .into_iter()
        .filter(|s| s.may_ship())
        .map(OrderStatus::as_str)
        .collect();
    let holding_reserved = order_lines::table
        .filter(order_lines::reserved.gt(0))
        .select(order_lines::order_id);
    let mut query = orders::table
        .select(Order::as_select())
        .filter(orders::status.eq_any(shippable))
        .filter(orders::id.eq_any(holding_reserved))
        .order((emergency.desc(), orders::placed_at.asc(), orders::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(warehouse) = warehouse {
        query = query.filter(orders::warehouse.eq(warehouse.as_str().to_owned()));
    }
    if let Some((was_emergency, at, id)) = after {
        let later = newer_than(orders::placed_at, orders::id, (at, id));
        query = if was_emergency {
            // The rest of the emergencies, then every stock order.
            query.filter(diesel::dsl::not(emergency).or(later))
        } else {
            query.filter(diesel::dsl::not(emergency).and(later))
        };
    }
    query.load(conn).await
}

/// Writes one line's allocation: its quantities, the part reserved and the expected
/// date (None clears it).
pub async fn set_line_allocation(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    line: &AllocatedLine,
    initial_reserved: Option<i32>,
) -> QueryResult<()> {
    let qty = line.qty;
    diesel::update(order_lines::table.find((order_id, line.line_no)))
        .set((
            order_lines::reserved_part_number.eq(&line.reserved_part_number),
            order_lines::reserved.eq(qty.reserved),
            order_lines::backordered.eq(qty.backordered),
            order_lines::shipped.eq(qty.shipped),
            order_lines::released.eq(qty.released),
            order_lines::expected_date.eq(line.expected_date),
            order_lines::initial_reserved.eq(initial_reserved),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_initial_reserved(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    line_no: i32,
    reserved: i32,
) -> QueryResult<()> {
    diesel::update(order_lines::table.find((order_id, line_no)))
        .set(order_lines::initial_reserved.eq(reserved))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_initial_allocation_version(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    version: i64,
) -> QueryResult<()> {
    diesel::update(orders::table.find(order_id))
        .set(orders::initial_allocation_version.eq(version))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the allocation version the order now reflects (and the one of catalog's
/// first answer) and the status it implies.
pub async fn set_allocated(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    version: i64,
    initial_version: Option<i64>,
    status: OrderStatus,
) -> QueryResult<()> {
    diesel::update(orders::table.find(order_id))
        .set((
            orders::allocation_version.eq(version),
            orders::initial_allocation_version.eq(initial_version),
            orders::status.eq(status),
            orders::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_cancel_requested(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    status: OrderStatus,
) -> QueryResult<DateTime<Utc>> {
    diesel::update(orders::table.find(order_id))
        .set((
            orders::status.eq(status),
            orders::cancel_requested_at.eq(diesel::dsl::now),
            orders::updated_at.eq(diesel::dsl::now),
        ))
        .returning(orders::updated_at)
        .get_result(conn)
        .await
}

pub async fn append_timeline(
    conn: &mut AsyncPgConnection,
    entry: &NewTimelineEntry,
) -> QueryResult<()> {
    append_timeline_many(conn, std::slice::from_ref(entry)).await
}

/// [`append_timeline`] for many entries, in one statement.
pub async fn append_timeline_many(
    conn: &mut AsyncPgConnection,
    entries: &[NewTimelineEntry],
) -> QueryResult<()> {
    diesel::insert_into(order_timeline::table)
        .values(entries)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn timeline(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<TimelineEntry>> {
    order_timeline::table
        .filter(order_timeline::order_id.eq(id))
        .order(order_timeline::id)
        .select(TimelineEntry::as_select())
        .load(conn)
        .await
}

/// Records a shipment once (a redelivered or replayed event finds it there); answers
/// whether it was new.
pub async fn record_shipment(
    conn: &mut AsyncPgConnection,
    shipment: &NewShipment<'_>,
    lines: &[ShipmentLine],
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(order_shipments::table)
        .values(shipment)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 && !lines.is_empty() {
        diesel::insert_into(order_shipment_lines::table)
            .values(lines)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(inserted == 1)
}

/// The shipments of `orders`, oldest first, each with its lines by line number.
pub async fn shipments_of(
    conn: &mut AsyncPgConnection,
    orders: &[Uuid],
) -> QueryResult<Vec<(Shipment, Vec<ShipmentLine>)>> {
    let shipments: Vec<Shipment> = order_shipments::table
        .filter(order_shipments::order_id.eq_any(orders))
        .order((order_shipments::dispatched_at, order_shipments::shipment_id))
        .select(Shipment::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = shipments.iter().map(|s| s.shipment_id).collect();
    let mut lines: Vec<ShipmentLine> = order_shipment_lines::table
        .filter(order_shipment_lines::shipment_id.eq_any(&ids))
        .order((
            order_shipment_lines::line_no,
            order_shipment_lines::part_number,
        ))
        .select(ShipmentLine::as_select())
        .load(conn)
        .await?;
    Ok(shipments
        .into_iter()
        .map(|s| {
            let (mine, rest) = std::mem::take(&mut lines)
                .into_iter()
                .partition(|l| l.shipment_id == s.shipment_id);
            lines = rest;
            (s, mine)
        })
        .collect())
}
