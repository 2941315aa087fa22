//! The filing-deadline sweep: drafts per supplier for lines at risk, forfeits the
//! overdue ones (out of their drafts), announces each line at risk once, even with two
//! replicas sweeping at the same moment; the report and the list by days left; a line
//! past its deadline cannot be submitted.

use aftersales_web::Role;
use chrono::{Duration, NaiveDate, Utc};
use recovery::domain::filing::LeadDays;
use serde_json::Value;

use crate::support::{Svc, adjudicated, agreement_body, finance, id_of, token};

/// A line of `supplier` decided `days` ago (a 90-day window: `90 - days` days left).
async fn line(svc: &Svc, supplier: &str, parts: &str, days: i64) -> String {
    let claim = adjudicated(supplier, parts, "0", Utc::now() - Duration::days(days));
    svc.adjudicate(&claim).await;
    let line = svc.line_of(claim.claim_id).await;
    assert_eq!(line["status"], "open", "{line}");
    id_of(&line)
}

async fn get_line(svc: &Svc, id: &str) -> Value {
    svc.ok("GET", &format!("/recovery-lines/{id}"), None, 200)
        .await
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

async fn with_two_suppliers() -> Svc {
    let svc = Svc::start().await;
    let from = (today() - Duration::days(400)).to_string();
    for supplier in ["SUP1", "SUP2"] {
        svc.agreement(agreement_body(supplier, &from, None)).await;
    }
    svc
}

async fn sweep(svc: &Svc) -> recovery::app::filing::Swept {
    recovery::app::filing::sweep(&svc.pool, LeadDays::parse(14).unwrap(), today())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_drafts_forfeits_and_announces_each_line_once() {
    let svc = with_two_suppliers().await;
    let a = line(&svc, "SUP1", "100.00", 80).await; // 10 days left
    let b = line(&svc, "SUP1", "200.00", 85).await; // 5 days left
    let c = line(&svc, "SUP2", "300.00", 89).await; // 1 day left
    let on_time = line(&svc, "SUP1", "400.00", 10).await;
    // At risk, but already in a draft of finance's: announced, not drafted again.
    let held = line(&svc, "SUP1", "500.00", 80).await;
    let finance_draft = svc.draft(&[&held]).await;
    // Overdue: one open, one in finance's draft.
    let overdue_open = line(&svc, "SUP2", "600.00", 80).await;
    let overdue_held = line(&svc, "SUP1", "700.00", 80).await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{finance_draft}/lines"),
        Some(serde_json::json!({"line_ids": [overdue_held]})),
        200,
    )
    .await;
    svc.exec(&format!(
        "UPDATE recovery_lines SET filing_deadline = current_date - 1 WHERE id IN ('{overdue_open}', '{overdue_held}')"
    ))
    .await;

    // Two replicas at the same moment, then once more.
    let (one, two) = tokio::join!(sweep(&svc), sweep(&svc));
    let again = sweep(&svc).await;
    assert_eq!(again, Default::default(), "a second run has nothing to do");
    let mut forfeited = [one.forfeited.clone(), two.forfeited.clone()].concat();
    forfeited.sort();
    let mut expected = vec![overdue_open.clone(), overdue_held.clone()];
    expected.sort();
    let ids = |v: &[uuid::Uuid]| v.iter().map(|id| id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&forfeited), expected);
    let drafted = [one.drafted.clone(), two.drafted.clone()].concat();
    let announced = one.announced.len() + two.announced.len();
    assert_eq!(drafted.len(), 2, "one draft per supplier: {drafted:?}");
    assert_eq!(announced, 4, "a, b, c and the held line");

    // One draft of SUP1 and one of SUP2, made by the sweep.
    let page = svc
        .ok(
            "GET",
            "/recovery-claims?origin=filing_deadline_sweep&status=draft",
            None,
            200,
        )
        .await;
    let claims = page["items"].as_array().unwrap();
    assert_eq!(claims.len(), 2, "{page}");
    let of = |supplier: &str| -> Vec<String> {
        let claim = claims
            .iter()
            .find(|c| c["supplier_code"] == supplier)
            .unwrap_or_else(|| panic!("no draft of {supplier}: {page}"));
        assert_eq!(claim["origin"], "filing_deadline_sweep");
        claim["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    // A claim lists its lines in the order they were made.
    assert_eq!(of("SUP1"), [a.clone(), b.clone()]);
    assert_eq!(of("SUP2"), std::slice::from_ref(&c));

    // Lines: at risk stamped once, the on-time one left alone, the overdue forfeited
    // and out of finance's draft, which keeps the held line.
    for id in [&a, &b, &c, &held] {
        let l = get_line(&svc, id).await;
        assert_eq!(l["status"], "batched", "{l}");
        assert!(l["at_risk_since"].is_string(), "{l}");
    }
    let l = get_line(&svc, &on_time).await;
    assert_eq!(
        (l["status"].as_str(), l["days_left"].as_i64()),
        (Some("open"), Some(80))
    );
    assert!(l["at_risk_since"].is_null());
    for id in [&overdue_open, &overdue_held] {
        let l = get_line(&svc, id).await;
        assert_eq!(l["status"], "forfeited", "{l}");
        assert!(
            l["forfeited_at"].is_string() && l["recovery_claim_id"].is_null(),
            "{l}"
        );
        assert!(
            l["amount"].is_string(),
            "a forfeited line keeps what was lost: {l}"
        );
    }
    let draft = svc
        .ok(
            "GET",
            &format!("/recovery-claims/{finance_draft}"),
            None,
            200,
        )
        .await;
    let held_lines: Vec<String> = draft["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(held_lines, [held]);

    // One event per claim with lines newly at risk; none from the runs after.
    let events = svc.outbox("recovery.recovery_lines_at_risk").await;
    assert_eq!(events.len(), 3, "{events:?}");
    let lines: usize = events
        .iter()
        .map(|e| e["payload"]["lines"].as_array().unwrap().len())
        .sum();
    assert_eq!(lines, 4);
    let finance_event = events
        .iter()
        .find(|e| e["payload"]["recovery_claim_id"] == finance_draft.as_str())
        .expect("an event for finance's draft");
    assert_eq!(finance_event["payload"]["drafted_by_sweep"], false);
    assert_eq!(finance_event["payload"]["lines"][0]["amount"], "415.00");

    // The report: 4 lines at risk, 2 forfeited, per supplier and overall.
    let report = svc
        .ok("GET", "/reports/filing-deadlines?lead_days=14", None, 200)
        .await;
    assert_eq!(report["lead_days"], 14);
    let at_risk: Vec<String> = report["at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(at_risk.len(), 4, "{report}");
    assert_eq!(at_risk[0], c, "fewest days left first");
    assert_eq!(report["forfeited"].as_array().unwrap().len(), 2);
    let overall = &report["overall"][0];
    // 600 × 80 % + 15 and 700 × 80 % + 15.
    assert_eq!(overall["forfeited_lines"], 2);
    assert_eq!(overall["forfeited_amount"], "1070.00", "{report}");
    assert_eq!(overall["at_risk_lines"], 4);
    let sup2 = report["suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["supplier_code"] == "SUP2")
        .unwrap();
    assert_eq!(
        (
            sup2["at_risk_amount"].as_str(),
            sup2["forfeited_amount"].as_str()
        ),
        (Some("255.00"), Some("495.00"))
    );
    let (status, csv) = svc
        .call(
            "GET",
            "/reports/filing-deadlines?format=csv",
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with("standing,line_id,claim_number"), "{csv}");
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("forfeited,")).count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_sort_by_days_left_across_pages() {
    let svc = with_two_suppliers().await;
    let mut made = Vec::new();
    for days in [30, 85, 60, 5] {
        made.push((90 - days, line(&svc, "SUP1", "10.00", days).await));
    }
    made.sort();
    let mut seen = Vec::new();
    let mut path = "/recovery-lines?sort=deadline&status=open&limit=1".to_owned();
    loop {
        let page = svc.ok("GET", &path, None, 200).await;
        for l in page["items"].as_array().unwrap() {
            seen.push((l["days_left"].as_i64().unwrap(), id_of(l)));
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/recovery-lines?sort=deadline&status=open&limit=1&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, made);

    // A cursor of the other order is refused, not misread.
    let page = svc.ok("GET", "/recovery-lines?limit=1", None, 200).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, problem) = svc
        .call(
            "GET",
            &format!("/recovery-lines?sort=deadline&cursor={cursor}"),
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    let (status, _) = svc
        .call(
            "GET",
            "/recovery-lines?sort=soonest",
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 400);
    // A forged cursor with a day PostgreSQL cannot hold is refused, not a 500.
    let forged = aftersales_web::pagination::Cursor::encode(&(
        "-5000-01-01",
        "00000000-0000-0000-0000-000000000000",
    ));
    let (status, problem) = svc
        .call(
            "GET",
            &format!("/recovery-lines?sort=deadline&cursor={forged}"),
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 400, "{problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_past_its_deadline_cannot_be_submitted() {
    let svc = with_two_suppliers().await;
    let late = line(&svc, "SUP1", "10.00", 80).await;
    let fine = line(&svc, "SUP1", "20.00", 10).await;
    let claim = svc.draft(&[&late, &fine]).await;
    svc.exec(&format!(
        "UPDATE recovery_lines SET filing_deadline = current_date - 1 WHERE id = '{late}'"
    ))
    .await;
    let (status, problem) = svc
        .call(
            "POST",
            &format!("/recovery-claims/{claim}/submit"),
            Some(&finance()),
            None,
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&late) && detail.contains("past its filing deadline"),
        "{detail}"
    );
    // Taken out, the rest is submitted.
    svc.ok(
        "DELETE",
        &format!("/recovery-claims/{claim}/lines/{late}"),
        None,
        200,
    )
    .await;
    let submitted = svc
        .ok(
            "POST",
            &format!("/recovery-claims/{claim}/submit"),
            None,
            200,
        )
        .await;
    assert_eq!(submitted["status"], "submitted");
    // Submitted lines are out of the sweep's reach.
    let swept = sweep(&svc).await;
    assert_eq!(
        swept.forfeited.len(),
        1,
        "only the line taken out: {swept:?}"
    );
    assert_eq!(get_line(&svc, &fine).await["status"], "claimed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_refuses_bad_input_and_other_roles() {
    let svc = Svc::start().await;
    for query in [
        "lead_days=366",
        "lead_days=-1",
        "from=yesterday",
        "format=xml",
    ] {
        let (status, problem) = svc
            .call(
                "GET",
                &format!("/reports/filing-deadlines?{query}"),
                Some(&finance()),
                None,
            )
            .await;
        assert!(matches!(status, 400 | 422), "{query}: {status} {problem}");
        assert!(problem["detail"].is_string(), "{problem}");
    }
    for role in [Role::Dealer, Role::Quality, Role::Warehouse] {
        let (status, _) = svc
            .call("GET", "/reports/filing-deadlines", Some(&token(role)), None)
            .await;
        assert_eq!(status, 403, "{role:?}");
    }
    let report = svc.ok("GET", "/reports/filing-deadlines", None, 200).await;
    assert_eq!(report["lead_days"], 14, "the default lead time");
    assert_eq!(report["at_risk"], serde_json::json!([]));
}
