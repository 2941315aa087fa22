use aftersales_web::Role;
use serde_json::json;

use crate::support::{Svc, brake_claim, days_ago, dealer, id_of, quality, token};

fn period() -> String {
    format!("from={}&to={}", days_ago(1), days_ago(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_report_counts_rates_cycle_returns_and_cost() {
    let svc = Svc::standard().await;
    // Approved after receipt: 200.00 for BRK-1 / SUP1 / D001.
    let id = id_of(&svc.claim("D001", brake_claim()).await);
    for (verb, body) in [
        ("part-receipt", json!({"warehouse": "WH-QA", "quantity": 2})),
        (
            "findings",
            json!({"failure_mode": "wear", "cause_code": "supplier_defect", "responsible_supplier": "SUP9"}),
        ),
        ("decision", json!({"decision": "approved"})),
    ] {
        let (status, body) = svc
            .call(
                "POST",
                &format!("/claims/{id}/{verb}"),
                Some(&quality()),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    // Rejected at submission (duplicate), and one still awaiting its part (D002).
    svc.claim("D001", brake_claim()).await;
    let mut other = brake_claim();
    other["unit_serial"] = json!("VIN-2");
    svc.claim("D002", other).await;

    let (status, report) = svc
        .call(
            "GET",
            &format!("/reports/claims?{}", period()),
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let statuses: Vec<_> = report["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_owned(),
                r["claims"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("approved".into(), 1),
            ("awaiting_part".into(), 1),
            ("rejected".into(), 1)
        ]
    );
    assert_eq!(
        (report["decided"].as_i64(), report["approved"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(report["approval_rate"], "0.5000");
    assert!(report["avg_cycle_hours"].is_string() && report["p90_cycle_hours"].is_string());
    assert_eq!(
        (
            report["returns_due"].as_i64(),
            report["return_compliance"].as_str()
        ),
        (Some(1), Some("1.0000"))
    );
    assert_eq!(
        report["cost_by_part"],
        json!([{"key": "BRK-1", "currency": "EUR", "claims": 1, "amount": "200.00"}])
    );
    assert_eq!(report["cost_by_supplier"][0]["key"], "SUP9");
    assert_eq!(report["cost_by_dealer"][0]["key"], "D001");

    // A dealer sees only its own claims.
    let (_, mine) = svc
        .call(
            "GET",
            &format!("/reports/claims?{}", period()),
            Some(&dealer("D002")),
            None,
        )
        .await;
    assert_eq!(mine["by_status"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["cost_by_dealer"], json!([]));

    // CSV.
    let resp = svc
        .http
        .get(format!(
            "{}/api/v1/reports/claims?{}&format=csv",
            svc.base,
            period()
        ))
        .bearer_auth(quality())
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.text().await.unwrap();
    assert!(
        csv.starts_with("section,key,currency,claims,amount,approved\n"),
        "{csv}"
    );
    assert!(csv.contains("cost_by_part,BRK-1,EUR,1,200.00,\n"), "{csv}");
    assert!(csv.contains("approval_rate,,,2,0.5000,\n"), "{csv}");

    // Top failing parts: the duplicate rejected at submission is not counted.
    let (status, top) = svc
        .call(
            "GET",
            &format!("/reports/top-failing-parts?{}", period()),
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{top}");
    let rows = top.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{top}");
    assert!(
        rows.iter()
            .any(|r| r["supplier_code"] == "SUP9" && r["claims"] == 1 && r["rank"] == 1)
    );
    assert!(
        rows.iter()
            .any(|r| r["supplier_code"] == "SUP1" && r["part_number"] == "BRK-1")
    );

    // Bad input and roles.
    let (status, _) = svc
        .call(
            "GET",
            "/reports/claims?from=yesterday&to=2024-01-01",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = svc
        .call(
            "GET",
            "/reports/claims?from=2024-02-01&to=2024-01-01",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = svc
        .call("GET", "/reports/claims", Some(&quality()), None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = svc
        .call(
            "GET",
            &format!("/reports/claims?{}", period()),
            Some(&token(Role::Warehouse)),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = svc
        .call(
            "GET",
            &format!("/reports/top-failing-parts?{}", period()),
            Some(&dealer("D001")),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = svc
        .call(
            "GET",
            &format!("/reports/top-failing-parts?{}&limit=0", period()),
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 422);
}
