//! Finding 8, transport security: the services reach PostgreSQL and RabbitMQ over TLS,
//! check the servers' certificates, and refuse a server they cannot authenticate.
//!
//! The servers are the harness's TLS-only ones (`PrivateDatabase::start_tls`,
//! `PrivateBroker::start_tls`), presenting a certificate for `localhost` and `127.0.0.1`
//! that the test CA issued.

use std::path::Path;
use std::time::Duration;

use aftersales_e2e::{eventually, keys, launch, status_of};
use aftersales_messaging::contracts::topology_v1;
use aftersales_testkit::provision::connect;
use aftersales_testkit::tls::{ca_file, other_ca_file};
use aftersales_testkit::tokens::{admin, dealer};
use aftersales_testkit::{PrivateBroker, PrivateDatabase};
use aftersales_web::config::WebConfig;
use aftersales_web::service::{start, test_config_with};
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

/// `verify-full` to the TLS database under `host` (reached at 127.0.0.1 whatever the name).
fn db_url(db: &PrivateDatabase, host: &str, sslmode: &str) -> String {
    format!(
        "postgres://postgres@{host}:{}/aftersales_test?hostaddr=127.0.0.1&sslmode={sslmode}",
        db.port()
    )
}

/// A service's configuration with the CA files of the database and the broker.
fn tls_config(
    name: &str,
    database_url: &str,
    schema: &str,
    amqp_url: &str,
    db_ca: &Path,
    amqp_ca: &Path,
) -> WebConfig {
    let mut vars: Vec<(&str, String)> = keys().service_env().into_iter().collect();
    vars.push(("DATABASE_CA_FILE", db_ca.display().to_string()));
    vars.push(("AMQP_CA_FILE", amqp_ca.display().to_string()));
    test_config_with(name, database_url, schema, amqp_url, &vars)
}

async fn create_schemas(db: &PrivateDatabase, schemas: &[&str]) {
    let mut conn = connect(&db.admin_url()).await.unwrap();
    for schema in schemas {
        conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
    }
}

async fn post(client: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Why orders did not start with `config`; fails the test if it did.
async fn start_error(config: WebConfig) -> String {
    match start(orders::spec(), config, topology_v1()).await {
        Ok(_) => panic!("orders started against a database it cannot authenticate"),
        Err(e) => e.to_string(),
    }
}

async fn readiness(client: &reqwest::Client, base: &str) -> Value {
    match client.get(format!("{base}/health/ready")).send().await {
        Ok(res) => res.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn services_work_against_a_tls_only_database_and_broker() {
    let (db, broker) = tokio::join!(PrivateDatabase::start_tls(), PrivateBroker::start_tls());
    // The servers take nothing in plain text.
    let plain = format!("{}?sslmode=disable", db.admin_url());
    let refused = connect(&plain).await.err().map(|e| format!("{e:#}"));
    assert!(
        refused
            .as_deref()
            .is_some_and(|e| e.contains("no encryption")),
        "a plain connection to the TLS-only database: {refused:?}"
    );

    create_schemas(&db, &["tls_catalog", "tls_orders"]).await;
    let url = db_url(&db, "localhost", "verify-full");
    let amqp = broker.amqps_url();
    let ca = ca_file();
    let catalog = launch(
        catalog::spec(),
        tls_config(catalog::NAME, &url, "tls_catalog", &amqp, &ca, &ca),
    )
    .await;
    let orders = launch(
        orders::spec(),
        tls_config(orders::NAME, &url, "tls_orders", &amqp, &ca, &ca),
    )
    .await;
    let client = aftersales_web::http_client::client();
    for service in [&catalog, &orders] {
        assert!(
            eventually(Duration::from_secs(30), || async {
                status_of(&client, &service.url("/health/ready")).await == 200
            })
            .await,
            "{} never became ready over TLS: {}",
            service.name,
            readiness(&client, &service.base).await
        );
    }

    // Requests that write through the pool…
    let admin = admin();
    for (path, body) in [
        (
            "/api/v1/suppliers",
            json!({"code": "SUP1", "name": "Brakes Inc"}),
        ),
        (
            "/api/v1/warehouses",
            json!({"code": "WH1", "name": "Central", "kind": "central"}),
        ),
        (
            "/api/v1/parts",
            json!({"part_number": "P-100", "description": "Brake pad", "category": "brakes",
                   "supplier_code": "SUP1", "warranty_months": 24, "list_price": "100.00"}),
        ),
    ] {
        let (status, body) = post(&client, catalog.url(path), &admin, body).await;
        assert!((200..300).contains(&status), "POST {path}: {status} {body}");
    }
    let (status, body) = post(
        &client,
        orders.url("/api/v1/dealers"),
        &admin,
        json!({"code": "D001", "name": "Dealer D001", "tier": "gold", "labor_rate": "80.00",
               "currency": "EUR", "home_warehouse": "WH1"}),
    )
    .await;
    assert!(
        (200..300).contains(&status),
        "POST dealers: {status} {body}"
    );

    // …and an event across the broker: catalog's relay publishes the part, orders'
    // consumer applies it to its price book.
    let token = dealer("D001");
    let price_book = orders.url("/api/v1/price-book?part=P-100");
    assert!(
        eventually(Duration::from_secs(30), || async {
            client
                .get(&price_book)
                .bearer_auth(&token)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await,
        "orders never learned part P-100 from catalog over the TLS broker"
    );
    catalog.running.stop().await;
    orders.running.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_certificate_that_another_ca_issued_is_refused() {
    let (db, broker) = tokio::join!(PrivateDatabase::start_tls(), PrivateBroker::start_tls());
    create_schemas(&db, &["tls_orders"]).await;
    let url = db_url(&db, "localhost", "verify-full");
    let amqp = broker.amqps_url();

    // The database: the service does not start, and says why.
    let config = tls_config(
        orders::NAME,
        &url,
        "tls_orders",
        &amqp,
        &other_ca_file(),
        &ca_file(),
    );
    let err = start_error(config).await;
    assert!(
        err.contains("TLS handshake") && err.contains("UnknownIssuer"),
        "{err}"
    );

    // The broker: the service runs but is not ready, and readiness says why.
    let orders = launch(
        orders::spec(),
        tls_config(
            orders::NAME,
            &url,
            "tls_orders",
            &amqp,
            &ca_file(),
            &other_ca_file(),
        ),
    )
    .await;
    let client = aftersales_web::http_client::client();
    let refused = eventually(Duration::from_secs(20), || async {
        let body = readiness(&client, &orders.base).await;
        body["checks"]["database"] == "ok"
            && body["checks"]["broker"]
                .as_str()
                .is_some_and(|b| b.contains("UnknownIssuer"))
    })
    .await;
    assert!(
        refused,
        "readiness does not report the broker's unverifiable certificate: {}",
        readiness(&client, &orders.base).await
    );
    assert_eq!(status_of(&client, &orders.url("/health/ready")).await, 503);
    orders.running.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_full_refuses_a_certificate_for_another_host_name() {
    let db = PrivateDatabase::start_tls().await;
    create_schemas(&db, &["tls_orders"]).await;
    // The same server and CA; only the name the client expects differs.
    let elsewhere = db_url(&db, "db.example.test", "verify-full");
    let config = tls_config(
        orders::NAME,
        &elsewhere,
        "tls_orders",
        "amqp://guest:guest@127.0.0.1:1/%2f",
        &ca_file(),
        Path::new(""),
    );
    let err = start_error(config).await;
    assert!(
        err.contains("not valid for name \"db.example.test\""),
        "{err}"
    );

    // verify-ca checks the chain only: the same server passes.
    let chain_only = format!(
        "{}&sslrootcert={}",
        db_url(&db, "db.example.test", "verify-ca"),
        ca_file().display()
    );
    let mut conn = connect(&chain_only).await.unwrap();
    conn.batch_execute("SELECT 1").await.unwrap();
}
