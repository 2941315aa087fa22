use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine, StockReserved};
use aftersales_web::Role;

use crate::support::{Svc, admin, allocation, dealer, order_id, token};

#[tokio::test(flavor = "multi_thread")]
async fn fill_rate_per_dealer_and_overall_in_json_and_csv() {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "silver", "EUR").await;
    svc.add_part("A", "10", true).await;
    let o1 = order_id(&svc.place(&dealer("D001"), &[("A", 4)]).await);
    let o2 = order_id(&svc.place(&dealer("D002"), &[("A", 4)]).await);

    // D001: 3 of 4 reserved at placement, those 3 shipped at once, the 4th 25 h later.
    let first = StockReserved {
        order_id: o1,
        warehouse: "WH-HOME".parse().unwrap(),
        allocation: allocation(1, &[(1, "A", 4, 3, 1, 0, 0)]),
    };
    let shipped = |version, qty, alloc| ShipmentDispatched {
        shipment_id: uuid::Uuid::new_v4(),
        order_id: o1,
        lines: vec![ShippedLine {
            line_no: 1,
            part_number: "A".parse().unwrap(),
            qty,
        }],
        carrier: "DHL".into(),
        tracking_ref: format!("T{version}"),
        allocation: alloc,
    };
    // The shipment arrives before the first allocation: the fill rate still counts v1.
    let s1 = svc
        .publish(
            "catalog",
            &shipped(2, 3, allocation(2, &[(1, "A", 4, 0, 1, 3, 0)])),
        )
        .await;
    assert!(svc.consumed(&s1).await);
    let e1 = svc.publish("catalog", &first).await;
    assert!(svc.consumed(&e1).await);
    let mut late = Envelope::new(
        "catalog",
        &shipped(3, 1, allocation(3, &[(1, "A", 4, 0, 0, 4, 0)])),
        uuid::Uuid::new_v4(),
    )
    .unwrap();
    late.occurred_at += chrono::Duration::hours(25);
    svc.publish_envelope(&late).await;
    assert!(svc.consumed(&late).await);
    // D002: nothing reserved at placement.
    let e2 = svc
        .publish(
            "catalog",
            &StockReserved {
                order_id: o2,
                warehouse: "WH-HOME".parse().unwrap(),
                allocation: allocation(1, &[(1, "A", 4, 0, 4, 0, 0)]),
            },
        )
        .await;
    assert!(svc.consumed(&e2).await);

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let path = format!("/reports/fill-rate?from={today}&to={today}");
    let (status, report) = svc.call("GET", &path, Some(&admin()), None).await;
    assert_eq!(status, 200, "{report}");
    let d1 = &report["dealers"][0];
    assert_eq!(
        (d1["dealer_code"].as_str(), d1["ordered_qty"].as_i64()),
        (Some("D001"), Some(4))
    );
    assert_eq!(d1["reserved_at_placement_rate"], "0.7500");
    assert_eq!(d1["shipped_within_24h_rate"], "0.7500");
    // By request: its one line was not filled within 24 h.
    assert_eq!(d1["order_lines"], 1);
    assert_eq!(d1["fill_rate_24h"], "0.0000");
    assert_eq!(report["dealers"][1]["reserved_at_placement_rate"], "0.0000");
    assert_eq!(report["overall"]["ordered_qty"], 8);
    assert_eq!(report["overall"]["reserved_at_placement_rate"], "0.3750");
    assert_eq!(report["overall"]["shipped_within_24h_qty"], 3);

    for (p, headers) in [
        (format!("{path}&format=csv"), vec![]),
        (path.clone(), vec![("Accept", "text/csv")]),
    ] {
        let resp = svc.send("GET", &p, Some(&admin()), None, &headers).await;
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = resp.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("dealer_code,warehouse,order_lines,"));
        // One line each, neither filled within 24 h (D001's fourth unit was late).
        assert_eq!(lines[1], "D001,ALL,1,0,0.0000,4,3,3,0.7500,0.7500");
        assert_eq!(lines[3], "ALL,WH-HOME,2,0,0.0000,8,3,3,0.3750,0.3750");
        assert_eq!(lines[4], "ALL,ALL,2,0,0.0000,8,3,3,0.3750,0.3750");
    }

    // A dealer sees its own figures only.
    let (_, own) = svc.call("GET", &path, Some(&dealer("D002")), None).await;
    assert_eq!(own["dealers"].as_array().unwrap().len(), 1);
    assert_eq!(own["overall"]["ordered_qty"], 4);

    assert_eq!(
        svc.call("GET", &path, Some(&token(Role::Finance, None)), None)
            .await
            .0,
        403
    );
    assert_eq!(
        svc.call(
            "GET",
            "/reports/fill-rate?from=2024-01-01",
            Some(&admin()),
            None
        )
        .await
        .0,
        400
    );
    assert_eq!(
        svc.call(
            "GET",
            "/reports/fill-rate?from=x&to=2024-01-01",
            Some(&admin()),
            None
        )
        .await
        .0,
        422
    );
    assert_eq!(
        svc.call(
            "GET",
            "/reports/fill-rate?from=2024-02-01&to=2024-01-01",
            Some(&admin()),
            None
        )
        .await
        .0,
        422
    );
    assert_eq!(
        svc.call("GET", &format!("{path}&format=xml"), Some(&admin()), None)
            .await
            .0,
        422
    );

    // The period is answered back: its whole last day fits up to 9999-12-30; a day
    // after that cannot be written as a timestamp, so it is a 422 that says the range
    // (never `+10000-01-01T00:00:00Z`), on the report and on the order list alike.
    let (status, report) = svc
        .call(
            "GET",
            &format!("/reports/fill-rate?from={today}&to=9999-12-30"),
            Some(&admin()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["to"], "9999-12-31T00:00:00Z");
    assert_eq!(report["overall"]["ordered_qty"], 8);
    for far in [
        format!("/reports/fill-rate?from={today}&to=9999-12-31"),
        "/orders?to=9999-12-31".to_owned(),
    ] {
        let (status, problem) = svc.call("GET", &far, Some(&admin()), None).await;
        assert_eq!(status, 422, "{far}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "to", "{problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("9999-12-30"), "{message}");
        assert!(!problem.to_string().contains("10000"), "{problem}");
    }
}
