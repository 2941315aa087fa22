//! The audit trail of recovery, read through `GET /audit` as finance reads it: who
//! changed an agreement and which fields, who wrote off what and why, the line an
//! adjudication of inspection created (the event as the actor), what the
//! filing-deadline sweep did; each change recorded once — an idempotent replay, a
//! refused request and a redelivered event add nothing —; who may read the trail.

use aftersales_testkit::tokens::{dealer, mint};
use aftersales_web::Role;
use chrono::{Duration, Utc};
use recovery::domain::filing::LeadDays;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, adjudicated, agreement_body, finance, id_of, token};

/// The records matching `query`, newest first, as finance reads them.
async fn records(svc: &Svc, query: &str) -> Vec<Value> {
    let page = svc
        .ok("GET", &format!("/audit?limit=200&{query}"), None, 200)
        .await;
    page["items"].as_array().expect("items").clone()
}

/// The records of one entity, newest first.
async fn of(svc: &Svc, entity_type: &str, id: &str) -> Vec<Value> {
    records(svc, &format!("entity_type={entity_type}&entity_id={id}")).await
}

async fn total(svc: &Svc) -> i64 {
    svc.count("SELECT count(*) AS n FROM audit_log").await
}

fn actions(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default())
        .collect()
}

/// The one record of `action` among `records`.
fn the<'a>(records: &'a [Value], action: &str) -> &'a Value {
    let found: Vec<&Value> = records.iter().filter(|r| r["action"] == action).collect();
    assert_eq!(found.len(), 1, "one {action}: {records:?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agreement_changed_by_an_admin_shows_who_and_the_fields_before_and_after() {
    let svc = Svc::start().await;
    let created = svc
        .agreement(agreement_body("SUP1", "2024-01-01", None))
        .await;
    let id = id_of(&created);

    let ana = mint("ana", Role::Admin, None);
    let correlation = Uuid::new_v4().to_string();
    let mut amended = agreement_body("SUP1", "2024-01-01", None);
    amended["handling_fee"] = json!("20");
    amended["claim_window_days"] = json!(60);
    amended.as_object_mut().map(|o| o.remove("supplier_code"));
    let (status, body) = svc
        .call_with(
            "PUT",
            &format!("/agreements/{id}"),
            Some(&ana),
            Some(amended.clone()),
            &[("X-Correlation-Id", &correlation)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The same terms again change nothing, and record nothing.
    let (status, _) = svc
        .call(
            "PUT",
            &format!("/agreements/{id}"),
            Some(&ana),
            Some(amended),
        )
        .await;
    assert_eq!(status, 200);
    svc.ok(
        "POST",
        &format!("/agreements/{id}/end"),
        Some(json!({"valid_to": "2024-12-31"})),
        200,
    )
    .await;

    let trail = of(&svc, "agreement", &id).await;
    assert_eq!(
        actions(&trail),
        ["agreement.ended", "agreement.amended", "agreement.created"],
        "newest first: {trail:?}"
    );
    let amendment = &trail[1];
    assert_eq!(amendment["actor_kind"], "user");
    assert_eq!(amendment["actor"], "ana");
    assert_eq!(amendment["actor_role"], "admin");
    assert_eq!(amendment["correlation_id"], correlation.as_str());
    assert_eq!(
        amendment["changes"],
        json!({
            "handling_fee": {"before": "15.00", "after": "20.00"},
            "claim_window_days": {"before": 90, "after": 60},
        }),
        "only the fields that changed"
    );
    assert!(amendment["entity_dealer"].is_null());
    assert!(amendment["reason"].is_null());

    let ended = &trail[0];
    assert_eq!(
        (ended["actor"].as_str(), ended["actor_role"].as_str()),
        (Some("tester"), Some("finance"))
    );
    assert_eq!(
        ended["changes"],
        json!({"valid_to": {"before": null, "after": "2024-12-31"}})
    );

    let creation = &trail[2];
    assert_eq!(creation["actor_role"], "finance");
    assert_eq!(
        creation["changes"]["supplier_code"],
        json!({"before": null, "after": "SUP1"})
    );
    assert_eq!(creation["changes"]["parts_recovery_pct"]["after"], "80.00");
    assert_eq!(creation["changes"]["handling_fee"]["after"], "15.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_or_refused_request_adds_no_record() {
    let svc = Svc::start().await;
    let body = agreement_body("SUP1", "2024-01-01", Some("2024-06-30"));
    let key = [("Idempotency-Key", "agreement-1")];
    for _ in 0..2 {
        let (status, _) = svc
            .call_with(
                "POST",
                "/agreements",
                Some(&finance()),
                Some(body.clone()),
                &key,
            )
            .await;
        assert_eq!(status, 201);
    }
    assert_eq!(total(&svc).await, 1, "the replay is not recorded again");
    let id = records(&svc, "").await[0]["entity_id"]
        .as_str()
        .expect("the agreement's id")
        .to_owned();

    // An overlap (422), another role (403), an unknown agreement (404), an end before
    // its start (422): each refused, none recorded.
    let overlapping = agreement_body("SUP1", "2024-03-01", None);
    let mut amendment = agreement_body("SUP1", "2024-01-01", None);
    amendment.as_object_mut().map(|o| o.remove("supplier_code"));
    for (t, method, path, body, expected) in [
        (
            finance(),
            "POST",
            "/agreements".to_owned(),
            overlapping.clone(),
            422,
        ),
        (
            token(Role::Warehouse),
            "POST",
            "/agreements".to_owned(),
            overlapping,
            403,
        ),
        (
            token(Role::Quality),
            "PUT",
            format!("/agreements/{id}"),
            amendment.clone(),
            403,
        ),
        (
            finance(),
            "PUT",
            format!("/agreements/{}", Uuid::new_v4()),
            amendment,
            404,
        ),
        (
            finance(),
            "POST",
            format!("/agreements/{id}/end"),
            json!({"valid_to": "2023-12-31"}),
            422,
        ),
    ] {
        let (status, problem) = svc.call(method, &path, Some(&t), Some(body)).await;
        assert_eq!(status, expected, "{method} {path}: {problem}");
    }
    assert_eq!(total(&svc).await, 1, "nothing refused is recorded");
}

/// A submitted claim of SUP1 whose one line (115.00) the supplier accepted.
async fn accepted_claim(svc: &Svc) -> (String, String) {
    let line = svc.open_line("100", "40").await;
    let claim = svc.draft(&[&line]).await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{claim}/submit"),
        None,
        200,
    )
    .await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{claim}/responses"),
        Some(json!({"responses": [{"line_id": line, "outcome": "accepted"}]})),
        200,
    )
    .await;
    (claim, line)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_off_shows_its_reason_and_amount_once() {
    let svc = Svc::with_agreement(30).await;
    let (claim, line) = accepted_claim(&svc).await;
    let before = total(&svc).await;

    let body = json!({"recovery_claim_id": claim, "amount": "20", "reason": "disputed labor"});
    let key = [("Idempotency-Key", "write-off-1")];
    let mut first = Value::Null;
    for _ in 0..2 {
        let (status, w) = svc
            .call_with(
                "POST",
                "/write-offs",
                Some(&finance()),
                Some(body.clone()),
                &key,
            )
            .await;
        assert_eq!(status, 201, "{w}");
        first = w;
    }
    assert_eq!(total(&svc).await, before + 1, "the replay adds nothing");
    let trail = of(&svc, "write_off", &id_of(&first)).await;
    let w = the(&trail, "write_off.recorded");
    assert_eq!(w["actor_role"], "finance");
    assert_eq!(w["reason"], "disputed labor");
    assert_eq!(
        w["changes"]["amount"],
        json!({"before": null, "after": "20.00"})
    );
    assert_eq!(w["changes"]["recovery_claim_id"]["after"], claim.as_str());
    assert_eq!(
        w["changes"]["allocations"]["after"],
        json!([{"line_id": line, "recovery_claim_id": claim, "amount": "20.00"}])
    );

    // More than is outstanding (422) and another role (403): nothing recorded.
    for (t, amount, expected) in [(finance(), "96", 422), (token(Role::Warehouse), "1", 403)] {
        let (status, _) = svc
            .call(
                "POST",
                "/write-offs",
                Some(&t),
                Some(json!({"recovery_claim_id": claim, "amount": amount, "reason": "x"})),
            )
            .await;
        assert_eq!(status, expected);
    }
    assert_eq!(total(&svc).await, before + 1);

    // The rest settles the claim: the write-off and the settlement in one transaction.
    let rest = svc
        .ok(
            "POST",
            "/write-offs",
            Some(json!({"recovery_claim_id": claim, "reason": "supplier insolvent"})),
            201,
        )
        .await;
    let trail = of(&svc, "write_off", &id_of(&rest)).await;
    let w = the(&trail, "write_off.recorded");
    assert_eq!(w["reason"], "supplier insolvent");
    assert_eq!(w["changes"]["amount"]["after"], "95.00");
    let settled = the(
        &of(&svc, "recovery_claim", &claim).await,
        "recovery_claim.settled",
    )
    .clone();
    assert_eq!(
        settled["changes"]["status"],
        json!({"before": "responded", "after": "settled"})
    );
    assert_eq!(settled["correlation_id"], w["correlation_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_is_recorded_from_draft_to_settlement_with_its_lines() {
    let svc = Svc::with_agreement(30).await;
    let a = svc.open_line("100", "40").await; // 115.00
    let b = svc.open_line("50", "10").await; // 60.00
    let c = svc.open_line("10", "0").await; // 23.00
    let claim = svc.draft(&[&a]).await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{claim}/lines"),
        Some(json!({"line_ids": [b, c]})),
        200,
    )
    .await;
    svc.ok(
        "DELETE",
        &format!("/recovery-claims/{claim}/lines/{c}"),
        None,
        200,
    )
    .await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{claim}/submit"),
        None,
        200,
    )
    .await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{claim}/responses"),
        Some(json!({"responses": [
            {"line_id": a, "outcome": "accepted"},
            {"line_id": b, "outcome": "rejected", "reason": "wear, not a defect"},
        ]})),
        200,
    )
    .await;
    let memo = svc
        .ok(
            "POST",
            "/credit-memos",
            Some(
                json!({"supplier_code": "SUP1", "reference": "CM-1", "memo_date": "2026-01-15",
                "amount": "115.00", "currency": "EUR"}),
            ),
            201,
        )
        .await;

    let trail = of(&svc, "recovery_claim", &claim).await;
    assert_eq!(
        actions(&trail),
        [
            "recovery_claim.settled",
            "recovery_claim.responded",
            "recovery_claim.submitted",
            "recovery_claim.line_removed",
            "recovery_claim.lines_added",
            "recovery_claim.drafted",
        ]
    );
    let drafted = the(&trail, "recovery_claim.drafted");
    assert_eq!(drafted["changes"]["lines"]["after"], json!([a]));
    assert_eq!(drafted["changes"]["amount"]["after"], "115.00");
    assert_eq!(drafted["changes"]["origin"]["after"], "finance");
    let added = the(&trail, "recovery_claim.lines_added");
    assert_eq!(
        added["changes"]["amount"],
        json!({"before": "115.00", "after": "198.00"})
    );
    let removed = the(&trail, "recovery_claim.line_removed");
    assert_eq!(
        removed["changes"]["lines"],
        json!({"before": [a, b, c], "after": [a, b]})
    );
    let submitted = the(&trail, "recovery_claim.submitted");
    assert_eq!(
        submitted["changes"]["claimed"],
        json!({"before": "0.00", "after": "175.00"})
    );
    assert_eq!(submitted["changes"]["status"]["after"], "submitted");

    let line_b = of(&svc, "recovery_line", &b).await;
    assert_eq!(
        actions(&line_b),
        [
            "recovery_line.answered",
            "recovery_line.filed",
            "recovery_line.batched",
            "recovery_line.created"
        ]
    );
    let answer = &line_b[0];
    assert_eq!(answer["reason"], "wear, not a defect");
    assert_eq!(
        answer["changes"],
        json!({
            "status": {"before": "claimed", "after": "rejected"},
            "accepted_amount": {"before": null, "after": "0.00"},
        })
    );
    let line_c = of(&svc, "recovery_line", &c).await;
    assert_eq!(
        actions(&line_c),
        [
            "recovery_line.unbatched",
            "recovery_line.batched",
            "recovery_line.created"
        ]
    );
    assert_eq!(
        line_c[0]["changes"],
        json!({
            "status": {"before": "batched", "after": "open"},
            "recovery_claim_id": {"before": claim, "after": null},
        })
    );

    let m = the(
        &of(&svc, "credit_memo", &id_of(&memo)).await,
        "credit_memo.recorded",
    )
    .clone();
    assert_eq!(m["changes"]["amount"]["after"], "115.00");
    assert_eq!(m["changes"]["reference"]["after"], "CM-1");
    assert_eq!(
        the(&trail, "recovery_claim.settled")["correlation_id"],
        m["correlation_id"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumed_adjudication_is_recorded_with_the_event_as_actor_once() {
    let svc = Svc::with_agreement(30).await;
    let claim = adjudicated("SUP1", "100", "40", Utc::now() - Duration::days(1));
    let event = svc.adjudicate(&claim).await;
    let line = id_of(&svc.line_of(claim.claim_id).await);

    let trail = of(&svc, "recovery_line", &line).await;
    let created = the(&trail, "recovery_line.created");
    assert_eq!(created["actor_kind"], "event");
    assert_eq!(created["actor"], "inspection");
    assert!(created["actor_role"].is_null());
    assert_eq!(created["event_id"], event.event_id.to_string());
    assert_eq!(created["correlation_id"], event.correlation_id.to_string());
    assert!(
        created["entity_dealer"].is_null(),
        "recovery keeps no dealer data"
    );
    assert_eq!(created["changes"]["status"]["after"], "open");
    assert_eq!(created["changes"]["amount"]["after"], "115.00");
    assert_eq!(created["changes"]["parts_amount"]["after"], "100.00");
    assert_eq!(
        created["changes"]["warranty_claim_id"]["after"],
        claim.claim_id.to_string()
    );
    assert!(created["reason"].is_null());
    let before = total(&svc).await;

    // The same event redelivered, then the same adjudication under a new event id:
    // neither creates anything, neither is recorded.
    svc.publish_envelope(&event).await;
    let again = svc.adjudicate(&claim).await;
    assert_ne!(again.event_id, event.event_id);
    assert_eq!(total(&svc).await, before);

    // Rejected and other causes concern no supplier: nothing changes, nothing recorded.
    let mut rejected = adjudicated("SUP1", "100", "40", Utc::now());
    rejected.decision = aftersales_messaging::contracts::inspection::Decision::Rejected;
    svc.adjudicate(&rejected).await;
    assert_eq!(total(&svc).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_without_an_agreement_records_why_and_its_reassessment_who() {
    let svc = Svc::start().await;
    let claim = adjudicated("SUP2", "100", "40", Utc::now() - Duration::days(1));
    svc.adjudicate(&claim).await;
    let line = id_of(&svc.line_of(claim.claim_id).await);
    let trail = of(&svc, "recovery_line", &line).await;
    let created = the(&trail, "recovery_line.created");
    assert_eq!(created["reason"], "no_agreement");
    assert_eq!(created["changes"]["status"]["after"], "not_recoverable");
    assert!(
        created["changes"].get("amount").is_none(),
        "no amount: {created}"
    );

    let from = (Utc::now().date_naive() - Duration::days(30)).to_string();
    let agreement = svc.agreement(agreement_body("SUP2", &from, None)).await;
    let trail = of(&svc, "recovery_line", &line).await;
    let reassessed = the(&trail, "recovery_line.reassessed");
    assert_eq!(reassessed["actor_kind"], "user");
    assert_eq!(reassessed["actor_role"], "finance");
    assert_eq!(
        reassessed["changes"]["status"],
        json!({"before": "not_recoverable", "after": "open"})
    );
    assert_eq!(
        reassessed["changes"]["reason"],
        json!({"before": "no_agreement", "after": null})
    );
    assert_eq!(
        reassessed["changes"]["agreement_id"]["after"],
        agreement["id"]
    );
    assert_eq!(reassessed["changes"]["amount"]["after"], "115.00");
    // The agreement and the line it reassessed: one transaction, one correlation.
    let recorded = the(
        &of(&svc, "agreement", &id_of(&agreement)).await,
        "agreement.created",
    )
    .clone();
    assert_eq!(recorded["correlation_id"], reassessed["correlation_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_filing_sweep_records_what_it_did_as_a_job() {
    let svc = Svc::start().await;
    let from = (Utc::now().date_naive() - Duration::days(400)).to_string();
    svc.agreement(agreement_body("SUP1", &from, None)).await;
    let mut lines = Vec::new();
    for days in [80, 10, 80] {
        let claim = adjudicated("SUP1", "100", "0", Utc::now() - Duration::days(days));
        svc.adjudicate(&claim).await;
        lines.push(id_of(&svc.line_of(claim.claim_id).await));
    }
    let (at_risk, on_time, overdue) = (&lines[0], &lines[1], &lines[2]);
    svc.exec(&format!(
        "UPDATE recovery_lines SET filing_deadline = current_date - 1 WHERE id = '{overdue}'"
    ))
    .await;
    let today = Utc::now().date_naive();
    let lead = LeadDays::parse(14).unwrap();
    let swept = recovery::app::filing::sweep(&svc.pool, lead, today)
        .await
        .unwrap();
    assert_eq!(swept.drafted.len(), 1);
    let before = total(&svc).await;
    recovery::app::filing::sweep(&svc.pool, lead, today)
        .await
        .unwrap();
    assert_eq!(
        total(&svc).await,
        before,
        "a run with nothing to do records nothing"
    );

    let by_sweep = records(&svc, "actor=filing_deadline_sweep").await;
    assert!(
        by_sweep.iter().all(|r| r["actor_kind"] == "job"),
        "{by_sweep:?}"
    );
    let claim = swept.drafted[0].0.to_string();
    let drafted = the(
        &of(&svc, "recovery_claim", &claim).await,
        "recovery_claim.drafted",
    )
    .clone();
    assert_eq!(drafted["actor"], "filing_deadline_sweep");
    assert_eq!(
        drafted["changes"]["origin"]["after"],
        "filing_deadline_sweep"
    );
    assert_eq!(drafted["changes"]["lines"]["after"], json!([at_risk]));
    assert_eq!(drafted["changes"]["amount"]["after"], "95.00");

    let risk = of(&svc, "recovery_line", at_risk).await;
    assert_eq!(
        actions(&risk),
        [
            "recovery_line.flagged_at_risk",
            "recovery_line.batched",
            "recovery_line.created"
        ]
    );
    assert_eq!(
        risk[0]["reason"]
            .as_str()
            .map(|r| r.ends_with("10 days left")),
        Some(true),
        "{}",
        risk[0]
    );
    let lost = the(
        &of(&svc, "recovery_line", overdue).await,
        "recovery_line.forfeited",
    )
    .clone();
    assert_eq!(
        lost["changes"]["status"],
        json!({"before": "open", "after": "forfeited"})
    );
    assert!(
        lost["reason"]
            .as_str()
            .is_some_and(|r| r.contains("passed before the line was submitted")),
        "{lost}"
    );
    assert_eq!(
        actions(&of(&svc, "recovery_line", on_time).await),
        ["recovery_line.created"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn finance_reads_the_trail_a_warehouse_may_not_and_a_dealer_sees_none_of_it() {
    let svc = Svc::with_agreement(30).await;
    svc.open_line("100", "40").await; // of dealer D001's warranty claim
    let all = records(&svc, "").await;
    assert_eq!(
        actions(&all),
        ["recovery_line.created", "agreement.created"]
    );

    for role in [Role::Admin, Role::Quality, Role::QualityLead] {
        let (status, page) = svc.call("GET", "/audit", Some(&token(role)), None).await;
        assert_eq!(status, 200, "{role}");
        assert_eq!(page["items"].as_array().map(Vec::len), Some(2), "{role}");
    }
    let (status, _) = svc
        .call("GET", "/audit", Some(&token(Role::Warehouse)), None)
        .await;
    assert_eq!(status, 403);
    let (status, page) = svc.call("GET", "/audit", Some(&dealer("D001")), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        page["items"],
        json!([]),
        "supplier recovery is not the dealer's to read"
    );

    let (status, content_type, csv) = svc
        .get_text(Role::Finance, "/audit?format=csv", "text/csv")
        .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .is_some_and(|h| h.starts_with("id,at,actor_kind,actor,actor_role")),
        "{csv}"
    );
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[0].contains("recovery_line.created") && rows[0].contains(",inspection,"),
        "{csv}"
    );
    assert!(
        rows[1].contains("agreement.created") && rows[1].contains(",tester,finance,"),
        "{csv}"
    );
}
