//! Goodwill pre-authorizations: requested by a dealer, decided once by a quality lead,
//! and what an approved one does to a claim (coverage waived, the estimate binds, the
//! goodwill share is paid); the wrong roles, another dealer's and misuse refused.

use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, admin, brake_claim, dealer, id_of, lead, quality, token};

async fn request(svc: &Svc, dealer_code: &str, body: Value) -> (u16, Value) {
    svc.call(
        "POST",
        "/preauthorizations",
        Some(&dealer(dealer_code)),
        Some(body),
    )
    .await
}

fn asking(serial: &str, part: &str, parts: &str, labor: &str) -> Value {
    json!({"unit_serial": serial, "causal_part_number": part,
           "description": "out of warranty, loyal customer", "estimate_parts": parts,
           "estimate_labor": labor})
}

async fn decide(svc: &Svc, who: &str, id: &str, verb: &str, body: Value) -> (u16, Value) {
    svc.call(
        "POST",
        &format!("/preauthorizations/{id}/{verb}"),
        Some(who),
        Some(body),
    )
    .await
}

/// A brake claim on VIN-1 above the policy's usage limit (100 000 km).
fn worn_out() -> Value {
    let mut claim = brake_claim();
    claim["usage_at_failure"] = json!(150_000);
    claim
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approved_preauthorization_covers_a_claim_at_its_share_once() {
    let svc = Svc::standard().await;
    // Without one, the claim fails coverage.
    let plain = svc.claim("D001", worn_out()).await;
    assert_eq!(plain["reasons"], json!(["usage_exceeded"]), "{plain}");

    let (status, pa) = request(&svc, "D001", asking("VIN-1", "BRK-1", "120.00", "80.00")).await;
    assert_eq!(status, 201, "{pa}");
    assert_eq!(pa["status"], "requested");
    assert_eq!(pa["estimate_total"], "200.00");
    assert!(pa["number"].as_str().unwrap().starts_with("PA-"));
    let id = id_of(&pa);

    // Who sees it: the dealer itself, quality and admins; not another dealer.
    for (who, expected) in [
        (dealer("D001"), 200),
        (dealer("D002"), 404),
        (quality(), 200),
        (admin(), 200),
        (token(Role::Warehouse), 403),
        (token(Role::Finance), 403),
    ] {
        let (status, _) = svc
            .call("GET", &format!("/preauthorizations/{id}"), Some(&who), None)
            .await;
        assert_eq!(status, expected);
    }
    let (_, mine) = svc
        .call("GET", "/preauthorizations", Some(&dealer("D002")), None)
        .await;
    assert_eq!(mine["items"], json!([]), "D002 sees none of D001's");

    // Not usable before a lead approves it.
    let mut under = worn_out();
    under["preauthorization_id"] = json!(id);
    let (status, problem) = svc
        .call(
            "POST",
            "/claims",
            Some(&dealer("D001")),
            Some(under.clone()),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "preauthorization_id");

    // Only a quality lead decides, once, with a valid share.
    let approve = json!({"goodwill_pct": "60", "note": "long-standing customer"});
    for who in [quality(), admin(), dealer("D001")] {
        assert_eq!(
            decide(&svc, &who, &id, "approve", approve.clone()).await.0,
            403
        );
    }
    for bad in ["100.01", "-5", "12.345"] {
        let (status, _) = decide(&svc, &lead(), &id, "approve", json!({"goodwill_pct": bad})).await;
        assert_eq!(status, 422, "{bad}");
    }
    let (status, approved) = decide(&svc, &lead(), &id, "approve", approve.clone()).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["goodwill_pct"].as_str()
        ),
        (Some("approved"), Some("60.00"))
    );
    let (status, _) = decide(&svc, &lead(), &id, "reject", json!({"reason": "no"})).await;
    assert_eq!(status, 409, "decided once");

    // Another dealer cannot file under it, even for its own unit.
    let mut theirs = worn_out();
    theirs["unit_serial"] = json!("VIN-2");
    theirs["preauthorization_id"] = json!(id);
    let (status, problem) = svc
        .call("POST", "/claims", Some(&dealer("D002")), Some(theirs))
        .await;
    assert_eq!(status, 422, "{problem}");

    // The plain claim was rejected, so it does not block this one: coverage is waived,
    // and 60 % of 2 × 60.00 and of 1 h × 80.00 is paid.
    let claim = svc.claim("D001", under.clone()).await;
    assert_eq!(claim["status"], "awaiting_part", "{claim}");
    assert_eq!(claim["reasons"], json!([]));
    assert_eq!(claim["waived_reasons"], json!(["usage_exceeded"]));
    assert_eq!(claim["goodwill"]["goodwill_pct"], "60.00");
    assert_eq!(claim["amounts"]["parts"], "72.00");
    assert_eq!(claim["amounts"]["labor"], "48.00");
    assert_eq!(
        claim["parts"][0]["amount"], "120.00",
        "lines keep the full price"
    );
    let events = svc.outbox("inspection.claim_submitted").await;
    let last = events.last().unwrap();
    assert_eq!(last["payload"]["amounts"]["total"], "120.00");

    // Used once.
    let (status, problem) = svc
        .call("POST", "/claims", Some(&dealer("D001")), Some(under))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("already used by claim"),
        "{problem}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_request_a_larger_bill_and_a_repair_above_the_limit_are_refused() {
    let svc = Svc::standard().await;
    // Rejected: a claim under it names the reason.
    let (_, pa) = request(&svc, "D001", asking("VIN-1", "BRK-1", "120.00", "80.00")).await;
    let id = id_of(&pa);
    let (status, _) = decide(&svc, &lead(), &id, "reject", json!({"reason": ""})).await;
    assert_eq!(status, 422, "a reason is required");
    let (status, rejected) = decide(
        &svc,
        &lead(),
        &id,
        "reject",
        json!({"reason": "misuse suspected"}),
    )
    .await;
    assert_eq!(status, 200, "{rejected}");
    let mut under = worn_out();
    under["preauthorization_id"] = json!(id);
    let (status, problem) = svc
        .call("POST", "/claims", Some(&dealer("D001")), Some(under))
        .await;
    assert_eq!(status, 422);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("misuse suspected")
    );

    // Approved for 1 100.00, billed 1 820.00: rejected with the estimate's reason.
    let (_, pa) = request(&svc, "D002", asking("VIN-2", "ENG-1", "1000.00", "100.00")).await;
    let id = id_of(&pa);
    decide(&svc, &lead(), &id, "approve", json!({"goodwill_pct": "50"})).await;
    let engine = |serial: &str, hours: &str| {
        json!({"unit_serial": serial, "failure_date": crate::support::days_ago(2),
               "repair_date": crate::support::days_ago(1), "usage_at_failure": 3000,
               "complaint": "c", "cause": "c", "correction": "replaced",
               "causal_part_number": "ENG-1", "parts": [{"part_number": "ENG-1", "qty": 1}],
               "labor": [{"operation_code": "ENG-R01", "hours": hours}]})
    };
    let mut over = engine("VIN-2", "4");
    over["preauthorization_id"] = json!(id);
    let claim = svc.claim("D002", over).await;
    assert_eq!(claim["status"], "rejected");
    assert_eq!(claim["reasons"], json!(["exceeds_preauthorized_estimate"]));

    // 1 500.00 + 10 h × 90.00 = 2 400.00 is above the 2 000.00 limit: it needed one.
    svc.register("D002", "VIN-3").await;
    let claim = svc.claim("D002", engine("VIN-3", "10")).await;
    assert_eq!(
        claim["reasons"],
        json!(["preauthorization_required"]),
        "{claim}"
    );
    let (status, preview) = svc
        .call(
            "POST",
            "/claims/preview",
            Some(&dealer("D002")),
            Some(engine("VIN-3", "10")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(preview["failures"][0]["field"], "preauthorization_id");

    // Requests: another dealer's unit is 404, a bad body names its field, only dealers ask.
    let (status, _) = request(&svc, "D001", asking("VIN-2", "ENG-1", "1", "1")).await;
    assert_eq!(status, 404);
    let (status, problem) = request(&svc, "D001", asking("VIN-1", "NOPE-1", "1", "1")).await;
    assert_eq!(status, 422, "{problem}");
    let (status, _) = request(&svc, "D001", asking("VIN-1", "BRK-1", "1.001", "1")).await;
    assert_eq!(status, 422);
    let (status, _) = svc
        .call(
            "POST",
            "/preauthorizations",
            Some(&quality()),
            Some(asking("VIN-1", "BRK-1", "1", "1")),
        )
        .await;
    assert_eq!(status, 403);
    // The lead's queue.
    let (_, queue) = svc
        .call(
            "GET",
            "/preauthorizations?status=requested",
            Some(&lead()),
            None,
        )
        .await;
    assert_eq!(queue["items"], json!([]), "{queue}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_an_inspector_rejected_gives_its_preauthorization_back_even_once_closed() {
    let svc = Svc::standard().await;
    let (_, pa) = request(&svc, "D001", asking("VIN-1", "BRK-1", "120.00", "80.00")).await;
    let id = id_of(&pa);
    decide(
        &svc,
        &lead(),
        &id,
        "approve",
        json!({"goodwill_pct": "100"}),
    )
    .await;
    let mut under = worn_out();
    under["preauthorization_id"] = json!(id);
    let first = id_of(&svc.claim("D001", under.clone()).await);
    for (verb, body) in [
        ("part-receipt", json!({"warehouse": "WH-QA", "quantity": 2})),
        (
            "findings",
            json!({"failure_mode": "glazed", "cause_code": "misuse"}),
        ),
        (
            "decision",
            json!({"decision": "rejected", "reasons": ["misuse"]}),
        ),
        ("disposition", json!({"disposition": "scrap"})),
    ] {
        let (status, answer) = svc
            .call(
                "POST",
                &format!("/claims/{first}/{verb}"),
                Some(&quality()),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{verb}: {answer}");
    }
    assert_eq!(svc.get_claim(&first).await["status"], "closed");
    // Rejected, then closed: the pre-authorization is free again.
    let second = svc.claim("D001", under).await;
    assert_eq!(second["status"], "awaiting_part", "{second}");
}
