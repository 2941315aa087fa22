//! Recovery's notifications: finance's webhook gets "filing deadline near" once per
//! line the filing-deadline sweep announces at risk, signed, whatever the number of
//! replicas or runs and however often inspection's event is redelivered; only finance
//! and admins may subscribe.

use aftersales_testkit::WebhookReceiver;
use aftersales_testkit::tokens::{admin, dealer};
use aftersales_web::Role;
use chrono::{Duration, NaiveDate, Utc};
use recovery::domain::filing::LeadDays;
use serde_json::{Value, json};

use crate::support::{Svc, adjudicated, agreement_body, finance, id_of, token};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

async fn sweep(svc: &Svc) -> recovery::app::filing::Swept {
    recovery::app::filing::sweep(&svc.pool, LeadDays::parse(14).unwrap(), today())
        .await
        .unwrap()
}

async fn subscribe(svc: &Svc, token: &str, body: Value) -> (u16, Value) {
    svc.call("POST", "/subscriptions", Some(token), Some(body))
        .await
}

fn bodies(receiver: &WebhookReceiver) -> Vec<Value> {
    receiver.received().iter().map(|r| r.json()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn finance_hears_once_of_each_line_near_its_filing_deadline() {
    let svc = Svc::start().await;
    let from = (today() - Duration::days(400)).to_string();
    for supplier in ["SUP1", "SUP2"] {
        svc.agreement(agreement_body(supplier, &from, None)).await;
    }
    let receiver = WebhookReceiver::start().await;
    let (status, sub) = subscribe(
        &svc,
        &finance(),
        json!({"topics": ["recovery.filing_deadline_near"], "url": receiver.url()}),
    )
    .await;
    assert_eq!(status, 201, "{sub}");
    assert!(sub["dealer_code"].is_null(), "{sub}");
    let secret = sub["secret"].as_str().unwrap().to_owned();

    // SUP1's line has 10 days left, SUP2's 1; the third is on time.
    let mut lines = Vec::new();
    let mut events = Vec::new();
    for (supplier, parts, days) in [
        ("SUP1", "100.00", 80),
        ("SUP2", "300.00", 89),
        ("SUP1", "400.00", 10),
    ] {
        let claim = adjudicated(supplier, parts, "0", Utc::now() - Duration::days(days));
        events.push(svc.adjudicate(&claim).await);
        let line = svc.line_of(claim.claim_id).await;
        lines.push((id_of(&line), claim.claim_number));
    }

    // Two replicas at the same moment, once more, and inspection's events again.
    let (one, two) = tokio::join!(sweep(&svc), sweep(&svc));
    assert_eq!(one.announced.len() + two.announced.len(), 2);
    let skipped = svc.duplicates_skipped().await;
    for event in &events {
        svc.publish_envelope(event).await;
    }
    svc.wait("the repeated adjudications to be skipped", || async {
        svc.duplicates_skipped().await >= skipped + events.len() as u64
    })
    .await;
    assert_eq!(sweep(&svc).await, Default::default());
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM notify_message").await,
        2,
        "told once per line"
    );

    svc.wait("the two notices", || async { receiver.ids().0.len() == 2 })
        .await;
    let (ids, repeats) = receiver.ids();
    assert_eq!((ids.len(), repeats), (2, 0));
    assert!(receiver.received().iter().all(|r| r.verifies(&secret)));

    let received = bodies(&receiver);
    let of = |line: &str| {
        received
            .iter()
            .find(|b| b["entity_id"] == line)
            .unwrap_or_else(|| panic!("no notice of {line}: {received:?}"))
    };
    let (sup1_line, sup1_claim) = &lines[0];
    let body = of(sup1_line);
    assert_eq!(body["type"], "recovery.filing_deadline_near");
    assert_eq!(body["service"], "recovery");
    assert_eq!(body["entity_type"], "recovery_line");
    assert!(body["dealer_code"].is_null());
    let data = &body["data"];
    assert_eq!(data["claim_number"], sup1_claim.as_str());
    assert_eq!(data["supplier_code"], "SUP1");
    // 100.00 × 80 % + 15.00.
    assert_eq!(data["amount"], "95.00");
    assert_eq!(data["currency"], "EUR");
    assert_eq!(data["days_left"], 10);
    assert_eq!(
        data["filing_deadline"],
        (today() + Duration::days(10)).to_string()
    );
    assert_eq!(data["drafted_by_sweep"], true);
    let draft = svc
        .ok(
            "GET",
            &format!(
                "/recovery-claims/{}",
                data["recovery_claim_id"].as_str().unwrap()
            ),
            None,
            200,
        )
        .await;
    assert_eq!(data["recovery_claim_number"], draft["number"]);
    let summary = body["summary"].as_str().unwrap();
    assert!(
        summary.contains("95.00 EUR from SUP1")
            && summary.contains(sup1_claim.as_str())
            && summary.contains("10 days left"),
        "{summary}"
    );
    let body = of(&lines[1].0);
    assert_eq!(body["data"]["days_left"], 1);
    assert!(
        body["summary"].as_str().unwrap().contains("(1 day left)"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_finance_and_admins_subscribe_to_filing_deadlines() {
    let svc = Svc::start().await;
    let topic = json!({"topics": ["recovery.filing_deadline_near"]});
    for role in [
        Role::Dealer,
        Role::Warehouse,
        Role::Quality,
        Role::QualityLead,
    ] {
        let (status, problem) = subscribe(&svc, &token(role), topic.clone()).await;
        assert_eq!(status, 403, "{role:?}: {problem}");
    }
    let (status, _) = subscribe(&svc, &dealer("D001"), topic.clone()).await;
    assert_eq!(status, 403);
    for who in [finance(), admin()] {
        let (status, sub) = subscribe(&svc, &who, topic.clone()).await;
        assert_eq!(status, 201, "{sub}");
    }
    let (_, topics) = svc
        .call("GET", "/notifications/topics", Some(&finance()), None)
        .await;
    assert_eq!(topics[0]["name"], "recovery.filing_deadline_near");
    assert_eq!(topics.as_array().unwrap().len(), 1);
}
