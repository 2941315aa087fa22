//! One service started in-process for a test: its real HTTP app, migrated into a
//! fresh [`TestDb`] schema and connected to a fresh [`TestVhost`], with the calls a
//! test makes to it (HTTP as any role, events published as another service would,
//! straight reads of its tables). Each service's `tests/it/support.rs` wraps a
//! [`TestService`] and adds only its own seed data.
//!
//! The service is handed in as its `ServiceSpec` (each service crate's `spec()`), so
//! the testkit never depends on a service crate.

use std::time::Duration;

use aftersales_messaging::contracts::topology_v1;
use aftersales_messaging::topology::EVENTS_EXCHANGE;
use aftersales_messaging::{Envelope, Event, Handler};
use aftersales_web::service::{Running, ServiceSpec, start, test_config_with};
use aftersales_web::{DbPool, Role};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{TestDb, TestVhost, eventually, tokens};

/// How long a test waits for an asynchronous outcome (an event applied, a status
/// reached) before it fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// Upper bound of the test's own pool; connections open only when used, and the
/// concurrency tests use many at once.
const POOL_SIZE: usize = 60;

/// A started service and the handles a test needs around it. Dropping it stops
/// nothing explicitly: the schema and vhost are removed by their own drops.
pub struct TestService {
    pub name: &'static str,
    /// Held so the schema lives as long as the service (dropped with it).
    pub db: TestDb,
    pub vhost: TestVhost,
    /// `http://127.0.0.1:PORT`, without `/api/v1`.
    pub base: String,
    pub http: reqwest::Client,
    /// A pool on the service's schema, for direct reads and for calling the crate's
    /// jobs and queries.
    pub pool: DbPool,
    channel: Channel,
    _amqp: Connection,
    _running: Running,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct OutboxRow {
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    envelope: Value,
}

impl TestService {
    /// Starts the service described by `spec` on a random port, accepting the tokens of
    /// the test issuer ([`tokens::issuer`], checked through its JWKS), and returns once it
    /// reports ready: until its consumer
    /// has declared its queue, published events would have nowhere to land.
    pub async fn start<H: Handler + Clone>(spec: ServiceSpec<H>) -> TestService {
        let name = spec.name;
        let db = TestDb::new().await;
        let vhost = TestVhost::new().await;
        let config = test_config_with(
            name,
            &db.admin_url(),
            &db.schema,
            &vhost.service_amqp_url(name),
            &tokens::issuer().service_env(),
        );
        let running = start(spec, config, topology_v1())
            .await
            .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
        let amqp = Connection::connect(&vhost.amqp_url(), ConnectionProperties::default())
            .await
            .expect("broker");
        let channel = amqp.create_channel().await.expect("channel");
        // Declared here too, so nothing published before the consumer is up is lost.
        topology_v1().declare(&channel).await.expect("topology");
        let pool = aftersales_web::db::pool(&db.url(), POOL_SIZE).expect("pool");
        let svc = TestService {
            name,
            base: format!("http://{}", running.addr),
            http: aftersales_web::http_client::client(),
            db,
            vhost,
            pool,
            channel,
            _amqp: amqp,
            _running: running,
        };
        let ready = svc.url("/health/ready");
        let became_ready = eventually(WAIT, || async {
            svc.http
                .get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        assert!(became_ready, "{name} never became ready");
        svc
    }

    /// `path` on the service's root (`/health/live`, `/openapi.json`…).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `path` under the service's `/api/v1`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// Sends a request to `/api/v1{path}` with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, self.api(path));
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

    /// Status and body (JSON, or the text as a JSON string) of a call to `/api/v1{path}`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_with(method, path, token, body, &[]).await
    }

    /// [`TestService::call`] with extra request headers.
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
        (status, json_or_text(resp.text().await.expect("body")))
    }

    /// A call as `role` (see [`tokens::token`]): status, body and response headers.
    pub async fn call_as(
        &self,
        role: Role,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value, HeaderMap) {
        let token = tokens::token(role);
        let resp = self
            .send(method.as_str(), path, Some(&token), body, headers)
            .await;
        let status = resp.status();
        let headers = resp.headers().clone();
        (
            status,
            json_or_text(resp.text().await.unwrap_or_default()),
            headers,
        )
    }

    /// GET as `role`.
    pub async fn get(&self, role: Role, path: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.call_as(role, Method::GET, path, None, &[]).await;
        (s, v)
    }

    /// POST of a JSON body as `role`.
    pub async fn post(&self, role: Role, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .call_as(role, Method::POST, path, Some(body), &[])
            .await;
        (s, v)
    }

    /// Sends a raw body (e.g. CSV) as `role`; answers status and JSON (or text as a string).
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
            .request(method, self.api(path))
            .bearer_auth(tokens::token(role))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, json_or_text(res.text().await.unwrap_or_default()))
    }

    /// GET as `role` with an `Accept` header: status, content type and the body as text.
    pub async fn get_text(
        &self,
        role: Role,
        path: &str,
        accept: &str,
    ) -> (StatusCode, String, String) {
        let res = self
            .http
            .get(self.api(path))
            .bearer_auth(tokens::token(role))
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

    /// A `SELECT count(*) AS n ...` straight from the tables.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .expect("count")
            .n
    }

    /// Rows in the inbox (events applied or skipped as duplicates).
    pub async fn inbox_count(&self) -> i64 {
        self.count("SELECT count(*) AS n FROM inbox").await
    }

    /// Runs a statement straight on the tables.
    pub async fn execute(&self, sql: &str) -> Result<usize, diesel::result::Error> {
        let mut conn = self.db.conn().await;
        diesel::sql_query(sql).execute(&mut conn).await
    }

    /// [`TestService::execute`] that must succeed.
    pub async fn exec(&self, sql: &str) {
        self.execute(sql).await.expect("exec");
    }

    /// Outbox envelopes (published or not) of `event_type` as JSON, oldest first.
    pub async fn outbox(&self, event_type: &str) -> Vec<Value> {
        let mut conn = self.db.conn().await;
        diesel::sql_query("SELECT envelope FROM outbox WHERE event_type = $1 ORDER BY id")
            .bind::<diesel::sql_types::Text, _>(event_type)
            .load::<OutboxRow>(&mut conn)
            .await
            .expect("outbox")
            .into_iter()
            .map(|r| r.envelope)
            .collect()
    }

    /// [`TestService::outbox`] read back as envelopes.
    pub async fn outbox_envelopes(&self, event_type: &str) -> Vec<Envelope> {
        self.outbox(event_type)
            .await
            .into_iter()
            .map(|v| serde_json::from_value(v).expect("envelope"))
            .collect()
    }

    /// Publishes an envelope to the events exchange, as another service's relay would.
    pub async fn publish_envelope(&self, envelope: &Envelope) {
        self.channel
            .basic_publish(
                EVENTS_EXCHANGE.into(),
                envelope.event_type.as_str().into(),
                BasicPublishOptions::default(),
                &envelope.to_bytes().expect("an envelope serialises"),
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .expect("publish")
            .await
            .expect("confirm");
    }

    /// Publishes `payload` as `producer` would; returns the envelope.
    pub async fn publish<E: Event>(&self, producer: &str, payload: &E) -> Envelope {
        let envelope = Envelope::new(producer, payload, uuid::Uuid::new_v4()).expect("envelope");
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

    /// Events the inbox skipped as already applied (`inbox_messages_total{outcome="duplicate"}`):
    /// what a test waits on to know a redelivered event was seen and changed nothing.
    pub async fn duplicates_skipped(&self) -> u64 {
        let metrics = self
            .http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body");
        metrics
            .lines()
            .filter(|l| {
                l.starts_with("inbox_messages_total{") && l.contains("outcome=\"duplicate\"")
            })
            .filter_map(|l| l.rsplit(' ').next())
            .map(|n| n.parse::<u64>().expect("a count"))
            .sum()
    }

    /// Waits until `check` holds; fails the test naming `what` otherwise.
    pub async fn wait<F, Fut>(&self, what: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        assert!(
            eventually(WAIT, check).await,
            "timed out waiting for {what}"
        );
    }
}

fn json_or_text(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Declares a service's `Svc`: a [`TestService`] of the service that `$spec()`
/// describes (`Svc::start()`), to which the service's `support.rs` adds its own seed
/// data in an `impl Svc` block. Everything of [`TestService`] is reached through
/// `Deref`.
#[macro_export]
macro_rules! test_service {
    ($spec:path) => {
        /// This service started in-process for one test.
        pub struct Svc($crate::TestService);

        impl ::std::ops::Deref for Svc {
            type Target = $crate::TestService;
            fn deref(&self) -> &$crate::TestService {
                &self.0
            }
        }

        impl Svc {
            pub async fn start() -> Svc {
                Svc($crate::TestService::start($spec()).await)
            }
        }
    };
}
