use aftersales_web::Role;
use serde_json::json;

use crate::support::{Svc, agreement_body, finance, id_of, token};

#[tokio::test(flavor = "multi_thread")]
async fn finance_and_admin_record_list_and_read_agreements_and_other_roles_get_403() {
    let svc = Svc::start().await;
    let a = svc
        .agreement(agreement_body("SUP1", "2024-01-01", Some("2024-06-30")))
        .await;
    assert_eq!(a["parts_recovery_pct"], "80.00");
    assert_eq!(a["handling_fee"], "15.00");
    let (status, b) = svc
        .call(
            "POST",
            "/agreements",
            Some(&token(Role::Admin)),
            Some(agreement_body("SUP1", "2024-07-01", None)),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    svc.agreement(agreement_body("SUP2", "2024-01-01", None))
        .await;

    let got = svc
        .ok("GET", &format!("/agreements/{}", id_of(&a)), None, 200)
        .await;
    assert_eq!(got["valid_to"], "2024-06-30");
    let page = svc
        .ok("GET", "/agreements?supplier=SUP1&limit=1", None, 200)
        .await;
    assert_eq!(page["items"][0]["id"], a["id"]);
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let next = svc
        .ok(
            "GET",
            &format!("/agreements?supplier=SUP1&limit=1&cursor={cursor}"),
            None,
            200,
        )
        .await;
    assert_eq!(next["items"][0]["id"], b["id"]);
    assert!(next["next_cursor"].is_null());
    let (status, _) = svc
        .call(
            "GET",
            &format!("/agreements/{}", uuid::Uuid::new_v4()),
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 404);

    for role in [
        Role::Dealer,
        Role::Quality,
        Role::QualityLead,
        Role::Warehouse,
    ] {
        let t = token(role);
        for (method, path, body) in [
            (
                "POST",
                "/agreements",
                Some(agreement_body("SUP9", "2024-01-01", None)),
            ),
            ("GET", "/agreements", None),
            ("GET", "/recovery-lines", None),
            ("GET", "/recovery-claims", None),
            ("POST", "/recovery-claims", Some(json!({"line_ids": []}))),
            ("GET", "/credit-memos", None),
            ("GET", "/reports/reconciliation", None),
            ("GET", "/reports/aging", None),
        ] {
            let (status, _) = svc.call(method, path, Some(&t), body).await;
            assert_eq!(status, 403, "{role} {method} {path}");
        }
    }
    assert_eq!(svc.call("GET", "/agreements", None, None).await.0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_agreements_are_422_naming_the_field_and_overlaps_are_refused_in_the_database_too() {
    let svc = Svc::start().await;
    let field_of = |body: &serde_json::Value| {
        body["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|x| x["field"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    for (field, value) in [
        ("parts_recovery_pct", json!("100.01")),
        ("parts_recovery_pct", json!("-1")),
        ("labor_recovery_pct", json!("101")),
        ("handling_fee", json!("-0.01")),
        ("currency", json!("eur")),
        ("claim_window_days", json!(-1)),
        ("supplier_code", json!("")),
    ] {
        let mut body = agreement_body("SUP1", "2024-01-01", None);
        body[field] = value.clone();
        let (status, problem) = svc
            .call("POST", "/agreements", Some(&finance()), Some(body))
            .await;
        assert_eq!(status, 422, "{field}={value}: {problem}");
        assert_eq!(field_of(&problem), vec![field.to_owned()], "{problem}");
    }
    let (status, problem) = svc
        .call(
            "POST",
            "/agreements",
            Some(&finance()),
            Some(agreement_body("SUP1", "2024-02-01", Some("2024-01-31"))),
        )
        .await;
    assert_eq!((status, field_of(&problem)), (422, vec!["valid_to".into()]));

    svc.agreement(agreement_body("SUP1", "2024-01-01", Some("2024-06-30")))
        .await;
    // Touching on one day is an overlap (valid_to is inclusive); the day after is not.
    for (from, to) in [
        ("2024-06-30", None),
        ("2023-01-01", Some("2024-01-01")),
        ("2024-03-01", Some("2024-03-31")),
        ("2023-01-01", None),
    ] {
        let (status, problem) = svc
            .call(
                "POST",
                "/agreements",
                Some(&finance()),
                Some(agreement_body("SUP1", from, to)),
            )
            .await;
        assert_eq!(status, 422, "{from}..{to:?}: {problem}");
        assert_eq!(field_of(&problem), vec!["valid_from".to_owned()]);
    }
    svc.agreement(agreement_body("SUP1", "2024-07-01", None))
        .await;
    // Another supplier may have the same dates.
    svc.agreement(agreement_body("SUP2", "2024-03-01", None))
        .await;

    // The database refuses an overlap that bypasses the API.
    let err = svc
        .execute(
            "INSERT INTO agreements (id, supplier_code, valid_from, valid_to, parts_recovery_pct,
                 labor_recovery_pct, handling_fee, currency, claim_window_days)
             VALUES (gen_random_uuid(), 'SUP1', '2025-01-01', NULL, 10, 10, 0, 'EUR', 30)",
        )
        .await
        .expect_err("overlap refused by the database");
    assert!(err.to_string().contains("overlaps"), "{err}");
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM agreements WHERE supplier_code = 'SUP1'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_overlapping_agreements_one_wins() {
    let svc = Svc::start().await;
    let calls = (0..6).map(|i| {
        let svc = &svc;
        async move {
            svc.call(
                "POST",
                "/agreements",
                Some(&finance()),
                Some(agreement_body("SUP1", &format!("2024-0{}-01", i + 1), None)),
            )
            .await
            .0
        }
    });
    let statuses = futures_util::future::join_all(calls).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 422),
        "{statuses:?}"
    );
}
