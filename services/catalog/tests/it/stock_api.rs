//! Stock levels, ledger, receipts, adjustments, counts, transfers, stock-low,
//! shipments and quarantine.

use aftersales_messaging::contracts::inspection::{Disposition, PartDisposed, PartReceived};
use aftersales_web::Role;
use diesel_async::AsyncConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, envelope, order, other_roles};

async fn place(svc: &Svc, o: &aftersales_messaging::contracts::orders::OrderPlaced) {
    let mut c = svc.pool.get().await.unwrap();
    c.transaction(async |c| catalog::app::reservations::place(c, o, crate::support::cause()).await)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn receipts_adjustments_counts_post_to_the_ledger() {
    let svc = Svc::start().await;
    svc.seed().await;
    let s = svc.receive("CENTRAL", "A", 10).await;
    assert_eq!(
        (s["on_hand"].as_i64(), s["available"].as_i64()),
        (Some(10), Some(10))
    );
    let (st, s) = svc
        .post(
            Role::Warehouse,
            "/adjustments",
            json!({"warehouse": "CENTRAL", "part_number": "A", "delta": -3, "reason": "damaged"}),
        )
        .await;
    assert_eq!(st, 201, "{s}");
    assert_eq!(s["on_hand"], 7);
    let (st, c) = svc
        .post(
            Role::Warehouse,
            "/counts",
            json!({"warehouse": "CENTRAL", "part_number": "A", "counted": 5}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(
        (c["expected"].as_i64(), c["variance"].as_i64()),
        (Some(7), Some(-2))
    );

    place(&svc, &order(Uuid::new_v4(), &[(1, "A", 4)], false, 0)).await;
    let s = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (
            s["on_hand"].as_i64(),
            s["reserved"].as_i64(),
            s["available"].as_i64()
        ),
        (Some(5), Some(4), Some(1))
    );
    let (st, b) = svc
        .post(
            Role::Warehouse,
            "/adjustments",
            json!({"warehouse": "CENTRAL", "part_number": "A", "delta": -2, "reason": "lost"}),
        )
        .await;
    assert_eq!(st, 409, "never below reserved: {b}");
    let (st, _) = svc
        .post(
            Role::Warehouse,
            "/counts",
            json!({"warehouse": "CENTRAL", "part_number": "A", "counted": 3}),
        )
        .await;
    assert_eq!(st, 409);

    let (st, m) = svc.get(Role::Admin, "/stock/CENTRAL/A/movements").await;
    assert_eq!(st, 200);
    let items = m["items"].as_array().unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["receipt", "adjustment", "count_variance"]);
    assert_eq!(items[0]["reference"], "PO-1");
    assert_eq!(items[0]["actor"], "tester");
    assert_eq!(items[1]["reason_code"], "damaged");
    let (_, list) = svc.get(Role::Warehouse, "/stock?warehouse=CENTRAL").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    svc.assert_invariant("CENTRAL", "A").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_endpoints_refuse_wrong_roles_and_bad_input() {
    let svc = Svc::start().await;
    svc.seed().await;
    let receipt = json!({"warehouse": "CENTRAL", "part_number": "A", "qty": 1});
    let writes = [
        ("/receipts", receipt.clone()),
        (
            "/adjustments",
            json!({"warehouse": "CENTRAL", "part_number": "A", "delta": 1, "reason": "found"}),
        ),
        (
            "/counts",
            json!({"warehouse": "CENTRAL", "part_number": "A", "counted": 1}),
        ),
        (
            "/transfers",
            json!({"from_warehouse": "CENTRAL", "to_warehouse": "NORTH", "part_number": "A", "qty": 1}),
        ),
        (
            "/shipments",
            json!({"order_id": Uuid::new_v4(), "carrier": "DHL", "tracking_ref": "T1"}),
        ),
    ];
    for role in other_roles(&[Role::Warehouse]) {
        for (path, body) in &writes {
            let (s, b) = svc.post(role, path, body.clone()).await;
            assert_eq!(s, 403, "{role} {path}: {b}");
        }
        let (s, _, _) = svc
            .call_as(
                role,
                Method::PUT,
                "/stock/CENTRAL/A",
                Some(json!({"reorder_point": 1, "reorder_qty": 1})),
                &[],
            )
            .await;
        assert_eq!(s, 403);
    }
    for role in other_roles(&[Role::Warehouse, Role::Admin]) {
        for path in [
            "/stock",
            "/stock/CENTRAL/A",
            "/stock/CENTRAL/A/movements",
            "/transfers",
        ] {
            let (s, _) = svc.get(role, path).await;
            assert_eq!(s, 403, "{role} {path}");
        }
        let (s, _) = svc
            .get(role, &format!("/reservations?order_id={}", Uuid::new_v4()))
            .await;
        assert_eq!(s, 403);
    }
    for (qty, why) in [
        (json!(0), "zero"),
        (json!(-5), "negative"),
        (json!(1_000_001), "over the limit"),
    ] {
        let (s, b) = svc
            .post(
                Role::Warehouse,
                "/receipts",
                json!({"warehouse": "CENTRAL", "part_number": "A", "qty": qty}),
            )
            .await;
        assert_eq!(s, 422, "{why}: {b}");
        assert_eq!(b["errors"][0]["field"], "qty");
    }
    let (s, _) = svc
        .post(
            Role::Warehouse,
            "/receipts",
            json!({"warehouse": "CENTRAL", "part_number": "A", "qty": "many"}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/receipts",
            json!({"warehouse": "MOON", "part_number": "A", "qty": 1}),
        )
        .await;
    assert_eq!(s, 422);
    assert!(b["detail"].as_str().unwrap().contains("MOON"), "{b}");
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/receipts",
            json!({"warehouse": "CENTRAL", "part_number": "NOPE", "qty": 1}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["errors"][0]["field"], "part_number");
    let (s, _) = svc
        .post(
            Role::Warehouse,
            "/adjustments",
            json!({"warehouse": "CENTRAL", "part_number": "A", "delta": 0, "reason": "found"}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = svc
        .post(
            Role::Warehouse,
            "/adjustments",
            json!({"warehouse": "CENTRAL", "part_number": "A", "delta": 1, "reason": "whim"}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = svc
        .post(
            Role::Warehouse,
            "/counts",
            json!({"warehouse": "CENTRAL", "part_number": "A", "counted": -1}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = svc
        .post(Role::Warehouse, "/transfers", json!({"from_warehouse": "CENTRAL", "to_warehouse": "CENTRAL", "part_number": "A", "qty": 1}))
        .await;
    assert_eq!(s, 422);
    let (s, b) = svc
        .post(Role::Warehouse, "/transfers", json!({"from_warehouse": "CENTRAL", "to_warehouse": "SOUTH", "part_number": "A", "qty": 1}))
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["errors"][0]["field"], "to_warehouse");
    let (s, _) = svc.get(Role::Warehouse, "/stock/MOON/A").await;
    assert_eq!(s, 404);
    let (s, _) = svc
        .get(Role::Warehouse, "/stock/CENTRAL/NOPE/movements")
        .await;
    assert_eq!(s, 404);
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{}/dispatch", Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = svc
        .get(Role::Warehouse, "/reservations?order_id=nope")
        .await;
    assert_eq!(s, 400);
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            json!({"order_id": Uuid::new_v4(), "carrier": "DHL", "tracking_ref": "T"}),
        )
        .await;
    assert_eq!(s, 422, "unknown order: {b}");
    let (s, _) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            json!({"order_id": Uuid::new_v4(), "carrier": "", "tracking_ref": "T"}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _, _) = svc
        .call_as(
            Role::Warehouse,
            Method::PUT,
            "/stock/CENTRAL/A",
            Some(json!({"reorder_point": -1, "reorder_qty": 1})),
            &[],
        )
        .await;
    assert_eq!(s, 422);
    // Nothing of the above wrote a movement.
    let (_, m) = svc.get(Role::Warehouse, "/stock/CENTRAL/A/movements").await;
    assert_eq!(m["items"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn transfers_move_stock_requested_in_transit_received() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 10).await;
    let body =
        json!({"from_warehouse": "CENTRAL", "to_warehouse": "NORTH", "part_number": "A", "qty": 4});
    let (s, t1) = svc.post(Role::Warehouse, "/transfers", body.clone()).await;
    assert_eq!(s, 201, "{t1}");
    assert_eq!(t1["status"], "requested");
    let (s, t) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{}/cancel", t1["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!((s.as_u16(), t["status"].clone()), (200, json!("cancelled")));

    let (_, t2) = svc.post(Role::Warehouse, "/transfers", body.clone()).await;
    let id = t2["id"].as_str().unwrap();
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/receive"),
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "not yet dispatched");
    let (s, t) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/dispatch"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), t["status"].clone()),
        (200, json!("in_transit"))
    );
    assert_eq!(svc.stock("CENTRAL", "A").await["on_hand"], 6);
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "cancel only while requested");
    let (s, t) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/receive"),
            json!({}),
        )
        .await;
    assert_eq!((s.as_u16(), t["status"].clone()), (200, json!("received")));
    assert_eq!(svc.stock("NORTH", "A").await["on_hand"], 4);
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/receive"),
            json!({}),
        )
        .await;
    assert_eq!(s, 409);

    let mut big = body.clone();
    big["qty"] = json!(7);
    let (_, t3) = svc.post(Role::Warehouse, "/transfers", big).await;
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{}/dispatch", t3["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "only 6 available");
    svc.assert_invariant("CENTRAL", "A").await;
    svc.assert_invariant("NORTH", "A").await;
    let (_, m) = svc.get(Role::Warehouse, "/stock/NORTH/A/movements").await;
    assert_eq!(m["items"][0]["kind"], "transfer_in");
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_low_fires_once_per_crossing() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, b, _) = svc
        .call_as(
            Role::Warehouse,
            Method::PUT,
            "/stock/CENTRAL/A",
            Some(json!({"reorder_point": 5, "reorder_qty": 20, "bin": "R1-S2"})),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["bin"], "R1-S2");
    svc.receive("CENTRAL", "A", 10).await;
    let adjust = |d: i64| json!({"warehouse": "CENTRAL", "part_number": "A", "delta": d, "reason": "data_correction"});
    for d in [-6, -1] {
        let (s, _) = svc.post(Role::Warehouse, "/adjustments", adjust(d)).await;
        assert_eq!(s, 201);
    }
    let lows = svc.outbox_envelopes("catalog.stock_low").await;
    assert_eq!(lows.len(), 1, "once while below");
    assert_eq!(lows[0].payload["available"], 4);
    assert_eq!(lows[0].payload["reorder_qty"], 20);
    svc.receive("CENTRAL", "A", 10).await;
    let (s, _) = svc.post(Role::Warehouse, "/adjustments", adjust(-12)).await;
    assert_eq!(s, 201);
    assert_eq!(
        svc.outbox_envelopes("catalog.stock_low").await.len(),
        2,
        "again after a new crossing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shipments_ship_reserved_units_only() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 3).await;
    svc.receive("CENTRAL", "B", 2).await;
    let id = Uuid::new_v4();
    place(&svc, &order(id, &[(1, "A", 5), (2, "B", 1)], false, 0)).await;
    let ship = |lines: Value| json!({"order_id": id, "carrier": "DHL", "tracking_ref": "TRK-1", "lines": lines});
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            ship(json!([{"line_no": 1, "qty": 4}])),
        )
        .await;
    assert_eq!(s, 409, "only 3 reserved: {b}");
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            ship(json!([{"line_no": 9, "qty": 1}])),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            ship(json!([{"line_no": 1, "qty": 0}])),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            ship(json!([{"line_no": 1, "qty": 2}])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["allocation_version"], 2);
    let s_a = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (s_a["on_hand"].as_i64(), s_a["reserved"].as_i64()),
        (Some(1), Some(1))
    );
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            json!({"order_id": id, "carrier": "UPS", "tracking_ref": "TRK-2"}),
        )
        .await;
    assert_eq!(s, 201, "the rest: {b}");
    assert_eq!(b["lines"].as_array().unwrap().len(), 2);
    let (s, _) = svc
        .post(
            Role::Warehouse,
            "/shipments",
            json!({"order_id": id, "carrier": "UPS", "tracking_ref": "TRK-3"}),
        )
        .await;
    assert_eq!(s, 409, "nothing left reserved");
    let events = svc.outbox_envelopes("catalog.shipment_dispatched").await;
    assert_eq!(events.len(), 2);
    let alloc = &events[1].payload["allocation"];
    assert_eq!(alloc["allocation_version"], 3);
    assert_eq!(alloc["lines"][0]["shipped"], 3);
    assert_eq!(alloc["lines"][0]["backordered"], 2);
    assert_eq!(events[1].payload["tracking_ref"], "TRK-2");
    let (_, m) = svc.get(Role::Warehouse, "/stock/CENTRAL/A/movements").await;
    assert_eq!(m["items"][1]["kind"], "shipment");
    assert_eq!(m["items"][1]["qty"], -2);
    svc.assert_invariant("CENTRAL", "A").await;
    svc.assert_invariant("CENTRAL", "B").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quarantine_in_and_out_from_inspection_events() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 1).await;
    let claim = Uuid::new_v4();
    let received = envelope(&PartReceived {
        claim_id: claim,
        part_number: "A".parse().unwrap(),
        quantity: 2,
        warehouse: "CENTRAL".parse().unwrap(),
    });
    svc.publish_envelope(&received).await;
    svc.publish_envelope(&received).await;
    svc.wait("quarantine in", || async {
        svc.stock("CENTRAL", "A").await["quarantined"] == 2
    })
    .await;
    let s = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (s["on_hand"].as_i64(), s["available"].as_i64()),
        (Some(3), Some(1)),
        "quarantined is not available"
    );
    let disposed = envelope(&PartDisposed {
        claim_id: claim,
        part_number: "A".parse().unwrap(),
        quantity: 2,
        warehouse: "CENTRAL".parse().unwrap(),
        disposition: Disposition::Scrap,
    });
    svc.publish_envelope(&disposed).await;
    svc.wait("quarantine out", || async {
        svc.stock("CENTRAL", "A").await["quarantined"] == 0
    })
    .await;
    let s = svc.stock("CENTRAL", "A").await;
    assert_eq!(s["on_hand"], 1, "the redelivered receipt applied once");
    let (_, m) = svc.get(Role::Warehouse, "/stock/CENTRAL/A/movements").await;
    let kinds: Vec<_> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["receipt", "quarantine_in", "quarantine_out"]);
    svc.assert_invariant("CENTRAL", "A").await;
}
