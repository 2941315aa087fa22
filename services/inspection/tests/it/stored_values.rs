//! A stored value the service cannot read is a 500 (logged), never a default: a
//! policy with a negative warranty is not a 0-month warranty, a claim with an
//! unknown status is not "some" status.

use serde_json::json;

use crate::support::{Svc, admin, brake_claim, dealer, id_of};

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_policy_or_status_is_an_internal_error() {
    let svc = Svc::standard().await;
    let claim = svc.claim("D001", brake_claim()).await;
    let path = format!("/claims/{}", id_of(&claim));

    // Only a broken database gets here: lift the checks that keep the values sane.
    svc.exec("ALTER TABLE policies DROP CONSTRAINT policies_warranty_months_check")
        .await;
    svc.exec("UPDATE policies SET warranty_months = -1 WHERE category = 'brakes'")
        .await;
    let mut other = brake_claim();
    other["causal_part_number"] = json!("BRK-1");
    other["usage_at_failure"] = json!(7000);
    let (status, problem) = svc
        .call("POST", "/claims", Some(&dealer("D001")), Some(other))
        .await;
    assert_eq!(status, 500, "{problem}");
    assert_eq!(svc.count("SELECT count(*) AS n FROM claims").await, 1);

    svc.exec("ALTER TABLE claims DROP CONSTRAINT claims_status_check")
        .await;
    svc.exec("UPDATE claims SET status = 'mislaid'").await;
    let (status, _) = svc.call("GET", &path, Some(&admin()), None).await;
    assert_eq!(status, 500);
    let (status, _) = svc.call("GET", "/claims", Some(&admin()), None).await;
    assert_eq!(status, 500);
}
