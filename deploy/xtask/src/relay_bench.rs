//! The relay measurement of `cargo xtask bench`: the outbox relay against raw lapin
//! publishing with confirms, on equal terms: one process (a release build of xtask,
//! started by the bench as `xtask bench-relay`), one broker, the same messages to the
//! same durable quorum queue. Prints one JSON line with both rates.

use std::time::{Duration, Instant};

use aftersales_messaging::topology::inbox_queue;
use aftersales_messaging::{
    Envelope, Event, MessagingMetrics, Relay, RelayConfig, Shutdown, Subscription, Topology,
};
use aftersales_testkit::provision::connect;
use anyhow::{Context, bail};
use diesel_async::SimpleAsyncConnection;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueDeleteOptions, QueuePurgeOptions,
};
use lapin::{BasicProperties, Channel, Confirmation};
use serde::{Deserialize, Serialize};
use serde_json::json;

const SCHEMA: &str = "relay_bench";
const SINK: &str = "relay-bench";
/// The relay's own batch size, so both sides publish and await confirms alike.
const BATCH: usize = 200;

/// Options of the hidden `xtask bench-relay`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// PostgreSQL URL of a role that may create a schema
    #[arg(long)]
    pub database_url: String,
    #[arg(long)]
    pub amqp_url: String,
    /// Events published by each side
    #[arg(long, default_value_t = 20_000)]
    pub events: usize,
}

#[derive(Serialize, Deserialize)]
struct Ping {
    seq: usize,
    /// About the size of a real order event.
    padding: String,
}

impl Event for Ping {
    const TYPE: &'static str = "bench.ping";
}

pub async fn run(opts: Options) -> anyhow::Result<()> {
    let envelopes = (0..opts.events)
        .map(|seq| {
            let ping = Ping {
                seq,
                padding: "x".repeat(400),
            };
            Envelope::new("bench", &ping, uuid::Uuid::now_v7())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let topology = Topology::new(vec![Subscription::new(SINK, &[Ping::TYPE])]);

    let amqp = aftersales_messaging::broker::open(&opts.amqp_url, "xtask relay-bench").await?;
    let channel = amqp.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    topology.declare(&channel).await?;
    let sink = inbox_queue(SINK);
    purge(&channel, &sink).await?;

    let started = Instant::now();
    for batch in envelopes.chunks(BATCH) {
        let mut confirms = Vec::with_capacity(batch.len());
        for envelope in batch {
            confirms.push(
                channel
                    .basic_publish(
                        aftersales_messaging::topology::EVENTS_EXCHANGE.into(),
                        Ping::TYPE.into(),
                        BasicPublishOptions::default(),
                        &envelope.to_bytes()?,
                        BasicProperties::default()
                            .with_content_type("application/json".into())
                            .with_delivery_mode(2)
                            .with_message_id(envelope.event_id.to_string().into()),
                    )
                    .await?,
            );
        }
        for confirm in confirms {
            if !matches!(confirm.await?, Confirmation::Ack(_)) {
                bail!("the broker refused a raw publish");
            }
        }
    }
    wait_for(&channel, &sink, opts.events).await?;
    let raw = started.elapsed();
    purge(&channel, &sink).await?;

    // The relay starts on a full outbox, so only publishing is timed.
    let mut admin = connect(&opts.database_url).await?;
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
        ))
        .await?;
    let url = aftersales_web::db::connection_url(&opts.database_url, Some(SCHEMA));
    aftersales_web::db::run_migrations(&url, &[aftersales_messaging::MIGRATIONS]).await?;
    let pool = aftersales_web::db::pool(&url, 4)?;
    {
        let mut conn = pool.get().await?;
        for chunk in envelopes.chunks(1000) {
            aftersales_messaging::outbox::enqueue_many(&mut conn, chunk).await?;
        }
    }
    let relay = Relay::new(
        pool,
        &url,
        &opts.amqp_url,
        topology,
        RelayConfig::new("relay-bench"),
        MessagingMetrics::unregistered(),
    );
    let (stop, shutdown) = Shutdown::channel();
    let started = Instant::now();
    let running = tokio::spawn(relay.run_until(shutdown));
    wait_for(&channel, &sink, opts.events).await?;
    let relayed = started.elapsed();
    stop.trigger();
    let _ = running.await;

    channel
        .queue_delete(sink.as_str().into(), QueueDeleteOptions::default())
        .await?;
    channel
        .queue_delete(
            aftersales_messaging::topology::dead_queue(SINK)
                .as_str()
                .into(),
            QueueDeleteOptions::default(),
        )
        .await?;
    admin
        .batch_execute(&format!("DROP SCHEMA {SCHEMA} CASCADE"))
        .await?;
    let _ = amqp.close(200, "done".into()).await;

    let n = opts.events as f64;
    println!(
        "{}",
        json!({
            "events": opts.events,
            "raw_per_s": n / raw.as_secs_f64(),
            "relay_per_s": n / relayed.as_secs_f64(),
        })
    );
    Ok(())
}

async fn purge(channel: &Channel, queue: &str) -> anyhow::Result<()> {
    channel
        .queue_purge(queue.into(), QueuePurgeOptions::default())
        .await?;
    Ok(())
}

/// Waits until `queue` holds `n` messages (both sides are timed to the broker's
/// confirm; this only makes sure every message really arrived).
async fn wait_for(channel: &Channel, queue: &str, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let ready = aftersales_messaging::topology::ready_messages(channel, queue)
            .await
            .context("passive declare of the sink")?;
        if ready as usize >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{queue} holds {ready} of {n} messages");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
