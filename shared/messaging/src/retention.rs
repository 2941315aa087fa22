//! Pruning of the messaging tables, one batch per call; the service's retention job
//! (`aftersales_web::retention`) calls these until a batch comes back short.
//!
//! - `inbox`: a row is what makes a redelivered event a duplicate, so it must outlive
//!   every copy of its event that may still arrive: redeliveries (seconds), the relay
//!   sending a batch again after a crash (seconds), and a dead letter replayed by hand
//!   (`cargo xtask dead-letters --replay`: as long as the operators take). Its retention
//!   (`INBOX_RETENTION`, 30 days by default) is the window in which a replay is safe.
//! - `outbox`: published rows serve no one (the consumers' inboxes guard against
//!   duplicates); unpublished rows are never touched.
//!
//! Each batch locks its rows with `SKIP LOCKED`, so replicas pruning at the same time
//! share the work, and a row some transaction holds is left for the next run.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Deletes up to `batch` inbox rows received before `cutoff`, oldest first; returns
/// how many.
pub async fn prune_inbox(
    conn: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    batch: i64,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM inbox WHERE event_id IN (\
           SELECT event_id FROM inbox WHERE received_at < $1 \
           ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(batch)
    .execute(conn)
    .await
}

/// Deletes up to `batch` outbox rows published before `cutoff`, oldest first; returns
/// how many. Unpublished rows (`published_at` null) never match.
pub async fn prune_outbox(
    conn: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    batch: i64,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM outbox WHERE id IN (\
           SELECT id FROM outbox WHERE published_at < $1 \
           ORDER BY published_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(batch)
    .execute(conn)
    .await
}
