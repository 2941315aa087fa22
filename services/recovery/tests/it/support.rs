//! The recovery service started in-process per test (see
//! `aftersales_testkit::TestService`) and recovery's own seed data: agreements, and
//! inspection's adjudications published as inspection would.

use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::inspection::{CauseCode, ClaimAdjudicated, Decision};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

pub use aftersales_testkit::tokens::{finance, token};
pub use aftersales_testkit::{WAIT, eventually};

aftersales_testkit::test_service!(recovery::spec);

impl Svc {
    /// A service where SUP1's agreement (`agreement_body`) is in force since `days` ago.
    pub async fn with_agreement(days: i64) -> Svc {
        let svc = Svc::start().await;
        let from = (Utc::now().date_naive() - Duration::days(days)).to_string();
        svc.agreement(agreement_body("SUP1", &from, None)).await;
        svc
    }

    /// The id of a new draft claim holding `lines`.
    pub async fn draft(&self, lines: &[&str]) -> String {
        let claim = self
            .ok(
                "POST",
                "/recovery-claims",
                Some(json!({"line_ids": lines})),
                201,
            )
            .await;
        id_of(&claim)
    }

    /// `(status, body)` of a finance call that must succeed with `expected`.
    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>, expected: u16) -> Value {
        let (status, body) = self.call(method, path, Some(&finance()), body).await;
        assert_eq!(status, expected, "{method} {path}: {body}");
        body
    }

    /// Publishes an adjudication and waits until it is applied.
    pub async fn adjudicate(&self, claim: &ClaimAdjudicated) -> Envelope {
        let event = self.publish("inspection", claim).await;
        assert!(self.consumed(&event).await, "adjudication never consumed");
        event
    }

    /// The id of a new open line of SUP1, approved yesterday (`agreement_body` prices it).
    pub async fn open_line(&self, parts: &str, labor: &str) -> String {
        let claim = adjudicated("SUP1", parts, labor, Utc::now() - Duration::days(1));
        self.adjudicate(&claim).await;
        let line = self.line_of(claim.claim_id).await;
        assert_eq!(line["status"], "open", "{line}");
        id_of(&line)
    }

    pub async fn agreement(&self, body: Value) -> Value {
        self.ok("POST", "/agreements", Some(body), 201).await
    }

    /// The recovery line of inspection's claim `claim_id`.
    pub async fn line_of(&self, claim_id: Uuid) -> Value {
        let page = self.ok("GET", "/recovery-lines?limit=200", None, 200).await;
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["claim_id"] == claim_id.to_string())
            .cloned()
            .unwrap_or(Value::Null)
    }
}

pub fn agreement_body(supplier: &str, from: &str, to: Option<&str>) -> Value {
    json!({
        "supplier_code": supplier, "valid_from": from, "valid_to": to,
        "parts_recovery_pct": "80", "labor_recovery_pct": "50",
        "handling_fee": "15.00", "currency": "EUR", "claim_window_days": 90,
    })
}

/// An approved supplier-defect claim decided at `decided_at`.
pub fn adjudicated(
    supplier: &str,
    parts: &str,
    labor: &str,
    decided_at: DateTime<Utc>,
) -> ClaimAdjudicated {
    let id = Uuid::new_v4();
    ClaimAdjudicated {
        claim_id: id,
        claim_number: format!("WC-{}", &id.simple().to_string()[..6]),
        dealer_code: "D001".parse().unwrap(),
        decision: Decision::Approved,
        approved_parts_amount: parts.parse::<Decimal>().expect("parts"),
        approved_labor_amount: labor.parse::<Decimal>().expect("labor"),
        currency: "EUR".parse().unwrap(),
        causal_part_number: "BRK-100".parse().unwrap(),
        supplier_code: supplier.parse().unwrap(),
        cause_code: Some(CauseCode::SupplierDefect),
        reason_codes: Vec::new(),
        supplier_responsible: true,
        decided_at,
    }
}

/// The fields a validation problem names.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}
