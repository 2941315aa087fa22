//! Orders' notifications (`/subscriptions`, `/notifications`): a dealer's webhook gets
//! "backorder filled" and "order shipped" for its own orders only, signed, once per
//! change, through a receiver outage; dead letters are replayed; the console list
//! counts and marks what is unread; nobody subscribes for another dealer.

use aftersales_messaging::contracts::Allocation;
use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine};
use aftersales_testkit::WebhookReceiver;
use aftersales_web::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, allocation, dealer, order_id, reserved, token};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "standard", "EUR").await;
    svc.add_part("A", "10", true).await;
    svc
}

fn shipment(order: Uuid, qty: i32, alloc: Allocation) -> ShipmentDispatched {
    ShipmentDispatched {
        shipment_id: Uuid::new_v4(),
        order_id: order,
        lines: vec![ShippedLine {
            line_no: 1,
            part_number: "A".parse().unwrap(),
            qty,
        }],
        carrier: "DHL".into(),
        tracking_ref: "T-42".into(),
        allocation: alloc,
    }
}

async fn subscribe(svc: &Svc, token: &str, body: Value) -> (u16, Value) {
    svc.call("POST", "/subscriptions", Some(token), Some(body))
        .await
}

/// The webhook bodies received for `topic`, in arrival order.
fn bodies(receiver: &WebhookReceiver, topic: &str) -> Vec<Value> {
    receiver
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["type"] == topic)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealers_webhook_gets_its_orders_notifications_signed_once_through_an_outage() {
    let svc = setup().await;
    let mut receiver = WebhookReceiver::start().await;
    let d1 = dealer("D001");
    let (status, sub) = subscribe(
        &svc,
        &d1,
        json!({"topics": ["order.shipped", "order.backorder_filled"], "url": receiver.url()}),
    )
    .await;
    assert_eq!(status, 201, "{sub}");
    assert_eq!(sub["dealer_code"], "D001");
    let secret = sub["secret"]
        .as_str()
        .expect("the secret, shown once")
        .to_owned();
    let (_, listed) = svc.call("GET", "/subscriptions", Some(&d1), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is never listed: {listed}"
    );

    // D001's order: 3 backordered, then reserved from new stock, then shipped.
    let order = svc.place(&d1, &[("A", 3)]).await;
    let id = order_id(&order);
    let first = svc
        .publish(
            "catalog",
            &reserved(id, allocation(1, &[(1, "A", 3, 0, 3, 0, 0)])),
        )
        .await;
    assert!(svc.consumed(&first).await);
    let filled = svc
        .publish(
            "catalog",
            &reserved(id, allocation(2, &[(1, "A", 3, 3, 0, 0, 0)])),
        )
        .await;
    svc.wait("the backorder-filled webhook", || async {
        bodies(&receiver, "order.backorder_filled").len() == 1
    })
    .await;
    let body = &bodies(&receiver, "order.backorder_filled")[0];
    assert_eq!(body["entity_id"], id.to_string());
    assert_eq!(body["dealer_code"], "D001");
    assert_eq!(body["service"], "orders");
    assert_eq!(body["correlation_id"], filled.correlation_id.to_string());
    assert_eq!(body["data"]["lines"][0]["filled"], 3);
    assert!(receiver.received().iter().all(|r| r.verifies(&secret)));

    // The same event again, and another dealer's order shipped: nothing for D001.
    svc.publish_envelope(&filled).await;
    let other = svc.place(&dealer("D002"), &[("A", 1)]).await;
    let other_shipped = svc
        .publish(
            "catalog",
            &shipment(
                order_id(&other),
                1,
                allocation(1, &[(1, "A", 1, 0, 0, 1, 0)]),
            ),
        )
        .await;
    assert!(svc.consumed(&other_shipped).await);

    // The receiver is down while D001's order ships, then answers 503, then is back.
    receiver.down().await;
    let shipped = svc
        .publish(
            "catalog",
            &shipment(id, 3, allocation(3, &[(1, "A", 3, 0, 0, 3, 0)])),
        )
        .await;
    assert!(svc.consumed(&shipped).await);
    svc.wait("a failed attempt", || async {
        svc.count("SELECT count(*) AS n FROM notify_delivery WHERE attempts > 0 AND last_error IS NOT NULL")
            .await
            >= 1
    })
    .await;
    receiver.set_failing(true);
    receiver.up().await;
    svc.wait("an attempt answered 503", || async {
        svc.count("SELECT count(*) AS n FROM notify_delivery WHERE last_error LIKE '%503%'")
            .await
            >= 1
    })
    .await;
    receiver.set_failing(false);
    svc.wait("the shipped webhook", || async {
        !bodies(&receiver, "order.shipped").is_empty()
    })
    .await;
    let body = &bodies(&receiver, "order.shipped")[0];
    assert_eq!(body["entity_id"], id.to_string());
    assert_eq!(body["data"]["qty"], 3);
    assert_eq!(body["data"]["carrier"], "DHL");

    let (ids, repeats) = receiver.ids();
    assert_eq!(
        ids.len(),
        2,
        "one backorder filled and one shipment, D001's only"
    );
    assert_eq!(repeats, 0);
    assert!(receiver.received().iter().all(|r| r.verifies(&secret)));
    // Every webhook id is the notification's, the same the console lists.
    let (_, mine) = svc.call("GET", "/notifications", Some(&d1), None).await;
    let listed: std::collections::BTreeSet<String> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids);
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_subscribes_for_another_dealer_or_to_what_the_role_may_not_have() {
    let svc = setup().await;
    let d1 = dealer("D001");
    let (status, problem) = subscribe(
        &svc,
        &d1,
        json!({"topics": ["order.shipped"], "dealer_code": "D002"}),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("own dealer"),
        "{problem}"
    );
    let (status, _) = subscribe(&svc, &d1, json!({"topics": ["event.dead_lettered"]})).await;
    assert_eq!(status, 403);
    let warehouse = token(Role::Warehouse, None);
    let (status, _) = subscribe(&svc, &warehouse, json!({"topics": ["order.shipped"]})).await;
    assert_eq!(status, 403);
    let (status, problem) = subscribe(&svc, &d1, json!({"topics": ["order.lost"]})).await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("order.shipped"),
        "{problem}"
    );
    for url in ["ftp://x.example/", "not a url", "https://u:p@x.example/"] {
        let (status, problem) =
            subscribe(&svc, &d1, json!({"topics": ["order.shipped"], "url": url})).await;
        assert_eq!(status, 422, "{url}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "url");
    }
    let (status, _) = svc
        .call(
            "POST",
            "/subscriptions",
            None,
            Some(json!({"topics": ["order.shipped"]})),
        )
        .await;
    assert_eq!(status, 401);

    // What a dealer may subscribe to; another user's subscription is not found.
    let (_, topics) = svc
        .call("GET", "/notifications/topics", Some(&d1), None)
        .await;
    let names: Vec<&str> = topics
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["order.backorder_filled", "order.shipped"]);
    let (status, sub) = subscribe(&svc, &d1, json!({"topics": ["order.shipped"]})).await;
    assert_eq!(status, 201);
    assert!(
        sub.get("secret").is_none(),
        "a console subscription has no secret"
    );
    let path = format!("/subscriptions/{}", sub["id"].as_str().unwrap());
    let someone_else = aftersales_testkit::tokens::mint("another-user", Role::Dealer, Some("D001"));
    let (status, _) = svc.call("DELETE", &path, Some(&someone_else), None).await;
    assert_eq!(status, 404);
    let (status, _) = svc
        .call("POST", &format!("{path}/rotate-secret"), Some(&d1), None)
        .await;
    assert_eq!(
        status, 409,
        "a console subscription has no secret to rotate"
    );
    let (status, _) = svc.call("DELETE", &path, Some(&d1), None).await;
    assert_eq!(status, 204);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_letter_is_replayed_and_the_console_counts_what_is_unread() {
    let svc = setup().await;
    let mut receiver = WebhookReceiver::start().await;
    let d1 = dealer("D001");
    let (_, hook) = subscribe(
        &svc,
        &d1,
        json!({"topics": ["order.shipped"], "url": receiver.url()}),
    )
    .await;
    let (_, _console) = subscribe(&svc, &d1, json!({"topics": ["order.backorder_filled"]})).await;
    let hook_id = hook["id"].as_str().unwrap().to_owned();

    receiver.down().await;
    let order = svc.place(&d1, &[("A", 2)]).await;
    let id = order_id(&order);
    let first = svc
        .publish(
            "catalog",
            &reserved(id, allocation(1, &[(1, "A", 2, 0, 2, 0, 0)])),
        )
        .await;
    assert!(svc.consumed(&first).await);
    let refill = svc
        .publish(
            "catalog",
            &reserved(id, allocation(2, &[(1, "A", 2, 2, 0, 0, 0)])),
        )
        .await;
    assert!(svc.consumed(&refill).await);
    let shipped = svc
        .publish(
            "catalog",
            &shipment(id, 2, allocation(3, &[(1, "A", 2, 0, 0, 2, 0)])),
        )
        .await;
    assert!(svc.consumed(&shipped).await);
    // The delivery has failed all but its last attempt, as after a night's outage.
    let mut conn = svc.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE notify_delivery SET attempts = 19 WHERE status = 'pending'"),
        &mut conn,
    )
    .await
    .unwrap();
    let dead_path = format!("/subscriptions/{hook_id}/deliveries?status=dead");
    svc.wait("the dead letter", || async {
        let (_, page) = svc.call("GET", &dead_path, Some(&d1), None).await;
        page["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let (_, page) = svc.call("GET", &dead_path, Some(&d1), None).await;
    let dead = &page["items"][0];
    assert_eq!(dead["attempts"], 20);
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{dead}"
    );

    // Back up; the dead letter stays dead until replayed, then arrives once.
    receiver.up().await;
    let replay = format!("/subscriptions/{hook_id}/deliveries/{}/replay", dead["id"]);
    let (status, _) = svc.call("POST", &replay, Some(&dealer("D002")), None).await;
    assert_eq!(status, 404, "another dealer's user cannot replay it");
    let (status, replayed) = svc.call("POST", &replay, Some(&d1), None).await;
    assert_eq!(status, 202, "{replayed}");
    svc.wait("the replayed delivery", || async {
        receiver.ids().0.len() == 1
    })
    .await;
    assert_eq!(
        receiver.received()[0].id,
        dead["message_id"].as_str().unwrap()
    );

    // The console: both notifications, unread until read.
    let (_, count) = svc
        .call("GET", "/notifications/unread-count", Some(&d1), None)
        .await;
    assert_eq!(count["unread"], 2);
    let (_, unread) = svc
        .call("GET", "/notifications?unread=true", Some(&d1), None)
        .await;
    let items = unread["items"].as_array().unwrap();
    let topics: Vec<&str> = items.iter().map(|n| n["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, ["order.shipped", "order.backorder_filled"]);
    let (status, _) = svc
        .call(
            "POST",
            &format!("/notifications/{}/read", items[0]["id"]),
            Some(&dealer("D002")),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = svc
        .call(
            "POST",
            &format!("/notifications/{}/read", items[0]["id"]),
            Some(&d1),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, count) = svc
        .call("GET", "/notifications/unread-count", Some(&d1), None)
        .await;
    assert_eq!(count["unread"], 1);
    let (status, _) = svc
        .call("POST", "/notifications/read-all", Some(&d1), None)
        .await;
    assert_eq!(status, 204);
    let (_, count) = svc
        .call("GET", "/notifications/unread-count", Some(&d1), None)
        .await;
    assert_eq!(count["unread"], 0);

    // A rotated secret: the next delivery is signed with both.
    let old = hook["secret"].as_str().unwrap().to_owned();
    let (status, rotated) = svc
        .call(
            "POST",
            &format!("/subscriptions/{hook_id}/rotate-secret"),
            Some(&d1),
            None,
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let (status, _) = svc.call("POST", &replay, Some(&d1), None).await;
    assert_eq!(status, 202, "a delivered one may be sent again");
    svc.wait("the second delivery", || async {
        receiver.received().len() == 2
    })
    .await;
    let again = &receiver.received()[1];
    assert!(again.verifies(&new) && again.verifies(&old));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_is_told_when_an_event_is_dead_lettered() {
    let svc = setup().await;
    let receiver = WebhookReceiver::start().await;
    let admin = token(Role::Admin, None);
    let (status, sub) = subscribe(
        &svc,
        &admin,
        json!({"topics": ["event.dead_lettered"], "url": receiver.url()}),
    )
    .await;
    assert_eq!(status, 201, "{sub}");
    // An allocation that does not fit the order's lines can never apply.
    let order = svc.place(&dealer("D001"), &[("A", 3)]).await;
    svc.publish(
        "catalog",
        &reserved(order_id(&order), allocation(1, &[(7, "A", 3, 3, 0, 0, 0)])),
    )
    .await;
    svc.wait("the dead-letter webhook", || async {
        !bodies(&receiver, "event.dead_lettered").is_empty()
    })
    .await;
    let body = &bodies(&receiver, "event.dead_lettered")[0];
    assert_eq!(body["data"]["queue"], "orders.dead");
    assert_eq!(body["data"]["new"], 1);
    assert!(receiver.received()[0].verifies(sub["secret"].as_str().unwrap()));
}
