//! Integration tests of `aftersales-web` against a real PostgreSQL (from the testkit:
//! `AFTERSALES_TEST_PG_URL`, or servers it starts itself). Each test gets its own schema.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod audit;
mod db;
mod idempotency;
mod limits;
mod notify;
mod retention;
mod text_enum;

use aftersales_testkit::TestDb;

/// A fresh schema with this crate's migrations applied.
pub async fn migrated_db() -> TestDb {
    let db = TestDb::new().await;
    aftersales_web::db::run_migrations(&db.url(), &[aftersales_web::MIGRATIONS])
        .await
        .unwrap_or_else(|e| panic!("migrations: {e}"));
    db
}
