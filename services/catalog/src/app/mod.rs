//! The use cases of the service, one file per area: each loads what it needs through
//! `db`, decides with `domain`, writes through `db`, enqueues its events to the
//! outbox and writes its audit entries ([`Cause::audit`], once, with those of the
//! use cases it called: a [`Trail`]), all in the caller's transaction. `api` (HTTP)
//! and `events` (messages) only parse their input, call one of these with the
//! [`Cause`] (who asked) and map the result.
//!
//! - `suppliers`, `warehouses`, `parts` (with prices and supersession): master data;
//! - `stock`: receipts, adjustments, cycle counts, reorder settings, quarantine, and
//!   [`stock::write`], the one writer of a level (ledger and stock-low included);
//! - `reservations`: an order placed (reserve or backorder), cancelled (release),
//!   backorders served when stock arrives;
//! - `shipments`: reserved units leave; `transfers`: stock moves between warehouses;
//! - `purchase_orders`: orders to suppliers, received line by line; what they still
//!   bring dates the backorders; `replenishment`: what to order now, drafted per
//!   supplier;
//! - `import`: parts and price lists from CSV;
//! - `availability`: what dealers see of stock (a band per warehouse);
//! - `notices`: what catalog notifies subscribers of (stock below its reorder point).

pub mod availability;
pub mod import;
pub mod notices;
pub mod parts;
pub mod purchase_orders;
pub mod replenishment;
pub mod reservations;
pub mod shipments;
pub mod stock;
pub mod suppliers;
pub mod transfers;
pub mod warehouses;

use aftersales_messaging::{Envelope, Event, outbox};
use aftersales_web::Principal;
use aftersales_web::audit::{self, Origin};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::domain::stock::StockError;

/// Why a use case did not happen, whoever asked; `api` and `events` map it to their
/// own answers (an HTTP problem, a retry or a rejection of the event).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// The thing addressed does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A thing referenced does not exist or is not valid; `field` names it.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The state does not allow this.
    #[error("{0}")]
    Conflict(String),
    /// The caller's version of the thing is not the current one.
    #[error("{0}")]
    Stale(String),
    #[error(transparent)]
    Stock(#[from] StockError),
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    /// A rule of this code was about to be broken; the transaction is abandoned.
    #[error("internal inconsistency: {0}")]
    Bug(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A duplicate is a conflict; a dangling reference names its constraint as the field.
impl From<db::Error> for Error {
    fn from(e: db::Error) -> Self {
        match e {
            db::Error::Db(d) => Error::Db(d),
            db::Error::Duplicate(what) => Error::Conflict(format!("{what} already exists")),
            db::Error::MissingReference { constraint, what } => Error::invalid(
                constraint,
                format!("{what} refers to something that does not exist"),
            ),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A code catalog stored, as the shared type an event carries. Every code was parsed
/// on its way in, so one that no longer parses is a bug, never the client's fault.
pub fn stored<T>(value: &str) -> Result<T>
where
    T: std::str::FromStr<Err = crate::domain::InvalidValue>,
{
    value
        .parse()
        .map_err(|e: crate::domain::InvalidValue| Error::Bug(format!("stored {value:?}: {e}")))
}

/// What caused a change: an HTTP request of a signed-in user, a consumed event, or a
/// job of the service. Events produced by the change carry its correlation on; its
/// audit entries name it as their actor.
#[derive(Debug, Clone, Copy)]
pub enum Cause<'a> {
    Request {
        correlation: Uuid,
        who: &'a Principal,
    },
    Event(&'a Envelope),
    /// A run of a job (`name`), correlated by an id of its own.
    Job {
        name: &'static str,
        correlation: Uuid,
    },
}

/// The audit entries of one transaction: a use case called by `api`, `events` or a job
/// gathers what it and the use cases it calls changed (a receipt also fills backorders
/// of other dealers' orders) and writes them at its end, in one statement, with
/// [`Cause::audit`].
pub type Trail = Vec<audit::Entry>;

impl<'a> Cause<'a> {
    /// A request of `who`, correlated by the request's id.
    pub fn request(who: &'a Principal, correlation: Uuid) -> Self {
        Cause::Request { correlation, who }
    }

    /// The envelope of `payload`, carrying this cause's correlation.
    pub fn envelope<E: Event>(&self, payload: &E) -> Result<Envelope> {
        Ok(match self {
            Cause::Request { correlation, .. } | Cause::Job { correlation, .. } => {
                Envelope::new(crate::NAME, payload, *correlation)?
            }
            Cause::Event(event) => Envelope::caused_by(event, crate::NAME, payload)?,
        })
    }

    /// Writes `payload` to the outbox, inside the caller's transaction.
    pub async fn publish<E: Event>(&self, c: &mut AsyncPgConnection, payload: &E) -> Result<()> {
        outbox::enqueue(c, &self.envelope(payload)?).await?;
        Ok(())
    }

    /// Who acted and in which flow, as the audit trail records it.
    pub fn origin(&self) -> Origin {
        match *self {
            Cause::Request { correlation, who } => Origin::request(who, correlation),
            Cause::Event(event) => Origin::event(event),
            Cause::Job { name, correlation } => Origin::job(name, Some(correlation)),
        }
    }

    /// Writes the audit `entries` of the change, inside the caller's transaction: once,
    /// at the end of the use case (see [`Trail`]).
    pub async fn audit(&self, c: &mut AsyncPgConnection, entries: &[audit::Entry]) -> Result<()> {
        self.origin().record(c, entries).await?;
        Ok(())
    }
}

/// `If-Match`: the caller's `expected` version must be the `current` one.
fn check_version(expected: Option<i32>, current: i32) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(Error::Stale(format!(
            "the resource is at version {current}, not {v}; read it again"
        ))),
        _ => Ok(()),
    }
}
