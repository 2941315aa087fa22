//! `orders`, `orders/{id}`, `orders/{id}/cancel`, `orders/{id}/timeline`: parse,
//! check the role, call the use case in `app::orders`, answer. The bodies are in
//! `order_views`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::{KeyHeader, request_hash};
use aftersales_web::{
    Allowed, ApiError, DbConn, Keyed, MaybeIdempotencyKey, Page, PageQuery, Principal, Role,
};
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

use super::DealersAndAdmins;
use super::common::{OptionalJson, period_bound};
use super::order_views::{
    CancelOrder, CreateOrder, OrderFilter, OrderView, ShipQueueFilter, TimelineEntryView,
};
use super::placing::{Placer, Request};
use crate::app::orders::{self as use_case, PlaceOrder};
use crate::db::orders::ListFilter;

/// Places an order, priced now from the price book and the dealer's tier.
///
/// A dealer orders for itself (the dealer of its token). An admin may order for
/// any dealer given in `dealer_code`. Accepts `Idempotency-Key`: a repeat with the
/// same key and body answers the first result and places nothing; the same key
/// with another body → 422.
#[utoipa::path(
    post, path = "/api/v1/orders", tag = "orders",
    request_body = CreateOrder,
    params(KeyHeader),
    responses(
        (status = 201, description = "placed; publishes orders.order_placed", body = OrderView),
        (status = 403, description = "role may not order, or a dealer ordering for another dealer", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields; an unknown, inactive, duplicate or other-currency part names its line (`lines[i].part_number`); unknown or inactive dealer", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_order(
    Allowed(who, ..): Allowed<DealersAndAdmins>,
    correlation: CorrelationId,
    key: MaybeIdempotencyKey,
    placer: web::Data<Placer>,
    body: aftersales_web::Json<CreateOrder>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let order = PlaceOrder::new(
        &who.caller()?,
        body.dealer_code.clone(),
        body.warehouse.clone(),
        body.priority,
        body.requested_lines()?,
    )?;
    let hash = request_hash(&("POST /orders", &order.dealer_code, &body));
    let answer = placer
        .place(Request {
            principal: who.sub.clone(),
            key: key.into_inner(),
            hash,
            order,
            origin: Origin::request(&who, correlation.0),
        })
        .await?;
    Ok(answer.located("/api/v1/orders", "id"))
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
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<OrderFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let caller = who.caller()?;
    let filter = filter.into_inner();
    let query = ListFilter {
        dealer_code: filter.dealer,
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
        ..ListFilter::default()
    };
    let orders = use_case::list(&mut conn, &caller, query, page.limit()).await?;
    Ok(HttpResponse::Ok().json(orders.map(OrderView::from)))
}

/// The warehouse's ship queue: orders holding reserved units that may ship (status
/// `reserved`, `partially_reserved` or `partially_shipped`), emergency first, then
/// the oldest first; of one warehouse if `warehouse` is given.
#[utoipa::path(
    get, path = "/api/v1/ship-queue", tag = "orders",
    params(PageQuery, ShipQueueFilter),
    responses(
        (status = 200, description = "a page of orders to ship, in shipping order", body = inline(Page<OrderView>)),
        (status = 400, description = "bad cursor or warehouse code", body = aftersales_web::Problem),
        (status = 403, description = "role may not ship", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn ship_queue(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<ShipQueueFilter>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Warehouse, Role::Admin])?;
    let orders = use_case::ship_queue(
        &mut conn,
        filter.warehouse.as_ref(),
        page.position()?,
        page.limit(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(orders.map(OrderView::from)))
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
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let caller = who.caller()?;
    let order = use_case::get(&mut conn, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

/// Asks catalog to cancel everything not yet shipped (the owning dealer, or an
/// admin), optionally saying why (kept in the audit trail). Publishes
/// `orders.order_cancelled`; the order is `cancel_requested` until catalog's release
/// arrives, then `cancelled`. Accepts `Idempotency-Key`: a repeat with the same key
/// answers the first result and publishes nothing.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/cancel", tag = "orders",
    request_body(content = Option<CancelOrder>, description = "optional: no body cancels without a reason"),
    params(
        ("id" = Uuid, Path),
        KeyHeader,
    ),
    responses(
        (status = 202, description = "cancel requested", body = OrderView),
        (status = 403, description = "role may not cancel", body = aftersales_web::Problem),
        (status = 404, description = "unknown, or another dealer's", body = aftersales_web::Problem),
        (status = 409, description = "fully shipped, or already cancelled / being cancelled", body = aftersales_web::Problem),
        (status = 422, description = "a reason over 500 characters, or the key reused with another reason", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_order(
    Allowed(who, ..): Allowed<DealersAndAdmins>,
    correlation: CorrelationId,
    keyed: Keyed,
    path: web::Path<Uuid>,
    body: OptionalJson<CancelOrder>,
) -> Result<HttpResponse, ApiError> {
    let caller = who.caller()?;
    let id = path.into_inner();
    let body = body.0.unwrap_or_default();
    body.validate()?;
    let reason = body.reason();
    let origin = Origin::request(&who, correlation.0);
    // The same key with another reason is another request (422). Without a reason it
    // hashes as it did before reasons existed: a key stored then still replays.
    let mut request = vec![json!("POST /orders/{id}/cancel"), json!(id)];
    request.extend(reason.map(|r| json!(r)));
    let answer = keyed
        .once(&who, &request, StatusCode::ACCEPTED, async |c| {
            let order = use_case::cancel(c, &caller, id, reason, &origin).await?;
            Ok(OrderView::from(order))
        })
        .await?;
    Ok(answer.into_response())
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
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Dealer, Role::Warehouse, Role::Admin])?;
    let caller = who.caller()?;
    let entries = use_case::timeline(&mut conn, &caller, path.into_inner()).await?;
    let entries: Vec<TimelineEntryView> = entries.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(entries))
}
