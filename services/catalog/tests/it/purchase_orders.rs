//! Purchase orders to suppliers: drafted, sent, rescheduled, received line by line
//! (serving backorders) and cancelled; the expected date each backorder takes from
//! them; every refusal of bad input, a wrong role and a wrong state.

use aftersales_web::Role;
use chrono::{Duration, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, order, part};

fn in_days(days: i64) -> NaiveDate {
    (Utc::now() + Duration::days(days)).date_naive()
}

fn po(lines: Value) -> Value {
    json!({"supplier": "SUP1", "warehouse": "CENTRAL", "currency": "EUR", "lines": lines})
}

impl Svc {
    async fn place(&self, o: aftersales_messaging::contracts::orders::OrderPlaced) {
        let mut c = self.pool.get().await.unwrap();
        c.transaction(async |c| {
            catalog::app::reservations::place(c, &o, crate::support::cause()).await
        })
        .await
        .unwrap();
    }

    /// A purchase order for `qty` of `pn` expected in `days`, sent; its id.
    async fn sent_po(&self, pn: &str, qty: i64, days: i64) -> String {
        let (s, b) = self
            .post(
                Role::Warehouse,
                "/purchase-orders",
                po(json!([{"part_number": pn, "qty": qty, "unit_price": "7.50",
                    "expected_date": in_days(days)}])),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["status"], "draft");
        let id = b["id"].as_str().unwrap().to_owned();
        let (s, b) = self
            .post(
                Role::Warehouse,
                &format!("/purchase-orders/{id}/send"),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["status"], "sent");
        id
    }

    async fn po_number(&self, id: &str) -> String {
        let (s, b) = self
            .get(Role::Warehouse, &format!("/purchase-orders/{id}"))
            .await;
        assert_eq!(s, 200, "{b}");
        b["number"].as_str().unwrap().to_owned()
    }

    /// `(reserved, backordered, expected_date)` of an order's first line.
    async fn first_line(&self, id: Uuid) -> (i64, i64, Option<String>) {
        let r = self.reservation(id).await.unwrap();
        let l = &r["lines"][0];
        (
            l["reserved"].as_i64().unwrap(),
            l["backordered"].as_i64().unwrap(),
            l["expected_date"].as_str().map(str::to_owned),
        )
    }

    /// The expected date of the line in the newest allocation `catalog.stock_reserved`
    /// published for `id`.
    async fn published_date(&self, id: Uuid) -> Option<String> {
        self.outbox_envelopes("catalog.stock_reserved")
            .await
            .into_iter()
            .filter(|e| e.payload["order_id"] == id.to_string())
            .max_by_key(|e| e.payload["allocation"]["allocation_version"].as_i64())
            .and_then(|e| {
                e.payload["allocation"]["lines"][0]["expected_date"]
                    .as_str()
                    .map(str::to_owned)
            })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn backorders_take_the_dates_of_the_purchase_orders_that_serve_them_until_received() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (old, urgent) = (Uuid::new_v4(), Uuid::new_v4());
    svc.place(order(old, &[(1, "A", 3)], false, 60)).await;
    svc.place(order(urgent, &[(1, "A", 3)], true, 1)).await;
    assert_eq!(svc.first_line(old).await, (0, 3, None));

    // A draft is not on order yet.
    let (s, draft) = svc
        .post(
            Role::Warehouse,
            "/purchase-orders",
            po(json!([{"part_number": "A", "qty": 4, "unit_price": "7.50", "expected_date": in_days(5)}])),
        )
        .await;
    assert_eq!(s, 201, "{draft}");
    assert_eq!(
        draft["number"].as_str().map(|n| n.starts_with("PO-")),
        Some(true)
    );
    assert_eq!(draft["total"], "30.0000");
    assert_eq!(svc.first_line(urgent).await.2, None);

    // Sent: the emergency order is served first; the older one is not covered.
    let first = draft["id"].as_str().unwrap().to_owned();
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{first}/send"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d5 = in_days(5).to_string();
    assert_eq!(svc.first_line(urgent).await, (0, 3, Some(d5.clone())));
    assert_eq!(svc.first_line(old).await.2, None);
    assert_eq!(svc.published_date(urgent).await, Some(d5.clone()));
    // The warehouse's backorder report says it too (empty in CSV when not covered).
    let (s, report) = svc.get(Role::Warehouse, "/reports/backorders").await;
    assert_eq!(s, 200, "{report}");
    let dates: Vec<(Value, Value)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["order_id"].clone(), i["expected_date"].clone()))
        .collect();
    assert_eq!(
        dates,
        vec![
            (json!(old.to_string()), Value::Null),
            (json!(urgent.to_string()), json!(d5))
        ]
    );

    // A second order covers the rest; its date is the older order's.
    let second = svc.sent_po("A", 5, 10).await;
    let d10 = in_days(10).to_string();
    assert_eq!(svc.first_line(old).await.2, Some(d10.clone()));
    assert_eq!(svc.first_line(urgent).await.2, Some(d5.clone()));

    // The first order slips past the second: the urgent order now waits for the second
    // one, and the older order for the last of its units, on the first one's new day.
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{first}/lines/1/reschedule"),
            json!({"expected_date": in_days(12)}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d12 = in_days(12).to_string();
    assert_eq!(svc.first_line(urgent).await.2, Some(d10.clone()));
    assert_eq!(svc.first_line(old).await.2, Some(d12.clone()));
    assert_eq!(svc.published_date(old).await, Some(d12.clone()));

    // The second order arrives in full: the urgent order is reserved and has no date;
    // the older one gets 2 units and waits for its last one from the first order.
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{second}/receipts"),
            json!({"lines": [{"line_no": 1, "qty": 5}], "delivery_note": "DN-77"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "received");
    assert_eq!(b["lines"][0]["open"], 0);
    assert_eq!(svc.first_line(urgent).await, (3, 0, None));
    assert_eq!(svc.published_date(urgent).await, None);
    assert_eq!(svc.first_line(old).await, (2, 1, Some(d12.clone())));

    // One unit of the first order: the older order is reserved in full.
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{first}/receipts"),
            json!({"lines": [{"line_no": 1, "qty": 1}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "partially_received");
    assert_eq!(
        (
            b["lines"][0]["received"].as_i64(),
            b["lines"][0]["open"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(svc.first_line(old).await, (3, 0, None));
    let stock = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["reserved"].as_i64()),
        (Some(6), Some(6))
    );
    svc.assert_invariant("CENTRAL", "A").await;

    // The ledger names the purchase order and the delivery note.
    let (s, moves) = svc.get(Role::Warehouse, "/stock/CENTRAL/A/movements").await;
    assert_eq!(s, 200, "{moves}");
    let refs: Vec<&str> = moves["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["reference"].as_str())
        .collect();
    let (n1, n2) = (svc.po_number(&first).await, svc.po_number(&second).await);
    assert!(refs.contains(&format!("{n2}/1 DN-77").as_str()), "{refs:?}");
    assert!(refs.contains(&format!("{n1}/1").as_str()), "{refs:?}");

    // A new backorder waits for the rest of the first order; cancelling it takes the
    // date away again.
    let late = Uuid::new_v4();
    svc.place(order(late, &[(1, "A", 2)], false, 0)).await;
    assert_eq!(svc.first_line(late).await, (0, 2, Some(d12.clone())));
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{first}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "cancelled");
    assert_eq!(svc.first_line(late).await, (0, 2, None));
    assert_eq!(svc.published_date(late).await, None);
    svc.assert_invariant("CENTRAL", "A").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn purchase_orders_refuse_bad_input_wrong_roles_and_wrong_states() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, b) = svc
        .post(
            Role::Admin,
            "/suppliers",
            json!({"code": "SUP2", "name": "Two"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let mut other = part("Z");
    other["supplier_code"] = json!("SUP2");
    assert_eq!(svc.post(Role::Admin, "/parts", other).await.0, 201);

    let line = |pn: &str, qty: i64, price: &str, days: i64| json!({"part_number": pn, "qty": qty, "unit_price": price, "expected_date": in_days(days)});
    let good = po(json!([line("A", 2, "7.50", 3)]));
    for role in [Role::Dealer, Role::Quality, Role::Finance, Role::Admin] {
        let (s, b) = svc.post(role, "/purchase-orders", good.clone()).await;
        assert_eq!(s, 403, "{role:?} {b}");
    }
    for role in [Role::Dealer, Role::Quality, Role::Finance] {
        assert_eq!(svc.get(role, "/purchase-orders").await.0, 403, "{role:?}");
    }

    let refused = async |body: Value, field: &str| {
        let (s, b) = svc.post(Role::Warehouse, "/purchase-orders", body).await;
        assert_eq!(s, 422, "{b}");
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(fields.contains(&field), "{field} not in {b}");
        b
    };
    let mut unknown = good.clone();
    unknown["supplier"] = json!("NOPE");
    refused(unknown, "supplier").await;
    let mut nowhere = good.clone();
    nowhere["warehouse"] = json!("MOON");
    refused(nowhere, "warehouse").await;
    let b = refused(po(json!([line("Z", 1, "1.00", 3)])), "lines[0].part_number").await;
    assert!(b.to_string().contains("supplied by SUP2"), "{b}");
    refused(
        po(json!([line("A", 1, "1.00", 3), line("A", 2, "1.00", 4)])),
        "lines[1].part_number",
    )
    .await;
    refused(
        po(json!([line("NOPE", 1, "1.00", 3)])),
        "lines[0].part_number",
    )
    .await;
    refused(
        po(json!([line("A", 1, "1.00", -1)])),
        "lines[0].expected_date",
    )
    .await;
    refused(po(json!([line("A", 0, "1.00", 3)])), "lines[0].qty").await;
    refused(po(json!([line("A", 1, "0", 3)])), "lines[0].unit_price").await;
    refused(po(json!([])), "lines").await;
    let mut bad_date = good.clone();
    bad_date["lines"][0]["expected_date"] = json!("2027-02-30");
    refused(bad_date, "lines[0].expected_date").await;

    // A draft takes no receipt; a sent order no second sending.
    let (s, draft) = svc
        .post(Role::Warehouse, "/purchase-orders", good.clone())
        .await;
    assert_eq!(s, 201, "{draft}");
    let id = draft["id"].as_str().unwrap();
    let receipt = |qty: i64| json!({"lines": [{"line_no": 1, "qty": qty}]});
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{id}/receipts"),
            receipt(1),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["detail"].as_str().unwrap_or_default().contains("send it"),
        "{b}"
    );
    let send = format!("/purchase-orders/{id}/send");
    // A draft whose date passed while it waited is not sent: it would promise a day gone.
    svc.exec(&format!(
        "UPDATE purchase_order_lines SET expected_date = '{}' WHERE purchase_order_id = '{id}'",
        in_days(-1)
    ))
    .await;
    let (s, b) = svc.post(Role::Warehouse, &send, json!({})).await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("reschedule it, then send"),
        "{b}"
    );
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{id}/lines/1/reschedule"),
            json!({"expected_date": in_days(3)}),
        )
        .await;
    assert_eq!(s, 200, "a draft can be rescheduled: {b}");
    assert_eq!(svc.post(Role::Warehouse, &send, json!({})).await.0, 200);
    let (s, b) = svc.post(Role::Warehouse, &send, json!({})).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(svc.post(Role::Dealer, &send, json!({})).await.0, 403);

    // Over-receipt: refused without a reason, kept with one.
    let receipts = format!("/purchase-orders/{id}/receipts");
    let (s, b) = svc.post(Role::Warehouse, &receipts, receipt(3)).await;
    assert_eq!(s, 422, "{b}");
    assert!(b.to_string().contains("over_receipt_reason"), "{b}");
    assert_eq!(
        svc.stock("CENTRAL", "A").await["on_hand"],
        0,
        "nothing moved"
    );
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &receipts,
            json!({"lines": [{"line_no": 9, "qty": 1}]}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &receipts,
            json!({"lines": [{"line_no": 1, "qty": 1}, {"line_no": 1, "qty": 1}]}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let over = json!({"lines": [{"line_no": 1, "qty": 3, "over_receipt_reason": "supplier sent a full box"}]});
    let key = [("Idempotency-Key", "po-over-1")];
    let (s, b, _) = svc
        .call_as(
            Role::Warehouse,
            Method::POST,
            &receipts,
            Some(over.clone()),
            &key,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["status"].as_str(), b["lines"][0]["received"].as_i64()),
        (Some("received"), Some(3))
    );
    // The same request again replays the answer; the stock moves once.
    let (s, again, _) = svc
        .call_as(Role::Warehouse, Method::POST, &receipts, Some(over), &key)
        .await;
    assert_eq!((s.as_u16(), &again), (200, &b));
    assert_eq!(svc.stock("CENTRAL", "A").await["on_hand"], 3);
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM purchase_order_receipts WHERE over_receipt = 1 AND over_receipt_reason IS NOT NULL").await,
        1
    );

    // A received order can be neither cancelled nor rescheduled.
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{id}/lines/1/reschedule"),
            json!({"expected_date": in_days(9)}),
        )
        .await;
    assert_eq!(s, 409, "{b}");

    // Rescheduling: into the past, an unknown line, an unknown order.
    let open = svc.sent_po("B", 4, 6).await;
    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{open}/lines/1/reschedule"),
            json!({"expected_date": in_days(-2)}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/purchase-orders/{open}/lines/7/reschedule"),
            json!({"expected_date": in_days(9)}),
        )
        .await;
    assert_eq!(s, 404);
    let nobody = Uuid::new_v4();
    assert_eq!(
        svc.get(Role::Warehouse, &format!("/purchase-orders/{nobody}"))
            .await
            .0,
        404
    );
    assert_eq!(
        svc.post(
            Role::Warehouse,
            &format!("/purchase-orders/{nobody}/send"),
            json!({})
        )
        .await
        .0,
        404
    );

    // The list: newest first, by status, supplier and part; admins read it too.
    let (s, all) = svc.get(Role::Admin, "/purchase-orders").await;
    assert_eq!(s, 200, "{all}");
    let ids: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, vec![open.as_str(), id]);
    let (_, sent) = svc
        .get(Role::Warehouse, "/purchase-orders?status=sent")
        .await;
    assert_eq!(sent["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(sent["items"][0]["lines"][0]["part_number"], "B");
    let (_, by_part) = svc
        .get(Role::Warehouse, "/purchase-orders?part_number=A")
        .await;
    assert_eq!(by_part["items"][0]["id"], id);
    let (_, none) = svc
        .get(Role::Warehouse, "/purchase-orders?supplier=SUP2")
        .await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    let (_, paged) = svc.get(Role::Warehouse, "/purchase-orders?limit=1").await;
    let cursor = paged["next_cursor"].as_str().unwrap();
    let (_, next) = svc
        .get(
            Role::Warehouse,
            &format!("/purchase-orders?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(next["items"][0]["id"], id);
    let (s, b) = svc
        .get(Role::Warehouse, "/purchase-orders?status=lost")
        .await;
    assert_eq!(s, 400, "{b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn purchasing_reports_give_each_suppliers_lateness_and_the_stock_on_order() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, b) = svc
        .post(
            Role::Admin,
            "/suppliers",
            json!({"code": "SUP2", "name": "Two"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let mut z = part("Z");
    z["supplier_code"] = json!("SUP2");
    assert_eq!(svc.post(Role::Admin, "/parts", z).await.0, 201);

    // Dates in the past cannot be given through the API: the test moves them.
    let expect_on = |id: &str, days: i64| {
        format!(
            "UPDATE purchase_order_lines SET expected_date = '{}' WHERE purchase_order_id = '{id}'",
            in_days(days)
        )
    };
    let receive = async |id: &str, qty: i64| {
        let (s, b) = svc
            .post(
                Role::Warehouse,
                &format!("/purchase-orders/{id}/receipts"),
                json!({"lines": [{"line_no": 1, "qty": qty}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    };
    // Late by 3 days; on time (today); overdue by 2 (1 of 5 came); not due yet (SUP2).
    let late = svc.sent_po("A", 2, 1).await;
    svc.exec(&expect_on(&late, -3)).await;
    receive(&late, 2).await;
    let on_time = svc.sent_po("B", 2, 1).await;
    svc.exec(&expect_on(&on_time, 0)).await;
    receive(&on_time, 2).await;
    let overdue = svc.sent_po("C", 5, 1).await;
    svc.exec(&expect_on(&overdue, -2)).await;
    receive(&overdue, 1).await;
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/purchase-orders",
            json!({"supplier": "SUP2", "warehouse": "NORTH", "currency": "EUR",
                   "lines": [{"part_number": "Z", "qty": 3, "unit_price": "2.25", "expected_date": in_days(5)}]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let not_due = b["id"].as_str().unwrap().to_owned();
    svc.post(
        Role::Warehouse,
        &format!("/purchase-orders/{not_due}/send"),
        json!({}),
    )
    .await;

    let (s, r) = svc
        .get(Role::Admin, "/reports/purchase-order-lateness")
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r["suppliers"].as_array().map(Vec::len),
        Some(1),
        "SUP2 had nothing due: {r}"
    );
    let sup1 = &r["suppliers"][0];
    assert_eq!(
        (
            sup1["supplier"].as_str(),
            sup1["due"].as_i64(),
            sup1["on_time"].as_i64(),
            sup1["late"].as_i64(),
            sup1["overdue"].as_i64(),
            sup1["on_time_rate"].as_str(),
            sup1["mean_days_late"].as_str()
        ),
        (
            Some("SUP1"),
            Some(3),
            Some(1),
            Some(1),
            Some(1),
            Some("0.3333"),
            Some("2.5")
        ),
        "{r}"
    );
    let (_, ahead) = svc
        .get(
            Role::Warehouse,
            &format!("/reports/purchase-order-lateness?to={}", in_days(10)),
        )
        .await;
    assert_eq!(
        ahead["overall"]["due"], 3,
        "a line not due yet is not measured: {ahead}"
    );
    let (_, north) = svc
        .get(
            Role::Warehouse,
            "/reports/purchase-order-lateness?warehouse=NORTH",
        )
        .await;
    assert_eq!(north["overall"]["due"], 0);
    assert!(north["overall"]["on_time_rate"].is_null(), "{north}");
    let (s, _, csv) = svc
        .get_text(
            Role::Warehouse,
            "/reports/purchase-order-lateness?format=csv",
            "application/json",
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        csv.starts_with("supplier,due,on_time,late,overdue,on_time_rate,mean_days_late"),
        "{csv}"
    );
    assert!(csv.contains("SUP1,3,1,1,1,0.3333,2.5"), "{csv}");

    // On order: the 4 units of C still open at CENTRAL, the 3 of Z at NORTH.
    let (s, o) = svc.get(Role::Warehouse, "/reports/stock-on-order").await;
    assert_eq!(s, 200, "{o}");
    let items: Vec<(Value, Value, Value, Value)> = o["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["warehouse"].clone(),
                i["part_number"].clone(),
                i["units"].clone(),
                i["value"].clone(),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            (json!("CENTRAL"), json!("C"), json!(4), json!("30.00")),
            (json!("NORTH"), json!("Z"), json!(3), json!("6.75")),
        ]
    );
    assert_eq!(o["totals"], json!([{"currency": "EUR", "value": "36.75"}]));
    let (_, central) = svc
        .get(Role::Warehouse, "/reports/stock-on-order?warehouse=CENTRAL")
        .await;
    assert_eq!(central["items"].as_array().map(Vec::len), Some(1));

    // Refusals.
    for role in [Role::Dealer, Role::Quality, Role::Finance] {
        for path in [
            "/reports/purchase-order-lateness",
            "/reports/stock-on-order",
        ] {
            assert_eq!(svc.get(role, path).await.0, 403, "{role:?} {path}");
        }
    }
    let (s, b) = svc
        .get(
            Role::Warehouse,
            &format!(
                "/reports/purchase-order-lateness?from={}&to={}",
                in_days(0),
                in_days(-1)
            ),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, _) = svc
        .get(
            Role::Warehouse,
            "/reports/purchase-order-lateness?from=2027-02-30",
        )
        .await;
    assert_eq!(s, 400);
    let (s, b) = svc
        .get(Role::Warehouse, "/reports/stock-on-order?warehouse=MOON")
        .await;
    assert_eq!(s, 422, "{b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dated_transfer_in_transit_dates_the_backorders_at_its_destination() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("NORTH", "A", 6).await;
    let waiting = Uuid::new_v4();
    svc.place(order(waiting, &[(1, "A", 4)], false, 5)).await;
    assert_eq!(svc.first_line(waiting).await, (0, 4, None));

    let transfer = |date: NaiveDate| {
        json!({"from_warehouse": "NORTH", "to_warehouse": "CENTRAL", "part_number": "A",
               "qty": 4, "expected_date": date})
    };
    let (s, b) = svc
        .post(Role::Warehouse, "/transfers", transfer(in_days(-1)))
        .await;
    assert_eq!(s, 422, "a date in the past: {b}");
    assert!(b.to_string().contains("expected_date"), "{b}");
    let (s, t) = svc
        .post(Role::Warehouse, "/transfers", transfer(in_days(2)))
        .await;
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["expected_date"], json!(in_days(2)));
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(
        svc.first_line(waiting).await.2,
        None,
        "requested is not on its way"
    );

    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/dispatch"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d2 = in_days(2).to_string();
    assert_eq!(svc.first_line(waiting).await, (0, 4, Some(d2.clone())));
    assert_eq!(svc.published_date(waiting).await, Some(d2));

    let (s, b) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/receive"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(svc.first_line(waiting).await, (4, 0, None));
    svc.assert_invariant("CENTRAL", "A").await;
    svc.assert_invariant("NORTH", "A").await;
}
