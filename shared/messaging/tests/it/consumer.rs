use std::sync::atomic::Ordering;
use std::time::Duration;

use aftersales_messaging::consumer::Consumer;
use aftersales_messaging::dead_letters;
use aftersales_messaging::relay::BatchMode;
use aftersales_messaging::topology::{dead_queue, inbox_queue};
use aftersales_messaging::{Envelope, Event, MessagingMetrics, Relay, RelayConfig};
use aftersales_testkit::{TestDb, TestVhost};
use uuid::Uuid;

use crate::support::*;

struct Running {
    metrics: MessagingMetrics,
    handler: RecordingHandler,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Short pauses before a failed delivery is requeued: 0.2, 0.4, 0.8, 1.6, 1.6 s.
const REDELIVERY_FIRST: Duration = Duration::from_millis(200);
const REDELIVERY_MAX: Duration = Duration::from_millis(1600);

async fn start_consumer(pool: &aftersales_messaging::DbPool, amqp_url: &str) -> Running {
    // As the deployment's provisioning would: the consumer declares only its own
    // queues, and the dead-letter queue's binding is not among them.
    let (_conn, channel) = amqp(amqp_url).await;
    topology().declare(&channel).await.expect("topology");
    let metrics = MessagingMetrics::unregistered();
    let handler = RecordingHandler::default();
    let consumer = Consumer::new(
        pool.clone(),
        amqp_url,
        SERVICE,
        topology(),
        handler.clone(),
        metrics.clone(),
    )
    .with_redelivery_backoff(REDELIVERY_FIRST, REDELIVERY_MAX);
    let link = consumer.link();
    let task = tokio::spawn(consumer.run());
    assert!(eventually(Duration::from_secs(20), || async { link.check().is_ok() }).await);
    Running {
        metrics,
        handler,
        task,
    }
}

fn consumed(running: &Running, outcome: &str) -> u64 {
    running.metrics.consumed.with_label_values(&[outcome]).get()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_message_delivered_twice_takes_effect_once() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let running = start_consumer(&pool, &vhost.amqp_url()).await;

    let event = Envelope::new("probe", &Ping { n: 5 }, Uuid::new_v4()).unwrap();
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    publish_raw(&channel, Ping::TYPE, &event.to_bytes().unwrap()).await;
    publish_raw(&channel, Ping::TYPE, &event.to_bytes().unwrap()).await;

    assert!(
        eventually(Duration::from_secs(10), || async {
            consumed(&running, "applied") + consumed(&running, "duplicate") == 2
        })
        .await
    );
    assert_eq!(consumed(&running, "applied"), 1);
    assert_eq!(consumed(&running, "duplicate"), 1);
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM effects").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM inbox").await, 1);
    // Both deliveries were acknowledged: nothing waits, nothing was dead-lettered.
    assert_eq!(queue_len(&channel, &inbox_queue(SERVICE)).await, 0);
    assert_eq!(queue_len(&channel, &dead_queue(SERVICE)).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_always_fails_ends_in_the_dead_letter_queue_and_the_queue_moves_on() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let running = start_consumer(&pool, &vhost.amqp_url()).await;

    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    let poison = Envelope::new("probe", &Poison {}, Uuid::new_v4()).unwrap();
    let good = Envelope::new("probe", &Ping { n: 1 }, Uuid::new_v4()).unwrap();
    publish_raw(&channel, Poison::TYPE, &poison.to_bytes().unwrap()).await;
    publish_raw(&channel, Ping::TYPE, &good.to_bytes().unwrap()).await;

    let dead = dead_queue(SERVICE);
    assert!(
        eventually(Duration::from_secs(20), || async {
            queue_len(&channel, &dead).await == 1
        })
        .await,
        "the poison message was not dead-lettered"
    );
    // Each requeue waited longer than the one before: the pause follows the
    // x-delivery-count header (0.2, 0.4, 0.8, 1.6 s), not a fixed one.
    let gaps: Vec<Duration> = {
        let times = running.handler.poison_times.lock().unwrap();
        times.windows(2).map(|w| w[1] - w[0]).collect()
    };
    assert!(
        gaps.len() == 5 && gaps[3] >= Duration::from_millis(1600),
        "redeliveries came faster than their backoff: {gaps:?}"
    );
    assert!(
        eventually(Duration::from_secs(10), || async {
            count(&pool, "SELECT count(*) AS n FROM effects").await == 1
        })
        .await,
        "the message behind the poison one was not applied"
    );
    let limit = topology().delivery_limit as usize;
    assert_eq!(
        running.handler.poison_attempts.load(Ordering::SeqCst),
        limit + 1,
        "delivered once plus once per allowed redelivery"
    );
    // The failed attempts were rolled back with their inbox rows.
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM inbox").await, 1);

    let letters = dead_letters::list(&channel, SERVICE, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_id, Some(poison.event_id));
    assert_eq!(letters[0].reason.as_deref(), Some("delivery_limit"));
    // Listing hands the message back (asynchronously: a nack has no reply).
    assert!(
        eventually(Duration::from_secs(5), || async {
            queue_len(&channel, &dead).await == 1
        })
        .await,
        "listing removed the dead letter"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_is_applied_in_batches_each_event_once_and_a_failing_one_alone() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    topology().declare(&channel).await.unwrap();

    // Everything waits in the queue before the consumer starts, so that it arrives
    // in bursts: 40 events, 5 of them twice, a poison one and a forged one among them.
    let pings: Vec<Envelope> = (0..40)
        .map(|n| Envelope::new("probe", &Ping { n }, Uuid::new_v4()).unwrap())
        .collect();
    let poison = Envelope::new("probe", &Poison {}, Uuid::new_v4()).unwrap();
    let forged = Envelope::new("intruder", &Ping { n: 99 }, Uuid::new_v4()).unwrap();
    for (i, ping) in pings.iter().enumerate() {
        publish_raw(&channel, Ping::TYPE, &ping.to_bytes().unwrap()).await;
        if i % 8 == 3 {
            publish_raw(&channel, Ping::TYPE, &ping.to_bytes().unwrap()).await;
        }
        if i == 10 {
            publish_raw(&channel, Poison::TYPE, &poison.to_bytes().unwrap()).await;
        }
        if i == 20 {
            publish_raw(&channel, Ping::TYPE, &forged.to_bytes().unwrap()).await;
        }
    }
    let running = start_consumer(&pool, &vhost.amqp_url()).await;

    assert!(
        eventually(Duration::from_secs(20), || async {
            consumed(&running, "applied") + consumed(&running, "duplicate") == 45
                && queue_len(&channel, &dead_queue(SERVICE)).await == 2
        })
        .await,
        "applied {}, duplicate {}",
        consumed(&running, "applied"),
        consumed(&running, "duplicate")
    );
    assert_eq!(consumed(&running, "applied"), 40);
    assert_eq!(consumed(&running, "duplicate"), 5);
    assert_eq!(consumed(&running, "forged"), 1);
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM effects").await, 40);
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT event_id) AS n FROM effects").await,
        40
    );
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM inbox").await, 40);
    // Several events shared a transaction: the burst was batched.
    assert!(
        count(&pool, "SELECT count(DISTINCT tx) AS n FROM effects").await < 40,
        "every event had a transaction of its own"
    );
    // Each batch ran in the handler's scope and ended with the handler's end of the
    // batch, in the batch's own transaction (what it writes there commits with it).
    assert_eq!(running.handler.unscoped.load(Ordering::SeqCst), 0);
    let ends = running.handler.batch_ends.lock().unwrap().clone();
    for tx in effect_transactions(&pool).await {
        assert!(
            ends.contains(&tx),
            "the batch of transaction {tx} never ended"
        );
    }
    // The poison event failed in its batch without taking its neighbours with it,
    // and was tried once per delivery, as alone.
    let limit = topology().delivery_limit as usize;
    assert_eq!(
        running.handler.poison_attempts.load(Ordering::SeqCst),
        limit + 1
    );
    let letters = dead_letters::list(&channel, SERVICE, 10).await.unwrap();
    let mut dead: Vec<_> = letters.iter().filter_map(|l| l.event_id).collect();
    dead.sort();
    let mut expected = vec![poison.event_id, forged.event_id];
    expected.sort();
    assert_eq!(dead, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undecodable_message_is_dead_lettered_at_once() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let running = start_consumer(&pool, &vhost.amqp_url()).await;
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    publish_raw(&channel, Ping::TYPE, b"{ not an envelope").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            queue_len(&channel, &dead_queue(SERVICE)).await == 1
        })
        .await
    );
    assert_eq!(consumed(&running, "rejected"), 1);
    let letters = dead_letters::list(&channel, SERVICE, 10).await.unwrap();
    assert_eq!(letters[0].reason.as_deref(), Some("rejected"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_from_another_producer_than_its_types_is_dead_lettered_unapplied() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let running = start_consumer(&pool, &vhost.amqp_url()).await;
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    let forged = Envelope::new("intruder", &Ping { n: 9 }, Uuid::new_v4()).unwrap();
    publish_raw(&channel, Ping::TYPE, &forged.to_bytes().unwrap()).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            queue_len(&channel, &dead_queue(SERVICE)).await == 1
        })
        .await,
        "the forged envelope is not in the dead-letter queue"
    );
    assert_eq!(consumed(&running, "forged"), 1);
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM effects").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM inbox").await, 0);
    let letters = dead_letters::list(&channel, SERVICE, 10).await.unwrap();
    assert_eq!(letters[0].event_id, Some(forged.event_id));
    assert_eq!(letters[0].reason.as_deref(), Some("rejected"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_republished_event_after_a_relay_crash_is_applied_once() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    // The consumer and the relay share the schema here; only their tables matter.
    let running = start_consumer(&pool, &vhost.amqp_url()).await;
    let relay = Relay::new(
        pool.clone(),
        &db.url(),
        &vhost.amqp_url(),
        topology(),
        RelayConfig::new("probe"),
        MessagingMetrics::unregistered(),
    );
    let (conn, _) = amqp(&vhost.amqp_url()).await;
    let channel = relay.open_channel(&conn).await.unwrap();

    // A state change whose effect row the consumer below would also write: count
    // only the consumer's effects by clearing the producer's.
    let event = change_and_enqueue(&pool, 9, true).await;
    count(
        &pool,
        "WITH d AS (DELETE FROM effects RETURNING 1) SELECT count(*) AS n FROM d",
    )
    .await;

    assert!(
        relay
            .publish_batch(&channel, BatchMode::AbortBeforeMark)
            .await
            .is_err()
    );
    assert_eq!(
        relay
            .publish_batch(&channel, BatchMode::Normal)
            .await
            .unwrap(),
        1
    );

    assert!(
        eventually(Duration::from_secs(10), || async {
            consumed(&running, "applied") + consumed(&running, "duplicate") == 2
        })
        .await
    );
    assert_eq!(consumed(&running, "applied"), 1);
    assert_eq!(consumed(&running, "duplicate"), 1);
    assert_eq!(
        count(
            &pool,
            &format!(
                "SELECT count(*) AS n FROM effects WHERE event_id = '{}'",
                event.event_id
            )
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_can_be_replayed_once_the_cause_is_fixed() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    topology().declare(&channel).await.unwrap();

    // An event that was dead-lettered while its consumer was broken.
    let event = Envelope::new("probe", &Ping { n: 3 }, Uuid::new_v4()).unwrap();
    {
        use aftersales_messaging::topology::DEAD_EXCHANGE;
        use lapin::BasicProperties;
        use lapin::options::BasicPublishOptions;
        channel
            .basic_publish(
                DEAD_EXCHANGE.into(),
                SERVICE.into(),
                BasicPublishOptions::default(),
                &event.to_bytes().unwrap(),
                BasicProperties::default(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    assert!(
        eventually(Duration::from_secs(5), || async {
            queue_len(&channel, &dead_queue(SERVICE)).await == 1
        })
        .await
    );
    let running = start_consumer(&pool, &vhost.amqp_url()).await;
    let (_c2, admin) = amqp(&vhost.amqp_url()).await;
    assert_eq!(dead_letters::replay(&admin, SERVICE, 10).await.unwrap(), 1);
    assert!(
        eventually(Duration::from_secs(10), || async {
            consumed(&running, "applied") == 1
        })
        .await
    );
    assert_eq!(queue_len(&channel, &dead_queue(SERVICE)).await, 0);
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM effects").await, 1);
}
