use std::time::Duration;

use actix_web::ResponseError as _;
use actix_web::http::StatusCode;
use aftersales_web::ApiError;
use aftersales_web::idempotency::{
    Claim, IdempotencyKey, claim, complete, purge_before, request_hash,
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use crate::migrated_db;

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::parse(k).unwrap()
}

/// claim + complete in one committed transaction, as a handler does.
async fn run_once(
    conn: &mut AsyncPgConnection,
    principal: &str,
    k: &IdempotencyKey,
    body: &serde_json::Value,
) -> Result<Claim, ApiError> {
    let hash = request_hash(body);
    conn.transaction(async |c| {
        let outcome = claim(c, principal, k, &hash).await?;
        if outcome == Claim::New {
            complete(c, principal, k, 201, &json!({"created": body})).await?;
        }
        Ok::<_, ApiError>(outcome)
    })
    .await
}

#[tokio::test]
async fn first_use_is_new_then_the_same_request_replays() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let body = json!({"part": "P-1", "qty": 2});

    assert_eq!(
        run_once(&mut conn, "u1", &key("k1"), &body).await.unwrap(),
        Claim::New
    );
    // Same request, fields in another order: same hash, so a replay.
    let again = json!({"qty": 2, "part": "P-1"});
    assert_eq!(
        run_once(&mut conn, "u1", &key("k1"), &again).await.unwrap(),
        Claim::Replay {
            status: 201,
            body: json!({"created": body})
        }
    );
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    run_once(&mut conn, "u1", &key("k1"), &json!({"qty": 1}))
        .await
        .unwrap();
    let err = run_once(&mut conn, "u1", &key("k1"), &json!({"qty": 2}))
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err.to_string().contains("reused with a different request"),
        "{err}"
    );
}

#[tokio::test]
async fn keys_are_scoped_per_principal() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let body = json!({"qty": 1});
    assert_eq!(
        run_once(&mut conn, "u1", &key("k"), &body).await.unwrap(),
        Claim::New
    );
    assert_eq!(
        run_once(&mut conn, "u2", &key("k"), &body).await.unwrap(),
        Claim::New
    );
}

#[tokio::test]
async fn a_rolled_back_request_frees_the_key() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let body = json!({"qty": 1});
    let hash = request_hash(&body);
    let k = key("k-rollback");

    let failed: Result<(), ApiError> = conn
        .transaction(async |c| {
            assert_eq!(claim(c, "u1", &k, &hash).await?, Claim::New);
            Err(ApiError::conflict("the work failed"))
        })
        .await;
    assert!(failed.is_err());

    assert_eq!(
        run_once(&mut conn, "u1", &k, &body).await.unwrap(),
        Claim::New
    );
}

#[tokio::test]
async fn a_claim_committed_without_a_response_is_409() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let hash = request_hash(&json!({}));
    let k = key("k-incomplete");
    assert_eq!(claim(&mut conn, "u1", &k, &hash).await.unwrap(), Claim::New);
    let err = claim(&mut conn, "u1", &k, &hash).await.unwrap_err();
    assert_eq!(err.status_code(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn complete_without_claim_is_an_error() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let err = complete(&mut conn, "u1", &key("never"), 201, &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_concurrent_twin_waits_for_the_first_and_replays_it() {
    let db = migrated_db().await;
    let mut first = db.conn().await;
    let mut twin = db.conn().await;
    let body = json!({"qty": 3});
    let hash = request_hash(&body);
    let k = key("k-twin");
    let (claimed_tx, claimed_rx) = tokio::sync::oneshot::channel::<()>();

    let first_task = async {
        first
            .transaction(async |c| {
                assert_eq!(claim(c, "u1", &k, &hash).await?, Claim::New);
                let _ = claimed_tx.send(());
                // The twin arrives while this transaction still holds the row.
                tokio::time::sleep(Duration::from_millis(300)).await;
                complete(c, "u1", &k, 201, &json!({"id": 7})).await?;
                Ok::<_, ApiError>(())
            })
            .await
    };
    let twin_task = async {
        claimed_rx.await.unwrap();
        let started = std::time::Instant::now();
        let outcome = twin
            .transaction(async |c| claim(c, "u1", &k, &hash).await)
            .await;
        (outcome, started.elapsed())
    };

    let (first_result, (twin_result, waited)) = tokio::join!(first_task, twin_task);
    first_result.unwrap();
    assert_eq!(
        twin_result.unwrap(),
        Claim::Replay {
            status: 201,
            body: json!({"id": 7})
        }
    );
    assert!(
        waited >= Duration::from_millis(200),
        "twin did not block: {waited:?}"
    );
}

#[tokio::test]
async fn purge_removes_old_keys() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    run_once(&mut conn, "u1", &key("old"), &json!({}))
        .await
        .unwrap();
    let future_cutoff = chrono::Utc::now() + chrono::Duration::minutes(1);
    assert_eq!(purge_before(&mut conn, future_cutoff).await.unwrap(), 1);
    assert_eq!(
        run_once(&mut conn, "u1", &key("old"), &json!({"x": 1}))
            .await
            .unwrap(),
        Claim::New
    );
}
