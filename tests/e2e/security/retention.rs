//! Finding 7, retention: a started service prunes idempotency keys, inbox rows and
//! published outbox rows older than their retention on its own schedule, keeps the
//! newer ones, and counts what it pruned in `/metrics`.

use std::time::Duration;

use aftersales_e2e::{ServiceProcess, eventually};
use aftersales_testkit::{TestDb, TestVhost};
use diesel_async::SimpleAsyncConnection;

/// Rows of each table, each aged by `age` (a PostgreSQL interval); `tag` tells them
/// apart.
fn rows_aged(tag: &str, age: &str) -> String {
    format!(
        "INSERT INTO idempotency_keys (principal, key, request_hash, response_status, response_body, created_at) \
           VALUES ('user-{tag}', 'key-{tag}', '\\x00', 201, '{{}}', now() - interval '{age}'); \
         INSERT INTO inbox (event_id, event_type, producer, received_at) \
           VALUES (gen_random_uuid(), 'retention.{tag}', 'test', now() - interval '{age}'); \
         INSERT INTO outbox (event_id, event_type, envelope, created_at, published_at) \
           VALUES (gen_random_uuid(), 'retention.{tag}', '{{}}', now() - interval '{age}', now() - interval '{age}');"
    )
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    use diesel::sql_types::BigInt;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = db.conn().await;
    let rows: Vec<N> = diesel::sql_query(sql).load(&mut conn).await.unwrap();
    rows[0].n
}

/// `(idempotency keys, inbox rows, outbox rows)` tagged `tag`.
async fn tagged(db: &TestDb, tag: &str) -> (i64, i64, i64) {
    (
        count(
            db,
            &format!("SELECT count(*) AS n FROM idempotency_keys WHERE key = 'key-{tag}'"),
        )
        .await,
        count(
            db,
            &format!("SELECT count(*) AS n FROM inbox WHERE event_type = 'retention.{tag}'"),
        )
        .await,
        count(
            db,
            &format!("SELECT count(*) AS n FROM outbox WHERE event_type = 'retention.{tag}'"),
        )
        .await,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_service_prunes_rows_past_their_retention_and_keeps_the_rest() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    let service = ServiceProcess::start_on(
        "orders",
        &db,
        &vhost,
        &[
            ("RETENTION_INTERVAL", "1s"),
            ("RETENTION_BATCH", "2"),
            ("IDEMPOTENCY_RETENTION", "7d"),
            ("INBOX_RETENTION", "30d"),
            ("OUTBOX_RETENTION", "7d"),
        ],
    )
    .await;

    // Past each retention (idempotency and outbox 7 days, inbox 30 days), several
    // batches' worth; and within it.
    let mut conn = db.conn().await;
    for i in 0..5 {
        conn.batch_execute(&rows_aged(&format!("old{i}"), "31 days"))
            .await
            .unwrap();
    }
    conn.batch_execute(&rows_aged("recent_inbox", "29 days"))
        .await
        .unwrap();
    conn.batch_execute(&rows_aged("recent", "6 days"))
        .await
        .unwrap();

    let left = std::sync::Mutex::new(Vec::new());
    let pruned = eventually(Duration::from_secs(30), || async {
        let mut now = Vec::new();
        for i in 0..5 {
            now.push(tagged(&db, &format!("old{i}")).await);
        }
        let gone = now.iter().all(|t| *t == (0, 0, 0));
        *left.lock().unwrap() = now;
        gone
    })
    .await;
    assert!(
        pruned,
        "rows past their retention are still there: {:?}",
        left.lock().unwrap()
    );
    // A 29-day-old inbox row is within the inbox's 30 days; the same age is past the 7
    // days of the other two tables.
    assert_eq!(tagged(&db, "recent_inbox").await, (0, 1, 0));
    assert_eq!(tagged(&db, "recent").await, (1, 1, 1));

    let client = aftersales_web::http_client::client();
    let metrics = client
        .get(service.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for table in ["idempotency_keys", "inbox", "outbox"] {
        let line = metrics
            .lines()
            .find(|l| {
                l.starts_with("retention_pruned_rows_total")
                    && l.contains(&format!("table=\"{table}\""))
            })
            .unwrap_or_else(|| panic!("no retention_pruned_rows_total for {table}:\n{metrics}"));
        let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        let expected = if table == "inbox" { 5.0 } else { 6.0 };
        assert!(n >= expected, "{line}");
    }
}
