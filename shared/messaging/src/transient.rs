//! Which database errors are about this moment rather than about the work: the
//! connection broke (the server restarted, shut down or is starting), or the
//! transaction lost a serialization conflict or a deadlock. The same work may well
//! succeed when tried again, so a consumer retries it in place and an API answers 503,
//! never 500.

use diesel::result::{DatabaseErrorKind, Error};

/// Messages of PostgreSQL errors that diesel reports as `Unknown` but that are
/// transient: SQLSTATE 57P01/57P02 (`terminating connection ...`, also the server
/// closing a connection left idle in a transaction, 25P03), 57P03 (`the database system
/// is starting up / shutting down / in recovery mode`), 40P01, and 57014/55P03
/// (`canceling statement due to statement timeout / lock timeout`: the database was too
/// busy for the statement this time). diesel does not expose the SQLSTATE, hence the
/// message.
const TRANSIENT_MESSAGES: [&str; 4] = [
    "terminating connection",
    "the database system is",
    "deadlock detected",
    "canceling statement due to",
];

pub fn is_transient(err: &Error) -> bool {
    match err {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::SerializationFailure,
            _,
        ) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => TRANSIENT_MESSAGES
            .iter()
            .any(|m| info.message().starts_with(m)),
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}

/// Whether a pool's `get` failed only because every connection was in use for longer
/// than the pool waits (`DB_ACQUIRE_TIMEOUT`): the database is there but busy, so the
/// work is retried later, and nothing is reported unreachable.
pub fn pool_busy(err: &diesel_async::pooled_connection::deadpool::PoolError) -> bool {
    matches!(
        err,
        deadpool::managed::PoolError::Timeout(deadpool::managed::TimeoutType::Wait)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn connection_loss_restarts_and_lost_races_are_transient() {
        for e in [
            db(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            db(DatabaseErrorKind::ClosedConnection, "closed"),
            db(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize",
            ),
            db(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            db(
                DatabaseErrorKind::Unknown,
                "the database system is starting up",
            ),
            db(DatabaseErrorKind::Unknown, "deadlock detected"),
            db(
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            db(
                DatabaseErrorKind::Unknown,
                "canceling statement due to lock timeout",
            ),
            db(
                DatabaseErrorKind::Unknown,
                "terminating connection due to idle-in-transaction timeout",
            ),
            Error::BrokenTransactionManager,
        ] {
            assert!(is_transient(&e), "{e:?}");
        }
    }

    #[test]
    fn errors_about_the_work_are_not() {
        for e in [
            Error::NotFound,
            db(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            db(
                DatabaseErrorKind::CheckViolation,
                "violates check constraint",
            ),
            db(DatabaseErrorKind::Unknown, "division by zero"),
        ] {
            assert!(!is_transient(&e), "{e:?}");
        }
    }
}
