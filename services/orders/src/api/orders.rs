//! `orders`, `orders/{id}`, `orders/{id}/cancel`, `orders/{id}/timeline`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use aftersales_messaging::contracts::orders::{
    OrderCancelled, OrderLine, OrderPlaced, Priority as EventPriority,
};
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{
    ApiError, DbPool, FieldError, MaybeIdempotencyKey, Page, PageQuery, Principal, Role,
};
use chrono::{DateTime, SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::common::{self, period_bound, validation};
use crate::db;
use crate::domain::pricing::{BookEntry, RequestedLine, price_order};
use crate::domain::status::{LineQty, OrderStatus, derive_status};
use crate::domain::{Currency, DealerCode, PartNumber, WarehouseCode, line_qty};

fn valid_part(value: &str) -> Result<(), ValidationError> {
    PartNumber::parse(value).map(drop).map_err(validation)
}
fn valid_warehouse(value: &str) -> Result<(), ValidationError> {
    WarehouseCode::parse(value).map(drop).map_err(validation)
}
fn valid_dealer_code(value: &str) -> Result<(), ValidationError> {
    DealerCode::parse(value).map(drop).map_err(validation)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Stock,
    /// Unit down: allocated and shipped first.
    Emergency,
}

impl Priority {
    fn as_str(self) -> &'static str {
        match self {
            Priority::Stock => "stock",
            Priority::Emergency => "emergency",
        }
    }
    fn parse(value: &str) -> Option<Priority> {
        match value {
            "stock" => Some(Priority::Stock),
            "emergency" => Some(Priority::Emergency),
            _ => None,
        }
    }
    fn event(self) -> EventPriority {
        match self {
            Priority::Stock => EventPriority::Stock,
            Priority::Emergency => EventPriority::Emergency,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    #[validate(custom(function = "valid_part"))]
    pub part_number: String,
    #[validate(range(min = 1, max = 100_000))]
    pub qty: i64,
}

/// A new order. One line per part: a second line for the same part is refused
/// (422 naming it), never merged.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// Admin only: the dealer the order is for (required for admins). A dealer
    /// orders for itself; it may omit this or give its own code.
    #[validate(custom(function = "valid_dealer_code"))]
    #[serde(default)]
    pub dealer_code: Option<String>,
    /// Shipping warehouse; defaults to the dealer's home warehouse.
    #[validate(custom(function = "valid_warehouse"))]
    #[serde(default)]
    pub warehouse: Option<String>,
    pub priority: Priority,
    #[validate(length(min = 1, max = 200), nested)]
    pub lines: Vec<OrderLineInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderLineView {
    pub line_no: i32,
    pub part_number: String,
    /// The part catalog reserved (the successor of a superseded part); null until
    /// catalog allocated the line.
    pub reserved_part_number: Option<String>,
    pub qty: i32,
    #[schema(value_type = String, example = "120.0000")]
    pub unit_list_price: Decimal,
    #[schema(value_type = String, example = "10.00")]
    pub discount_pct: Decimal,
    /// Unit list price less the discount, 4 decimals: the discount applies per unit.
    #[schema(value_type = String, example = "108.0000")]
    pub unit_net_price: Decimal,
    /// `unit_net_price × qty` rounded half away from zero to the cent.
    #[schema(value_type = String, example = "216.00")]
    pub line_total: Decimal,
    pub reserved: i32,
    pub backordered: i32,
    pub shipped: i32,
    pub released: i32,
    /// Units catalog has not allocated yet (all of them before the first
    /// allocation, then 0: reserved + backordered + shipped + released = qty).
    pub pending: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    /// Human number, `ORD-000123`.
    pub number: String,
    pub dealer_code: String,
    pub warehouse: String,
    pub priority: Priority,
    pub status: OrderStatus,
    pub currency: String,
    /// Sum of the line totals.
    #[schema(value_type = String, example = "216.00")]
    pub total: Decimal,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the dealer asked to cancel; the status is `cancel_requested` until
    /// catalog released everything not shipped, then `cancelled`.
    pub cancel_requested_at: Option<DateTime<Utc>>,
    /// Version of catalog's allocation reflected here (0: none yet).
    pub allocation_version: i64,
    pub lines: Vec<OrderLineView>,
}

fn order_view(
    order: db::orders::Order,
    lines: Vec<db::orders::Line>,
) -> Result<OrderView, ApiError> {
    let status = OrderStatus::parse(&order.status)
        .ok_or_else(|| ApiError::internal(format!("order {} has unknown status", order.id)))?;
    let priority = Priority::parse(&order.priority)
        .ok_or_else(|| ApiError::internal(format!("order {} has unknown priority", order.id)))?;
    Ok(OrderView {
        id: order.id,
        number: order.number,
        dealer_code: order.dealer_code,
        warehouse: order.warehouse,
        priority,
        status,
        currency: order.currency,
        total: order.total,
        placed_at: order.placed_at,
        updated_at: order.updated_at,
        cancel_requested_at: order.cancel_requested_at,
        allocation_version: order.allocation_version,
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                pending: l.qty - l.reserved - l.backordered - l.shipped - l.released,
                line_no: l.line_no,
                part_number: l.part_number,
                reserved_part_number: l.reserved_part_number,
                qty: l.qty,
                unit_list_price: l.unit_list_price,
                discount_pct: l.discount_pct,
                unit_net_price: l.unit_net_price,
                line_total: l.line_total,
                reserved: l.reserved,
                backordered: l.backordered,
                shipped: l.shipped,
                released: l.released,
            })
            .collect(),
    })
}

/// 404 unless the caller may see `order` (a dealer sees only its own).
fn check_visible(who: &Principal, order: &db::orders::Order) -> Result<(), ApiError> {
    if who.is(Role::Dealer) && who.dealer_code() != Some(order.dealer_code.as_str()) {
        return Err(not_found(order.id));
    }
    Ok(())
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no order {id}"))
}

async fn load_view(c: &mut AsyncPgConnection, id: Uuid) -> Result<OrderView, ApiError> {
    let order = db::orders::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let lines = db::orders::lines(c, id).await?;
    order_view(order, lines)
}

fn created(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    if let Some(id) = body.get("id").and_then(serde_json::Value::as_str) {
        resp.insert_header((header::LOCATION, format!("/api/v1/orders/{id}")));
    }
    resp.json(body)
}

/// Places an order, priced now from the price book and the dealer's tier.
///
/// A dealer orders for itself (the dealer of its token). An admin may order for
/// any dealer given in `dealer_code`. Accepts `Idempotency-Key`: a repeat with the
/// same key and body answers the first result and places nothing; the same key
/// with another body → 422.
#[utoipa::path(
    post, path = "/api/v1/orders", tag = "orders",
    request_body = CreateOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe placement")),
    responses(
        (status = 201, description = "placed; publishes orders.order_placed", body = OrderView),
        (status = 403, description = "role may not order, or a dealer ordering for another dealer", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields; an unknown, inactive, duplicate or other-currency part names its line (`lines[i].part_number`); unknown or inactive dealer", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_order(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateOrder>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Admin])?;
    let body = body.into_inner();
    body.validate()?;
    let dealer_code = if who.is(Role::Dealer) {
        let own = who.dealer_code().unwrap_or_default().to_owned();
        if body.dealer_code.as_deref().is_some_and(|c| c != own) {
            return Err(ApiError::forbidden("a dealer orders only for itself"));
        }
        own
    } else {
        body.dealer_code.clone().ok_or_else(|| {
            ApiError::invalid_field("dealer_code", "required when an admin places an order")
        })?
    };
    let requested = body
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let part_number = PartNumber::parse(&l.part_number).map_err(|e| {
                ApiError::invalid_field(format!("lines[{i}].part_number"), e.into_message())
            })?;
            let qty = line_qty(l.qty).map_err(|e| {
                ApiError::invalid_field(format!("lines[{i}].qty"), e.into_message())
            })?;
            Ok(RequestedLine { part_number, qty })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let hash = idempotency::request_hash(&("POST /orders", &dealer_code, &body));
    let key = key.into_inner();

    let mut conn = common::conn(&pool).await?;
    let (status, json) = conn
        .transaction(async |c| {
            if let Some(key) = &key
                && let Claim::Replay { status, body } =
                    idempotency::claim(c, &who.sub, key, &hash).await?
            {
                return Ok::<_, ApiError>((status, body));
            }
            let dealer = db::dealers::find(c, &dealer_code).await?.ok_or_else(|| {
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
            let tier = super::dealers::tier_of(&dealer)?;
            let currency = Currency::parse(&dealer.currency)
                .map_err(|e| ApiError::internal(e.into_message()))?;
            let warehouse = body
                .warehouse
                .clone()
                .unwrap_or_else(|| dealer.home_warehouse.clone());

            let numbers: Vec<String> = requested
                .iter()
                .map(|l| l.part_number.to_string())
                .collect();
            let parts = db::price_book::find_many(c, &numbers).await?;
            let lookup = |p: &PartNumber| {
                let part = parts.iter().find(|x| x.part_number == p.as_str())?;
                Some(BookEntry {
                    list_price: part.list_price,
                    currency: Currency::parse(&part.currency).ok()?,
                    active: part.active,
                })
            };
            let priced = price_order(&requested, tier.discount_pct(), &currency, lookup).map_err(
                |problems| {
                    let errors: Vec<FieldError> = problems
                        .iter()
                        .map(|p| {
                            FieldError::new(format!("lines[{}].part_number", p.index), p.message())
                        })
                        .collect();
                    let detail = match errors.as_slice() {
                        [one] => format!("{}: {}", one.field, one.message),
                        _ => format!("{} lines cannot be ordered", errors.len()),
                    };
                    ApiError::Unprocessable { detail, errors }
                },
            )?;

            let id = Uuid::now_v7();
            // Microseconds: what PostgreSQL keeps, so the event and the row agree.
            let placed_at = Utc::now().trunc_subsecs(6);
            let number = db::orders::next_number(c).await?;
            let order = db::orders::Order {
                id,
                number: number.clone(),
                dealer_code: dealer.code.clone(),
                warehouse: warehouse.clone(),
                priority: body.priority.as_str().to_owned(),
                status: OrderStatus::Submitted.as_str().to_owned(),
                currency: currency.to_string(),
                total: priced.total,
                allocation_version: 0,
                initial_allocation_version: None,
                cancel_requested_at: None,
                placed_at,
                updated_at: placed_at,
            };
            let lines: Vec<db::orders::Line> = priced
                .lines
                .iter()
                .map(|l| db::orders::Line {
                    order_id: id,
                    line_no: l.line_no,
                    part_number: l.part_number.to_string(),
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
            db::orders::insert(c, &order, &lines).await?;

            let event = OrderPlaced {
                order_id: id,
                order_number: number,
                dealer_code: dealer.code.clone(),
                warehouse,
                priority: body.priority.event(),
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
            let envelope =
                Envelope::new(crate::NAME, &event, correlation.0).map_err(ApiError::internal)?;
            outbox::enqueue(c, &envelope).await?;
            db::orders::append_timeline(
                c,
                &db::orders::NewTimelineEntry {
                    order_id: id,
                    from_status: None,
                    to_status: OrderStatus::Submitted.as_str(),
                    event_id: envelope.event_id,
                    event_type: &envelope.event_type,
                    allocation_version: None,
                },
            )
            .await?;

            let json = serde_json::to_value(load_view(c, id).await?).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(created(status, json))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Placed at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Placed before this timestamp, or on or before this date (UTC).
    pub to: Option<String>,
    /// Warehouse and admin: only this dealer's orders (a dealer always sees only its own).
    pub dealer: Option<String>,
}

/// Orders, newest first: a dealer sees only its own; warehouse and admin all.
#[utoipa::path(
    get, path = "/api/v1/orders", tag = "orders",
    params(PageQuery, OrderFilter),
    responses(
        (status = 200, description = "a page of orders", body = inline(Page<OrderView>)),
        (status = 400, description = "bad cursor or status", body = aftersales_web::Problem),
        (status = 403, description = "role may not read orders", body = aftersales_web::Problem),
        (status = 422, description = "bad date", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_orders(
    who: Principal,
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<OrderFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let dealer_code = if who.is(Role::Dealer) {
        who.dealer_code().map(str::to_owned)
    } else {
        filter.dealer.clone()
    };
    let query = db::orders::ListFilter {
        dealer_code,
        status: filter.status.map(|s| s.as_str().to_owned()),
        from: filter
            .from
            .as_deref()
            .map(|v| period_bound("from", v, false))
            .transpose()?,
        to: filter
            .to
            .as_deref()
            .map(|v| period_bound("to", v, true))
            .transpose()?,
        after: page.position()?,
    };
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows = db::orders::list(&mut conn, &query, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |o| (o.placed_at, o.id));
    let ids: Vec<Uuid> = page.items.iter().map(|o| o.id).collect();
    let mut lines = db::orders::lines_of(&mut conn, &ids).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for order in page.items {
        let (mine, rest): (Vec<_>, Vec<_>) =
            lines.into_iter().partition(|l| l.order_id == order.id);
        lines = rest;
        items.push(order_view(order, mine)?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One order (another dealer's → 404).
#[utoipa::path(
    get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the order with its lines", body = OrderView),
        (status = 403, description = "role may not read orders", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_order(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let order = db::orders::find(&mut conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(&who, &order)?;
    let lines = db::orders::lines(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(order_view(order, lines)?))
}

/// Asks catalog to cancel everything not yet shipped (the owning dealer, or an
/// admin). Publishes `orders.order_cancelled`; the order is `cancel_requested`
/// until catalog's release arrives, then `cancelled`.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/cancel", tag = "orders",
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, description = "cancel requested", body = OrderView),
        (status = 403, description = "role may not cancel", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
        (status = 409, description = "fully shipped, or already cancelled / being cancelled", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_order(
    who: Principal,
    pool: web::Data<DbPool>,
    correlation: CorrelationId,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Admin])?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let view = conn
        .transaction(async |c| {
            let order = db::orders::lock(c, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            check_visible(&who, &order)?;
            let held = OrderStatus::parse(&order.status)
                .ok_or_else(|| ApiError::internal(format!("order {id} has unknown status")))?;
            held.cancellable().map_err(|e| {
                ApiError::conflict(format!("order {} cannot be cancelled: {e}", order.number))
            })?;
            let lines = db::orders::lines(c, id).await?;
            let quantities: Vec<LineQty> = lines
                .iter()
                .map(|l| LineQty {
                    ordered: l.qty,
                    reserved: l.reserved,
                    backordered: l.backordered,
                    shipped: l.shipped,
                    released: l.released,
                })
                .collect();
            let status = derive_status(&quantities, order.allocation_version > 0, true);
            db::orders::set_cancel_requested(c, id, status.as_str()).await?;
            let envelope =
                Envelope::new(crate::NAME, &OrderCancelled { order_id: id }, correlation.0)
                    .map_err(ApiError::internal)?;
            outbox::enqueue(c, &envelope).await?;
            db::orders::append_timeline(
                c,
                &db::orders::NewTimelineEntry {
                    order_id: id,
                    from_status: Some(&order.status),
                    to_status: status.as_str(),
                    event_id: envelope.event_id,
                    event_type: &envelope.event_type,
                    allocation_version: None,
                },
            )
            .await?;
            load_view(c, id).await
        })
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntryView {
    pub at: DateTime<Utc>,
    /// Null for the first entry (placement).
    pub from_status: Option<OrderStatus>,
    pub status: OrderStatus,
    /// The event that caused the change: `orders.order_placed`,
    /// `orders.order_cancelled`, or the catalog event that carried the allocation.
    pub event_id: Uuid,
    pub event_type: String,
    pub allocation_version: Option<i64>,
}

/// The order's status changes, oldest first, each with the event that caused it.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}/timeline", tag = "orders",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "status changes, oldest first", body = Vec<TimelineEntryView>),
        (status = 403, description = "role may not read orders", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_timeline(
    who: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let order = db::orders::find(&mut conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(&who, &order)?;
    let entries = db::orders::timeline(&mut conn, id)
        .await?
        .into_iter()
        .map(|e| {
            let status = OrderStatus::parse(&e.to_status).ok_or_else(|| {
                ApiError::internal(format!("timeline {} has unknown status", e.id))
            })?;
            Ok(TimelineEntryView {
                at: e.at,
                from_status: e.from_status.as_deref().and_then(OrderStatus::parse),
                status,
                event_id: e.event_id,
                event_type: e.event_type,
                allocation_version: e.allocation_version,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(HttpResponse::Ok().json(entries))
}
