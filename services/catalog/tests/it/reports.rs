//! Stock reports: valuation, stock-outs and backorders, as JSON and CSV.

use aftersales_web::Role;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Svc, envelope, order, other_roles};

/// Parses a CSV answer into its header and rows (no quoted cells in these reports).
fn csv_lines(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    let header = lines.next().unwrap_or_default();
    (header, lines.collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_valuation_rounds_each_line_to_the_cent_then_sums_per_warehouse() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, b) = svc
        .post(Role::Admin, "/parts/B/prices", json!({"price": "12.3456"}))
        .await;
    assert_eq!(s, 201, "{b}");
    // A future price is not in force yet.
    let future = (chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339();
    let (s, b) = svc
        .post(
            Role::Admin,
            "/parts/A/prices",
            json!({"price": "99.00", "effective_from": future}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    svc.receive("CENTRAL", "A", 3).await;
    svc.receive("CENTRAL", "B", 2).await;
    svc.receive("NORTH", "A", 1).await;

    let (s, v) = svc.get(Role::Warehouse, "/reports/stock-valuation").await;
    assert_eq!(s, 200, "{v}");
    let central = &v["warehouses"][0];
    assert_eq!(central["warehouse"], "CENTRAL");
    assert_eq!(
        central["totals"],
        json!([{"currency": "EUR", "value": "54.69"}])
    );
    assert_eq!(central["lines"][0]["part_number"], "A");
    assert_eq!(central["lines"][0]["unit_price"], "10.0000");
    assert_eq!(central["lines"][0]["value"], "30.00");
    assert_eq!(
        central["lines"][1]["value"], "24.69",
        "2 × 12.3456 = 24.6912"
    );
    assert_eq!(v["warehouses"][1]["warehouse"], "NORTH");
    assert_eq!(v["warehouses"][1]["totals"][0]["value"], "10.00");

    let (s, v) = svc
        .get(Role::Admin, "/reports/stock-valuation?warehouse=north")
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["warehouses"].as_array().unwrap().len(), 1);
    assert_eq!(v["warehouses"][0]["warehouse"], "NORTH");

    let (s, ct, text) = svc
        .get_text(Role::Warehouse, "/reports/stock-valuation", "text/csv")
        .await;
    assert_eq!(s, 200, "{text}");
    assert!(ct.starts_with("text/csv"), "{ct}");
    let (header, rows) = csv_lines(&text);
    assert_eq!(
        header,
        [
            "warehouse",
            "part_number",
            "on_hand",
            "currency",
            "unit_price",
            "value"
        ]
    );
    assert_eq!(
        rows,
        [
            ["CENTRAL", "A", "3", "EUR", "10.0000", "30.00"],
            ["CENTRAL", "B", "2", "EUR", "12.3456", "24.69"],
            ["NORTH", "A", "1", "EUR", "10.0000", "10.00"],
        ]
    );
    let (s, ct, _) = svc
        .get_text(Role::Admin, "/reports/stock-valuation?format=csv", "*/*")
        .await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");

    let (s, b) = svc
        .get(Role::Admin, "/reports/stock-valuation?format=xml")
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["field"], "format");
    let (s, b) = svc
        .get(Role::Admin, "/reports/stock-valuation?warehouse=NOWHERE")
        .await;
    assert_eq!(s, 422, "{b}");
    for role in other_roles(&[Role::Warehouse, Role::Admin]) {
        for report in ["stock-valuation", "stockouts", "backorders"] {
            let (s, _) = svc.get(role, &format!("/reports/{report}")).await;
            assert_eq!(s, 403, "{role:?} {report}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stockouts_and_backorders_show_what_orders_wait_for_oldest_first() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 2).await;
    svc.receive("CENTRAL", "C", 5).await;
    let old = Uuid::new_v4();
    let new = Uuid::new_v4();
    // Published newest first: the report orders by placement, not by arrival.
    svc.publish_envelope(&envelope(&order(
        new,
        &[(1, "A", 1), (2, "B", 2)],
        false,
        10,
    )))
    .await;
    svc.publish_envelope(&envelope(&order(old, &[(1, "A", 5)], false, 50 * 60 + 5)))
        .await;
    for id in [old, new] {
        svc.wait("reservation", || async {
            svc.reservation(id).await.is_some()
        })
        .await;
    }

    let (s, v) = svc.get(Role::Warehouse, "/reports/stockouts").await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    let summary: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i["warehouse"].as_str().unwrap(),
                i["part_number"].as_str().unwrap(),
                i["on_hand"].as_i64().unwrap(),
                i["available"].as_i64().unwrap(),
                i["backordered"].as_i64().unwrap(),
            )
        })
        .collect();
    // A: 2 on hand, both reserved by the first order to arrive, 4 waiting; B: none at
    // all; C has stock and is not listed.
    let a_backordered = 6 - 2;
    assert_eq!(
        summary,
        [
            ("CENTRAL", "A", 2, 0, a_backordered),
            ("CENTRAL", "B", 0, 0, 2)
        ],
        "{v}"
    );
    assert!(items[0]["oldest_backorder_placed_at"].is_string());
    let (s, v) = svc
        .get(Role::Admin, "/reports/stockouts?warehouse=NORTH")
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["items"], json!([]));
    let (s, _, text) = svc
        .get_text(
            Role::Warehouse,
            "/reports/stockouts?format=csv",
            "application/json",
        )
        .await;
    assert_eq!(s, 200);
    let (header, rows) = csv_lines(&text);
    assert_eq!(header[..3], ["warehouse", "part_number", "on_hand"]);
    assert_eq!(rows.len(), 2, "{text}");

    let (s, v) = svc.get(Role::Admin, "/reports/backorders").await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    let total: i64 = items.iter().map(|i| i["qty"].as_i64().unwrap()).sum();
    assert_eq!(total, a_backordered + 2);
    assert_eq!(items[0]["order_id"], old.to_string(), "oldest first: {v}");
    assert_eq!(items[0]["age_hours"], 50);
    assert_eq!(items[0]["age_days"], 2);
    assert_eq!(items.last().unwrap()["order_id"], new.to_string());
    assert_eq!(items.last().unwrap()["part_number"], "B");
    assert_eq!(items.last().unwrap()["age_days"], 0);

    let (s, ct, text) = svc
        .get_text(Role::Warehouse, "/reports/backorders", "text/csv")
        .await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let (header, rows) = csv_lines(&text);
    assert_eq!(header[0], "order_id");
    assert_eq!(header[11], "age_days");
    assert_eq!(header.last().unwrap(), "expected_date");
    assert_eq!(rows.len(), items.len());
    assert_eq!(rows[0][0], old.to_string());
    assert_eq!(rows[0][11], "2");
    assert_eq!(rows[0][12], "", "nothing on order: no date");
}
