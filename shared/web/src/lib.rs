//! What every aftersales service needs on its web side: configuration, telemetry,
//! problem+json errors, JWT auth and roles, pagination, idempotency keys, the database
//! pool and migrations, health, metrics and OpenAPI docs.
//!
//! # Error policy
//!
//! - Each layer has its own `thiserror` enum (`DbError`, `AuthError`, `ConfigError`,
//!   a service's domain errors) that keeps its cause chain.
//! - Handlers return [`ApiError`]; its `ResponseError` impl is the one mapping to
//!   `application/problem+json`. `ApiError::Internal` logs the cause chain and sends a
//!   generic detail.
//! - `anyhow` only in binaries and tooling (`main`, xtask), never on the request path.
//! - Never a 500 for client input: malformed → 400, well-formed but invalid → 422,
//!   state conflict → 409; constraint violations are mapped by the service before `?`.

pub mod app;
pub mod audit;
pub mod auth;
pub mod body;
pub mod config;
pub mod correlation;
pub mod csv;
pub mod db;
pub mod error;
pub mod health;
pub mod http_client;
pub mod idempotency;
pub mod metrics;
pub mod migrations;
pub mod notify;
pub mod nul;
pub mod openapi;
pub mod pagination;
pub mod query;
pub mod request;
pub mod retention;
pub mod service;
pub mod settings;
pub mod telemetry;

/// Enum-like `TEXT` columns as the domain's enums (defined with the shared vocabulary).
pub use aftersales_types::text_enum;
pub use app::common;
pub use auth::{Allowed, Claims, JwtKeys, Principal, Role, RoleSet, TokenVerifier};
pub use body::{BodyLimit, Json, Text};
pub use config::{LogFormat, WebConfig};
pub use db::{DbConn, DbError, DbPool};
pub use error::{
    ApiError, FieldError, Problem, default_service, method_not_allowed, path_config,
    problem_fallback, query_config,
};
pub use health::Readiness;
pub use idempotency::{Claim, IdempotencyKey, Keyed, MaybeIdempotencyKey};
pub use metrics::Metrics;
pub use openapi::SecurityAddon;
pub use pagination::{Cursor, Page, PageQuery};
pub use query::Query;

/// This crate's migrations (the `idempotency_keys` table, the audit trail's and the
/// notifications' tables). Run them into every service schema, alongside the service's own, with [`db::run_migrations`].
pub const MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations");
