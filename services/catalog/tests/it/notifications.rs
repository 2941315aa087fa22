//! Catalog's notifications: a warehouse webhook gets "below reorder point" once per
//! crossing, signed, whether a request (replayed or not) or an order event (redelivered
//! or not) took the stock down; only warehouse staff and admins may subscribe.

use aftersales_testkit::WebhookReceiver;
use aftersales_testkit::tokens::dealer;
use aftersales_web::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, order};

const TOPIC: &str = "stock.below_reorder_point";

async fn subscribe(svc: &Svc, role: Role, body: Value) -> (u16, Value) {
    let token = aftersales_testkit::tokens::token(role);
    svc.call("POST", "/subscriptions", Some(&token), Some(body))
        .await
}

async fn reorder_point(svc: &Svc, wh: &str, pn: &str, point: i64, qty: i64) {
    let (s, b, _) = svc
        .call_as(
            Role::Warehouse,
            Method::PUT,
            &format!("/stock/{wh}/{pn}"),
            Some(json!({"reorder_point": point, "reorder_qty": qty})),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// An adjustment of CENTRAL/A by `delta`, with `key`.
async fn adjust(svc: &Svc, delta: i64, key: &str) -> Value {
    let (s, b, _) = svc
        .call_as(
            Role::Warehouse,
            Method::POST,
            "/adjustments",
            Some(json!({"warehouse": "CENTRAL", "part_number": "A", "delta": delta, "reason": "damaged"})),
            &[("Idempotency-Key", key)],
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b
}

fn bodies(receiver: &WebhookReceiver) -> Vec<Value> {
    receiver.received().iter().map(|r| r.json()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_warehouse_hears_once_per_crossing_of_the_reorder_point() {
    let svc = Svc::start().await;
    svc.seed().await;
    let receiver = WebhookReceiver::start().await;
    let (status, sub) = subscribe(
        &svc,
        Role::Warehouse,
        json!({"topics": [TOPIC], "url": receiver.url()}),
    )
    .await;
    assert_eq!(status, 201, "{sub}");
    let secret = sub["secret"].as_str().unwrap().to_owned();
    reorder_point(&svc, "CENTRAL", "A", 5, 20).await;
    svc.receive("CENTRAL", "A", 10).await;

    // 10 → 4: crossed; the replayed request and a further fall tell nothing more.
    let first = adjust(&svc, -6, "low-1").await;
    assert_eq!(adjust(&svc, -6, "low-1").await, first, "replayed");
    adjust(&svc, -1, "low-2").await;
    svc.wait("the first notice", || async { receiver.ids().0.len() == 1 })
        .await;
    let body = &bodies(&receiver)[0];
    assert_eq!(body["type"], TOPIC);
    assert_eq!(body["service"], "catalog");
    assert_eq!(body["entity_type"], "stock_level");
    assert_eq!(body["entity_id"], "CENTRAL/A");
    assert!(body["dealer_code"].is_null());
    assert_eq!(
        body["data"],
        json!({"warehouse": "CENTRAL", "part_number": "A", "available": 4, "on_hand": 4,
               "reserved": 0, "quarantined": 0, "reorder_point": 5, "reorder_qty": 20})
    );
    assert_eq!(
        body["summary"],
        "Part A in CENTRAL: 4 available, at or below its reorder point of 5; reorder quantity 20"
    );

    // Back above (re-armed), then an order placed takes it down again: one more notice,
    // in the order's flow, however often the event is delivered.
    svc.receive("CENTRAL", "A", 10).await;
    let placed = svc
        .publish("orders", &order(Uuid::new_v4(), &[(1, "A", 12)], false, 0))
        .await;
    assert!(svc.consumed(&placed).await);
    let skipped = svc.duplicates_skipped().await;
    svc.publish_envelope(&placed).await;
    svc.wait("the redelivered order to be skipped", || async {
        svc.duplicates_skipped().await > skipped
    })
    .await;
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM notify_message").await,
        2,
        "told once per crossing"
    );
    svc.wait("the second notice", || async {
        receiver.ids().0.len() == 2
    })
    .await;
    let (ids, repeats) = receiver.ids();
    assert_eq!((ids.len(), repeats), (2, 0), "{:?}", bodies(&receiver));
    let second = &bodies(&receiver)[1];
    assert_eq!(second["data"]["available"], 1);
    assert_eq!(second["data"]["reserved"], 12);
    assert_eq!(second["correlation_id"], placed.correlation_id.to_string());
    assert!(receiver.received().iter().all(|r| r.verifies(&secret)));
    assert_eq!(
        svc.outbox_envelopes("catalog.stock_low").await.len(),
        2,
        "one event per notice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_warehouse_staff_and_admins_subscribe_to_low_stock() {
    let svc = Svc::start().await;
    let topic = json!({"topics": [TOPIC]});
    for role in [
        Role::Dealer,
        Role::Quality,
        Role::QualityLead,
        Role::Finance,
    ] {
        let (status, problem) = subscribe(&svc, role, topic.clone()).await;
        assert_eq!(status, 403, "{role:?}: {problem}");
    }
    let (status, _) = svc
        .call(
            "POST",
            "/subscriptions",
            Some(&dealer("D001")),
            Some(topic.clone()),
        )
        .await;
    assert_eq!(status, 403);
    for role in [Role::Warehouse, Role::Admin] {
        let (status, sub) = subscribe(&svc, role, topic.clone()).await;
        assert_eq!(status, 201, "{role:?}: {sub}");
    }
    let (_, topics) = svc
        .call(
            "GET",
            "/notifications/topics",
            Some(&aftersales_testkit::tokens::warehouse()),
            None,
        )
        .await;
    assert_eq!(
        topics,
        json!([{"name": TOPIC, "description": topics[0]["description"]}])
    );
}
