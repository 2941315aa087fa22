//! Messaging kernel shared by every service (DESIGN.md, "Messaging").
//!
//! - [`envelope`]: the JSON envelope every event travels in;
//! - [`outbox`]: write events in the caller's transaction; [`relay`] publishes them
//!   after commit, with publisher confirms;
//! - [`consumer`]: apply consumed events exactly once through the inbox table;
//! - [`topology`]: exchanges and queues; [`contracts`]: the event catalog;
//! - [`dead_letters`]: list and replay what ended in `<service>.dead`;
//! - [`permissions`]: what each service's broker user may do;
//! - [`trace_context`]: the W3C trace context through the outbox and the broker.
//!
//! The outbox and inbox tables come with [`MIGRATIONS`], which every service runs into
//! its own schema before its own migrations.

pub mod broker;
pub mod consumer;
pub mod contracts;
pub mod dead_letters;
pub mod envelope;
pub mod metrics;
pub mod outbox;
pub mod permissions;
pub mod relay;
pub mod retention;
mod schema;
pub mod tls;
pub mod topology;
pub mod trace_context;
pub mod transient;

pub use broker::{LinkState, Shutdown, ShutdownTrigger};
pub use consumer::{Consumer, Handled, Handler, HandlerError, Outcome, Unhandled, payload};
pub use envelope::{Envelope, Event};
pub use metrics::MessagingMetrics;
pub use relay::{Relay, RelayConfig};
pub use topology::{Subscription, Topology};

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

/// The outbox and inbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The connection pool every service uses.
pub type DbPool = diesel_async::pooled_connection::deadpool::Pool<diesel_async::AsyncPgConnection>;
