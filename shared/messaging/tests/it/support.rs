use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aftersales_messaging::consumer::{Handler, HandlerError};
use aftersales_messaging::topology::EVENTS_EXCHANGE;
use aftersales_messaging::{DbPool, Envelope, Event, MIGRATIONS, Subscription, Topology};
use diesel::prelude::*;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use lapin::options::{BasicGetOptions, BasicPublishOptions};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use aftersales_testkit::eventually;

/// The event the tests send around.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ping {
    pub n: u32,
}
impl Event for Ping {
    const TYPE: &'static str = "test.ping";
}

/// An event the handler below always fails on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Poison {}
impl Event for Poison {
    const TYPE: &'static str = "test.poison";
}

pub const SERVICE: &str = "probe";

pub fn topology() -> Topology {
    Topology::new(vec![Subscription::new(
        SERVICE,
        &[Ping::TYPE, Poison::TYPE],
    )])
    .with_producers(vec![Subscription::new(
        SERVICE,
        &[Ping::TYPE, Poison::TYPE],
    )])
}

/// Migrates the messaging tables and a table of test effects into the test schema.
pub async fn prepare_schema(url: &str) -> DbPool {
    let migrate_url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection as _;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&migrate_url)
            .expect("connect for migrations");
        conn.run_pending_migrations(MIGRATIONS).expect("migrate");
    })
    .await
    .expect("migration task");
    let pool = pool(url);
    let mut conn = pool.get().await.expect("connection");
    // Deliberately no unique key: applying an event twice would show as two rows.
    // `tx` tells which effects one transaction wrote (a batch).
    diesel::sql_query(
        "CREATE TABLE effects (event_id UUID NOT NULL, n INT NOT NULL, \
         tx BIGINT NOT NULL DEFAULT txid_current())",
    )
    .execute(&mut conn)
    .await
    .expect("effects table");
    pool
}

pub fn pool(url: &str) -> DbPool {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    Pool::builder(manager).max_size(4).build().expect("pool")
}

/// Writes one effect row and, in the same transaction, the event announcing it.
pub async fn change_and_enqueue(pool: &DbPool, n: u32, commit: bool) -> Envelope {
    use diesel_async::AsyncConnection;
    let envelope = Envelope::new("probe", &Ping { n }, Uuid::new_v4()).expect("envelope");
    let mut conn = pool.get().await.expect("connection");
    let result: Result<(), diesel::result::Error> = conn
        .transaction(async |c| {
            insert_effect(c, envelope.event_id, n).await?;
            aftersales_messaging::outbox::enqueue(c, &envelope).await?;
            if commit {
                Ok(())
            } else {
                Err(diesel::result::Error::RollbackTransaction)
            }
        })
        .await;
    assert_eq!(result.is_ok(), commit);
    envelope
}

async fn insert_effect(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    n: u32,
) -> Result<(), diesel::result::Error> {
    diesel::sql_query("INSERT INTO effects (event_id, n) VALUES ($1, $2)")
        .bind::<diesel::sql_types::Uuid, _>(event_id)
        .bind::<diesel::sql_types::Integer, _>(n as i32)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The transactions that wrote `effects`, one per applied batch.
pub async fn effect_transactions(pool: &DbPool) -> Vec<i64> {
    let mut conn = pool.get().await.expect("connection");
    diesel::sql_query("SELECT DISTINCT tx AS n FROM effects")
        .load::<Count>(&mut conn)
        .await
        .expect("transactions")
        .into_iter()
        .map(|c| c.n)
        .collect()
}

pub async fn count(pool: &DbPool, sql: &str) -> i64 {
    let mut conn = pool.get().await.expect("connection");
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .expect("count")
        .n
}

tokio::task_local! {
    /// Set while the consumer runs a batch in [`Handler::scope_batch`].
    static IN_BATCH: ();
}

/// Records every event it is given in `effects`; fails every time on `Poison`.
#[derive(Default, Clone)]
pub struct RecordingHandler {
    pub poison_attempts: Arc<AtomicUsize>,
    /// When each attempt at the poison message began.
    pub poison_times: Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
    /// Events handled outside a batch's scope (none, if the consumer scopes them).
    pub unscoped: Arc<AtomicUsize>,
    /// The transaction of each end of a batch (`finish_batch`).
    pub batch_ends: Arc<std::sync::Mutex<Vec<i64>>>,
}

impl Handler for RecordingHandler {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        if event.event_type == Poison::TYPE {
            self.poison_attempts.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut times) = self.poison_times.lock() {
                times.push(std::time::Instant::now());
            }
            return Err(HandlerError::Retry("poison always fails".into()));
        }
        if IN_BATCH.try_with(|_| ()).is_err() {
            self.unscoped.fetch_add(1, Ordering::SeqCst);
        }
        let ping: Ping = event
            .payload()
            .map_err(|e| HandlerError::Reject(e.to_string()))?;
        insert_effect(conn, event.event_id, ping.n).await?;
        Ok(())
    }

    fn scope_batch<F>(&self, batch: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send,
    {
        IN_BATCH.scope((), batch)
    }

    async fn finish_batch(&self, conn: &mut AsyncPgConnection) -> Result<(), HandlerError> {
        let tx = diesel::sql_query("SELECT txid_current() AS n")
            .get_result::<Count>(conn)
            .await?;
        if let Ok(mut ends) = self.batch_ends.lock() {
            ends.push(tx.n);
        }
        Ok(())
    }
}

pub async fn amqp(url: &str) -> (Connection, Channel) {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("broker connection");
    let channel = conn.create_channel().await.expect("channel");
    (conn, channel)
}

/// Publishes raw bytes as the relay would, without confirms.
pub async fn publish_raw(channel: &Channel, routing_key: &str, body: &[u8]) {
    channel
        .basic_publish(
            EVENTS_EXCHANGE.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .expect("publish")
        .await
        .expect("publish confirm");
}

/// Takes every message now in `queue` and returns the envelopes.
pub async fn drain(channel: &Channel, queue: &str) -> Vec<Envelope> {
    let mut out = Vec::new();
    while let Some(message) = channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .expect("basic_get")
    {
        out.push(Envelope::from_bytes(&message.delivery.data).expect("envelope"));
    }
    out
}

pub async fn queue_len(channel: &Channel, queue: &str) -> u32 {
    aftersales_messaging::topology::ready_messages(channel, queue)
        .await
        .expect("passive declare")
}
