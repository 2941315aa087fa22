use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, admin, dealer, token};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "standard", "EUR").await;
    svc.add_part("A", "10.005", true).await;
    svc.add_part("B", "0.015", true).await;
    svc.add_part("OLD", "5", false).await;
    svc
}

fn order_body(lines: Value) -> Value {
    json!({"priority": "emergency", "lines": lines})
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_priced_and_placed_once_per_idempotency_key() {
    let svc = setup().await;
    let body = order_body(json!([{"part_number": "A", "qty": 3}, {"part_number": "B", "qty": 1}]));
    let key = [("Idempotency-Key", "order-1")];
    let (status, first) = svc
        .call_with(
            "POST",
            "/orders",
            Some(&dealer("D001")),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["dealer_code"], "D001");
    assert_eq!(
        first["warehouse"], "WH-HOME",
        "defaults to the home warehouse"
    );
    assert!(first["number"].as_str().unwrap().starts_with("ORD-0000"));
    // 10.0050 less 10 % = 9.0045 per unit; × 3 = 27.0135 → 27.01. 0.0150 → 0.0135 → 0.01.
    assert_eq!(first["lines"][0]["unit_list_price"], "10.0050");
    assert_eq!(first["lines"][0]["unit_net_price"], "9.0045");
    assert_eq!(first["lines"][0]["line_total"], "27.01");
    assert_eq!(first["lines"][1]["line_total"], "0.01");
    assert_eq!(first["total"], "27.02");
    assert_eq!(first["lines"][0]["pending"], 3);

    let (status, again) = svc
        .call_with(
            "POST",
            "/orders",
            Some(&dealer("D001")),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(again, first);
    let mut other = body.clone();
    other["priority"] = json!("stock");
    let (status, problem) = svc
        .call_with("POST", "/orders", Some(&dealer("D001")), Some(other), &key)
        .await;
    assert_eq!(status, 422, "{problem}");

    assert_eq!(svc.count("SELECT count(*) AS n FROM orders").await, 1);
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.order_placed'")
            .await,
        1
    );
    let placed = svc
        .count(&format!(
            "SELECT count(*) AS n FROM outbox WHERE envelope->'payload'->>'order_id' = '{}' \
             AND envelope->'payload'->>'priority' = 'emergency' AND envelope->'payload' ? 'placed_at' \
             AND jsonb_array_length(envelope->'payload'->'lines') = 2",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(placed, 1);

    // An admin orders for a dealer named in the body, to another warehouse.
    let mut for_d002 = order_body(json!([{"part_number": "A", "qty": 1}]));
    for_d002["dealer_code"] = json!("D002");
    for_d002["warehouse"] = json!("WH-EAST");
    let (status, by_admin) = svc
        .call("POST", "/orders", Some(&admin()), Some(for_d002))
        .await;
    assert_eq!(status, 201, "{by_admin}");
    assert_eq!(by_admin["dealer_code"], "D002");
    assert_eq!(by_admin["warehouse"], "WH-EAST");
    assert_eq!(
        by_admin["total"], "10.01",
        "standard tier pays list: 10.005 → 10.01"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn order_placement_refuses_bad_lines_roles_and_dealers() {
    let svc = setup().await;
    let d1 = dealer("D001");
    let post = |body: Value, t: String| {
        let svc = &svc;
        async move { svc.call("POST", "/orders", Some(&t), Some(body)).await }
    };

    let (status, p) = post(
        order_body(json!([{"part_number": "A", "qty": 1}, {"part_number": "NOPE", "qty": 1}])),
        d1.clone(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "lines[1].part_number", "{p}");
    assert_eq!(p["errors"][0]["message"], "unknown part");

    let (status, p) = post(
        order_body(json!([{"part_number": "OLD", "qty": 1}])),
        d1.clone(),
    )
    .await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("lines[0].part_number"))
    );

    let (status, p) = post(
        order_body(json!([{"part_number": "A", "qty": 1}, {"part_number": "A", "qty": 2}])),
        d1.clone(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        p["errors"][0]["field"], "lines[1].part_number",
        "duplicates are refused: {p}"
    );

    let (status, p) = post(
        order_body(json!([{"part_number": "A", "qty": 0}])),
        d1.clone(),
    )
    .await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("lines[0].qty"))
    );
    assert_eq!(post(order_body(json!([])), d1.clone()).await.0, 422);
    let (status, _) = post(
        json!({"priority": "someday", "lines": [{"part_number": "A", "qty": 1}]}),
        d1.clone(),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = svc
        .call("POST", "/orders", Some(&d1), Some(json!("not an object")))
        .await;
    assert!(status == 400 || status == 422, "{status}");

    // Roles and dealers.
    let body = order_body(json!([{"part_number": "A", "qty": 1}]));
    assert_eq!(
        svc.call("POST", "/orders", None, Some(body.clone()))
            .await
            .0,
        401
    );
    assert_eq!(
        post(body.clone(), token(Role::Warehouse, None)).await.0,
        403
    );
    let mut for_other = body.clone();
    for_other["dealer_code"] = json!("D002");
    assert_eq!(
        post(for_other, d1.clone()).await.0,
        403,
        "a dealer orders only for itself"
    );
    let (status, p) = post(body.clone(), admin()).await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("dealer_code"))
    );
    assert_eq!(
        post(body.clone(), dealer("D999")).await.0,
        422,
        "unregistered dealer"
    );

    assert_eq!(svc.count("SELECT count(*) AS n FROM orders").await, 0);
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.order_placed'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealer_sees_only_its_own_orders() {
    let svc = setup().await;
    let mine = svc.place(&dealer("D001"), &[("A", 1)]).await;
    let mine2 = svc.place(&dealer("D001"), &[("B", 2)]).await;
    let theirs = svc.place(&dealer("D002"), &[("A", 1)]).await;
    let theirs_id = theirs["id"].as_str().unwrap();

    let d1 = dealer("D001");
    for path in [
        format!("/orders/{theirs_id}"),
        format!("/orders/{theirs_id}/timeline"),
    ] {
        assert_eq!(
            svc.call("GET", &path, Some(&d1), None).await.0,
            404,
            "{path}"
        );
    }
    assert_eq!(
        svc.call(
            "POST",
            &format!("/orders/{theirs_id}/cancel"),
            Some(&d1),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        svc.call("GET", "/orders/not-a-uuid", Some(&d1), None)
            .await
            .0,
        404
    );
    assert_eq!(
        svc.call(
            "GET",
            &format!("/orders/{}", uuid::Uuid::new_v4()),
            Some(&admin()),
            None
        )
        .await
        .0,
        404
    );

    let (status, list) = svc.call("GET", "/orders", Some(&d1), None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![mine2["id"].as_str().unwrap(), mine["id"].as_str().unwrap()],
        "own orders, newest first"
    );

    let (_, all) = svc
        .call("GET", "/orders", Some(&token(Role::Warehouse, None)), None)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let (_, only_d2) = svc
        .call("GET", "/orders?dealer=D002", Some(&admin()), None)
        .await;
    assert_eq!(only_d2["items"].as_array().unwrap().len(), 1);

    // Filters and pagination.
    let (_, submitted) = svc
        .call("GET", "/orders?status=submitted", Some(&d1), None)
        .await;
    assert_eq!(submitted["items"].as_array().unwrap().len(), 2);
    let (_, shipped) = svc
        .call("GET", "/orders?status=shipped", Some(&d1), None)
        .await;
    assert_eq!(shipped["items"].as_array().unwrap().len(), 0);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (_, later) = svc
        .call("GET", &format!("/orders?from={tomorrow}"), Some(&d1), None)
        .await;
    assert_eq!(later["items"].as_array().unwrap().len(), 0);
    let (_, today_list) = svc
        .call(
            "GET",
            &format!("/orders?from={today}&to={today}"),
            Some(&d1),
            None,
        )
        .await;
    assert_eq!(today_list["items"].as_array().unwrap().len(), 2);
    let (_, page1) = svc.call("GET", "/orders?limit=1", Some(&d1), None).await;
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = svc
        .call(
            "GET",
            &format!("/orders?limit=1&cursor={cursor}"),
            Some(&d1),
            None,
        )
        .await;
    assert_eq!(page2["items"][0]["id"], mine["id"]);
    assert!(page2["next_cursor"].is_null());

    assert_eq!(
        svc.call("GET", "/orders?from=yesterday", Some(&d1), None)
            .await
            .0,
        422
    );
    assert_eq!(
        svc.call("GET", "/orders?status=lost", Some(&d1), None)
            .await
            .0,
        400
    );
    assert_eq!(
        svc.call("GET", "/orders?cursor=garbage", Some(&d1), None)
            .await
            .0,
        400
    );
    // A malformed query value names its parameter, in words for people.
    let long = "x".repeat(10_000);
    for (query, field, message) in [
        ("status=lost", "status", "must be one of: submitted, "),
        ("limit=abc", "limit", "must be a whole number"),
        ("cursor=garbage", "cursor", "is not a cursor of this list"),
        (&format!("status={long}")[..], "status", "must be one of: "),
    ] {
        let (status, problem) = svc
            .call("GET", &format!("/orders?{query}"), Some(&d1), None)
            .await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        let text = problem["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(text.starts_with(message), "{query}: {problem}");
        assert!(problem.to_string().len() < 1_000, "{query}: echoed back");
    }
    assert_eq!(
        svc.call("GET", "/orders", Some(&token(Role::Finance, None)), None)
            .await
            .0,
        403
    );
    assert_eq!(svc.call("GET", "/orders", None, None).await.0, 401);

    let (status, timeline) = svc
        .call(
            "GET",
            &format!("/orders/{}/timeline", mine["id"].as_str().unwrap()),
            Some(&d1),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(timeline[0]["status"], "submitted");
    assert_eq!(timeline[0]["event_type"], "orders.order_placed");
}
