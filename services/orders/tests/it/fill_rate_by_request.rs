//! The 24 h parts fill rate by request (an order line is one request) beside the one
//! by quantity, per dealer, per warehouse and overall: partly shipped lines, a line
//! shipped after 24 h, cancelled orders (with something shipped before, and with
//! nothing), a shipment recorded without its lines, two warehouses; a dealer's own
//! figures only, wrong roles and bad parameters refused.

use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::Allocation;
use aftersales_messaging::contracts::catalog::{
    ShipmentDispatched, ShippedLine, StockReleased, StockReserved,
};
use aftersales_web::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, admin, allocation, dealer, order_id, token};

/// Dispatched `hours` after now (the order was placed just before).
fn shipment(order: Uuid, lines: &[(i32, &str, i32)], alloc: Allocation, hours: i64) -> Envelope {
    let event = ShipmentDispatched {
        shipment_id: Uuid::new_v4(),
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
        tracking_ref: "T-FILL".into(),
        allocation: alloc,
    };
    let mut envelope = Envelope::new("catalog", &event, Uuid::new_v4()).unwrap();
    envelope.occurred_at += chrono::Duration::hours(hours);
    envelope
}

async fn deliver(svc: &Svc, envelope: &Envelope) {
    svc.publish_envelope(envelope).await;
    assert!(
        svc.consumed(envelope).await,
        "{} never applied",
        envelope.event_type
    );
}

async fn reserve(svc: &Svc, order: Uuid, warehouse: &str, alloc: Allocation) {
    let event = StockReserved {
        order_id: order,
        warehouse: warehouse.parse().unwrap(),
        allocation: alloc,
    };
    let envelope = svc.publish("catalog", &event).await;
    assert!(svc.consumed(&envelope).await);
}

/// The dealer cancels `order`; catalog releases what had not shipped (`alloc`).
async fn cancel(svc: &Svc, order: Uuid, who: &str, alloc: Allocation) {
    let (status, body) = svc
        .call(
            "POST",
            &format!("/orders/{order}/cancel"),
            Some(&dealer(who)),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let envelope = svc
        .publish(
            "catalog",
            &StockReleased {
                order_id: order,
                allocation: alloc,
            },
        )
        .await;
    assert!(svc.consumed(&envelope).await);
    assert!(svc.wait_status(&order.to_string(), "cancelled").await);
}

async fn create_dealer(svc: &Svc, code: &str, warehouse: &str) {
    let (status, body) = svc
        .call(
            "POST",
            "/dealers",
            Some(&admin()),
            Some(
                json!({"code": code, "name": format!("Dealer {code}"), "tier": "gold",
                        "labor_rate": "80", "currency": "EUR", "home_warehouse": warehouse}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// The row of `rows` whose `field` is `code`.
fn row<'a>(rows: &'a Value, field: &str, code: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[field] == code)
        .unwrap_or_else(|| panic!("no {field} {code} in {rows}"))
}

/// Lines, lines filled, by-request rate, units, reserved, shipped, reserved rate,
/// by-quantity rate.
fn figures(r: &Value) -> (i64, i64, Value, i64, i64, i64, Value, Value) {
    (
        r["order_lines"].as_i64().unwrap(),
        r["order_lines_filled_within_24h"].as_i64().unwrap(),
        r["fill_rate_24h"].clone(),
        r["ordered_qty"].as_i64().unwrap(),
        r["reserved_at_placement_qty"].as_i64().unwrap(),
        r["shipped_within_24h_qty"].as_i64().unwrap(),
        r["reserved_at_placement_rate"].clone(),
        r["shipped_within_24h_rate"].clone(),
    )
}

fn s(v: &str) -> Value {
    json!(v)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fill_rate_counts_order_lines_filled_within_24_hours_per_dealer_and_warehouse() {
    let svc = Svc::start().await;
    create_dealer(&svc, "D001", "WH-HOME").await;
    create_dealer(&svc, "D002", "WH-2").await;
    create_dealer(&svc, "D003", "WH-3").await;
    svc.add_part("A", "10", true).await;
    svc.add_part("B", "20", true).await;

    // D001 at WH-HOME. o1: A×4 all shipped at once (filled); B×2 one at once, the
    // other 30 h later (partly shipped in time: not filled).
    let o1 = order_id(&svc.place(&dealer("D001"), &[("A", 4), ("B", 2)]).await);
    reserve(
        &svc,
        o1,
        "WH-HOME",
        allocation(1, &[(1, "A", 4, 4, 0, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
    )
    .await;
    let now = shipment(
        o1,
        &[(1, "A", 4), (2, "B", 1)],
        allocation(2, &[(1, "A", 4, 0, 0, 4, 0), (2, "B", 2, 1, 0, 1, 0)]),
        0,
    );
    deliver(&svc, &now).await;
    let late = shipment(
        o1,
        &[(2, "B", 1)],
        allocation(3, &[(1, "A", 4, 0, 0, 4, 0), (2, "B", 2, 0, 0, 2, 0)]),
        30,
    );
    deliver(&svc, &late).await;

    // o2: A×3, one shipped at once, then the dealer cancels and the other two are
    // released: a request of 1, filled.
    let o2 = order_id(&svc.place(&dealer("D001"), &[("A", 3)]).await);
    reserve(
        &svc,
        o2,
        "WH-HOME",
        allocation(1, &[(1, "A", 3, 3, 0, 0, 0)]),
    )
    .await;
    deliver(
        &svc,
        &shipment(
            o2,
            &[(1, "A", 1)],
            allocation(2, &[(1, "A", 3, 2, 0, 1, 0)]),
            0,
        ),
    )
    .await;
    cancel(&svc, o2, "D001", allocation(3, &[(1, "A", 3, 0, 0, 1, 2)])).await;

    // o3: B×5 backordered, cancelled before anything shipped: counts nowhere.
    let o3 = order_id(&svc.place(&dealer("D001"), &[("B", 5)]).await);
    reserve(
        &svc,
        o3,
        "WH-HOME",
        allocation(1, &[(1, "B", 5, 0, 5, 0, 0)]),
    )
    .await;
    cancel(&svc, o3, "D001", allocation(2, &[(1, "B", 5, 0, 0, 0, 5)])).await;

    // D002 at WH-2. o4: A×2 backordered at placement, reserved later and shipped 25 h
    // after placement: a line shipped after 24 h, not filled.
    let o4 = order_id(&svc.place(&dealer("D002"), &[("A", 2)]).await);
    reserve(&svc, o4, "WH-2", allocation(1, &[(1, "A", 2, 0, 2, 0, 0)])).await;
    reserve(&svc, o4, "WH-2", allocation(2, &[(1, "A", 2, 2, 0, 0, 0)])).await;
    deliver(
        &svc,
        &shipment(
            o4,
            &[(1, "A", 2)],
            allocation(3, &[(1, "A", 2, 0, 0, 2, 0)]),
            25,
        ),
    )
    .await;

    // D001 moves to WH-2. o5: A×1, B×2; B's two units ship at once, in a shipment
    // recorded without its lines (as before orders kept them): its units go to the
    // lines in line order, A's one then one of B's.
    let (status, body) = svc
        .call(
            "PUT",
            "/dealers/D001",
            Some(&admin()),
            Some(
                json!({"name": "Dealer D001", "tier": "gold", "labor_rate": "80",
                        "currency": "EUR", "home_warehouse": "WH-2", "active": true}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let o5 = order_id(&svc.place(&dealer("D001"), &[("A", 1), ("B", 2)]).await);
    reserve(
        &svc,
        o5,
        "WH-2",
        allocation(1, &[(1, "A", 1, 1, 0, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
    )
    .await;
    let unlined = shipment(
        o5,
        &[(2, "B", 2)],
        allocation(2, &[(1, "A", 1, 1, 0, 0, 0), (2, "B", 2, 0, 0, 2, 0)]),
        0,
    );
    deliver(&svc, &unlined).await;
    svc.exec(&format!(
        "DELETE FROM order_shipment_lines WHERE shipment_id IN \
         (SELECT shipment_id FROM order_shipments WHERE order_id = '{o5}')"
    ))
    .await;

    // D003 at WH-3: its only order cancelled before catalog saw it.
    let o6 = order_id(&svc.place(&dealer("D003"), &[("A", 1)]).await);
    cancel(&svc, o6, "D003", allocation(1, &[(1, "A", 1, 0, 0, 0, 1)])).await;

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let path = format!("/reports/fill-rate?from={today}&to={today}");
    let (status, report) = svc.call("GET", &path, Some(&admin()), None).await;
    assert_eq!(status, 200, "{report}");
    let none = Value::Null;
    // D001: o1 (2 lines, 1 filled), o2 (1 of 1), o5 (1 of 2); o3 left out.
    assert_eq!(
        figures(row(&report["dealers"], "dealer_code", "D001")),
        (5, 3, s("0.6000"), 10, 10, 8, s("1.0000"), s("0.8000"))
    );
    assert_eq!(
        figures(row(&report["dealers"], "dealer_code", "D002")),
        (1, 0, s("0.0000"), 2, 0, 0, s("0.0000"), s("0.0000"))
    );
    // Nothing asked for: nothing to measure, no 0 %.
    assert_eq!(
        figures(row(&report["dealers"], "dealer_code", "D003")),
        (0, 0, none.clone(), 0, 0, 0, none.clone(), none.clone())
    );
    // The order's warehouse: D001's o5 is WH-2's with D002's o4.
    assert_eq!(
        figures(row(&report["warehouses"], "warehouse", "WH-2")),
        (3, 1, s("0.3333"), 5, 3, 2, s("0.6000"), s("0.4000"))
    );
    assert_eq!(
        figures(row(&report["warehouses"], "warehouse", "WH-HOME")),
        (3, 2, s("0.6667"), 7, 7, 6, s("1.0000"), s("0.8571"))
    );
    assert_eq!(
        figures(row(&report["warehouses"], "warehouse", "WH-3")).2,
        none
    );
    assert_eq!(
        figures(&report["overall"]),
        (6, 3, s("0.5000"), 12, 10, 8, s("0.8333"), s("0.6667"))
    );
    assert_eq!(report["dealers"][0]["warehouse"], Value::Null);
    assert_eq!(report["warehouses"][0]["dealer_code"], Value::Null);
    assert_eq!(
        (
            &report["overall"]["dealer_code"],
            &report["overall"]["warehouse"]
        ),
        (&none, &none)
    );

    // CSV: the dealers (warehouse ALL), the warehouses (dealer ALL), then ALL,ALL;
    // empty cells where there is nothing to measure.
    let resp = svc
        .send(
            "GET",
            &format!("{path}&format=csv"),
            Some(&admin()),
            None,
            &[],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        vec![
            "dealer_code,warehouse,order_lines,order_lines_filled_within_24h,fill_rate_24h,\
             ordered_qty,reserved_at_placement_qty,shipped_within_24h_qty,\
             reserved_at_placement_rate,shipped_within_24h_rate",
            "D001,ALL,5,3,0.6000,10,10,8,1.0000,0.8000",
            "D002,ALL,1,0,0.0000,2,0,0,0.0000,0.0000",
            "D003,ALL,0,0,,0,0,0,,",
            "ALL,WH-2,3,1,0.3333,5,3,2,0.6000,0.4000",
            "ALL,WH-3,0,0,,0,0,0,,",
            "ALL,WH-HOME,3,2,0.6667,7,7,6,1.0000,0.8571",
            "ALL,ALL,6,3,0.5000,12,10,8,0.8333,0.6667",
        ],
        "{text}"
    );

    // A dealer sees its own figures only, its warehouses included.
    let (status, own) = svc.call("GET", &path, Some(&dealer("D002")), None).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["dealers"].as_array().unwrap().len(), 1);
    assert_eq!(own["warehouses"].as_array().unwrap().len(), 1);
    assert_eq!(
        figures(row(&own["warehouses"], "warehouse", "WH-2")),
        (1, 0, s("0.0000"), 2, 0, 0, s("0.0000"), s("0.0000"))
    );
    assert_eq!(own["overall"]["order_lines"], 1);

    // The warehouse and the administrator read every dealer's.
    let (status, staff) = svc
        .call("GET", &path, Some(&token(Role::Warehouse, None)), None)
        .await;
    assert_eq!((status, &staff["overall"]["order_lines"]), (200, &json!(6)));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_roles_and_bad_parameters_are_refused() {
    let svc = Svc::start().await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let path = format!("/reports/fill-rate?from={today}&to={today}");
    for role in [Role::Finance, Role::Quality, Role::QualityLead] {
        let (status, problem) = svc.call("GET", &path, Some(&token(role, None)), None).await;
        assert_eq!(status, 403, "{role:?}: {problem}");
    }
    assert_eq!(svc.call("GET", &path, None, None).await.0, 401);
    for (query, status, field) in [
        ("from=2024-01-01", 400, None),
        ("to=2024-01-01", 400, None),
        ("from=2024-01-01&to=someday", 422, Some("to")),
        ("from=2024-13-01&to=2024-12-31", 422, Some("from")),
        ("from=2024-02-01&to=2024-01-01", 422, Some("to")),
        (
            "from=2024-01-01&to=2024-01-31&format=xlsx",
            422,
            Some("format"),
        ),
    ] {
        let (got, problem) = svc
            .call(
                "GET",
                &format!("/reports/fill-rate?{query}"),
                Some(&admin()),
                None,
            )
            .await;
        assert_eq!(got, status, "{query}: {problem}");
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        }
    }
    // An empty period: every figure there is nothing to measure.
    let (status, empty) = svc
        .call(
            "GET",
            "/reports/fill-rate?from=2024-01-01&to=2024-01-31",
            Some(&admin()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{empty}");
    assert_eq!(empty["dealers"], json!([]));
    assert_eq!(empty["warehouses"], json!([]));
    assert_eq!(empty["overall"]["order_lines"], 0);
    assert_eq!(empty["overall"]["fill_rate_24h"], Value::Null);
    assert_eq!(empty["overall"]["shipped_within_24h_rate"], Value::Null);
}
