use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, admin, brake_claim, days_ago, dealer, id_of, lead, quality, token};

async fn act(svc: &Svc, who: &str, id: &str, verb: &str, body: Value) -> (u16, Value) {
    svc.call(
        "POST",
        &format!("/claims/{id}/{verb}"),
        Some(who),
        Some(body),
    )
    .await
}

fn receipt() -> Value {
    json!({"warehouse": "WH-QA", "quantity": 2})
}

fn findings(cause: &str) -> Value {
    json!({"failure_mode": "pad delamination", "cause_code": cause})
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_to_closed_with_every_event_and_illegal_steps_refused() {
    let svc = Svc::standard().await;
    let claim = svc.claim("D001", brake_claim()).await;
    let id = id_of(&claim);

    // Not yet: findings, decision, disposition while the part is awaited.
    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "findings",
            findings("supplier_defect")
        )
        .await
        .0,
        409
    );
    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "decision",
            json!({"decision": "approved"})
        )
        .await
        .0,
        409
    );
    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "disposition",
            json!({"disposition": "scrap"})
        )
        .await
        .0,
        409
    );
    // Wrong roles, bad input, unknown claim.
    for t in [
        dealer("D001"),
        admin(),
        token(Role::Warehouse),
        token(Role::Finance),
    ] {
        assert_eq!(act(&svc, &t, &id, "part-receipt", receipt()).await.0, 403);
        assert_eq!(
            act(&svc, &t, &id, "findings", findings("misuse")).await.0,
            403
        );
        assert_eq!(
            act(&svc, &t, &id, "decision", json!({"decision": "approved"}))
                .await
                .0,
            403
        );
        assert_eq!(
            act(
                &svc,
                &t,
                &id,
                "disposition",
                json!({"disposition": "scrap"})
            )
            .await
            .0,
            403
        );
    }
    let (status, body) = act(
        &svc,
        &quality(),
        &id,
        "part-receipt",
        json!({"warehouse": "wh qa", "quantity": 0}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
    let nobody = "00000000-0000-0000-0000-000000000000";
    assert_eq!(
        act(&svc, &quality(), nobody, "part-receipt", receipt())
            .await
            .0,
        404
    );

    // The claim replaced two BRK-1: a third cannot be received for it.
    let (status, problem) = act(
        &svc,
        &quality(),
        &id,
        "part-receipt",
        json!({"warehouse": "WH-QA", "quantity": 3}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "quantity", "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("replaced 2 of BRK-1")),
        "{problem}"
    );
    let (status, received) = act(&svc, &quality(), &id, "part-receipt", receipt()).await;
    assert_eq!(status, 200, "{received}");
    assert_eq!(received["status"], "part_received");
    assert_eq!(received["receipt"]["warehouse"], "WH-QA");
    assert_eq!(
        act(&svc, &quality(), &id, "part-receipt", receipt())
            .await
            .0,
        409
    );
    let events = svc.outbox("inspection.part_received").await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["payload"],
        json!({"claim_id": id, "part_number": "BRK-1", "quantity": 2, "warehouse": "WH-QA"})
    );

    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "decision",
            json!({"decision": "approved"})
        )
        .await
        .0,
        409
    );
    let (status, inspected) = act(
        &svc,
        &quality(),
        &id,
        "findings",
        findings("supplier_defect"),
    )
    .await;
    assert_eq!(status, 200, "{inspected}");
    assert_eq!(inspected["status"], "under_inspection");
    assert_eq!(inspected["findings"]["responsible_supplier"], "SUP1");
    let (status, _) = act(
        &svc,
        &quality(),
        &id,
        "findings",
        json!({"failure_mode": "x", "cause_code": "gremlins"}),
    )
    .await;
    assert_eq!(status, 422);

    // A decision with amounts where none belong, or a rejection without reasons: 422.
    let (status, _) = act(
        &svc,
        &quality(),
        &id,
        "decision",
        json!({"decision": "approved", "approved_parts_amount": "1.00"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = act(
        &svc,
        &quality(),
        &id,
        "decision",
        json!({"decision": "rejected"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = act(&svc, &quality(), &id, "decision", json!({"decision": "partially_approved", "approved_parts_amount": "121.00", "approved_labor_amount": "0"})).await;
    assert_eq!(status, 422);

    let (status, decided) = act(
        &svc,
        &quality(),
        &id,
        "decision",
        json!({"decision": "approved"}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["decision"]["approved_parts_amount"], "120.00");
    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "decision",
            json!({"decision": "rejected", "reasons": ["misuse"]})
        )
        .await
        .0,
        409
    );
    let events = svc.outbox("inspection.claim_adjudicated").await;
    assert_eq!(events.len(), 1);
    let p = &events[0]["payload"];
    assert_eq!(p["decision"], "approved");
    assert_eq!(
        (
            p["approved_parts_amount"].as_str(),
            p["approved_labor_amount"].as_str()
        ),
        (Some("120.00"), Some("80.00"))
    );
    assert_eq!(
        (
            p["cause_code"].as_str(),
            p["supplier_responsible"].as_bool()
        ),
        (Some("supplier_defect"), Some(true))
    );
    assert_eq!(
        (p["supplier_code"].as_str(), p["currency"].as_str()),
        (Some("SUP1"), Some("EUR"))
    );

    let (status, closed) = act(
        &svc,
        &quality(),
        &id,
        "disposition",
        json!({"disposition": "return_to_supplier"}),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "disposition",
            json!({"disposition": "scrap"})
        )
        .await
        .0,
        409
    );
    let events = svc.outbox("inspection.part_disposed").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["payload"]["disposition"], "return_to_supplier");
    assert_eq!(events[0]["payload"]["warehouse"], "WH-QA");

    // An approved claim, even closed, still blocks a duplicate.
    let dup = svc.claim("D001", brake_claim()).await;
    assert_eq!(dup["reasons"], json!(["duplicate_claim"]));
    // The dealer follows its claim to the end.
    let (status, mine) = svc
        .call("GET", &format!("/claims/{id}"), Some(&dealer("D001")), None)
        .await;
    assert_eq!((status, mine["status"].as_str()), (200, Some("closed")));
}

#[tokio::test(flavor = "multi_thread")]
async fn above_the_approval_limit_only_a_quality_lead_decides() {
    let svc = Svc::standard().await;
    // 1500.00 engine + 4 h × 80 = 1820.00; not returnable → submitted.
    let claim = svc
        .claim(
            "D001",
            json!({
                "unit_serial": "VIN-1", "failure_date": days_ago(2), "repair_date": days_ago(1),
                "usage_at_failure": 3000, "complaint": "c", "cause": "c", "correction": "replaced",
                "causal_part_number": "ENG-1", "parts": [{"part_number": "ENG-1", "qty": 1}],
                "labor": [{"operation_code": "ENG-R01", "hours": "4"}],
            }),
        )
        .await;
    assert_eq!(claim["status"], "submitted", "{claim}");
    assert_eq!(claim["amounts"]["total"], "1820.00");
    let id = id_of(&claim);
    // No part to receive for a non-returnable part.
    assert_eq!(
        act(&svc, &quality(), &id, "part-receipt", receipt())
            .await
            .0,
        409
    );
    let (status, _) = act(
        &svc,
        &quality(),
        &id,
        "findings",
        findings("assembly_defect"),
    )
    .await;
    assert_eq!(status, 200);

    let (status, problem) = act(
        &svc,
        &quality(),
        &id,
        "decision",
        json!({"decision": "approved"}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"].as_str().unwrap().contains("1000.00"),
        "{problem}"
    );
    // Partially approved at or below the limit: quality may.
    let (status, _) = act(&svc, &quality(), &id, "decision", json!({"decision": "partially_approved", "approved_parts_amount": "1000.01", "approved_labor_amount": "0"})).await;
    assert_eq!(status, 403);
    assert_eq!(svc.outbox("inspection.claim_adjudicated").await.len(), 0);
    let (status, decided) = act(
        &svc,
        &lead(),
        &id,
        "decision",
        json!({"decision": "approved"}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    let events = svc.outbox("inspection.claim_adjudicated").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["payload"]["supplier_responsible"], false);
    // Nothing was received: nothing to dispose of.
    assert_eq!(
        act(
            &svc,
            &quality(),
            &id,
            "disposition",
            json!({"disposition": "scrap"})
        )
        .await
        .0,
        409
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inspector_with_a_limit_of_their_own_decides_within_it() {
    let svc = Svc::standard().await;
    let claim = svc
        .claim(
            "D001",
            json!({
                "unit_serial": "VIN-1", "failure_date": days_ago(2), "repair_date": days_ago(1),
                "usage_at_failure": 3000, "complaint": "c", "cause": "c", "correction": "replaced",
                "causal_part_number": "ENG-1", "parts": [{"part_number": "ENG-1", "qty": 1}],
                "labor": [{"operation_code": "ENG-R01", "hours": "4"}],
            }),
        )
        .await;
    let id = id_of(&claim);
    act(
        &svc,
        &quality(),
        &id,
        "findings",
        findings("supplier_defect"),
    )
    .await;
    let approve = json!({"decision": "approved"});
    assert_eq!(
        act(&svc, &quality(), &id, "decision", approve.clone())
            .await
            .0,
        403
    );

    // Only a quality lead or an admin sets one; the inspector's subject is `tester`.
    let set = |limit: &str| Some(json!({"approval_limit": limit}));
    for who in [quality(), dealer("D001"), token(Role::Finance)] {
        let (status, _) = svc
            .call("PUT", "/approval-limits/tester", Some(&who), set("2000.00"))
            .await;
        assert_eq!(status, 403);
    }
    for bad in ["-1", "0.001", "abc"] {
        let (status, problem) = svc
            .call("PUT", "/approval-limits/tester", Some(&lead()), set(bad))
            .await;
        assert!(matches!(status, 400 | 422), "{bad}: {status} {problem}");
    }
    let (status, entry) = svc
        .call(
            "PUT",
            "/approval-limits/tester",
            Some(&lead()),
            set("2000.00"),
        )
        .await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["set_by"], "tester");
    let (_, mine) = svc
        .call("GET", "/approval-limit", Some(&quality()), None)
        .await;
    assert_eq!(
        mine,
        json!({"approval_limit": "2000.00", "default_approval_limit": "1000.00", "own": true})
    );
    let (status, page) = svc
        .call("GET", "/approval-limits", Some(&admin()), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["subject"], "tester", "{page}");

    let (status, decided) = act(&svc, &quality(), &id, "decision", approve).await;
    assert_eq!(status, 200, "within their own limit: {decided}");

    // Removed, the default applies again.
    let (status, _) = svc
        .call("DELETE", "/approval-limits/tester", Some(&admin()), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = svc
        .call("DELETE", "/approval-limits/tester", Some(&admin()), None)
        .await;
    assert_eq!(status, 404);
    let (_, mine) = svc
        .call("GET", "/approval-limit", Some(&quality()), None)
        .await;
    assert_eq!(mine["own"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn inspectors_read_the_approval_limit_and_no_one_else_does() {
    let svc = Svc::standard().await;
    for who in [quality(), lead()] {
        let (status, body) = svc.call("GET", "/approval-limit", Some(&who), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"approval_limit": "1000.00", "default_approval_limit": "1000.00", "own": false})
        );
    }
    for who in [
        dealer("D001"),
        admin(),
        token(Role::Finance),
        token(Role::Warehouse),
    ] {
        let (status, body) = svc.call("GET", "/approval-limit", Some(&who), None).await;
        assert_eq!(status, 403, "{body}");
    }
    assert_eq!(svc.call("GET", "/approval-limit", None, None).await.0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quality_inspector_decides_up_to_the_limit_and_rejects_with_reasons() {
    let svc = Svc::standard().await;
    let engine = |unit: &str| {
        json!({
            "unit_serial": unit, "failure_date": days_ago(2), "repair_date": days_ago(1),
            "usage_at_failure": 3000, "complaint": "c", "cause": "c", "correction": "replaced",
            "causal_part_number": "ENG-1", "parts": [{"part_number": "ENG-1", "qty": 1}],
            "labor": [],
        })
    };
    let id = id_of(&svc.claim("D001", engine("VIN-1")).await);
    act(
        &svc,
        &quality(),
        &id,
        "findings",
        findings("supplier_defect"),
    )
    .await;
    let (status, decided) = act(&svc, &quality(), &id, "decision", json!({"decision": "partially_approved", "approved_parts_amount": "1000.00", "approved_labor_amount": "0"})).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "partially_approved");

    let id = id_of(&svc.claim("D002", engine("VIN-2")).await);
    act(&svc, &quality(), &id, "findings", findings("misuse")).await;
    let (status, _) = act(
        &svc,
        &quality(),
        &id,
        "decision",
        json!({"decision": "rejected", "reasons": ["nonsense"]}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, decided) = act(
        &svc,
        &quality(),
        &id,
        "decision",
        json!({"decision": "rejected", "reasons": ["misuse"]}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(
        (decided["status"].as_str(), decided["reasons"].clone()),
        (Some("rejected"), json!(["misuse"]))
    );
    let events = svc.outbox("inspection.claim_adjudicated").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["payload"]["approved_parts_amount"], "0.00");
    assert_eq!(events[1]["payload"]["cause_code"], "misuse");
}
