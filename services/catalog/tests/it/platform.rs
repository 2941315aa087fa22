//! The service as a whole: its OpenAPI document and its migrations.

use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use diesel::migration::MigrationSource;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;

use crate::support::Svc;

#[tokio::test(flavor = "multi_thread")]
async fn openapi_lists_import_and_reports() {
    let svc = Svc::start().await;
    let root = svc.base.trim_end_matches("/api/v1");
    let api: serde_json::Value = svc
        .http
        .get(format!("{root}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/parts/import",
        "/api/v1/reports/stock-valuation",
        "/api/v1/reports/stockouts",
        "/api/v1/reports/backorders",
    ] {
        assert!(
            api["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
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
    let url = svc.db.url();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        // The service's migrations come last; revert them one by one, newest first.
        let ours = MigrationSource::<diesel::pg::Pg>::migrations(&catalog::MIGRATIONS)
            .unwrap()
            .len();
        for _ in 0..ours {
            conn.revert_last_migration(catalog::MIGRATIONS).unwrap();
        }
        for table in ["parts", "stock_levels", "stock_movements", "transfers"] {
            assert!(
                diesel::sql_query(format!("SELECT 1 FROM {table}"))
                    .execute(&mut conn)
                    .is_err(),
                "down.sql left the {table} table"
            );
        }
        conn.run_pending_migrations(catalog::MIGRATIONS).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(svc.count("SELECT count(*) AS n FROM parts").await, 0);
    svc.seed().await;
    assert_eq!(svc.count("SELECT count(*) AS n FROM parts").await, 3);
}
