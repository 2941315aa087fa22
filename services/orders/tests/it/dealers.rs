use aftersales_web::Role;
use serde_json::json;

use crate::support::{Svc, admin, dealer, token};

fn body(code: &str) -> serde_json::Value {
    json!({"code": code, "name": "North Motors", "tier": "gold", "labor_rate": "90.00",
           "currency": "EUR", "home_warehouse": "WH-N"})
}

fn update_body() -> serde_json::Value {
    json!({"name": "North Motors AG", "tier": "platinum", "labor_rate": "95",
           "currency": "EUR", "home_warehouse": "WH-S", "active": true})
}

#[tokio::test(flavor = "multi_thread")]
async fn dealer_create_update_with_etag_publishes_every_change() {
    let svc = Svc::start().await;
    let resp = svc
        .send("POST", "/dealers", Some(&admin()), Some(body("D001")), &[])
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["etag"], "\"v1\"");
    let created: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(created["discount_pct"], "10");
    assert_eq!(created["labor_rate"], "90.0000");
    assert_eq!(created["active"], true);

    let (status, got) = svc.call("GET", "/dealers/D001", Some(&admin()), None).await;
    assert_eq!((status, got["tier"].as_str()), (200, Some("gold")));

    let update = json!({"name": "North Motors AG", "tier": "platinum", "labor_rate": "95",
                        "currency": "EUR", "home_warehouse": "WH-S", "active": true});
    let resp = svc
        .send(
            "PUT",
            "/dealers/D001",
            Some(&admin()),
            Some(update.clone()),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], "\"v2\"");
    let updated: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(updated["discount_pct"], "15");
    assert_eq!(updated["home_warehouse"], "WH-S");

    // Stale If-Match.
    let (status, problem) = svc
        .call_with(
            "PUT",
            "/dealers/D001",
            Some(&admin()),
            Some(update.clone()),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(status, 412, "{problem}");
    let (status, _) = svc
        .call_with(
            "PUT",
            "/dealers/D001",
            Some(&admin()),
            Some(update.clone()),
            &[("If-Match", "garbage")],
        )
        .await;
    assert_eq!(status, 412);

    let published = svc
        .count("SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.dealer_upserted'")
        .await;
    assert_eq!(
        published, 2,
        "one event per change, none for refused writes"
    );

    let (status, list) = svc
        .call(
            "GET",
            "/dealers?limit=10",
            Some(&token(Role::Warehouse, None)),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["code"], "D001");
}

#[tokio::test(flavor = "multi_thread")]
async fn dealer_endpoints_refuse_wrong_roles_bad_input_and_other_dealers() {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "silver", "EUR").await;
    svc.create_dealer("D002", "gold", "EUR").await;

    assert_eq!(
        svc.call("POST", "/dealers", None, Some(body("D003")))
            .await
            .0,
        401
    );
    for role in [Role::Dealer, Role::Warehouse, Role::Finance] {
        let t = token(role, Some("D001"));
        assert_eq!(
            svc.call("POST", "/dealers", Some(&t), Some(body("D003")))
                .await
                .0,
            403,
            "{role}"
        );
        assert_eq!(
            svc.call("PUT", "/dealers/D001", Some(&t), Some(update_body()))
                .await
                .0,
            403,
            "{role}"
        );
    }
    assert_eq!(
        svc.call("GET", "/dealers", Some(&dealer("D001")), None)
            .await
            .0,
        403
    );

    let (status, problem) = svc
        .call("POST", "/dealers", Some(&admin()), Some(body("D001")))
        .await;
    assert_eq!(status, 409, "{problem}");

    let mut bad = body("d-lower");
    bad["labor_rate"] = json!("-1");
    bad["currency"] = json!("euro");
    let (status, problem) = svc
        .call("POST", "/dealers", Some(&admin()), Some(bad))
        .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["code", "currency", "labor_rate"]);

    let mut bad = body("D009");
    bad["tier"] = json!("diamond");
    assert_eq!(
        svc.call("POST", "/dealers", Some(&admin()), Some(bad))
            .await
            .0,
        422
    );

    let update = json!({"name": "x", "tier": "gold", "labor_rate": "1", "currency": "EUR",
                        "home_warehouse": "WH", "active": false});
    assert_eq!(
        svc.call("PUT", "/dealers/NOPE", Some(&admin()), Some(update))
            .await
            .0,
        404
    );

    // A dealer reads itself only.
    assert_eq!(
        svc.call("GET", "/dealers/D001", Some(&dealer("D001")), None)
            .await
            .0,
        200
    );
    assert_eq!(
        svc.call("GET", "/dealers/D002", Some(&dealer("D001")), None)
            .await
            .0,
        404
    );
    assert_eq!(
        svc.call("GET", "/dealers/D404", Some(&admin()), None)
            .await
            .0,
        404
    );
    assert_eq!(
        svc.call("GET", "/dealers?cursor=!!", Some(&admin()), None)
            .await
            .0,
        400
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dealer_creation_is_idempotent_per_key() {
    let svc = Svc::start().await;
    let key = [("Idempotency-Key", "dealer-1")];
    let first = svc
        .call_with("POST", "/dealers", Some(&admin()), Some(body("D001")), &key)
        .await;
    let again = svc
        .call_with("POST", "/dealers", Some(&admin()), Some(body("D001")), &key)
        .await;
    assert_eq!(first.0, 201);
    assert_eq!(first, again);
    let other = svc
        .call_with("POST", "/dealers", Some(&admin()), Some(body("D002")), &key)
        .await;
    assert_eq!(other.0, 422, "{}", other.1);
    let published = svc
        .count("SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.dealer_upserted'")
        .await;
    assert_eq!(published, 1);
}
