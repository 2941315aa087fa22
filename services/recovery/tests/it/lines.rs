use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::inspection::{CauseCode, Decision};
use chrono::{Duration, Utc};
use serde_json::Value;

use crate::support::{Svc, adjudicated, agreement_body, finance};

fn days_ago(n: i64) -> chrono::DateTime<Utc> {
    Utc::now() - Duration::days(n)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplier_defect_becomes_one_line_with_the_agreed_amount_even_when_redelivered() {
    let svc = Svc::start().await;
    let today = Utc::now().date_naive();
    let from = (today - Duration::days(365)).to_string();
    let mut body = agreement_body("SUP1", &from, None);
    body["labor_recovery_pct"] = "33.33".into();
    svc.agreement(body).await;

    // parts 123.45 × 80 % = 98.76; labor 77.77 × 33.33 % = 25.920741 → 25.92; + 15.00.
    let claim = adjudicated("SUP1", "123.45", "77.77", days_ago(2));
    let first = svc.adjudicate(&claim).await;
    let line = svc.line_of(claim.claim_id).await;
    assert_eq!(line["status"], "open", "{line}");
    assert_eq!(line["amount"], "139.68");
    assert_eq!(line["supplier_code"], "SUP1");
    assert!(line["agreement_id"].is_string());
    // The window (90 days in `agreement_body`) closes 90 days after the decision's day.
    let closes = (claim.decided_at.date_naive() + Duration::days(90)).to_string();
    assert_eq!(line["claim_window_closes_on"], closes.as_str(), "{line}");

    // The same envelope again (inbox dedupe) and the same claim in a new envelope
    // (a replay upstream): still one line.
    svc.publish_envelope(&first).await;
    let again = svc.adjudicate(&claim).await;
    assert_ne!(again.event_id, first.event_id);
    let n = svc
        .count(&format!(
            "SELECT count(*) AS n FROM recovery_lines WHERE claim_id = '{}'",
            claim.claim_id
        ))
        .await;
    assert_eq!(n, 1);
    let id = line["id"].as_str().unwrap();
    let got = svc
        .ok("GET", &format!("/recovery-lines/{id}"), None, 200)
        .await;
    assert_eq!(got["amount"], "139.68");
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_that_cannot_be_charged_back_are_kept_with_their_reason() {
    let svc = Svc::start().await;
    let today = Utc::now().date_naive();
    let mut body = agreement_body("SUP1", &(today - Duration::days(400)).to_string(), None);
    body["claim_window_days"] = 30.into();
    svc.agreement(body).await;

    let no_agreement = adjudicated("SUP2", "10", "10", days_ago(1));
    let mut usd = adjudicated("SUP1", "10", "10", days_ago(1));
    usd.currency = "USD".parse().unwrap();
    let late = adjudicated("SUP1", "10", "10", days_ago(31));
    let in_window = adjudicated("SUP1", "10", "10", days_ago(30));
    let before_agreement = adjudicated("SUP1", "10", "10", days_ago(401));
    let mut misuse = adjudicated("SUP1", "10", "10", days_ago(1));
    misuse.cause_code = Some(CauseCode::Misuse);
    let mut rejected = adjudicated("SUP1", "10", "10", days_ago(1));
    rejected.decision = Decision::Rejected;
    let mut partial = adjudicated("SUP1", "10", "10", days_ago(1));
    partial.decision = Decision::PartiallyApproved;
    for claim in [
        &no_agreement,
        &usd,
        &late,
        &in_window,
        &before_agreement,
        &misuse,
        &rejected,
        &partial,
    ] {
        svc.adjudicate(claim).await;
    }
    let expect = [
        (&no_agreement, "no_agreement"),
        (&usd, "currency_mismatch"),
        (&late, "claim_window_passed"),
        (&before_agreement, "no_agreement"),
    ];
    for (claim, reason) in expect {
        let line = svc.line_of(claim.claim_id).await;
        assert_eq!(line["status"], "not_recoverable", "{line}");
        assert_eq!(line["reason"], reason);
        assert!(line["amount"].is_null());
    }
    // 10 × 80 % + 10 × 50 % + 15 = 28.00
    assert_eq!(svc.line_of(in_window.claim_id).await["amount"], "28.00");
    // The last day of the 30-day window: today for the claim decided 30 days ago,
    // yesterday for the one decided 31 days ago; none without an agreement.
    assert_eq!(
        svc.line_of(in_window.claim_id).await["claim_window_closes_on"],
        today.to_string().as_str()
    );
    assert_eq!(
        svc.line_of(late.claim_id).await["claim_window_closes_on"],
        (today - Duration::days(1)).to_string().as_str()
    );
    assert!(svc.line_of(no_agreement.claim_id).await["claim_window_closes_on"].is_null());
    assert_eq!(
        svc.line_of(partial.claim_id).await["decision"],
        "partially_approved"
    );
    assert_eq!(svc.line_of(misuse.claim_id).await, Value::Null);
    assert_eq!(svc.line_of(rejected.claim_id).await, Value::Null);

    let page = svc
        .ok(
            "GET",
            "/recovery-lines?status=not_recoverable&limit=3",
            None,
            200,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().expect("more");
    let rest = svc
        .ok(
            "GET",
            &format!("/recovery-lines?status=not_recoverable&limit=3&cursor={cursor}"),
            None,
            200,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    let open = svc
        .ok("GET", "/recovery-lines?status=open", None, 200)
        .await;
    assert_eq!(open["items"].as_array().unwrap().len(), 2);
    let (status, _) = svc
        .call(
            "GET",
            "/recovery-lines?status=bogus",
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_adjudication_is_dead_lettered_not_applied() {
    use crate::support::{WAIT, eventually};
    let svc = Svc::start().await;
    let mut envelope = Envelope::new(
        "inspection",
        &adjudicated("SUP1", "1", "1", Utc::now()),
        uuid::Uuid::new_v4(),
    )
    .unwrap();
    envelope.payload["approved_parts_amount"] = "lots".into();
    svc.publish_envelope(&envelope).await;
    // A good event published after it is applied: the bad one did not block the queue.
    let good = svc
        .adjudicate(&adjudicated("SUP1", "1", "1", Utc::now()))
        .await;
    assert!(svc.consumed(&good).await);
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM recovery_lines").await,
        1
    );
    assert!(
        eventually(WAIT, || async {
            svc.vhost.queue_messages("recovery.dead").await == Some(1)
        })
        .await,
        "the malformed event rests in recovery.dead"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parts_from_catalog_are_kept_newest_first() {
    use aftersales_messaging::contracts::catalog::PartUpserted;
    let svc = Svc::start().await;
    let part = |supplier: &str| PartUpserted {
        part_number: "BRK-100".parse().unwrap(),
        description: "Brake pad".into(),
        category: "brakes".into(),
        list_price: "12.5".parse().unwrap(),
        currency: "EUR".parse().unwrap(),
        supplier_code: supplier.parse().unwrap(),
        warranty_months: 24,
        core: false,
        returnable: true,
        superseded_by: None,
        active: true,
    };
    let newer = Envelope::new("catalog", &part("SUP2"), uuid::Uuid::new_v4()).unwrap();
    let mut older = Envelope::new("catalog", &part("SUP1"), uuid::Uuid::new_v4()).unwrap();
    older.occurred_at = newer.occurred_at - Duration::hours(1);
    for e in [&newer, &older] {
        svc.publish_envelope(e).await;
        assert!(svc.consumed(e).await);
    }
    let sql =
        "SELECT count(*) AS n FROM parts WHERE part_number = 'BRK-100' AND supplier_code = 'SUP2'";
    assert_eq!(svc.count(sql).await, 1);
    // The copy is recorded once, by the event that wrote it; the older one changed nothing.
    let trail = svc
        .ok(
            "GET",
            "/audit?entity_type=part&entity_id=BRK-100",
            None,
            200,
        )
        .await;
    let records = trail["items"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{trail}");
    assert_eq!(records[0]["action"], "part.copied");
    assert_eq!(records[0]["actor"], "catalog");
    assert_eq!(records[0]["event_id"], newer.event_id.to_string());
    assert_eq!(
        records[0]["changes"]["supplier_code"],
        serde_json::json!({"before": null, "after": "SUP2"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn finance_finds_the_line_of_a_warranty_claim_by_its_id_or_number() {
    let svc = Svc::start().await;
    let from = (Utc::now().date_naive() - Duration::days(365)).to_string();
    svc.agreement(agreement_body("SUP1", &from, None)).await;
    let wanted = adjudicated("SUP1", "100.00", "10.00", days_ago(2));
    let other = adjudicated("SUP1", "50.00", "5.00", days_ago(1));
    svc.adjudicate(&wanted).await;
    svc.adjudicate(&other).await;

    let only = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["claim_number"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_id = svc
        .ok(
            "GET",
            &format!("/recovery-lines?warranty_claim={}", wanted.claim_id),
            None,
            200,
        )
        .await;
    assert_eq!(only(by_id), [wanted.claim_number.as_str()]);
    let by_number = svc
        .ok(
            "GET",
            &format!("/recovery-lines?claim_number={}", other.claim_number),
            None,
            200,
        )
        .await;
    assert_eq!(only(by_number), [other.claim_number.as_str()]);
    let none = svc
        .ok("GET", "/recovery-lines?claim_number=WC-NONE", None, 200)
        .await;
    assert!(only(none).is_empty());
    // Not an id: a 400, not a 500.
    let bad = svc
        .ok("GET", "/recovery-lines?warranty_claim=42", None, 400)
        .await;
    assert!(bad["detail"].as_str().unwrap().contains("UUID"), "{bad}");
}
