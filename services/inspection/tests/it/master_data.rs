use aftersales_web::Role;
use serde_json::json;

use crate::support::{Svc, admin, days_ago, dealer, policy_terms, quality, token};

#[tokio::test(flavor = "multi_thread")]
async fn units_are_unique_dealer_scoped_and_validated() {
    let svc = Svc::start().await;
    let unit = |serial: &str, date| {
        json!({"serial": serial, "model": "X1", "in_service_date": date,
               "usage_at_sale": 10, "usage_unit": "hours"})
    };
    let key = [("Idempotency-Key", "u-1")];
    let (status, first) = svc
        .call_with(
            "POST",
            "/units",
            Some(&dealer("D001")),
            Some(unit("VIN-9", days_ago(3))),
            &key,
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["dealer_code"], "D001");
    // The same key and body replays; another body with the key is 422.
    let (status, again) = svc
        .call_with(
            "POST",
            "/units",
            Some(&dealer("D001")),
            Some(unit("VIN-9", days_ago(3))),
            &key,
        )
        .await;
    assert_eq!((status, &again), (201, &first));
    let (status, _) = svc
        .call_with(
            "POST",
            "/units",
            Some(&dealer("D001")),
            Some(unit("VIN-8", days_ago(3))),
            &key,
        )
        .await;
    assert_eq!(status, 422);

    // The serial is unique across dealers.
    let (status, _) = svc
        .call(
            "POST",
            "/units",
            Some(&dealer("D002")),
            Some(unit("VIN-9", days_ago(3))),
        )
        .await;
    assert_eq!(status, 409);
    // In-service date in the future → 422 naming it.
    let (status, body) = svc
        .call(
            "POST",
            "/units",
            Some(&dealer("D001")),
            Some(unit("VIN-7", days_ago(0).succ_opt().unwrap())),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "in_service_date");
    let (status, body) = svc
        .call("POST", "/units", Some(&dealer("D001")), Some(json!({"serial": "vin lower", "model": "X", "in_service_date": days_ago(1), "usage_at_sale": -1, "usage_unit": "km"})))
        .await;
    assert_eq!(status, 422, "{body}");
    // Wrong roles; a dealer registering for another dealer.
    for role in [Role::Quality, Role::Warehouse, Role::Finance] {
        let (status, _) = svc
            .call(
                "POST",
                "/units",
                Some(&token(role)),
                Some(unit("VIN-6", days_ago(1))),
            )
            .await;
        assert_eq!(status, 403, "{role}");
    }
    let mut other = unit("VIN-6", days_ago(1));
    other["dealer_code"] = json!("D002");
    let (status, _) = svc
        .call("POST", "/units", Some(&dealer("D001")), Some(other.clone()))
        .await;
    assert_eq!(status, 403);
    // An admin registers for a dealer it names.
    let (status, _) = svc
        .call(
            "POST",
            "/units",
            Some(&admin()),
            Some(unit("VIN-5", days_ago(1))),
        )
        .await;
    assert_eq!(status, 422);
    svc.create(&admin(), "/units", other).await;

    // Reads: own only (another dealer's → 404), quality sees all.
    let (status, _) = svc
        .call("GET", "/units/VIN-9", Some(&dealer("D001")), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = svc
        .call("GET", "/units/VIN-9", Some(&dealer("D002")), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = svc.call("GET", "/units/NOPE", Some(&quality()), None).await;
    assert_eq!(status, 404);
    let (_, page) = svc.call("GET", "/units", Some(&dealer("D002")), None).await;
    let serials: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["serial"].clone())
        .collect();
    assert_eq!(serials, vec![json!("VIN-6")]);
    let (_, page) = svc.call("GET", "/units", Some(&quality()), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let (status, _) = svc
        .call("GET", "/units", Some(&token(Role::Warehouse)), None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = svc.call("GET", "/units", None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn policies_and_labor_operations_are_admin_data() {
    let svc = Svc::start().await;
    let body =
        json!({"category": "brakes", "terms": policy_terms(24, Some(100_000), 0, 30, true, 14)});
    for t in [dealer("D001"), quality()] {
        let (status, _) = svc
            .call("POST", "/policies", Some(&t), Some(body.clone()))
            .await;
        assert_eq!(status, 403);
    }
    let created = svc.create(&admin(), "/policies", body.clone()).await;
    assert_eq!(created["version"], 1);
    let (status, _) = svc
        .call("POST", "/policies", Some(&admin()), Some(body))
        .await;
    assert_eq!(status, 409);
    let both = json!({"category": "x", "part_number": "P-1", "terms": policy_terms(1, None, 0, 1, false, 0)});
    let (status, _) = svc
        .call("POST", "/policies", Some(&admin()), Some(both))
        .await;
    assert_eq!(status, 422);
    let bad = json!({"part_number": "P-1", "terms": policy_terms(-1, None, 0, 1, false, 0)});
    let (status, body) = svc
        .call("POST", "/policies", Some(&admin()), Some(bad))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "terms.warranty_months");

    let id = created["id"].as_str().unwrap();
    let path = format!("/policies/{id}");
    let (status, updated) = svc
        .call_with(
            "PUT",
            &path,
            Some(&admin()),
            Some(policy_terms(12, None, 0, 30, true, 14)),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (
            updated["version"].as_i64(),
            updated["warranty_months"].as_i64()
        ),
        (Some(2), Some(12))
    );
    let (status, _) = svc
        .call_with(
            "PUT",
            &path,
            Some(&admin()),
            Some(policy_terms(6, None, 0, 30, true, 14)),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(status, 412);
    let (status, _) = svc
        .call(
            "PUT",
            "/policies/00000000-0000-0000-0000-000000000000",
            Some(&admin()),
            Some(policy_terms(6, None, 0, 30, true, 14)),
        )
        .await;
    assert_eq!(status, 404);
    let (status, page) = svc
        .call("GET", "/policies", Some(&dealer("D001")), None)
        .await;
    assert_eq!(
        (status, page["items"].as_array().map(Vec::len)),
        (200, Some(1))
    );

    let op = json!({"code": "BRK-R01", "description": "pads", "standard_hours": "1.50"});
    let (status, _) = svc
        .call(
            "POST",
            "/labor-operations",
            Some(&quality()),
            Some(op.clone()),
        )
        .await;
    assert_eq!(status, 403);
    svc.create(&admin(), "/labor-operations", op.clone()).await;
    let (status, _) = svc
        .call("POST", "/labor-operations", Some(&admin()), Some(op))
        .await;
    assert_eq!(status, 409);
    let bad = json!({"code": "X", "description": "d", "standard_hours": "1.555"});
    let (status, body) = svc
        .call("POST", "/labor-operations", Some(&admin()), Some(bad))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "standard_hours");
    let (_, page) = svc
        .call("GET", "/labor-operations", Some(&dealer("D001")), None)
        .await;
    assert_eq!(page["items"][0]["standard_hours"], "1.50");
}
