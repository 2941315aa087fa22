//! What every service must do besides its API, checked the same way for each: the
//! common endpoints (health, OpenAPI, docs, problem+json 404, metrics) and
//! migrations that revert completely and apply again.

use std::time::Duration;

use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use diesel::migration::MigrationSource;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use serde_json::Value;

use crate::{TestService, eventually};

/// The service's migrations by reference: `EmbeddedMigrations` is neither `Copy` nor
/// a `MigrationSource` behind a reference.
struct Source(&'static EmbeddedMigrations);

impl MigrationSource<diesel::pg::Pg> for Source {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<diesel::pg::Pg>>>> {
        MigrationSource::<diesel::pg::Pg>::migrations(self.0)
    }
}

async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    match client.get(url).send().await {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

/// Checks the endpoints every service serves besides its API, on the service named
/// `name` at `base` (`http://host:port`), and returns its OpenAPI document.
pub async fn check_common_endpoints(client: &reqwest::Client, base: &str, name: &str) -> Value {
    let url = |path: &str| format!("{base}{path}");
    assert_eq!(
        status_of(client, &url("/health/live")).await,
        200,
        "{name} live"
    );
    assert!(
        eventually(Duration::from_secs(20), || async {
            status_of(client, &url("/health/ready")).await == 200
        })
        .await,
        "{name} never became ready"
    );
    let ready: Value = client
        .get(url("/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["database"], "ok", "{name}: {ready}");
    assert_eq!(ready["checks"]["broker"], "ok", "{name}: {ready}");
    assert_eq!(ready["checks"]["consumer"], "ok", "{name}: {ready}");

    let res = client.get(url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let api: Value = res.json().await.unwrap();
    assert!(
        api["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    assert!(
        api["info"]["title"]
            .as_str()
            .unwrap_or_default()
            .contains(name),
        "{name}: {}",
        api["info"]
    );
    assert!(
        api["components"]["securitySchemes"]["bearer"].is_object(),
        "{name}"
    );

    let res = client.get(url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), 200, "{name} docs");
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/html"),
        "{name}: {content_type}"
    );
    let page = res.text().await.unwrap();
    assert!(
        !page.contains("://"),
        "{name}: the docs page must not load anything from elsewhere"
    );
    let bundle = client
        .get(url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bundle.status(),
        200,
        "{name}: the docs assets are served from the binary"
    );

    let res = client.get(url("/no/such/route")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    let metrics = client
        .get(url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "route=\"/health/live\"",
        "route=\"unmatched\"",
        "outbox_backlog",
        "queue_messages",
    ] {
        assert!(metrics.contains(series), "{name} /metrics lacks {series}");
    }
    assert!(
        !metrics.contains("/no/such/route"),
        "raw paths must not become labels"
    );
    api
}

/// [`check_common_endpoints`] on a started service, and every path of `paths` in
/// its OpenAPI document; returns the document for the service's own checks.
pub async fn check_platform(svc: &TestService, paths: &[&str]) -> Value {
    let api = check_common_endpoints(&svc.http, &svc.base, svc.name).await;
    for path in paths {
        assert!(
            api["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    api
}

/// Reverts the service's own `migrations` one by one, newest first (they come last,
/// after the shared tables'), checks that each of `tables` is gone and that no table
/// or sequence but the shared ones (outbox, inbox, idempotency keys, migrations)
/// remains, then applies them again and checks that each of `tables` is back, empty.
pub async fn check_migrations_revert(
    svc: &TestService,
    migrations: &'static EmbeddedMigrations,
    tables: &'static [&'static str],
) {
    let url = svc.db.url();
    let schema = svc.db.schema.clone();
    let left = tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        // By version, newest first: the shared migrations (outbox, idempotency keys, the
        // audit trail) share the version table and may be newer than the service's own.
        let mut ours = Source(migrations).migrations().unwrap();
        ours.sort_by_key(|m| m.name().version().as_owned());
        for migration in ours.iter().rev() {
            conn.revert_migration(migration.as_ref()).unwrap();
        }
        for table in tables {
            assert!(
                diesel::sql_query(format!("SELECT 1 FROM {table}"))
                    .execute(&mut conn)
                    .is_err(),
                "down.sql left the {table} table"
            );
        }
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
             WHERE s.nspname = '{schema}' AND c.relkind IN ('r', 'S')
               AND c.relname NOT IN ('outbox', 'inbox', 'idempotency_keys', '__diesel_schema_migrations')
               AND c.relname NOT LIKE 'outbox_%' AND c.relname NOT LIKE 'inbox_%'
               AND c.relname NOT LIKE 'audit_%' AND c.relname NOT LIKE 'notify_%'"
        ))
        .get_result(&mut conn)
        .unwrap();
        conn.run_pending_migrations(Source(migrations)).unwrap();
        n.n
    })
    .await
    .unwrap();
    assert_eq!(left, 0, "down.sql left tables or sequences behind");
    for table in tables {
        assert_eq!(
            svc.count(&format!("SELECT count(*) AS n FROM {table}"))
                .await,
            0,
            "{table} after reapplying"
        );
    }
}
