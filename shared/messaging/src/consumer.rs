//! The inbox consumer: applies each delivered event exactly once.
//!
//! Up to [`DEFAULT_CONCURRENCY`] batches are applied at once. A batch is what the
//! broker has already delivered when the consumer takes the next message, up to
//! [`DEFAULT_BATCH`] deliveries (one when the queue is quiet, so nothing waits for a
//! batch to fill). One database transaction records the batch's event ids in `inbox`
//! and runs the handler on each; an id already there means a redelivery, which is
//! acknowledged and skipped. Messages are acknowledged only after that transaction
//! committed. When an event of a batch fails, the batch rolls back: that event keeps
//! its handler's answer, and the others are applied again, each in a transaction of
//! its own, so one bad event never holds back or changes the fate of its neighbours. A
//! handler failure requeues the message; the queue's `x-delivery-limit` then moves a
//! message that keeps failing to `<service>.dead`, and the queue goes on. While the
//! database is unreachable the message is held (neither acked nor requeued), so an
//! outage does not burn through the delivery limit. A subscription that receives
//! nothing while its queue holds ready messages is dropped and made again, since the
//! broker may stop feeding one without saying so.
//!
//! With tracing on, each delivery is handled in a "process" span whose parent is the
//! context of the message's `traceparent` header (`crate::trace_context`).

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use tracing::Instrument;

use crate::DbPool;
use crate::broker::{self, Backoff, LinkState, Shutdown};
use crate::envelope::{Envelope, Event};
use crate::metrics::MessagingMetrics;
use crate::schema::inbox;
use crate::topology::{Topology, dead_queue, inbox_queue, ready_messages};
use crate::trace_context::TraceContext;
use crate::transient::is_transient;

/// What a handler can say about an event it could not apply.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Might succeed later (requeued; counts toward the delivery limit).
    #[error("retry: {0}")]
    Retry(String),
    /// Will never succeed (dead-lettered at once).
    #[error("rejected: {0}")]
    Reject(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl HandlerError {
    /// The answer to an event type the service does not consume: it never will.
    pub fn not_consumed(service: &str, event_type: &str) -> Self {
        HandlerError::Reject(format!("{service} does not consume {event_type}"))
    }
}

/// What a handler answers: applied, or why not.
pub type Handled = Result<(), HandlerError>;

/// The payload of a consumed event, for a handler. An event whose payload cannot be
/// read as `E` (wrong type, unknown schema version, bad JSON) never will be, so it is
/// rejected (dead-lettered at once) rather than retried.
pub fn payload<E: Event>(event: &Envelope) -> Result<E, HandlerError> {
    event
        .payload()
        .map_err(|e| HandlerError::Reject(e.to_string()))
}

/// A service's reaction to the events it consumes. It runs inside the inbox
/// transaction: everything it writes through `conn` commits with the inbox row, and
/// events it produces go through `outbox::enqueue` on the same `conn`.
///
/// Implementations write `async fn handle(…) -> Handled`; the future
/// must be `Send`, as the consumer applies several deliveries at once.
pub trait Handler: Send + Sync + 'static {
    fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> impl Future<Output = Handled> + Send;

    /// Runs first in the transaction of a batch of several `events`: a handler whose
    /// events lock rows takes here, in its global lock order, the locks the whole
    /// batch will need, so that two batches applied side by side cannot deadlock by
    /// taking them in the order of their events. Locking nothing is right for a
    /// handler whose events each lock one row.
    fn lock_batch(
        &self,
        conn: &mut AsyncPgConnection,
        events: &[&Envelope],
    ) -> impl Future<Output = Handled> + Send {
        let _ = (conn, events);
        async { Ok(()) }
    }

    /// Runs `batch`, the whole transaction of a batch (of one event or several): a
    /// handler that gathers what its events write, to write it once in
    /// [`Handler::finish_batch`], sets up its gathering around it here.
    fn scope_batch<F>(&self, batch: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send,
    {
        batch
    }

    /// Runs last in the transaction of a batch, after its events were handled: what a
    /// handler gathered across them is written here, and commits with them.
    fn finish_batch(&self, conn: &mut AsyncPgConnection) -> impl Future<Output = Handled> + Send {
        let _ = conn;
        async { Ok(()) }
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Duplicate,
    Retried,
    Rejected,
    /// Its `producer` does not produce its event type: dead-lettered unapplied.
    Forged,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Retried => "retried",
            Outcome::Rejected => "rejected",
            Outcome::Forged => "forged",
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ConsumeError {
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("consumer stream ended")]
    StreamEnded,
    #[error("no delivery for {0:?} while {1} messages were ready")]
    Stalled(Duration, u32),
}

/// How many batches one consumer applies at once by default. Handlers are safe side
/// by side (replicas of a service already run them concurrently: they lock what they
/// change), but under load one batch at a time does more with less: while it runs,
/// the next one gathers, and concurrent batches mostly wait for each other's locks
/// (`cargo xtask bench`, 64 dealers: 142 orders/s with 1, 114 with 2).
pub const DEFAULT_CONCURRENCY: usize = 1;

/// The most deliveries applied in one transaction by default. Under load, a commit
/// and its round trips then serve many events instead of one; a quiet queue still
/// gets batches of one.
pub const DEFAULT_BATCH: usize = 16;

/// How long ready messages may wait with no delivery before the consumer assumes its
/// subscription is dead on the broker's side and subscribes again. Prefetched
/// messages count as deliveries, so a busy consumer never looks stalled.
const STALL_AFTER: Duration = Duration::from_secs(15);

/// Whether a consumer that last received a delivery `since_delivery` ago, while the
/// queue holds `ready` messages, is stalled.
fn stalled(since_delivery: Duration, ready: u32) -> bool {
    ready > 0 && since_delivery >= STALL_AFTER
}

pub struct Consumer<H> {
    pool: DbPool,
    amqp_url: String,
    service: String,
    topology: Topology,
    handler: Arc<H>,
    concurrency: usize,
    batch: usize,
    redelivery: RedeliveryBackoff,
    link: LinkState,
    metrics: MessagingMetrics,
    /// The dead-letter queue's depth as last observed: who tells the admins watches it.
    dead_letters: tokio::sync::watch::Sender<Option<u32>>,
}

impl<H: Handler> Consumer<H> {
    pub fn new(
        pool: DbPool,
        amqp_url: &str,
        service: &str,
        topology: Topology,
        handler: H,
        metrics: MessagingMetrics,
    ) -> Self {
        Consumer {
            pool,
            amqp_url: amqp_url.to_owned(),
            service: service.to_owned(),
            topology,
            handler: Arc::new(handler),
            concurrency: DEFAULT_CONCURRENCY,
            batch: DEFAULT_BATCH,
            redelivery: RedeliveryBackoff::default(),
            link: LinkState::new("consumer"),
            metrics,
            dead_letters: tokio::sync::watch::Sender::new(None),
        }
    }

    /// The depth of `<service>.dead` each time it is observed to change (every few
    /// seconds while consuming); `None` until first observed.
    pub fn dead_letters(&self) -> tokio::sync::watch::Receiver<Option<u32>> {
        self.dead_letters.subscribe()
    }

    /// The pause before a failed delivery goes back to the queue: `first` after the
    /// first delivery, doubling up to `max` (see [`RedeliveryBackoff`]).
    pub fn with_redelivery_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.redelivery = RedeliveryBackoff { first, max };
        self
    }

    /// How many batches are applied at once (at least 1), each in its own
    /// transaction; see [`DEFAULT_CONCURRENCY`].
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The most deliveries applied in one transaction (at least 1); see
    /// [`DEFAULT_BATCH`].
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    pub fn link(&self) -> LinkState {
        self.link.clone()
    }

    /// Consumes until the task is dropped, reconnecting with backoff.
    pub async fn run(self) {
        self.run_until(Shutdown::never()).await
    }

    /// Consumes until `shutdown` is requested; the deliveries in hand are finished
    /// (committed and acked) first, the prefetched rest go back to the queue.
    pub async fn run_until(self, mut shutdown: Shutdown) {
        let mut backoff = Backoff::default();
        let name = format!("{}-consumer", self.service);
        loop {
            let conn = tokio::select! {
                conn = broker::connect(&self.amqp_url, &name, &self.link) => conn,
                _ = shutdown.wait() => return,
            };
            let err = match self.consume(&conn, &mut backoff, &mut shutdown).await {
                Ok(()) => {
                    let _ = conn.close(200, "shutdown".into()).await;
                    tracing::info!("consumer stopped");
                    return;
                }
                Err(err) => err,
            };
            self.link.set_down(err.to_string());
            let delay = backoff.next_delay();
            tracing::warn!(error = %err, ?delay, "consumer lost the broker; reconnecting");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.wait() => return,
            }
        }
    }

    /// Returns `Ok` only when shutdown was requested.
    async fn consume(
        &self,
        conn: &Connection,
        backoff: &mut Backoff,
        shutdown: &mut Shutdown,
    ) -> Result<(), ConsumeError> {
        let channel = conn.create_channel().await?;
        self.topology.declare_as(&channel, &self.service).await?;
        channel
            .basic_qos(
                prefetch(self.concurrency, self.batch),
                BasicQosOptions { global: false },
            )
            .await?;
        let queue = inbox_queue(&self.service);
        let mut deliveries = channel
            .basic_consume(
                queue.as_str().into(),
                format!("{}-{}", self.service, uuid::Uuid::new_v4()).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        self.link.set_up();
        backoff.reset();
        tracing::info!(queue = %queue, "consumer connected");

        let mut depth_tick = tokio::time::interval(Duration::from_secs(5));
        let mut last_delivery = tokio::time::Instant::now();
        let mut in_flight = FuturesUnordered::new();
        let ended = loop {
            tokio::select! {
                biased;
                _ = shutdown.wait() => {
                    self.link.set_down("shutting down");
                    break Ok(());
                }
                Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                    if let Err(err) = done {
                        break Err(ConsumeError::from(err));
                    }
                    last_delivery = tokio::time::Instant::now();
                }
                delivery = deliveries.next(), if in_flight.len() < self.concurrency => {
                    let mut batch = match delivery {
                        Some(Ok(delivery)) => vec![delivery],
                        Some(Err(err)) => break Err(err.into()),
                        None => break Err(ConsumeError::StreamEnded),
                    };
                    // Whatever the broker has delivered already joins the batch;
                    // nothing waits for more.
                    while batch.len() < self.batch {
                        match deliveries.next().now_or_never() {
                            Some(Some(Ok(delivery))) => batch.push(delivery),
                            // An error or the end shows again on the next poll.
                            _ => break,
                        }
                    }
                    in_flight.push(self.process_batch(batch));
                    last_delivery = tokio::time::Instant::now();
                }
                _ = depth_tick.tick() => {
                    // Ready messages, nothing in hand and nothing delivered: the
                    // broker no longer feeds this subscription, and no error will
                    // say so.
                    let ready = self.observe_queues(&channel).await;
                    if let Some(ready) = ready
                        && in_flight.is_empty()
                        && stalled(last_delivery.elapsed(), ready)
                    {
                        break Err(ConsumeError::Stalled(last_delivery.elapsed(), ready));
                    }
                }
            }
        };
        // Whatever the reason to stop, the deliveries in hand are finished: each
        // commits or rolls back, and its ack is attempted (a lost ack only means a
        // redelivery, which the inbox skips). The prefetched rest go back to the
        // queue with the channel.
        while in_flight.next().await.is_some() {}
        ended
    }

    /// Handles one delivery to the end: committed and acked, requeued, or
    /// dead-lettered.
    pub async fn process(&self, delivery: Delivery) -> Result<Outcome, lapin::Error> {
        let Some((envelope, span)) = self.admit(&delivery).await? else {
            return Ok(Outcome::Rejected);
        };
        let outcome = match check_producer(&self.topology, &envelope) {
            Ok(()) => self.apply(&envelope).instrument(span.clone()).await,
            Err(forged) => forged_outcome(&span, &envelope, forged),
        };
        self.finish(&delivery, outcome, span).await?;
        Ok(outcome)
    }

    /// Handles deliveries to the end, applying those that can be in one transaction
    /// ([`apply_batch`]) and, when that fails, each in its own ([`Consumer::process`]).
    pub async fn process_batch(&self, deliveries: Vec<Delivery>) -> Result<(), lapin::Error> {
        if deliveries.len() == 1 {
            for delivery in deliveries {
                self.process(delivery).await?;
            }
            return Ok(());
        }
        let mut ready = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let Some((envelope, span)) = self.admit(&delivery).await? else {
                continue;
            };
            match check_producer(&self.topology, &envelope) {
                Ok(()) => ready.push((delivery, envelope, span)),
                Err(forged) => {
                    let outcome = forged_outcome(&span, &envelope, forged);
                    self.finish(&delivery, outcome, span).await?;
                }
            }
        }
        let events: Vec<(&Envelope, &tracing::Span)> =
            ready.iter().map(|(_, e, span)| (e, span)).collect();
        let applied = match self.pool.get().await {
            Ok(mut db) => apply_batch(&mut db, self.handler.as_ref(), &events).await,
            Err(err) => Err(BatchFailure::Batch(HandlerError::Retry(err.to_string()))),
        };
        match applied {
            Ok(fresh) => {
                self.link.set_up();
                for ((delivery, _, span), fresh) in ready.into_iter().zip(fresh) {
                    let outcome = match fresh {
                        true => Outcome::Applied,
                        false => {
                            span.in_scope(|| tracing::info!("duplicate event skipped"));
                            Outcome::Duplicate
                        }
                    };
                    self.finish(&delivery, outcome, span).await?;
                }
            }
            Err(failure) => {
                tracing::debug!(%failure, size = ready.len(), "batch rolled back; applying its events one by one");
                // The event whose handler refused has its answer (alone after the
                // events before it, it would meet the same state); the rest, and
                // any event that met a database error, are applied again.
                let verdict = match failure {
                    BatchFailure::Event(at, err) if !matches!(err, HandlerError::Db(_)) => {
                        Some((at, err))
                    }
                    _ => None,
                };
                for (i, (delivery, envelope, span)) in ready.into_iter().enumerate() {
                    let outcome = match &verdict {
                        Some((at, err)) if *at == i => span.in_scope(|| refused(err)),
                        _ => self.apply(&envelope).instrument(span.clone()).await,
                    };
                    self.finish(&delivery, outcome, span).await?;
                }
            }
        }
        Ok(())
    }

    /// The envelope of `delivery` and its span; an undecodable message is
    /// dead-lettered here (`None`).
    async fn admit(
        &self,
        delivery: &Delivery,
    ) -> Result<Option<(Envelope, tracing::Span)>, lapin::Error> {
        match Envelope::from_bytes(&delivery.data) {
            Ok(envelope) => {
                let span = tracing::info_span!(
                    "consume",
                    event_type = %envelope.event_type,
                    event_id = %envelope.event_id,
                    correlation_id = %envelope.correlation_id,
                    otel.name = tracing::field::Empty,
                    otel.kind = tracing::field::Empty,
                );
                continue_trace(&span, delivery);
                Ok(Some((envelope, span)))
            }
            Err(err) => {
                tracing::error!(error = %err, routing_key = %delivery.routing_key, "undecodable message; dead-lettering");
                delivery.acker.nack(no_requeue()).await?;
                self.metrics.consumed.with_label_values(&["rejected"]).inc();
                Ok(None)
            }
        }
    }

    /// Settles `delivery` by its outcome and counts it.
    async fn finish(
        &self,
        delivery: &Delivery,
        outcome: Outcome,
        span: tracing::Span,
    ) -> Result<(), lapin::Error> {
        // Instrumented, not entered: the deliveries in hand interleave on one task,
        // and an entered span would tag the others' events while this one awaits.
        self.settle(delivery, outcome).instrument(span).await?;
        self.metrics
            .consumed
            .with_label_values(&[outcome.label()])
            .inc();
        Ok(())
    }

    /// Acks, requeues (after a pause) or dead-letters `delivery` by its outcome.
    async fn settle(&self, delivery: &Delivery, outcome: Outcome) -> Result<(), lapin::Error> {
        match outcome {
            Outcome::Applied | Outcome::Duplicate => {
                delivery.acker.ack(Default::default()).await?;
            }
            Outcome::Retried => {
                // Requeued after a pause that doubles with each delivery, so a
                // message waiting for another event (published late by a replica
                // that lost the broker) is not dead-lettered within a second. The
                // slot is free meanwhile; the message stays unacked, so nobody else
                // takes it.
                let delay = self.redelivery.delay(delivery_count(&delivery.properties));
                let acker = delivery.acker.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let requeue = BasicNackOptions {
                        multiple: false,
                        requeue: true,
                    };
                    // A closed channel has requeued it already.
                    let _ = acker.nack(requeue).await;
                });
            }
            Outcome::Rejected | Outcome::Forged => {
                delivery.acker.nack(no_requeue()).await?;
            }
        }
        Ok(())
    }

    /// Runs the inbox transaction, holding on (with backoff) while the database is
    /// unreachable.
    async fn apply(&self, envelope: &Envelope) -> Outcome {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        loop {
            let mut db = match self.pool.get().await {
                Ok(db) => db,
                // Every connection busy (requests under load): the database is there,
                // so readiness stays as it is; wait for a turn.
                Err(err) if crate::transient::pool_busy(&err) => {
                    tracing::debug!(error = %err, "no free database connection; waiting");
                    tokio::time::sleep(backoff.next_delay()).await;
                    continue;
                }
                Err(err) => {
                    self.link.set_down(format!("database unreachable: {err}"));
                    tokio::time::sleep(backoff.next_delay()).await;
                    continue;
                }
            };
            match apply_once(&mut db, self.handler.as_ref(), envelope).await {
                Ok(applied) => {
                    self.link.set_up();
                    return if applied {
                        tracing::debug!("event applied");
                        Outcome::Applied
                    } else {
                        tracing::info!("duplicate event skipped");
                        Outcome::Duplicate
                    };
                }
                // Nothing about the event: retrying in place is right, requeueing
                // would spend deliveries.
                Err(HandlerError::Db(err)) if is_transient(&err) => {
                    tracing::warn!(error = %err, "transient database error; retrying in place");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                Err(err) => return refused(&err),
            }
        }
    }

    /// Exports the depth of the inbox and the dead-letter queue; returns the inbox's
    /// ready messages when the broker answered.
    async fn observe_queues(&self, channel: &Channel) -> Option<u32> {
        let inbox = inbox_queue(&self.service);
        let mut inbox_ready = None;
        for queue in [inbox.clone(), dead_queue(&self.service)] {
            if let Ok(ready) = ready_messages(channel, &queue).await {
                self.metrics
                    .queue_messages
                    .with_label_values(&[queue.as_str()])
                    .set(i64::from(ready));
                if queue == inbox {
                    inbox_ready = Some(ready);
                } else {
                    self.dead_letters
                        .send_if_modified(|seen| seen.replace(ready) != Some(ready));
                }
            }
        }
        inbox_ready
    }
}

/// An envelope whose `producer` is not the service the topology names for its type.
#[derive(Debug, PartialEq, Eq)]
struct Forged<'a> {
    /// Who does produce the type; `None` when nobody does.
    owner: Option<&'a str>,
}

/// Whether `envelope` comes from the one producer of its type. The broker already
/// refuses a service's user any other routing key; this also catches an envelope
/// whose body claims another producer than the user that published it, and a
/// publisher with more rights than a service (an administrator, a replay).
fn check_producer<'a>(topology: &'a Topology, envelope: &Envelope) -> Result<(), Forged<'a>> {
    match topology.producer_of(&envelope.event_type) {
        Some(owner) if owner == envelope.producer => Ok(()),
        owner => Err(Forged { owner }),
    }
}

/// One attempt: `Ok(true)` applied, `Ok(false)` seen before. A batch of one, in the
/// span the caller runs in.
async fn apply_once<H: Handler>(
    conn: &mut AsyncPgConnection,
    handler: &H,
    envelope: &Envelope,
) -> Result<bool, HandlerError> {
    let span = tracing::Span::current();
    match apply_batch(conn, handler, &[(envelope, &span)]).await {
        Ok(fresh) => Ok(fresh == [true]),
        Err(BatchFailure::Event(_, err) | BatchFailure::Batch(err)) => Err(err),
    }
}

/// What became of an event its handler could not apply: dead-lettered when it never
/// will be, requeued otherwise.
fn refused(err: &HandlerError) -> Outcome {
    match err {
        HandlerError::Reject(reason) => {
            tracing::error!(%reason, "handler rejected the event; dead-lettering");
            Outcome::Rejected
        }
        err => {
            tracing::warn!(error = %err, "handler failed; requeueing");
            Outcome::Retried
        }
    }
}

/// Why a batch rolled back.
#[derive(Debug, thiserror::Error)]
enum BatchFailure {
    /// The handler failed on the event at this index of the batch.
    #[error("event {0} of the batch: {1}")]
    Event(usize, HandlerError),
    /// The inbox insert, the batch's locks or the commit failed.
    #[error("{0}")]
    Batch(HandlerError),
}

impl From<diesel::result::Error> for BatchFailure {
    fn from(err: diesel::result::Error) -> Self {
        BatchFailure::Batch(HandlerError::Db(err))
    }
}

/// Applies `events` in one transaction: their inbox rows in one statement, then the
/// handler's batch locks, then each new event in order, in its span, then the
/// handler's end of the batch. Per event, whether it was new (`false`: applied before,
/// or earlier in this batch). Any failure rolls the whole batch back.
async fn apply_batch<H: Handler>(
    conn: &mut AsyncPgConnection,
    handler: &H,
    events: &[(&Envelope, &tracing::Span)],
) -> Result<Vec<bool>, BatchFailure> {
    let batch = conn.transaction(async |c| {
        let rows: Vec<_> = events
            .iter()
            .map(|(e, _)| {
                (
                    inbox::event_id.eq(e.event_id),
                    inbox::event_type.eq(e.event_type.as_str()),
                    inbox::producer.eq(e.producer.as_str()),
                )
            })
            .collect();
        // Inserting first makes a twin delivery in another transaction wait on the
        // key, then skip.
        let mut inserted: std::collections::HashSet<uuid::Uuid> = diesel::insert_into(inbox::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(inbox::event_id)
            .get_results(c)
            .await?
            .into_iter()
            .collect();
        // The first delivery of an id takes it; a second one in the batch is a twin.
        let fresh: Vec<bool> = events
            .iter()
            .map(|(e, _)| inserted.remove(&e.event_id))
            .collect();
        let new: Vec<(usize, &Envelope, &tracing::Span)> = events
            .iter()
            .enumerate()
            .filter(|(i, _)| fresh[*i])
            .map(|(i, (e, span))| (i, *e, *span))
            .collect();
        if new.len() > 1 {
            let all: Vec<&Envelope> = new.iter().map(|(_, e, _)| *e).collect();
            handler
                .lock_batch(c, &all)
                .await
                .map_err(BatchFailure::Batch)?;
        }
        for (i, event, span) in new {
            handler
                .handle(c, event)
                .instrument(span.clone())
                .await
                .map_err(|err| BatchFailure::Event(i, err))?;
        }
        handler.finish_batch(c).await.map_err(BatchFailure::Batch)?;
        Ok(fresh)
    });
    handler.scope_batch(batch).await
}

/// Makes the span of `delivery` the "process" span of the trace its headers carry, so
/// what the handler enqueues goes on in the same trace. Only when tracing is on: off,
/// the span and the log lines stay as they were.
fn continue_trace(span: &tracing::Span, delivery: &Delivery) {
    if !crate::trace_context::enabled() {
        return;
    }
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let routing_key = delivery.routing_key.as_str();
    span.record("otel.name", format!("process {routing_key}"));
    span.record("otel.kind", "consumer");
    TraceContext::from_amqp(delivery.properties.headers().as_ref()).parent(span);
    span.set_attribute("messaging.system", "rabbitmq");
    span.set_attribute("messaging.operation.type", "process");
    span.set_attribute("messaging.destination.name", routing_key.to_owned());
}

/// What a forged envelope becomes, logged in its span.
fn forged_outcome(span: &tracing::Span, envelope: &Envelope, forged: Forged<'_>) -> Outcome {
    span.in_scope(|| {
        tracing::error!(
            producer = %envelope.producer,
            owner = forged.owner.unwrap_or("nobody"),
            "the envelope's producer does not produce its event type; dead-lettering"
        );
    });
    Outcome::Forged
}

/// Enough prefetched messages for `concurrency` full batches of `batch`.
fn prefetch(concurrency: usize, batch: usize) -> u16 {
    u16::try_from(concurrency.saturating_mul(batch))
        .unwrap_or(u16::MAX)
        .max(32)
}

/// The pause before a delivery whose handler failed is requeued, by the number of
/// earlier deliveries of the message. The default (1, 2, 4, 8, 16 s) gives a message
/// half a minute across the queue's delivery limit before it is dead-lettered: more
/// than a producer replica needs to reconnect and publish what it held.
#[derive(Debug, Clone, Copy)]
struct RedeliveryBackoff {
    first: Duration,
    max: Duration,
}

impl Default for RedeliveryBackoff {
    fn default() -> Self {
        RedeliveryBackoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(16),
        }
    }
}

impl RedeliveryBackoff {
    fn delay(self, earlier_deliveries: u32) -> Duration {
        let factor = 1u32 << earlier_deliveries.min(16);
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// Earlier deliveries of a message: quorum queues count them in `x-delivery-count`.
fn delivery_count(properties: &lapin::BasicProperties) -> u32 {
    use lapin::types::AMQPValue;
    let count = properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-delivery-count").cloned());
    match count {
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(n).unwrap_or(u32::MAX),
        Some(AMQPValue::LongInt(n)) => u32::try_from(n).unwrap_or(u32::MAX),
        Some(AMQPValue::LongUInt(n)) => n,
        Some(AMQPValue::ShortInt(n)) => u32::try_from(n).unwrap_or(u32::MAX),
        Some(AMQPValue::ShortShortInt(n)) => u32::try_from(n).unwrap_or(u32::MAX),
        _ => 0,
    }
}

fn no_requeue() -> BasicNackOptions {
    BasicNackOptions {
        multiple: false,
        requeue: false,
    }
}

/// The handler of a service whose event handlers are not built yet: every event is
/// dead-lettered with the reason, never dropped, so it can be replayed (see
/// `dead_letters::replay`) once the service learns to apply it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unhandled;

impl Handler for Unhandled {
    async fn handle(
        &self,
        _conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        Err(HandlerError::Reject(format!(
            "no handler for {} yet",
            event.event_type
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_producer_of_a_type_is_believed() {
        let topology = crate::contracts::topology_v1();
        let envelope = |producer: &str, event_type: &str| {
            let payload = crate::contracts::orders::OrderCancelled {
                order_id: uuid::Uuid::nil(),
            };
            let mut e = Envelope::new(producer, &payload, uuid::Uuid::nil()).expect("envelope");
            e.event_type = event_type.to_owned();
            e
        };
        let adjudicated = crate::contracts::event_types::CLAIM_ADJUDICATED;
        assert_eq!(
            check_producer(&topology, &envelope("inspection", adjudicated)),
            Ok(())
        );
        assert_eq!(
            check_producer(&topology, &envelope("catalog", adjudicated)),
            Err(Forged {
                owner: Some("inspection")
            })
        );
        assert_eq!(
            check_producer(&topology, &envelope("catalog", "catalog.no_such_event")),
            Err(Forged { owner: None })
        );
        // A topology that names no producers believes nobody.
        let bare = Topology::new(topology.subscriptions.clone());
        assert_eq!(
            check_producer(&bare, &envelope("inspection", adjudicated)),
            Err(Forged { owner: None })
        );
    }

    #[test]
    fn redelivery_waits_double_up_to_the_cap() {
        let b = RedeliveryBackoff::default();
        let secs: Vec<u64> = (0..7).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 16, 16]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(16));
    }

    #[test]
    fn the_delivery_count_header_is_read_whatever_its_integer_type() {
        use lapin::types::{AMQPValue, FieldTable};
        let with = |v: AMQPValue| {
            let mut headers = FieldTable::default();
            headers.insert("x-delivery-count".into(), v);
            lapin::BasicProperties::default().with_headers(headers)
        };
        assert_eq!(delivery_count(&lapin::BasicProperties::default()), 0);
        assert_eq!(delivery_count(&with(AMQPValue::LongLongInt(3))), 3);
        assert_eq!(delivery_count(&with(AMQPValue::LongInt(2))), 2);
        assert_eq!(delivery_count(&with(AMQPValue::LongLongInt(-1))), u32::MAX);
    }

    #[test]
    fn a_consumer_is_stalled_only_with_ready_messages_and_no_recent_delivery() {
        assert!(!stalled(Duration::from_secs(3600), 0));
        assert!(!stalled(STALL_AFTER - Duration::from_millis(1), 76));
        assert!(stalled(STALL_AFTER, 1));
        assert!(stalled(Duration::from_secs(90), 76));
    }
}
