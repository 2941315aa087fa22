//! The outbox relay: publishes committed outbox rows to the events exchange.
//!
//! Wakes on `NOTIFY outbox_<schema>` (sent by a trigger on insert) and polls as a
//! fallback. Each batch is claimed with `FOR UPDATE SKIP LOCKED` inside a transaction
//! that stays open until the broker has confirmed every message of the batch; only
//! then are the rows marked published and the transaction committed. A crash anywhere
//! before that commit leaves the rows unpublished, so they are sent again: delivery is
//! at least once, and the consumers' inboxes make the effect exactly once.
//!
//! A row written with a trace context is published in a "publish" span, a child of that
//! context, and the message carries the span's context in its `traceparent` and
//! `tracestate` headers for the consumer to continue (`crate::trace_context`).

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection, RunQueryDsl};
use futures_util::StreamExt;
use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection};
use tokio::sync::Notify;

use crate::DbPool;
use crate::broker::{self, Backoff, LinkState, Shutdown};
use crate::metrics::MessagingMetrics;
use crate::outbox;
use crate::topology::{EVENTS_EXCHANGE, Topology};
use crate::trace_context::{self, TraceContext};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("broker refused event {0}")]
    Nacked(uuid::Uuid),
    /// Never publish an empty body in place of an event: the row stays pending.
    #[error("event {event_id} cannot be serialised: {source}")]
    Encode {
        event_id: uuid::Uuid,
        source: serde_json::Error,
    },
    #[error("broker connection lost")]
    Disconnected,
    /// Fault injection for tests: the batch was published, then the relay "died".
    #[error("aborted after publishing, before marking sent")]
    AbortedBeforeMark,
}

impl RelayError {
    /// Broker-side failures need a new connection; database ones only a pause.
    fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            RelayError::Broker(_) | RelayError::Nacked(_) | RelayError::Disconnected
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    Normal,
    /// Publish and await confirms, then roll back instead of marking the rows sent:
    /// exactly what a crash between the two steps leaves behind.
    AbortBeforeMark,
}

#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Name used for the broker connection and in logs.
    pub producer: String,
    pub batch_size: i64,
    /// How long to sleep when no notification arrives; the fallback for a lost LISTEN.
    /// (Published rows are pruned by the service's retention job, `retention.rs`.)
    pub poll_interval: Duration,
}

impl RelayConfig {
    pub fn new(producer: &str) -> Self {
        RelayConfig {
            producer: producer.to_owned(),
            batch_size: 200,
            poll_interval: Duration::from_secs(1),
        }
    }
}

pub struct Relay {
    pool: DbPool,
    database_url: String,
    amqp_url: String,
    topology: Topology,
    config: RelayConfig,
    link: LinkState,
    metrics: MessagingMetrics,
    wake: Arc<Notify>,
}

impl Relay {
    /// `database_url` opens the dedicated LISTEN connection; it must reach the same
    /// schema as `pool`.
    pub fn new(
        pool: DbPool,
        database_url: &str,
        amqp_url: &str,
        topology: Topology,
        config: RelayConfig,
        metrics: MessagingMetrics,
    ) -> Self {
        Relay {
            pool,
            database_url: database_url.to_owned(),
            amqp_url: amqp_url.to_owned(),
            topology,
            config,
            link: LinkState::new("relay"),
            metrics,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The relay's broker link, for readiness.
    pub fn link(&self) -> LinkState {
        self.link.clone()
    }

    /// Runs until the task is dropped. Dropping mid-batch is safe (see module docs).
    pub async fn run(self) {
        self.run_until(Shutdown::never()).await
    }

    /// Runs until `shutdown` is requested, then publishes what is pending (the
    /// outbox flush of a graceful stop) and returns.
    pub async fn run_until(self, mut shutdown: Shutdown) {
        let listener = tokio::spawn(listen(self.database_url.clone(), self.wake.clone()));
        let _stop_listener = AbortOnDrop(listener);
        let mut backoff = Backoff::default();
        loop {
            let conn = tokio::select! {
                conn = broker::connect(&self.amqp_url, &self.config.producer, &self.link) => conn,
                _ = shutdown.wait() => return,
            };
            match self.session(&conn, &mut backoff, &mut shutdown).await {
                Ok(()) => {
                    let _ = conn.close(200, "shutdown".into()).await;
                    return;
                }
                Err(err) => {
                    self.link.set_down(err.to_string());
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %err, ?delay, "relay lost the broker; reconnecting");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shutdown.wait() => return,
                    }
                }
            }
        }
    }

    /// Opens a confirming channel on `conn` with the topology declared.
    pub async fn open_channel(&self, conn: &Connection) -> Result<Channel, RelayError> {
        let channel = conn.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        self.topology
            .declare_as(&channel, &self.config.producer)
            .await?;
        Ok(channel)
    }

    /// Returns `Ok` only when shutdown was requested and the outbox was flushed.
    async fn session(
        &self,
        conn: &Connection,
        backoff: &mut Backoff,
        shutdown: &mut Shutdown,
    ) -> Result<(), RelayError> {
        let channel = self.open_channel(conn).await?;
        self.link.set_up();
        backoff.reset();
        tracing::info!(producer = %self.config.producer, "relay connected");
        let mut last_backlog: Option<tokio::time::Instant> = None;
        loop {
            match self.publish_batch(&channel, BatchMode::Normal).await {
                Ok(n) if n as i64 >= self.config.batch_size => continue,
                Ok(_) => {}
                Err(err) if err.needs_reconnect() => return Err(err),
                Err(err) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %err, ?delay, "relay cannot reach the database");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            backoff.reset();
            // The gauge needs a count of its own; under load a batch is a few ms,
            // and counting after each would cost as much as the batch.
            if last_backlog.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                self.refresh_backlog().await;
                last_backlog = Some(tokio::time::Instant::now());
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = shutdown.wait() => {
                    self.link.set_down("shutting down");
                    return self.flush(&channel).await;
                }
            }
            if !conn.status().connected() {
                return Err(RelayError::Disconnected);
            }
        }
    }

    /// Claims, publishes and (in `Normal` mode) marks one batch; returns its size.
    pub async fn publish_batch(
        &self,
        channel: &Channel,
        mode: BatchMode,
    ) -> Result<usize, RelayError> {
        let mut db = self
            .pool
            .get()
            .await
            .map_err(|e| RelayError::Pool(e.to_string()))?;
        let published = db
            .transaction(async |c| {
                let rows = outbox::claim(c, self.config.batch_size).await?;
                if rows.is_empty() {
                    return Ok(0);
                }
                let mut confirms = Vec::with_capacity(rows.len());
                for row in &rows {
                    let body =
                        serde_json::to_vec(&row.envelope).map_err(|source| RelayError::Encode {
                            event_id: row.event_id,
                            source,
                        })?;
                    let (span, trace) = publish_span(row);
                    let confirm = channel
                        .basic_publish(
                            EVENTS_EXCHANGE.into(),
                            row.event_type.as_str().into(),
                            BasicPublishOptions::default(),
                            &body,
                            properties(row, &trace),
                        )
                        .await?;
                    confirms.push((row.event_id, confirm, span));
                }
                // Publishing the whole batch before awaiting lets the broker confirm
                // many messages with one frame. A publish span ends with its confirm.
                for (event_id, confirm, span) in confirms {
                    match confirm.await? {
                        Confirmation::Ack(_) => {}
                        Confirmation::Nack(_) | Confirmation::NotRequested => {
                            span.record("otel.status_code", "error");
                            return Err(RelayError::Nacked(event_id));
                        }
                    }
                }
                if mode == BatchMode::AbortBeforeMark {
                    return Err(RelayError::AbortedBeforeMark);
                }
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                outbox::mark_published(c, &ids).await?;
                Ok(rows.len())
            })
            .await?;
        if published > 0 {
            self.metrics.published.inc_by(published as u64);
            tracing::debug!(published, "relay published a batch");
        }
        Ok(published)
    }

    /// Publishes everything committed so far; what is committed after this returns
    /// waits for the next start.
    async fn flush(&self, channel: &Channel) -> Result<(), RelayError> {
        loop {
            let published = self.publish_batch(channel, BatchMode::Normal).await?;
            if (published as i64) < self.config.batch_size {
                tracing::info!("relay flushed the outbox and stopped");
                return Ok(());
            }
        }
    }

    async fn refresh_backlog(&self) {
        if let Ok(mut db) = self.pool.get().await
            && let Ok(n) = outbox::backlog(&mut db).await
        {
            self.metrics.outbox_backlog.set(n);
        }
    }
}

fn properties(row: &outbox::Pending, trace: &TraceContext) -> BasicProperties {
    let correlation = row
        .envelope
        .get("correlation_id")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(2) // persistent
        .with_message_id(row.event_id.to_string().into())
        .with_correlation_id(correlation.into())
        .with_type(row.event_type.as_str().into());
    if trace.is_empty() {
        return properties;
    }
    let mut headers = FieldTable::default();
    trace.to_amqp(&mut headers);
    properties.with_headers(headers)
}

/// The span of publishing `row`, a child of the context the row was written in, and the
/// context the message carries: the publish span's, or the row's own when this process
/// does not trace (the trace still goes on downstream). No context, no span: nothing
/// is spent on a row written without tracing.
fn publish_span(row: &outbox::Pending) -> (tracing::Span, TraceContext) {
    let stored = TraceContext {
        traceparent: row.traceparent.clone(),
        tracestate: row.tracestate.clone(),
    };
    if stored.is_empty() || !trace_context::enabled() {
        return (tracing::Span::none(), stored);
    }
    let span = tracing::info_span!(
        "publish",
        otel.name = format!("publish {}", row.event_type),
        otel.kind = "producer",
        otel.status_code = tracing::field::Empty,
        messaging.system = "rabbitmq",
        messaging.operation.type = "publish",
        messaging.destination.name = %row.event_type,
        messaging.message.id = %row.event_id,
    );
    stored.parent(&span);
    let carried = TraceContext::of(&span);
    match carried.is_empty() {
        true => (span, stored),
        false => (span, carried),
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Holds a dedicated connection that LISTENs on the schema's outbox channel and turns
/// each notification into a wake-up. Reconnects by itself; polling covers the gaps.
async fn listen(database_url: String, wake: Arc<Notify>) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
    loop {
        match listen_once(&database_url, &wake, &mut backoff).await {
            Ok(()) => tracing::debug!("outbox listener connection ended"),
            Err(err) => tracing::debug!(error = %err, "outbox listener failed"),
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

async fn listen_once(
    database_url: &str,
    wake: &Notify,
    backoff: &mut Backoff,
) -> Result<(), diesel::result::Error> {
    let mut conn = crate::tls::connect_pg(database_url)
        .await
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    let schema: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "current_schema()",
    ))
    .get_result(&mut conn)
    .await?;
    let channel = format!("outbox_{schema}").replace('"', "\"\"");
    diesel::sql_query(format!("LISTEN \"{channel}\""))
        .execute(&mut conn)
        .await?;
    backoff.reset();
    // Rows may have been written while nobody listened.
    wake.notify_one();
    let notifications = conn.notifications_stream();
    let mut notifications = std::pin::pin!(notifications);
    while let Some(notification) = notifications.next().await {
        notification?;
        wake.notify_one();
    }
    Ok(())
}
