//! What every service serves besides its API.

use std::time::Duration;

use aftersales_e2e::{config, eventually, launch, launch_all, status_of};
use aftersales_testkit::platform::check_common_endpoints;
use aftersales_testkit::provision::connect;
use aftersales_testkit::{PrivateBroker, PrivateDatabase, TestDb, TestVhost};
use diesel_async::SimpleAsyncConnection;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn every_service_serves_health_metrics_openapi_and_docs() {
    let vhost = TestVhost::new().await;
    let (_dbs, services) = launch_all(&vhost).await;
    let client = aftersales_web::http_client::client();

    for service in &services {
        check_common_endpoints(&client, &service.base, service.name).await;
    }
    for service in services {
        service.running.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_reports_a_broker_outage_and_recovers_by_itself() {
    let broker = PrivateBroker::start().await;
    let db = TestDb::new().await;
    let service = launch(
        orders::spec(),
        config(
            orders::NAME,
            &db.admin_url(),
            &db.schema,
            &broker.amqp_url(),
        ),
    )
    .await;
    let client = aftersales_web::http_client::client();
    let ready = service.url("/health/ready");
    assert!(
        eventually(Duration::from_secs(20), || async {
            status_of(&client, &ready).await == 200
        })
        .await
    );

    broker.stop().await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            status_of(&client, &ready).await == 503
        })
        .await,
        "readiness did not notice the broker outage"
    );
    let body: Value = client
        .get(&ready)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["checks"]["database"], "ok", "{body}");
    assert_ne!(body["checks"]["broker"], "ok", "{body}");
    // Liveness is not readiness: the process is fine, only a dependency is not.
    assert_eq!(status_of(&client, &service.url("/health/live")).await, 200);

    broker.restart().await;
    assert!(
        eventually(Duration::from_secs(60), || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "the service did not reconnect to the broker by itself"
    );
    service.running.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_reports_a_database_outage_and_recovers_by_itself() {
    let database = PrivateDatabase::start().await;
    let vhost = TestVhost::new().await;
    connect(&database.admin_url())
        .await
        .unwrap()
        .batch_execute("CREATE SCHEMA orders")
        .await
        .unwrap();
    let service = launch(
        orders::spec(),
        config(
            orders::NAME,
            &database.admin_url(),
            "orders",
            &vhost.amqp_url(),
        ),
    )
    .await;
    let client = aftersales_web::http_client::client();
    let ready = service.url("/health/ready");
    assert!(
        eventually(Duration::from_secs(20), || async {
            status_of(&client, &ready).await == 200
        })
        .await
    );

    database.stop().await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            status_of(&client, &ready).await == 503
        })
        .await,
        "readiness did not notice the database outage"
    );
    let body: Value = client
        .get(&ready)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(body["checks"]["database"], "ok", "{body}");
    assert_eq!(body["checks"]["broker"], "ok", "{body}");
    assert_eq!(status_of(&client, &service.url("/health/live")).await, 200);

    database.restart().await;
    assert!(
        eventually(Duration::from_secs(60), || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "the service did not reconnect to the database by itself"
    );
    service.running.stop().await;
}
