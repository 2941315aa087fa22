//! The audit trail of orders (`GET /audit`): every request and every catalog event that
//! changes something writes one record in the change's transaction, naming who did it;
//! a replay, a refused request and a late or repeated event write none; a dealer reads
//! the records of its own orders and dealer record only.

use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine};
use aftersales_web::Role;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, admin, allocation, dealer, order_id, part, reserved, token};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "standard", "EUR").await;
    svc.add_part("A", "10", true).await;
    svc.add_part("B", "20", true).await;
    svc
}

/// The records `token` may read, newest first, filtered by `query` (`entity_type=order&…`).
async fn audit(svc: &Svc, token: &str, query: &str) -> Vec<Value> {
    let (status, page) = svc
        .call(
            "GET",
            &format!("/audit?limit=200&{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().expect("items").clone()
}

/// Every record, as an admin reads them.
async fn all_records(svc: &Svc) -> Vec<Value> {
    audit(svc, &admin(), "").await
}

/// The records of one order, newest first.
async fn of_order(svc: &Svc, id: Uuid) -> Vec<Value> {
    audit(svc, &admin(), &format!("entity_type=order&entity_id={id}")).await
}

/// The price book records of `part`, newest first.
async fn book_records(svc: &Svc, part: &str) -> Vec<Value> {
    audit(
        svc,
        &admin(),
        &format!("entity_type=price_book&entity_id={part}"),
    )
    .await
}

fn actions(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["action"].as_str().expect("action"))
        .collect()
}

fn change(record: &Value, field: &str) -> (Value, Value) {
    let c = &record["changes"][field];
    assert!(c.is_object(), "no change of {field} in {record}");
    (c["before"].clone(), c["after"].clone())
}

fn shipment(order: Uuid, alloc: aftersales_messaging::contracts::Allocation) -> ShipmentDispatched {
    ShipmentDispatched {
        shipment_id: Uuid::new_v4(),
        order_id: order,
        lines: vec![ShippedLine {
            line_no: 1,
            part_number: "A".parse().unwrap(),
            qty: 2,
        }],
        carrier: "DHL".into(),
        tracking_ref: "T-42".into(),
        allocation: alloc,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn placing_an_order_records_the_dealer_user_and_the_lines() {
    let svc = setup().await;
    let correlation = Uuid::new_v4().to_string();
    let (status, order) = svc
        .call_with(
            "POST",
            "/orders",
            Some(&dealer("D001")),
            Some(json!({"priority": "stock", "lines": [
                {"part_number": "A", "qty": 3}, {"part_number": "B", "qty": 1}
            ]})),
            &[("X-Correlation-Id", &correlation)],
        )
        .await;
    assert_eq!(status, 201, "{order}");
    let id = order_id(&order);

    let records = of_order(&svc, id).await;
    assert_eq!(actions(&records), ["order.placed"]);
    let r = &records[0];
    assert_eq!(r["actor_kind"], "user");
    assert_eq!(r["actor"], "user-D001");
    assert_eq!(r["actor_role"], "dealer");
    assert_eq!(r["actor_dealer"], "D001");
    assert_eq!(r["event_id"], Value::Null);
    assert_eq!(r["entity_type"], "order");
    assert_eq!(r["entity_dealer"], "D001");
    assert_eq!(r["correlation_id"], correlation.as_str());
    assert_eq!(r["reason"], Value::Null);
    assert_eq!(change(r, "number"), (Value::Null, order["number"].clone()));
    assert_eq!(change(r, "status"), (Value::Null, json!("submitted")));
    assert_eq!(change(r, "total").1, order["total"]);
    let (before, lines) = change(r, "lines");
    assert_eq!(before, Value::Null);
    assert_eq!(
        lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (
                l["line_no"].clone(),
                l["part_number"].clone(),
                l["qty"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (json!(1), json!("A"), json!(3)),
            (json!(2), json!("B"), json!(1))
        ]
    );
    // Gold's 10 % off the list price of A.
    assert_eq!(
        lines[0]["unit_net_price"],
        order["lines"][0]["unit_net_price"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancellation_records_the_status_change_and_its_reason() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 2)]).await;
    let id = order_id(&order);
    let path = format!("/orders/{id}/cancel");

    let too_long = json!({"reason": "x".repeat(501)});
    let (status, problem) = svc
        .call("POST", &path, Some(&dealer("D001")), Some(too_long))
        .await;
    assert_eq!(status, 422, "{problem}");
    let (status, problem) = svc
        .call(
            "POST",
            &path,
            Some(&dealer("D001")),
            Some(json!({"why": "?"})),
        )
        .await;
    assert_eq!(status, 422, "{problem}");

    let reason = json!({"reason": "  ordered the wrong part "});
    let (status, cancelled) = svc
        .call("POST", &path, Some(&dealer("D001")), Some(reason))
        .await;
    assert_eq!(status, 202, "{cancelled}");
    let records = of_order(&svc, id).await;
    assert_eq!(actions(&records), ["order.cancelled", "order.placed"]);
    let r = &records[0];
    assert_eq!(r["reason"], "ordered the wrong part");
    assert_eq!(
        (r["actor"].as_str(), r["actor_role"].as_str()),
        (Some("user-D001"), Some("dealer"))
    );
    assert_eq!(r["entity_dealer"], "D001");
    assert_eq!(
        change(r, "status"),
        (json!("submitted"), json!("cancel_requested"))
    );
    assert_eq!(
        change(r, "cancel_requested_at"),
        (Value::Null, cancelled["cancel_requested_at"].clone())
    );

    // A null body, like none at all: no reason. An admin cancelling names the admin.
    let other = order_id(&svc.place(&dealer("D001"), &[("B", 1)]).await);
    let (status, _) = svc
        .call(
            "POST",
            &format!("/orders/{other}/cancel"),
            Some(&admin()),
            Some(Value::Null),
        )
        .await;
    assert_eq!(status, 202);
    let records = of_order(&svc, other).await;
    assert_eq!(actions(&records), ["order.cancelled", "order.placed"]);
    assert_eq!(records[0]["reason"], Value::Null);
    assert_eq!(records[0]["actor_role"], "admin");
    assert_eq!(records[0]["actor_dealer"], Value::Null);
    assert_eq!(records[0]["entity_dealer"], "D001");
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogs_allocations_are_recorded_as_its_events_once_each() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 3), ("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();

    let v1 = svc
        .publish(
            "catalog",
            &reserved(
                id,
                allocation(1, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 0, 2, 0, 0)]),
            ),
        )
        .await;
    assert!(svc.wait_status(&ids, "partially_reserved").await);
    let records = of_order(&svc, id).await;
    assert_eq!(actions(&records), ["order.allocated", "order.placed"]);
    let r = &records[0];
    assert_eq!(r["actor_kind"], "event");
    assert_eq!(r["actor"], "catalog");
    assert_eq!(r["actor_role"], Value::Null);
    assert_eq!(r["event_id"], v1.event_id.to_string());
    assert_eq!(r["correlation_id"], v1.correlation_id.to_string());
    assert_eq!(r["entity_dealer"], "D001");
    assert_eq!(
        change(r, "status"),
        (json!("submitted"), json!("partially_reserved"))
    );
    assert_eq!(change(r, "allocation_version"), (json!(0), json!(1)));
    let unallocated = json!({"reserved": 0, "backordered": 0, "shipped": 0, "released": 0});
    assert_eq!(
        change(r, "line_1"),
        (
            unallocated.clone(),
            json!({"reserved": 3, "backordered": 0, "shipped": 0, "released": 0})
        )
    );
    assert_eq!(
        change(r, "line_2"),
        (
            unallocated,
            json!({"reserved": 0, "backordered": 2, "shipped": 0, "released": 0})
        )
    );

    // The same event again (a redelivery the inbox skips), and another event at a
    // version the order already holds: neither writes a record.
    let skipped = svc.duplicates_skipped().await;
    svc.publish_envelope(&v1).await;
    svc.wait("the repeated event to be skipped", || async {
        svc.duplicates_skipped().await > skipped
    })
    .await;
    let stale = svc
        .publish(
            "catalog",
            &reserved(
                id,
                allocation(1, &[(1, "A", 3, 1, 2, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
            ),
        )
        .await;
    assert!(svc.consumed(&stale).await);
    assert_eq!(of_order(&svc, id).await.len(), 2);

    // A shipment: the lines that changed and the shipment, nothing of the others.
    let shipped = svc
        .publish(
            "catalog",
            &shipment(
                id,
                allocation(2, &[(1, "A", 3, 1, 0, 2, 0), (2, "B", 2, 0, 2, 0, 0)]),
            ),
        )
        .await;
    assert!(svc.consumed(&shipped).await);
    let records = of_order(&svc, id).await;
    assert_eq!(
        actions(&records),
        ["order.shipped", "order.allocated", "order.placed"]
    );
    let r = &records[0];
    assert_eq!(r["event_id"], shipped.event_id.to_string());
    assert_eq!(
        change(r, "status"),
        (json!("partially_reserved"), json!("partially_shipped"))
    );
    assert_eq!(
        change(r, "line_1").1,
        json!({"reserved": 1, "backordered": 0, "shipped": 2, "released": 0})
    );
    assert!(r["changes"].get("line_2").is_none(), "{r}");
    let (before, after) = change(r, "shipment");
    assert_eq!(before, Value::Null);
    assert_eq!(
        (
            after["qty"].clone(),
            after["carrier"].clone(),
            after["tracking_ref"].clone()
        ),
        (json!(2), json!("DHL"), json!("T-42"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_or_refused_request_records_nothing() {
    let svc = setup().await;
    let body = json!({"priority": "stock", "lines": [{"part_number": "A", "qty": 1}]});
    let key = [("Idempotency-Key", "order-1")];
    let (status, first) = svc
        .call_with(
            "POST",
            "/orders",
            Some(&dealer("D001")),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(status, 201, "{first}");
    let id = order_id(&first);
    let before = all_records(&svc).await.len();

    // A replay of the order, and of a cancellation.
    let (status, again) = svc
        .call_with("POST", "/orders", Some(&dealer("D001")), Some(body), &key)
        .await;
    assert_eq!((status, order_id(&again)), (201, id));
    let cancel = format!("/orders/{id}/cancel");
    let cancel_key = [("Idempotency-Key", "cancel-1")];
    for _ in 0..2 {
        let (status, _) = svc
            .call_with("POST", &cancel, Some(&dealer("D001")), None, &cancel_key)
            .await;
        assert_eq!(status, 202);
    }
    assert_eq!(all_records(&svc).await.len(), before + 1);
    let before = before + 1;

    // Refused: by the rules (422), by the state (409), by the role (403), by a stale
    // If-Match (412), by a taken code (409), by a discount in the past (422).
    let refused = [
        (
            "POST",
            "/orders".to_owned(),
            dealer("D001"),
            Some(json!({"priority": "stock", "lines": [{"part_number": "NOPE", "qty": 1}]})),
            422,
        ),
        ("POST", cancel.clone(), dealer("D001"), None, 409),
        (
            "POST",
            "/orders".to_owned(),
            token(Role::Warehouse, None),
            Some(
                json!({"priority": "stock", "dealer_code": "D001", "lines": [{"part_number": "A", "qty": 1}]}),
            ),
            403,
        ),
        (
            "POST",
            "/dealers".to_owned(),
            admin(),
            Some(
                json!({"code": "D001", "name": "again", "tier": "gold", "labor_rate": "1",
                        "currency": "EUR", "home_warehouse": "WH-HOME"}),
            ),
            409,
        ),
        (
            "POST",
            "/tiers/gold/discounts".to_owned(),
            admin(),
            Some(json!({"discount_pct": "12", "effective_from": "2020-01-01T00:00:00Z"})),
            422,
        ),
    ];
    for (method, path, token, body, expect) in refused {
        let (status, problem) = svc.call(method, &path, Some(&token), body).await;
        assert_eq!(status, expect, "{method} {path}: {problem}");
    }
    let (status, problem) = svc
        .call_with(
            "PUT",
            "/dealers/D001",
            Some(&admin()),
            Some(
                json!({"name": "Dealer D001", "tier": "silver", "labor_rate": "85.50",
                        "currency": "EUR", "home_warehouse": "WH-HOME", "active": true}),
            ),
            &[("If-Match", "\"v7\"")],
        )
        .await;
    assert_eq!(status, 412, "{problem}");
    assert_eq!(all_records(&svc).await.len(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn dealers_tiers_and_the_price_book_are_recorded() {
    let svc = setup().await;
    let records = audit(&svc, &admin(), "entity_type=dealer&entity_id=D001").await;
    assert_eq!(actions(&records), ["dealer.created"]);
    let created = &records[0];
    assert_eq!(
        (created["actor"].as_str(), created["actor_role"].as_str()),
        (Some("tester"), Some("admin"))
    );
    assert_eq!(created["entity_dealer"], "D001");
    assert_eq!(change(created, "tier"), (Value::Null, json!("gold")));

    let (status, updated) = svc
        .call_with(
            "PUT",
            "/dealers/D001",
            Some(&admin()),
            Some(
                json!({"name": "Dealer D001", "tier": "silver", "labor_rate": "85.50",
                        "currency": "EUR", "home_warehouse": "WH-HOME", "active": true}),
            ),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    let records = audit(&svc, &admin(), "entity_type=dealer&entity_id=D001").await;
    assert_eq!(actions(&records), ["dealer.updated", "dealer.created"]);
    let changes = records[0]["changes"].as_object().unwrap();
    let mut fields: Vec<&str> = changes.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["tier", "version"], "{changes:?}");
    assert_eq!(
        change(&records[0], "tier"),
        (json!("gold"), json!("silver"))
    );
    assert_eq!(change(&records[0], "version"), (json!(1), json!(2)));

    let (status, scheduled) = svc
        .call(
            "POST",
            "/tiers/gold/discounts",
            Some(&admin()),
            Some(json!({"discount_pct": "12.50"})),
        )
        .await;
    assert_eq!(status, 201, "{scheduled}");
    let records = audit(&svc, &admin(), "entity_type=tier_discount&entity_id=gold").await;
    assert_eq!(actions(&records), ["tier_discount.scheduled"]);
    assert_eq!(
        change(&records[0], "discount_pct"),
        (Value::Null, json!("12.5"))
    );
    assert_eq!(
        change(&records[0], "effective_from").1,
        scheduled["effective_from"]
    );
    assert_eq!(records[0]["entity_dealer"], Value::Null);

    // The price book: a new part, the same part again (nothing the book keeps
    // changed: no record), a new price.
    let records = book_records(&svc, "A").await;
    assert_eq!(actions(&records), ["price_book.updated"]);
    assert_eq!(records[0]["actor_kind"], "event");
    assert_eq!(records[0]["actor"], "catalog");
    assert_eq!(
        change(&records[0], "list_price"),
        (Value::Null, json!("10.0000"))
    );
    svc.add_part("A", "10.00", true).await;
    assert_eq!(book_records(&svc, "A").await.len(), 1);
    let repriced = svc.publish("catalog", &part("A", "10.50", true)).await;
    assert!(svc.consumed(&repriced).await);
    let records = book_records(&svc, "A").await;
    assert_eq!(
        actions(&records),
        ["price_book.updated", "price_book.updated"]
    );
    assert_eq!(records[0]["event_id"], repriced.event_id.to_string());
    let changes = records[0]["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        change(&records[0], "list_price"),
        (json!("10.0000"), json!("10.5000"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealer_reads_its_own_records_and_a_warehouse_none() {
    let svc = setup().await;
    let mine = order_id(&svc.place(&dealer("D001"), &[("A", 1)]).await);
    let theirs = order_id(&svc.place(&dealer("D002"), &[("A", 1)]).await);

    let records = audit(&svc, &dealer("D001"), "").await;
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| r["entity_dealer"] == "D001"),
        "{records:?}"
    );
    let ids: Vec<&str> = records
        .iter()
        .filter_map(|r| r["entity_id"].as_str())
        .collect();
    assert!(ids.contains(&mine.to_string().as_str()), "{ids:?}");
    assert!(ids.contains(&"D001"), "its dealer record: {ids:?}");
    assert!(!ids.contains(&theirs.to_string().as_str()), "{ids:?}");
    // Asking for the other's order by id finds nothing either.
    let filter = format!("entity_type=order&entity_id={theirs}");
    assert!(audit(&svc, &dealer("D001"), &filter).await.is_empty());
    assert_eq!(audit(&svc, &dealer("D002"), &filter).await.len(), 1);

    let (status, problem) = svc
        .call("GET", "/audit", Some(&token(Role::Warehouse, None)), None)
        .await;
    assert_eq!(status, 403, "{problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_placed_together_get_one_record_each_with_their_dealer() {
    let svc = setup().await;
    let placed = join_all((0..32).map(|i| {
        let svc = &svc;
        async move {
            let code = if i % 2 == 0 { "D001" } else { "D002" };
            let body = json!({"priority": "stock", "lines": [{"part_number": "A", "qty": i + 1}]});
            let (status, order) = svc
                .call("POST", "/orders", Some(&dealer(code)), Some(body))
                .await;
            assert_eq!(status, 201, "{order}");
            (order_id(&order), code)
        }
    }))
    .await;

    let records = audit(&svc, &admin(), "entity_type=order").await;
    assert_eq!(records.len(), placed.len());
    for (id, code) in placed {
        let mine: Vec<&Value> = records
            .iter()
            .filter(|r| r["entity_id"] == id.to_string())
            .collect();
        assert_eq!(mine.len(), 1, "{id}: {mine:?}");
        let r = mine[0];
        assert_eq!(r["action"], "order.placed");
        assert_eq!(r["entity_dealer"], code);
        assert_eq!(r["actor_dealer"], code);
        assert_eq!(r["actor"], format!("user-{code}"));
    }
}
