//! Orders and catalog as real processes over the real broker: an order from
//! placement to shipment, backorders, cancellation, idempotency, a catalog crash,
//! and dealer isolation. Each test has its own schemas and vhost.

use std::time::Duration;

use aftersales_e2e::{ServiceProcess, eventually};
use aftersales_testkit::tokens::TestIssuer;
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::Role;
use serde_json::{Value, json};

/// Both services, a supplier, part P-100 (100.00 EUR) with 10 on hand in WH1, and
/// dealers D001 and D002 known to orders.
pub(crate) struct Flow {
    _dbs: (TestDb, TestDb),
    _vhost: TestVhost,
    pub(crate) catalog: ServiceProcess,
    pub(crate) orders: ServiceProcess,
    pub(crate) http: reqwest::Client,
    keys: &'static TestIssuer,
}

impl Flow {
    async fn start() -> Flow {
        Self::start_with(&[]).await
    }

    /// [`start`](Self::start) with more variables for both services (`OTEL_*`).
    pub(crate) async fn start_with(more: &[(&str, &str)]) -> Flow {
        let (catalog_db, orders_db) = (TestDb::new().await, TestDb::new().await);
        let vhost = TestVhost::new().await;
        let catalog = ServiceProcess::start_with(
            "catalog",
            &catalog_db.admin_url(),
            &catalog_db.schema,
            &vhost.service_amqp_url("catalog"),
            aftersales_e2e::issuer_env(more),
        )
        .await;
        let orders = ServiceProcess::start_with(
            "orders",
            &orders_db.admin_url(),
            &orders_db.schema,
            &vhost.service_amqp_url("orders"),
            aftersales_e2e::issuer_env(more),
        )
        .await;
        let flow = Flow {
            _dbs: (catalog_db, orders_db),
            _vhost: vhost,
            catalog,
            orders,
            http: aftersales_web::http_client::client(),
            keys: aftersales_e2e::keys(),
        };
        flow.seed().await;
        flow
    }

    pub(crate) fn token(&self, role: Role, dealer: Option<&str>) -> String {
        self.keys.sign(&aftersales_web::Claims::new(
            "e2e",
            role,
            dealer,
            chrono::Duration::hours(1),
        ))
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn admin_post(&self, service: &ServiceProcess, path: &str, body: Value) -> Value {
        let (status, answer) = self
            .call(
                reqwest::Method::POST,
                service.url(path),
                &self.token(Role::Admin, None),
                Some(body),
            )
            .await;
        assert!(
            (200..300).contains(&status),
            "POST {path}: {status} {answer}"
        );
        answer
    }

    async fn warehouse_post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            self.catalog.url(path),
            &self.token(Role::Warehouse, None),
            Some(body),
        )
        .await
    }

    async fn seed(&self) {
        self.admin_post(
            &self.catalog,
            "/api/v1/suppliers",
            json!({"code": "SUP1", "name": "Brakes Inc"}),
        )
        .await;
        self.admin_post(
            &self.catalog,
            "/api/v1/warehouses",
            json!({"code": "WH1", "name": "Central", "kind": "central"}),
        )
        .await;
        self.admin_post(
            &self.catalog,
            "/api/v1/parts",
            json!({"part_number": "P-100", "description": "Brake pad", "category": "brakes",
                   "supplier_code": "SUP1", "warranty_months": 24, "list_price": "100.00"}),
        )
        .await;
        self.receive(10).await;
        for code in ["D001", "D002"] {
            self.admin_post(
                &self.orders,
                "/api/v1/dealers",
                json!({"code": code, "name": format!("Dealer {code}"), "tier": "gold",
                       "labor_rate": "80.00", "currency": "EUR", "home_warehouse": "WH1"}),
            )
            .await;
        }
        // The price book learns the part from catalog's event, not from a call.
        let token = self.token(Role::Dealer, Some("D001"));
        let url = self.orders.url("/api/v1/price-book?part=P-100");
        assert!(
            eventually(Duration::from_secs(20), || async {
                self.call(reqwest::Method::GET, url.clone(), &token, None)
                    .await
                    .0
                    == 200
            })
            .await,
            "orders never learned part P-100 from catalog.part_upserted"
        );
    }

    async fn receive(&self, qty: i64) {
        let (status, body) = self
            .warehouse_post(
                "/api/v1/receipts",
                json!({"warehouse": "WH1", "part_number": "P-100", "qty": qty}),
            )
            .await;
        assert!((200..300).contains(&status), "receipt: {status} {body}");
    }

    async fn place(
        &self,
        dealer: &str,
        qty: i64,
        priority: &str,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.orders.url("/api/v1/orders"))
            .bearer_auth(self.token(Role::Dealer, Some(dealer)))
            .json(&json!({"priority": priority, "lines": [{"part_number": "P-100", "qty": qty}]}));
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let res = req.send().await.expect("place order");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn order(&self, dealer: &str, id: &str) -> (u16, Value) {
        self.call(
            reqwest::Method::GET,
            self.orders.url(&format!("/api/v1/orders/{id}")),
            &self.token(Role::Dealer, Some(dealer)),
            None,
        )
        .await
    }

    pub(crate) async fn wait_status(&self, dealer: &str, id: &str, want: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let order = self.order(dealer, id).await.1;
            if order["status"] == want {
                return order;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "order {id} never reached {want}; last seen: {order}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn stock(&self) -> Value {
        self.call(
            reqwest::Method::GET,
            self.catalog.url("/api/v1/stock/WH1/P-100"),
            &self.token(Role::Warehouse, None),
            None,
        )
        .await
        .1
    }

    async fn reservation(&self, id: &str) -> Value {
        self.call(
            reqwest::Method::GET,
            self.catalog
                .url(&format!("/api/v1/reservations?order_id={id}")),
            &self.token(Role::Warehouse, None),
            None,
        )
        .await
        .1
    }

    /// Invariant 2 in both services, and both agree on every number.
    async fn assert_agree(&self, dealer: &str, id: &str) {
        let order = self.order(dealer, id).await.1;
        let allocation = self.reservation(id).await;
        for (mine, theirs) in order["lines"]
            .as_array()
            .expect("order lines")
            .iter()
            .zip(allocation["lines"].as_array().expect("allocation lines"))
        {
            for field in ["reserved", "backordered", "shipped", "released"] {
                assert_eq!(
                    mine[field], theirs[field],
                    "{field} of order {id}: {order} vs {allocation}"
                );
            }
            let sum: i64 = ["reserved", "backordered", "shipped", "released"]
                .iter()
                .map(|f| theirs[*f].as_i64().unwrap_or_default())
                .sum();
            assert_eq!(
                Some(sum),
                theirs["ordered"].as_i64(),
                "invariant 2: {allocation}"
            );
        }
    }

    async fn ship(&self, id: &str, qty: Option<i64>) -> (u16, Value) {
        let mut body = json!({"order_id": id, "carrier": "DHL", "tracking_ref": "TRK1"});
        if let Some(qty) = qty {
            body["lines"] = json!([{"line_no": 1, "qty": qty}]);
        }
        self.warehouse_post("/api/v1/shipments", body).await
    }
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("order id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_reserved_then_shipped_in_two_parts() {
    let flow = Flow::start().await;
    let (status, order) = flow.place("D001", 4, "stock", None).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["total"], "360.00", "gold tier: 4 × 90.00");
    let id = id_of(&order);
    flow.wait_status("D001", &id, "reserved").await;
    assert_eq!(flow.stock().await["reserved"], 4);

    let (status, body) = flow.ship(&id, Some(1)).await;
    assert_eq!(status, 201, "{body}");
    flow.wait_status("D001", &id, "partially_shipped").await;
    let (status, body) = flow.ship(&id, None).await;
    assert_eq!(status, 201, "{body}");
    flow.wait_status("D001", &id, "shipped").await;
    flow.assert_agree("D001", &id).await;
    let stock = flow.stock().await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["reserved"].as_i64()),
        (Some(6), Some(0)),
        "{stock}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backorder_is_served_by_a_receipt_emergency_orders_first() {
    let flow = Flow::start().await;
    let (_, first) = flow.place("D001", 14, "stock", None).await;
    let first = id_of(&first);
    let order = flow.wait_status("D001", &first, "partially_reserved").await;
    assert_eq!(
        (
            order["lines"][0]["reserved"].as_i64(),
            order["lines"][0]["backordered"].as_i64()
        ),
        (Some(10), Some(4))
    );

    // Placed later, but a unit is down: served first.
    let (_, urgent) = flow.place("D002", 2, "emergency", None).await;
    let urgent = id_of(&urgent);
    flow.wait_status("D002", &urgent, "backordered").await;

    flow.receive(2).await;
    flow.wait_status("D002", &urgent, "reserved").await;
    assert_eq!(
        flow.order("D001", &first).await.1["status"],
        "partially_reserved"
    );

    flow.receive(4).await;
    flow.wait_status("D001", &first, "reserved").await;
    flow.assert_agree("D001", &first).await;
    flow.assert_agree("D002", &urgent).await;
}

/// Issue 18's flow: a backordered order shows the date of the purchase order that will
/// serve it; the date moves with the purchase order; once it is received the order is
/// reserved and the date is gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_backorder_shows_the_purchase_orders_date_until_it_is_received() {
    let flow = Flow::start().await;
    let (_, order) = flow.place("D001", 13, "stock", None).await;
    let id = id_of(&order);
    let line = |o: &Value| o["lines"][0].clone();
    let order = flow.wait_status("D001", &id, "partially_reserved").await;
    assert_eq!(line(&order)["backordered"], 3);
    assert!(line(&order)["expected_date"].is_null(), "{order}");

    let in_days = |d: i64| (chrono::Utc::now() + chrono::Duration::days(d)).date_naive();
    let (status, po) = flow
        .warehouse_post(
            "/api/v1/purchase-orders",
            json!({"supplier": "SUP1", "warehouse": "WH1", "currency": "EUR",
                   "lines": [{"part_number": "P-100", "qty": 5, "unit_price": "61.00",
                              "expected_date": in_days(7)}]}),
        )
        .await;
    assert_eq!(status, 201, "{po}");
    let po = po["id"].as_str().expect("purchase order id").to_owned();
    let (status, body) = flow
        .warehouse_post(&format!("/api/v1/purchase-orders/{po}/send"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let expected = |want: Option<chrono::NaiveDate>| {
        let want = want.map(|d| d.to_string());
        let flow = &flow;
        let id = &id;
        async move {
            eventually(Duration::from_secs(20), || async {
                let order = flow.order("D001", id).await.1;
                line(&order)["expected_date"].as_str().map(str::to_owned) == want
            })
            .await
        }
    };
    assert!(
        expected(Some(in_days(7))).await,
        "the dealer never saw the purchase order's date"
    );

    let (status, body) = flow
        .warehouse_post(
            &format!("/api/v1/purchase-orders/{po}/lines/1/reschedule"),
            json!({"expected_date": in_days(9)}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        expected(Some(in_days(9))).await,
        "the date did not move with the purchase order"
    );

    let (status, body) = flow
        .warehouse_post(
            &format!("/api/v1/purchase-orders/{po}/receipts"),
            json!({"lines": [{"line_no": 1, "qty": 5}], "delivery_note": "DN-1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "received");
    let order = flow.wait_status("D001", &id, "reserved").await;
    assert!(line(&order)["expected_date"].is_null(), "{order}");
    flow.assert_agree("D001", &id).await;
    assert_eq!(flow.stock().await["available"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_releases_stock_and_a_shipped_order_cannot_be_cancelled() {
    let flow = Flow::start().await;
    let (_, order) = flow.place("D001", 4, "stock", None).await;
    let id = id_of(&order);
    flow.wait_status("D001", &id, "reserved").await;
    let cancel = flow.orders.url(&format!("/api/v1/orders/{id}/cancel"));
    let dealer = flow.token(Role::Dealer, Some("D001"));
    let (status, body) = flow
        .call(reqwest::Method::POST, cancel.clone(), &dealer, None)
        .await;
    assert!((200..300).contains(&status), "{status} {body}");
    flow.wait_status("D001", &id, "cancelled").await;
    let stock = flow.stock().await;
    assert_eq!(
        (stock["reserved"].as_i64(), stock["available"].as_i64()),
        (Some(0), Some(10)),
        "{stock}"
    );
    flow.assert_agree("D001", &id).await;

    let (_, order) = flow.place("D001", 2, "stock", None).await;
    let id = id_of(&order);
    flow.wait_status("D001", &id, "reserved").await;
    flow.ship(&id, None).await;
    flow.wait_status("D001", &id, "shipped").await;
    let cancel = flow.orders.url(&format!("/api/v1/orders/{id}/cancel"));
    let (status, body) = flow
        .call(reqwest::Method::POST, cancel, &dealer, None)
        .await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_post_with_the_same_idempotency_key_places_one_order() {
    let flow = Flow::start().await;
    let (first_status, first) = flow.place("D001", 3, "stock", Some("key-1")).await;
    let (second_status, second) = flow.place("D001", 3, "stock", Some("key-1")).await;
    assert_eq!((first_status, second_status), (201, 201));
    assert_eq!(first["id"], second["id"]);
    let id = id_of(&first);
    flow.wait_status("D001", &id, "reserved").await;
    // One order reached catalog: only its 3 units are reserved.
    assert_eq!(flow.stock().await["reserved"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_placed_while_catalog_is_down_are_each_reserved_exactly_once() {
    let mut flow = Flow::start().await;
    flow.receive(20).await; // 30 on hand
    flow.catalog.kill();
    let mut ids = Vec::new();
    for _ in 0..20 {
        let (status, order) = flow.place("D001", 1, "stock", None).await;
        assert_eq!(
            status, 201,
            "orders keeps taking orders while catalog is down: {order}"
        );
        ids.push(id_of(&order));
    }
    flow.catalog.restart().await;
    for id in &ids {
        flow.wait_status("D001", id, "reserved").await;
    }
    let stock = flow.stock().await;
    assert_eq!(
        stock["reserved"], 20,
        "each order reserved exactly once: {stock}"
    );
    for id in &ids {
        let allocation = flow.reservation(id).await;
        assert_eq!(allocation["lines"][0]["reserved"], 1, "{allocation}");
        flow.assert_agree("D001", id).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealer_cannot_read_or_cancel_another_dealers_order() {
    let flow = Flow::start().await;
    let (_, order) = flow.place("D001", 1, "stock", None).await;
    let id = id_of(&order);
    assert_eq!(flow.order("D002", &id).await.0, 404);
    let cancel = flow.orders.url(&format!("/api/v1/orders/{id}/cancel"));
    let other = flow.token(Role::Dealer, Some("D002"));
    let (status, body) = flow.call(reqwest::Method::POST, cancel, &other, None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(flow.order("D001", &id).await.0, 200);
}

/// Not a pass/fail test: prints the latency from the POST answering to the order
/// showing `reserved` (catalog consumed `order_placed`, reserved, published
/// `stock_reserved`, orders applied it), over a few hundred orders one after another.
/// `cargo xtask test --no-lint -- -p aftersales-e2e --run-ignored only order_latency --no-capture`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, run on demand"]
async fn order_latency_from_post_to_reserved() {
    let flow = Flow::start().await;
    flow.receive(1000).await;
    let mut latencies = Vec::new();
    for _ in 0..300 {
        let (status, order) = flow.place("D001", 1, "stock", None).await;
        assert_eq!(status, 201);
        let id = id_of(&order);
        let started = std::time::Instant::now();
        loop {
            if flow.order("D001", &id).await.1["status"] == "reserved" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    eprintln!(
        "POST -> reserved over {} orders: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_of_each_service_reserve_every_order_exactly_once() {
    let flow = Flow::start().await;
    flow.receive(90).await; // 100 on hand
    let (catalog_db, orders_db) = &flow._dbs;
    let amqp = |service| flow._vhost.service_amqp_url(service);
    // Second replicas on the same schemas and queues: relays share the outbox
    // (SKIP LOCKED), consumers share the inbox queue (competing consumers).
    let _catalog_2 = ServiceProcess::start(
        "catalog",
        &catalog_db.admin_url(),
        &catalog_db.schema,
        &amqp("catalog"),
    )
    .await;
    let orders_2 = ServiceProcess::start(
        "orders",
        &orders_db.admin_url(),
        &orders_db.schema,
        &amqp("orders"),
    )
    .await;

    let mut ids = Vec::new();
    for i in 0..40 {
        let replica = if i % 2 == 0 { &flow.orders } else { &orders_2 };
        let res = flow
            .http
            .post(replica.url("/api/v1/orders"))
            .bearer_auth(flow.token(Role::Dealer, Some("D001")))
            .json(&json!({"priority": "stock", "lines": [{"part_number": "P-100", "qty": 1}]}))
            .send()
            .await
            .expect("place order");
        assert_eq!(res.status().as_u16(), 201);
        ids.push(id_of(&res.json().await.expect("order")));
    }
    for id in &ids {
        flow.wait_status("D001", id, "reserved").await;
    }
    let stock = flow.stock().await;
    assert_eq!(stock["reserved"], 40, "nothing reserved twice: {stock}");
    for id in &ids {
        let allocation = flow.reservation(id).await;
        assert_eq!(allocation["lines"][0]["reserved"], 1, "{allocation}");
        assert_eq!(
            allocation["allocation_version"], 1,
            "one allocation per order: {allocation}"
        );
        flow.assert_agree("D001", id).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalog_stopped_with_sigterm_mid_stream_loses_nothing() {
    let mut flow = Flow::start().await;
    flow.receive(40).await; // 50 on hand
    let mut ids = Vec::new();
    for _ in 0..30 {
        let (status, order) = flow.place("D001", 1, "stock", None).await;
        assert_eq!(status, 201);
        ids.push(id_of(&order));
    }
    // Stop catalog while it is working through the orders.
    let took = flow.catalog.terminate();
    eprintln!("catalog exited {took:?} after SIGTERM");
    assert!(
        took < Duration::from_secs(30),
        "exited within the 30 s grace period: {took:?}"
    );
    flow.catalog.restart().await;
    for id in &ids {
        flow.wait_status("D001", id, "reserved").await;
    }
    assert_eq!(flow.stock().await["reserved"], 30);
    for id in &ids {
        flow.assert_agree("D001", id).await;
    }
}

/// Issue 20's "done means": a dealer's webhook gets "order shipped" for each shipment,
/// signed, once by id, although the receiver was down while the order shipped and
/// orders was killed (SIGKILL) and restarted before it came back.
#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_gets_each_order_shipped_once_signed_through_an_outage_and_a_restart() {
    let mut flow = Flow::start().await;
    let mut receiver = aftersales_testkit::WebhookReceiver::start().await;
    let dealer = flow.token(Role::Dealer, Some("D001"));
    let (status, sub) = flow
        .call(
            reqwest::Method::POST,
            flow.orders.url("/api/v1/subscriptions"),
            &dealer,
            Some(json!({"topics": ["order.shipped"], "url": receiver.url()})),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    let secret = sub["secret"].as_str().expect("secret").to_owned();
    // Another dealer may not watch D001's orders.
    let (status, _) = flow
        .call(
            reqwest::Method::POST,
            flow.orders.url("/api/v1/subscriptions"),
            &flow.token(Role::Dealer, Some("D002")),
            Some(
                json!({"topics": ["order.shipped"], "dealer_code": "D001", "url": receiver.url()}),
            ),
        )
        .await;
    assert_eq!(status, 403);

    receiver.down().await;
    let (status, order) = flow.place("D001", 3, "stock", None).await;
    assert_eq!(status, 201, "{order}");
    let id = id_of(&order);
    flow.wait_status("D001", &id, "reserved").await;
    let (status, body) = flow.ship(&id, Some(1)).await;
    assert_eq!(status, 201, "{body}");
    flow.wait_status("D001", &id, "partially_shipped").await;
    let (status, body) = flow.ship(&id, None).await;
    assert_eq!(status, 201, "{body}");
    flow.wait_status("D001", &id, "shipped").await;

    // Orders dies with both deliveries failing, and comes back; then the receiver.
    flow.orders.kill();
    flow.orders.restart().await;
    receiver.up().await;
    let arrived = eventually(Duration::from_secs(60), || async {
        receiver.ids().0.len() == 2
    })
    .await;
    let (ids, repeats) = receiver.ids();
    assert!(arrived, "two shipments, two notifications: {ids:?}");
    for r in receiver.received() {
        assert!(r.verifies(&secret), "signed with the subscription's secret");
        let body = r.json();
        assert_eq!(body["type"], "order.shipped");
        assert_eq!(body["entity_id"], id.as_str());
        assert_eq!(body["dealer_code"], "D001");
    }
    let qty: Vec<i64> = {
        let mut q: Vec<i64> = receiver
            .received()
            .iter()
            .map(|r| r.json()["data"]["qty"].as_i64().unwrap())
            .collect();
        q.sort();
        q.dedup();
        q
    };
    assert_eq!(qty, [1, 2], "one notification per shipment");
    // At least once: a delivery cut by the kill may come twice, with the same id.
    eprintln!(
        "webhook deliveries: {} distinct, {repeats} repeated",
        ids.len()
    );
}
