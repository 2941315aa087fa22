//! A recovery claim's whole life, in named steps over one fixture: lines priced under
//! an agreement, a draft edited and submitted, the supplier's answers, credit memos and
//! a write-off that settle it, one memo paying several claims, and the reports that
//! add up. A failure names its step (`aftersales_testkit::step`).

use aftersales_testkit::step;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Svc, fields, finance, id_of};

/// A credit memo of SUP1 in EUR.
fn memo(reference: &str, amount: &str) -> Value {
    json!({"supplier_code": "SUP1", "reference": reference, "memo_date": "2024-05-01",
           "amount": amount, "currency": "EUR"})
}

/// What the steps hand on to each other.
struct Flow {
    svc: Svc,
    /// Lines of 115.00, 60.00 and 175.00.
    a: String,
    b: String,
    c: String,
    /// The claim that goes from draft to settled.
    id: String,
    /// A second draft, holding `b`.
    other: String,
}

impl Flow {
    /// An agreement of 80 % parts, 50 % labor, 15.00 per claim, and three open lines.
    async fn start() -> Flow {
        let svc = Svc::with_agreement(365).await;
        let a = svc.open_line("100", "40").await; // 115.00
        let b = svc.open_line("50", "10").await; // 60.00
        let c = svc.open_line("200", "0").await; // 175.00
        Flow {
            svc,
            a,
            b,
            c,
            id: String::new(),
            other: String::new(),
        }
    }

    /// Draft: batch, add, remove.
    async fn a_draft_is_batched_added_to_and_trimmed(&mut self) {
        let (svc, a, b, c) = (&self.svc, &self.a, &self.b, &self.c);
        let claim = svc
            .ok(
                "POST",
                "/recovery-claims",
                Some(json!({"line_ids": [a, b]})),
                201,
            )
            .await;
        let id = id_of(&claim);
        let number = claim["number"].as_str().unwrap();
        assert!(number.len() == 9 && number.starts_with("RC-"), "{number}");
        assert_eq!(
            (claim["status"].as_str(), claim["amount"].as_str()),
            (Some("draft"), Some("175.00"))
        );
        svc.ok(
            "POST",
            &format!("/recovery-claims/{id}/lines"),
            Some(json!({"line_ids": [c]})),
            200,
        )
        .await;
        let claim = svc
            .ok(
                "DELETE",
                &format!("/recovery-claims/{id}/lines/{b}"),
                None,
                200,
            )
            .await;
        assert_eq!(claim["amount"], "290.00");
        assert_eq!(claim["lines"].as_array().unwrap().len(), 2);
        assert_eq!(
            svc.ok("GET", &format!("/recovery-lines/{b}"), None, 200)
                .await["status"],
            "open"
        );
        self.id = id;
    }

    /// A line already in another draft cannot be added.
    async fn a_line_in_another_draft_is_refused(&mut self) {
        let (svc, id, b) = (&self.svc, &self.id, &self.b);
        let other = svc
            .ok(
                "POST",
                "/recovery-claims",
                Some(json!({"line_ids": [b]})),
                201,
            )
            .await;
        let (status, problem) = svc
            .call(
                "POST",
                &format!("/recovery-claims/{id}/lines"),
                Some(&finance()),
                Some(json!({"line_ids": [b]})),
            )
            .await;
        assert_eq!(
            (status, fields(&problem)),
            (422, vec!["line_ids[0]".to_owned()])
        );
        self.other = id_of(&other);
    }

    /// Submit → event; a submitted claim is not edited (409).
    async fn submission_publishes_and_freezes_the_claim(&self) {
        let (svc, id, a, b) = (&self.svc, &self.id, &self.a, &self.b);
        let claim = svc
            .ok("POST", &format!("/recovery-claims/{id}/submit"), None, 200)
            .await;
        assert_eq!(claim["status"], "submitted");
        assert_eq!(claim["figures"]["pending"], "290.00");
        let submitted = svc.outbox("recovery.recovery_claim_submitted").await;
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0]["payload"]["recovery_claim_id"], id.as_str());
        assert_eq!(submitted[0]["payload"]["amount"], "290.00");
        assert_eq!(submitted[0]["payload"]["currency"], "EUR");
        assert_eq!(submitted[0]["payload"]["supplier_code"], "SUP1");
        for (method, path, body) in [
            (
                "POST",
                format!("/recovery-claims/{id}/lines"),
                Some(json!({"line_ids": [b]})),
            ),
            ("DELETE", format!("/recovery-claims/{id}/lines/{a}"), None),
            ("POST", format!("/recovery-claims/{id}/submit"), None),
        ] {
            let (status, problem) = svc.call(method, &path, Some(&finance()), body).await;
            assert_eq!(status, 409, "{method} {path}: {problem}");
        }
    }

    /// Responses: a line not in the claim → 422; then per line.
    async fn the_supplier_answers_line_by_line(&self) {
        let (svc, id, a, b, c) = (&self.svc, &self.id, &self.a, &self.b, &self.c);
        let (status, problem) = svc
            .call(
                "POST",
                &format!("/recovery-claims/{id}/responses"),
                Some(&finance()),
                Some(json!({"responses": [{"line_id": b, "outcome": "accepted"}]})),
            )
            .await;
        assert_eq!(
            (status, fields(&problem)),
            (422, vec!["responses[0].line_id".to_owned()])
        );
        let (status, problem) = svc
            .call(
                "POST",
                &format!("/recovery-claims/{id}/responses"),
                Some(&finance()),
                Some(json!({"responses": [{"line_id": a, "outcome": "partially_accepted", "accepted_amount": "115.00"}]})),
            )
            .await;
        assert_eq!(
            (status, fields(&problem)),
            (422, vec!["responses[0].accepted_amount".to_owned()])
        );
        let claim = svc
            .ok(
                "POST",
                &format!("/recovery-claims/{id}/responses"),
                Some(json!({"responses": [{"line_id": a, "outcome": "partially_accepted", "accepted_amount": "100.00"}]})),
                200,
            )
            .await;
        assert_eq!(claim["status"], "submitted");
        let claim = svc
            .ok(
                "POST",
                &format!("/recovery-claims/{id}/responses"),
                Some(json!({"responses": [{"line_id": c, "outcome": "accepted"}]})),
                200,
            )
            .await;
        assert_eq!(claim["status"], "responded");
        let f = &claim["figures"];
        assert_eq!(
            [
                &f["claimed"],
                &f["accepted"],
                &f["rejected"],
                &f["pending"],
                &f["outstanding"]
            ],
            ["290.00", "275.00", "15.00", "0.00", "275.00"]
        );
    }

    /// Credit memos: never more than what is outstanding; references are unique, and
    /// a memo sent again is "recorded already" even when it no longer fits.
    async fn credit_memos_never_exceed_what_is_outstanding(&self) {
        let svc = &self.svc;
        let (status, problem) = svc
            .call(
                "POST",
                "/credit-memos",
                Some(&finance()),
                Some(memo("CM-1", "275.01")),
            )
            .await;
        assert_eq!((status, fields(&problem)), (422, vec!["amount".to_owned()]));
        let mut usd = memo("CM-1", "10");
        usd["currency"] = "USD".into();
        let (status, problem) = svc
            .call("POST", "/credit-memos", Some(&finance()), Some(usd))
            .await;
        assert_eq!(
            (status, fields(&problem)),
            (422, vec!["currency".to_owned()])
        );
        let key = [("Idempotency-Key", "memo-1")];
        let resp = svc
            .send(
                "POST",
                "/credit-memos",
                Some(&finance()),
                Some(memo("CM-1", "200")),
                &key,
            )
            .await;
        assert_eq!(resp.status(), 201);
        let first: Value = resp.json().await.unwrap();
        let allocations = first["allocations"].as_array().unwrap();
        assert_eq!(allocations.len(), 2, "{first}");
        assert_eq!(allocations[0]["amount"], "100.00");
        assert_eq!(allocations[1]["amount"], "100.00");
        let replay = svc
            .send(
                "POST",
                "/credit-memos",
                Some(&finance()),
                Some(memo("CM-1", "200")),
                &key,
            )
            .await;
        assert_eq!(replay.status(), 201);
        assert_eq!(replay.headers()["Idempotent-Replayed"], "true");
        let replay: Value = replay.json().await.unwrap();
        assert_eq!(replay["id"], first["id"]);
        let (status, _) = svc
            .call(
                "POST",
                "/credit-memos",
                Some(&finance()),
                Some(memo("CM-1", "1")),
            )
            .await;
        assert_eq!(status, 409);
        // The same memo again, without a key: 200.00 is more than the 75.00 still
        // outstanding, but what the supplier sent twice is a duplicate first.
        let (status, problem) = svc
            .call(
                "POST",
                "/credit-memos",
                Some(&finance()),
                Some(memo("CM-1", "200")),
            )
            .await;
        assert_eq!(status, 409, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("recorded already")),
            "{problem}"
        );
        // The same memo under a new key is no replay of the first: a duplicate, 409.
        let resp = svc
            .send(
                "POST",
                "/credit-memos",
                Some(&finance()),
                Some(memo("CM-1", "200")),
                &[("Idempotency-Key", "memo-2")],
            )
            .await;
        assert_eq!(resp.status(), 409);
        assert!(resp.headers().get("Idempotent-Replayed").is_none());
        let problem: Value = resp.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("recorded already")),
            "{problem}"
        );
        let memos = svc
            .ok("GET", "/credit-memos?supplier=SUP1", None, 200)
            .await;
        assert_eq!(memos["items"].as_array().map(Vec::len), Some(1), "{memos}");
    }

    /// Write-offs: not beyond what is outstanding; the rest settles the claim.
    async fn a_write_off_of_the_rest_settles_the_claim(&self) {
        let (svc, id) = (&self.svc, &self.id);
        let (status, problem) = svc
            .call(
                "POST",
                "/write-offs",
                Some(&finance()),
                Some(json!({"recovery_claim_id": id, "amount": "75.01", "reason": "x"})),
            )
            .await;
        assert_eq!((status, fields(&problem)), (422, vec!["amount".to_owned()]));
        let w = svc
            .ok(
                "POST",
                "/write-offs",
                Some(json!({"recovery_claim_id": id, "reason": "supplier disputes labor"})),
                201,
            )
            .await;
        assert_eq!(w["amount"], "75.00");
        let claim = svc
            .ok("GET", &format!("/recovery-claims/{id}"), None, 200)
            .await;
        assert_eq!(claim["status"], "settled");
        let settled = svc.outbox("recovery.recovery_claim_settled").await;
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0]["payload"]["recovery_claim_id"], id.as_str());
        assert_eq!(settled[0]["payload"]["credited"], "200.00");
        assert_eq!(settled[0]["payload"]["written_off"], "75.00");
        let (status, _) = svc
            .call(
                "POST",
                "/write-offs",
                Some(&finance()),
                Some(json!({"recovery_claim_id": id, "amount": "1", "reason": "x"})),
            )
            .await;
        assert_eq!(status, 409);
    }

    /// One memo pays several claims: all of the second and part of a third.
    async fn one_memo_pays_several_claims(&self) {
        let (svc, b, other_id) = (&self.svc, &self.b, &self.other);
        let d = svc.open_line("10", "10").await; // 28.00
        let third_id = svc.draft(&[&d]).await;
        for (claim, line) in [(other_id, b), (&third_id, &d)] {
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
        }
        let mut two = memo("CM-2", "70");
        two["recovery_claim_ids"] = json!([other_id, third_id]);
        svc.ok("POST", "/credit-memos", Some(two), 201).await;
        assert_eq!(
            svc.ok("GET", &format!("/recovery-claims/{other_id}"), None, 200)
                .await["status"],
            "settled"
        );
        let third = svc
            .ok("GET", &format!("/recovery-claims/{third_id}"), None, 200)
            .await;
        assert_eq!(
            (
                third["status"].as_str(),
                third["figures"]["outstanding"].as_str()
            ),
            (Some("responded"), Some("18.00"))
        );
        assert_eq!(svc.outbox("recovery.recovery_claim_settled").await.len(), 2);
    }

    /// Reconciliation: claimed = accepted + rejected + pending; accepted = credited +
    /// written off + outstanding; rate = credited / claimed.
    async fn the_reconciliation_adds_up_in_json_and_csv(&self) {
        let svc = &self.svc;
        let report = svc.ok("GET", "/reports/reconciliation", None, 200).await;
        let row = &report["suppliers"][0];
        assert_eq!(row["supplier_code"], "SUP1");
        let expected = [
            ("claimed", "378.00"),
            ("accepted", "363.00"),
            ("rejected", "15.00"),
            ("pending", "0.00"),
            ("credited", "270.00"),
            ("written_off", "75.00"),
            ("outstanding", "18.00"),
            ("recovery_rate", "0.7143"),
        ];
        for (k, v) in expected {
            assert_eq!(row[k], v, "{k}: {report}");
            assert_eq!(report["overall"][0][k], v, "overall {k}");
        }
        assert_eq!(row["balanced"], true);
        let today = Utc::now().date_naive();
        let csv = svc
            .send(
                "GET",
                &format!("/reports/reconciliation?from={today}&to={today}"),
                Some(&finance()),
                None,
                &[("Accept", "text/csv")],
            )
            .await;
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "supplier_code,currency,claimed,accepted,rejected,pending,credited,written_off,outstanding,recovery_rate"
        );
        assert_eq!(
            lines[1],
            "SUP1,EUR,378.00,363.00,15.00,0.00,270.00,75.00,18.00,0.7143"
        );
        assert_eq!(
            lines[2],
            "ALL,EUR,378.00,363.00,15.00,0.00,270.00,75.00,18.00,0.7143"
        );
        // A period before anything was submitted is empty.
        let empty = svc
            .ok(
                "GET",
                "/reports/reconciliation?from=2020-01-01&to=2020-12-31",
                None,
                200,
            )
            .await;
        assert_eq!(empty["suppliers"], json!([]));
        let (status, _) = svc
            .call(
                "GET",
                "/reports/reconciliation?from=2024-02-01&to=2024-01-01",
                Some(&finance()),
                None,
            )
            .await;
        assert_eq!(status, 422);
    }

    /// Aging of the 18.00 still outstanding.
    async fn aging_of_what_is_outstanding(&self) {
        let svc = &self.svc;
        let aging = svc.ok("GET", "/reports/aging", None, 200).await;
        assert_eq!(aging["suppliers"][0]["days_0_30"], "18.00");
        assert_eq!(aging["suppliers"][0]["outstanding"], "18.00");
        let later = Utc::now().date_naive() + Duration::days(45);
        let aging = svc
            .ok("GET", &format!("/reports/aging?as_of={later}"), None, 200)
            .await;
        assert_eq!(aging["suppliers"][0]["days_0_30"], "0.00");
        assert_eq!(aging["suppliers"][0]["days_31_60"], "18.00");
        let text = svc
            .send(
                "GET",
                &format!("/reports/aging?format=csv&as_of={later}"),
                Some(&finance()),
                None,
                &[],
            )
            .await
            .text()
            .await
            .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "supplier_code,currency,days_0_30,days_31_60,days_61_90,over_90,outstanding"
        );
        assert_eq!(lines[1], "SUP1,EUR,0.00,18.00,0.00,0.00,18.00");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn adjudicated_to_settled_with_events_and_a_reconciliation_that_adds_up() {
    let mut f = step("an agreement and three priced lines", Flow::start()).await;
    step(
        "a draft is batched, added to and trimmed",
        f.a_draft_is_batched_added_to_and_trimmed(),
    )
    .await;
    step(
        "a line in another draft is refused",
        f.a_line_in_another_draft_is_refused(),
    )
    .await;
    step(
        "submission publishes and freezes the claim",
        f.submission_publishes_and_freezes_the_claim(),
    )
    .await;
    step(
        "the supplier answers line by line",
        f.the_supplier_answers_line_by_line(),
    )
    .await;
    step(
        "credit memos never exceed what is outstanding",
        f.credit_memos_never_exceed_what_is_outstanding(),
    )
    .await;
    step(
        "a write-off of the rest settles the claim",
        f.a_write_off_of_the_rest_settles_the_claim(),
    )
    .await;
    step(
        "one memo pays several claims",
        f.one_memo_pays_several_claims(),
    )
    .await;
    step(
        "the reconciliation adds up, in JSON and CSV",
        f.the_reconciliation_adds_up_in_json_and_csv(),
    )
    .await;
    step(
        "aging of what is outstanding",
        f.aging_of_what_is_outstanding(),
    )
    .await;
}
