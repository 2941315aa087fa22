//! One started orders service per test, with helpers to call it and to publish
//! catalog events to it.

use std::time::Duration;

use aftersales_messaging::contracts::catalog::PartUpserted;
use aftersales_messaging::contracts::{Allocation, AllocationLine, topology_v1};
use aftersales_messaging::topology::EVENTS_EXCHANGE;
use aftersales_messaging::{Envelope, Event};
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::service::{Running, start, test_config};
use aftersales_web::{JwtKeys, Role};
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

pub fn token(role: Role, dealer: Option<&str>) -> String {
    JwtKeys::new(SECRET).mint("tester", role, dealer, chrono::Duration::hours(1))
}

pub fn admin() -> String {
    token(Role::Admin, None)
}

pub fn dealer(code: &str) -> String {
    JwtKeys::new(SECRET).mint(
        &format!("user-{code}"),
        Role::Dealer,
        Some(code),
        chrono::Duration::hours(1),
    )
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
            orders::spec(),
            test_config(
                orders::NAME,
                &db.admin_url(),
                &db.schema,
                &vhost.amqp_url(),
                SECRET,
            ),
            topology_v1(),
        )
        .await
        .expect("orders starts");
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
        let resp = self.send(method, path, token, body, headers).await;
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

    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .expect("count")
            .n
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

    /// Publishes `payload` as catalog would; returns the envelope.
    pub async fn publish<E: Event>(&self, payload: &E) -> Envelope {
        let envelope = Envelope::new("catalog", payload, Uuid::new_v4()).expect("envelope");
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

    pub async fn create_dealer(&self, code: &str, tier: &str, currency: &str) -> Value {
        let (status, body) = self
            .call(
                "POST",
                "/dealers",
                Some(&admin()),
                Some(json!({
                    "code": code, "name": format!("Dealer {code}"), "tier": tier,
                    "labor_rate": "85.50", "currency": currency, "home_warehouse": "WH-HOME",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Publishes a part and waits until the price book has it.
    pub async fn add_part(&self, part_number: &str, price: &str, active: bool) -> Envelope {
        let event = self.publish(&part(part_number, price, active)).await;
        assert!(
            self.consumed(&event).await,
            "part {part_number} never reached the price book"
        );
        event
    }

    pub async fn place(&self, token: &str, lines: &[(&str, i64)]) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(p, q)| json!({"part_number": p, "qty": q}))
            .collect();
        let (status, body) = self
            .call(
                "POST",
                "/orders",
                Some(token),
                Some(json!({"priority": "stock", "lines": lines})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn order(&self, id: &str) -> Value {
        let (status, body) = self
            .call("GET", &format!("/orders/{id}"), Some(&admin()), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn wait_status(&self, id: &str, status: &str) -> bool {
        eventually(WAIT, || async { self.order(id).await["status"] == status }).await
    }
}

pub fn part(part_number: &str, price: &str, active: bool) -> PartUpserted {
    PartUpserted {
        part_number: part_number.into(),
        description: format!("part {part_number}"),
        category: "brakes".into(),
        list_price: price.parse::<Decimal>().expect("price"),
        currency: "EUR".into(),
        supplier_code: "SUP1".into(),
        warranty_months: 12,
        core: false,
        returnable: true,
        superseded_by: None,
        active,
    }
}

/// An allocation line: `(line_no, part, ordered, reserved, backordered, shipped, released)`.
pub fn allocation(version: i64, lines: &[(i32, &str, i32, i32, i32, i32, i32)]) -> Allocation {
    Allocation {
        allocation_version: version,
        lines: lines
            .iter()
            .map(
                |&(line_no, part, ordered, reserved, backordered, shipped, released)| {
                    AllocationLine {
                        line_no,
                        part_number: part.into(),
                        reserved_part_number: part.into(),
                        ordered,
                        reserved,
                        backordered,
                        shipped,
                        released,
                    }
                },
            )
            .collect(),
    }
}

pub fn order_id(order: &Value) -> Uuid {
    order["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("order id")
}
