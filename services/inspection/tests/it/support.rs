//! The inspection service started in-process per test (see
//! `aftersales_testkit::TestService`) and inspection's own seed data: dealers and
//! parts published as orders and catalog would, policies, labor operations, units
//! and claims.

use aftersales_messaging::contracts::catalog::PartUpserted;
use aftersales_messaging::contracts::orders::DealerUpserted;
use chrono::{Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub use aftersales_testkit::WAIT;
pub use aftersales_testkit::tokens::{admin, dealer, quality, quality_lead as lead, token};

aftersales_testkit::test_service!(inspection::spec);

pub fn days_ago(n: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(n))
        .expect("date")
}

impl Svc {
    pub async fn add_dealer(&self, code: &str, rate: &str, currency: &str) {
        let event = self
            .publish("orders", &dealer_event(code, rate, currency))
            .await;
        assert!(self.consumed(&event).await, "dealer {code} never arrived");
    }

    pub async fn add_part(&self, part: PartUpserted) {
        let n = part.part_number.clone();
        let event = self.publish("catalog", &part).await;
        assert!(self.consumed(&event).await, "part {n} never arrived");
    }

    pub async fn create(&self, token: &str, path: &str, body: Value) -> Value {
        let (status, body) = self.call("POST", path, Some(token), Some(body)).await;
        assert_eq!(status, 201, "{path}: {body}");
        body
    }

    /// Dealer D001 (EUR, 80/h), D002, parts BRK-1 (returnable, 60.00) and ENG-1 (core,
    /// not returnable, 1500.00), policies for both categories, labor operations, and
    /// units VIN-1 (D001) and VIN-2 (D002) in service 100 days ago at 1000 km.
    pub async fn standard() -> Svc {
        let svc = Svc::start().await;
        svc.add_dealer("D001", "80.00", "EUR").await;
        svc.add_dealer("D002", "90.00", "EUR").await;
        svc.add_part(part("BRK-1", "brakes", "60.00", false, true))
            .await;
        svc.add_part(part("ENG-1", "engine", "1500.00", true, false))
            .await;
        svc.create(
            &admin(),
            "/policies",
            json!({"category": "brakes", "terms": policy_terms(24, Some(100_000), 0, 30, true, 14)}),
        )
        .await;
        svc.create(
            &admin(),
            "/policies",
            json!({"category": "engine", "terms": policy_terms(36, None, 12, 30, false, 0)}),
        )
        .await;
        svc.create(
            &admin(),
            "/labor-operations",
            json!({"code": "BRK-R01", "description": "replace pads", "standard_hours": "1.50"}),
        )
        .await;
        svc.create(
            &admin(),
            "/labor-operations",
            json!({"code": "ENG-R01", "description": "replace engine", "standard_hours": "10.00"}),
        )
        .await;
        svc.register("D001", "VIN-1").await;
        svc.register("D002", "VIN-2").await;
        svc
    }

    pub async fn register(&self, dealer_code: &str, serial: &str) -> Value {
        self.create(
            &dealer(dealer_code),
            "/units",
            json!({"serial": serial, "model": "X1", "in_service_date": days_ago(100),
                   "usage_at_sale": 1000, "usage_unit": "km"}),
        )
        .await
    }

    pub async fn claim(&self, dealer_code: &str, body: Value) -> Value {
        self.create(&dealer(dealer_code), "/claims", body).await
    }

    pub async fn get_claim(&self, id: &str) -> Value {
        let (status, body) = self
            .call("GET", &format!("/claims/{id}"), Some(&admin()), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

pub fn policy_terms(
    months: i32,
    usage_limit: Option<i64>,
    core_months: i32,
    window: i32,
    return_required: bool,
    deadline_days: i32,
) -> Value {
    json!({
        "warranty_months": months, "usage_limit": usage_limit,
        "core_replace_only_months": core_months, "submission_window_days": window,
        "return_required": return_required, "return_deadline_days": deadline_days,
    })
}

pub fn dealer_event(code: &str, rate: &str, currency: &str) -> DealerUpserted {
    DealerUpserted {
        dealer_code: code.parse().unwrap(),
        name: format!("Dealer {code}"),
        tier: "gold".into(),
        labor_rate: rate.parse::<Decimal>().expect("rate"),
        currency: currency.parse().unwrap(),
        home_warehouse: "WH-HOME".parse().unwrap(),
        active: true,
    }
}

pub fn part(
    number: &str,
    category: &str,
    price: &str,
    core: bool,
    returnable: bool,
) -> PartUpserted {
    PartUpserted {
        part_number: number.parse().unwrap(),
        description: format!("part {number}"),
        category: category.into(),
        list_price: price.parse::<Decimal>().expect("price"),
        currency: "EUR".parse().unwrap(),
        supplier_code: "SUP1".parse().unwrap(),
        warranty_months: 24,
        core,
        returnable,
        superseded_by: None,
        active: true,
    }
}

/// A brake claim on VIN-1 that passes every check: 2 × 60.00 + 1.0 h × 80.00.
pub fn brake_claim() -> Value {
    json!({
        "unit_serial": "VIN-1",
        "failure_date": days_ago(5),
        "repair_date": days_ago(4),
        "usage_at_failure": 5000,
        "complaint": "noise when braking", "cause": "worn pads", "correction": "replaced pads",
        "causal_part_number": "BRK-1",
        "parts": [{"part_number": "BRK-1", "qty": 2}],
        "labor": [{"operation_code": "BRK-R01", "hours": "1.00"}],
    })
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}
