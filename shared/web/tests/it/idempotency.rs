use std::time::Duration;

use actix_web::ResponseError as _;
use actix_web::http::StatusCode;
use aftersales_web::ApiError;
use aftersales_web::idempotency::{
    Answer, Claim, Completed, IdempotencyKey, KeyedRequest, REPLAYED_HEADER, claim, claim_many,
    complete, complete_many, once, purge_before, release_many, request_hash,
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

/// `once` with a side effect the test can count: the work runs at most once per key.
async fn counted(
    conn: &mut AsyncPgConnection,
    key: Option<&IdempotencyKey>,
    body: &serde_json::Value,
    runs: &std::sync::atomic::AtomicUsize,
    fail: bool,
) -> Result<Answer, ApiError> {
    once(conn, "u1", key, body, StatusCode::CREATED, async |c| {
        // A statement in the transaction, so the work really runs inside it. (The
        // trait is imported here only: its `load` would shadow AtomicUsize::load.)
        use diesel_async::RunQueryDsl as _;
        diesel::sql_query("SELECT 1").execute(c).await?;
        let n = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if fail {
            return Err(ApiError::unprocessable("refused"));
        }
        Ok(json!({"id": format!("id-{n}"), "echo": body}))
    })
    .await
}

#[tokio::test]
async fn once_runs_the_work_once_and_replays_its_answer() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let runs = std::sync::atomic::AtomicUsize::new(0);
    let body = json!({"qty": 1});
    let k = key("once-1");

    let first = counted(&mut conn, Some(&k), &body, &runs, false)
        .await
        .unwrap();
    assert!(!first.replayed);
    assert_eq!(first.status, StatusCode::CREATED);
    let again = counted(&mut conn, Some(&k), &body, &runs, false)
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);

    let resp = again.located("/api/v1/things", "id");
    assert_eq!(resp.headers().get(REPLAYED_HEADER).unwrap(), "true");
    assert_eq!(
        resp.headers().get("location").unwrap(),
        "/api/v1/things/id-1"
    );
    let resp = first.into_response();
    assert!(resp.headers().get(REPLAYED_HEADER).is_none());

    let err = counted(&mut conn, Some(&k), &json!({"qty": 2}), &runs, false)
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn once_without_a_key_runs_every_time() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let runs = std::sync::atomic::AtomicUsize::new(0);
    for _ in 0..2 {
        let a = counted(&mut conn, None, &json!({}), &runs, false)
            .await
            .unwrap();
        assert!(!a.replayed);
    }
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn once_whose_work_fails_keeps_no_key() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let runs = std::sync::atomic::AtomicUsize::new(0);
    let k = key("once-fails");
    let err = counted(&mut conn, Some(&k), &json!({}), &runs, true)
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    // The failed attempt rolled back with its key: the retry does the work.
    let ok = counted(&mut conn, Some(&k), &json!({}), &runs, false)
        .await
        .unwrap();
    assert!(!ok.replayed);
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2);
}

aftersales_web::roles! {
    Admins = [Admin];
}

/// A handler as the services write one: `Keyed` from the request, the work once per key.
async fn keyed_create(
    aftersales_web::Allowed(who, ..): aftersales_web::Allowed<Admins>,
    keyed: aftersales_web::Keyed,
    body: aftersales_web::Json<serde_json::Value>,
    runs: actix_web::web::Data<std::sync::atomic::AtomicUsize>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let body = body.into_inner();
    let answer = keyed
        .once(&who, &body, StatusCode::CREATED, async |c| {
            use diesel_async::RunQueryDsl as _;
            diesel::sql_query("SELECT 1").execute(c).await?;
            let n = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            Ok(json!({"id": format!("id-{n}")}))
        })
        .await?;
    Ok(answer.located("/api/v1/things", "id"))
}

#[tokio::test]
async fn over_http_only_a_replay_carries_the_replayed_header() {
    use actix_web::{App, test as actix_test, web};
    let db = migrated_db().await;
    let pool = aftersales_web::db::pool(&db.url(), 2).unwrap();
    let runs = web::Data::new(std::sync::atomic::AtomicUsize::new(0));
    let app = actix_test::init_service(
        App::new()
            .app_data(web::Data::new(pool))
            .app_data(web::Data::new(aftersales_web::JwtKeys::new("it-secret")))
            .app_data(runs.clone())
            .route("/things", web::post().to(keyed_create)),
    )
    .await;
    let token = aftersales_web::JwtKeys::new("it-secret").mint(
        "u1",
        aftersales_web::Role::Admin,
        None,
        chrono::Duration::hours(1),
    );
    let post = |key: Option<&str>, qty: i64| {
        let mut req = actix_test::TestRequest::post()
            .uri("/things")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(json!({"qty": qty}));
        if let Some(k) = key {
            req = req.insert_header(("Idempotency-Key", k.to_owned()));
        }
        req.to_request()
    };

    let first = actix_test::call_service(&app, post(Some("http-1"), 1)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get(REPLAYED_HEADER).is_none());
    let first_location = first.headers().get("location").cloned();
    let first_body: serde_json::Value = actix_test::read_body_json(first).await;

    let again = actix_test::call_service(&app, post(Some("http-1"), 1)).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get(REPLAYED_HEADER).unwrap(), "true");
    assert_eq!(again.headers().get("location").cloned(), first_location);
    let again_body: serde_json::Value = actix_test::read_body_json(again).await;
    assert_eq!(again_body, first_body);
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A new key, or none, is a first execution: no header.
    for key in [Some("http-2"), None] {
        let resp = actix_test::call_service(&app, post(key, 1)).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{key:?}");
        assert!(resp.headers().get(REPLAYED_HEADER).is_none(), "{key:?}");
    }
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 3);

    // The same key with another request is refused, not replayed.
    let reused = actix_test::call_service(&app, post(Some("http-1"), 2)).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.headers().get(REPLAYED_HEADER).is_none());
}

/// The batch forms answer each request what the single form would, in the order given.
#[tokio::test]
async fn a_batch_of_claims_answers_each_as_alone() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    let (done, asked) = (json!({"qty": 1}), json!({"qty": 2}));
    run_once(&mut conn, "u1", &key("done"), &done)
        .await
        .unwrap();
    claim(&mut conn, "u1", &key("open"), &request_hash(&done))
        .await
        .unwrap();

    let (done_hash, asked_hash) = (request_hash(&done), request_hash(&asked));
    let keys = [key("new-b"), key("done"), key("open"), key("new-a")];
    let requests = [
        KeyedRequest {
            principal: "u1",
            key: &keys[0],
            hash: &asked_hash,
        },
        // The same key as an earlier request: the same request replays, another is 422.
        KeyedRequest {
            principal: "u1",
            key: &keys[1],
            hash: &done_hash,
        },
        KeyedRequest {
            principal: "u2",
            key: &keys[1],
            hash: &asked_hash,
        },
        KeyedRequest {
            principal: "u1",
            key: &keys[2],
            hash: &done_hash,
        },
        KeyedRequest {
            principal: "u1",
            key: &keys[3],
            hash: &asked_hash,
        },
    ];
    let mut replay_of_another = requests;
    replay_of_another[1].hash = &asked_hash;

    let outcomes = conn
        .transaction(async |c| {
            let first = claim_many(c, &requests).await?;
            let statuses: Vec<Option<u16>> = first
                .iter()
                .map(|o| o.as_ref().err().map(|e| e.status_code().as_u16()))
                .collect();
            assert_eq!(
                statuses,
                [None, None, None, Some(409), None],
                "an unanswered claim is 409"
            );
            assert_eq!(first[0].as_ref().unwrap(), &Claim::New);
            assert_eq!(
                first[1].as_ref().unwrap(),
                &Claim::Replay {
                    status: 201,
                    body: json!({"created": done})
                }
            );
            assert_eq!(
                first[2].as_ref().unwrap(),
                &Claim::New,
                "keys are per principal"
            );
            assert_eq!(first[4].as_ref().unwrap(), &Claim::New);
            let again = claim_many(c, &replay_of_another[1..2]).await?;
            assert_eq!(
                again[0].as_ref().unwrap_err().status_code(),
                StatusCode::UNPROCESSABLE_ENTITY
            );

            let body = json!({"id": 7});
            complete_many(
                c,
                &[
                    Completed {
                        principal: "u1",
                        key: &keys[0],
                        status: 201,
                        body: &body,
                    },
                    Completed {
                        principal: "u2",
                        key: &keys[1],
                        status: 201,
                        body: &body,
                    },
                ],
            )
            .await?;
            // new-a's work failed: its key goes as a rollback would take it.
            release_many(c, &[("u1", &keys[3])]).await?;
            let err = complete_many(
                c,
                &[Completed {
                    principal: "u1",
                    key: &keys[3],
                    status: 201,
                    body: &body,
                }],
            )
            .await
            .unwrap_err();
            assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
            Err::<(), _>(err)
        })
        .await;
    assert!(
        outcomes.is_err(),
        "a failed complete_many fails the transaction"
    );

    // Nothing of that transaction stayed; now the same batch commits.
    conn.transaction(async |c| {
        let first = claim_many(c, &requests[..1]).await?;
        assert_eq!(first[0].as_ref().unwrap(), &Claim::New);
        let body = json!({"id": 7});
        complete_many(
            c,
            &[Completed {
                principal: "u1",
                key: &keys[0],
                status: 201,
                body: &body,
            }],
        )
        .await?;
        release_many(c, &[]).await?;
        Ok::<_, ApiError>(())
    })
    .await
    .unwrap();
    assert_eq!(
        run_once(&mut conn, "u1", &keys[0], &asked).await.unwrap(),
        Claim::Replay {
            status: 201,
            body: json!({"id": 7})
        }
    );
    assert_eq!(
        run_once(&mut conn, "u1", &keys[3], &asked).await.unwrap(),
        Claim::New,
        "a released key was never claimed"
    );
}

/// Two writers claiming overlapping keys in opposite orders wait for each other; they
/// do not deadlock.
#[tokio::test]
async fn overlapping_batches_wait_instead_of_deadlocking() {
    let db = migrated_db().await;
    let hash = request_hash(&json!({}));
    let keys: Vec<IdempotencyKey> = (0..20).map(|i| key(&format!("k{i:02}"))).collect();
    let run = |reversed: bool| {
        let (db, hash, keys) = (&db, &hash, &keys);
        async move {
            let mut requests: Vec<KeyedRequest<'_>> = keys
                .iter()
                .map(|k| KeyedRequest {
                    principal: "u1",
                    key: k,
                    hash,
                })
                .collect();
            if reversed {
                requests.reverse();
            }
            let mut conn = db.conn().await;
            conn.transaction(async |c| {
                let claims = claim_many(c, &requests).await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
                let body = json!({});
                let new: Vec<Completed<'_>> = requests
                    .iter()
                    .zip(&claims)
                    .filter(|(_, claim)| matches!(claim, Ok(Claim::New)))
                    .map(|(r, _)| Completed {
                        principal: r.principal,
                        key: r.key,
                        status: 201,
                        body: &body,
                    })
                    .collect();
                complete_many(c, &new).await?;
                Ok::<_, ApiError>(claims.iter().filter(|c| c.is_ok()).count())
            })
            .await
        }
    };
    let (a, b) = tokio::join!(run(false), run(true));
    assert_eq!(a.unwrap(), 20);
    assert_eq!(b.unwrap(), 20, "the later batch replays every key");
}
