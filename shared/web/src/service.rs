//! How every service starts: configuration, telemetry, migrations, database pool,
//! outbox relay, inbox consumer, retention job, and the HTTP server with the common
//! endpoints.
//!
//! A service describes itself in a [`ServiceSpec`] and its `main.rs` calls [`main`].
//! Tests call [`start`] with their own configuration and port 0.

use std::net::SocketAddr;

use actix_http::{Request, Response};
use actix_service::IntoServiceFactory;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Service, ServiceFactory};
use actix_web::{App, HttpServer, web};
use aftersales_messaging::contracts::topology_v1;
use aftersales_messaging::{
    Consumer, Handler, MessagingMetrics, Relay, RelayConfig, Shutdown, ShutdownTrigger, Topology,
};
use diesel_migrations::EmbeddedMigrations;

use crate::auth::TokenVerifier;
use crate::config::{MigrateConfig, WebConfig};
use crate::health::Readiness;
use crate::metrics::Metrics;

/// What makes one service different from the others.
pub struct ServiceSpec<H> {
    pub name: &'static str,
    pub default_port: u16,
    /// The service's own migrations; the shared tables (outbox, inbox, idempotency
    /// keys) are run before them.
    pub migrations: &'static EmbeddedMigrations,
    pub openapi: utoipa::openapi::OpenApi,
    /// Registers the service's routes under `/api/v1`.
    pub routes: fn(&mut web::ServiceConfig),
    /// Applies the events the service consumes (see `contracts::topology_v1`).
    pub handler: H,
    /// A periodic job of the service (inspection's return deadlines), run beside the
    /// relay and the consumer; it returns once the shutdown is requested.
    pub background: Option<BackgroundJob>,
    /// State its handlers share, made once from the pool (see [`AppState`]).
    pub state: Option<fn(&crate::db::DbPool) -> AppState>,
    /// What one may subscribe to here (besides dead letters, which every service offers).
    pub topics: &'static [crate::notify::Topic],
}

impl<H> ServiceSpec<H> {
    /// A service named `name` (listening on `default_port` unless configured
    /// otherwise) with its own `migrations` and event `handler`; give it its API with
    /// [`ServiceSpec::api`].
    pub fn new(
        name: &'static str,
        default_port: u16,
        migrations: &'static EmbeddedMigrations,
        handler: H,
    ) -> Self {
        ServiceSpec {
            name,
            default_port,
            migrations,
            openapi: utoipa::openapi::OpenApi::default(),
            routes: |_| {},
            handler,
            background: None,
            state: None,
            topics: &[],
        }
    }

    /// The service's routes under `/api/v1` and the OpenAPI document describing them.
    pub fn api(
        self,
        openapi: utoipa::openapi::OpenApi,
        routes: fn(&mut web::ServiceConfig),
    ) -> Self {
        let mut openapi = openapi;
        // Every service serves its audit trail and its notifications the same way
        // (registered by `start`).
        openapi.merge(<crate::audit::api::AuditDoc as utoipa::OpenApi>::openapi());
        openapi.merge(<crate::notify::api::NotifyDoc as utoipa::OpenApi>::openapi());
        ServiceSpec {
            openapi,
            routes,
            ..self
        }
    }

    /// With the topics one may subscribe to (docs/notifications.md).
    pub fn with_topics(self, topics: &'static [crate::notify::Topic]) -> Self {
        ServiceSpec { topics, ..self }
    }

    /// With a periodic job run beside the relay and the consumer.
    pub fn with_background(self, job: BackgroundJob) -> Self {
        ServiceSpec {
            background: Some(job),
            ..self
        }
    }

    /// With state its handlers share (orders' group-commit writer), made once when the
    /// service starts.
    pub fn with_state(self, state: fn(&crate::db::DbPool) -> AppState) -> Self {
        ServiceSpec {
            state: Some(state),
            ..self
        }
    }
}

/// Registers a service's shared state (its `web::Data`) on each HTTP worker's app: the
/// server builds one app per worker, and they must all share the one made at start.
pub type AppState = std::sync::Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// A service's own long-running task, given the pool and the shutdown request.
pub type BackgroundJob =
    fn(crate::db::DbPool, Shutdown) -> futures_util::future::BoxFuture<'static, ()>;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("http: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Auth(#[from] crate::auth::jwks::JwksError),
    #[error(
        "the database lacks migrations {missing} and this role cannot apply them ({cause}): \
         run `{service} migrate` with the schema owner's DATABASE_URL first"
    )]
    NotMigrated {
        service: &'static str,
        missing: String,
        cause: Box<StartError>,
    },
}

/// A started service: its bound address and the handle that stops it.
pub struct Running {
    pub addr: SocketAddr,
    pub server: actix_web::dev::ServerHandle,
    shutdown: ShutdownTrigger,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// An HTTP server bound and running on a task of its own.
pub struct Listening {
    /// The address bound (the port chosen when the configured one was 0).
    pub addr: SocketAddr,
    pub handle: actix_web::dev::ServerHandle,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `server` on `at` and runs it on a task, the same way for every binary: without
/// actix's own signal handling (the binary stops it on SIGTERM, then drains what else it
/// runs) and with 10 s for the requests in flight.
pub fn listen<F, I, S, B>(
    server: HttpServer<F, I, S, B>,
    at: SocketAddr,
) -> std::io::Result<Listening>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let server = server.bind(at)?.disable_signals().shutdown_timeout(10);
    let addr = server.addrs().first().copied().unwrap_or(at);
    let server = server.run();
    let handle = server.handle();
    Ok(Listening {
        addr,
        handle,
        task: tokio::spawn(server),
    })
}

/// What the HTTP server's task ended with; a panic in it is an I/O error like the others.
pub async fn served(server: tokio::task::JoinHandle<std::io::Result<()>>) -> std::io::Result<()> {
    server
        .await
        .unwrap_or_else(|join| Err(std::io::Error::other(join)))
}

/// How long the consumer and the relay get to finish after the HTTP server stopped;
/// inside Kubernetes' default 30 s grace period together with the server's own 10 s.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Running {
    /// Waits until the HTTP server stops (on SIGTERM/SIGINT, after finishing the
    /// requests in flight), then lets the consumer finish its message in hand and the
    /// relay flush the outbox. Whatever is still unfinished after [`DRAIN_TIMEOUT`] is
    /// safe to cut: an unacked message is redelivered, an unmarked row re-sent.
    pub async fn wait(self) -> std::io::Result<()> {
        let result = served(self.serve).await;
        self.shutdown.trigger();
        let aborts: Vec<_> = self.tasks.iter().map(|t| t.abort_handle()).collect();
        let drained =
            tokio::time::timeout(DRAIN_TIMEOUT, futures_util::future::join_all(self.tasks)).await;
        if drained.is_err() {
            tracing::warn!("messaging did not drain in time; stopping it");
            for abort in aborts {
                abort.abort();
            }
        }
        result
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
        let _ = self.wait().await;
    }
}

/// The configuration of a service run inside a test process: a random port, the
/// given database and schema, the given broker, and `jwt_secret` for tokens.
pub fn test_config(
    name: &str,
    database_url: &str,
    schema: &str,
    amqp_url: &str,
    jwt_secret: &str,
) -> WebConfig {
    test_config_with(
        name,
        database_url,
        schema,
        amqp_url,
        &[
            ("AUTH_MODE", "hs256".to_owned()),
            ("JWT_SECRET", jwt_secret.to_owned()),
        ],
    )
}

/// [`test_config`] with the authentication variables given (`AUTH_MODE`, `OIDC_*`…).
pub fn test_config_with(
    name: &str,
    database_url: &str,
    schema: &str,
    amqp_url: &str,
    auth: &[(&str, String)],
) -> WebConfig {
    let vars = [
        ("HTTP_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url),
        ("DATABASE_SCHEMA", schema),
        ("AMQP_URL", amqp_url),
        ("DB_POOL_SIZE", "4"),
    ];
    let lookup = |key: &str| {
        vars.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| auth.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()))
    };
    match WebConfig::from_lookup(name, 0, lookup) {
        Ok(config) => config,
        Err(e) => panic!("test configuration of {name}: {e}"),
    }
}

/// Every migration set of a service, in the order they run: the shared tables' (outbox,
/// inbox, idempotency keys), then the service's own.
fn migration_sets<H>(spec: &ServiceSpec<H>) -> [&'static EmbeddedMigrations; 3] {
    [
        &aftersales_messaging::MIGRATIONS,
        &crate::idempotency::MIGRATIONS,
        spec.migrations,
    ]
}

/// Runs the shared tables' migrations, then the service's own, into the schema `url`
/// reaches: `<service> migrate`, as the role that owns the schema.
pub async fn migrate<H>(spec: &ServiceSpec<H>, url: &str) -> Result<(), StartError> {
    for set in migration_sets(spec) {
        crate::db::run_migrations(url, std::slice::from_ref(set)).await?;
    }
    Ok(())
}

/// Before serving: nothing to do when every migration is applied; otherwise applies them
/// if this role may (one role owns and uses the schema, as on a developer's machine), or
/// fails naming what is missing and how to apply it.
pub async fn ensure_migrated<H>(spec: &ServiceSpec<H>, url: &str) -> Result<Migrated, StartError> {
    let sets = migration_sets(spec);
    let missing = crate::migrations::pending(url, &sets).await?;
    if missing.is_empty() {
        return Ok(Migrated(()));
    }
    migrate(spec, url)
        .await
        .map_err(|cause| StartError::NotMigrated {
            service: spec.name,
            missing: missing.join(", "),
            cause: Box::new(cause),
        })?;
    Ok(Migrated(()))
}

/// Proof that [`ensure_migrated`] found the schema complete: what [`start_migrated`]
/// asks for, so a service never serves an old schema and start-up checks it once.
#[derive(Debug)]
pub struct Migrated(());

/// Checks (or applies, see [`ensure_migrated`]) the migrations, then [`start_migrated`].
pub async fn start<H: Handler + Clone>(
    spec: ServiceSpec<H>,
    config: WebConfig,
    topology: Topology,
) -> Result<Running, StartError> {
    let migrated = ensure_migrated(&spec, &config.connection_url()).await?;
    start_migrated(spec, config, topology, migrated).await
}

/// Starts the relay, the consumer, the retention job, the readiness monitor and the
/// HTTP server on a schema [`ensure_migrated`] checked.
pub async fn start_migrated<H: Handler + Clone>(
    spec: ServiceSpec<H>,
    config: WebConfig,
    topology: Topology,
    _migrated: Migrated,
) -> Result<Running, StartError> {
    let url = config.connection_url();
    let pool = crate::db::pool_with(&url, config.db_pool_size, &config.db_limits)?;
    let metrics = web::Data::new(Metrics::new(spec.name));
    let messaging_metrics = MessagingMetrics::new(&metrics.registry)?;
    let pruned = crate::retention::metric(&metrics.registry)?;

    let mut readiness = Readiness::default();
    // Its own connections: a probe queued behind requests for the service's pool would
    // call a busy service dead.
    readiness.add(
        "database",
        crate::health::database_check(crate::db::probe_pool(&url)?),
    );

    let relay = Relay::new(
        pool.clone(),
        &url,
        &config.amqp_url,
        topology.clone(),
        RelayConfig::new(spec.name),
        messaging_metrics.clone(),
    );
    let relay_link = relay.link();
    readiness.add("broker", move || {
        let link = relay_link.clone();
        async move { link.check() }
    });
    let (shutdown_trigger, shutdown) = Shutdown::channel();
    let mut tasks = vec![tokio::spawn(relay.run_until(shutdown.clone()))];

    if topology.subscription(spec.name).is_some() {
        let consumer = Consumer::new(
            pool.clone(),
            &config.amqp_url,
            spec.name,
            topology,
            // A batch's audit records in one statement at its end.
            crate::audit::Batched(spec.handler.clone()),
            messaging_metrics,
        )
        .with_concurrency(config.consumer_concurrency);
        tasks.push(tokio::spawn(crate::notify::dead_letters::watch(
            pool.clone(),
            spec.name,
            consumer.dead_letters(),
            shutdown.clone(),
        )));
        let consumer_link = consumer.link();
        readiness.add("consumer", move || {
            let link = consumer_link.clone();
            async move { link.check() }
        });
        tasks.push(tokio::spawn(consumer.run_until(shutdown.clone())));
    }

    // Every check is registered: from here the endpoint answers what the monitor found.
    tasks.push(tokio::spawn(readiness.clone().monitor(shutdown.clone())));

    tasks.push(tokio::spawn(crate::retention::run(
        pool.clone(),
        config.retention,
        pruned,
        shutdown.clone(),
    )));

    tasks.push(tokio::spawn(crate::audit::chain::run(
        pool.clone(),
        shutdown.clone(),
    )));

    tasks.push(tokio::spawn(crate::notify::deliver::run(
        pool.clone(),
        spec.name,
        crate::notify::deliver::Delivery::default(),
        shutdown.clone(),
    )));

    if let Some(job) = spec.background {
        tasks.push(tokio::spawn(job(pool.clone(), shutdown.clone())));
    }

    let keys = web::Data::new(TokenVerifier::from_config(
        &config.auth,
        config.token_max_lifetime,
    )?);
    let pool_data = web::Data::new(pool.clone());
    let openapi = spec.openapi.clone();
    let routes = spec.routes;
    let state = spec.state.map(|make| make(&pool));
    let topics = crate::notify::Topics(spec.topics);
    let server = HttpServer::new(move || {
        let metrics = metrics.clone();
        let readiness = readiness.clone();
        let openapi = openapi.clone();
        App::new()
            .app_data(keys.clone())
            .app_data(pool_data.clone())
            .app_data(crate::error::query_config())
            .app_data(crate::error::path_config())
            .wrap(crate::nul::RejectNul)
            .wrap(crate::error::problem_fallback())
            .wrap(metrics.middleware())
            .wrap(crate::correlation::Correlation)
            .configure(|cfg| crate::app::common(cfg, readiness, metrics, openapi))
            .service(web::scope("/api/v1").configure(|cfg| {
                if let Some(state) = &state {
                    state(cfg);
                }
                routes(cfg);
                crate::audit::api::configure(cfg);
                crate::notify::api::configure(cfg, topics);
            }))
            .default_service(crate::error::default_service())
    });
    let Listening { addr, handle, task } = listen(server, config.http_addr)?;
    tracing::info!(service = spec.name, %addr, "listening");
    Ok(Running {
        addr,
        server: handle,
        shutdown: shutdown_trigger,
        tasks,
        serve: task,
    })
}

/// The whole `main` of a service binary: `<service> [serve]` or `<service> migrate`.
///
/// `migrate` reads only the database settings: it runs as the schema owner, and the
/// broker's and the token verifier's settings have no business reaching it.
pub fn main<H: Handler + Clone>(spec: ServiceSpec<H>) -> anyhow::Result<()> {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    match command.as_str() {
        "migrate" => {
            let config = MigrateConfig::from_env(spec.name)?;
            let telemetry = crate::telemetry::init(spec.name, config.log_format)?;
            let migrated = tokio::runtime::Runtime::new()?.block_on(async {
                migrate(&spec, &config.connection_url()).await?;
                tracing::info!(service = spec.name, "migrations applied");
                Ok(())
            });
            telemetry.shutdown();
            migrated
        }
        "serve" => {
            let config = WebConfig::from_env(spec.name, spec.default_port)?;
            let telemetry = crate::telemetry::init(spec.name, config.log_format)?;
            config.log_warnings();
            let served = tokio::runtime::Runtime::new()?.block_on(serve(spec, config));
            // After the runtime: the spans of the drain are in the last batch.
            telemetry.shutdown();
            served
        }
        other => anyhow::bail!("unknown command {other:?}; expected `serve` or `migrate`"),
    }
}

async fn serve<H: Handler + Clone>(spec: ServiceSpec<H>, config: WebConfig) -> anyhow::Result<()> {
    // Wait for the database, and for the migration Job, rather than crash-loop. Nothing
    // listens meanwhile, so a wait that never ends (a certificate that does not verify, a
    // wrong password) is ended by the startup probe, which restarts the pod after 5 min
    // (k8s/base/*/deployment.yaml), with each retry's reason in the log.
    let url = config.connection_url();
    let mut delay = std::time::Duration::from_millis(200);
    let migrated = loop {
        match ensure_migrated(&spec, &url).await {
            Ok(migrated) => break migrated,
            Err(err) => {
                tracing::warn!(error = %err, ?delay, "not ready to serve; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(5));
            }
        }
    };
    let running = start_migrated(spec, config, topology_v1(), migrated).await?;
    let handle = running.server.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        handle.stop(true).await;
    });
    running.wait().await?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C: how every binary of ours learns to stop.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
