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

pub mod allocations;
pub mod dealers;
pub mod orders;
pub mod price_book;
pub mod reports;
pub mod tiers;

/// Whose data a caller acts on (a dealer only its own): the rule every service shares.
pub use aftersales_web::auth::Caller;

use aftersales_messaging::{Envelope, Event, outbox};
use aftersales_web::ApiError;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Puts `event` in the outbox, in the caller's transaction, as caused by the request
/// or event of `correlation`; answers the envelope (its id names the change).
async fn enqueue<E: Event>(
    c: &mut AsyncPgConnection,
    event: &E,
    correlation: Uuid,
) -> Result<Envelope, ApiError> {
    let envelope = Envelope::new(crate::NAME, event, correlation).map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    Ok(envelope)
}
