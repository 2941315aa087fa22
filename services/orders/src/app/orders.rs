//! Placing, cancelling and reading dealer orders.
//!
//! Placing prices the order now, from the local price book and the dealer's tier
//! (`domain::pricing`), numbers it (`ORD-000123`), stores it `submitted` and
//! publishes `orders.order_placed`. Cancelling asks catalog to release everything not
//! shipped (`orders.order_cancelled`); the status follows from the quantities
//! (`domain::status`). Every status change appends a timeline entry naming its event.

use aftersales_messaging::contracts::orders::{OrderCancelled, OrderLine, OrderPlaced};
use aftersales_web::{ApiError, FieldError, Page};
use chrono::{SubsecRound, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Caller, enqueue};
use crate::db;
use crate::db::orders::{Line, ListFilter, NewTimelineEntry, Order, TimelineEntry};
use crate::domain::pricing::{BookEntry, LineProblem, RequestedLine, price_order};
use crate::domain::status::{LineQty, derive_status};
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

/// Places `order`: the dealer must be registered and active, every line priced from
/// the price book in the dealer's currency (422 naming each line that is not).
pub async fn place(
    c: &mut AsyncPgConnection,
    order: &PlaceOrder,
    correlation: Uuid,
) -> Result<OrderDetail, ApiError> {
    let dealer_code = &order.dealer_code;
    let dealer = db::dealers::find(c, dealer_code).await?.ok_or_else(|| {
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

    let numbers: Vec<String> = order
        .lines
        .iter()
        .map(|l| l.part_number.to_string())
        .collect();
    let parts = db::price_book::find_many(c, &numbers).await?;
    let lookup = |p: &PartNumber| {
        let part = parts.iter().find(|x| x.part_number == p.as_str())?;
        Some(BookEntry {
            list_price: part.list_price,
            currency: part.currency.clone(),
            active: part.active,
        })
    };
    let priced = price_order(
        &order.lines,
        dealer.tier.discount_pct(),
        &dealer.currency,
        lookup,
    )
    .map_err(|problems| unorderable(&problems))?;

    let id = Uuid::now_v7();
    // Microseconds: what PostgreSQL keeps, so the event and the row agree.
    let placed_at = Utc::now().trunc_subsecs(6);
    let number = db::orders::next_number(c).await?;
    let row = Order {
        id,
        number: number.clone(),
        dealer_code: dealer.code.clone(),
        warehouse: warehouse.clone(),
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
    let lines: Vec<Line> = priced
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
        })
        .collect();
    db::orders::insert(c, &row, &lines).await?;

    let event = OrderPlaced {
        order_id: id,
        order_number: number,
        dealer_code: dealer.code.clone(),
        warehouse,
        priority: order.priority,
        placed_at,
        lines: lines
            .iter()
            .map(|l| OrderLine {
                line_no: l.line_no,
                part_number: l.part_number.clone(),
                qty: l.qty,
            })
            .collect(),
    };
    let envelope = enqueue(c, &event, correlation).await?;
    db::orders::append_timeline(
        c,
        &NewTimelineEntry {
            order_id: id,
            from_status: None,
            to_status: OrderStatus::Submitted,
            event_id: envelope.event_id,
            event_type: envelope.event_type,
            allocation_version: None,
        },
    )
    .await?;
    // Everything the answer shows was just written: no need to read it back.
    Ok(OrderDetail {
        order: row,
        lines,
        shipments: Vec::new(),
    })
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
/// published. A fully shipped or already cancelled order → 409.
pub async fn cancel(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    correlation: Uuid,
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
    db::orders::set_cancel_requested(c, id, status).await?;
    let envelope = enqueue(c, &OrderCancelled { order_id: id }, correlation).await?;
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
