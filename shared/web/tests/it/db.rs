use aftersales_testkit::TestDb;
use aftersales_web::db::{connection_url, ping, pool, run_migrations};
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[tokio::test]
async fn migrations_land_in_the_search_path_schema_and_rerun_cleanly() {
    let db = TestDb::new().await;
    run_migrations(&db.url(), &[aftersales_web::MIGRATIONS])
        .await
        .unwrap();
    // A second run finds nothing pending.
    run_migrations(&db.url(), &[aftersales_web::MIGRATIONS])
        .await
        .unwrap();

    let mut conn = db.conn().await;
    let found: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema = $1 AND table_name IN ('idempotency_keys', '__diesel_schema_migrations')",
    )
    .bind::<Text, _>(&db.schema)
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(found.n, 2);
}

#[tokio::test]
async fn connection_url_selects_the_schema() {
    let db = TestDb::new().await;
    let url = connection_url(&db.admin_url(), Some(&db.schema));
    let pool = pool(&url, 2).unwrap();
    ping(&pool).await.unwrap();
    let mut conn = pool.get().await.unwrap();
    let schema: Name = diesel::sql_query("SELECT current_schema() AS name")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(schema.name, db.schema);
}

#[tokio::test]
async fn migrations_revert_and_reapply_cleanly() {
    use diesel::Connection as _;
    use diesel_async::AsyncPgConnection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::MigrationHarness as _;

    let db = TestDb::new().await;
    run_migrations(&db.url(), &[aftersales_web::MIGRATIONS])
        .await
        .unwrap();
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        conn.revert_all_migrations(aftersales_web::MIGRATIONS)
            .unwrap();
    })
    .await
    .unwrap();

    let mut conn = db.conn().await;
    let tables: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema = $1 AND table_name = 'idempotency_keys'",
    )
    .bind::<Text, _>(&db.schema)
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(tables.n, 0, "down.sql left the table behind");

    run_migrations(&db.url(), &[aftersales_web::MIGRATIONS])
        .await
        .unwrap();
}

/// actix drops a handler's future when its client hangs up, possibly in the middle of a
/// transaction. The connection must not go back to the pool with that transaction open:
/// there it would keep the transaction's row locks until someone happened to check it
/// out again, and a consumer waiting on such a lock waits forever.
#[tokio::test]
async fn a_transaction_abandoned_midway_keeps_no_lock() {
    use diesel_async::AsyncConnection as _;
    use std::time::Duration;

    let db = TestDb::new().await;
    let pool = pool(&db.url(), 4).unwrap();
    let mut other = db.conn().await;
    diesel::sql_query("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)")
        .execute(&mut other)
        .await
        .unwrap();
    diesel::sql_query("INSERT INTO counter VALUES (1, 0)")
        .execute(&mut other)
        .await
        .unwrap();

    let abandoned = async {
        let mut c = aftersales_web::db::conn(&pool).await.unwrap();
        c.transaction::<(), diesel::result::Error, _>(async |c| {
            diesel::sql_query("UPDATE counter SET n = n + 1 WHERE id = 1")
                .execute(c)
                .await?;
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
        .await
    };
    assert!(
        tokio::time::timeout(Duration::from_millis(300), abandoned)
            .await
            .is_err(),
        "the transaction should still have been running"
    );

    diesel::sql_query("SET lock_timeout = '3s'")
        .execute(&mut other)
        .await
        .unwrap();
    let updated = diesel::sql_query("UPDATE counter SET n = n + 1 WHERE id = 1")
        .execute(&mut other)
        .await;
    assert!(
        matches!(updated, Ok(1)),
        "the abandoned transaction still holds the row: {updated:?}"
    );
    // The pool still works, and the abandoned increment was rolled back.
    let n: Count = diesel::sql_query("SELECT n::bigint AS n FROM counter WHERE id = 1")
        .get_result(&mut *aftersales_web::db::conn(&pool).await.unwrap())
        .await
        .unwrap();
    assert_eq!(n.n, 1);
}

/// The server's named statements whose text holds `marker` (an unnamed statement,
/// parsed for one execution, is not listed).
async fn named_statements(conn: &mut diesel_async::AsyncPgConnection, marker: &str) -> i64 {
    let found: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE strpos(statement, $1) > 0",
    )
    .bind::<Text, _>(marker)
    .get_result(conn)
    .await
    .unwrap();
    found.n
}

#[tokio::test]
async fn a_prepared_statement_is_parsed_once_per_connection_and_a_raw_one_every_time() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    for n in 0..3_i64 {
        let got: Count = aftersales_web::db::prepared("SELECT $1 AS n /* prepared-marker */")
            .bind::<BigInt, _>(n)
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(got.n, n);
        let got: Count = diesel::sql_query("SELECT $1 AS n /* raw-marker */")
            .bind::<BigInt, _>(n)
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(got.n, n);
    }
    assert_eq!(named_statements(&mut conn, "prepared-marker").await, 1);
    assert_eq!(named_statements(&mut conn, "raw-marker").await, 0);
}
