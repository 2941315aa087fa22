//! The retention job every service runs beside its relay and consumer: deletes
//! idempotency keys, inbox rows, published outbox rows and notifications older than their
//! retention ([`Retention`], configured by `IDEMPOTENCY_RETENTION`, `INBOX_RETENTION`,
//! `OUTBOX_RETENTION`, `NOTIFICATION_RETENTION`), at start and then every
//! `RETENTION_INTERVAL`.
//!
//! Rows go in batches of `RETENTION_BATCH`, each its own short statement on a pooled
//! connection given back between batches, so a large backlog never holds a table's
//! locks or a connection for long. Counted in `retention_pruned_rows_total{table}`.

use std::time::Duration;

use aftersales_messaging::Shutdown;
use aftersales_messaging::retention::{prune_inbox, prune_outbox};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use prometheus::{IntCounterVec, Opts, Registry};

use crate::db::DbPool;
use crate::settings::Retention;

/// The pause between two batches of one table: other work gets the table and the pool.
const BETWEEN_BATCHES: Duration = Duration::from_millis(20);

/// The tables pruned, as named in logs and in the metric's `table` label.
pub const TABLES: [&str; 4] = ["idempotency_keys", "inbox", "outbox", "notify_message"];

/// `retention_pruned_rows_total{table}`, registered into the service's registry.
pub fn metric(registry: &Registry) -> prometheus::Result<IntCounterVec> {
    let pruned = IntCounterVec::new(
        Opts::new(
            "retention_pruned_rows_total",
            "Rows deleted by the retention job, by table",
        ),
        &["table"],
    )?;
    registry.register(Box::new(pruned.clone()))?;
    for table in TABLES {
        pruned.with_label_values(&[table]);
    }
    Ok(pruned)
}

/// Prunes at once, then every `retention.interval`, until `shutdown`.
pub async fn run(
    pool: DbPool,
    retention: Retention,
    pruned: IntCounterVec,
    mut shutdown: Shutdown,
) {
    let mut tick = tokio::time::interval(retention.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait() => return,
        }
        tokio::select! {
            _ = prune_all(&pool, &retention, &pruned) => {}
            // Cut between two statements at worst: each batch commits on its own.
            _ = shutdown.wait() => return,
        }
    }
}

/// One run over every table; returns the rows deleted per table (in [`TABLES`] order).
/// A table that fails is logged and skipped until the next run.
pub async fn prune_all(pool: &DbPool, retention: &Retention, pruned: &IntCounterVec) -> [usize; 4] {
    let now = Utc::now();
    let cutoff =
        |keep: Duration| now - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
    let tables: [(&str, Duration, Prune); 4] = [
        (TABLES[0], retention.idempotency, |c, t, n| {
            Box::pin(crate::idempotency::purge_batch(c, t, n))
        }),
        (TABLES[1], retention.inbox, |c, t, n| {
            Box::pin(prune_inbox(c, t, n))
        }),
        (TABLES[2], retention.outbox, |c, t, n| {
            Box::pin(prune_outbox(c, t, n))
        }),
        (TABLES[3], retention.notifications, |c, t, n| {
            Box::pin(crate::notify::prune(c, t, n))
        }),
    ];
    let mut counts = [0; 4];
    for (count, (table, keep, prune)) in counts.iter_mut().zip(tables) {
        let counted = |n: usize| pruned.with_label_values(&[table]).inc_by(n as u64);
        *count = match prune_table(pool, cutoff(keep), retention.batch, prune, counted).await {
            Ok(n) => n,
            Err((n, err)) => {
                tracing::warn!(table, pruned = n, error = %err, "pruning stopped; retrying at the next run");
                n
            }
        };
        if *count > 0 {
            tracing::info!(table, pruned = *count, retention = ?keep, "pruned old rows");
        }
    }
    counts
}

/// One batch of one table: delete up to `n` rows older than the cutoff.
type Prune = for<'a> fn(
    &'a mut AsyncPgConnection,
    DateTime<Utc>,
    i64,
) -> BoxFuture<'a, Result<usize, diesel::result::Error>>;

/// Batches until one comes back short; the total, or what was done before an error.
async fn prune_table(
    pool: &DbPool,
    cutoff: DateTime<Utc>,
    batch: i64,
    prune: Prune,
    counted: impl Fn(usize),
) -> Result<usize, (usize, crate::db::DbError)> {
    let mut total = 0;
    loop {
        let deleted = async {
            let mut conn = pool.get().await?;
            Ok::<_, crate::db::DbError>(prune(&mut conn, cutoff, batch).await?)
        }
        .await
        .map_err(|e| (total, e))?;
        counted(deleted);
        total += deleted;
        if (deleted as i64) < batch {
            return Ok(total);
        }
        tokio::time::sleep(BETWEEN_BATCHES).await;
    }
}
