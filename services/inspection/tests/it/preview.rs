//! `POST /claims/preview`: the submission's own checks and pricing, answered without
//! storing or publishing anything.

use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, brake_claim, days_ago, dealer, token};

async fn preview(svc: &Svc, who: &str, body: Value) -> (u16, Value) {
    svc.call("POST", "/claims/preview", Some(who), Some(body))
        .await
}

async fn claims_stored(svc: &Svc) -> usize {
    let (_, page) = svc
        .call("GET", "/claims", Some(&dealer("D001")), None)
        .await;
    page["items"].as_array().expect("items").len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_claim_previews_priced_with_no_failure_and_nothing_is_stored() {
    let svc = Svc::standard().await;
    let (status, body) = preview(&svc, &dealer("D001"), brake_claim()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["failures"], json!([]));
    assert_eq!(body["status"], "awaiting_part");
    assert_eq!(
        body["amounts"],
        json!({"parts": "120.00", "labor": "80.00", "total": "200.00", "currency": "EUR"})
    );
    assert_eq!(body["parts"][0]["unit_price"], "60.0000");
    assert_eq!(body["labor"][0]["paid_hours"], "1.00");
    assert!(body["return_deadline"].is_string());

    // Previewing twice writes nothing: no claim, no event; and the submission that
    // follows is priced the same and is not a duplicate of the preview.
    let (status, _) = preview(&svc, &dealer("D001"), brake_claim()).await;
    assert_eq!(status, 200);
    assert_eq!(claims_stored(&svc).await, 0);
    assert!(svc.outbox("inspection.claim_submitted").await.is_empty());
    let claim = svc.claim("D001", brake_claim()).await;
    assert_eq!(claim["status"], "awaiting_part");
    assert_eq!(claim["amounts"], body["amounts"]);

    // Now the same claim would be a duplicate, and the preview says so.
    let (_, again) = preview(&svc, &dealer("D001"), brake_claim()).await;
    assert_eq!(again["status"], "rejected");
    assert_eq!(again["failures"][0]["code"], "duplicate_claim");
    assert_eq!(again["failures"][0]["field"], "causal_part_number");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_failing_check_is_listed_beside_its_field() {
    let svc = Svc::standard().await;
    // VIN-1 went into service 100 days ago; a 1-month brakes policy makes it expired.
    svc.create(
        &crate::support::admin(),
        "/policies",
        json!({"part_number": "BRK-1",
               "terms": crate::support::policy_terms(1, Some(100_000), 0, 30, true, 14)}),
    )
    .await;
    let mut body = brake_claim();
    body["usage_at_failure"] = json!(200_000);
    body["failure_date"] = json!(days_ago(41));
    body["repair_date"] = json!(days_ago(40));
    body["labor"] = json!([{"operation_code": "BRK-R01", "hours": "2.00"}]);
    let (status, preview_body) = preview(&svc, &dealer("D001"), body.clone()).await;
    assert_eq!(status, 200, "{preview_body}");
    assert_eq!(preview_body["status"], "rejected");
    let failures: Vec<(String, String)> = preview_body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(!f["message"].as_str().unwrap().is_empty(), "{f}");
            (
                f["code"].as_str().unwrap().to_owned(),
                f["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        failures,
        vec![
            pair("expired_warranty", "failure_date"),
            pair("usage_exceeded", "usage_at_failure"),
            pair("outside_submission_window", "repair_date"),
            pair("labor_exceeds_standard", "labor"),
        ]
    );
    // Labor is priced at the standard time, as submission prices it.
    assert_eq!(preview_body["amounts"]["labor"], "120.00");

    // The submission decides the same way: the preview's codes are its reasons.
    let stored = svc.claim("D001", body).await;
    let codes: Vec<Value> = failures.iter().map(|(c, _)| json!(c)).collect();
    assert_eq!(stored["reasons"], Value::Array(codes));
    assert_eq!(stored["amounts"], preview_body["amounts"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn input_and_ownership_problems_answer_as_submission_does() {
    let svc = Svc::standard().await;
    // Another dealer's unit: 404, as when submitting.
    let mut other = brake_claim();
    other["unit_serial"] = json!("VIN-2");
    let (status, body) = preview(&svc, &dealer("D001"), other).await;
    assert_eq!(status, 404, "{body}");

    // A future failure date and an unknown part: 422 naming each field.
    let mut bad = brake_claim();
    bad["failure_date"] = json!(chrono::Utc::now().date_naive() + chrono::Days::new(3));
    bad["parts"] = json!([{"part_number": "NOPE-1", "qty": 1}]);
    let (status, body) = preview(&svc, &dealer("D001"), bad).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"failure_date"), "{body}");
    assert!(fields.contains(&"parts[0].part_number"), "{body}");

    // Only dealers preview.
    for role in [Role::Quality, Role::Admin, Role::Warehouse] {
        let (status, _) = preview(&svc, &token(role), brake_claim()).await;
        assert_eq!(status, 403, "{role:?}");
    }
    assert_eq!(claims_stored(&svc).await, 0);
    assert!(svc.outbox("inspection.claim_submitted").await.is_empty());
}
