//! The expected date of a backordered line: catalog sends it in the allocation, the
//! dealer sees it on the order's line; it follows only newer allocations.

use aftersales_messaging::contracts::catalog::StockReleased;
use serde_json::Value;

use crate::support::{Svc, WAIT, allocation, dealer, eventually, expecting, order_id, reserved};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.add_part("A", "10", true).await;
    svc.add_part("B", "20", true).await;
    svc
}

/// The expected dates of the order's lines, in line order.
async fn expected_dates(svc: &Svc, id: &str) -> Vec<Value> {
    let order = svc.order(id).await;
    order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["expected_date"].clone())
        .collect()
}

fn date(s: &str) -> Value {
    Value::String(s.into())
}

async fn statuses(svc: &Svc, id: &str) -> Vec<String> {
    let (status, timeline) = svc.timeline(id).await;
    assert_eq!(status, 200, "{timeline}");
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backordered_line_shows_when_it_is_expected_on_the_order_and_in_the_list() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 3), ("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();
    assert_eq!(order["lines"][1]["expected_date"], Value::Null);

    svc.publish(
        "catalog",
        &reserved(
            id,
            expecting(
                allocation(1, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 1, 1, 0, 0)]),
                2,
                "2026-12-24",
            ),
        ),
    )
    .await;
    assert!(svc.wait_status(&ids, "partially_reserved").await);
    assert_eq!(
        expected_dates(&svc, &ids).await,
        vec![Value::Null, date("2026-12-24")],
        "only the backordered line has a date"
    );

    let (status, mine) = svc
        .call(
            "GET",
            &format!("/orders/{ids}"),
            Some(&dealer("D001")),
            None,
        )
        .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["lines"][1]["expected_date"], "2026-12-24");
    assert_eq!(mine["lines"][1]["backordered"], 1);
    let (_, list) = svc
        .call("GET", "/orders", Some(&dealer("D001")), None)
        .await;
    assert_eq!(list["items"][0]["lines"], mine["lines"], "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_allocation_moves_the_date_and_clears_it_once_the_line_is_reserved() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 3), ("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();
    let quantities = [(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 1, 1, 0, 0)];
    svc.publish(
        "catalog",
        &reserved(id, expecting(allocation(1, &quantities), 2, "2026-12-24")),
    )
    .await;
    assert!(svc.wait_status(&ids, "partially_reserved").await);

    // The purchase order's date moved: a new version, the same quantities.
    svc.publish(
        "catalog",
        &reserved(id, expecting(allocation(2, &quantities), 2, "2027-01-15")),
    )
    .await;
    let moved = eventually(WAIT, || async {
        expected_dates(&svc, &ids).await == vec![Value::Null, date("2027-01-15")]
    })
    .await;
    assert!(moved, "the date should move to 2027-01-15");
    let now = svc.order(&ids).await;
    assert_eq!(now["allocation_version"], 2);
    assert_eq!(now["status"], "partially_reserved");

    // The purchase order was received and served the line: nothing waits any more.
    svc.publish(
        "catalog",
        &reserved(
            id,
            allocation(3, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
        ),
    )
    .await;
    assert!(svc.wait_status(&ids, "reserved").await);
    assert_eq!(
        expected_dates(&svc, &ids).await,
        vec![Value::Null, Value::Null]
    );
    // The timeline holds status changes: a date that moved is not one.
    assert_eq!(
        statuses(&svc, &ids).await,
        vec!["submitted", "partially_reserved", "reserved"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_backorder_loses_its_date() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();
    svc.publish(
        "catalog",
        &reserved(
            id,
            expecting(allocation(1, &[(1, "B", 2, 0, 2, 0, 0)]), 1, "2026-12-24"),
        ),
    )
    .await;
    assert!(svc.wait_status(&ids, "backordered").await);
    assert_eq!(expected_dates(&svc, &ids).await, vec![date("2026-12-24")]);

    svc.publish(
        "catalog",
        &StockReleased {
            order_id: id,
            allocation: allocation(2, &[(1, "B", 2, 0, 0, 0, 2)]),
        },
    )
    .await;
    assert!(svc.wait_status(&ids, "cancelled").await);
    assert_eq!(expected_dates(&svc, &ids).await, vec![Value::Null]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_allocation_or_a_repeated_delivery_leaves_the_date_as_it_is() {
    let svc = setup().await;
    let order = svc.place(&dealer("D001"), &[("A", 3), ("B", 2)]).await;
    let id = order_id(&order);
    let ids = id.to_string();
    let quantities = [(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 1, 1, 0, 0)];
    svc.publish(
        "catalog",
        &reserved(id, expecting(allocation(1, &quantities), 2, "2026-12-24")),
    )
    .await;
    assert!(svc.wait_status(&ids, "partially_reserved").await);
    let v3 = svc
        .publish(
            "catalog",
            &reserved(id, expecting(allocation(3, &quantities), 2, "2027-02-01")),
        )
        .await;
    assert!(svc.consumed(&v3).await);
    assert_eq!(
        expected_dates(&svc, &ids).await,
        vec![Value::Null, date("2027-02-01")]
    );
    let before = svc.order(&ids).await;
    let timeline_before = svc.timeline(&ids).await;

    // v2 arrives late with another date, v3 again under another event id with
    // another date, and v2 with the line reserved: all ignored.
    for late in [
        expecting(allocation(2, &quantities), 2, "2026-12-31"),
        expecting(allocation(3, &quantities), 2, "2027-03-01"),
        allocation(2, &[(1, "A", 3, 3, 0, 0, 0), (2, "B", 2, 2, 0, 0, 0)]),
    ] {
        let event = svc.publish("catalog", &reserved(id, late)).await;
        assert!(svc.consumed(&event).await);
    }
    assert_eq!(svc.order(&ids).await, before);

    // v3 delivered once more: the inbox skips it.
    let skipped = svc.duplicates_skipped().await;
    svc.publish_envelope(&v3).await;
    let seen = eventually(WAIT, || async { svc.duplicates_skipped().await > skipped }).await;
    assert!(seen, "the redelivery should reach the inbox");
    assert_eq!(svc.order(&ids).await, before);
    assert_eq!(svc.timeline(&ids).await, timeline_before);
}
