//! The warehouse's ship queue: what may ship, in shipping order, page by page.

use aftersales_web::Role;
use serde_json::Value;

use crate::support::{Svc, admin, allocation, dealer, order_id, reserved, token};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "silver", "EUR").await;
    svc.add_part("A", "10", true).await;
    svc.add_part("B", "20", true).await;
    svc
}

/// Places an order of `priority` for 2 × A and, if `reserve` is given, has catalog
/// allocate it `(reserved, backordered, shipped)`; returns its id once it shows.
async fn order(svc: &Svc, who: &str, priority: &str, reserve: Option<(i32, i32, i32)>) -> String {
    let placed = svc.place_with(&dealer(who), priority, &[("A", 2)]).await;
    let id = order_id(&placed);
    if let Some((r, b, s)) = reserve {
        let event = svc
            .publish(
                "catalog",
                &reserved(id, allocation(1, &[(1, "A", 2, r, b, s, 0)])),
            )
            .await;
        assert!(svc.consumed(&event).await);
    }
    id.to_string()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn emergencies_first_then_the_oldest_and_only_what_may_ship() {
    let svc = setup().await;
    let stock_old = order(&svc, "D001", "stock", Some((2, 0, 0))).await;
    let emergency_old = order(&svc, "D002", "emergency", Some((1, 1, 0))).await;
    let _submitted = order(&svc, "D001", "emergency", None).await;
    let _backordered = order(&svc, "D001", "emergency", Some((0, 2, 0))).await;
    let _shipped_rest_backordered = order(&svc, "D002", "stock", Some((0, 1, 1))).await;
    let partly_shipped = order(&svc, "D002", "stock", Some((1, 0, 1))).await;
    let emergency_new = order(&svc, "D001", "emergency", Some((2, 0, 0))).await;
    let being_cancelled = order(&svc, "D001", "stock", Some((2, 0, 0))).await;
    let (status, body) = svc
        .call(
            "POST",
            &format!("/orders/{being_cancelled}/cancel"),
            Some(&dealer("D001")),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");

    let expected = vec![emergency_old, emergency_new, stock_old, partly_shipped];
    let warehouse = token(Role::Warehouse, None);
    let (status, all) = svc.call("GET", "/ship-queue", Some(&warehouse), None).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(ids(&all), expected);
    assert!(all["next_cursor"].is_null());

    // One by one, each exactly once, across the emergency/stock boundary.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/ship-queue?limit=1&cursor={c}"),
            None => "/ship-queue?limit=1".to_owned(),
        };
        let (status, page) = svc.call("GET", &path, Some(&admin()), None).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(
            seen.len() <= expected.len(),
            "paging does not end: {seen:?}"
        );
    }
    assert_eq!(seen, expected);

    let (_, home) = svc
        .call(
            "GET",
            "/ship-queue?warehouse=WH-HOME",
            Some(&warehouse),
            None,
        )
        .await;
    assert_eq!(ids(&home), expected);
    let (_, elsewhere) = svc
        .call(
            "GET",
            "/ship-queue?warehouse=WH-NORTH",
            Some(&warehouse),
            None,
        )
        .await;
    assert_eq!(ids(&elsewhere), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ship_queue_is_for_the_warehouse_and_refuses_bad_parameters() {
    let svc = setup().await;
    for who in [
        dealer("D001"),
        token(Role::Quality, None),
        token(Role::Finance, None),
    ] {
        let (status, body) = svc.call("GET", "/ship-queue", Some(&who), None).await;
        assert_eq!(status, 403, "{body}");
    }
    let (status, _) = svc.call("GET", "/ship-queue", None, None).await;
    assert_eq!(status, 401);
    let warehouse = token(Role::Warehouse, None);
    for (path, field) in [
        ("/ship-queue?cursor=not-ours", "cursor"),
        ("/ship-queue?warehouse=no%20spaces", "warehouse"),
    ] {
        let (status, body) = svc.call("GET", path, Some(&warehouse), None).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.to_string().contains(field), "{path}: {body}");
    }
}
