//! Placing, cancelling and reading dealer orders.
//!
//! Placing prices the order now, from the local price book and the discount of the
//! dealer's tier in force now (`domain::pricing`, `domain::tier`), numbers it
//! (`ORD-000123`), stores it `submitted` and publishes `orders.order_placed`.
//! Cancelling asks catalog to release everything not shipped (`orders.order_cancelled`);
//! the status follows from the quantities (`domain::status`). Every status change
//! appends a timeline entry naming its event, and every change an audit record
//! (`order.placed`, `order.cancelled` with the reason given).

use aftersales_messaging::contracts::orders::{OrderCancelled, OrderLine, OrderPlaced};
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::{ApiError, FieldError, Page, audit};
use chrono::{SubsecRound, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::{Caller, Entry, Origin, correlation, enqueue};
use crate::db;
use crate::db::dealers::Dealer;
use crate::db::orders::{Line, ListFilter, NewTimelineEntry, Order, TimelineEntry};
use crate::domain::pricing::{BookEntry, LineProblem, PricedOrder, RequestedLine, price_order};
use crate::domain::status::{LineQty, derive_status};
use crate::domain::tier::Schedule;
use crate::domain::{OrderStatus, PartNumber, Priority, WarehouseCode};

/// An order with its lines and shipments (oldest first), as stored.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    pub order: Order,
    pub lines: Vec<Line>,
    pub shipments: Vec<ShipmentDetail>,
}

/// A shipment with what it carried per line.
pub type ShipmentDetail = (db::orders::Shipment, Vec<db::orders::ShipmentLine>);

/// A timeline entry with the shipment that caused it, if one did.
pub type TimelineDetail = (TimelineEntry, Option<ShipmentDetail>);

/// What a caller asks to place, already parsed.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    /// The dealer the order is for (see [`PlaceOrder::new`]).
    pub dealer_code: String,
    /// Shipping warehouse; `None`: the dealer's home warehouse.
    pub warehouse: Option<WarehouseCode>,
    pub priority: Priority,
    pub lines: Vec<RequestedLine>,
}

impl PlaceOrder {
    /// Who the order is for: a dealer orders only for itself (it may omit
    /// `dealer_code` or give its own: another → 403); staff must name the dealer (422).
    pub fn new(
        caller: &Caller,
        dealer_code: Option<String>,
        warehouse: Option<String>,
        priority: Priority,
        lines: Vec<RequestedLine>,
    ) -> Result<PlaceOrder, ApiError> {
        let dealer_code = match caller {
            Caller::Dealer(own) => {
                if dealer_code.as_ref().is_some_and(|c| c != own) {
                    return Err(ApiError::forbidden("a dealer orders only for itself"));
                }
                own.clone()
            }
            Caller::Staff => dealer_code.ok_or_else(|| {
                ApiError::invalid_field("dealer_code", "required when an admin places an order")
            })?,
        };
        let warehouse = warehouse
            .map(|w| WarehouseCode::parse(&w))
            .transpose()
            .map_err(|e| ApiError::invalid_field("warehouse", e.into_message()))?;
        Ok(PlaceOrder {
            dealer_code,
            warehouse,
            priority,
            lines,
        })
    }
}

/// Places orders in the caller's transaction: each order's dealer must be registered
/// and active, every line priced from the price book in the dealer's currency (422
/// naming each line that is not).
///
/// A fixed number of statements (the dealers, the prices and the tier discounts in
/// force, pipelined; the numbers; then one insert each for orders, lines, outbox,
/// timeline and audit records), whatever their count: what lets orders' group commit
/// (`api::placing`) write a batch of requests at the cost of one, and a lone order is
/// a batch of one. Each order is recorded as placed by its own request's `Origin`.
/// Answers each order's outcome, in the order given: a refused order is an `Err` and
/// writes nothing, and the others are placed all the same. An `Err` of the whole call
/// is the database's: roll the transaction back.
pub async fn place_many(
    c: &mut AsyncPgConnection,
    requests: &[(&PlaceOrder, &Origin)],
) -> Result<Vec<Result<OrderDetail, ApiError>>, ApiError> {
    // The moment the batch's orders are priced at and placed. Microseconds: what
    // PostgreSQL keeps, so the events and the rows agree.
    let placed_at = Utc::now().trunc_subsecs(6);
    let codes: Vec<&str> = requests
        .iter()
        .map(|(o, _)| o.dealer_code.as_str())
        .collect();
    let mut part_numbers: Vec<String> = requests
        .iter()
        .flat_map(|(o, _)| o.lines.iter().map(|l| l.part_number.to_string()))
        .collect();
    part_numbers.sort_unstable();
    part_numbers.dedup();
    // The dealers, the prices and the discounts in force, once for the whole batch and
    // pipelined: one round trip, where the dealers and the prices alone took two. The
    // discounts' read holds their table's lock until the batch commits (`db::tiers`).
    let shared: &AsyncPgConnection = c;
    let (dealers, parts, discounts) = futures_util::future::try_join3(
        db::dealers::find_many(shared, &codes),
        db::price_book::find_many(shared, &part_numbers),
        super::tiers::for_pricing(shared, placed_at),
    )
    .await?;

    let priced: Vec<Result<Priced<'_>, ApiError>> = requests
        .iter()
        .map(|(order, _)| price(order, &dealers, &parts, &discounts, placed_at))
        .collect();
    let count = priced.iter().filter(|p| p.is_ok()).count();
    let mut order_numbers = db::orders::next_numbers(c, count).await?.into_iter();

    let mut outcomes = Vec::with_capacity(requests.len());
    let (mut rows, mut lines, mut envelopes, mut timeline) = (vec![], vec![], vec![], vec![]);
    let mut records = Vec::new();
    for ((order, origin), priced) in requests.iter().zip(priced) {
        let priced = match priced {
            Ok(priced) => priced,
            Err(refused) => {
                outcomes.push(Err(refused));
                continue;
            }
        };
        let number = order_numbers
            .next()
            .ok_or_else(|| ApiError::internal("fewer order numbers than orders"))?;
        let detail = new_order(order, priced, number, placed_at);
        let envelope = Envelope::new(crate::NAME, &placed_event(&detail), correlation(origin))
            .map_err(ApiError::internal)?;
        timeline.push(NewTimelineEntry {
            order_id: detail.order.id,
            from_status: None,
            to_status: OrderStatus::Submitted,
            event_id: envelope.event_id,
            event_type: envelope.event_type.clone(),
            allocation_version: None,
        });
        envelopes.push(envelope);
        records.push((*origin, placed_entry(&detail)));
        rows.push(detail.order.clone());
        lines.extend(detail.lines.iter().cloned());
        outcomes.push(Ok(detail));
    }
    if !rows.is_empty() {
        db::orders::insert_many(c, &rows, &lines).await?;
        outbox::enqueue_many(c, &envelopes).await?;
        db::orders::append_timeline_many(c, &timeline).await?;
        // One statement for the whole batch, whoever each order's sender.
        audit::record(c, records.iter().map(|(origin, entry)| (*origin, entry))).await?;
    }
    // Everything the answers show was just written: no need to read it back.
    Ok(outcomes)
}

/// An order that may be placed: its dealer and its priced lines.
struct Priced<'a> {
    dealer: &'a Dealer,
    warehouse: WarehouseCode,
    order: PricedOrder,
}

/// Checks `order` against its dealer (registered and active) and prices its lines from
/// the price book in the dealer's currency, with its tier's discount in force at
/// `placed_at`.
fn price<'a>(
    order: &PlaceOrder,
    dealers: &'a [Dealer],
    parts: &[db::price_book::Part],
    discounts: &Schedule,
    placed_at: chrono::DateTime<Utc>,
) -> Result<Priced<'a>, ApiError> {
    let dealer_code = &order.dealer_code;
    let dealer = dealers
        .iter()
        .find(|d| d.code.as_str() == dealer_code)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "dealer_code",
                format!("dealer {dealer_code} is not registered"),
            )
        })?;
    if !dealer.active {
        return Err(ApiError::invalid_field(
            "dealer_code",
            format!("dealer {dealer_code} is not active"),
        ));
    }
    let warehouse = order
        .warehouse
        .clone()
        .unwrap_or_else(|| dealer.home_warehouse.clone());
    let lookup = |p: &PartNumber| {
        let part = parts.iter().find(|x| x.part_number == p.as_str())?;
        Some(BookEntry {
            list_price: part.list_price,
            currency: part.currency.clone(),
            active: part.active,
        })
    };
    let discount_pct = super::tiers::discount_of(discounts, dealer.tier, placed_at)?;
    let order = price_order(&order.lines, discount_pct, &dealer.currency, lookup)
        .map_err(|problems| unorderable(&problems))?;
    Ok(Priced {
        dealer,
        warehouse,
        order,
    })
}

/// The rows of a new `submitted` order.
fn new_order(
    order: &PlaceOrder,
    priced: Priced<'_>,
    number: String,
    placed_at: chrono::DateTime<Utc>,
) -> OrderDetail {
    let Priced {
        dealer,
        warehouse,
        order: priced,
    } = priced;
    let id = Uuid::now_v7();
    let row = Order {
        id,
        number,
        dealer_code: dealer.code.clone(),
        warehouse,
        priority: order.priority,
        status: OrderStatus::Submitted,
        currency: dealer.currency.clone(),
        total: priced.total,
        allocation_version: 0,
        initial_allocation_version: None,
        cancel_requested_at: None,
        placed_at,
        updated_at: placed_at,
    };
    let lines = priced
        .lines
        .iter()
        .map(|l| Line {
            order_id: id,
            line_no: l.line_no,
            part_number: l.part_number.clone(),
            reserved_part_number: None,
            qty: l.qty.get(),
            unit_list_price: l.unit_list_price,
            discount_pct: l.discount_pct,
            unit_net_price: l.unit_net_price,
            line_total: l.line_total,
            reserved: 0,
            backordered: 0,
            shipped: 0,
            released: 0,
            initial_reserved: None,
            expected_date: None,
        })
        .collect();
    OrderDetail {
        order: row,
        lines,
        shipments: Vec::new(),
    }
}

/// `orders.order_placed` for a new order.
fn placed_event(detail: &OrderDetail) -> OrderPlaced {
    let order = &detail.order;
    OrderPlaced {
        order_id: order.id,
        order_number: order.number.clone(),
        dealer_code: order.dealer_code.clone(),
        warehouse: order.warehouse.clone(),
        priority: order.priority,
        placed_at: order.placed_at,
        lines: detail
            .lines
            .iter()
            .map(|l| OrderLine {
                line_no: l.line_no,
                part_number: l.part_number.clone(),
                qty: l.qty,
            })
            .collect(),
    }
}

/// What an order was placed with, as its audit record keeps it.
#[derive(Serialize)]
struct PlacedRecord<'a> {
    number: &'a str,
    dealer_code: &'a str,
    warehouse: &'a str,
    priority: Priority,
    status: OrderStatus,
    currency: &'a str,
    total: Decimal,
    lines: Vec<PlacedLine<'a>>,
}

#[derive(Serialize)]
struct PlacedLine<'a> {
    line_no: i32,
    part_number: &'a str,
    qty: i32,
    unit_list_price: Decimal,
    discount_pct: Decimal,
    unit_net_price: Decimal,
    line_total: Decimal,
}

/// `order.placed` for a new order: everything it was placed with.
fn placed_entry(detail: &OrderDetail) -> Entry {
    let order = &detail.order;
    let record = PlacedRecord {
        number: &order.number,
        dealer_code: order.dealer_code.as_str(),
        warehouse: order.warehouse.as_str(),
        priority: order.priority,
        status: order.status,
        currency: order.currency.as_ref(),
        total: order.total,
        lines: detail
            .lines
            .iter()
            .map(|l| PlacedLine {
                line_no: l.line_no,
                part_number: l.part_number.as_str(),
                qty: l.qty,
                unit_list_price: l.unit_list_price,
                discount_pct: l.discount_pct,
                unit_net_price: l.unit_net_price,
                line_total: l.line_total,
            })
            .collect(),
    };
    Entry::new("order.placed", "order", order.id)
        .of_dealer(order.dealer_code.as_str())
        .created(&record)
}

/// The 422 for lines that cannot be ordered, each named `lines[i].part_number`.
fn unorderable(problems: &[LineProblem]) -> ApiError {
    let errors: Vec<FieldError> = problems
        .iter()
        .map(|p| FieldError::new(format!("lines[{}].part_number", p.index), p.message()))
        .collect();
    let detail = match errors.as_slice() {
        [one] => format!("{}: {}", one.field, one.message),
        _ => format!("{} lines cannot be ordered", errors.len()),
    };
    ApiError::Unprocessable { detail, errors }
}

/// Asks catalog to cancel everything not yet shipped: the order becomes
/// `cancel_requested` (or what its quantities say) and `orders.order_cancelled` is
/// published; the audit record keeps `reason`, if given. A fully shipped or already
/// cancelled order → 409.
pub async fn cancel(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    reason: Option<&str>,
    origin: &Origin,
) -> Result<OrderDetail, ApiError> {
    let order = db::orders::lock(c, id)
        .await?
        .filter(|o| caller.may_see(o.dealer_code.as_str()))
        .ok_or_else(|| not_found(id))?;
    order.status.cancellable().map_err(|e| {
        ApiError::conflict(format!("order {} cannot be cancelled: {e}", order.number))
    })?;
    let lines = db::orders::lines(c, id).await?;
    let quantities: Vec<LineQty> = lines.iter().map(line_qty).collect();
    let status = derive_status(&quantities, order.allocation_version > 0, true);
    let requested_at = db::orders::set_cancel_requested(c, id, status).await?;
    let envelope = enqueue(c, &OrderCancelled { order_id: id }, origin).await?;
    db::orders::append_timeline(
        c,
        &NewTimelineEntry {
            order_id: id,
            from_status: Some(order.status),
            to_status: status,
            event_id: envelope.event_id,
            event_type: envelope.event_type,
            allocation_version: None,
        },
    )
    .await?;
    let entry = Entry::new("order.cancelled", "order", id)
        .of_dealer(order.dealer_code.as_str())
        .change("status", order.status, status)
        .change(
            "cancel_requested_at",
            order.cancel_requested_at,
            Some(requested_at),
        )
        .because(reason.unwrap_or_default());
    origin.record(c, &[entry]).await?;
    detail(c, id).await
}

fn line_qty(l: &Line) -> LineQty {
    LineQty {
        ordered: l.qty,
        reserved: l.reserved,
        backordered: l.backordered,
        shipped: l.shipped,
        released: l.released,
    }
}

/// One order the caller may see (another dealer's → 404, like an unknown one).
pub async fn get(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<OrderDetail, ApiError> {
    let order = visible(c, caller, id).await?;
    detail_of(c, order).await
}

async fn detail_of(c: &mut AsyncPgConnection, order: Order) -> Result<OrderDetail, ApiError> {
    let lines = db::orders::lines(c, order.id).await?;
    let shipments = db::orders::shipments_of(c, &[order.id]).await?;
    Ok(OrderDetail {
        order,
        lines,
        shipments,
    })
}

/// The order's status changes, oldest first, each with the shipment that caused it.
pub async fn timeline(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<Vec<TimelineDetail>, ApiError> {
    visible(c, caller, id).await?;
    let entries = db::orders::timeline(c, id).await?;
    let mut shipments = db::orders::shipments_of(c, &[id]).await?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            let shipment = shipments
                .iter()
                .position(|(s, _)| s.event_id == Some(entry.event_id))
                .map(|i| shipments.swap_remove(i));
            (entry, shipment)
        })
        .collect())
}

/// A page of orders, newest first: a dealer's own only, whatever `filter` asks.
pub async fn list(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    mut filter: ListFilter,
    limit: i64,
) -> Result<Page<OrderDetail>, ApiError> {
    if let Some(own) = caller.dealer() {
        filter.dealer_code = Some(own.to_owned());
    }
    let rows = db::orders::list(c, &filter, None, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |o| (o.placed_at, o.id));
    with_lines(c, page).await
}

/// What the warehouse may ship next, emergency first, then the oldest first (one
/// warehouse's if given).
pub async fn ship_queue(
    c: &mut AsyncPgConnection,
    warehouse: Option<&WarehouseCode>,
    after: Option<db::orders::ShipQueuePosition>,
    limit: i64,
) -> Result<Page<OrderDetail>, ApiError> {
    let rows = db::orders::ship_queue(c, warehouse, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |o| {
        (o.priority == Priority::Emergency, o.placed_at, o.id)
    });
    with_lines(c, page).await
}

/// A page of orders with their lines and shipments, read in two queries.
async fn with_lines(
    c: &mut AsyncPgConnection,
    page: Page<Order>,
) -> Result<Page<OrderDetail>, ApiError> {
    let ids: Vec<Uuid> = page.items.iter().map(|o| o.id).collect();
    let mut lines = db::orders::lines_of(c, &ids).await?;
    let mut shipments = db::orders::shipments_of(c, &ids).await?;
    Ok(page.map(|order| {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut lines)
            .into_iter()
            .partition(|l| l.order_id == order.id);
        lines = rest;
        let (shipped, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut shipments)
            .into_iter()
            .partition(|(s, _)| s.order_id == order.id);
        shipments = rest;
        OrderDetail {
            order,
            lines: mine,
            shipments: shipped,
        }
    }))
}

async fn visible(c: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> Result<Order, ApiError> {
    db::orders::find(c, id)
        .await?
        .filter(|o| caller.may_see(o.dealer_code.as_str()))
        .ok_or_else(|| not_found(id))
}

async fn detail(c: &mut AsyncPgConnection, id: Uuid) -> Result<OrderDetail, ApiError> {
    let order = db::orders::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    detail_of(c, order).await
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no order {id}"))
}
