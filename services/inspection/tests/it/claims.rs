use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, admin, brake_claim, days_ago, dealer, id_of, part, quality, token};

#[tokio::test(flavor = "multi_thread")]
async fn a_passing_claim_is_priced_numbered_and_awaits_its_part() {
    let svc = Svc::standard().await;
    let claim = svc.claim("D001", brake_claim()).await;
    assert_eq!(claim["status"], "awaiting_part", "{claim}");
    assert_eq!(claim["reasons"], json!([]));
    let number = claim["number"].as_str().unwrap();
    assert!(number.starts_with("WC-") && number.len() == 9, "{number}");
    assert_eq!(
        claim["amounts"],
        json!({"parts": "120.00", "labor": "80.00", "total": "200.00", "currency": "EUR"})
    );
    assert_eq!(claim["parts"][0]["unit_price"], "60.0000");
    assert_eq!(claim["labor"][0]["paid_hours"], "1.00");
    assert_eq!(claim["supplier_code"], "SUP1");
    assert!(claim["return_required"].as_bool().unwrap());
    assert!(claim["return_deadline"].is_string());

    let events = svc.outbox("inspection.claim_submitted").await;
    assert_eq!(events.len(), 1);
    let payload = &events[0]["payload"];
    assert_eq!(payload["claim_number"], number);
    assert_eq!(payload["amounts"]["total"], "200.00");
    assert_eq!(payload["causal_part_number"], "BRK-1");

    // The owner and quality read it; another dealer gets 404; warehouse 403.
    let path = format!("/claims/{}", id_of(&claim));
    let (status, _) = svc.call("GET", &path, Some(&dealer("D001")), None).await;
    assert_eq!(status, 200);
    let (status, _) = svc.call("GET", &path, Some(&dealer("D002")), None).await;
    assert_eq!(status, 404);
    let (status, _) = svc
        .call("GET", &path, Some(&token(Role::Warehouse)), None)
        .await;
    assert_eq!(status, 403);
    let (_, page) = svc
        .call("GET", "/claims", Some(&dealer("D002")), None)
        .await;
    assert_eq!(page["items"], json!([]));
    let (_, page) = svc
        .call(
            "GET",
            "/claims?status=awaiting_part",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // A second claim for the same unit and causal part is a duplicate.
    let dup = svc.claim("D001", brake_claim()).await;
    assert_eq!(dup["status"], "rejected");
    assert_eq!(dup["reasons"], json!(["duplicate_claim"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_claim_is_stored_rejected_with_every_reason() {
    let svc = Svc::standard().await;
    let mut usd = part("BRK-USD", "brakes", "10.00", false, false);
    usd.currency = "USD".parse().unwrap();
    svc.add_part(usd).await;
    let body = json!({
        "unit_serial": "VIN-1",
        "failure_date": days_ago(41), "repair_date": days_ago(40),
        "usage_at_failure": 200_000,
        "complaint": "c", "cause": "c", "correction": "c",
        "causal_part_number": "BRK-1",
        "parts": [{"part_number": "BRK-1", "qty": 1}, {"part_number": "BRK-USD", "qty": 1}],
        "labor": [{"operation_code": "BRK-R01", "hours": "2.00"}],
    });
    let claim = svc.claim("D001", body).await;
    assert_eq!(claim["status"], "rejected");
    assert_eq!(
        claim["reasons"],
        json!([
            "usage_exceeded",
            "outside_submission_window",
            "labor_exceeds_standard",
            "currency_mismatch"
        ])
    );
    // Labor is paid at the standard time even so: 1.5 h × 80.
    assert_eq!(claim["amounts"]["labor"], "120.00");
    assert!(claim["decided_at"].is_string());
    assert_eq!(svc.outbox("inspection.claim_submitted").await.len(), 1);

    // A core part inside its replace-only months that was not replaced.
    let engine = json!({
        "unit_serial": "VIN-1", "failure_date": days_ago(2), "repair_date": days_ago(1),
        "usage_at_failure": 3000, "complaint": "c", "cause": "c", "correction": "repaired",
        "causal_part_number": "ENG-1", "parts": [],
        "labor": [{"operation_code": "ENG-R01", "hours": "4"}],
    });
    let claim = svc.claim("D001", engine.clone()).await;
    assert_eq!(claim["reasons"], json!(["replacement_required"]));
    // Replaced: accepted, and not returnable → submitted.
    let mut replaced = engine;
    replaced["parts"] = json!([{"part_number": "ENG-1", "qty": 1}]);
    let claim = svc.claim("D001", replaced).await;
    assert_eq!(
        (claim["status"].as_str(), claim["reasons"].clone()),
        (Some("submitted"), json!([]))
    );

    // A part no policy covers.
    svc.add_part(part("MISC-1", "misc", "5.00", false, false))
        .await;
    let mut misc = brake_claim();
    misc["causal_part_number"] = json!("MISC-1");
    misc["parts"] = json!([]);
    misc["labor"] = json!([]);
    let claim = svc.claim("D001", misc).await;
    assert_eq!(claim["reasons"], json!(["not_covered"]));
}

async fn expect_422(svc: &Svc, body: Value, field: &str) {
    let (status, problem) = svc
        .call("POST", "/claims", Some(&dealer("D001")), Some(body))
        .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.contains(&field), "{field} not in {problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_422_naming_the_field_and_writes_nothing() {
    let svc = Svc::standard().await;
    let tomorrow = days_ago(0).succ_opt().unwrap();
    let with = |k: &str, v: Value| {
        let mut b = brake_claim();
        b[k] = v;
        b
    };
    expect_422(&svc, with("failure_date", json!(tomorrow)), "failure_date").await;
    expect_422(&svc, with("repair_date", json!(tomorrow)), "repair_date").await;
    expect_422(&svc, with("repair_date", json!(days_ago(6))), "repair_date").await;
    expect_422(
        &svc,
        with("failure_date", json!(days_ago(101))),
        "failure_date",
    )
    .await;
    expect_422(
        &svc,
        with("usage_at_failure", json!(999)),
        "usage_at_failure",
    )
    .await;
    expect_422(
        &svc,
        with("causal_part_number", json!("NOPE")),
        "causal_part_number",
    )
    .await;
    expect_422(
        &svc,
        with("parts", json!([{"part_number": "NOPE", "qty": 1}])),
        "parts[0].part_number",
    )
    .await;
    expect_422(
        &svc,
        with("parts", json!([{"part_number": "BRK-1", "qty": 0}])),
        "parts[0].qty",
    )
    .await;
    expect_422(
        &svc,
        with("labor", json!([{"operation_code": "NOPE", "hours": "1"}])),
        "labor[0].operation_code",
    )
    .await;
    expect_422(
        &svc,
        with(
            "labor",
            json!([{"operation_code": "BRK-R01", "hours": "0"}]),
        ),
        "labor[0].hours",
    )
    .await;
    expect_422(&svc, with("complaint", json!("")), "complaint").await;
    assert_eq!(svc.count("SELECT count(*) AS n FROM claims").await, 0);
    assert_eq!(svc.outbox("inspection.claim_submitted").await.len(), 0);

    // Another dealer's unit, or no such unit → 404; roles other than dealer → 403.
    let (status, _) = svc
        .call(
            "POST",
            "/claims",
            Some(&dealer("D002")),
            Some(brake_claim()),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = svc
        .call(
            "POST",
            "/claims",
            Some(&dealer("D001")),
            Some(with("unit_serial", json!("VIN-404"))),
        )
        .await;
    assert_eq!(status, 404);
    for t in [admin(), quality(), token(Role::Warehouse)] {
        let (status, _) = svc
            .call("POST", "/claims", Some(&t), Some(brake_claim()))
            .await;
        assert_eq!(status, 403);
    }
    let (status, _) = svc.call("POST", "/claims", None, Some(brake_claim())).await;
    assert_eq!(status, 401);
    assert_eq!(svc.count("SELECT count(*) AS n FROM claims").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn submission_is_idempotent_per_key() {
    let svc = Svc::standard().await;
    let key = [("Idempotency-Key", "claim-1")];
    let (s1, first) = svc
        .call_with(
            "POST",
            "/claims",
            Some(&dealer("D001")),
            Some(brake_claim()),
            &key,
        )
        .await;
    let (s2, second) = svc
        .call_with(
            "POST",
            "/claims",
            Some(&dealer("D001")),
            Some(brake_claim()),
            &key,
        )
        .await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, second);
    assert_eq!(svc.count("SELECT count(*) AS n FROM claims").await, 1);
    assert_eq!(svc.outbox("inspection.claim_submitted").await.len(), 1);
    let mut other = brake_claim();
    other["usage_at_failure"] = json!(6000);
    let (status, _) = svc
        .call_with("POST", "/claims", Some(&dealer("D001")), Some(other), &key)
        .await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealer_unknown_to_inspection_cannot_claim() {
    let svc = Svc::standard().await;
    svc.register("D009", "VIN-9").await;
    let mut body = brake_claim();
    body["unit_serial"] = json!("VIN-9");
    let (status, problem) = svc
        .call("POST", "/claims", Some(&dealer("D009")), Some(body))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "dealer_code");
}
