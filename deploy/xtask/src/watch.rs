//! Learns when orders (or any rows with an id and a status, such as recovery lines)
//! reach a status by reading the service's schema directly, one query for every row
//! in flight every couple of milliseconds. Polling each one over HTTP instead would
//! put thousands of requests a second on the very service being measured and report
//! the poller's cost as the pipeline's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aftersales_testkit::provision::connect;
use anyhow::{Context, bail};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Text};
use diesel_async::RunQueryDsl;
use tokio::sync::oneshot;

/// How often the in-flight orders are looked up.
const EVERY: Duration = Duration::from_millis(2);

struct Waiter {
    want: &'static [&'static str],
    done: oneshot::Sender<(Instant, String)>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    status: String,
}

/// The watcher; its task stops when this is dropped.
pub struct StatusWatch {
    pending: Arc<Mutex<HashMap<String, Waiter>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StatusWatch {
    /// `url` reaches the database as a role that may read `<schema>.orders`.
    pub async fn start(url: &str, schema: &str) -> anyhow::Result<StatusWatch> {
        let sql = format!(
            "SELECT id::text AS id, status FROM {schema}.orders WHERE id = ANY($1::text[]::uuid[])"
        );
        StatusWatch::on(url, sql).await
    }

    /// Watches what `sql` answers: `id` and `status` (text) of the rows whose id is
    /// among `$1` (a text array of the ids waited for).
    pub async fn on(url: &str, sql: String) -> anyhow::Result<StatusWatch> {
        let mut conn = connect(url).await?;
        let pending: Arc<Mutex<HashMap<String, Waiter>>> = Arc::default();
        let shared = pending.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(EVERY).await;
                let ids: Vec<String> = lock(&shared).keys().cloned().collect();
                if ids.is_empty() {
                    continue;
                }
                let Ok(rows) = diesel::sql_query(&sql)
                    .bind::<Array<Text>, _>(&ids)
                    .load::<Row>(&mut conn)
                    .await
                else {
                    continue;
                };
                let seen = Instant::now();
                let mut pending = lock(&shared);
                for row in rows {
                    let reached = pending
                        .get(&row.id)
                        .is_some_and(|w| w.want.contains(&row.status.as_str()));
                    if reached && let Some(waiter) = pending.remove(&row.id) {
                        let _ = waiter.done.send((seen, row.status));
                    }
                }
            }
        });
        Ok(StatusWatch { pending, task })
    }

    /// Waits until row `id` has one of the `want` statuses; returns when that was
    /// seen and the status.
    pub async fn until(
        &self,
        id: &str,
        want: &'static [&'static str],
        timeout: Duration,
    ) -> anyhow::Result<(Instant, String)> {
        let (done, seen) = oneshot::channel();
        lock(&self.pending).insert(id.to_owned(), Waiter { want, done });
        match tokio::time::timeout(timeout, seen).await {
            Ok(seen) => seen.context("the status watcher stopped"),
            Err(_) => {
                lock(&self.pending).remove(id);
                bail!("{id} did not reach {want:?} within {timeout:?}")
            }
        }
    }
}

impl Drop for StatusWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
