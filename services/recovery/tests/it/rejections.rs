//! A claim the supplier rejects line by line: settled by the last answer with
//! nothing credited.

use serde_json::json;

use crate::support::{Svc, fields, finance};

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_whose_lines_are_all_rejected_settles_with_nothing_credited() {
    let svc = Svc::with_agreement(30).await;
    let a = svc.open_line("10", "0").await;
    let id = svc.draft(&[&a]).await;
    let (status, _) = svc
        .call(
            "POST",
            &format!("/recovery-claims/{id}/responses"),
            Some(&finance()),
            Some(json!({"responses": [{"line_id": a, "outcome": "accepted"}]})),
        )
        .await;
    assert_eq!(status, 409, "a draft has no answers");
    svc.ok("POST", &format!("/recovery-claims/{id}/submit"), None, 200)
        .await;
    let (status, problem) = svc
        .call(
            "POST",
            &format!("/recovery-claims/{id}/responses"),
            Some(&finance()),
            Some(json!({"responses": [{"line_id": a, "outcome": "rejected"}]})),
        )
        .await;
    assert_eq!(
        (status, fields(&problem)),
        (422, vec!["responses[0].reason".to_owned()])
    );
    let claim = svc
        .ok("POST", &format!("/recovery-claims/{id}/responses"),
            Some(json!({"responses": [{"line_id": a, "outcome": "rejected", "reason": "wear, not a defect"}]})), 200)
        .await;
    assert_eq!(claim["status"], "settled");
    assert_eq!(claim["lines"][0]["status"], "rejected");
    assert_eq!(
        claim["lines"][0]["response"]["reason"],
        "wear, not a defect"
    );
    let settled = svc.outbox("recovery.recovery_claim_settled").await;
    assert_eq!(settled[0]["payload"]["credited"], "0.00");
    assert_eq!(settled[0]["payload"]["written_off"], "0.00");
    let report = svc.ok("GET", "/reports/reconciliation", None, 200).await;
    assert_eq!(report["suppliers"][0]["rejected"], "23.00");
    assert_eq!(report["suppliers"][0]["recovery_rate"], "0.0000");
}
