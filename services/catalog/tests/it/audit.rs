//! The audit trail of catalog, read through `GET /api/v1/audit`: who changed a stock
//! level and why, a purchase order's steps and who took each, reservations made by a
//! consumed event (its producer, its id, the order's dealer), the price-day job;
//! exactly one record per change (none for a replay, a refusal or a redelivery); who
//! may read what; CSV.

use aftersales_messaging::contracts::inspection::{Disposition, PartDisposed, PartReceived};
use aftersales_testkit::tokens;
use aftersales_web::Role;
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, envelope, order};

impl Svc {
    /// The records `query` selects, newest first, as an admin reads them.
    async fn audit(&self, query: &str) -> Vec<Value> {
        let (s, b) = self.get(Role::Admin, &format!("/audit?{query}")).await;
        assert_eq!(s, 200, "{b}");
        b["items"].as_array().cloned().unwrap_or_default()
    }

    /// The records of one entity, newest first.
    async fn audit_of(&self, entity_type: &str, id: &str) -> Vec<Value> {
        self.audit(&format!(
            "entity_type={entity_type}&entity_id={id}&limit=200"
        ))
        .await
    }

    async fn audit_count(&self) -> i64 {
        self.count("SELECT count(*) AS n FROM audit_log").await
    }
}

/// The `(action, actor)` of each record, newest first.
fn steps(records: &[Value]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or_default().to_owned(),
                r["actor"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn change(record: &Value, field: &str) -> (Value, Value) {
    let c = &record["changes"][field];
    (c["before"].clone(), c["after"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adjustment_names_its_user_role_change_reason_and_correlation() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 10).await;

    let correlation = Uuid::new_v4().to_string();
    let token = tokens::mint("wh-anna", Role::Warehouse, None);
    let body =
        json!({"warehouse": "CENTRAL", "part_number": "A", "delta": -3, "reason": "damaged"});
    let (s, b) = svc
        .call_with(
            "POST",
            "/adjustments",
            Some(&token),
            Some(body),
            &[("X-Correlation-Id", &correlation)],
        )
        .await;
    assert_eq!(s, 201, "{b}");

    let records = svc.audit_of("stock_level", "CENTRAL/A").await;
    assert_eq!(
        steps(&records),
        [
            ("stock.adjusted".to_owned(), "wh-anna".to_owned()),
            ("stock.received".to_owned(), "tester".to_owned()),
        ]
    );
    let r = &records[0];
    assert_eq!(r["actor_kind"], "user");
    assert_eq!(r["actor_role"], "warehouse");
    assert_eq!(r["actor_dealer"], Value::Null);
    assert_eq!(r["entity_dealer"], Value::Null);
    assert_eq!(change(r, "on_hand"), (json!(10), json!(7)));
    assert_eq!(
        r["changes"].as_object().map(|c| c.len()),
        Some(1),
        "only what changed: {r}"
    );
    assert_eq!(r["reason"], "damaged");
    assert_eq!(r["correlation_id"], correlation.as_str());
    assert_eq!(change(&records[1], "on_hand"), (json!(0), json!(10)));
    assert_eq!(records[1]["reason"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_purchase_order_shows_who_drafted_sent_and_received_it() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (anna, ben, cleo) = (
        tokens::mint("wh-anna", Role::Warehouse, None),
        tokens::mint("wh-ben", Role::Warehouse, None),
        tokens::mint("wh-cleo", Role::Warehouse, None),
    );
    let expected = (Utc::now() + Duration::days(5)).date_naive();
    let draft = json!({"supplier": "SUP1", "warehouse": "CENTRAL", "currency": "EUR",
        "lines": [{"part_number": "A", "qty": 5, "unit_price": "7.50", "expected_date": expected}]});
    let (s, b) = svc
        .call("POST", "/purchase-orders", Some(&anna), Some(draft))
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    let (s, b) = svc
        .call(
            "POST",
            &format!("/purchase-orders/{id}/send"),
            Some(&ben),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let receipt = json!({"lines": [{"line_no": 1, "qty": 6,
        "over_receipt_reason": "the supplier sent a spare"}], "delivery_note": "DN-7"});
    let (s, b) = svc
        .call(
            "POST",
            &format!("/purchase-orders/{id}/receipts"),
            Some(&cleo),
            Some(receipt),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    let records = svc.audit_of("purchase_order", &id).await;
    assert_eq!(
        steps(&records),
        [
            ("purchase_order.received".to_owned(), "wh-cleo".to_owned()),
            ("purchase_order.sent".to_owned(), "wh-ben".to_owned()),
            ("purchase_order.drafted".to_owned(), "wh-anna".to_owned()),
        ]
    );
    let (received, sent, drafted) = (&records[0], &records[1], &records[2]);
    assert_eq!(
        change(received, "status"),
        (json!("sent"), json!("received"))
    );
    assert_eq!(change(received, "line 1.received"), (json!(0), json!(6)));
    assert_eq!(received["reason"], "line 1: the supplier sent a spare");
    assert_eq!(change(sent, "status"), (json!("draft"), json!("sent")));
    assert_eq!(sent["reason"], Value::Null);
    let (before, after) = change(drafted, "lines");
    assert_eq!(before, Value::Null);
    assert_eq!(after[0]["part_number"], "A");
    assert_eq!(after[0]["qty"], 5);
    assert_eq!(change(drafted, "status"), (Value::Null, json!("draft")));
    // The units entering stock are the same request's, by the same user.
    let level = svc.audit_of("stock_level", "CENTRAL/A").await;
    assert_eq!(
        steps(&level),
        [("stock.received".to_owned(), "wh-cleo".to_owned())]
    );
    assert_eq!(level[0]["correlation_id"], received["correlation_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumed_placement_names_its_event_and_belongs_to_the_dealer() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 2).await;
    let id = Uuid::new_v4();
    let placed = envelope(&order(id, &[(1, "A", 5)], false, 0));
    let before = svc.audit_count().await;
    // The same delivery twice, then the same order in an envelope of its own: the
    // inbox skips the first repeat, the placement of a known order the second.
    svc.publish_envelope(&placed).await;
    svc.publish_envelope(&placed).await;
    assert!(svc.consumed(&placed).await);
    let mut again = placed.clone();
    again.event_id = Uuid::now_v7();
    svc.publish_envelope(&again).await;
    assert!(svc.consumed(&again).await);

    let records = svc.audit_of("reservation", &id.to_string()).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    assert_eq!(r["action"], "reservation.made");
    assert_eq!(r["actor_kind"], "event");
    assert_eq!(r["actor"], "orders");
    assert_eq!(r["actor_role"], Value::Null);
    assert_eq!(r["event_id"], placed.event_id.to_string());
    assert_eq!(r["correlation_id"], placed.correlation_id.to_string());
    assert_eq!(r["entity_dealer"], "D001");
    let (_, lines) = change(r, "lines");
    assert_eq!(
        (
            lines[0]["reserved"].as_i64(),
            lines[0]["backordered"].as_i64()
        ),
        (Some(2), Some(3))
    );
    let level = svc.audit_of("stock_level", "CENTRAL/A").await;
    assert_eq!(level[0]["action"], "stock.reserved");
    assert_eq!(level[0]["event_id"], placed.event_id.to_string());
    assert_eq!(change(&level[0], "reserved"), (json!(0), json!(2)));
    assert_eq!(
        svc.audit_count().await - before,
        2,
        "one record for the reservation, one for the level"
    );

    // Stock arriving fills the backorder: the dealer's reservation changes in the
    // receiving user's request.
    svc.receive("CENTRAL", "A", 3).await;
    let records = svc.audit_of("reservation", &id.to_string()).await;
    assert_eq!(records[0]["action"], "reservation.filled");
    assert_eq!(records[0]["actor"], "tester");
    assert_eq!(records[0]["actor_role"], "warehouse");
    assert_eq!(records[0]["entity_dealer"], "D001");
    assert_eq!(change(&records[0], "line 1.reserved"), (json!(2), json!(5)));
    assert_eq!(
        change(&records[0], "line 1.backordered"),
        (json!(3), json!(0))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancellation_releases_with_the_order_s_dealer() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 5).await;
    let id = Uuid::new_v4();
    let placed = envelope(&order(id, &[(1, "A", 3)], false, 0));
    svc.publish_envelope(&placed).await;
    assert!(svc.consumed(&placed).await);
    let cancelled =
        envelope(&aftersales_messaging::contracts::orders::OrderCancelled { order_id: id });
    svc.publish_envelope(&cancelled).await;
    assert!(svc.consumed(&cancelled).await);

    let records = svc.audit_of("reservation", &id.to_string()).await;
    let r = &records[0];
    assert_eq!(r["action"], "reservation.released");
    assert_eq!(r["event_id"], cancelled.event_id.to_string());
    assert_eq!(r["entity_dealer"], "D001");
    assert_eq!(change(r, "cancelled"), (json!(false), json!(true)));
    assert_eq!(change(r, "line 1.reserved"), (json!(3), json!(0)));
    assert_eq!(change(r, "line 1.released"), (json!(0), json!(3)));
    let level = svc.audit_of("stock_level", "CENTRAL/A").await;
    assert_eq!(level[0]["action"], "stock.released");
    assert_eq!(change(&level[0], "reserved"), (json!(3), json!(0)));
}

#[tokio::test(flavor = "multi_thread")]
async fn returned_parts_name_their_claim_and_disposition() {
    let svc = Svc::start().await;
    svc.seed().await;
    let claim = Uuid::new_v4();
    let received = envelope(&PartReceived {
        claim_id: claim,
        part_number: "A".parse().unwrap(),
        quantity: 1,
        warehouse: "CENTRAL".parse().unwrap(),
    });
    svc.publish_envelope(&received).await;
    assert!(svc.consumed(&received).await);
    let disposed = envelope(&PartDisposed {
        claim_id: claim,
        part_number: "A".parse().unwrap(),
        quantity: 1,
        warehouse: "CENTRAL".parse().unwrap(),
        disposition: Disposition::Scrap,
    });
    svc.publish_envelope(&disposed).await;
    assert!(svc.consumed(&disposed).await);

    let records = svc.audit_of("stock_level", "CENTRAL/A").await;
    assert_eq!(
        steps(&records),
        [
            ("stock.disposed".to_owned(), "inspection".to_owned()),
            ("stock.quarantined".to_owned(), "inspection".to_owned()),
        ]
    );
    assert_eq!(records[0]["reason"], format!("claim {claim}: scrap"));
    assert_eq!(change(&records[0], "quarantined"), (json!(1), json!(0)));
    assert_eq!(records[1]["reason"], format!("claim {claim}"));
    assert_eq!(records[1]["event_id"], received.event_id.to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_price_day_job_records_the_price_taking_effect() {
    let svc = Svc::start().await;
    svc.seed().await;
    let from = Utc::now() + Duration::days(1);
    let (s, b) = svc
        .post(
            Role::Admin,
            "/parts/A/prices",
            json!({"price": "12.00", "effective_from": from}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let mut c = svc.pool.get().await.unwrap();
    c.transaction(async |c| {
        let cause = catalog::app::Cause::Job {
            name: catalog::app::parts::PRICE_DAY_JOB,
            correlation: Uuid::new_v4(),
        };
        catalog::app::parts::publish_due_prices(c, from + Duration::hours(1), cause).await
    })
    .await
    .unwrap();

    let records = svc.audit_of("part_price", "A").await;
    assert_eq!(
        steps(&records),
        [
            ("price.took_effect".to_owned(), "price-day".to_owned()),
            ("price.scheduled".to_owned(), "tester".to_owned()),
        ]
    );
    assert_eq!(records[0]["actor_kind"], "job");
    assert_eq!(
        change(&records[0], "list_price"),
        (json!("10.0000"), json!("12.0000"))
    );
    assert_eq!(
        change(&records[1], "list_price"),
        (json!("10.0000"), json!("12.0000"))
    );
    // Every part record, the part's own and its price's, under its number.
    let all = svc.audit("entity_id=A").await;
    assert_eq!(
        all.iter().map(|r| r["action"].clone()).collect::<Vec<_>>(),
        ["price.took_effect", "price.scheduled", "part.created"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_or_refused_request_adds_no_record() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 10).await;
    let body = json!({"warehouse": "CENTRAL", "part_number": "A", "delta": 2, "reason": "found"});
    let key = [("Idempotency-Key", "adjust-once")];
    let before = svc.audit_count().await;
    for _ in 0..2 {
        let (s, b, _) = svc
            .call_as(
                Role::Warehouse,
                Method::POST,
                "/adjustments",
                Some(body.clone()),
                &key,
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    assert_eq!(svc.audit_count().await - before, 1, "the replay wrote none");

    // Refused inside its transaction (more than is on hand), and before it.
    let too_many =
        json!({"warehouse": "CENTRAL", "part_number": "A", "delta": -100, "reason": "lost"});
    let (s, b) = svc.post(Role::Warehouse, "/adjustments", too_many).await;
    assert_eq!(s, 409, "{b}");
    let (s, b) = svc
        .post(Role::Admin, "/parts", json!({"part_number": "A"}))
        .await;
    assert!(s.is_client_error(), "{s} {b}");
    let (s, b) = svc
        .post(Role::Admin, "/parts", crate::support::part("A"))
        .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(svc.audit_count().await - before, 1, "refusals wrote none");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealer_reads_its_own_records_and_warehouse_staff_none() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 10).await;
    let (mine, theirs) = (Uuid::new_v4(), Uuid::new_v4());
    let first = envelope(&order(mine, &[(1, "A", 1)], false, 0));
    let mut o = order(theirs, &[(1, "A", 1)], false, 0);
    o.dealer_code = "D002".parse().unwrap();
    let second = envelope(&o);
    for e in [&first, &second] {
        svc.publish_envelope(e).await;
        assert!(svc.consumed(e).await);
    }

    for (dealer, order_id) in [("D001", mine), ("D002", theirs)] {
        let (s, b) = svc
            .call("GET", "/audit", Some(&tokens::dealer(dealer)), None)
            .await;
        assert_eq!(s, 200, "{b}");
        let items = b["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{dealer}: {items:?}");
        assert_eq!(items[0]["entity_id"], order_id.to_string());
        assert_eq!(items[0]["entity_dealer"], dealer);
    }
    let (s, _) = svc.get(Role::Warehouse, "/audit").await;
    assert_eq!(s, 403, "warehouse staff do not read the audit trail");
    let (s, b) = svc.get(Role::Admin, "/audit").await;
    assert_eq!(s, 200);
    assert!(
        b["items"].as_array().unwrap().len() > 2,
        "an admin reads every record"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trail_exports_as_csv() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, content_type, body) = svc
        .get_text(
            Role::Admin,
            "/audit?format=csv&entity_type=supplier",
            "text/csv",
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let mut lines = body.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("id,at,actor_kind,actor,actor_role")),
        "{body}"
    );
    let row = lines.next().unwrap_or_default();
    assert!(
        row.contains("supplier.created") && row.contains(",SUP1,") && row.contains("admin"),
        "{row}"
    );
    assert_eq!(lines.next(), None, "one supplier, one record");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_state_changing_route_writes_its_record() {
    let svc = Svc::start().await;
    svc.seed().await;
    let ok = |s: reqwest::StatusCode, b: &Value| assert!(s.is_success(), "{s} {b}");
    let put = async |role: Role, path: &str, body: Value| {
        let (s, b, _) = svc.call_as(role, Method::PUT, path, Some(body), &[]).await;
        ok(s, &b);
        b
    };
    let post = async |role: Role, path: &str, body: Value| {
        let (s, b) = svc.post(role, path, body).await;
        ok(s, &b);
        b
    };

    // Master data.
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PATCH,
            "/suppliers/SUP1",
            Some(json!({"name": "Supplier 1"})),
            &[],
        )
        .await;
    ok(s, &b);
    let mut b_part = crate::support::part("B");
    b_part.as_object_mut().unwrap().remove("list_price");
    b_part["description"] = json!("Part B, ceramic");
    put(Role::Admin, "/parts/B", b_part).await;
    post(Role::Admin, "/parts/A/deactivate", json!({})).await;
    post(Role::Admin, "/parts/A/activate", json!({})).await;
    post(Role::Admin, "/parts/A/prices", json!({"price": "11.00"})).await;
    let csv = "part_number,description,category,list_price,supplier_code,warranty_months\nD,Part D,brakes,4.00,SUP1,12\n";
    let (s, b) = svc
        .send_raw(
            Role::Admin,
            Method::POST,
            "/parts/import",
            "text/csv",
            csv.into(),
        )
        .await;
    ok(s, &b);

    // Stock.
    svc.receive("CENTRAL", "A", 10).await;
    put(
        Role::Warehouse,
        "/stock/CENTRAL/A",
        json!({"reorder_point": 2, "reorder_qty": 5, "bin": "X1"}),
    )
    .await;
    post(
        Role::Warehouse,
        "/counts",
        json!({"warehouse": "CENTRAL", "part_number": "A", "counted": 9}),
    )
    .await;
    let transfer =
        json!({"from_warehouse": "CENTRAL", "to_warehouse": "NORTH", "part_number": "A", "qty": 2});
    let t = post(Role::Warehouse, "/transfers", transfer.clone()).await;
    let moved = t["id"].as_str().unwrap().to_owned();
    post(
        Role::Warehouse,
        &format!("/transfers/{moved}/dispatch"),
        json!({}),
    )
    .await;
    post(
        Role::Warehouse,
        &format!("/transfers/{moved}/receive"),
        json!({}),
    )
    .await;
    let t = post(Role::Warehouse, "/transfers", transfer).await;
    let dropped = t["id"].as_str().unwrap().to_owned();
    post(
        Role::Warehouse,
        &format!("/transfers/{dropped}/cancel"),
        json!({}),
    )
    .await;

    // An order of dealer D001, shipped.
    let id = Uuid::new_v4();
    let placed = envelope(&order(id, &[(1, "A", 3)], false, 0));
    svc.publish_envelope(&placed).await;
    assert!(svc.consumed(&placed).await);
    let shipment = post(
        Role::Warehouse,
        "/shipments",
        json!({"order_id": id, "carrier": "DHL", "tracking_ref": "T1"}),
    )
    .await;

    // Purchasing.
    let expected = (Utc::now() + Duration::days(9)).date_naive();
    let drafted = post(
        Role::Warehouse,
        "/replenishment/purchase-orders",
        json!({"warehouse": "CENTRAL", "currency": "EUR", "expected_date": expected,
            "lines": [{"part_number": "A", "qty": 4, "unit_price": "5.00"}]}),
    )
    .await;
    let po = drafted["purchase_orders"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let later = (Utc::now() + Duration::days(12)).date_naive();
    post(
        Role::Warehouse,
        &format!("/purchase-orders/{po}/lines/1/reschedule"),
        json!({"expected_date": later}),
    )
    .await;
    post(
        Role::Warehouse,
        &format!("/purchase-orders/{po}/cancel"),
        json!({}),
    )
    .await;

    let actions: std::collections::BTreeSet<String> = svc
        .audit("limit=200")
        .await
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "supplier.created",
        "supplier.updated",
        "warehouse.created",
        "part.created",
        "part.updated",
        "part.deactivated",
        "part.activated",
        "price.changed",
        "stock.received",
        "stock.settings_changed",
        "stock.counted",
        "transfer.requested",
        "transfer.dispatched",
        "stock.transferred_out",
        "transfer.received",
        "stock.transferred_in",
        "transfer.cancelled",
        "reservation.made",
        "stock.reserved",
        "shipment.dispatched",
        "reservation.shipped",
        "stock.shipped",
        "purchase_order.drafted",
        "purchase_order.rescheduled",
        "purchase_order.cancelled",
    ] {
        assert!(
            actions.contains(action),
            "{action} missing from {actions:?}"
        );
    }

    let s = &svc.audit_of("supplier", "SUP1").await[0];
    assert_eq!(
        change(s, "name"),
        (json!("Supplier One"), json!("Supplier 1"))
    );
    let p = &svc.audit_of("part", "B").await[0];
    assert_eq!(p["action"], "part.updated");
    assert_eq!(
        change(p, "description"),
        (json!("Part B brake pad"), json!("Part B, ceramic"))
    );
    let d = &svc.audit_of("part", "D").await[0];
    assert_eq!(d["reason"], "imported from line 2");
    let settings = &svc.audit_of("stock_level", "CENTRAL/A").await;
    let set = settings
        .iter()
        .find(|r| r["action"] == "stock.settings_changed")
        .unwrap();
    assert_eq!(change(set, "bin"), (Value::Null, json!("X1")));
    let counted = settings
        .iter()
        .find(|r| r["action"] == "stock.counted")
        .unwrap();
    assert_eq!(change(counted, "on_hand"), (json!(10), json!(9)));
    let shipped = &svc
        .audit_of("shipment", shipment["shipment_id"].as_str().unwrap())
        .await[0];
    assert_eq!(shipped["entity_dealer"], "D001");
    assert_eq!(shipped["actor_role"], "warehouse");
    let r = &svc.audit_of("purchase_order", &po).await;
    assert_eq!(
        change(&r[1], "line 1.expected_date"),
        (json!(expected), json!(later))
    );
    assert_eq!(
        change(&r[0], "status"),
        (json!("draft"), json!("cancelled"))
    );
}
