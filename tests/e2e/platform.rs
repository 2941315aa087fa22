//! What every service serves besides its API.

use std::time::Duration;

use aftersales_e2e::{config, eventually, launch, launch_all, status_of};
use aftersales_testkit::provision::connect;
use aftersales_testkit::{PrivateBroker, PrivateDatabase, TestDb, TestVhost};
use diesel_async::SimpleAsyncConnection;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn every_service_serves_health_metrics_openapi_and_docs() {
    let vhost = TestVhost::new().await;
    let (_dbs, services) = launch_all(&vhost.amqp_url()).await;
    let client = reqwest::Client::new();

    for service in &services {
        let name = service.name;
        assert_eq!(
            status_of(&client, &service.url("/health/live")).await,
            200,
            "{name} live"
        );
        assert!(
            eventually(Duration::from_secs(20), || async {
                status_of(&client, &service.url("/health/ready")).await == 200
            })
            .await,
            "{name} never became ready"
        );
        let ready: Value = client
            .get(service.url("/health/ready"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["checks"]["database"], "ok", "{name}: {ready}");
        assert_eq!(ready["checks"]["broker"], "ok", "{name}: {ready}");
        assert_eq!(ready["checks"]["consumer"], "ok", "{name}: {ready}");

        let res = client
            .get(service.url("/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let api: Value = res.json().await.unwrap();
        assert!(
            api["openapi"]
                .as_str()
                .unwrap_or_default()
                .starts_with("3.")
        );
        assert!(
            api["info"]["title"]
                .as_str()
                .unwrap_or_default()
                .contains(name),
            "{name}: {}",
            api["info"]
        );
        assert!(
            api["components"]["securitySchemes"]["bearer"].is_object(),
            "{name}"
        );

        let res = client.get(service.url("/docs")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{name} docs");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{name}: {content_type}"
        );
        let page = res.text().await.unwrap();
        assert!(
            !page.contains("://"),
            "{name}: the docs page must not load anything from elsewhere"
        );
        let bundle = client
            .get(service.url("/docs/swagger-ui-bundle.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            bundle.status(),
            200,
            "{name}: the docs assets are served from the binary"
        );

        let res = client
            .get(service.url("/no/such/route"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["content-type"], "application/problem+json");

        let metrics = client
            .get(service.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for series in [
            "http_requests_total",
            "http_request_duration_seconds_bucket",
            "route=\"/health/live\"",
            "route=\"unmatched\"",
            "outbox_backlog",
            "queue_messages",
        ] {
            assert!(metrics.contains(series), "{name} /metrics lacks {series}");
        }
        assert!(
            !metrics.contains("/no/such/route"),
            "raw paths must not become labels"
        );
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
    let client = reqwest::Client::new();
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
    let client = reqwest::Client::new();
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
