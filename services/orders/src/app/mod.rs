//! The use cases: one function per thing the service does, each of which loads (via
//! `db/`), decides (via `domain/`), persists (via `db/`) and enqueues its events in
//! the outbox, inside the transaction its caller holds.
//!
//! `api/` parses a request, checks the role and calls one of these (through
//! `aftersales_web::idempotency::once` where a key applies); `events/` decodes an
//! envelope and calls one of these. Where each thing is decided:
//! - `orders.rs`: placing (pricing, numbering) and cancelling an order, and reading
//!   orders as the caller may see them;
//! - `allocations.rs`: applying catalog's allocations and shipments to an order;
//! - `dealers.rs`: registering and changing dealers;
//! - `price_book.rs`: the price book fed by catalog, and a part's price for a tier;
//! - `reports.rs`: the fill-rate report;
//! - `tiers.rs`: the tiers' discounts in force, their history, scheduling a new one;
//! - `notices.rs`: what orders notifies subscribers of (backorder filled, shipped);
//!
//! Every use case that changes state takes the [`Origin`] of the change (the request's
//! user, or the consumed event as its [`Cause`] holds it) and writes its audit
//! [`Entry`]s in the transaction of the change, after the change's own writes: a change
//! refused on the way (4xx, a stale allocation) writes none.

pub mod allocations;
pub mod dealers;
pub mod notices;
pub mod orders;
pub mod price_book;
pub mod reports;
pub mod tiers;

/// Whose data a caller acts on (a dealer only its own): the rule every service shares.
pub use aftersales_web::auth::Caller;

pub use aftersales_web::audit::{Entry, Origin};

use aftersales_messaging::{Envelope, Event, outbox};
use aftersales_web::ApiError;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// A consumed event that changes state: what a timeline entry names, and the origin
/// its audit records are written under (the producing service and the event's id).
#[derive(Debug, Clone)]
pub struct Cause<'a> {
    pub event: &'a Envelope,
    pub origin: Origin,
}

impl<'a> Cause<'a> {
    pub fn of(event: &'a Envelope) -> Self {
        Cause {
            event,
            origin: Origin::event(event),
        }
    }
}

/// The correlation id the events of a change made under `origin` carry: its request's
/// or its event's. Every origin here has one; a job continuing no flow would start one.
fn correlation(origin: &Origin) -> Uuid {
    origin.correlation_id.unwrap_or_else(Uuid::now_v7)
}

/// Puts `event` in the outbox, in the caller's transaction, correlated as `origin`'s
/// change; answers the envelope (its id names the change).
async fn enqueue<E: Event>(
    c: &mut AsyncPgConnection,
    event: &E,
    origin: &Origin,
) -> Result<Envelope, ApiError> {
    let envelope =
        Envelope::new(crate::NAME, event, correlation(origin)).map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    Ok(envelope)
}
