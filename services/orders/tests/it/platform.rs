//! The service as a whole: what every service serves besides its API, its OpenAPI
//! document and its migrations (checked alike in every service by the testkit).

use aftersales_testkit::platform::{check_migrations_revert, check_platform};

use crate::support::Svc;

#[tokio::test(flavor = "multi_thread")]
async fn serves_health_metrics_docs_and_an_openapi_listing_every_endpoint() {
    let svc = Svc::start().await;
    check_platform(
        &svc,
        &[
            "/api/v1/dealers",
            "/api/v1/dealers/{code}",
            "/api/v1/price-book",
            "/api/v1/orders",
            "/api/v1/orders/{id}",
            "/api/v1/orders/{id}/cancel",
            "/api/v1/orders/{id}/timeline",
            "/api/v1/reports/fill-rate",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_revert_and_reapply() {
    let svc = Svc::start().await;
    check_migrations_revert(&svc, &orders::MIGRATIONS, &["orders"]).await;
}
