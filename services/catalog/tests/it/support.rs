//! A catalog started in-process per test, HTTP helpers, event publishing and
//! direct database reads.

use std::time::Duration;

use aftersales_messaging::topology::EVENTS_EXCHANGE;
use aftersales_messaging::{Envelope, Event};
use aftersales_testkit::{TestDb, TestVhost, eventually};
use aftersales_web::service::Running;
use aftersales_web::{DbPool, JwtKeys, Role};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const SECRET: &str = "secret";

pub struct Svc {
    /// Held so the schema lives as long as the service (dropped with it).
    #[allow(dead_code, reason = "held so the schema lives as long as the service")]
    pub db: TestDb,
    pub vhost: TestVhost,
    #[allow(dead_code, reason = "held so the service runs as long as the test")]
    pub running: Running,
    pub base: String,
    pub http: reqwest::Client,
    pub pool: DbPool,
}

impl Svc {
    pub async fn start() -> Svc {
        let db = TestDb::new().await;
        let vhost = TestVhost::new().await;
        let config = aftersales_web::service::test_config(
            catalog::NAME,
            &db.admin_url(),
            &db.schema,
            &vhost.amqp_url(),
            SECRET,
        );
        let running = aftersales_web::service::start(
            catalog::spec(),
            config,
            aftersales_messaging::contracts::topology_v1(),
        )
        .await
        .expect("catalog starts");
        let base = format!("http://{}/api/v1", running.addr);
        let pool = aftersales_web::db::pool(&db.url(), 60).expect("pool");
        // Until the consumer has declared its queue, published events have nowhere to land.
        let http = reqwest::Client::new();
        let ready = format!("http://{}/health/ready", running.addr);
        let became_ready = eventually(Duration::from_secs(30), || async {
            http.get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        assert!(became_ready, "catalog never became ready");
        Svc {
            db,
            vhost,
            running,
            base,
            http: reqwest::Client::new(),
            pool,
        }
    }

    pub fn token(role: Role) -> String {
        let dealer = (role == Role::Dealer).then_some("D001");
        JwtKeys::new(SECRET).mint("tester", role, dealer, chrono::Duration::hours(1))
    }

    pub async fn call(
        &self,
        role: Role,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(Self::token(role));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value, headers)
    }

    pub async fn get(&self, role: Role, path: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.call(role, Method::GET, path, None, &[]).await;
        (s, v)
    }

    pub async fn post(&self, role: Role, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.call(role, Method::POST, path, Some(body), &[]).await;
        (s, v)
    }

    /// A supplier, two warehouses and parts `A`, `B`, `C` at 10.00.
    pub async fn seed(&self) {
        let (s, b) = self
            .post(
                Role::Admin,
                "/suppliers",
                json!({"code": "SUP1", "name": "Supplier One"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        for (code, kind) in [("CENTRAL", "central"), ("NORTH", "regional")] {
            let (s, b) = self
                .post(
                    Role::Admin,
                    "/warehouses",
                    json!({"code": code, "name": code, "kind": kind}),
                )
                .await;
            assert_eq!(s, 201, "{b}");
        }
        for pn in ["A", "B", "C"] {
            let (s, b) = self.post(Role::Admin, "/parts", part(pn)).await;
            assert_eq!(s, 201, "{b}");
        }
    }

    pub async fn receive(&self, wh: &str, pn: &str, qty: i64) -> Value {
        let (s, b) = self
            .post(
                Role::Warehouse,
                "/receipts",
                json!({"warehouse": wh, "part_number": pn, "qty": qty, "reference": "PO-1"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        b
    }

    pub async fn stock(&self, wh: &str, pn: &str) -> Value {
        let (s, b) = self
            .get(Role::Warehouse, &format!("/stock/{wh}/{pn}"))
            .await;
        assert_eq!(s, 200, "{b}");
        b
    }

    /// Publishes an envelope to the events exchange, as another service's relay would.
    pub async fn publish(&self, envelope: &Envelope) {
        let conn = Connection::connect(&self.vhost.amqp_url(), ConnectionProperties::default())
            .await
            .expect("broker");
        let channel = conn.create_channel().await.expect("channel");
        channel
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
        let _ = conn.close(0, "done".into()).await;
    }

    /// Envelopes in the outbox of the given type, oldest first.
    pub async fn outbox(&self, event_type: &str) -> Vec<Envelope> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            envelope: Value,
        }
        let mut c = self.pool.get().await.expect("conn");
        let rows: Vec<Row> =
            diesel::sql_query("SELECT envelope FROM outbox WHERE event_type = $1 ORDER BY id")
                .bind::<diesel::sql_types::Text, _>(event_type)
                .load(&mut c)
                .await
                .expect("outbox");
        rows.into_iter()
            .map(|r| serde_json::from_value(r.envelope).expect("envelope"))
            .collect()
    }

    /// A `SELECT count(*) AS n ...` straight from the tables.
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = self.pool.get().await.expect("conn");
        diesel::sql_query(sql)
            .get_result::<N>(&mut c)
            .await
            .expect("count")
            .n
    }

    /// Sends a raw body (e.g. CSV) and answers status, JSON (or text as a string).
    pub async fn send_raw(
        &self,
        role: Role,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(Self::token(role))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// GET answering status, content type and the body as text.
    pub async fn get_text(
        &self,
        role: Role,
        path: &str,
        accept: &str,
    ) -> (StatusCode, String, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(Self::token(role))
            .header("Accept", accept)
            .send()
            .await
            .expect("request");
        let status = res.status();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, ct, res.text().await.unwrap_or_default())
    }

    pub async fn inbox_count(&self) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = self.pool.get().await.expect("conn");
        diesel::sql_query("SELECT count(*) AS n FROM inbox")
            .get_result::<N>(&mut c)
            .await
            .expect("inbox")
            .n
    }

    /// Invariant 1 for one level, read straight from the tables.
    pub async fn assert_invariant(&self, wh: &str, pn: &str) {
        let mut c = self.pool.get().await.expect("conn");
        let level = catalog::db::stock::get(&mut c, wh, pn)
            .await
            .expect("level")
            .expect("exists");
        let ledger = catalog::db::stock::ledger_sum(&mut c, wh, pn)
            .await
            .expect("ledger");
        assert_eq!(ledger, i64::from(level.on_hand), "ledger sum = on hand");
        assert!(
            level.reserved >= 0 && level.reserved <= level.on_hand,
            "{level:?}"
        );
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let open: i64 = diesel::sql_query(
            "SELECT COALESCE(SUM(l.reserved), 0)::BIGINT AS n FROM allocation_lines l JOIN order_allocations o USING (order_id) \
             WHERE o.warehouse_code = $1 AND l.reserved_part_number = $2",
        )
        .bind::<diesel::sql_types::Text, _>(wh)
        .bind::<diesel::sql_types::Text, _>(pn)
        .get_result::<N>(&mut c)
        .await
        .expect("sum")
        .n;
        assert_eq!(
            open,
            i64::from(level.reserved),
            "reserved = sum of open reservations"
        );
    }

    pub async fn wait<F, Fut>(&self, what: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        assert!(
            eventually(Duration::from_secs(30), check).await,
            "timed out waiting for {what}"
        );
    }

    pub async fn reservation(&self, order_id: Uuid) -> Option<Value> {
        let (s, b) = self
            .get(
                Role::Warehouse,
                &format!("/reservations?order_id={order_id}"),
            )
            .await;
        (s == 200).then_some(b)
    }
}

pub fn part(pn: &str) -> Value {
    json!({
        "part_number": pn, "description": format!("Part {pn} brake pad"), "category": "brakes",
        "supplier_code": "SUP1", "warranty_months": 24, "list_price": "10.00"
    })
}

pub fn envelope<E: Event>(payload: &E) -> Envelope {
    Envelope::new("orders", payload, Uuid::new_v4()).expect("envelope")
}

pub fn order(
    order_id: Uuid,
    lines: &[(i32, &str, i32)],
    emergency: bool,
    minutes_ago: i64,
) -> aftersales_messaging::contracts::orders::OrderPlaced {
    use aftersales_messaging::contracts::orders::{OrderLine, OrderPlaced, Priority};
    OrderPlaced {
        order_id,
        order_number: format!("ORD-{}", &order_id.simple().to_string()[..6]),
        dealer_code: "D001".into(),
        warehouse: "CENTRAL".into(),
        priority: if emergency {
            Priority::Emergency
        } else {
            Priority::Stock
        },
        placed_at: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
        lines: lines
            .iter()
            .map(|(n, p, q)| OrderLine {
                line_no: *n,
                part_number: (*p).into(),
                qty: *q,
            })
            .collect(),
    }
}

/// Every role but the given ones.
pub fn other_roles(allowed: &[Role]) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| !allowed.contains(r))
        .collect()
}
