//! `Idempotency-Key` on the actions (deactivate, activate, transfer dispatch, receive
//! and cancel): a repeat with the same key replays the first answer and changes
//! nothing; and the `ETag` a creation answers is one `If-Match` accepts.

use aftersales_web::Role;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::support::{Svc, part};

/// Sends the same POST twice with `key`: the second is the first's replay.
async fn twice(svc: &Svc, role: Role, path: &str, key: &str) -> (Value, HeaderMap) {
    let headers = [("Idempotency-Key", key)];
    let (s1, b1, h1) = svc
        .call_as(role, Method::POST, path, Some(json!({})), &headers)
        .await;
    assert!(s1.is_success(), "{path}: {s1} {b1}");
    assert!(
        h1.get("idempotent-replayed").is_none(),
        "{path}: a first answer"
    );
    let (s2, b2, h2) = svc
        .call_as(role, Method::POST, path, Some(json!({})), &headers)
        .await;
    assert_eq!(s2, s1, "{path}: same status");
    assert_eq!(b2, b1, "{path}: same body");
    assert_eq!(h2["idempotent-replayed"], "true", "{path}");
    (b1, h1)
}

#[tokio::test(flavor = "multi_thread")]
async fn master_data_actions_replay_a_repeated_key() {
    let svc = Svc::start().await;
    svc.seed().await;

    let (b, h) = twice(&svc, Role::Admin, "/parts/A/deactivate", "deact-a").await;
    assert_eq!(b["active"], false);
    assert_eq!(h["etag"], "\"v2\"");
    let (_, now) = svc.get(Role::Admin, "/parts/A").await;
    assert_eq!(now["version"], 2, "deactivated once");
    let (b, _) = twice(&svc, Role::Admin, "/parts/A/activate", "act-a").await;
    assert_eq!(b["active"], true);
    let published = svc
        .outbox_envelopes("catalog.part_upserted")
        .await
        .into_iter()
        .filter(|e| e.payload["part_number"] == "A")
        .count();
    assert_eq!(published, 3, "create, deactivate, activate: one event each");

    let (b, _) = twice(&svc, Role::Admin, "/suppliers/SUP1/deactivate", "deact-s").await;
    assert_eq!(b["active"], false);
    let (_, s) = svc.get(Role::Admin, "/suppliers/SUP1").await;
    assert_eq!(s["version"], 2, "deactivated once");
}

#[tokio::test(flavor = "multi_thread")]
async fn transfer_actions_replay_a_repeated_key() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 10).await;
    let body =
        json!({"from_warehouse": "CENTRAL", "to_warehouse": "NORTH", "part_number": "A", "qty": 4});
    let (_, t) = svc.post(Role::Warehouse, "/transfers", body.clone()).await;
    let id = t["id"].as_str().unwrap().to_owned();

    let (b, _) = twice(
        &svc,
        Role::Warehouse,
        &format!("/transfers/{id}/dispatch"),
        "d-1",
    )
    .await;
    assert_eq!(b["status"], "in_transit");
    assert_eq!(svc.stock("CENTRAL", "A").await["on_hand"], 6, "left once");
    let (b, _) = twice(
        &svc,
        Role::Warehouse,
        &format!("/transfers/{id}/receive"),
        "r-1",
    )
    .await;
    assert_eq!(b["status"], "received");
    assert_eq!(svc.stock("NORTH", "A").await["on_hand"], 4, "arrived once");

    let (_, t) = svc.post(Role::Warehouse, "/transfers", body).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let (b, _) = twice(
        &svc,
        Role::Warehouse,
        &format!("/transfers/{id}/cancel"),
        "c-1",
    )
    .await;
    assert_eq!(b["status"], "cancelled");
    // The key belongs to that request: another transfer with it is refused.
    let (s, _, _) = svc
        .call_as(
            Role::Warehouse,
            Method::POST,
            &format!("/transfers/{id}/dispatch"),
            Some(json!({})),
            &[("Idempotency-Key", "c-1")],
        )
        .await;
    assert_eq!(s, 422, "same key, other request");
    let (_, m) = svc.get(Role::Warehouse, "/stock/CENTRAL/A/movements").await;
    assert_eq!(
        m["items"].as_array().unwrap().len(),
        2,
        "receipt and one transfer out"
    );
    svc.assert_invariant("CENTRAL", "A").await;
    svc.assert_invariant("NORTH", "A").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_etag_of_a_created_part_is_a_valid_if_match() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, created, h) = svc
        .call_as(Role::Admin, Method::POST, "/parts", Some(part("E1")), &[])
        .await;
    assert_eq!(s, 201, "{created}");
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"v1\"");
    let mut update = part("E1");
    update.as_object_mut().unwrap().remove("list_price");
    update["description"] = json!("Brake pad, rear");
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/E1",
            Some(update),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(s, 200, "the create answer's ETag matches: {b}");
    assert_eq!(b["version"], 2);
}
