//! Pruning of idempotency keys (issue 15, finding 7): only keys past the cutoff go, in
//! batches, and a request in flight with its key is neither broken nor waited for.

use std::time::Duration;

use aftersales_web::ApiError;
use aftersales_web::idempotency::{
    Claim, IdempotencyKey, claim, complete, purge_batch, request_hash,
};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::json;

use crate::migrated_db;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::parse(k).unwrap()
}

fn a_week_ago() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(7)
}

#[tokio::test]
async fn purge_batch_deletes_only_keys_past_the_cutoff_a_batch_at_a_time() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    conn.batch_execute(
        "INSERT INTO idempotency_keys (principal, key, request_hash, created_at) \
         SELECT 'u', 'old-' || i, '\\x00', now() - interval '8 days' FROM generate_series(1, 5) i; \
         INSERT INTO idempotency_keys (principal, key, request_hash, created_at) \
         VALUES ('u', 'recent', '\\x00', now() - interval '6 days')",
    )
    .await
    .unwrap();
    let mut batches = Vec::new();
    loop {
        let n = purge_batch(&mut conn, a_week_ago(), 2).await.unwrap();
        batches.push(n);
        if n < 2 {
            break;
        }
    }
    assert_eq!(batches, [2, 2, 1]);
    let left: Vec<Count> =
        diesel::sql_query("SELECT count(*) AS n FROM idempotency_keys WHERE key = 'recent'")
            .load(&mut conn)
            .await
            .unwrap();
    assert_eq!(left[0].n, 1);
}

#[tokio::test]
async fn a_key_in_flight_is_neither_deleted_nor_waited_for_and_replays_afterwards() {
    let db = migrated_db().await;
    let mut first = db.conn().await;
    let mut purger = db.conn().await;
    let mut twin = db.conn().await;
    let body = json!({"qty": 1});
    let hash = request_hash(&body);
    let k = key("in-flight");
    let (claimed_tx, claimed_rx) = tokio::sync::oneshot::channel::<()>();
    let (purged_tx, purged_rx) = tokio::sync::oneshot::channel::<usize>();

    let request = async {
        first
            .transaction(async |c| {
                assert_eq!(claim(c, "u1", &k, &hash).await?, Claim::New);
                // Made as old as a key the job deletes, still uncommitted.
                c.batch_execute(
                    "UPDATE idempotency_keys SET created_at = now() - interval '30 days'",
                )
                .await?;
                let _ = claimed_tx.send(());
                let purged = purged_rx.await.unwrap();
                complete(c, "u1", &k, 201, &json!({"id": 1})).await?;
                Ok::<_, ApiError>(purged)
            })
            .await
    };
    let purge = async {
        claimed_rx.await.unwrap();
        // Not waited for: a job blocked on a request's key would be a hang, caught here.
        let n = tokio::time::timeout(
            Duration::from_secs(30),
            purge_batch(&mut purger, a_week_ago(), 100),
        )
        .await
        .expect("the purge waited for a request in flight")
        .unwrap();
        let _ = purged_tx.send(n);
    };
    let (purged, ()) = tokio::join!(request, purge);
    assert_eq!(
        purged.unwrap(),
        0,
        "the key of a request in flight was deleted"
    );

    // Committed, the key replays for the twin.
    let replay = twin
        .transaction(async |c| claim(c, "u1", &k, &hash).await)
        .await
        .unwrap();
    assert_eq!(
        replay,
        Claim::Replay {
            status: 201,
            body: json!({"id": 1})
        }
    );
}
