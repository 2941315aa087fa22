//! Catalog and stock: suppliers, parts with their price history and supersession, warehouses, stock levels, the stock ledger, reservations, backorders, transfers, cycle counts, shipments and quarantine.
//!
//! Rooms: `domain` pure rules, `db` SQL, `app` the use cases (load, decide, write,
//! publish), `api` HTTP, `events` messaging; `main.rs` wires them through
//! `aftersales_web::service`.

pub mod api;
pub mod app;
pub mod db;
pub mod domain;
pub mod events;

use aftersales_web::service::ServiceSpec;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use utoipa::OpenApi;

pub const NAME: &str = "catalog";

/// This service's tables, in its own schema.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

pub fn spec() -> ServiceSpec<events::EventHandler> {
    ServiceSpec::new(NAME, 8081, &MIGRATIONS, events::EventHandler)
        .api(api::ApiDoc::openapi(), api::configure)
        .with_background(price_days)
        .with_topics(app::notices::TOPICS)
}

/// Publishes list prices on the day they take effect (`app::parts::publish_price_days`)
/// until the service stops; each run is one transaction, so stopping mid-way is safe.
fn price_days(
    pool: aftersales_web::DbPool,
    mut shutdown: aftersales_messaging::Shutdown,
) -> futures_util::future::BoxFuture<'static, ()> {
    Box::pin(async move {
        let interval = app::parts::price_sweep_interval();
        tokio::select! {
            _ = app::parts::publish_price_days(pool, interval) => {}
            _ = shutdown.wait() => {}
        }
    })
}
