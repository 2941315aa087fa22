//! A warranty claim from the dealer to the supplier's credit, across all four
//! services as real processes: catalog and orders feed inspection's read models,
//! the returned part is quarantined in catalog and released on disposition, and a
//! supplier-defect decision becomes a recovery line that a credit memo settles.

use std::time::Duration;

use aftersales_e2e::{ServiceProcess, eventually, start_processes};
use aftersales_testkit::tokens::TestIssuer;
use aftersales_testkit::{TestDb, TestVhost, step};
use aftersales_web::Role;
use chrono::{Days, Utc};
use serde_json::{Value, json};

struct Stack {
    dbs: Vec<TestDb>,
    _vhost: TestVhost,
    catalog: ServiceProcess,
    orders: ServiceProcess,
    inspection: ServiceProcess,
    recovery: ServiceProcess,
    http: reqwest::Client,
    keys: &'static TestIssuer,
}

impl Stack {
    async fn start() -> Stack {
        let vhost = TestVhost::new().await;
        let (dbs, services) =
            start_processes(&vhost, &["catalog", "orders", "inspection", "recovery"]).await;
        let Ok([catalog, orders, inspection, recovery]) = <[ServiceProcess; 4]>::try_from(services)
        else {
            unreachable!("four names, four processes")
        };
        Stack {
            dbs,
            _vhost: vhost,
            catalog,
            orders,
            inspection,
            recovery,
            http: aftersales_web::http_client::client(),
            keys: aftersales_e2e::keys(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: String,
        role: Role,
        dealer: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let token = self.keys.sign(&aftersales_web::Claims::new(
            "e2e",
            role,
            dealer,
            chrono::Duration::hours(1),
        ));
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, url: String, role: Role, dealer: Option<&str>, body: Value) -> Value {
        let (status, answer) = self
            .send(reqwest::Method::POST, url.clone(), role, dealer, Some(body))
            .await;
        assert!(
            (200..300).contains(&status),
            "POST {url}: {status} {answer}"
        );
        answer
    }

    /// POSTs `body` until it is answered 201: the service may not have heard yet of
    /// what another service announced. Fails with `never` after 30 s.
    async fn post_until_created(
        &self,
        url: String,
        role: Role,
        dealer: Option<&str>,
        body: &Value,
        never: &str,
    ) -> Value {
        first_some(Duration::from_secs(30), || async {
            let (status, answer) = self
                .send(
                    reqwest::Method::POST,
                    url.clone(),
                    role,
                    dealer,
                    Some(body.clone()),
                )
                .await;
            (status == 201).then_some(answer)
        })
        .await
        .expect(never)
    }

    async fn get(&self, url: String, role: Role, dealer: Option<&str>) -> Value {
        let (status, answer) = self
            .send(reqwest::Method::GET, url.clone(), role, dealer, None)
            .await;
        assert_eq!(status, 200, "GET {url}: {answer}");
        answer
    }

    async fn quarantined(&self) -> i64 {
        let (status, stock) = self
            .send(
                reqwest::Method::GET,
                self.catalog.url("/api/v1/stock/WH1/P-200"),
                Role::Warehouse,
                None,
                None,
            )
            .await;
        if status != 200 {
            return -1;
        }
        stock["quarantined"].as_i64().unwrap_or(-1)
    }
}

/// The first `Some` that `attempt` gives within `timeout`.
async fn first_some<T, F, Fut>(timeout: Duration, mut attempt: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = attempt().await {
            return Some(value);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the steps hand on to each other.
struct Flow {
    s: Stack,
    today: chrono::NaiveDate,
    claim_id: String,
    line_id: String,
    rc_id: String,
}

impl Flow {
    async fn start() -> Flow {
        Flow {
            s: Stack::start().await,
            today: Utc::now().date_naive(),
            claim_id: String::new(),
            line_id: String::new(),
            rc_id: String::new(),
        }
    }

    fn days_ago(&self, n: u64) -> chrono::NaiveDate {
        self.today.checked_sub_days(Days::new(n)).expect("date")
    }

    fn claim_url(&self, tail: &str) -> String {
        self.s
            .inspection
            .url(&format!("/api/v1/claims/{}{tail}", self.claim_id))
    }

    fn rc_url(&self, tail: &str) -> String {
        self.s
            .recovery
            .url(&format!("/api/v1/recovery-claims/{}{tail}", self.rc_id))
    }

    /// Master data, each in the service that owns it.
    async fn master_data(&self) {
        let s = &self.s;
        s.post(
            s.catalog.url("/api/v1/suppliers"),
            Role::Admin,
            None,
            json!({"code": "SUP1", "name": "Pumps Ltd"}),
        )
        .await;
        s.post(
            s.catalog.url("/api/v1/warehouses"),
            Role::Admin,
            None,
            json!({"code": "WH1", "name": "Central", "kind": "central"}),
        )
        .await;
        s.post(
            s.catalog.url("/api/v1/parts"),
            Role::Admin,
            None,
            json!({"part_number": "P-200", "description": "Water pump", "category": "cooling",
                   "supplier_code": "SUP1", "warranty_months": 24, "returnable": true,
                   "list_price": "200.00"}),
        )
        .await;
        s.post(
            s.orders.url("/api/v1/dealers"),
            Role::Admin,
            None,
            json!({"code": "D001", "name": "Northside Motors", "tier": "standard",
                   "labor_rate": "80.00", "currency": "EUR", "home_warehouse": "WH1"}),
        )
        .await;
        s.post(
            s.inspection.url("/api/v1/policies"),
            Role::Admin,
            None,
            json!({"category": "cooling", "terms": {"warranty_months": 24, "usage_limit": 100000,
                   "core_replace_only_months": 0, "submission_window_days": 30,
                   "return_required": true, "return_deadline_days": 30}}),
        )
        .await;
        s.post(
            s.inspection.url("/api/v1/labor-operations"),
            Role::Admin,
            None,
            json!({"code": "OP-PUMP", "description": "Replace water pump", "standard_hours": "1.5"}),
        )
        .await;
        s.post(
            s.recovery.url("/api/v1/agreements"),
            Role::Finance,
            None,
            json!({"supplier_code": "SUP1", "valid_from": "2020-01-01", "parts_recovery_pct": "80",
                   "labor_recovery_pct": "50", "handling_fee": "25.00", "currency": "EUR",
                   "claim_window_days": 365}),
        )
        .await;
        s.post(
            s.inspection.url("/api/v1/units"),
            Role::Dealer,
            Some("D001"),
            json!({"serial": "VIN-0001", "model": "Hauler 7", "in_service_date": self.days_ago(200),
                   "usage_at_sale": 10, "usage_unit": "km"}),
        )
        .await;
    }

    /// The claim: accepted once inspection has heard of the part and the dealer.
    async fn dealer_files_the_claim(&mut self) {
        let s = &self.s;
        let claim_body = json!({
            "unit_serial": "VIN-0001", "failure_date": self.days_ago(5),
            "repair_date": self.days_ago(2), "usage_at_failure": 15000,
            "complaint": "Coolant leak", "cause": "Pump seal failed",
            "correction": "Replaced pump", "causal_part_number": "P-200",
            "parts": [{"part_number": "P-200", "qty": 1}],
            "labor": [{"operation_code": "OP-PUMP", "hours": "1.5"}]
        });
        let claim = s
            .post_until_created(
                s.inspection.url("/api/v1/claims"),
                Role::Dealer,
                Some("D001"),
                &claim_body,
                "inspection never accepted the claim (read models not fed?)",
            )
            .await;
        assert_eq!(claim["status"], "awaiting_part", "{claim}");
        assert_eq!(claim["amounts"]["parts"], "200.00", "{claim}");
        assert_eq!(
            claim["amounts"]["labor"], "120.00",
            "1.5 h × 80.00: {claim}"
        );
        self.claim_id = claim["id"].as_str().expect("claim id").to_owned();
    }

    /// Out of coverage (usage above the policy's 100 000 km), the dealer asks first; a
    /// quality lead grants half as goodwill; the claim under it waives the usage check
    /// and is covered for half of 200.00 and of 120.00.
    async fn dealer_files_a_goodwill_claim(&mut self) {
        let s = &self.s;
        let asked = json!({"unit_serial": "VIN-0001", "causal_part_number": "P-200",
                           "description": "Pump failed at 150 000 km; loyal fleet customer",
                           "estimate_parts": "200.00", "estimate_labor": "120.00"});
        let pa = s
            .post_until_created(
                s.inspection.url("/api/v1/preauthorizations"),
                Role::Dealer,
                Some("D001"),
                &asked,
                "inspection never accepted the request (read models not fed?)",
            )
            .await;
        let pa_id = pa["id"].as_str().expect("pre-authorization id").to_owned();
        let approved = s
            .post(
                s.inspection
                    .url(&format!("/api/v1/preauthorizations/{pa_id}/approve")),
                Role::QualityLead,
                None,
                json!({"goodwill_pct": "50"}),
            )
            .await;
        assert_eq!(approved["status"], "approved", "{approved}");
        let claim = s
            .post(
                s.inspection.url("/api/v1/claims"),
                Role::Dealer,
                Some("D001"),
                json!({
                    "unit_serial": "VIN-0001", "failure_date": self.days_ago(5),
                    "repair_date": self.days_ago(2), "usage_at_failure": 150000,
                    "complaint": "Coolant leak", "cause": "Pump seal failed",
                    "correction": "Replaced pump", "causal_part_number": "P-200",
                    "parts": [{"part_number": "P-200", "qty": 1}],
                    "labor": [{"operation_code": "OP-PUMP", "hours": "1.5"}],
                    "preauthorization_id": pa_id,
                }),
            )
            .await;
        assert_eq!(claim["status"], "awaiting_part", "{claim}");
        assert_eq!(
            claim["waived_reasons"],
            json!(["usage_exceeded"]),
            "{claim}"
        );
        assert_eq!(claim["amounts"]["parts"], "100.00", "{claim}");
        assert_eq!(claim["amounts"]["labor"], "60.00", "{claim}");
        self.claim_id = claim["id"].as_str().expect("claim id").to_owned();
    }

    /// A recall of the unit's model: the claim under it is covered although the unit
    /// is far above the policy's usage limit, for its full price.
    async fn dealer_files_a_campaign_claim(&mut self) {
        let s = &self.s;
        let until = self.today.checked_add_days(Days::new(30)).expect("date");
        s.post(
            s.inspection.url("/api/v1/campaigns"),
            Role::Admin,
            None,
            json!({"code": "RC-PUMP-1", "title": "Water pump seal recall",
                   "models": ["Hauler 7"], "parts": [{"part_number": "P-200", "qty": 1}],
                   "labor": [{"operation_code": "OP-PUMP", "hours": "1.5"}],
                   "valid_from": self.days_ago(30), "valid_to": until}),
        )
        .await;
        let body = json!({
            "unit_serial": "VIN-0001", "failure_date": self.days_ago(5),
            "repair_date": self.days_ago(2), "usage_at_failure": 150000,
            "complaint": "Recall", "cause": "Pump seal batch", "correction": "Replaced pump",
            "causal_part_number": "P-200", "parts": [{"part_number": "P-200", "qty": 1}],
            "labor": [{"operation_code": "OP-PUMP", "hours": "1.5"}],
            "campaign_code": "RC-PUMP-1",
        });
        let claim = s
            .post_until_created(
                s.inspection.url("/api/v1/claims"),
                Role::Dealer,
                Some("D001"),
                &body,
                "inspection never accepted the campaign claim (read models not fed?)",
            )
            .await;
        assert_eq!(claim["status"], "awaiting_part", "{claim}");
        assert_eq!(claim["campaign_code"], "RC-PUMP-1", "{claim}");
        assert_eq!(
            claim["waived_reasons"],
            json!(["usage_exceeded"]),
            "{claim}"
        );
        self.claim_id = claim["id"].as_str().expect("claim id").to_owned();
        let done = s
            .get(
                s.inspection.url("/api/v1/campaigns/RC-PUMP-1/completion"),
                Role::Quality,
                None,
            )
            .await;
        assert_eq!(done["overall"]["completion_rate"], "1.0000", "{done}");
    }

    /// Two pumps received, ordered by D001 and shipped at once; inspection learns the
    /// order from orders and the shipment from catalog, and scores the dealer's month.
    async fn the_dealers_scorecard_counts_the_order_and_the_recall(&self) {
        let s = &self.s;
        s.post(
            s.catalog.url("/api/v1/receipts"),
            Role::Warehouse,
            None,
            json!({"warehouse": "WH1", "part_number": "P-200", "qty": 2}),
        )
        .await;
        let order = json!({"priority": "stock", "lines": [{"part_number": "P-200", "qty": 2}]});
        let placed = s
            .post_until_created(
                s.orders.url("/api/v1/orders"),
                Role::Dealer,
                Some("D001"),
                &order,
                "orders never accepted the order (price book not fed?)",
            )
            .await;
        let ship = json!({"order_id": placed["id"], "carrier": "DHL", "tracking_ref": "TRK-9"});
        s.post_until_created(
            s.catalog.url("/api/v1/shipments"),
            Role::Warehouse,
            None,
            &ship,
            "catalog never shipped the order (not reserved?)",
        )
        .await;

        let this = Utc::now().format("%Y-%m").to_string();
        let url = s
            .inspection
            .url(&format!("/api/v1/reports/dealer-scorecards?from={this}"));
        let card = first_some(Duration::from_secs(30), || async {
            let cards = s.get(url.clone(), Role::Dealer, Some("D001")).await;
            let card = cards.get(0).cloned()?;
            (card["units_shipped_within_24h"] == 2).then_some(card)
        })
        .await
        .expect("inspection never scored the shipped order");
        assert_eq!(card["dealer_code"], "D001", "{card}");
        assert_eq!(card["units_ordered"], 2, "{card}");
        // One order line, one request, filled within 24 h: by request and by quantity.
        assert_eq!(
            (&card["order_lines"], &card["order_lines_filled_within_24h"]),
            (&json!(1), &json!(1)),
            "{card}"
        );
        assert_eq!(card["fill_rate_24h"], "1.0000", "{card}");
        assert_eq!(card["fill_rate_24h_by_quantity"], "1.0000", "{card}");
        assert_eq!(
            (&card["claims_decided"], &card["rejection_rate"]),
            (&json!(1), &json!("0.0000")),
            "{card}"
        );
        assert!(card["avg_cycle_hours"].is_string(), "{card}");
        assert_eq!(card["campaign_completion"], "1.0000", "{card}");
    }

    /// The failed part comes back: catalog quarantines it.
    async fn the_part_comes_back_into_quarantine(&self) {
        let s = &self.s;
        s.post(
            self.claim_url("/part-receipt"),
            Role::Quality,
            None,
            json!({"warehouse": "WH1", "quantity": 1}),
        )
        .await;
        assert!(
            eventually(Duration::from_secs(20), || async {
                s.quarantined().await == 1
            })
            .await,
            "catalog did not quarantine the returned part"
        );
    }

    async fn quality_finds_a_supplier_defect_and_approves(&self) {
        let s = &self.s;
        s.post(
            self.claim_url("/findings"),
            Role::Quality,
            None,
            json!({"failure_mode": "seal leak", "cause_code": "supplier_defect"}),
        )
        .await;
        let decided = s
            .post(
                self.claim_url("/decision"),
                Role::Quality,
                None,
                json!({"decision": "approved"}),
            )
            .await;
        assert_eq!(decided["status"], "approved", "{decided}");
    }

    /// Scrapping the part takes it out of catalog's quarantine and closes the claim.
    async fn the_part_is_scrapped(&self) {
        let s = &self.s;
        s.post(
            self.claim_url("/disposition"),
            Role::Quality,
            None,
            json!({"disposition": "scrap"}),
        )
        .await;
        assert!(
            eventually(Duration::from_secs(20), || async {
                s.quarantined().await == 0
            })
            .await,
            "catalog did not take the disposed part out of quarantine"
        );
        assert_eq!(
            s.get(self.claim_url(""), Role::Quality, None).await["status"],
            "closed"
        );
    }

    /// Recovery charges back what was paid: for the full claim 200.00 × 80 % +
    /// 120.00 × 50 % + 25.00 handling = 245.00.
    async fn recovery_prices_the_line(&mut self, amount: &str) {
        let s = &self.s;
        let lines_url = s.recovery.url("/api/v1/recovery-lines?status=open");
        let lines = first_some(Duration::from_secs(20), || async {
            let lines = s.get(lines_url.clone(), Role::Finance, None).await;
            let one = lines["items"]
                .as_array()
                .is_some_and(|items| items.len() == 1);
            one.then_some(lines)
        })
        .await
        .expect("no recovery line from the supplier-defect decision");
        let line = &lines["items"][0];
        assert_eq!(line["amount"], amount, "{line}");
        self.line_id = line["id"].as_str().expect("line id").to_owned();
    }

    async fn finance_claims_and_the_supplier_accepts(&mut self) {
        let s = &self.s;
        let rc = s
            .post(
                s.recovery.url("/api/v1/recovery-claims"),
                Role::Finance,
                None,
                json!({"line_ids": [self.line_id]}),
            )
            .await;
        self.rc_id = rc["id"].as_str().expect("recovery claim id").to_owned();
        s.post(self.rc_url("/submit"), Role::Finance, None, json!({}))
            .await;
        s.post(
            self.rc_url("/responses"),
            Role::Finance,
            None,
            json!({"responses": [{"line_id": self.line_id, "outcome": "accepted"}]}),
        )
        .await;
    }

    async fn a_credit_memo_settles_the_recovery_claim(&self) {
        let s = &self.s;
        s.post(
            s.recovery.url("/api/v1/credit-memos"),
            Role::Finance,
            None,
            json!({"supplier_code": "SUP1", "reference": "CM-1", "memo_date": self.today,
                   "amount": "245.00", "currency": "EUR"}),
        )
        .await;
        assert_eq!(
            s.get(self.rc_url(""), Role::Finance, None).await["status"],
            "settled"
        );
    }

    async fn reconciliation_balances(&self) {
        let s = &self.s;
        let report = s
            .get(
                s.recovery.url("/api/v1/reports/reconciliation"),
                Role::Finance,
                None,
            )
            .await;
        let row = report["suppliers"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["supplier_code"] == "SUP1"))
            .unwrap_or_else(|| panic!("no SUP1 row: {report}"));
        for (field, want) in [
            ("claimed", "245.00"),
            ("accepted", "245.00"),
            ("credited", "245.00"),
            ("outstanding", "0.00"),
        ] {
            assert_eq!(row[field], want, "{field}: {row}");
        }
        assert_eq!(row["balanced"], true, "{row}");
    }
}

impl Flow {
    /// The claim's story in each service's audit trail, the dealer's view of it, one
    /// correlation id from quality's decision to recovery's line, and every chain intact.
    async fn the_audit_trails_tell_who_did_what(&self) {
        let s = &self.s;
        let trail = |service: &ServiceProcess, query: String, role, dealer| {
            let url = service.url(&format!("/api/v1/audit?{query}"));
            async move { s.get(url, role, dealer).await["items"].clone() }
        };
        let claim = format!("entity_type=claim&entity_id={}", self.claim_id);
        let records = trail(&s.inspection, claim.clone(), Role::Admin, None).await;
        let by_action = |action: &str| -> Value {
            records
                .as_array()
                .and_then(|r| r.iter().find(|r| r["action"] == action))
                .cloned()
                .unwrap_or_else(|| panic!("no {action} in {records}"))
        };
        let submitted = by_action("claim.submitted");
        assert_eq!(
            (&submitted["actor_role"], &submitted["actor_dealer"]),
            (&json!("dealer"), &json!("D001")),
            "{submitted}"
        );
        for action in ["claim.part_received", "claim.inspected", "claim.approved"] {
            assert_eq!(by_action(action)["actor_role"], "quality", "{action}");
        }
        let approved = by_action("claim.approved");
        assert_eq!(
            approved["changes"]["status"],
            json!({"before": "under_inspection", "after": "approved"}),
            "{approved}"
        );
        // The dealer reads its own claim's history, another dealer none of it.
        let own = trail(&s.inspection, claim.clone(), Role::Dealer, Some("D001")).await;
        assert_eq!(own, records);
        let other = trail(&s.inspection, claim, Role::Dealer, Some("D002")).await;
        assert_eq!(other, json!([]));

        // Recovery's line was created by the decision's event, in the decision's flow.
        let line = format!("entity_type=recovery_line&entity_id={}", self.line_id);
        let lines = trail(&s.recovery, line, Role::Finance, None).await;
        let created = lines
            .as_array()
            .and_then(|r| r.iter().find(|r| r["action"] == "recovery_line.created"))
            .unwrap_or_else(|| panic!("no recovery_line.created in {lines}"));
        assert_eq!(
            (&created["actor_kind"], &created["actor"]),
            (&json!("event"), &json!("inspection"))
        );
        assert_eq!(created["correlation_id"], approved["correlation_id"]);

        // Each chain intact, and every record sealed within seconds.
        for db in &s.dbs {
            let sealed = eventually(Duration::from_secs(20), || async {
                let verified = aftersales_web::audit::chain::verify(&mut db.conn().await)
                    .await
                    .expect("read the chain")
                    .unwrap_or_else(|broken| panic!("{}: {broken}", db.schema));
                verified.unsealed == 0 && verified.links > 0
            })
            .await;
            assert!(sealed, "{}: records left unsealed", db.schema);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplier_defect_claim_ends_in_a_credit_that_settles_the_recovery_claim() {
    let mut f = Flow::start().await;
    step("master data in each service", f.master_data()).await;
    step("the dealer files the claim", f.dealer_files_the_claim()).await;
    step(
        "the part comes back into quarantine",
        f.the_part_comes_back_into_quarantine(),
    )
    .await;
    step(
        "quality finds a supplier defect and approves",
        f.quality_finds_a_supplier_defect_and_approves(),
    )
    .await;
    step("the part is scrapped", f.the_part_is_scrapped()).await;
    step(
        "recovery prices the line",
        f.recovery_prices_the_line("245.00"),
    )
    .await;
    step(
        "finance claims and the supplier accepts",
        f.finance_claims_and_the_supplier_accepts(),
    )
    .await;
    step(
        "a credit memo settles the recovery claim",
        f.a_credit_memo_settles_the_recovery_claim(),
    )
    .await;
    step("reconciliation balances", f.reconciliation_balances()).await;
    step(
        "the audit trails tell who did what",
        f.the_audit_trails_tell_who_did_what(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_goodwill_claim_outside_coverage_is_charged_back_on_what_was_paid() {
    let mut f = Flow::start().await;
    step("master data in each service", f.master_data()).await;
    step(
        "a pre-authorized goodwill claim",
        f.dealer_files_a_goodwill_claim(),
    )
    .await;
    step(
        "the part comes back into quarantine",
        f.the_part_comes_back_into_quarantine(),
    )
    .await;
    step(
        "quality finds a supplier defect and approves",
        f.quality_finds_a_supplier_defect_and_approves(),
    )
    .await;
    // 100.00 × 80 % + 60.00 × 50 % + 25.00 handling.
    step(
        "recovery prices the line",
        f.recovery_prices_the_line("135.00"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_campaign_claim_is_charged_back_to_the_supplier() {
    let mut f = Flow::start().await;
    step("master data in each service", f.master_data()).await;
    step("a campaign claim", f.dealer_files_a_campaign_claim()).await;
    step(
        "the part comes back into quarantine",
        f.the_part_comes_back_into_quarantine(),
    )
    .await;
    step(
        "quality finds a supplier defect and approves",
        f.quality_finds_a_supplier_defect_and_approves(),
    )
    .await;
    step(
        "recovery prices the line",
        f.recovery_prices_the_line("245.00"),
    )
    .await;
    step(
        "the dealer's scorecard counts the order and the recall",
        f.the_dealers_scorecard_counts_the_order_and_the_recall(),
    )
    .await;
}
