use std::collections::HashSet;
use std::time::Duration;

use aftersales_messaging::relay::{BatchMode, RelayError};
use aftersales_messaging::topology::inbox_queue;
use aftersales_messaging::{MessagingMetrics, Relay, RelayConfig};
use aftersales_testkit::{PrivateBroker, TestDb, TestVhost};

use crate::support::*;

fn relay(pool: &aftersales_messaging::DbPool, db_url: &str, amqp_url: &str) -> Relay {
    let mut config = RelayConfig::new("probe");
    // Long enough that a test passing on time alone would have to wait for it:
    // prompt delivery below proves the NOTIFY wake-up works.
    config.poll_interval = Duration::from_secs(30);
    relay_with(pool, db_url, amqp_url, config)
}

fn relay_with(
    pool: &aftersales_messaging::DbPool,
    db_url: &str,
    amqp_url: &str,
    config: RelayConfig,
) -> Relay {
    Relay::new(
        pool.clone(),
        db_url,
        amqp_url,
        topology(),
        config,
        MessagingMetrics::unregistered(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_change_leaves_no_event_and_a_committed_one_is_published() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let relay = relay(&pool, &db.url(), &vhost.amqp_url());
    let link = relay.link();
    let task = tokio::spawn(relay.run());
    assert!(eventually(Duration::from_secs(20), || async { link.check().is_ok() }).await);

    let rolled_back = change_and_enqueue(&pool, 1, false).await;
    let committed = change_and_enqueue(&pool, 2, true).await;

    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    let queue = inbox_queue(SERVICE);
    assert!(
        eventually(Duration::from_secs(10), || async {
            queue_len(&channel, &queue).await >= 1
        })
        .await,
        "the committed event was not published (NOTIFY wake-up or publish failed)"
    );
    // Give a wrongly published rolled-back event every chance to show up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = drain(&channel, &queue).await;
    assert_eq!(got, vec![committed.clone()]);
    assert!(!got.iter().any(|e| e.event_id == rolled_back.event_id));
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM outbox").await, 1);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
        )
        .await,
        0
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_pending_while_the_broker_is_down_are_all_published_after_it_returns() {
    let db = TestDb::new().await;
    let broker = PrivateBroker::start().await;
    let pool = prepare_schema(&db.url()).await;
    let relay = relay(&pool, &db.url(), &broker.amqp_url());
    let link = relay.link();
    let task = tokio::spawn(relay.run());
    assert!(eventually(Duration::from_secs(20), || async { link.check().is_ok() }).await);

    let mut sent = HashSet::new();
    for n in 0..20 {
        sent.insert(change_and_enqueue(&pool, n, true).await.event_id);
    }
    broker.stop().await;
    for n in 20..60 {
        sent.insert(change_and_enqueue(&pool, n, true).await.event_id);
    }
    assert!(
        eventually(Duration::from_secs(20), || async { link.check().is_err() }).await,
        "the relay did not notice the outage"
    );
    broker.restart().await;
    assert!(
        eventually(Duration::from_secs(60), || async {
            count(
                &pool,
                "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL",
            )
            .await
                == 0
        })
        .await,
        "rows left unpublished after the broker came back"
    );

    let (_conn, channel) = amqp(&broker.amqp_url()).await;
    let received: HashSet<_> = drain(&channel, &inbox_queue(SERVICE))
        .await
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        received, sent,
        "every committed event reaches the durable queue"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_killed_between_publish_and_mark_publishes_again() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let relay = relay(&pool, &db.url(), &vhost.amqp_url());
    let (conn, _) = amqp(&vhost.amqp_url()).await;
    let channel = relay.open_channel(&conn).await.expect("relay channel");

    let event = change_and_enqueue(&pool, 7, true).await;
    let crashed = relay
        .publish_batch(&channel, BatchMode::AbortBeforeMark)
        .await;
    assert!(matches!(crashed, Err(RelayError::AbortedBeforeMark)));
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
        )
        .await,
        1,
        "the row must stay unpublished when the relay dies before marking it"
    );
    // The restarted relay publishes the same row again.
    assert_eq!(
        relay
            .publish_batch(&channel, BatchMode::Normal)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        relay
            .publish_batch(&channel, BatchMode::Normal)
            .await
            .unwrap(),
        0
    );

    let (_c, probe) = amqp(&vhost.amqp_url()).await;
    let got = drain(&probe, &inbox_queue(SERVICE)).await;
    assert_eq!(
        got,
        vec![event.clone(), event],
        "published twice, same event id"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_relays_side_by_side_publish_every_row_once() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let mut sent = HashSet::new();
    for n in 0..300 {
        sent.insert(change_and_enqueue(&pool, n, true).await.event_id);
    }
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            // Small batches, so the two relays interleave on the same rows.
            let mut config = RelayConfig::new("probe");
            config.batch_size = 10;
            config.poll_interval = Duration::from_secs(30);
            tokio::spawn(relay_with(&pool, &db.url(), &vhost.amqp_url(), config).run())
        })
        .collect();
    assert!(
        eventually(Duration::from_secs(30), || async {
            count(
                &pool,
                "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL",
            )
            .await
                == 0
        })
        .await
    );
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    let received: Vec<_> = drain(&channel, &inbox_queue(SERVICE))
        .await
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        received.len(),
        300,
        "SKIP LOCKED keeps replicas from sending a row twice"
    );
    assert_eq!(received.into_iter().collect::<HashSet<_>>(), sent);
    for task in tasks {
        task.abort();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_messaging_migrations_revert_and_reapply_cleanly() {
    use aftersales_messaging::MIGRATIONS;
    use diesel::Connection as _;
    use diesel_async::AsyncPgConnection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::MigrationHarness;

    let db = TestDb::new().await;
    let pool = prepare_schema(&db.url()).await;
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        conn.revert_all_migrations(MIGRATIONS).unwrap();
        conn.run_pending_migrations(MIGRATIONS).unwrap();
    })
    .await
    .unwrap();
    // The trigger came back with the table: an insert still notifies and works.
    change_and_enqueue(&pool, 1, true).await;
    assert_eq!(count(&pool, "SELECT count(*) AS n FROM outbox").await, 1);
}
