use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine, StockReleased};
use aftersales_web::Role;

use crate::support::{Svc, WAIT, admin, allocation, dealer, eventually, order_id, reserved, token};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.add_part("A", "10", true).await;
    svc.add_part("B", "20", true).await;
    svc
}

fn shipment(
    order: uuid::Uuid,
    lines: &[(i32, &str, i32)],
    alloc: aftersales_messaging::contracts::Allocation,
) -> ShipmentDispatched {
    ShipmentDispatched {
        shipment_id: uuid::Uuid::new_v4(),
        order_id: order,
        lines: lines
            .iter()
            .map(|&(line_no, p, qty)| ShippedLine {
                line_no,
                part_number: p.parse().unwrap(),
                qty,
            })
            .collect(),
        carrier: "DHL".into(),
        tracking_ref: "T1".into(),
        allocation: alloc,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn status_follows_catalog_allocations_and_late_or_repeated_events_change_nothing() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 3), ("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();

    let v1 = svc
        .publish(
            "catalog",
            &reserved(
                id,
                allocation(1, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 1, 1, 0, 0)]),
            ),
        )
        .await;
    assert!(svc.wait_status(&ids, "partially_reserved").await);

    let v3 = svc
        .publish(
            "catalog",
            &shipment(
                id,
                &[(1, "A", 3), (2, "B", 1)],
                allocation(3, &[(1, "A", 3, 0, 0, 3, 0), (2, "B", 2, 0, 1, 1, 0)]),
            ),
        )
        .await;
    assert!(svc.wait_status(&ids, "partially_shipped").await);

    // v2 arrives late: everything reserved. Ignored.
    let v2 = svc
        .publish(
            "catalog",
            &reserved(
                id,
                allocation(2, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
            ),
        )
        .await;
    assert!(svc.consumed(&v2).await);
    // v3 redelivered: the inbox skips it.
    svc.publish_envelope(&v3).await;
    // and the same allocation version under another event id: no change either.
    let v3_again = svc
        .publish(
            "catalog",
            &reserved(
                id,
                allocation(3, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
            ),
        )
        .await;
    assert!(svc.consumed(&v3_again).await);
    let now = svc.order(&ids).await;
    assert_eq!(now["status"], "partially_shipped");
    assert_eq!(now["allocation_version"], 3);
    assert_eq!(
        (
            now["lines"][1]["shipped"].as_i64(),
            now["lines"][1]["backordered"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(now["lines"][0]["pending"], 0);

    // The backorder is allocated, then shipped.
    svc.publish(
        "catalog",
        &reserved(
            id,
            allocation(4, &[(1, "A", 3, 0, 0, 3, 0), (2, "B", 2, 1, 0, 1, 0)]),
        ),
    )
    .await;
    svc.publish(
        "catalog",
        &shipment(
            id,
            &[(2, "B", 1)],
            allocation(5, &[(1, "A", 3, 0, 0, 3, 0), (2, "B", 2, 0, 0, 2, 0)]),
        ),
    )
    .await;
    assert!(svc.wait_status(&ids, "shipped").await);

    let (_, timeline) = svc
        .call(
            "GET",
            &format!("/orders/{ids}/timeline"),
            Some(&dealer("D001")),
            None,
        )
        .await;
    let statuses: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![
            "submitted",
            "partially_reserved",
            "partially_shipped",
            "shipped"
        ]
    );
    assert_eq!(timeline[1]["event_id"], v1.event_id.to_string());
    assert_eq!(timeline[1]["event_type"], "catalog.stock_reserved");
    assert_eq!(timeline[2]["event_id"], v3.event_id.to_string());
    assert_eq!(timeline[3]["event_type"], "catalog.shipment_dispatched");

    let (status, problem) = svc
        .call(
            "POST",
            &format!("/orders/{ids}/cancel"),
            Some(&dealer("D001")),
            None,
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM order_shipments").await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_requests_then_cancels_once_catalog_released() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();
    svc.publish(
        "catalog",
        &reserved(id, allocation(1, &[(1, "A", 2, 2, 0, 0, 0)])),
    )
    .await;
    assert!(svc.wait_status(&ids, "reserved").await);

    let path = format!("/orders/{ids}/cancel");
    assert_eq!(
        svc.call("POST", &path, Some(&token(Role::Warehouse, None)), None)
            .await
            .0,
        403
    );
    let (status, cancelled) = svc.call("POST", &path, Some(&dealer("D001")), None).await;
    assert_eq!(status, 202, "{cancelled}");
    assert_eq!(cancelled["status"], "cancel_requested");
    assert!(cancelled["cancel_requested_at"].is_string());
    assert_eq!(
        svc.call("POST", &path, Some(&admin()), None).await.0,
        409,
        "already being cancelled"
    );
    assert_eq!(
        svc.count(&format!(
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.order_cancelled' AND envelope->'payload'->>'order_id' = '{ids}'"
        ))
        .await,
        1
    );

    svc.publish(
        "catalog",
        &StockReleased {
            order_id: id,
            allocation: allocation(2, &[(1, "A", 2, 0, 0, 0, 2)]),
        },
    )
    .await;
    assert!(svc.wait_status(&ids, "cancelled").await);
    assert_eq!(
        svc.call("POST", &path, Some(&dealer("D001")), None).await.0,
        409
    );
    let (_, timeline) = svc.timeline(&ids).await;
    let statuses: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["submitted", "reserved", "cancel_requested", "cancelled"]
    );
    assert_eq!(timeline[2]["event_type"], "orders.order_cancelled");
    assert_eq!(timeline[3]["event_type"], "catalog.stock_released");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_cancels_a_submitted_order() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("B", 1)]).await;
    let ids = order["id"].as_str().unwrap().to_owned();
    let (status, body) = svc
        .call(
            "POST",
            &format!("/orders/{ids}/cancel"),
            Some(&admin()),
            None,
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (202, Some("cancel_requested"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_repeated_with_its_key_replays_and_publishes_once() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 2)]).await;
    let ids = order["id"].as_str().unwrap().to_owned();
    let path = format!("/orders/{ids}/cancel");
    let key = [("Idempotency-Key", "cancel-1")];
    let first = svc
        .send("POST", &path, Some(&dealer("D001")), None, &key)
        .await;
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("Idempotent-Replayed").is_none());
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["status"], "cancel_requested");

    let again = svc
        .send("POST", &path, Some(&dealer("D001")), None, &key)
        .await;
    assert_eq!(again.status(), 202, "a replay, not 409 already cancelled");
    assert_eq!(again.headers().get("Idempotent-Replayed").unwrap(), "true");
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first);

    // The same key for another order's cancel is another request.
    let other = svc.place(&dealer("D001"), &[("B", 1)]).await;
    let (status, problem) = svc
        .call_with(
            "POST",
            &format!("/orders/{}/cancel", other["id"].as_str().unwrap()),
            Some(&dealer("D001")),
            None,
            &key,
        )
        .await;
    assert_eq!(status, 422, "{problem}");

    assert_eq!(
        svc.count(&format!(
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.order_cancelled' AND envelope->'payload'->>'order_id' = '{ids}'"
        ))
        .await,
        1
    );
    assert_eq!(
        svc.count(&format!(
            "SELECT count(*) AS n FROM order_timeline WHERE order_id = '{ids}'"
        ))
        .await,
        2,
        "placed, cancel requested: nothing more"
    );
    assert_eq!(svc.order(&ids).await["status"], "cancel_requested");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_status_that_cannot_be_read_is_an_internal_error_not_a_default() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 1)]).await;
    let ids = order["id"].as_str().unwrap().to_owned();
    // The timeline has no CHECK on its statuses: a bad value can be stored there.
    svc.exec(&format!(
        "UPDATE order_timeline SET from_status = 'lost' WHERE order_id = '{ids}'"
    ))
    .await;
    let (status, problem) = svc.timeline(&ids).await;
    assert_eq!(status, 500, "{problem}");
    assert_eq!(svc.order(&ids).await["status"], "submitted");
}

#[tokio::test(flavor = "multi_thread")]
async fn allocations_that_can_never_apply_or_name_unknown_orders_are_dead_lettered_not_lost() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 2)]).await;
    let id = order_id(&order);

    // Unbalanced (invariant 2): rejected at once, the order keeps its state.
    svc.publish(
        "catalog",
        &reserved(id, allocation(1, &[(1, "A", 2, 2, 1, 0, 0)])),
    )
    .await;
    // Unknown order: retried until the delivery limit, then parked in orders.dead.
    svc.publish(
        "catalog",
        &reserved(
            uuid::Uuid::new_v4(),
            allocation(1, &[(1, "A", 2, 2, 0, 0, 0)]),
        ),
    )
    .await;
    let parked = eventually(WAIT * 3, || async {
        svc.vhost.queue_messages("orders.dead").await == Some(2)
    })
    .await;
    assert!(parked, "both events should rest in orders.dead");
    let now = svc.order(&id.to_string()).await;
    assert_eq!(now["status"], "submitted");
    assert_eq!(now["allocation_version"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dealer_sees_each_shipment_with_carrier_tracking_and_lines_on_the_order_and_timeline() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 3), ("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();
    assert_eq!(order["shipments"], serde_json::json!([]));

    let mut first = shipment(
        id,
        &[(1, "A", 3), (2, "B", 1)],
        allocation(1, &[(1, "A", 3, 0, 0, 3, 0), (2, "B", 2, 1, 0, 1, 0)]),
    );
    first.carrier = "SF Express".into();
    first.tracking_ref = "SF1234567890".into();
    let first_event = svc.publish("catalog", &first).await;
    assert!(svc.wait_status(&ids, "partially_shipped").await);
    let mut second = shipment(
        id,
        &[(2, "B", 1)],
        allocation(2, &[(1, "A", 3, 0, 0, 3, 0), (2, "B", 2, 0, 0, 2, 0)]),
    );
    second.tracking_ref = "JD0002".into();
    svc.publish("catalog", &second).await;
    assert!(svc.wait_status(&ids, "shipped").await);
    // The first shipment again under another event id: recorded once.
    let again = svc.publish("catalog", &first).await;
    assert!(svc.consumed(&again).await);

    let now = svc.order(&ids).await;
    let shipments = now["shipments"].as_array().unwrap();
    assert_eq!(shipments.len(), 2, "{now}");
    assert_eq!(shipments[0]["shipment_id"], first.shipment_id.to_string());
    assert_eq!(
        (
            &shipments[0]["carrier"],
            &shipments[0]["tracking_ref"],
            &shipments[0]["qty"]
        ),
        (&"SF Express".into(), &"SF1234567890".into(), &4.into())
    );
    assert_eq!(
        shipments[0]["lines"],
        serde_json::json!([
            {"line_no": 1, "part_number": "A", "qty": 3},
            {"line_no": 2, "part_number": "B", "qty": 1},
        ])
    );
    assert!(shipments[0]["dispatched_at"].is_string());
    assert_eq!(shipments[1]["tracking_ref"], "JD0002");
    assert_eq!(
        shipments[1]["lines"],
        serde_json::json!([{"line_no": 2, "part_number": "B", "qty": 1}])
    );
    // The list shows them too.
    let (_, list) = svc
        .call("GET", "/orders", Some(&dealer("D001")), None)
        .await;
    assert_eq!(list["items"][0]["shipments"], now["shipments"], "{list}");

    let (status, timeline) = svc
        .call(
            "GET",
            &format!("/orders/{ids}/timeline"),
            Some(&dealer("D001")),
            None,
        )
        .await;
    assert_eq!(status, 200, "{timeline}");
    let entries = timeline.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{timeline}");
    assert!(entries[0]["shipment"].is_null());
    assert_eq!(entries[1]["event_id"], first_event.event_id.to_string());
    assert_eq!(entries[1]["shipment"], shipments[0]);
    assert_eq!(entries[2]["shipment"], shipments[1]);

    // Another dealer sees neither.
    svc.create_dealer("D002", "standard", "EUR").await;
    for path in [format!("/orders/{ids}"), format!("/orders/{ids}/timeline")] {
        let (status, _) = svc.call("GET", &path, Some(&dealer("D002")), None).await;
        assert_eq!(status, 404, "{path}");
    }
}
