use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use diesel::migration::MigrationSource;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;

use crate::support::Svc;

#[tokio::test(flavor = "multi_thread")]
async fn migrations_revert_completely_and_reapply() {
    let svc = Svc::start().await;
    let url = svc.db.url();
    let schema = svc.db.schema.clone();
    let left = tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        // The service's migrations come last; revert them one by one, newest first.
        let ours = MigrationSource::<diesel::pg::Pg>::migrations(&inspection::MIGRATIONS)
            .unwrap()
            .len();
        for _ in 0..ours {
            conn.revert_last_migration(inspection::MIGRATIONS).unwrap();
        }
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        // Only the shared tables (outbox, inbox, idempotency keys, migrations) and no
        // sequence of ours may remain.
        let n: N = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
             WHERE s.nspname = '{schema}' AND c.relkind IN ('r', 'S')
               AND c.relname NOT IN ('outbox', 'inbox', 'idempotency_keys', '__diesel_schema_migrations')
               AND c.relname NOT LIKE 'outbox_%' AND c.relname NOT LIKE 'inbox_%'"
        ))
        .get_result(&mut conn)
        .unwrap();
        conn.run_pending_migrations(inspection::MIGRATIONS).unwrap();
        n.n
    })
    .await
    .unwrap();
    assert_eq!(left, 0, "down.sql left tables or sequences behind");
    assert_eq!(svc.count("SELECT count(*) AS n FROM claims").await, 0);
}
