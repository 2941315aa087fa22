//! One started inspection service per test, with helpers to call it, to publish
//! catalog and orders events to it, and to set up master data.

use std::time::Duration;

use aftersales_messaging::contracts::catalog::PartUpserted;
use aftersales_messaging::contracts::orders::DealerUpserted;
use aftersales_messaging::contracts::topology_v1;
use aftersales_messaging::topology::EVENTS_EXCHANGE;
use aftersales_messaging::{Envelope, Event};
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::service::{Running, start, test_config};
use aftersales_web::{DbPool, JwtKeys, Role};
use chrono::{Days, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

pub use aftersales_testkit::eventually;

const SECRET: &str = "secret";
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Svc {
    pub db: TestDb,
    pub base: String,
    pub http: reqwest::Client,
    pub vhost: TestVhost,
    channel: Channel,
    _amqp: Connection,
    _running: Running,
}

pub fn token(role: Role) -> String {
    JwtKeys::new(SECRET).mint(
        &format!("user-{role}"),
        role,
        None,
        chrono::Duration::hours(1),
    )
}

pub fn admin() -> String {
    token(Role::Admin)
}

pub fn quality() -> String {
    token(Role::Quality)
}

pub fn lead() -> String {
    token(Role::QualityLead)
}

pub fn dealer(code: &str) -> String {
    JwtKeys::new(SECRET).mint(
        &format!("user-{code}"),
        Role::Dealer,
        Some(code),
        chrono::Duration::hours(1),
    )
}

pub fn days_ago(n: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(n))
        .expect("date")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

impl Svc {
    pub async fn start() -> Svc {
        let db = TestDb::new().await;
        let vhost = TestVhost::new().await;
        let running = start(
            inspection::spec(),
            test_config(
                inspection::NAME,
                &db.admin_url(),
                &db.schema,
                &vhost.amqp_url(),
                SECRET,
            ),
            topology_v1(),
        )
        .await
        .expect("inspection starts");
        let amqp = Connection::connect(&vhost.amqp_url(), ConnectionProperties::default())
            .await
            .expect("broker");
        let channel = amqp.create_channel().await.expect("channel");
        // Declared here too, so nothing published before the consumer is up is lost.
        topology_v1().declare(&channel).await.expect("topology");
        Svc {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            db,
            vhost,
            channel,
            _amqp: amqp,
            _running: running,
        }
    }

    /// A pool on the test schema, for calling the crate's jobs directly.
    pub fn pool(&self) -> DbPool {
        aftersales_web::db::pool(&self.db.url(), 4).expect("pool")
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .expect("count")
            .n
    }

    pub async fn exec(&self, sql: &str) {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .expect("exec");
    }

    /// Outbox rows of `event_type` (published or not).
    pub async fn outbox(&self, event_type: &str) -> Vec<Value> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            envelope: Value,
        }
        let mut conn = self.db.conn().await;
        diesel::sql_query(format!(
            "SELECT envelope FROM outbox WHERE event_type = '{event_type}' ORDER BY id"
        ))
        .load::<Row>(&mut conn)
        .await
        .expect("outbox")
        .into_iter()
        .map(|r| r.envelope)
        .collect()
    }

    pub async fn publish_envelope(&self, envelope: &Envelope) {
        self.channel
            .basic_publish(
                EVENTS_EXCHANGE.into(),
                envelope.event_type.as_str().into(),
                BasicPublishOptions::default(),
                &envelope.to_bytes().unwrap(),
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .expect("publish")
            .await
            .expect("confirm");
    }

    pub async fn publish<E: Event>(&self, producer: &str, payload: &E) -> Envelope {
        let envelope = Envelope::new(producer, payload, Uuid::new_v4()).expect("envelope");
        self.publish_envelope(&envelope).await;
        envelope
    }

    /// Waits until the inbox has recorded `event` (applied or skipped as duplicate).
    pub async fn consumed(&self, event: &Envelope) -> bool {
        let sql = format!(
            "SELECT count(*) AS n FROM inbox WHERE event_id = '{}'",
            event.event_id
        );
        eventually(WAIT, || async { self.count(&sql).await == 1 }).await
    }

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
        dealer_code: code.into(),
        name: format!("Dealer {code}"),
        tier: "gold".into(),
        labor_rate: rate.parse::<Decimal>().expect("rate"),
        currency: currency.into(),
        home_warehouse: "WH-HOME".into(),
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
        part_number: number.into(),
        description: format!("part {number}"),
        category: category.into(),
        list_price: price.parse::<Decimal>().expect("price"),
        currency: "EUR".into(),
        supplier_code: "SUP1".into(),
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
