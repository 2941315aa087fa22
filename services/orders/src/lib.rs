//! Dealer orders: dealers (tier, discount, labor rate, home warehouse), dealer orders and their lines, the order timeline, and a local price book fed by catalog events.
//!
//! Rooms: `app` the use cases (load, decide, persist, publish), `domain` pure rules,
//! `db` SQL, `api` HTTP, `events` messaging; `main.rs` wires them through
//! `aftersales_web::service`.

pub mod api;
pub mod app;
pub mod db;
pub mod domain;
pub mod events;

use aftersales_web::service::ServiceSpec;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use utoipa::OpenApi;

pub const NAME: &str = "orders";

/// This service's tables, in its own schema.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

pub fn spec() -> ServiceSpec<events::EventHandler> {
    ServiceSpec::new(NAME, 8082, &MIGRATIONS, events::EventHandler)
        .api(api::ApiDoc::openapi(), api::configure)
        .with_state(api::placing::state)
        .with_topics(app::notices::TOPICS)
}
