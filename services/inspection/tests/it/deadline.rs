use serde_json::json;

use crate::support::{Svc, admin, brake_claim, id_of, policy_terms};

#[tokio::test(flavor = "multi_thread")]
async fn the_deadline_job_rejects_an_overdue_claim_exactly_once() {
    let svc = Svc::standard().await;
    // A part-level policy with a zero-day deadline overrides the category's.
    svc.create(
        &admin(),
        "/policies",
        json!({"part_number": "BRK-1", "terms": policy_terms(24, Some(100_000), 0, 30, true, 0)}),
    )
    .await;
    let overdue = svc.claim("D001", brake_claim()).await;
    assert_eq!(overdue["status"], "awaiting_part");
    // A claim still within its deadline is left alone.
    let mut within = brake_claim();
    within["unit_serial"] = json!("VIN-2");
    let within = svc.claim("D002", within).await;
    svc.exec(&format!(
        "UPDATE claims SET return_deadline = now() + interval '1 day' WHERE id = '{}'",
        id_of(&within)
    ))
    .await;

    let pool = svc.pool.clone();
    // Two replicas at the same moment, then once more.
    let (a, b) = tokio::join!(
        inspection::app::deadline::reject_overdue_returns(&pool),
        inspection::app::deadline::reject_overdue_returns(&pool)
    );
    let (a, b) = (a.expect("job"), b.expect("job"));
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    let again = inspection::app::deadline::reject_overdue_returns(&pool)
        .await
        .expect("job");
    assert!(again.is_empty());

    let claim = svc.get_claim(&id_of(&overdue)).await;
    assert_eq!(claim["status"], "rejected");
    assert_eq!(claim["reasons"], json!(["part_not_returned"]));
    assert_eq!(
        svc.get_claim(&id_of(&within)).await["status"],
        "awaiting_part"
    );
    let events = svc.outbox("inspection.claim_adjudicated").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["payload"]["decision"], "rejected");
    assert_eq!(events[0]["payload"]["claim_id"], id_of(&overdue));

    // A part arriving after the rejection is refused.
    let (status, _) = svc
        .call(
            "POST",
            &format!("/claims/{}/part-receipt", id_of(&overdue)),
            Some(&crate::support::quality()),
            Some(json!({"warehouse": "WH-QA", "quantity": 1})),
        )
        .await;
    assert_eq!(status, 409);
}
