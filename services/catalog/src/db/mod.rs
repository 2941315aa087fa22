//! Diesel schema, row types and queries: the only place that writes SQL. No
//! decisions are taken here: the use cases of `app` say what to read, lock and
//! write, and what a failure means to the caller.
//!
//! Locking order, so that concurrent transactions never deadlock: stock levels
//! first (sorted by warehouse, then part), then order allocations; a purchase order is
//! locked before the levels its receipts or dates change. Every
//! read-then-write of stock locks the level row (`FOR UPDATE`) first; the CHECK
//! constraints of the tables hold invariant 1 even against a bug in `app`.

pub mod allocations;
pub mod import;
pub mod parts;
pub mod purchase_orders;
pub mod replenishment;
pub mod reports;
pub mod schema;
pub mod shipments;
pub mod stock;
pub mod suppliers;
pub mod transfers;
pub mod warehouses;

use crate::domain::WarehouseKind;
use crate::domain::purchase_order::PurchaseOrderStatus;
use crate::domain::stock::{AdjustmentReason, MovementKind};
use crate::domain::transfer::TransferStatus;

// Enum-like TEXT columns are read and written as the domain's enums; a stored value
// they do not know is an error, never a default.
// Priority is shared vocabulary: `aftersales-types` gives it its column traits.
aftersales_web::text_enum!(
    MovementKind,
    AdjustmentReason,
    TransferStatus,
    PurchaseOrderStatus,
    WarehouseKind
);

/// What a query can fail with, in the database's own terms; `app` says what each
/// means to the caller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// A unique key already holds the thing named.
    #[error("{0} already exists")]
    Duplicate(String),
    /// A foreign key (`constraint`) of the thing named points at no row.
    #[error("{what} refers to something that does not exist")]
    MissingReference { constraint: String, what: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maps a unique violation to [`Error::Duplicate`] and a foreign-key violation to
/// [`Error::MissingReference`], naming `what`; other errors pass through.
pub(crate) fn constraint(error: diesel::result::Error, what: &str) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as E};
    match error {
        E::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            Error::Duplicate(what.to_owned())
        }
        E::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => Error::MissingReference {
            constraint: info.constraint_name().unwrap_or(what).to_owned(),
            what: what.to_owned(),
        },
        other => Error::Db(other),
    }
}

/// [`advisory_lock`] on each of `keys`, in their order (callers pass them sorted,
/// the global lock order among keys), in one round trip.
pub(crate) async fn advisory_lock_all(
    c: &mut diesel_async::AsyncPgConnection,
    keys: &[String],
) -> Result<()> {
    use diesel_async::RunQueryDsl;
    // unnest yields the array in order, and each row takes its lock as it is produced.
    aftersales_web::db::prepared(
        "SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(keys)
    .execute(c)
    .await?;
    Ok(())
}

/// Serialises transactions that touch the same `key` (an order id, the supersession
/// graph) until commit.
pub(crate) async fn advisory_lock(
    c: &mut diesel_async::AsyncPgConnection,
    key: &str,
) -> Result<()> {
    use diesel_async::RunQueryDsl;
    aftersales_web::db::prepared("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(key)
        .execute(c)
        .await?;
    Ok(())
}
