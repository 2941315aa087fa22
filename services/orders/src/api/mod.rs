//! HTTP handlers and request/response types, under `/api/v1`. A handler parses the
//! request, checks the role, calls one use case in `app/` and maps its result.
//!
//! Who may do what (DESIGN.md, invariant 4): admins manage dealers; a dealer places,
//! reads and cancels only its own orders (another dealer's order answers 404);
//! warehouse staff and admins read every order; an admin may also place and cancel
//! an order for a dealer. Admins schedule the tiers' discounts, which warehouse staff
//! and admins read.

mod common;
pub mod dealers;
pub mod order_views;
pub mod orders;
pub mod placing;
pub mod price_book;
pub mod reports;
pub mod tiers;

use actix_web::web;
use aftersales_web::openapi::Conventions;
use utoipa::OpenApi;

aftersales_web::roles! {
    /// Dealers are master data, kept by admins.
    pub Admins = [Admin];
    /// Dealers order for themselves, admins for any dealer.
    pub DealersAndAdmins = [Dealer, Admin];
    /// Tier discounts are read by the staff who read orders and price parts.
    pub TierReaders = [Warehouse, Admin];
}

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales orders", description = "Dealer orders: dealers (tier, discount, labor rate, home warehouse), dealer orders and their lines, the order timeline, and a local price book fed by catalog events."),
    paths(
        dealers::create_dealer,
        dealers::update_dealer,
        dealers::get_dealer,
        dealers::list_dealers,
        price_book::get_price,
        orders::create_order,
        orders::list_orders,
        orders::ship_queue,
        orders::get_order,
        orders::cancel_order,
        orders::get_timeline,
        reports::fill_rate,
        tiers::list_tiers,
        tiers::list_discounts,
        tiers::schedule_discount,
    ),
    components(schemas(
        crate::domain::Tier,
        crate::domain::status::OrderStatus,
    )),
    modifiers(&Conventions)
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/dealers")
            .route(web::post().to(dealers::create_dealer))
            .route(web::get().to(dealers::list_dealers)),
    )
    .service(
        web::resource("/dealers/{code}")
            .route(web::get().to(dealers::get_dealer))
            .route(web::put().to(dealers::update_dealer)),
    )
    .service(web::resource("/price-book").route(web::get().to(price_book::get_price)))
    .service(
        web::resource("/orders")
            .route(web::post().to(orders::create_order))
            .route(web::get().to(orders::list_orders)),
    )
    .service(web::resource("/ship-queue").route(web::get().to(orders::ship_queue)))
    .service(web::resource("/orders/{id}").route(web::get().to(orders::get_order)))
    .service(web::resource("/orders/{id}/cancel").route(web::post().to(orders::cancel_order)))
    .service(web::resource("/orders/{id}/timeline").route(web::get().to(orders::get_timeline)))
    .service(web::resource("/reports/fill-rate").route(web::get().to(reports::fill_rate)))
    .service(web::resource("/tiers").route(web::get().to(tiers::list_tiers)))
    .service(
        web::resource("/tiers/{tier}/discounts")
            .route(web::get().to(tiers::list_discounts))
            .route(web::post().to(tiers::schedule_discount)),
    );
}
