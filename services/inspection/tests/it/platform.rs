//! The service as a whole: what every service serves besides its API, its OpenAPI
//! document and its migrations (checked alike in every service by the testkit).

use aftersales_testkit::platform::{check_migrations_revert, check_platform};

use crate::support::Svc;

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_lists_every_path_and_the_reason_vocabulary() {
    let svc = Svc::start().await;
    let spec = check_platform(
        &svc,
        &[
            "/api/v1/units",
            "/api/v1/units/{serial}",
            "/api/v1/policies",
            "/api/v1/labor-operations",
            "/api/v1/claims",
            "/api/v1/claims/{id}",
            "/api/v1/claims/{id}/part-receipt",
            "/api/v1/claims/{id}/findings",
            "/api/v1/claims/{id}/decision",
            "/api/v1/claims/{id}/disposition",
            "/api/v1/reports/claims",
            "/api/v1/reports/top-failing-parts",
        ],
    )
    .await;
    let reasons = &spec["components"]["schemas"]["ReasonCode"];
    let text = reasons.to_string();
    for code in [
        "expired_warranty",
        "usage_exceeded",
        "outside_submission_window",
        "duplicate_claim",
        "labor_exceeds_standard",
        "part_not_returned",
        "not_covered",
        "replacement_required",
        "no_fault_found",
        "currency_mismatch",
    ] {
        assert!(text.contains(code), "{code} missing from {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_revert_completely_and_reapply() {
    let svc = Svc::start().await;
    check_migrations_revert(&svc, &inspection::MIGRATIONS, &["claims"]).await;
}
