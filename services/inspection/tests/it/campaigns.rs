//! Service campaigns: recorded by admins, the units they affect per dealer, a campaign
//! claim covered whatever the warranty state and once per unit, holding only the fix,
//! and completion per dealer and overall; wrong roles and bad input refused.

use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, admin, brake_claim, days_ago, dealer, quality, token};

fn campaign() -> Value {
    let ahead = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    json!({"code": "RC-2026-04", "title": "Brake pad recall", "models": ["X1"],
           "parts": [{"part_number": "BRK-1", "qty": 2}],
           "labor": [{"operation_code": "BRK-R01", "hours": "1.5"}],
           "valid_from": days_ago(30), "valid_to": ahead})
}

async fn call(svc: &Svc, method: &str, path: &str, who: &str, body: Option<Value>) -> (u16, Value) {
    svc.call(method, path, Some(who), body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recall_is_claimed_once_per_affected_unit_whatever_its_warranty() {
    let svc = Svc::standard().await;
    for (body, field) in [
        (json!({"models": []}), "models"),
        (json!({"serial_from": "VIN-1"}), "serial_to"),
        (
            json!({"parts": [{"part_number": "NOPE-1", "qty": 1}]}),
            "parts[0].part_number",
        ),
        (json!({"code": "x"}), "code"),
        (json!({"valid_to": days_ago(40)}), "valid_to"),
    ] {
        let mut bad = campaign();
        for (k, v) in body.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let (status, problem) = call(&svc, "POST", "/campaigns", &admin(), Some(bad)).await;
        assert_eq!(status, 422, "{field}: {problem}");
        let named = problem["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field));
        assert!(named, "{field}: {problem}");
    }
    let (status, _) = call(&svc, "POST", "/campaigns", &quality(), Some(campaign())).await;
    assert_eq!(status, 403);
    let (status, made) = call(&svc, "POST", "/campaigns", &admin(), Some(campaign())).await;
    assert_eq!(status, 201, "{made}");
    let (status, _) = call(&svc, "POST", "/campaigns", &admin(), Some(campaign())).await;
    assert_eq!(status, 409);

    // Affected: X1 units. VIN-3 is another model.
    svc.create(
        &dealer("D001"),
        "/units",
        json!({"serial": "VIN-3", "model": "Z9", "in_service_date": days_ago(100),
               "usage_at_sale": 0, "usage_unit": "km"}),
    )
    .await;
    let serials = |units: &Value| -> Vec<String> {
        units
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["serial"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, mine) = call(
        &svc,
        "GET",
        "/campaigns/RC-2026-04/units",
        &dealer("D001"),
        None,
    )
    .await;
    assert_eq!(serials(&mine), ["VIN-1"]);
    let (_, all) = call(&svc, "GET", "/campaigns/RC-2026-04/units", &quality(), None).await;
    assert_eq!(serials(&all), ["VIN-1", "VIN-2"]);
    let (status, _) = call(&svc, "GET", "/campaigns", &token(Role::Warehouse), None).await;
    assert_eq!(status, 403);

    // Above the usage limit, yet covered by the campaign.
    let mut claim = brake_claim();
    claim["usage_at_failure"] = json!(150_000);
    claim["campaign_code"] = json!("RC-2026-04");
    let filed = svc.claim("D001", claim.clone()).await;
    assert_eq!(filed["status"], "awaiting_part", "{filed}");
    assert_eq!(filed["waived_reasons"], json!(["usage_exceeded"]));
    assert_eq!(filed["campaign_code"], "RC-2026-04");
    assert_eq!(
        filed["amounts"]["total"], "200.00",
        "2 × 60.00 + 1 h × 80.00"
    );
    // Once per unit and campaign.
    let again = svc.claim("D001", claim.clone()).await;
    assert_eq!(again["reasons"], json!(["duplicate_claim"]), "{again}");

    // Only the fix, only affected units.
    let mut outside = claim.clone();
    outside["parts"] = json!([{"part_number": "BRK-1", "qty": 3}]);
    let (status, problem) = call(&svc, "POST", "/claims", &dealer("D001"), Some(outside)).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "parts[0].qty");
    let mut other_model = claim.clone();
    other_model["unit_serial"] = json!("VIN-3");
    let (status, problem) = call(&svc, "POST", "/claims", &dealer("D001"), Some(other_model)).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "unit_serial");
    let mut unknown = claim;
    unknown["campaign_code"] = json!("NOPE-1");
    let (status, _) = call(&svc, "POST", "/claims", &dealer("D001"), Some(unknown)).await;
    assert_eq!(status, 422);

    // Completion: D001 done, D002 not yet; a dealer sees only its own row.
    let (_, report) = call(
        &svc,
        "GET",
        "/campaigns/RC-2026-04/completion",
        &quality(),
        None,
    )
    .await;
    assert_eq!(report["overall"]["affected"], 2, "{report}");
    assert_eq!(report["overall"]["completed"], 1);
    assert_eq!(report["overall"]["completion_rate"], "0.5000");
    assert_eq!(report["dealers"][0]["dealer_code"], "D001");
    assert_eq!(report["dealers"][0]["completion_rate"], "1.0000");
    let (_, own) = call(
        &svc,
        "GET",
        "/campaigns/RC-2026-04/completion",
        &dealer("D002"),
        None,
    )
    .await;
    assert_eq!(own["dealers"].as_array().unwrap().len(), 1, "{own}");
    assert_eq!(own["overall"]["completed"], 0);
    let (status, _) = call(
        &svc,
        "GET",
        "/campaigns/NOPE-1/completion",
        &quality(),
        None,
    )
    .await;
    assert_eq!(status, 404);
}
