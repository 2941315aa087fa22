//! Inspection's notifications: a dealer's webhook gets "awaiting part", "part return
//! due" and "decided" for its own claims only, quality's gets every dealer's and the
//! parts received, each signed and once per change (a replayed request, a second sweep
//! or a second replica tells nobody twice); roles subscribe only to their topics.

use aftersales_testkit::WebhookReceiver;
use aftersales_web::Role;
use serde_json::{Value, json};

use crate::support::{Svc, admin, brake_claim, dealer, id_of, lead, quality, token};

async fn subscribe(svc: &Svc, token: &str, body: Value) -> (u16, Value) {
    svc.call("POST", "/subscriptions", Some(token), Some(body))
        .await
}

/// Subscribes `token` to `topics` at `receiver`; the signing secret.
async fn hook(svc: &Svc, token: &str, topics: &[&str], receiver: &WebhookReceiver) -> String {
    let (status, sub) =
        subscribe(svc, token, json!({"topics": topics, "url": receiver.url()})).await;
    assert_eq!(status, 201, "{sub}");
    sub["secret"].as_str().expect("the secret").to_owned()
}

/// The webhook bodies received for `topic`, in arrival order.
fn bodies(receiver: &WebhookReceiver, topic: &str) -> Vec<Value> {
    receiver
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["type"] == topic)
        .collect()
}

/// `POST /claims/{id}/{verb}` as quality, twice with the same Idempotency-Key: the
/// second is a replay. The first answer.
async fn twice(svc: &Svc, id: &str, verb: &str, key: &str, body: Value) -> Value {
    let path = format!("/claims/{id}/{verb}");
    let headers = [("Idempotency-Key", key)];
    let (s1, first) = svc
        .call_with(
            "POST",
            &path,
            Some(&quality()),
            Some(body.clone()),
            &headers,
        )
        .await;
    assert_eq!(s1, 200, "{verb}: {first}");
    let (s2, second) = svc
        .call_with("POST", &path, Some(&quality()), Some(body), &headers)
        .await;
    assert_eq!((s2, &second), (200, &first), "{verb} replays");
    first
}

/// D001's brake claim on VIN-1 and D002's on VIN-2, both awaiting their part.
async fn two_claims(svc: &Svc) -> (String, String) {
    let mine = svc.claim("D001", brake_claim()).await;
    assert_eq!(mine["status"], "awaiting_part");
    let mut other = brake_claim();
    other["unit_serial"] = json!("VIN-2");
    let other = svc.claim("D002", other).await;
    assert_eq!(other["status"], "awaiting_part");
    (id_of(&mine), id_of(&other))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealer_hears_of_its_own_claims_and_quality_of_every_step_signed_once() {
    let svc = Svc::standard().await;
    let d1_hooks = WebhookReceiver::start().await;
    let quality_hooks = WebhookReceiver::start().await;
    let d1_secret = hook(
        &svc,
        &dealer("D001"),
        &["claim.awaiting_part", "claim.decided"],
        &d1_hooks,
    )
    .await;
    let quality_secret = hook(
        &svc,
        &quality(),
        &["claim.part_received", "claim.decided"],
        &quality_hooks,
    )
    .await;

    let (mine, other) = two_claims(&svc).await;
    let number = svc.get_claim(&mine).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    svc.wait("D001's awaiting-part webhook", || async {
        bodies(&d1_hooks, "claim.awaiting_part").len() == 1
    })
    .await;
    let body = &bodies(&d1_hooks, "claim.awaiting_part")[0];
    assert_eq!(body["entity_type"], "claim");
    assert_eq!(body["entity_id"], mine);
    assert_eq!(body["dealer_code"], "D001");
    assert_eq!(body["service"], "inspection");
    assert_eq!(body["data"]["claim_number"], number);
    assert_eq!(body["data"]["part_number"], "BRK-1");
    assert_eq!(body["data"]["quantity"], 2);
    assert!(body["data"]["return_deadline"].is_string(), "{body}");
    let summary = body["summary"].as_str().unwrap();
    assert!(
        summary.contains(&number) && summary.contains("BRK-1 (2 units)"),
        "{summary}"
    );

    // Quality receives, inspects and decides D001's claim, each request replayed.
    twice(
        &svc,
        &mine,
        "part-receipt",
        "n-receipt",
        json!({"warehouse": "WH-QA", "quantity": 2}),
    )
    .await;
    twice(
        &svc,
        &mine,
        "findings",
        "n-findings",
        json!({"failure_mode": "pad delamination", "cause_code": "supplier_defect"}),
    )
    .await;
    let decided = twice(
        &svc,
        &mine,
        "decision",
        "n-decision",
        json!({"decision": "approved"}),
    )
    .await;
    assert_eq!(decided["status"], "approved");
    svc.wait("D001's decided webhook", || async {
        bodies(&d1_hooks, "claim.decided").len() == 1
    })
    .await;
    let body = &bodies(&d1_hooks, "claim.decided")[0];
    assert_eq!(body["entity_id"], mine);
    assert_eq!(body["data"]["decision"], "approved");
    assert_eq!(body["data"]["approved_parts_amount"], "120.00");
    assert_eq!(body["data"]["approved_labor_amount"], "80.00");
    assert_eq!(body["data"]["approved_total"], "200.00");
    assert_eq!(body["data"]["currency"], "EUR");
    assert_eq!(body["data"]["cause_code"], "supplier_defect");
    assert_eq!(
        body["summary"],
        format!("Claim {number} approved: 200.00 EUR (parts 120.00, labor 80.00)")
    );

    // D002's part never comes back: the job rejects it, on two replicas and again.
    svc.exec(&format!(
        "UPDATE claims SET return_deadline = now() - interval '1 minute' WHERE id = '{other}'"
    ))
    .await;
    let pool = svc.pool.clone();
    let (a, b) = tokio::join!(
        inspection::app::deadline::reject_overdue_returns(&pool),
        inspection::app::deadline::reject_overdue_returns(&pool)
    );
    assert_eq!(a.unwrap().len() + b.unwrap().len(), 1);
    assert!(
        inspection::app::deadline::reject_overdue_returns(&pool)
            .await
            .unwrap()
            .is_empty()
    );

    // Quality: the part received, both decisions; D001: nothing of D002's claim.
    svc.wait("quality's webhooks", || async {
        quality_hooks.ids().0.len() == 3
    })
    .await;
    let received = bodies(&quality_hooks, "claim.part_received");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["entity_id"], mine);
    assert_eq!(
        received[0]["data"],
        json!({"claim_number": number, "part_number": "BRK-1", "quantity": 2, "warehouse": "WH-QA"})
    );
    let rejected: Vec<Value> = bodies(&quality_hooks, "claim.decided")
        .into_iter()
        .filter(|b| b["entity_id"] == other.as_str())
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["dealer_code"], "D002");
    assert_eq!(rejected[0]["data"]["decision"], "rejected");
    assert_eq!(rejected[0]["data"]["approved_total"], "0.00");
    assert_eq!(
        rejected[0]["data"]["reason_codes"],
        json!(["part_not_returned"])
    );
    assert!(
        rejected[0]["summary"]
            .as_str()
            .unwrap()
            .ends_with("rejected: part_not_returned"),
        "{}",
        rejected[0]["summary"]
    );

    // Let a straggler arrive if there were one, then count.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (ids, repeats) = d1_hooks.ids();
    assert_eq!(ids.len(), 2, "awaiting part and decided, D001's only");
    assert_eq!(repeats, 0);
    assert!(d1_hooks.received().iter().all(|r| r.verifies(&d1_secret)));
    assert!(
        d1_hooks
            .received()
            .iter()
            .all(|r| r.json()["entity_id"] == mine.as_str())
    );
    let (ids, repeats) = quality_hooks.ids();
    assert_eq!((ids.len(), repeats), (3, 0));
    assert!(
        quality_hooks
            .received()
            .iter()
            .all(|r| r.verifies(&quality_secret) && !r.verifies(&d1_secret))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_part_due_back_within_three_days_is_reminded_once_to_its_dealer() {
    let svc = Svc::standard().await;
    let d1_hooks = WebhookReceiver::start().await;
    let staff_hooks = WebhookReceiver::start().await;
    let d1_secret = hook(&svc, &dealer("D001"), &["claim.part_return_due"], &d1_hooks).await;
    let staff_secret = hook(&svc, &admin(), &["claim.part_return_due"], &staff_hooks).await;
    let (mine, other) = two_claims(&svc).await;
    let pool = svc.pool.clone();
    let remind = || inspection::app::deadline::remind_due_returns(&pool, chrono::Utc::now());

    // 14 days to go: too early.
    assert!(remind().await.unwrap().is_empty());
    // Both come within the window.
    for id in [&mine, &other] {
        svc.exec(&format!(
            "UPDATE claims SET return_deadline = now() + interval '2 days' WHERE id = '{id}'"
        ))
        .await;
    }
    let (a, b) = tokio::join!(remind(), remind());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 2, "each claim once: {a:?} {b:?}");
    assert!(remind().await.unwrap().is_empty(), "never twice");

    svc.wait("the reminders", || async {
        d1_hooks.ids().0.len() == 1 && staff_hooks.ids().0.len() == 2
    })
    .await;
    let body = &bodies(&d1_hooks, "claim.part_return_due")[0];
    assert_eq!(body["entity_id"], mine);
    assert_eq!(body["dealer_code"], "D001");
    assert_eq!(body["data"]["part_number"], "BRK-1");
    assert_eq!(body["data"]["quantity"], 2);
    assert_eq!(body["data"]["days_left"], 2);
    assert!(
        body["summary"].as_str().unwrap().contains("within 2 days"),
        "{}",
        body["summary"]
    );
    let deadline = svc.get_claim(&mine).await["return_deadline"].clone();
    let parse = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp()
    };
    assert_eq!(parse(&body["data"]["return_deadline"]), parse(&deadline));
    assert!(d1_hooks.received().iter().all(|r| r.verifies(&d1_secret)));
    assert!(
        staff_hooks
            .received()
            .iter()
            .all(|r| r.verifies(&staff_secret))
    );

    // A claim whose part arrived before its window is never reminded.
    svc.register("D001", "VIN-3").await;
    let mut third = brake_claim();
    third["unit_serial"] = json!("VIN-3");
    let third = id_of(&svc.claim("D001", third).await);
    twice(
        &svc,
        &third,
        "part-receipt",
        "n-third",
        json!({"warehouse": "WH-QA", "quantity": 1}),
    )
    .await;
    svc.exec(&format!(
        "UPDATE claims SET return_deadline = now() + interval '1 day' WHERE id = '{third}'"
    ))
    .await;
    assert!(remind().await.unwrap().is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(d1_hooks.received().len(), 1);
    assert_eq!(staff_hooks.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_subscribes_only_to_its_topics_and_a_dealer_only_to_its_own() {
    let svc = Svc::standard().await;
    let svc = &svc;
    let topics = |role: Role| async move {
        let (status, list) = svc
            .call("GET", "/notifications/topics", Some(&token(role)), None)
            .await;
        assert_eq!(status, 200, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        topics(Role::Dealer).await,
        [
            "claim.decided",
            "claim.awaiting_part",
            "claim.part_return_due"
        ]
    );
    assert_eq!(
        topics(Role::QualityLead).await,
        [
            "claim.decided",
            "claim.awaiting_part",
            "claim.part_received"
        ]
    );
    assert!(topics(Role::Warehouse).await.is_empty());
    assert!(topics(Role::Finance).await.is_empty());
    assert_eq!(topics(Role::Admin).await.len(), 5, "and dead letters");

    for (who, topic) in [
        (token(Role::Warehouse), "claim.decided"),
        (token(Role::Finance), "claim.awaiting_part"),
        (dealer("D001"), "claim.part_received"),
        (lead(), "claim.part_return_due"),
    ] {
        let (status, problem) = subscribe(svc, &who, json!({"topics": [topic]})).await;
        assert_eq!(status, 403, "{topic}: {problem}");
    }
    let (status, problem) = subscribe(
        svc,
        &dealer("D001"),
        json!({"topics": ["claim.decided"], "dealer_code": "D002"}),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    // Staff may watch one dealer's claims.
    let (status, sub) = subscribe(
        svc,
        &quality(),
        json!({"topics": ["claim.decided"], "dealer_code": "D002"}),
    )
    .await;
    assert_eq!(status, 201, "{sub}");
    assert_eq!(sub["dealer_code"], "D002");
}
