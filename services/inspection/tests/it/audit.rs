//! The audit trail of inspection (`GET /api/v1/audit`): every state-changing request,
//! consumed event and job run records who did what, with the fields changed and why,
//! once; a refused request, an idempotent replay and a duplicate event record nothing;
//! a dealer reads only its own entities' records.

use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::Allocation;
use aftersales_messaging::contracts::catalog::{ShipmentDispatched, ShippedLine};
use aftersales_messaging::contracts::orders::{OrderCancelled, OrderLine, OrderPlaced, Priority};
use aftersales_testkit::tokens::mint;
use aftersales_web::Role;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    Svc, admin, brake_claim, days_ago, dealer, dealer_event, id_of, lead, policy_terms, quality,
    token,
};

/// The audit records of `query` as `who` reads them, newest first (200 expected).
async fn trail(svc: &Svc, who: &str, query: &str) -> Vec<Value> {
    let (status, page) = svc
        .call("GET", &format!("/audit?{query}"), Some(who), None)
        .await;
    assert_eq!(status, 200, "{query}: {page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// The records of one entity, as an admin reads them.
async fn of(svc: &Svc, entity_type: &str, entity_id: &str) -> Vec<Value> {
    let query = format!("entity_type={entity_type}&entity_id={entity_id}&limit=200");
    trail(svc, &admin(), &query).await
}

fn actions(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default())
        .collect()
}

/// Every audit record of the service.
async fn recorded(svc: &Svc) -> i64 {
    svc.count("SELECT count(*) AS n FROM audit_log").await
}

/// `{"before": …, "after": …}` of a field.
fn went(before: Value, after: Value) -> Value {
    json!({"before": before, "after": after})
}

/// An engine claim on VIN-1 of 1500.00 + 4 h × 80.00 = 1820.00: above the default
/// approval limit (1000.00), not returnable, so `submitted`.
fn engine_claim() -> Value {
    json!({
        "unit_serial": "VIN-1", "failure_date": days_ago(2), "repair_date": days_ago(1),
        "usage_at_failure": 3000, "complaint": "c", "cause": "c", "correction": "replaced",
        "causal_part_number": "ENG-1", "parts": [{"part_number": "ENG-1", "qty": 1}],
        "labor": [{"operation_code": "ENG-R01", "hours": "4"}],
    })
}

/// `body` posted to `path` twice with the same `key`: both answer `status`, the second
/// replayed. Returns the answer.
async fn twice(svc: &Svc, who: &str, path: &str, key: &str, body: Value, status: u16) -> Value {
    let headers = [("Idempotency-Key", key)];
    let first = svc
        .send("POST", path, Some(who), Some(body.clone()), &headers)
        .await;
    assert_eq!(first.status().as_u16(), status, "{path}");
    let first: Value = first.json().await.expect("json");
    let again = svc
        .send("POST", path, Some(who), Some(body), &headers)
        .await;
    assert_eq!(again.status().as_u16(), status, "{path}");
    assert_eq!(
        again
            .headers()
            .get("Idempotent-Replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true"),
        "{path}"
    );
    first
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_above_the_limit_shows_who_submitted_inspected_and_approved() {
    let svc = Svc::standard().await;
    let inspector = mint("inspector-1", Role::Quality, None);
    let quality_lead = mint("lead-1", Role::QualityLead, None);

    // Submitted once, though the dealer sent it twice with one key.
    let claim = twice(
        &svc,
        &dealer("D001"),
        "/claims",
        "claim-1",
        engine_claim(),
        201,
    )
    .await;
    assert_eq!(claim["status"], "submitted", "{claim}");
    let id = id_of(&claim);
    let claim_path = |verb: &str| format!("/claims/{id}/{verb}");

    // Refused requests record nothing: another dealer's unit, the wrong role, a step
    // out of order, and an inspector deciding above the limit.
    let before = recorded(&svc).await;
    let (status, _) = svc
        .call(
            "POST",
            "/claims",
            Some(&dealer("D002")),
            Some(engine_claim()),
        )
        .await;
    assert_eq!(status, 404);
    let findings = json!({"failure_mode": "seized bearing", "cause_code": "assembly_defect"});
    let approve = json!({"decision": "approved"});
    for who in [dealer("D001"), token(Role::Warehouse)] {
        let (status, _) = svc
            .call(
                "POST",
                &claim_path("findings"),
                Some(&who),
                Some(findings.clone()),
            )
            .await;
        assert_eq!(status, 403);
    }
    let (status, _) = svc
        .call(
            "POST",
            &claim_path("decision"),
            Some(&inspector),
            Some(approve.clone()),
        )
        .await;
    assert_eq!(status, 409, "no findings yet");
    twice(
        &svc,
        &inspector,
        &claim_path("findings"),
        "f-1",
        findings,
        200,
    )
    .await;
    let (status, problem) = svc
        .call(
            "POST",
            &claim_path("decision"),
            Some(&inspector),
            Some(approve.clone()),
        )
        .await;
    assert_eq!(status, 403, "{problem}");
    let decided = twice(
        &svc,
        &quality_lead,
        &claim_path("decision"),
        "d-1",
        approve,
        200,
    )
    .await;
    assert_eq!(decided["status"], "approved");
    assert_eq!(
        recorded(&svc).await,
        before + 2,
        "the findings and the decision, once each"
    );

    let records = of(&svc, "claim", &id).await;
    assert_eq!(
        actions(&records),
        ["claim.approved", "claim.inspected", "claim.submitted"],
        "{records:#?}"
    );
    let (approved, inspected, submitted) = (&records[0], &records[1], &records[2]);

    assert_eq!(
        (&submitted["actor_kind"], &submitted["actor"]),
        (&json!("user"), &json!("user-D001"))
    );
    assert_eq!(submitted["actor_role"], "dealer");
    assert_eq!(submitted["actor_dealer"], "D001");
    assert_eq!(submitted["entity_dealer"], "D001");
    assert_eq!(
        submitted["changes"]["status"],
        went(json!(null), json!("submitted"))
    );
    assert_eq!(submitted["changes"]["number"]["after"], claim["number"]);
    assert_eq!(submitted["reason"], Value::Null);
    let announced = svc.outbox("inspection.claim_submitted").await;
    assert_eq!(
        submitted["correlation_id"], announced[0]["correlation_id"],
        "the record and the event share the request's flow"
    );

    assert_eq!(inspected["actor"], "inspector-1");
    assert_eq!(inspected["actor_role"], "quality");
    assert_eq!(inspected["actor_dealer"], Value::Null);
    assert_eq!(inspected["entity_dealer"], "D001");
    assert_eq!(
        inspected["changes"]["status"],
        went(json!("submitted"), json!("under_inspection"))
    );
    assert_eq!(
        inspected["changes"]["cause_code"],
        went(json!(null), json!("assembly_defect"))
    );

    assert_eq!(approved["actor"], "lead-1");
    assert_eq!(approved["actor_role"], "quality_lead");
    assert_eq!(
        approved["changes"]["status"],
        went(json!("under_inspection"), json!("approved"))
    );
    assert_eq!(
        approved["changes"]["decision"],
        went(json!(null), json!("approved"))
    );
    assert_eq!(
        approved["changes"]["decided_by"],
        went(json!(null), json!("lead-1"))
    );
    assert_eq!(
        approved["reason"],
        "the approved total 1820.00 EUR is above the approval limit of 1000.00 EUR"
    );
    let adjudicated = svc.outbox("inspection.claim_adjudicated").await;
    assert_eq!(approved["correlation_id"], adjudicated[0]["correlation_id"]);
    assert!(
        records
            .iter()
            .all(|r| r["changes"].get("updated_at").is_none()),
        "only the claim's own fields"
    );

    // The dealer reads its claim's trail; another dealer none of it; the warehouse
    // nothing at all.
    let query = format!("entity_type=claim&entity_id={id}");
    assert_eq!(trail(&svc, &dealer("D001"), &query).await.len(), 3);
    assert!(trail(&svc, &dealer("D002"), &query).await.is_empty());
    let theirs = trail(&svc, &dealer("D002"), "limit=200").await;
    assert!(!theirs.is_empty(), "D002 registered VIN-2");
    assert!(
        theirs.iter().all(|r| r["entity_dealer"] == "D002"),
        "{theirs:#?}"
    );
    let (status, _) = svc
        .call(
            "GET",
            &format!("/audit?{query}"),
            Some(&token(Role::Warehouse)),
            None,
        )
        .await;
    assert_eq!(status, 403);

    // The same trail as CSV, for export.
    let (status, content_type, csv) = svc
        .get_text(
            Role::Admin,
            &format!("/audit?{query}&format=csv"),
            "text/csv",
        )
        .await;
    assert_eq!(status, 200, "{csv}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("id,at,actor_kind,actor,"), "{csv}");
    assert!(
        lines[1].contains("claim.approved") && lines[1].contains("lead-1"),
        "{csv}"
    );
    assert!(lines[3].contains("claim.submitted") && lines[3].contains("user-D001"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_step_of_a_returned_part_and_the_deadline_job_are_recorded_with_their_reasons() {
    let svc = Svc::standard().await;
    // A part-level policy with a zero-day deadline: a claim is overdue at once.
    svc.create(
        &admin(),
        "/policies",
        json!({"part_number": "BRK-1", "terms": policy_terms(24, Some(100_000), 0, 30, true, 0)}),
    )
    .await;

    // The return-deadline job rejects D001's claim.
    let overdue = id_of(&svc.claim("D001", brake_claim()).await);
    let swept = inspection::app::deadline::reject_overdue_returns(&svc.pool)
        .await
        .expect("job");
    assert_eq!(swept.len(), 1);
    let records = of(&svc, "claim", &overdue).await;
    assert_eq!(actions(&records), ["claim.rejected", "claim.submitted"]);
    let job = &records[0];
    assert_eq!(
        (&job["actor_kind"], &job["actor"], &job["actor_role"]),
        (&json!("job"), &json!("return-deadlines"), &Value::Null)
    );
    assert_eq!(job["entity_dealer"], "D001");
    assert_eq!(job["reason"], "part_not_returned");
    assert_eq!(
        job["changes"]["status"],
        went(json!("awaiting_part"), json!("rejected"))
    );
    assert_eq!(
        job["changes"]["reasons"],
        went(json!([]), json!(["part_not_returned"]))
    );
    let adjudicated = svc.outbox("inspection.claim_adjudicated").await;
    assert_eq!(job["correlation_id"], adjudicated[0]["correlation_id"]);
    assert!(
        inspection::app::deadline::reject_overdue_returns(&svc.pool)
            .await
            .expect("job")
            .is_empty()
    );
    assert_eq!(of(&svc, "claim", &overdue).await.len(), 2, "swept once");

    // D002's part comes back, is inspected, the claim rejected and the part scrapped.
    let id = id_of(&svc.claim("D002", brake_claim_of("VIN-2")).await);
    let step = async |verb: &str, body: Value| {
        let (status, answer) = svc
            .call(
                "POST",
                &format!("/claims/{id}/{verb}"),
                Some(&quality()),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{verb}: {answer}");
    };
    step("part-receipt", json!({"warehouse": "WH-QA", "quantity": 2})).await;
    // Filed again while the first is open: stored rejected at submission.
    let duplicate = svc.claim("D002", brake_claim_of("VIN-2")).await;
    assert_eq!(duplicate["status"], "rejected", "{duplicate}");
    step(
        "findings",
        json!({"failure_mode": "glazed pads", "cause_code": "misuse"}),
    )
    .await;
    step(
        "decision",
        json!({"decision": "rejected", "reasons": ["no_fault_found", "misuse"]}),
    )
    .await;
    step("disposition", json!({"disposition": "scrap"})).await;

    let records = of(&svc, "claim", &id).await;
    assert_eq!(
        actions(&records),
        [
            "claim.disposed",
            "claim.rejected",
            "claim.inspected",
            "claim.part_received",
            "claim.submitted"
        ]
    );
    assert!(records.iter().all(|r| r["entity_dealer"] == "D002"));
    let [disposed, rejected, _, received, submitted] = records.as_slice() else {
        panic!("{records:#?}")
    };
    assert_eq!(
        submitted["changes"]["status"],
        went(json!(null), json!("awaiting_part"))
    );
    assert_eq!(
        received["changes"]["status"],
        went(json!("awaiting_part"), json!("part_received"))
    );
    assert_eq!(
        received["changes"]["receipt_warehouse"],
        went(json!(null), json!("WH-QA"))
    );
    assert_eq!(
        received["changes"]["receipt_quantity"],
        went(json!(null), json!(2))
    );
    assert_eq!(rejected["actor_role"], "quality");
    assert_eq!(rejected["reason"], "misuse, no_fault_found");
    assert_eq!(
        rejected["changes"]["reasons"],
        went(json!([]), json!(["misuse", "no_fault_found"]))
    );
    assert_eq!(
        disposed["changes"]["status"],
        went(json!("rejected"), json!("closed"))
    );
    assert_eq!(
        disposed["changes"]["disposition"],
        went(json!(null), json!("scrap"))
    );
    assert_eq!(disposed["reason"], Value::Null);

    let records = of(&svc, "claim", &id_of(&duplicate)).await;
    assert_eq!(actions(&records), ["claim.submitted"]);
    assert_eq!(
        records[0]["changes"]["status"],
        went(json!(null), json!("rejected"))
    );
    assert_eq!(records[0]["reason"], "duplicate_claim");
}

fn brake_claim_of(serial: &str) -> Value {
    let mut body = brake_claim();
    body["unit_serial"] = json!(serial);
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn master_data_limits_and_preauthorizations_are_recorded() {
    let svc = Svc::standard().await;

    // Set up by `standard`: units, policies and labor operations.
    let unit = of(&svc, "unit", "VIN-1").await;
    assert_eq!(actions(&unit), ["unit.registered"]);
    assert_eq!(
        (&unit[0]["actor"], &unit[0]["entity_dealer"]),
        (&json!("user-D001"), &json!("D001"))
    );
    assert_eq!(unit[0]["changes"]["model"], went(json!(null), json!("X1")));
    assert_eq!(
        actions(&of(&svc, "labor_operation", "BRK-R01").await),
        ["labor_operation.created"]
    );
    let (_, policies) = svc.call("GET", "/policies", Some(&admin()), None).await;
    let brakes = policies["items"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["category"] == "brakes"))
        .cloned()
        .expect("the brakes policy");
    let policy = id_of(&brakes);
    let created = of(&svc, "policy", &policy).await;
    assert_eq!(actions(&created), ["policy.created"]);
    assert_eq!(
        (&created[0]["actor_role"], &created[0]["entity_dealer"]),
        (&json!("admin"), &Value::Null)
    );

    // A stale update records nothing; a current one its changed terms.
    let terms = policy_terms(36, Some(100_000), 0, 30, true, 14);
    let (status, _) = svc
        .call_with(
            "PUT",
            &format!("/policies/{policy}"),
            Some(&admin()),
            Some(terms.clone()),
            &[("If-Match", "\"v7\"")],
        )
        .await;
    assert_eq!(status, 412);
    let (status, updated) = svc
        .call_with(
            "PUT",
            &format!("/policies/{policy}"),
            Some(&admin()),
            Some(terms),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    let records = of(&svc, "policy", &policy).await;
    assert_eq!(actions(&records), ["policy.updated", "policy.created"]);
    let changes = &records[0]["changes"];
    assert_eq!(changes["warranty_months"], went(json!(24), json!(36)));
    assert_eq!(changes["version"], went(json!(1), json!(2)));
    assert!(changes.get("usage_limit").is_none(), "{changes}");

    let ahead = (Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let campaign = json!({"code": "RC-2026-04", "title": "Brake pad recall", "models": ["X1"],
                          "parts": [{"part_number": "BRK-1", "qty": 2}], "labor": [],
                          "valid_from": days_ago(30), "valid_to": ahead});
    svc.create(&admin(), "/campaigns", campaign).await;
    let records = of(&svc, "campaign", "RC-2026-04").await;
    assert_eq!(actions(&records), ["campaign.created"]);
    assert_eq!(
        records[0]["changes"]["models"],
        went(json!(null), json!(["X1"]))
    );

    // An inspector's own limit set, removed, and a second removal refused.
    let path = "/approval-limits/inspector-1";
    let (status, _) = svc
        .call(
            "PUT",
            path,
            Some(&lead()),
            Some(json!({"approval_limit": "2000.00"})),
        )
        .await;
    assert_eq!(status, 200);
    for expected in [204, 404] {
        let (status, _) = svc.call("DELETE", path, Some(&admin()), None).await;
        assert_eq!(status, expected);
    }
    let records = of(&svc, "approval_limit", "inspector-1").await;
    assert_eq!(
        actions(&records),
        ["approval_limit.removed", "approval_limit.set"]
    );
    assert_eq!(
        records[1]["changes"]["approval_limit"],
        went(json!(null), json!("2000.00"))
    );
    assert_eq!(records[1]["actor_role"], "quality_lead");
    assert_eq!(
        records[0]["changes"]["approval_limit"],
        went(json!("2000.00"), json!(null))
    );
    assert_eq!(records[0]["actor_role"], "admin");

    // A pre-authorization requested by the dealer and rejected by a lead, with why.
    let (status, pa) = svc
        .call(
            "POST",
            "/preauthorizations",
            Some(&dealer("D001")),
            Some(
                json!({"unit_serial": "VIN-1", "causal_part_number": "BRK-1",
                        "description": "loyal customer", "estimate_parts": "120.00",
                        "estimate_labor": "80.00"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{pa}");
    let pa = id_of(&pa);
    let reject = json!({"reason": "wear and tear, not a defect"});
    let (status, _) = svc
        .call(
            "POST",
            &format!("/preauthorizations/{pa}/reject"),
            Some(&quality()),
            Some(reject.clone()),
        )
        .await;
    assert_eq!(status, 403, "only a quality lead decides");
    let (status, _) = svc
        .call(
            "POST",
            &format!("/preauthorizations/{pa}/reject"),
            Some(&lead()),
            Some(reject),
        )
        .await;
    assert_eq!(status, 200);
    let records = of(&svc, "preauthorization", &pa).await;
    assert_eq!(
        actions(&records),
        ["preauthorization.rejected", "preauthorization.requested"]
    );
    assert!(records.iter().all(|r| r["entity_dealer"] == "D001"));
    assert_eq!(records[0]["reason"], "wear and tear, not a defect");
    assert_eq!(
        records[0]["changes"]["status"],
        went(json!("requested"), json!("rejected"))
    );
    let query = format!("entity_type=preauthorization&entity_id={pa}");
    assert_eq!(trail(&svc, &dealer("D001"), &query).await.len(), 2);
    assert!(trail(&svc, &dealer("D002"), &query).await.is_empty());
}

async fn deliver(svc: &Svc, envelope: &Envelope) {
    svc.publish_envelope(envelope).await;
    assert!(
        svc.consumed(envelope).await,
        "{} never arrived",
        envelope.event_type
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumed_event_is_recorded_once_with_its_producer_and_id() {
    let svc = Svc::start().await;
    let first = Envelope::new(
        "orders",
        &dealer_event("D001", "80.00", "EUR"),
        Uuid::new_v4(),
    )
    .expect("envelope");
    deliver(&svc, &first).await;
    let records = of(&svc, "dealer", "D001").await;
    assert_eq!(actions(&records), ["dealer.upserted"]);
    let record = &records[0];
    assert_eq!(
        (
            &record["actor_kind"],
            &record["actor"],
            &record["actor_role"]
        ),
        (&json!("event"), &json!("orders"), &Value::Null)
    );
    assert_eq!(record["event_id"], json!(first.event_id));
    assert_eq!(record["correlation_id"], json!(first.correlation_id));
    assert_eq!(record["entity_dealer"], "D001");
    assert_eq!(
        record["changes"]["labor_rate"],
        went(json!(null), json!("80.0000"))
    );

    // A redelivery is skipped by the inbox; an older event changes nothing: neither
    // is recorded. A newer one records what it changed.
    svc.publish_envelope(&first).await;
    svc.wait("the redelivery", || async {
        svc.duplicates_skipped().await == 1
    })
    .await;
    let mut older = Envelope::new(
        "orders",
        &dealer_event("D001", "70.00", "EUR"),
        Uuid::new_v4(),
    )
    .expect("envelope");
    older.occurred_at = first.occurred_at - Duration::minutes(1);
    deliver(&svc, &older).await;
    assert_eq!(of(&svc, "dealer", "D001").await.len(), 1);
    svc.add_dealer("D001", "95.00", "EUR").await;
    let records = of(&svc, "dealer", "D001").await;
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0]["changes"]["labor_rate"],
        went(json!("80.0000"), json!("95.0000"))
    );
    assert!(records[0]["changes"].get("currency").is_none());

    // The scorecard's copy of an order: placed, shipped, cancelled, each by its producer.
    let order_id = Uuid::new_v4();
    let placed = OrderPlaced {
        order_id,
        order_number: "SO-1".into(),
        dealer_code: "D001".parse().unwrap(),
        warehouse: "WH-1".parse().unwrap(),
        priority: Priority::Stock,
        placed_at: Utc::now(),
        lines: vec![OrderLine {
            line_no: 1,
            part_number: "BRK-1".parse().unwrap(),
            qty: 4,
        }],
    };
    let placed = Envelope::new("orders", &placed, Uuid::new_v4()).expect("envelope");
    deliver(&svc, &placed).await;
    let shipment = ShipmentDispatched {
        shipment_id: Uuid::new_v4(),
        order_id,
        lines: vec![ShippedLine {
            line_no: 1,
            part_number: "BRK-1".parse().unwrap(),
            qty: 3,
        }],
        carrier: "DHL".into(),
        tracking_ref: "T-1".into(),
        allocation: Allocation {
            allocation_version: 2,
            lines: Vec::new(),
        },
    };
    let shipped = Envelope::new("catalog", &shipment, Uuid::new_v4()).expect("envelope");
    deliver(&svc, &shipped).await;
    let cancelled =
        Envelope::new("orders", &OrderCancelled { order_id }, Uuid::new_v4()).expect("envelope");
    deliver(&svc, &cancelled).await;

    let records = of(&svc, "scorecard_order", &order_id.to_string()).await;
    assert_eq!(
        actions(&records),
        [
            "scorecard_order.cancelled",
            "scorecard_order.shipped",
            "scorecard_order.placed"
        ]
    );
    for (record, envelope) in records.iter().zip([&cancelled, &shipped, &placed]) {
        assert_eq!(record["actor_kind"], "event");
        assert_eq!(record["actor"], json!(envelope.producer));
        assert_eq!(record["event_id"], json!(envelope.event_id));
        assert_eq!(record["entity_dealer"], "D001");
    }
    assert_eq!(
        records[2]["changes"]["lines"],
        went(json!(null), json!({"1": 4}))
    );
    assert_eq!(records[1]["changes"]["qty"], went(json!(null), json!(3)));
    assert_eq!(records[0]["changes"]["cancelled_at"]["before"], Value::Null);
    let query = format!("entity_type=scorecard_order&entity_id={order_id}");
    assert_eq!(trail(&svc, &dealer("D001"), &query).await.len(), 3);
    assert!(trail(&svc, &dealer("D002"), &query).await.is_empty());

    // A shipment of an order not kept yet belongs to no dealer so far.
    let unknown = Uuid::new_v4();
    let early = ShipmentDispatched {
        shipment_id: Uuid::new_v4(),
        order_id: unknown,
        ..shipment
    };
    deliver(
        &svc,
        &Envelope::new("catalog", &early, Uuid::new_v4()).expect("envelope"),
    )
    .await;
    let records = of(&svc, "scorecard_order", &unknown.to_string()).await;
    assert_eq!(actions(&records), ["scorecard_order.shipped"]);
    assert_eq!(records[0]["entity_dealer"], Value::Null);
}
