//! The replicated database and the broker cluster do what the node-loss faults rely
//! on: a synchronous standby has every acknowledged commit when its primary dies, an
//! asynchronous one may not, and a quorum queue serves on after losing a node.

use std::time::Duration;

use aftersales_testkit::provision::{connect, query_i64};
use aftersales_testkit::{BrokerCluster, ReplicatedDatabase};
use diesel_async::SimpleAsyncConnection;

async fn count(url: &str) -> i64 {
    let mut conn = connect(url).await.unwrap();
    query_i64(&mut conn, "(SELECT count(*) FROM kept)")
        .await
        .unwrap()
}

async fn insert(url: &str, n: i32) -> anyhow::Result<()> {
    let mut conn = connect(url).await?;
    conn.batch_execute(&format!("INSERT INTO kept VALUES ({n})"))
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_synchronous_standby_has_every_acknowledged_commit_after_a_failover() {
    let db = ReplicatedDatabase::start(true).await;
    let url = db.admin_url();
    let first = db.primary().port;
    connect(&url)
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (n int)")
        .await
        .unwrap();
    for n in 0..20 {
        insert(&url, n).await.unwrap();
    }

    // A standby that falls behind holds the next commit back: it is neither
    // acknowledged nor seen by anyone.
    db.cut_replication(Duration::from_secs(30));
    let held = tokio::spawn({
        let url = url.clone();
        async move { insert(&url, 1000).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !held.is_finished(),
        "a commit waits for the synchronous standby"
    );
    assert_eq!(count(&db.primary().admin_url("aftersales_test")).await, 20);

    let failover = db.fail_over().await;
    assert!(failover.promoted_in < Duration::from_secs(30));
    assert!(
        held.await.unwrap().is_err(),
        "the held commit's client learns that it failed"
    );
    assert_ne!(db.primary().port, first, "the standby is the primary now");
    // The multi-host URL finds the new primary; every acknowledged row is there.
    assert_eq!(count(&url).await, 20);

    // The old primary comes back as the new one's standby, and a second failover
    // (without lag) keeps what was written since.
    db.rebuild_standby().await;
    insert(&url, 20).await.unwrap();
    db.fail_over().await;
    assert_eq!(db.primary().port, first);
    assert_eq!(count(&url).await, 21);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_asynchronous_standby_loses_the_commits_it_had_not_received() {
    let db = ReplicatedDatabase::start(false).await;
    let url = db.admin_url();
    connect(&url)
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (0)")
        .await
        .unwrap();
    // Wait until the standby has the table and the first row.
    let standby = db.standby().admin_url("aftersales_test");
    assert!(
        aftersales_testkit::eventually(Duration::from_secs(30), || async {
            match connect(&standby).await {
                Ok(mut conn) => query_i64(&mut conn, "(SELECT count(*) FROM kept)")
                    .await
                    .is_ok_and(|n| n == 1),
                Err(_) => false,
            }
        })
        .await
    );
    db.cut_replication(Duration::from_secs(30));
    for n in 1..=5 {
        insert(&url, n)
            .await
            .expect("an asynchronous primary acknowledges at once");
    }
    db.fail_over().await;
    assert_eq!(
        count(&url).await,
        1,
        "the five acknowledged commits are gone with the old primary"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quorum_queue_serves_on_after_losing_a_node() {
    use lapin::options::{
        BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions,
    };
    use lapin::types::{AMQPValue, FieldTable};

    let cluster = BrokerCluster::start().await;
    let url = format!("{}/%2f", cluster.amqp_base());
    let running = || async {
        let nodes: Vec<serde_json::Value> = aftersales_web::http_client::client()
            .get(format!("{}/api/nodes", cluster.mgmt_url()))
            .basic_auth("guest", Some("guest"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        nodes.iter().filter(|n| n["running"] == true).count()
    };
    assert_eq!(running().await, 3, "three nodes form one cluster");

    let declare = async {
        let conn = aftersales_messaging::broker::open(&url, "testkit")
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        let mut args = FieldTable::default();
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        channel
            .queue_declare("q".into(), durable, args)
            .await
            .unwrap();
        conn.close(200, "done".into()).await.unwrap();
    };
    declare.await;
    assert!(
        aftersales_testkit::eventually(Duration::from_secs(30), || async {
            cluster.busiest_leader().await.is_some()
        })
        .await,
        "the management API names the queue's leader"
    );
    let leader = cluster.busiest_leader().await.unwrap();
    cluster.kill(leader).await;

    // The URL lists every node: the client gets past the dead one.
    let conn = aftersales_messaging::broker::open(&url, "testkit")
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let confirm = channel
        .basic_publish(
            "".into(),
            "q".into(),
            BasicPublishOptions::default(),
            b"kept",
            lapin::BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack(), "two of three replicas confirm");
    let got = channel
        .basic_get("q".into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("the message is there");
    assert_eq!(got.delivery.data, b"kept");

    cluster.restart(leader).await;
    assert!(
        aftersales_testkit::eventually(Duration::from_secs(60), || async { running().await == 3 })
            .await,
        "the node rejoins"
    );
}
