//! The pool's limits (issue 15, finding 6): its connections carry the session timeouts,
//! a request that finds no free connection in time is a 503 with `Retry-After`, and so
//! is a statement the server cancelled.

use std::time::Duration;

use actix_web::ResponseError as _;
use actix_web::http::StatusCode;
use aftersales_testkit::TestDb;
use aftersales_web::ApiError;
use aftersales_web::db::{DbLimits, conn, pool_with};
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

fn limits() -> DbLimits {
    DbLimits {
        acquire: Duration::from_millis(200),
        statement: Duration::from_millis(300),
        lock: Duration::from_millis(250),
        idle_in_transaction: Duration::from_secs(7),
    }
}

fn assert_503_with_retry_after(err: ApiError) {
    assert_eq!(err.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{err}");
    let response = err.error_response();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(retry.is_some_and(|s| s >= 1), "{:?}", response.headers());
}

#[tokio::test]
async fn pooled_connections_carry_the_session_timeouts() {
    let db = TestDb::new().await;
    let pool = pool_with(&db.url(), 1, &limits()).unwrap();
    let mut c = pool.get().await.unwrap();
    for (setting, expected) in [
        ("statement_timeout", "300ms"),
        ("lock_timeout", "250ms"),
        ("idle_in_transaction_session_timeout", "7s"),
    ] {
        let shown: Setting =
            diesel::sql_query(format!("SELECT current_setting('{setting}') AS value"))
                .get_result(&mut c)
                .await
                .unwrap();
        assert_eq!(shown.value, expected, "{setting}");
    }
}

#[tokio::test]
async fn no_free_connection_within_the_acquire_timeout_is_a_503() {
    let db = TestDb::new().await;
    let pool = pool_with(&db.url(), 1, &limits()).unwrap();
    let held = conn(&pool).await.unwrap();
    let err = match conn(&pool).await {
        Ok(_) => panic!("a second connection from a pool of one that is in use"),
        Err(err) => err,
    };
    assert!(err.to_string().contains("busy"), "{err}");
    assert_503_with_retry_after(err);
    drop(held);
    conn(&pool).await.unwrap();
}

#[tokio::test]
async fn a_statement_cancelled_by_its_timeout_is_a_503() {
    let db = TestDb::new().await;
    let pool = pool_with(&db.url(), 1, &limits()).unwrap();
    let mut c = conn(&pool).await.unwrap();
    let err = diesel::sql_query("SELECT pg_sleep(5)")
        .execute(&mut *c)
        .await
        .unwrap_err();
    assert!(aftersales_messaging::transient::is_transient(&err), "{err}");
    assert_503_with_retry_after(err.into());
    // The connection is fine afterwards.
    diesel::sql_query("SELECT 1")
        .execute(&mut *c)
        .await
        .unwrap();
}
