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
            "/api/v1/agreements",
            "/api/v1/agreements/{id}",
            "/api/v1/recovery-lines",
            "/api/v1/recovery-lines/{id}",
            "/api/v1/recovery-claims",
            "/api/v1/recovery-claims/{id}",
            "/api/v1/recovery-claims/{id}/lines",
            "/api/v1/recovery-claims/{id}/lines/{line_id}",
            "/api/v1/recovery-claims/{id}/submit",
            "/api/v1/recovery-claims/{id}/responses",
            "/api/v1/credit-memos",
            "/api/v1/write-offs",
            "/api/v1/reports/reconciliation",
            "/api/v1/reports/aging",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_revert_and_reapply() {
    let svc = Svc::start().await;
    check_migrations_revert(
        &svc,
        &recovery::MIGRATIONS,
        &[
            "agreements",
            "recovery_lines",
            "recovery_claims",
            "allocations",
        ],
    )
    .await;
}
