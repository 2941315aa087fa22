//! Database plumbing shared by the services: the pool type, schema-scoped connection
//! URLs, embedded migrations and a liveness ping.

use std::time::Duration;

use diesel::pg::Pg;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

pub use crate::settings::DbLimits;

pub type DbPool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
type Pooled = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// A connection checked out of a [`DbPool`] with [`conn`]; derefs to the connection.
///
/// actix drops a handler's future when its client hangs up, possibly in the middle of
/// a transaction. A connection dropped with its transaction still open is closed
/// (PostgreSQL rolls back and releases the locks) instead of going back to the pool,
/// where it would hold those row locks until someone happened to check it out again:
/// a consumer waiting on one of them would wait forever.
pub struct DbConn(Option<Pooled>);

impl std::ops::Deref for DbConn {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        // Only `Drop` takes the connection out.
        self.0
            .as_deref()
            .unwrap_or_else(|| unreachable!("DbConn used after drop"))
    }
}

impl std::ops::DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        self.0
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("DbConn used after drop"))
    }
}

impl Drop for DbConn {
    fn drop(&mut self) {
        use diesel_async::{AsyncConnection, TransactionManager};
        if let Some(mut conn) = self.0.take()
            && <AsyncPgConnection as AsyncConnection>::TransactionManager::is_broken_transaction_manager(&mut *conn)
        {
            tracing::warn!("a connection was dropped inside a transaction; closing it");
            drop(Pooled::take(conn));
        }
    }
}

/// How long [`ping`] waits for a connection and the answer together.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not build the connection pool: {0}")]
    PoolBuild(#[from] diesel_async::pooled_connection::deadpool::BuildError),
    #[error("could not get a database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error("could not connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("migration task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Unreachable database → 503; a query error follows `From<diesel::result::Error>`.
impl From<DbError> for crate::ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Query(e) => e.into(),
            DbError::Pool(deadpool::managed::PoolError::Timeout(
                deadpool::managed::TimeoutType::Wait,
            )) => crate::ApiError::ServiceUnavailable(
                "every database connection is busy; retry after the time in Retry-After".into(),
            ),
            DbError::Pool(_) | DbError::Connection(_) | DbError::Timeout(_) => {
                crate::ApiError::ServiceUnavailable(error.to_string())
            }
            other => crate::ApiError::internal(other),
        }
    }
}

/// `url` with `options=-c search_path=<schema>` added as a query parameter, so every
/// connection made from it works in that schema. Without a schema, `url` unchanged.
pub fn connection_url(url: &str, schema: Option<&str>) -> String {
    match schema {
        Some(schema) => aftersales_messaging::tls::with_query_param(
            url,
            "options",
            &format!("-c search_path={schema}"),
        ),
        None => url.to_owned(),
    }
}

/// A pool of at most `size` connections with the default [`DbLimits`]. Connections are
/// opened lazily, so this succeeds even while the database is down; use [`ping`] to
/// check it.
pub fn pool(url: &str, size: usize) -> Result<DbPool, DbError> {
    pool_with(url, size, &DbLimits::default())
}

/// [`pool`] with the given limits: see [`with_limits`].
pub fn pool_with(url: &str, size: usize, limits: &DbLimits) -> Result<DbPool, DbError> {
    let manager = manager(url);
    let builder = DbPool::builder(manager).max_size(size.max(1));
    Ok(with_limits(builder, limits, CONNECT_TIMEOUT).build()?)
}

/// The pool of the readiness check: one connection of its own (counted in the
/// database's `max_connections`, k8s/README.md), so the check never queues behind
/// requests for the service's pool, and short limits, so a database that does not
/// answer fails the check instead of hanging it.
pub fn probe_pool(url: &str) -> Result<DbPool, DbError> {
    let limits = DbLimits {
        acquire: PING_TIMEOUT / 2,
        statement: PING_TIMEOUT / 2,
        lock: PING_TIMEOUT / 2,
        idle_in_transaction: PING_TIMEOUT,
    };
    let manager = manager(url);
    let builder = DbPool::builder(manager).max_size(1);
    Ok(with_limits(builder, &limits, PING_TIMEOUT).build()?)
}

/// The longest the pool waits for a new connection to be opened (and an idle one to
/// answer its check before reuse): beyond it the database counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pool that gives up waiting for a free connection after `limits.acquire` (deadpool's
/// `Timeout(Wait)`, a 503 with `Retry-After` for a request) and whose every connection
/// runs with the session settings of [`session_settings`].
fn with_limits(
    builder: diesel_async::pooled_connection::deadpool::PoolBuilder<AsyncPgConnection>,
    limits: &DbLimits,
    connect: Duration,
) -> diesel_async::pooled_connection::deadpool::PoolBuilder<AsyncPgConnection> {
    use diesel_async::SimpleAsyncConnection as _;
    use diesel_async::pooled_connection::PoolError as ConnError;
    use diesel_async::pooled_connection::deadpool::{Hook, HookError};

    let settings = session_settings(limits);
    builder
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(limits.acquire))
        .create_timeout(Some(connect))
        .recycle_timeout(Some(connect))
        .post_create(Hook::async_fn(move |conn: &mut AsyncPgConnection, _| {
            let settings = settings.clone();
            Box::pin(async move {
                conn.batch_execute(&settings)
                    .await
                    .map_err(|e| HookError::Backend(ConnError::QueryError(e)))
            })
        }))
        .pre_recycle(Hook::async_fn(|conn: &mut AsyncPgConnection, metrics| {
            let verify = metrics.last_used() >= VERIFY_IDLE_AFTER;
            Box::pin(async move {
                if verify {
                    conn.batch_execute("SELECT 1")
                        .await
                        .map_err(|e| HookError::Backend(ConnError::QueryError(e)))?;
                }
                Ok(())
            })
        }))
}

/// A pooled connection idle this long answers a `SELECT 1` before it is handed out
/// again; one in use more recently is handed out as it is. Checking every time (the
/// pool's default) costs a round trip per checkout: 5 of the 52 statements an order
/// made (`cargo xtask bench`). A connection the server closed (a restart, a terminated backend) is known
/// to be closed without a query and is replaced either way; one that breaks in
/// between fails its first statement, which is a transient error (a 503 for a
/// request, a retry for a consumer).
pub const VERIFY_IDLE_AFTER: Duration = Duration::from_secs(2);

/// The `SET`s every pooled connection starts with. A statement cancelled by one of these
/// timeouts is a transient error (`aftersales_messaging::transient`): a 503 for a
/// request, a retry for a consumer.
pub fn session_settings(limits: &DbLimits) -> String {
    format!(
        "SET statement_timeout = {}; SET lock_timeout = {}; \
         SET idle_in_transaction_session_timeout = {}",
        limits.statement.as_millis(),
        limits.lock.as_millis(),
        limits.idle_in_transaction.as_millis(),
    )
}

/// Pooled connections open through [`establish`] (diesel-async's own would ignore the
/// URL's TLS settings and connect in plain text).
fn manager(url: &str) -> AsyncDieselConnectionManager<AsyncPgConnection> {
    let mut config = ManagerConfig::default();
    // Closed and broken connections are still dropped; idle ones are verified by the
    // `pre_recycle` hook of `with_limits`.
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    config.custom_setup = Box::new(|url| {
        let url = url.to_owned();
        Box::pin(async move { establish(&url).await })
    });
    AsyncDieselConnectionManager::new_with_config(url, config)
}

/// One connection to `url`, over TLS as its `sslmode` and `sslrootcert` say
/// ([`aftersales_messaging::tls`]): the pool, the migrations and the relay's listener
/// all connect this way.
pub async fn establish(url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
    aftersales_messaging::tls::connect_pg(url).await
}

/// [`establish`] from a blocking thread of the runtime, wrapped for diesel's
/// synchronous migration harness.
fn establish_blocking(
    url: &str,
) -> diesel::ConnectionResult<AsyncConnectionWrapper<AsyncPgConnection>> {
    let conn = tokio::runtime::Handle::current().block_on(establish(url))?;
    Ok(AsyncConnectionWrapper::from(conn))
}

/// Runs each set of embedded migrations in order on one connection to `url`
/// (give it a schema-scoped URL from [`connection_url`]). Migration versions must be
/// unique across the sets: they share one `__diesel_schema_migrations` table.
///
/// The sets are `'static` because they run on a blocking thread; `embed_migrations!`
/// constants are, and `&[SERVICE_MIGRATIONS, aftersales_web::idempotency::MIGRATIONS]`
/// is promoted to a static.
pub async fn run_migrations(url: &str, sets: &'static [EmbeddedMigrations]) -> Result<(), DbError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish_blocking(&url)?;
        for set in sets {
            let applied = conn
                .run_pending_migrations(StaticSet(set))
                .map_err(|e| DbError::Migration(e.to_string()))?;
            for version in applied {
                tracing::info!(%version, "applied migration");
            }
        }
        Ok(())
    })
    .await?
}

/// `MigrationSource` is implemented for owned `EmbeddedMigrations` only, which are
/// neither `Clone` nor `Copy`: borrow one through this.
struct StaticSet(&'static EmbeddedMigrations);

impl diesel::migration::MigrationSource<diesel::pg::Pg> for StaticSet {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<diesel::pg::Pg>>>> {
        diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(self.0)
    }
}

/// A pooled connection for a handler; an unreachable database is a 503.
pub async fn conn(pool: &DbPool) -> Result<DbConn, crate::ApiError> {
    Ok(DbConn(Some(pool.get().await.map_err(DbError::from)?)))
}

/// As a handler argument: a connection from the app's `web::Data<DbPool>`.
impl actix_web::FromRequest for DbConn {
    type Error = crate::ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let pool = req.app_data::<actix_web::web::Data<DbPool>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let pool =
                pool.ok_or_else(|| crate::ApiError::internal("the app has no database pool"))?;
            // Not while the handler's body is still arriving (crate::body).
            crate::body::BodyArrival::of(&req).await;
            conn(&pool).await
        })
    }
}

/// `SELECT 1` on a pooled connection, within [`PING_TIMEOUT`].
pub async fn ping(pool: &DbPool) -> Result<(), DbError> {
    let attempt = async {
        let mut conn = pool.get().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok::<_, DbError>(())
    };
    tokio::time::timeout(PING_TIMEOUT, attempt)
        .await
        .map_err(|_| DbError::Timeout(PING_TIMEOUT))?
}

/// A statement of fixed SQL that each connection prepares once and then only executes:
/// `db::prepared("SELECT … $1").bind::<Text, _>(x)`, used like `diesel::sql_query`.
///
/// diesel never caches an `sql_query` (its text may be built per call, and every
/// variant would take a place in the cache), so a hot raw statement is parsed and
/// planned on every execution. Here the text is `'static`: one cache entry each.
pub fn prepared<'f>(sql: &'static str) -> Prepared<'f> {
    Prepared(diesel::sql_query(sql).into_boxed())
}

/// See [`prepared`].
#[must_use = "a statement does nothing until it is executed or loaded"]
pub struct Prepared<'f>(
    diesel::query_builder::BoxedSqlQuery<'f, Pg, diesel::query_builder::SqlQuery>,
);

impl<'f> Prepared<'f> {
    /// Binds the next `$n` to `value`, of SQL type `ST`.
    pub fn bind<ST, V>(self, value: V) -> Self
    where
        Pg: diesel::sql_types::HasSqlType<ST>,
        V: diesel::serialize::ToSql<ST, Pg> + Send + 'f,
        ST: Send + 'f,
    {
        Prepared(self.0.bind::<ST, V>(value))
    }
}

impl diesel::query_builder::QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // The one difference from the statement inside: its text is fixed, so it is safe.
    fn is_safe_to_cache_prepared(&self, _: &Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

impl diesel::query_builder::QueryId for Prepared<'_> {
    // No static id: the cache is keyed by the SQL text (and the binds' types).
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for Prepared<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

/// Writes a query function into a `db` module that reads one row by its one-column
/// primary key: `Ok(None)` when there is none. With `for update`, the row stays
/// locked until the transaction ends (say at the call why the table needs it).
///
/// ```ignore
/// aftersales_web::row_by_key!(pub fn find_dealer(dealers::table, &str) -> Dealer);
/// aftersales_web::row_by_key!(pub fn lock(claims::table, Uuid) -> Claim, for update);
/// ```
#[macro_export]
macro_rules! row_by_key {
    (pub fn $name:ident($table:expr, $key:ty) -> $row:ty) => {
        $crate::row_by_key!(@fn $name, $table, $key, $row, |q| q);
    };
    (pub fn $name:ident($table:expr, $key:ty) -> $row:ty, for update) => {
        $crate::row_by_key!(@fn $name, $table, $key, $row, |q| q.for_update());
    };
    (@fn $name:ident, $table:expr, $key:ty, $row:ty, |$q:ident| $lock:expr) => {
        pub async fn $name(
            conn: &mut ::diesel_async::AsyncPgConnection,
            key: $key,
        ) -> ::diesel::QueryResult<Option<$row>> {
            use ::diesel::{OptionalExtension as _, QueryDsl as _, SelectableHelper as _};
            use ::diesel_async::RunQueryDsl as _;
            let $q = $table.find(key).select(<$row>::as_select());
            $lock.first(conn).await.optional()
        }
    };
}

/// `find` and `lock` (see [`row_by_key!`]) for one table:
/// `aftersales_web::find_and_lock!(claims::table, Claim, Uuid);`
#[macro_export]
macro_rules! find_and_lock {
    ($table:expr, $row:ty, $key:ty) => {
        $crate::row_by_key!(pub fn find($table, $key) -> $row);
        $crate::row_by_key!(pub fn lock($table, $key) -> $row, for update);
    };
}

#[cfg(test)]
mod tests {
    use diesel::query_builder::QueryFragment as _;
    use diesel::sql_types::Text;

    use super::*;

    #[test]
    fn a_prepared_statement_may_be_cached_and_a_raw_one_may_not() {
        let pg = diesel::pg::Pg;
        let raw = diesel::sql_query("SELECT $1").bind::<Text, _>("x");
        assert_eq!(raw.is_safe_to_cache_prepared(&pg), Ok(false));
        let fixed = prepared("SELECT $1").bind::<Text, _>("x");
        assert_eq!(fixed.is_safe_to_cache_prepared(&pg), Ok(true));
        let sql = diesel::debug_query::<diesel::pg::Pg, _>(&fixed).to_string();
        assert!(sql.starts_with("SELECT $1 -- binds: [\"x\"]"), "{sql}");
    }

    #[test]
    fn connection_url_without_schema_is_unchanged() {
        assert_eq!(connection_url("postgres://h/d", None), "postgres://h/d");
    }

    #[test]
    fn connection_url_adds_search_path() {
        assert_eq!(
            connection_url("postgres://u:p@h:5432/d", Some("orders")),
            "postgres://u:p@h:5432/d?options=-c%20search_path%3Dorders"
        );
        assert_eq!(
            connection_url("postgres://h/d?sslmode=disable", Some("t_1")),
            "postgres://h/d?sslmode=disable&options=-c%20search_path%3Dt_1"
        );
        assert_eq!(
            connection_url("postgres://h/d?", Some("x")),
            "postgres://h/d?options=-c%20search_path%3Dx"
        );
    }

    #[tokio::test]
    async fn ping_reports_an_unreachable_database() {
        // Port 1 on loopback refuses connections at once.
        let pool = pool("postgres://u:p@127.0.0.1:1/none", 1).unwrap();
        let err = ping(&pool).await.unwrap_err();
        assert!(
            matches!(err, DbError::Pool(_) | DbError::Timeout(_)),
            "{err:?}"
        );
        let api: crate::ApiError = err.into();
        assert!(matches!(api, crate::ApiError::ServiceUnavailable(_)));
    }

    #[tokio::test]
    async fn migrations_report_an_unreachable_database() {
        let err = run_migrations("postgres://u:p@127.0.0.1:1/none", &[crate::MIGRATIONS])
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Connection(_)), "{err:?}");
    }
}
