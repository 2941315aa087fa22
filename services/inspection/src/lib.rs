//! Warranty claims and old-part inspection: unit registrations, warranty policies, labor operations, claims, old-part receipt, findings, decisions and disposition.
//!
//! Rooms: `domain` pure rules, `db` SQL, `app` the use cases (load, decide, persist,
//! enqueue events), `api` HTTP, `events` messaging; `main.rs` wires them through
//! `aftersales_web::service`.

pub mod api;
pub mod app;
pub mod db;
pub mod domain;
pub mod events;

use aftersales_web::service::ServiceSpec;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use utoipa::OpenApi;

pub const NAME: &str = "inspection";

/// This service's tables, in its own schema.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

pub fn spec() -> ServiceSpec<events::EventHandler> {
    ServiceSpec::new(NAME, 8083, &MIGRATIONS, events::EventHandler)
        .api(api::ApiDoc::openapi(), api::configure)
        .with_background(return_deadlines)
        .with_topics(app::notices::TOPICS)
}

/// Rejects claims whose part did not come back in time and reminds those whose part is
/// due soon, every minute, until the service stops; each sweep is one transaction, so
/// stopping mid-way is safe.
fn return_deadlines(
    pool: aftersales_web::DbPool,
    mut shutdown: aftersales_messaging::Shutdown,
) -> futures_util::future::BoxFuture<'static, ()> {
    Box::pin(async move {
        tokio::select! {
            _ = app::deadline::run_forever(pool, app::deadline::DEFAULT_INTERVAL) => {}
            _ = shutdown.wait() => {}
        }
    })
}
