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
        let ours = MigrationSource::<diesel::pg::Pg>::migrations(&recovery::MIGRATIONS)
            .unwrap()
            .len();
        for _ in 0..ours {
            conn.revert_last_migration(recovery::MIGRATIONS).unwrap();
        }
        for table in [
            "agreements",
            "recovery_lines",
            "recovery_claims",
            "allocations",
        ] {
            assert!(
                diesel::sql_query(format!("SELECT 1 FROM {table}"))
                    .execute(&mut conn)
                    .is_err(),
                "down.sql left {table}"
            );
        }
        conn.run_pending_migrations(recovery::MIGRATIONS).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(svc.count("SELECT count(*) AS n FROM agreements").await, 0);
}
