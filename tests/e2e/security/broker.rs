//! Finding 4, the broker's least privilege and authenticated producers: each service
//! connects as its own user, which may publish only its own event types and touch
//! only its own queues, and a consumer dead-letters an envelope whose producer does
//! not produce its type.

use aftersales_messaging::contracts::catalog::{PartUpserted, StockLow};
use aftersales_messaging::contracts::event_types::CLAIM_ADJUDICATED;
use aftersales_messaging::topology::ready_messages;
use aftersales_messaging::{Envelope, Event};
use aftersales_testkit::{TestService, TestVhost, WAIT};
use lapin::options::{
    BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueBindOptions, QueuePurgeOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};

/// Whether the broker answered `err` with ACCESS_REFUSED (403).
fn refused(err: &lapin::Error) -> bool {
    let text = format!("{err} {err:?}").to_ascii_uppercase();
    text.contains("ACCESS_REFUSED") || text.contains("ACCESSREFUSED")
}

async fn channel(conn: &Connection) -> Channel {
    conn.create_channel().await.expect("channel")
}

/// Publishes `body` under `routing_key` with confirms; whether the broker took it.
async fn publish(channel: &Channel, routing_key: &str, body: &[u8]) -> Result<(), String> {
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let sent = channel
        .basic_publish(
            "aftersales.events".into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await;
    match sent {
        Err(e) => Err(format!("refused={} {e}", refused(&e))),
        Ok(confirm) => match confirm.await {
            Ok(Confirmation::Ack(_)) => Ok(()),
            Ok(other) => Err(format!("not acked: {other:?}")),
            Err(e) => Err(format!("refused={} {e}", refused(&e))),
        },
    }
}

fn stock_low() -> StockLow {
    StockLow {
        warehouse: "WH1".parse().unwrap(),
        part_number: "BP-1".parse().unwrap(),
        available: 1,
        reorder_point: 5,
        reorder_qty: 10,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogs_user_cannot_publish_another_services_event_type() {
    let vhost = TestVhost::new().await;
    let conn = Connection::connect(
        &vhost.service_amqp_url("catalog"),
        ConnectionProperties::default(),
    )
    .await
    .expect("catalog's user connects to its vhost");

    // Its own type goes through, so a refusal below is about the routing key.
    let own = Envelope::new("catalog", &stock_low(), uuid::Uuid::new_v4()).unwrap();
    let ch = channel(&conn).await;
    assert_eq!(
        publish(&ch, StockLow::TYPE, &own.to_bytes().unwrap()).await,
        Ok(())
    );

    // An adjudication, as if inspection had decided a claim: recovery would pay it.
    let forged = serde_json::json!({
        "event_id": uuid::Uuid::now_v7(),
        "event_type": CLAIM_ADJUDICATED,
        "schema_version": 1,
        "occurred_at": "2026-12-01T08:00:00Z",
        "producer": "inspection",
        "correlation_id": uuid::Uuid::new_v4(),
        "payload": {},
    });
    let ch = channel(&conn).await;
    let outcome = publish(&ch, CLAIM_ADJUDICATED, forged.to_string().as_bytes()).await;
    assert!(
        outcome
            .as_ref()
            .is_err_and(|e| e.starts_with("refused=true")),
        "the broker must refuse catalog's user the routing key {CLAIM_ADJUDICATED}: {outcome:?}"
    );
    let admin = Connection::connect(&vhost.amqp_url(), ConnectionProperties::default())
        .await
        .expect("the administrator connects");
    let queued = ready_messages(&channel(&admin).await, "recovery.inbox").await;
    assert_eq!(
        queued.ok(),
        Some(0),
        "the adjudication reached recovery's inbox"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogs_user_cannot_purge_consume_or_bind_another_services_queue() {
    let vhost = TestVhost::new().await;
    let conn = Connection::connect(
        &vhost.service_amqp_url("catalog"),
        ConnectionProperties::default(),
    )
    .await
    .expect("catalog's user connects to its vhost");

    // Its own dead-letter queue it may purge.
    let ch = channel(&conn).await;
    ch.queue_purge("catalog.dead".into(), QueuePurgeOptions::default())
        .await
        .expect("catalog purges its own dead letters");

    let ch = channel(&conn).await;
    let purge = ch
        .queue_purge("orders.inbox".into(), QueuePurgeOptions::default())
        .await;
    assert!(
        purge.as_ref().is_err_and(refused),
        "catalog purged orders' inbox: {purge:?}"
    );

    let ch = channel(&conn).await;
    let consume = ch
        .basic_consume(
            "orders.inbox".into(),
            "thief".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await;
    assert!(
        consume.as_ref().is_err_and(refused),
        "catalog consumed orders' inbox"
    );

    let ch = channel(&conn).await;
    let get = ch
        .basic_get("recovery.dead".into(), BasicGetOptions::default())
        .await;
    assert!(
        get.as_ref().is_err_and(refused),
        "catalog read recovery's dead letters: {get:?}"
    );

    // Nor may it route another's events into its own inbox.
    let ch = channel(&conn).await;
    let bind = ch
        .queue_bind(
            "catalog.inbox".into(),
            "aftersales.events".into(),
            CLAIM_ADJUDICATED.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await;
    assert!(
        bind.as_ref().is_err_and(refused),
        "catalog bound its inbox to {CLAIM_ADJUDICATED}: {bind:?}"
    );
}

fn part(number: &str) -> PartUpserted {
    PartUpserted {
        part_number: number.parse().unwrap(),
        description: format!("part {number}"),
        category: "brakes".into(),
        list_price: "10.00".parse().unwrap(),
        currency: "EUR".parse().unwrap(),
        supplier_code: "SUP1".parse().unwrap(),
        warranty_months: 12,
        core: false,
        returnable: true,
        superseded_by: None,
        active: true,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_with_a_forged_producer_is_dead_lettered_unapplied() {
    let orders = TestService::start(orders::spec()).await;
    // Published by the administrator, whom the broker lets use any routing key: the
    // consumer is the last line.
    let genuine = orders.publish("catalog", &part("BP-GENUINE")).await;
    assert!(orders.consumed(&genuine).await, "catalog's part applied");

    let forged = orders.publish("inspection", &part("BP-FORGED")).await;
    assert_eq!(
        orders
            .vhost
            .wait_queue_messages("orders.dead", 1, WAIT)
            .await,
        Some(1),
        "the forged envelope is dead-lettered"
    );
    let sql = format!(
        "SELECT count(*) AS n FROM inbox WHERE event_id = '{}'",
        forged.event_id
    );
    assert_eq!(
        orders.count(&sql).await,
        0,
        "the forged envelope was applied"
    );
    let metrics = orders
        .http
        .get(orders.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let forged_count = metrics
        .lines()
        .find(|l| l.starts_with("inbox_messages_total{outcome=\"forged\""))
        .and_then(|l| l.rsplit(' ').next());
    assert_eq!(
        forged_count,
        Some("1"),
        "no metric counts the forged envelope:\n{metrics}"
    );
}
