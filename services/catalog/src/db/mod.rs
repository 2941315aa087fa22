//! Diesel schema, models and queries: the only place that writes SQL.
//!
//! Locking order, so that concurrent transactions never deadlock: stock levels
//! first (sorted by warehouse, then part), then order allocations. Every
//! read-then-write of stock locks the level row (`FOR UPDATE`) first; the CHECK
//! constraints of the tables hold invariant 1 even against a bug here.

pub mod catalog;
pub mod import;
pub mod orders;
pub mod reports;
pub mod schema;
pub mod stock;
pub mod transfers;

use aftersales_messaging::{Envelope, Event, outbox};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::domain::stock::StockError;

/// What a catalog operation can fail with; `api` and `events` map it to their own
/// error types.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// The thing addressed (path) does not exist: 404.
    #[error("{0}")]
    NotFound(String),
    /// A thing referenced from the body does not exist or is not valid: 422.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The state does not allow this: 409.
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` names an older version: 412.
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

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What caused a change: an HTTP request (with its correlation id) or a consumed
/// event. Events produced by the change carry it on.
#[derive(Debug, Clone, Copy)]
pub enum Cause<'a> {
    Request(Uuid),
    Event(&'a Envelope),
}

impl Cause<'_> {
    /// The envelope of `payload`, carrying this cause's correlation.
    pub fn envelope<E: Event>(&self, payload: &E) -> Result<Envelope> {
        Ok(match self {
            Cause::Request(correlation) => Envelope::new(crate::NAME, payload, *correlation)?,
            Cause::Event(event) => Envelope::caused_by(event, crate::NAME, payload)?,
        })
    }

    /// Writes `payload` to the outbox, inside the caller's transaction.
    pub async fn publish<E: Event>(&self, c: &mut AsyncPgConnection, payload: &E) -> Result<()> {
        outbox::enqueue(c, &self.envelope(payload)?).await?;
        Ok(())
    }
}

/// Maps a unique violation to 409 and a foreign-key violation to 422, naming
/// `what`; other errors pass through.
pub(crate) fn constraint(error: diesel::result::Error, what: &str) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as E};
    match error {
        E::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            Error::Conflict(format!("{what} already exists"))
        }
        E::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => Error::invalid(
            info.constraint_name().unwrap_or(what).to_owned(),
            format!("{what} refers to something that does not exist"),
        ),
        other => Error::Db(other),
    }
}
