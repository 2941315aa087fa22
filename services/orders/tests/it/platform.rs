use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use diesel::migration::MigrationSource;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;

use crate::support::Svc;

#[tokio::test(flavor = "multi_thread")]
async fn openapi_lists_every_endpoint() {
    let svc = Svc::start().await;
    let api: serde_json::Value = svc
        .http
        .get(format!("{}/openapi.json", svc.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/dealers",
        "/api/v1/dealers/{code}",
        "/api/v1/price-book",
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/cancel",
        "/api/v1/orders/{id}/timeline",
        "/api/v1/reports/fill-rate",
    ] {
        assert!(
            api["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_revert_and_reapply() {
    let svc = Svc::start().await;
    let url = svc.db.url();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        // The service's migrations come last; revert them one by one, newest first.
        let ours = MigrationSource::<diesel::pg::Pg>::migrations(&orders::MIGRATIONS)
            .unwrap()
            .len();
        for _ in 0..ours {
            conn.revert_last_migration(orders::MIGRATIONS).unwrap();
        }
        assert!(
            diesel::sql_query("SELECT 1 FROM orders")
                .execute(&mut conn)
                .is_err(),
            "down.sql left the orders table"
        );
        conn.run_pending_migrations(orders::MIGRATIONS).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(svc.count("SELECT count(*) AS n FROM orders").await, 0);
}
