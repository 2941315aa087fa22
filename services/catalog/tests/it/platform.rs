//! The service as a whole: what every service serves besides its API, its OpenAPI
//! document and its migrations (checked alike in every service by the testkit).

use aftersales_testkit::platform::{check_migrations_revert, check_platform};

use crate::support::Svc;

#[tokio::test(flavor = "multi_thread")]
async fn openapi_lists_import_and_reports() {
    let svc = Svc::start().await;
    let api = check_platform(
        &svc,
        &[
            "/api/v1/parts/import",
            "/api/v1/reports/stock-valuation",
            "/api/v1/reports/stockouts",
            "/api/v1/reports/backorders",
        ],
    )
    .await;
    let import = &api["paths"]["/api/v1/parts/import"]["post"];
    assert!(
        import["requestBody"]["content"]["text/csv"].is_object(),
        "{import}"
    );
    assert!(
        import["description"]
            .as_str()
            .unwrap_or_default()
            .contains("line N: column"),
        "{import}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_revert_and_reapply() {
    let svc = Svc::start().await;
    check_migrations_revert(
        &svc,
        &catalog::MIGRATIONS,
        &["parts", "stock_levels", "stock_movements", "transfers"],
    )
    .await;
    svc.seed().await;
    assert_eq!(svc.count("SELECT count(*) AS n FROM parts").await, 3);
}
