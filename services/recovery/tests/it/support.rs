//! One started recovery service per test, with helpers to call it and to publish
//! inspection's and catalog's events to it.

use std::time::Duration;

use aftersales_messaging::contracts::inspection::{CauseCode, ClaimAdjudicated, Decision};
use aftersales_messaging::contracts::topology_v1;
use aftersales_messaging::topology::EVENTS_EXCHANGE;
use aftersales_messaging::{Envelope, Event};
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::service::{Running, start, test_config};
use aftersales_web::{JwtKeys, Role};
use chrono::{DateTime, Utc};
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
    let dealer = (role == Role::Dealer).then_some("D001");
    JwtKeys::new(SECRET).mint("tester", role, dealer, chrono::Duration::hours(1))
}

pub fn finance() -> String {
    token(Role::Finance)
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
            recovery::spec(),
            test_config(
                recovery::NAME,
                &db.admin_url(),
                &db.schema,
                &vhost.amqp_url(),
                SECRET,
            ),
            topology_v1(),
        )
        .await
        .expect("recovery starts");
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

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let resp = self.send(method, path, token, body, &[]).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
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
        req.send().await.expect("request")
    }

    /// `(status, body)` of a finance call that must succeed with `expected`.
    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>, expected: u16) -> Value {
        let (status, body) = self.call(method, path, Some(&finance()), body).await;
        assert_eq!(status, expected, "{method} {path}: {body}");
        body
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .expect("count")
            .n
    }

    pub async fn execute(&self, sql: &str) -> Result<usize, diesel::result::Error> {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql).execute(&mut conn).await
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

    /// Publishes `payload` as `producer` would; returns the envelope.
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

    /// Publishes an adjudication and waits until it is applied.
    pub async fn adjudicate(&self, claim: &ClaimAdjudicated) -> Envelope {
        let event = self.publish("inspection", claim).await;
        assert!(self.consumed(&event).await, "adjudication never consumed");
        event
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
        dealer_code: "D001".into(),
        decision: Decision::Approved,
        approved_parts_amount: parts.parse::<Decimal>().expect("parts"),
        approved_labor_amount: labor.parse::<Decimal>().expect("labor"),
        currency: "EUR".into(),
        causal_part_number: "BRK-100".into(),
        supplier_code: supplier.into(),
        cause_code: Some(CauseCode::SupplierDefect),
        reason_codes: Vec::new(),
        supplier_responsible: true,
        decided_at,
    }
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}
