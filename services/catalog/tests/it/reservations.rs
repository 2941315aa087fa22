//! Reservations from `orders.order_placed`, releases from `orders.order_cancelled`,
//! backorders served by receipts, redeliveries and the 50-orders concurrency test.

use std::time::Instant;

use aftersales_messaging::contracts::orders::OrderCancelled;
use aftersales_web::Role;
use diesel_async::AsyncConnection;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Svc, envelope, order, part};

#[tokio::test(flavor = "multi_thread")]
async fn order_placed_reserves_what_is_available_and_the_final_successor() {
    let svc = Svc::start().await;
    svc.seed().await;
    let mut a = part("A");
    a.as_object_mut().unwrap().remove("list_price");
    a["superseded_by"] = json!("B");
    let (s, _, _) = svc
        .call_as(Role::Admin, Method::PUT, "/parts/A", Some(a), &[])
        .await;
    assert_eq!(s, 200);
    let mut b = part("B");
    b.as_object_mut().unwrap().remove("list_price");
    b["superseded_by"] = json!("C");
    let (s, _, _) = svc
        .call_as(Role::Admin, Method::PUT, "/parts/B", Some(b), &[])
        .await;
    assert_eq!(s, 200);
    svc.receive("CENTRAL", "C", 3).await;
    svc.receive("CENTRAL", "B", 1).await;

    let id = Uuid::new_v4();
    svc.publish_envelope(&envelope(&order(id, &[(1, "A", 2), (2, "C", 4)], false, 0)))
        .await;
    svc.wait("reservation", || async {
        svc.reservation(id).await.is_some()
    })
    .await;
    let r = svc.reservation(id).await.unwrap();
    assert_eq!(r["lines"][0]["reserved_part_number"], "C");
    assert_eq!(
        (
            r["lines"][0]["reserved"].as_i64(),
            r["lines"][0]["backordered"].as_i64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(
        (
            r["lines"][1]["reserved"].as_i64(),
            r["lines"][1]["backordered"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(
        svc.stock("CENTRAL", "B").await["reserved"],
        0,
        "the superseded part is not touched"
    );
    let ev = svc.outbox_envelopes("catalog.stock_reserved").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].payload["allocation"]["allocation_version"], 1);
    assert_eq!(ev[0].payload["allocation"]["lines"][0]["part_number"], "A");
    assert_eq!(
        ev[0].payload["allocation"]["lines"][0]["reserved_part_number"],
        "C"
    );
    assert_eq!(ev[0].payload["warehouse"], "CENTRAL");
    assert!(ev[0].causation_id.is_some());
    svc.assert_invariant("CENTRAL", "C").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redelivered_placements_and_cancellations_take_effect_once() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 5).await;
    let id = Uuid::new_v4();
    let placed = envelope(&order(id, &[(1, "A", 3)], false, 0));
    svc.publish_envelope(&placed).await;
    svc.publish_envelope(&placed).await;
    // The same order in another envelope (e.g. re-sent by orders) changes nothing either.
    let mut again = placed.clone();
    again.event_id = Uuid::now_v7();
    svc.publish_envelope(&again).await;
    svc.wait("three deliveries handled", || async {
        svc.inbox_count().await == 2
    })
    .await;
    svc.wait("reserved", || async {
        svc.stock("CENTRAL", "A").await["reserved"] == 3
    })
    .await;

    let cancelled = envelope(&OrderCancelled { order_id: id });
    svc.publish_envelope(&cancelled).await;
    svc.publish_envelope(&cancelled).await;
    svc.wait("released", || async {
        svc.reservation(id)
            .await
            .is_some_and(|r| r["cancelled"] == true)
    })
    .await;
    let r = svc.reservation(id).await.unwrap();
    assert_eq!(r["lines"][0]["released"], 3);
    assert_eq!(r["allocation_version"], 2);
    let s = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (s["reserved"].as_i64(), s["available"].as_i64()),
        (Some(0), Some(5))
    );
    assert_eq!(
        svc.outbox_envelopes("catalog.stock_reserved").await.len(),
        1
    );
    let released = svc.outbox_envelopes("catalog.stock_released").await;
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].payload["allocation"]["lines"][0]["released"], 3);
    svc.assert_invariant("CENTRAL", "A").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancellation_before_its_order_leaves_a_tombstone() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 5).await;
    let id = Uuid::new_v4();
    svc.publish_envelope(&envelope(&OrderCancelled { order_id: id }))
        .await;
    svc.wait("tombstone", || async { svc.inbox_count().await == 1 })
        .await;
    svc.publish_envelope(&envelope(&order(id, &[(1, "A", 2)], false, 0)))
        .await;
    svc.wait("order recorded", || async {
        svc.reservation(id).await.is_some()
    })
    .await;
    let r = svc.reservation(id).await.unwrap();
    assert_eq!(r["cancelled"], true);
    assert_eq!(
        (
            r["lines"][0]["released"].as_i64(),
            r["lines"][0]["reserved"].as_i64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(svc.stock("CENTRAL", "A").await["reserved"], 0);
    assert_eq!(
        svc.outbox_envelopes("catalog.stock_reserved").await.len(),
        0
    );
    assert_eq!(
        svc.outbox_envelopes("catalog.stock_released").await.len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn receipts_and_transfers_in_serve_backorders_emergency_first_then_oldest() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (old, newer, urgent) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut c = svc.pool.get().await.unwrap();
    for o in [
        order(old, &[(1, "A", 3)], false, 60),
        order(newer, &[(1, "A", 3)], false, 30),
        order(urgent, &[(1, "A", 3)], true, 1),
    ] {
        c.transaction(async |c| {
            catalog::app::reservations::place(c, &o, crate::support::cause()).await
        })
        .await
        .unwrap();
    }
    svc.receive("CENTRAL", "A", 5).await;
    let line = |r: serde_json::Value| {
        (
            r["lines"][0]["reserved"].as_i64().unwrap(),
            r["lines"][0]["backordered"].as_i64().unwrap(),
        )
    };
    assert_eq!(line(svc.reservation(urgent).await.unwrap()), (3, 0));
    assert_eq!(line(svc.reservation(old).await.unwrap()), (2, 1));
    assert_eq!(line(svc.reservation(newer).await.unwrap()), (0, 3));
    let served: Vec<_> = svc
        .outbox_envelopes("catalog.stock_reserved")
        .await
        .into_iter()
        .filter(|e| e.payload["allocation"]["allocation_version"] == 2)
        .map(|e| e.payload["order_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(served.len(), 2, "one event per order served");
    assert!(served.contains(&urgent.to_string()) && served.contains(&old.to_string()));

    // A transfer arriving serves the rest, oldest first.
    svc.receive("NORTH", "A", 4).await;
    let (_, t) = svc
        .post(Role::Warehouse, "/transfers", json!({"from_warehouse": "NORTH", "to_warehouse": "CENTRAL", "part_number": "A", "qty": 4}))
        .await;
    let id = t["id"].as_str().unwrap();
    svc.post(
        Role::Warehouse,
        &format!("/transfers/{id}/dispatch"),
        json!({}),
    )
    .await;
    let (s, _) = svc
        .post(
            Role::Warehouse,
            &format!("/transfers/{id}/receive"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(line(svc.reservation(old).await.unwrap()), (3, 0));
    assert_eq!(line(svc.reservation(newer).await.unwrap()), (3, 0));
    let s = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (
            s["on_hand"].as_i64(),
            s["reserved"].as_i64(),
            s["available"].as_i64()
        ),
        (Some(9), Some(9), Some(0))
    );
    // Cancelling frees stock for whoever still waits (nobody here): available again.
    let mut c = svc.pool.get().await.unwrap();
    c.transaction(async |c| {
        catalog::app::reservations::cancel(c, urgent, crate::support::cause()).await
    })
    .await
    .unwrap();
    assert_eq!(svc.stock("CENTRAL", "A").await["available"], 3);
    svc.assert_invariant("CENTRAL", "A").await;
}

/// 50 orders of one unit each for a part with 10 available.
///
/// Run: `cargo xtask test --no-lint -- -p catalog fifty_concurrent -- --nocapture`
#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_orders_reserve_exactly_what_is_available() {
    let svc = Svc::start().await;
    svc.seed().await;

    // Through the broker: the consumer applies the 50 events one by one.
    svc.receive("CENTRAL", "A", 10).await;
    let ids: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();
    let started = Instant::now();
    let mut publishes = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let svc = &svc;
        let env = envelope(&order(*id, &[(1, "A", 1)], false, 50 - i as i64));
        publishes.push(async move { svc.publish_envelope(&env).await });
    }
    futures_util::future::join_all(publishes).await;
    svc.wait("50 orders applied", || async {
        svc.inbox_count().await == 50
    })
    .await;
    let elapsed = started.elapsed();
    eprintln!(
        "concurrency (consumer): 50 order_placed applied in {:.3}s = {:.0} reservations/s",
        elapsed.as_secs_f64(),
        50.0 / elapsed.as_secs_f64()
    );
    let s = svc.stock("CENTRAL", "A").await;
    assert_eq!(
        (
            s["on_hand"].as_i64(),
            s["reserved"].as_i64(),
            s["available"].as_i64()
        ),
        (Some(10), Some(10), Some(0))
    );
    let mut reserved = 0;
    let mut backordered = 0;
    for id in &ids {
        let r = svc.reservation(*id).await.expect("every order recorded");
        reserved += r["lines"][0]["reserved"].as_i64().unwrap();
        backordered += r["lines"][0]["backordered"].as_i64().unwrap();
    }
    assert_eq!((reserved, backordered), (10, 40));
    svc.assert_invariant("CENTRAL", "A").await;

    // Straight into the reservation function from 50 tasks, each its own
    // transaction on its own connection: only the row lock keeps them apart.
    svc.receive("CENTRAL", "B", 10).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let pool = svc.pool.clone();
            tokio::spawn(async move {
                let o = order(Uuid::new_v4(), &[(1, "B", 1)], i % 5 == 0, i);
                let mut c = pool.get().await.expect("connection");
                c.transaction(async |c| {
                    catalog::app::reservations::place(c, &o, crate::support::cause()).await
                })
                .await
                .expect("placed")
            })
        })
        .collect();
    let mut got = 0;
    for t in tasks {
        if let catalog::app::reservations::Placed::Reserved(a) = t.await.expect("task") {
            got += a.lines[0].reserved;
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "concurrency (50 tasks, direct): 50 reservations in {:.3}s = {:.0} reservations/s",
        elapsed.as_secs_f64(),
        50.0 / elapsed.as_secs_f64()
    );
    assert_eq!(got, 10);
    let s = svc.stock("CENTRAL", "B").await;
    assert_eq!(
        (s["on_hand"].as_i64(), s["reserved"].as_i64()),
        (Some(10), Some(10))
    );
    svc.assert_invariant("CENTRAL", "B").await;
}
