//! Supplier claim recovery: supplier agreements, recovery lines, recovery claims to suppliers, supplier responses, credit memos, write-offs, reconciliation and aging.
//!
//! Rooms: `domain` pure rules, `db` SQL, `app` the use cases (load, decide, persist,
//! enqueue events), `api` HTTP, `events` messaging; `main.rs` wires them through
//! `aftersales_web::service`. `api` and `events` only call `app`.

pub mod api;
pub mod app;
pub mod db;
pub mod domain;
pub mod events;

use aftersales_web::service::ServiceSpec;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use utoipa::OpenApi;

pub const NAME: &str = "recovery";

/// This service's tables, in its own schema.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

pub fn spec() -> ServiceSpec<events::EventHandler> {
    ServiceSpec::new(NAME, 8084, &MIGRATIONS, events::EventHandler)
        .api(api::ApiDoc::openapi(), api::configure)
        .with_background(filing_deadlines)
        .with_topics(app::notices::TOPICS)
}

/// Runs the filing-deadline sweep (`app::filing`) until the service stops; each run
/// is one transaction, so stopping mid-way is safe.
fn filing_deadlines(
    pool: aftersales_web::DbPool,
    mut shutdown: aftersales_messaging::Shutdown,
) -> futures_util::future::BoxFuture<'static, ()> {
    Box::pin(async move {
        let (lead, interval) = app::filing::settings();
        tokio::select! {
            _ = app::filing::run_forever(pool, lead, interval) => {}
            _ = shutdown.wait() => {}
        }
    })
}
