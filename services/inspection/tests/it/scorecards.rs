//! Dealer scorecards: each figure counted from what inspection keeps (claims, returned
//! parts, campaigns, and orders' placements, shipments and cancellations as the events
//! told them, line by line),
//! per dealer and month; a dealer sees only itself; wrong roles and bad months refused.

use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::Allocation;
use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine};
use aftersales_messaging::contracts::orders::{OrderCancelled, OrderLine, OrderPlaced, Priority};
use aftersales_web::Role;
use chrono::{DateTime, Days, TimeZone as _, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, admin, brake_claim, days_ago, dealer, id_of, quality, token};

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, day, hour, 0, 0).unwrap()
}

fn order(id: Uuid, dealer: &str, placed_at: DateTime<Utc>, qtys: &[i32]) -> OrderPlaced {
    OrderPlaced {
        order_id: id,
        order_number: format!("SO-{}", &id.to_string()[..8]),
        dealer_code: dealer.parse().unwrap(),
        warehouse: "WH-1".parse().unwrap(),
        priority: Priority::Stock,
        placed_at,
        lines: qtys
            .iter()
            .zip(1..)
            .map(|(&qty, line_no)| OrderLine {
                line_no,
                part_number: "BRK-1".parse().unwrap(),
                qty,
            })
            .collect(),
    }
}

/// A shipment of `qty` units of the order's first line, dispatched at `at`.
fn shipment(id: Uuid, order_id: Uuid, qty: i32, at: DateTime<Utc>) -> Envelope {
    shipment_of(id, order_id, &[(1, qty)], at)
}

/// A shipment of `(line_no, qty)` units of the order's lines, dispatched at `at`.
fn shipment_of(id: Uuid, order_id: Uuid, lines: &[(i32, i32)], at: DateTime<Utc>) -> Envelope {
    let event = ShipmentDispatched {
        shipment_id: id,
        order_id,
        lines: lines
            .iter()
            .map(|&(line_no, qty)| ShippedLine {
                line_no,
                part_number: "BRK-1".parse().unwrap(),
                qty,
            })
            .collect(),
        carrier: "DHL".into(),
        tracking_ref: "T-1".into(),
        allocation: Allocation {
            allocation_version: 2,
            lines: Vec::new(),
        },
    };
    let mut envelope = Envelope::new("catalog", &event, Uuid::new_v4()).unwrap();
    envelope.occurred_at = at;
    envelope
}

async fn deliver(svc: &Svc, envelope: &Envelope) {
    svc.publish_envelope(envelope).await;
    assert!(
        svc.consumed(envelope).await,
        "{} never arrived",
        envelope.event_type
    );
}

fn card<'a>(cards: &'a Value, dealer: &str, month: &str) -> &'a Value {
    cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dealer_code"] == dealer && c["month"] == month)
        .unwrap_or_else(|| panic!("no card of {dealer} for {month} in {cards}"))
}

/// The sum of `field` over `dealer`'s cards.
fn total(cards: &Value, dealer: &str, field: &str) -> i64 {
    cards
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["dealer_code"] == dealer)
        .map(|c| c[field].as_i64().unwrap())
        .sum()
}

/// The dealer's cancellation of `order_id`, told at `at`.
fn cancellation(order_id: Uuid, at: DateTime<Utc>) -> Envelope {
    let mut envelope =
        Envelope::new("orders", &OrderCancelled { order_id }, Uuid::new_v4()).unwrap();
    envelope.occurred_at = at;
    envelope
}

/// Order lines, of them filled within 24 h, by-request rate, units, of them shipped
/// within 24 h, by-quantity rate.
fn fill(card: &Value) -> (i64, i64, Value, i64, i64, Value) {
    (
        card["order_lines"].as_i64().unwrap(),
        card["order_lines_filled_within_24h"].as_i64().unwrap(),
        card["fill_rate_24h"].clone(),
        card["units_ordered"].as_i64().unwrap(),
        card["units_shipped_within_24h"].as_i64().unwrap(),
        card["fill_rate_24h_by_quantity"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fill_rate_counts_units_shipped_within_24_hours_of_placement() {
    let svc = Svc::standard().await;
    let (first, second, third) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    // The shipment may arrive before its order: they are joined when read.
    let early = shipment(Uuid::new_v4(), first, 3, at(10, 20));
    deliver(&svc, &early).await;
    deliver(
        &svc,
        &svc.publish("orders", &order(first, "D001", at(10, 10), &[3, 1]))
            .await,
    )
    .await;
    // The same shipment told twice (a new envelope): counted once.
    let mut again = early.clone();
    again.event_id = Uuid::new_v4();
    deliver(&svc, &again).await;
    // Shipped two days after placement: ordered, not filled within 24 h.
    deliver(
        &svc,
        &svc.publish("orders", &order(second, "D001", at(20, 9), &[2]))
            .await,
    )
    .await;
    deliver(&svc, &shipment(Uuid::new_v4(), second, 2, at(22, 9))).await;
    // D002 in February: not January's.
    deliver(
        &svc,
        &svc.publish(
            "orders",
            &order(
                third,
                "D002",
                Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
                &[5],
            ),
        )
        .await,
    )
    .await;

    let (status, cards) = svc
        .call(
            "GET",
            "/reports/dealer-scorecards?from=2026-01&to=2026-02",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cards}");
    assert_eq!(
        cards.as_array().unwrap().len(),
        4,
        "two dealers, two months"
    );
    // By request: of the first order's lines the 3 units of line 1 shipped in time,
    // line 2's unit never did; the second order's line shipped late. By quantity: 3 of 6.
    let january = card(&cards, "D001", "2026-01");
    assert_eq!(
        fill(january),
        (3, 1, json!("0.3333"), 6, 3, json!("0.5000"))
    );
    assert_eq!(january["rejection_rate"], Value::Null, "no claims: no data");
    let d002 = card(&cards, "D002", "2026-02");
    assert_eq!(d002["fill_rate_24h"], "0.0000");
    assert_eq!(d002["fill_rate_24h_by_quantity"], "0.0000");
    assert_eq!(
        card(&cards, "D002", "2026-01")["fill_rate_24h"],
        Value::Null
    );

    // CSV: a header and a row per dealer and month, empty cells for no data.
    let resp = svc
        .http
        .get(format!(
            "{}/api/v1/reports/dealer-scorecards?from=2026-01&format=csv",
            svc.base
        ))
        .bearer_auth(dealer("D001"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("dealer_code,month,claims_decided,"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("D001,2026-01,0,0,,0,0,,3,1,0.3333,6,3,0.5000,,,0,0,"),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fill_rate_leaves_out_what_the_dealer_cancelled_line_by_line() {
    let svc = Svc::standard().await;
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
    let (partly, cancelled, nothing, raced, kept_before) = (ids[0], ids[1], ids[2], ids[3], ids[4]);

    // 4, 2 and 3 units: line 1 all at once (filled), line 2 one at once and one two
    // days later (partly shipped in time: not filled), line 3 never.
    deliver(
        &svc,
        &svc.publish("orders", &order(partly, "D001", at(5, 10), &[4, 2, 3]))
            .await,
    )
    .await;
    deliver(
        &svc,
        &shipment_of(Uuid::new_v4(), partly, &[(1, 4), (2, 1)], at(5, 20)),
    )
    .await;
    deliver(
        &svc,
        &shipment_of(Uuid::new_v4(), partly, &[(2, 1)], at(7, 10)),
    )
    .await;

    // Cancelled after 1 unit of line 1 shipped; the cancellation arrives before the
    // placement, and twice. Line 1 asks for that 1 unit (filled), line 2 for nothing.
    let cancel = cancellation(cancelled, at(6, 12));
    deliver(&svc, &cancel).await;
    let mut again = cancel.clone();
    again.event_id = Uuid::new_v4();
    deliver(&svc, &again).await;
    deliver(
        &svc,
        &shipment_of(Uuid::new_v4(), cancelled, &[(1, 1)], at(6, 9)),
    )
    .await;
    deliver(
        &svc,
        &svc.publish("orders", &order(cancelled, "D001", at(6, 8), &[3, 2]))
            .await,
    )
    .await;

    // Cancelled before anything shipped: counts nowhere.
    deliver(
        &svc,
        &svc.publish("orders", &order(nothing, "D001", at(8, 8), &[5]))
            .await,
    )
    .await;
    deliver(&svc, &cancellation(nothing, at(8, 9))).await;

    // Cancelled, but catalog had shipped everything before it saw the cancellation:
    // the whole line was asked for, and filled.
    deliver(
        &svc,
        &svc.publish("orders", &order(raced, "D001", at(9, 8), &[2]))
            .await,
    )
    .await;
    deliver(&svc, &cancellation(raced, at(9, 9))).await;
    deliver(&svc, &shipment(Uuid::new_v4(), raced, 2, at(9, 10))).await;

    // An order and its shipment kept before inspection kept lines: one request of its
    // 4 units, filled.
    svc.exec(&format!(
        "INSERT INTO placed_orders (order_id, dealer_code, placed_at, ordered)
         VALUES ('{kept_before}', 'D001', '2026-01-12T08:00:00Z', 4)"
    ))
    .await;
    svc.exec(&format!(
        "INSERT INTO order_shipments (shipment_id, order_id, dispatched_at, qty)
         VALUES ('{}', '{kept_before}', '2026-01-12T18:00:00Z', 4)",
        Uuid::new_v4()
    ))
    .await;

    let (status, cards) = svc
        .call(
            "GET",
            "/reports/dealer-scorecards?from=2026-01&dealer=D001",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cards}");
    // Lines: 3 + 1 + 0 + 1 + 1, filled 1 + 1 + 1 + 1; units 9 + 1 + 2 + 4, in time
    // 5 + 1 + 2 + 4.
    assert_eq!(
        fill(card(&cards, "D001", "2026-01")),
        (6, 4, json!("0.6667"), 16, 12, json!("0.7500"))
    );
    assert_eq!(
        svc.count(&format!(
            "SELECT count(*) AS n FROM cancelled_orders WHERE order_id = '{cancelled}'"
        ))
        .await,
        1
    );
    assert_eq!(
        svc.count(&format!(
            "SELECT count(*) AS n FROM placed_order_lines WHERE order_id = '{partly}'"
        ))
        .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_returns_and_campaigns_are_scored_per_dealer() {
    let svc = Svc::standard().await;
    // D001: one claim approved by an inspector (its part back in time), one rejected at
    // submission (a duplicate). D002: one awaiting its part.
    let id = id_of(&svc.claim("D001", brake_claim()).await);
    for (verb, body) in [
        ("part-receipt", json!({"warehouse": "WH-QA", "quantity": 2})),
        (
            "findings",
            json!({"failure_mode": "wear", "cause_code": "supplier_defect"}),
        ),
        ("decision", json!({"decision": "approved"})),
    ] {
        let (status, body) = svc
            .call(
                "POST",
                &format!("/claims/{id}/{verb}"),
                Some(&quality()),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let duplicate = svc.claim("D001", brake_claim()).await;
    assert_eq!(duplicate["status"], "rejected", "{duplicate}");
    let mut other = brake_claim();
    other["unit_serial"] = json!("VIN-2");
    svc.claim("D002", other).await;
    // A recall of X1: VIN-1 and a new VIN-5 of D001, VIN-2 of D002; VIN-5 claimed.
    let ahead = (Utc::now().date_naive() + Days::new(30)).to_string();
    svc.create(
        &admin(),
        "/campaigns",
        json!({"code": "RC-SCORE", "title": "Brake pad recall", "models": ["X1"],
               "parts": [{"part_number": "BRK-1", "qty": 2}],
               "labor": [{"operation_code": "BRK-R01", "hours": "1.5"}],
               "valid_from": days_ago(30), "valid_to": ahead}),
    )
    .await;
    svc.register("D001", "VIN-5").await;
    let mut recall = brake_claim();
    recall["unit_serial"] = json!("VIN-5");
    recall["campaign_code"] = json!("RC-SCORE");
    svc.claim("D001", recall).await;

    // The parts are due back in 14 days: this month or the next.
    let now = Utc::now();
    let this = now.format("%Y-%m").to_string();
    let next = (now + chrono::Duration::days(31))
        .format("%Y-%m")
        .to_string();
    let path = format!("/reports/dealer-scorecards?from={this}&to={next}");
    let (status, cards) = svc.call("GET", &path, Some(&admin()), None).await;
    assert_eq!(status, 200, "{cards}");
    let mine = card(&cards, "D001", &this);
    assert_eq!(
        (
            mine["claims_decided"].as_i64(),
            mine["claims_rejected"].as_i64(),
            mine["rejection_rate"].as_str()
        ),
        (Some(2), Some(1), Some("0.5000"))
    );
    assert!(mine["avg_cycle_hours"].is_string(), "{mine}");
    assert_eq!(
        (
            mine["campaign_units"].as_i64(),
            mine["campaign_units_completed"].as_i64(),
            mine["campaign_completion"].as_str()
        ),
        (Some(2), Some(1), Some("0.5000"))
    );
    assert_eq!(card(&cards, "D002", &this)["campaign_completion"], "0.0000");
    // The approved claim's part came back on time; the others are not due yet.
    assert_eq!(total(&cards, "D001", "returns_due"), 1);
    assert_eq!(total(&cards, "D001", "returned_on_time"), 1);
    assert_eq!(total(&cards, "D002", "returns_due"), 0);
    assert_eq!(card(&cards, "D002", &this)["rejection_rate"], Value::Null);

    // A dealer sees only itself, whatever it names.
    let (status, own) = svc
        .call(
            "GET",
            &format!("{path}&dealer=D001"),
            Some(&dealer("D002")),
            None,
        )
        .await;
    assert_eq!(status, 200, "{own}");
    assert!(
        own.as_array()
            .unwrap()
            .iter()
            .all(|c| c["dealer_code"] == "D002"),
        "{own}"
    );
    let (status, one) = svc
        .call(
            "GET",
            &format!("{path}&dealer=D001"),
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        one.as_array()
            .unwrap()
            .iter()
            .all(|c| c["dealer_code"] == "D001")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_roles_unknown_dealers_and_bad_months_are_refused() {
    let svc = Svc::standard().await;
    let get = |path: &str, who: String| {
        let svc = &svc;
        let path = path.to_owned();
        async move { svc.call("GET", &path, Some(&who), None).await }
    };
    for role in [Role::Warehouse, Role::Finance] {
        let (status, _) = get("/reports/dealer-scorecards?from=2026-01", token(role)).await;
        assert_eq!(status, 403, "{role:?}");
    }
    let (status, problem) = get(
        "/reports/dealer-scorecards?from=2026-01&dealer=D999",
        quality(),
    )
    .await;
    assert_eq!(status, 404, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("D999"));
    let (status, _) = get("/reports/dealer-scorecards", quality()).await;
    assert_eq!(status, 400);
    for (query, field) in [
        ("from=2026-13", "from"),
        ("from=2026-1", "from"),
        ("from=2026-01&to=2026-01-31", "to"),
        ("from=2026-02&to=2026-01", "to"),
        ("from=2024-01&to=2026-01", "to"),
        ("from=2026-01&format=xml", "format"),
    ] {
        let (status, problem) =
            get(&format!("/reports/dealer-scorecards?{query}"), quality()).await;
        assert_eq!(status, 422, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    let (status, cards) = get(
        "/reports/dealer-scorecards?from=9999-12&to=9999-12",
        admin(),
    )
    .await;
    assert_eq!(status, 200, "{cards}");
    assert_eq!(cards.as_array().unwrap().len(), 2);
}
