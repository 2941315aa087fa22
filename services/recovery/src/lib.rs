//! Supplier claim recovery: supplier agreements, recovery lines, recovery claims to suppliers, supplier responses, credit memos, write-offs, reconciliation and aging.
//!
//! Rooms: `domain` pure rules, `db` SQL, `api` HTTP, `events` messaging; `main.rs`
//! wires them through `aftersales_web::service`.

pub mod api;
pub mod db;
pub mod domain;
pub mod events;

use aftersales_web::service::ServiceSpec;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use utoipa::OpenApi;

pub const NAME: &str = "recovery";
pub const PORT: u16 = 8084;

/// This service's tables, in its own schema.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

pub fn spec() -> ServiceSpec<events::EventHandler> {
    ServiceSpec {
        name: NAME,
        default_port: PORT,
        migrations: &MIGRATIONS,
        openapi: api::ApiDoc::openapi(),
        routes: api::configure,
        handler: events::EventHandler,
        background: None,
    }
}
