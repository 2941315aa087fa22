//! Pruning of the inbox and of published outbox rows (issue 15, finding 7): only rows
//! past the cutoff, a batch at a time; unpublished outbox rows never.

use aftersales_messaging::retention::{prune_inbox, prune_outbox};
use aftersales_testkit::TestDb;
use diesel::sql_types::BigInt;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};

use crate::support::prepare_schema;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn a_week_ago() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(7)
}

async fn count(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> i64 {
    let rows: Vec<Count> = diesel::sql_query(sql).load(conn).await.unwrap();
    rows[0].n
}

#[tokio::test]
async fn old_inbox_and_published_outbox_rows_go_in_batches_the_rest_stays() {
    let db = TestDb::new().await;
    let pool = prepare_schema(&db.url()).await;
    let mut conn = pool.get().await.unwrap();
    conn.batch_execute(
        "INSERT INTO inbox (event_id, event_type, producer, received_at) \
         SELECT gen_random_uuid(), 'old', 'p', now() - interval '8 days' FROM generate_series(1, 3); \
         INSERT INTO inbox (event_id, event_type, producer, received_at) \
         VALUES (gen_random_uuid(), 'recent', 'p', now() - interval '6 days'); \
         INSERT INTO outbox (event_id, event_type, envelope, created_at, published_at) \
         SELECT gen_random_uuid(), 'old', '{}', now() - interval '9 days', now() - interval '8 days' \
           FROM generate_series(1, 3); \
         INSERT INTO outbox (event_id, event_type, envelope, created_at, published_at) VALUES \
           (gen_random_uuid(), 'recent', '{}', now() - interval '6 days', now() - interval '6 days'), \
           (gen_random_uuid(), 'unpublished', '{}', now() - interval '30 days', NULL)",
    )
    .await
    .unwrap();

    assert_eq!(prune_inbox(&mut conn, a_week_ago(), 2).await.unwrap(), 2);
    assert_eq!(prune_inbox(&mut conn, a_week_ago(), 2).await.unwrap(), 1);
    assert_eq!(prune_inbox(&mut conn, a_week_ago(), 2).await.unwrap(), 0);
    assert_eq!(prune_outbox(&mut conn, a_week_ago(), 2).await.unwrap(), 2);
    assert_eq!(prune_outbox(&mut conn, a_week_ago(), 2).await.unwrap(), 1);
    assert_eq!(prune_outbox(&mut conn, a_week_ago(), 2).await.unwrap(), 0);

    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM inbox WHERE event_type = 'old'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM inbox WHERE event_type = 'recent'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'old'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE event_type <> 'old'"
        )
        .await,
        2,
        "a recent published row and an old unpublished one stay"
    );
}
