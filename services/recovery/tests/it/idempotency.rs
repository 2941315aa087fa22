//! The actions on a recovery claim that take an `Idempotency-Key` (adding lines,
//! submitting, recording responses): a repeat with the same key answers the first
//! answer again, marked `Idempotent-Replayed: true`, and changes nothing; the same
//! key with another request is 422.

use aftersales_testkit::step;
use serde_json::{Value, json};

use crate::support::{Svc, finance};

/// Sends the same POST twice with `key`; both answers must be `status` with the same
/// body, the second marked as replayed. Returns the body.
async fn twice(svc: &Svc, path: &str, body: Value, key: &str, status: u16) -> Value {
    let headers = [("Idempotency-Key", key)];
    let first = svc
        .send("POST", path, Some(&finance()), Some(body.clone()), &headers)
        .await;
    assert_eq!(first.status(), status, "{path}");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = svc
        .send("POST", path, Some(&finance()), Some(body), &headers)
        .await;
    assert_eq!(again.status(), status, "{path} repeated");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true"),
        "{path} repeated"
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first, "{path}: the replay is the first answer");
    first
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_actions_repeated_with_the_same_key_replay_and_change_nothing() {
    let svc = Svc::with_agreement(30).await;
    let a = svc.open_line("100", "40").await;
    let b = svc.open_line("50", "10").await;
    let id = svc.draft(&[&a]).await;

    step("adding lines", async {
        let path = format!("/recovery-claims/{id}/lines");
        let claim = twice(&svc, &path, json!({"line_ids": [b]}), "add-1", 200).await;
        assert_eq!(claim["lines"].as_array().map(Vec::len), Some(2), "{claim}");
        let (status, _) = svc
            .call_with(
                "POST",
                &path,
                Some(&finance()),
                Some(json!({"line_ids": [a]})),
                &[("Idempotency-Key", "add-1")],
            )
            .await;
        assert_eq!(status, 422, "the same key with another request");
    })
    .await;

    step("submitting", async {
        let path = format!("/recovery-claims/{id}/submit");
        let claim = twice(&svc, &path, json!({}), "submit-1", 200).await;
        assert_eq!(claim["status"], "submitted");
        assert_eq!(
            svc.outbox("recovery.recovery_claim_submitted").await.len(),
            1,
            "submitted once"
        );
    })
    .await;

    step("recording responses", async {
        let path = format!("/recovery-claims/{id}/responses");
        let body = json!({"responses": [{"line_id": a, "outcome": "accepted"}]});
        let claim = twice(&svc, &path, body, "respond-1", 200).await;
        assert_eq!(claim["status"], "submitted", "one of two lines answered");
        assert_eq!(
            svc.count("SELECT count(*) AS n FROM line_responses").await,
            1
        );
        // Without the key the same answer is a conflict: the line is answered.
        let (status, _) = svc
            .call(
                "POST",
                &path,
                Some(&finance()),
                Some(json!({"responses": [{"line_id": a, "outcome": "accepted"}]})),
            )
            .await;
        assert_eq!(status, 409);
    })
    .await;
}
