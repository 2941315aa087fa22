//! Quality's actions on a claim accept `Idempotency-Key`: a repeat with the same key
//! answers the stored answer (`Idempotent-Replayed: true`) and changes nothing.

use aftersales_testkit::step;
use aftersales_web::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Svc, brake_claim, id_of};

/// Sends `body` to `/claims/{id}/{verb}` twice with `key`: the first answers 200, the
/// second replays it byte for byte. Returns the answer.
async fn twice(svc: &Svc, id: &str, verb: &str, key: &str, body: Value) -> Value {
    let path = format!("/claims/{id}/{verb}");
    let headers = [("Idempotency-Key", key)];
    let (s1, first, h1) = svc
        .call_as(
            Role::Quality,
            Method::POST,
            &path,
            Some(body.clone()),
            &headers,
        )
        .await;
    let (s2, second, h2) = svc
        .call_as(Role::Quality, Method::POST, &path, Some(body), &headers)
        .await;
    assert_eq!(
        (s1.as_u16(), s2.as_u16()),
        (200, 200),
        "{verb}: {first} / {second}"
    );
    assert_eq!(first, second, "{verb}");
    assert!(h1.get("Idempotent-Replayed").is_none(), "{verb}");
    assert_eq!(
        h2.get("Idempotent-Replayed").and_then(|v| v.to_str().ok()),
        Some("true"),
        "{verb}"
    );
    first
}

#[tokio::test(flavor = "multi_thread")]
async fn receipt_findings_decision_and_disposition_replay_per_key() {
    let svc = Svc::standard().await;
    let id = id_of(&svc.claim("D001", brake_claim()).await);
    let receipt = json!({"warehouse": "WH-QA", "quantity": 2});

    step("part receipt replays and is received once", async {
        let claim = twice(&svc, &id, "part-receipt", "r-1", receipt.clone()).await;
        assert_eq!(claim["status"], "part_received");
        assert_eq!(svc.outbox("inspection.part_received").await.len(), 1);
        // The same key with another body is refused.
        let (status, _, _) = svc
            .call_as(
                Role::Quality,
                Method::POST,
                &format!("/claims/{id}/part-receipt"),
                Some(json!({"warehouse": "WH-QA", "quantity": 1})),
                &[("Idempotency-Key", "r-1")],
            )
            .await;
        assert_eq!(status.as_u16(), 422);
    })
    .await;

    step(
        "findings replay their first answer, not the amended findings",
        async {
            let first = json!({"failure_mode": "pad delamination", "cause_code": "misuse"});
            let claim = twice(&svc, &id, "findings", "f-1", first.clone()).await;
            assert_eq!(claim["findings"]["cause_code"], "misuse");
            let amended =
                json!({"failure_mode": "pad delamination", "cause_code": "supplier_defect"});
            let (status, _, _) = svc
                .call_as(
                    Role::Quality,
                    Method::POST,
                    &format!("/claims/{id}/findings"),
                    Some(amended),
                    &[],
                )
                .await;
            assert_eq!(status.as_u16(), 200);
            let (status, replay, headers) = svc
                .call_as(
                    Role::Quality,
                    Method::POST,
                    &format!("/claims/{id}/findings"),
                    Some(first),
                    &[("Idempotency-Key", "f-1")],
                )
                .await;
            assert_eq!(status.as_u16(), 200);
            assert_eq!(replay, claim);
            assert!(headers.get("Idempotent-Replayed").is_some());
            assert_eq!(
                svc.get_claim(&id).await["findings"]["cause_code"],
                "supplier_defect"
            );
        },
    )
    .await;

    step(
        "a decision replays instead of a 409 and is published once",
        async {
            let claim = twice(
                &svc,
                &id,
                "decision",
                "d-1",
                json!({"decision": "approved"}),
            )
            .await;
            assert_eq!(claim["status"], "approved");
            assert_eq!(svc.outbox("inspection.claim_adjudicated").await.len(), 1);
        },
    )
    .await;

    step(
        "a disposition replays instead of a 409 and is published once",
        async {
            let claim = twice(
                &svc,
                &id,
                "disposition",
                "x-1",
                json!({"disposition": "scrap"}),
            )
            .await;
            assert_eq!(claim["status"], "closed");
            assert_eq!(svc.outbox("inspection.part_disposed").await.len(), 1);
        },
    )
    .await;
}
