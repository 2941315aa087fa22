//! Replenishment suggestions from reorder settings, backorders, demand, stock in
//! transit and on order; selected suggestions drafted as one purchase order per
//! supplier; what is on order is not suggested again; refusals.

use aftersales_web::Role;
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, order, part};

async fn settings(svc: &Svc, pn: &str, point: i64, qty: i64) {
    let (s, b, _) = svc
        .call_as(
            Role::Warehouse,
            Method::PUT,
            &format!("/stock/CENTRAL/{pn}"),
            Some(json!({"reorder_point": point, "reorder_qty": qty})),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// `(part, suggested_qty)` of the suggestions for CENTRAL.
async fn suggested(svc: &Svc) -> Vec<(String, i64)> {
    let (s, b) = svc
        .get(Role::Warehouse, "/replenishment?warehouse=CENTRAL")
        .await;
    assert_eq!(s, 200, "{b}");
    b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["part_number"].as_str().unwrap().to_owned(),
                i["suggested_qty"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn suggestions_become_one_draft_per_supplier_and_are_not_suggested_again() {
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

    // A: 3 available, reorder point 10 in boxes of 4. B: 5 backordered, no settings.
    // Z (another supplier): reorder point 2, nothing in stock. C: never stocked here.
    svc.receive("CENTRAL", "A", 3).await;
    settings(&svc, "A", 10, 4).await;
    settings(&svc, "Z", 2, 0).await;
    let mut c = svc.pool.get().await.unwrap();
    let o = order(Uuid::new_v4(), &[(1, "B", 5)], false, 10);
    c.transaction(async |c| {
        catalog::app::reservations::place(c, &o, crate::support::cause()).await
    })
    .await
    .unwrap();
    drop(c);

    let (s, b) = svc
        .get(
            Role::Admin,
            "/replenishment?warehouse=CENTRAL&window_days=7",
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["window_days"], 7);
    let a = &b["items"][0];
    assert_eq!(
        (
            a["part_number"].as_str(),
            a["inventory_position"].as_i64(),
            a["cover"].as_i64(),
            a["suggested_qty"].as_i64()
        ),
        (Some("A"), Some(3), Some(10), Some(8)),
        "{b}"
    );
    let b_line = &b["items"][1];
    assert_eq!(
        (
            b_line["backordered"].as_i64(),
            b_line["demand"].as_i64(),
            b_line["inventory_position"].as_i64(),
            b_line["suggested_qty"].as_i64()
        ),
        (Some(5), Some(5), Some(-5), Some(10)),
        "the backorder and the window's demand: {b}"
    );
    assert_eq!(
        suggested(&svc).await,
        vec![("A".into(), 8), ("B".into(), 10), ("Z".into(), 2)]
    );

    // CSV for the buyer's spreadsheet.
    let (s, ct, text) = svc
        .get_text(
            Role::Warehouse,
            "/replenishment?warehouse=CENTRAL&format=csv",
            "application/json",
        )
        .await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(
        text.starts_with("part_number,description,supplier,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "{text}");

    // No price agreed yet: the line asks for one.
    let body = |lines: Value| {
        json!({"warehouse": "CENTRAL", "currency": "EUR",
               "expected_date": (Utc::now() + Duration::days(14)).date_naive(), "lines": lines})
    };
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/replenishment/purchase-orders",
            body(json!([{"part_number": "A"}])),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b.to_string().contains("lines[0].unit_price"), "{b}");

    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/replenishment/purchase-orders",
            body(json!([
                {"part_number": "Z", "unit_price": "3.00"},
                {"part_number": "A", "unit_price": "7.50"},
                {"part_number": "B", "unit_price": "6.00", "qty": 6}
            ])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let drafts = b["purchase_orders"].as_array().unwrap();
    assert_eq!(drafts.len(), 2, "one per supplier: {b}");
    assert_eq!(
        (drafts[0]["supplier"].as_str(), drafts[0]["status"].as_str()),
        (Some("SUP1"), Some("draft"))
    );
    let lines: Vec<(Value, Value)> = drafts[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["part_number"].clone(), l["qty"].clone()))
        .collect();
    assert_eq!(
        lines,
        vec![(json!("A"), json!(8)), (json!("B"), json!(6))],
        "suggested, or as changed"
    );
    assert_eq!(drafts[1]["supplier"], "SUP2");
    assert_eq!(drafts[1]["lines"][0]["qty"], 2);

    // Drafts are not on order; sent, what they bring is not suggested again (B still
    // lacks the 4 units that were not ordered).
    assert_eq!(suggested(&svc).await.len(), 3);
    for d in drafts {
        let id = d["id"].as_str().unwrap();
        let (s, b) = svc
            .post(
                Role::Warehouse,
                &format!("/purchase-orders/{id}/send"),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    assert_eq!(suggested(&svc).await, vec![("B".into(), 4)]);

    // The last agreed price is now known: no price needed.
    let (s, b) = svc
        .post(
            Role::Warehouse,
            "/replenishment/purchase-orders",
            body(json!([{"part_number": "B"}])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["purchase_orders"][0]["lines"][0]["unit_price"], "6.0000");
    assert_eq!(b["purchase_orders"][0]["lines"][0]["qty"], 4);

    // A price agreed in another currency is not taken for this one.
    let mut in_usd = body(json!([{"part_number": "A", "qty": 4}]));
    in_usd["currency"] = json!("USD");
    let (s, b) = svc
        .post(Role::Warehouse, "/replenishment/purchase-orders", in_usd)
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b.to_string().contains("is in EUR"), "{b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn replenishment_refuses_wrong_roles_and_bad_input() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 1).await;
    for role in [
        Role::Dealer,
        Role::Quality,
        Role::QualityLead,
        Role::Finance,
    ] {
        let (s, _) = svc.get(role, "/replenishment?warehouse=CENTRAL").await;
        assert_eq!(s, 403, "{role:?}");
    }
    let today = Utc::now().date_naive();
    let body = json!({"warehouse": "CENTRAL", "currency": "EUR", "expected_date": today,
                      "lines": [{"part_number": "A", "qty": 1, "unit_price": "1.00"}]});
    for role in [Role::Dealer, Role::Admin, Role::Finance] {
        let (s, _) = svc
            .post(role, "/replenishment/purchase-orders", body.clone())
            .await;
        assert_eq!(s, 403, "{role:?}");
    }
    for (query, field) in [
        ("warehouse=MOON", "warehouse"),
        ("warehouse=CENTRAL&window_days=0", "window_days"),
        ("warehouse=CENTRAL&window_days=366", "window_days"),
        ("warehouse=CENTRAL&format=xml", "format"),
    ] {
        let (s, b) = svc
            .get(Role::Warehouse, &format!("/replenishment?{query}"))
            .await;
        assert_eq!(s, 422, "{query}: {b}");
        assert!(b.to_string().contains(field), "{query}: {b}");
    }
    assert_eq!(svc.get(Role::Warehouse, "/replenishment").await.0, 400);

    let refused = async |change: &dyn Fn(&mut Value), field: &str| {
        let mut b = body.clone();
        change(&mut b);
        let (s, answer) = svc
            .post(Role::Warehouse, "/replenishment/purchase-orders", b)
            .await;
        assert_eq!(s, 422, "{field}: {answer}");
        assert!(answer.to_string().contains(field), "{field}: {answer}");
    };
    refused(
        &|b| b["expected_date"] = json!(today - Duration::days(1)),
        "expected_date",
    )
    .await;
    refused(&|b| b["lines"] = json!([]), "lines").await;
    refused(
        &|b| b["lines"][0]["part_number"] = json!("C"),
        "lines[0].part_number",
    )
    .await;
    refused(&|b| b["lines"][0]["qty"] = json!(0), "lines[0].qty").await;
    refused(
        &|b| b["lines"][0]["unit_price"] = json!("-1"),
        "lines[0].unit_price",
    )
    .await;
    refused(
        &|b| {
            b["lines"] = json!([{"part_number": "A", "qty": 1, "unit_price": "1.00"},
                                 {"part_number": "A", "qty": 2, "unit_price": "1.00"}])
        },
        "lines[1].part_number",
    )
    .await;
    refused(
        &|b| b["lines"] = json!([{"part_number": "A", "unit_price": "1.00"}]),
        "lines[0].qty",
    )
    .await;
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM purchase_orders").await,
        0,
        "nothing drafted by a refused request"
    );
}
