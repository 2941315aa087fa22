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

/// Days from today, as the API writes dates.
fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agreement_recorded_later_prices_the_lines_that_had_none() {
    use crate::support::adjudicated;
    let svc = Svc::start().await;
    let ago = |days| chrono::Utc::now() - chrono::Duration::days(days);
    let covered = adjudicated("SUP2", "100.00", "10.00", ago(5));
    let mut usd = adjudicated("SUP2", "100.00", "10.00", ago(5));
    usd.currency = "USD".parse().unwrap();
    let before = adjudicated("SUP2", "100.00", "10.00", ago(50));
    for claim in [&covered, &usd, &before] {
        svc.adjudicate(claim).await;
        let line = svc.line_of(claim.claim_id).await;
        assert_eq!(line["reason"], "no_agreement", "{line}");
    }

    let agreement = svc.agreement(agreement_body("SUP2", &day(-30), None)).await;
    // 100.00 × 80 % + 10.00 × 50 % + 15.00
    let line = svc.line_of(covered.claim_id).await;
    assert_eq!(
        (line["status"].as_str(), line["amount"].as_str()),
        (Some("open"), Some("100.00")),
        "{line}"
    );
    assert_eq!(line["agreement_id"], agreement["id"]);
    assert!(line["claim_window_closes_on"].is_string() && line["reason"].is_null());
    let line = svc.line_of(usd.claim_id).await;
    assert_eq!(line["reason"], "currency_mismatch", "{line}");
    let line = svc.line_of(before.claim_id).await;
    assert_eq!(
        line["reason"], "no_agreement",
        "decided before the agreement: {line}"
    );

    let events = svc.outbox("recovery.recovery_lines_reassessed").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let lines = events[0]["payload"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{events:?}");

    // Extending the agreement back over the older decision prices that one too.
    let mut body = agreement_body("SUP2", &day(-60), None);
    body.as_object_mut().unwrap().remove("supplier_code");
    svc.ok(
        "PUT",
        &format!("/agreements/{}", id_of(&agreement)),
        Some(body),
        200,
    )
    .await;
    assert_eq!(svc.line_of(before.claim_id).await["status"], "open");
    assert_eq!(
        svc.outbox("recovery.recovery_lines_reassessed").await.len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn priced_lines_pin_the_terms_and_days_of_their_agreement() {
    let svc = Svc::with_agreement(400).await;
    let agreement = svc.ok("GET", "/agreements?supplier=SUP1", None, 200).await["items"][0].clone();
    let id = id_of(&agreement);
    svc.open_line("100.00", "0").await; // decided yesterday

    let amended = |fee: &str, from: &str, to: Option<&str>| {
        let mut body = agreement_body("SUP1", from, to);
        body.as_object_mut().unwrap().remove("supplier_code");
        body["handling_fee"] = fee.into();
        body
    };
    let from = agreement["valid_from"].as_str().unwrap().to_owned();
    let (status, problem) = svc
        .call(
            "PUT",
            &format!("/agreements/{id}"),
            Some(&finance()),
            Some(amended("5.00", &from, None)),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("priced under these terms")
    );
    let end = |to: String| json!({"valid_to": to});
    let (status, problem) = svc
        .call(
            "POST",
            &format!("/agreements/{id}/end"),
            Some(&finance()),
            Some(end(day(-10))),
        )
        .await;
    assert_eq!(status, 409, "the line decided yesterday: {problem}");
    let (status, problem) = svc
        .call(
            "POST",
            &format!("/agreements/{id}/end"),
            Some(&finance()),
            Some(end(day(-500))),
        )
        .await;
    assert_eq!(status, 422, "before valid_from: {problem}");
    let ended = svc
        .ok(
            "POST",
            &format!("/agreements/{id}/end"),
            Some(end(day(0))),
            200,
        )
        .await;
    assert_eq!(ended["valid_to"], day(0).as_str());

    // The next agreement starts tomorrow; overlapping it is refused.
    let next = svc.agreement(agreement_body("SUP1", &day(1), None)).await;
    let (status, problem) = svc
        .call(
            "PUT",
            &format!("/agreements/{}", id_of(&next)),
            Some(&finance()),
            Some(amended("15.00", &day(0), None)),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    // Nothing priced under it yet: its terms may change.
    let cheaper = svc
        .ok(
            "PUT",
            &format!("/agreements/{}", id_of(&next)),
            Some(amended("5.00", &day(1), None)),
            200,
        )
        .await;
    assert_eq!(cheaper["handling_fee"], "5.00");

    let mut bad = amended("5.00", &day(1), None);
    bad["parts_recovery_pct"] = "101".into();
    let (status, _) = svc
        .call(
            "PUT",
            &format!("/agreements/{}", id_of(&next)),
            Some(&finance()),
            Some(bad),
        )
        .await;
    assert_eq!(status, 422);
    let unknown = uuid::Uuid::new_v4();
    let (status, _) = svc
        .call(
            "POST",
            &format!("/agreements/{unknown}/end"),
            Some(&finance()),
            Some(end(day(0))),
        )
        .await;
    assert_eq!(status, 404);
    for role in [Role::Dealer, Role::Quality, Role::Warehouse] {
        let (status, _) = svc
            .call(
                "PUT",
                &format!("/agreements/{id}"),
                Some(&token(role)),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 403, "{role:?}");
        let (status, _) = svc
            .call(
                "POST",
                &format!("/agreements/{id}/end"),
                Some(&token(role)),
                Some(end(day(0))),
            )
            .await;
        assert_eq!(status, 403, "{role:?}");
    }
}
