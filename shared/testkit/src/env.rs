//! The servers of a test run and the per-test isolation units on them: a fresh
//! PostgreSQL schema ([`TestDb`]) and a fresh RabbitMQ vhost ([`TestVhost`]).
//!
//! Where the servers come from:
//! - `AFTERSALES_TEST_PG_URL` (superuser URL to database `aftersales_test`),
//!   `AFTERSALES_TEST_AMQP_URL` (without vhost) and `AFTERSALES_TEST_RABBIT_MGMT_URL`
//!   when set (`cargo xtask test` sets them);
//! - otherwise the testkit starts its own PostgreSQL and/or RabbitMQ in a temp folder
//!   on free ports. Under `cargo nextest` (one process per test) every test process
//!   of the same run shares them (keyed by `NEXTEST_RUN_ID`, started once under a
//!   file lock) and they live as long as the nextest process; under `cargo test`
//!   they live as long as the test binary. A detached watchdog stops them and
//!   deletes the folder when that process ends, however it ends.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use tokio::sync::OnceCell;

use crate::broker_users::{self, ServiceUsers};
use crate::provision::{connect, ensure_database};
use crate::servers::{PgServer, RabbitServer, amqp_url, free_port, free_port_block};
use crate::util::{
    create_shared_dir, database_of, fresh_temp_dir, percent_encode, sh_quote, spawn_watchdog,
    unique_name, with_query_param,
};

/// Name of the database every test schema lives in.
pub const TEST_DATABASE: &str = "aftersales_test";

/// The shared servers of this test run.
#[derive(Debug, Clone)]
pub struct TestServers {
    /// Superuser URL to database `aftersales_test`.
    pub pg_admin_url: String,
    /// `amqp://guest:guest@127.0.0.1:PORT` (no vhost).
    pub amqp_base: String,
    /// `http://127.0.0.1:MGMT` (management API, guest/guest).
    pub mgmt_url: String,
}

static SERVERS: OnceCell<TestServers> = OnceCell::const_new();

/// The servers of this test run, started on first use (see the module docs).
/// Panics with the cause when they cannot be had.
pub async fn servers() -> &'static TestServers {
    SERVERS
        .get_or_init(|| async {
            match init_servers().await {
                Ok(s) => s,
                Err(e) => panic!("aftersales-testkit: cannot set up test servers: {e:#}"),
            }
        })
        .await
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

async fn init_servers() -> anyhow::Result<TestServers> {
    let pg_env = env_var("AFTERSALES_TEST_PG_URL");
    let amqp_env = env_var("AFTERSALES_TEST_AMQP_URL");
    let mgmt_env = env_var("AFTERSALES_TEST_RABBIT_MGMT_URL");
    if amqp_env.is_some() != mgmt_env.is_some() {
        bail!("set both AFTERSALES_TEST_AMQP_URL and AFTERSALES_TEST_RABBIT_MGMT_URL, or neither");
    }
    let own = if pg_env.is_none() || amqp_env.is_none() {
        let (want_pg, want_rabbit) = (pg_env.is_none(), amqp_env.is_none());
        Some(
            tokio::task::spawn_blocking(move || start_own_servers(want_pg, want_rabbit))
                .await
                .context("server start-up thread panicked")??,
        )
    } else {
        None
    };
    let pick = |env: Option<String>, f: fn(&OwnServers) -> Option<String>| {
        env.or_else(|| own.as_ref().and_then(f))
            .expect("either from the environment or started")
    };
    let servers = TestServers {
        pg_admin_url: pick(pg_env, |o| {
            o.pg.as_ref().map(|p| p.admin_url(TEST_DATABASE))
        }),
        amqp_base: pick(amqp_env, |o| o.rabbit.as_ref().map(|r| r.amqp_base()))
            .trim_end_matches('/')
            .to_string(),
        mgmt_url: pick(mgmt_env, |o| o.rabbit.as_ref().map(|r| r.mgmt_url()))
            .trim_end_matches('/')
            .to_string(),
    };
    let db = database_of(&servers.pg_admin_url).unwrap_or_else(|| TEST_DATABASE.into());
    ensure_database(&servers.pg_admin_url, &db).await?;
    Ok(servers)
}

struct OwnServers {
    pg: Option<PgServer>,
    rabbit: Option<RabbitServer>,
}

/// Starts (or joins, under nextest) this run's servers. Blocking.
fn start_own_servers(want_pg: bool, want_rabbit: bool) -> anyhow::Result<OwnServers> {
    let (dir, owner) = match env_var("NEXTEST_RUN_ID") {
        Some(run) => (
            std::env::temp_dir().join(format!("aftersales-testkit-{run}")),
            std::os::unix::process::parent_id(),
        ),
        None => (fresh_temp_dir("aftersales-testkit")?, std::process::id()),
    };
    create_shared_dir(&dir)?;
    let lock = fs::File::create(dir.join(".lock"))?;
    lock.lock()
        .context("cannot lock the shared test-server folder")?;

    let ports_file = dir.join("ports");
    let (pg_port, amqp_port) = match fs::read_to_string(&ports_file) {
        Ok(s) => {
            let mut it = s.split_whitespace().map(str::parse::<u16>);
            match (it.next(), it.next()) {
                (Some(Ok(a)), Some(Ok(b))) => (a, b),
                _ => bail!("corrupt {}", ports_file.display()),
            }
        }
        Err(_) => {
            let ports = (free_port(), free_port_block(5));
            let pg = PgServer::at(&dir.join("pg"), ports.0)?;
            let rabbit = RabbitServer::at(&dir.join("rabbitmq"), ports.1)?;
            // Stop whatever gets started here once the owner is gone.
            let cleanup = format!(
                "{}\n{}\nrm -rf {}",
                pg.stop_script(),
                rabbit.stop_script(),
                sh_quote(&dir.to_string_lossy())
            );
            spawn_watchdog(owner, &cleanup)?;
            fs::write(&ports_file, format!("{} {}\n", ports.0, ports.1))?;
            ports
        }
    };

    let pg_dir = dir.join("pg");
    let rabbit_dir = dir.join("rabbitmq");
    std::thread::scope(|s| {
        let pg = s.spawn(|| {
            want_pg
                .then(|| PgServer::start(&pg_dir, pg_port))
                .transpose()
        });
        let rabbit = s.spawn(|| {
            want_rabbit
                .then(|| RabbitServer::start(&rabbit_dir, amqp_port))
                .transpose()
        });
        Ok(OwnServers {
            pg: pg.join().expect("pg start-up thread panicked")?,
            rabbit: rabbit.join().expect("rabbit start-up thread panicked")?,
        })
    })
}

/// Runs `f` to completion on a fresh thread with its own current-thread runtime
/// and waits for it. Used from `Drop`, which may run inside or outside a runtime.
fn run_detached<F>(f: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let handle = std::thread::spawn(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(f),
            Err(e) => eprintln!("aftersales-testkit: cannot build cleanup runtime: {e}"),
        }
    });
    if handle.join().is_err() {
        eprintln!("aftersales-testkit: cleanup thread panicked");
    }
}

// ---------------------------------------------------------------------------------
// TestDb
// ---------------------------------------------------------------------------------

/// A fresh schema `t_<12 hex>` in the test database, dropped (CASCADE) on drop.
#[derive(Debug)]
pub struct TestDb {
    pub schema: String,
    admin_url: String,
}

impl TestDb {
    /// Creates the schema. Panics when the database cannot be reached.
    pub async fn new() -> TestDb {
        let admin_url = servers().await.pg_admin_url.clone();
        let schema = unique_name();
        let res = async {
            let mut conn = connect(&admin_url).await?;
            conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                .await
                .context("CREATE SCHEMA")
        }
        .await;
        if let Err(e) = res {
            panic!("aftersales-testkit: cannot create test schema {schema}: {e:#}");
        }
        TestDb { schema, admin_url }
    }

    /// The superuser URL with `options=-c search_path=<schema>`: every connection
    /// made from it works in this schema (unqualified names resolve there).
    pub fn url(&self) -> String {
        with_query_param(
            &self.admin_url,
            "options",
            &format!("-c search_path={}", self.schema),
        )
    }

    /// The superuser URL of the test database, without a search path.
    pub fn admin_url(&self) -> String {
        self.admin_url.clone()
    }

    /// One connection to [`TestDb::url`].
    pub async fn conn(&self) -> AsyncPgConnection {
        connect(&self.url())
            .await
            .unwrap_or_else(|e| panic!("aftersales-testkit: {e:#}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, schema) = (self.admin_url.clone(), self.schema.clone());
        run_detached(async move {
            let res = async {
                let mut conn = connect(&url).await?;
                conn.batch_execute(&format!(
                    "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                ))
                .await
                .context("DROP SCHEMA")
            }
            .await;
            if let Err(e) = res {
                eprintln!("aftersales-testkit: cannot drop test schema {schema}: {e:#}");
            }
        });
    }
}

// ---------------------------------------------------------------------------------
// TestVhost
// ---------------------------------------------------------------------------------

pub(crate) const MGMT_USER: &str = "guest";
pub(crate) const MGMT_PASSWORD: &str = "guest";

pub(crate) fn http() -> reqwest::Client {
    aftersales_web::http_client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

async fn mgmt_send(req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
    let resp = req
        .basic_auth(MGMT_USER, Some(MGMT_PASSWORD))
        .send()
        .await?;
    Ok(resp)
}

async fn create_vhost(mgmt: &str, name: &str) -> anyhow::Result<()> {
    let client = http();
    let v = percent_encode(name);
    let r = mgmt_send(
        client
            .put(format!("{mgmt}/api/vhosts/{v}"))
            .json(&serde_json::json!({})),
    )
    .await?;
    if !r.status().is_success() {
        bail!("PUT /api/vhosts/{v}: {} {}", r.status(), r.text().await?);
    }
    let r = mgmt_send(
        client
            .put(format!("{mgmt}/api/permissions/{v}/{MGMT_USER}"))
            .json(&serde_json::json!({"configure": ".*", "write": ".*", "read": ".*"})),
    )
    .await?;
    if !r.status().is_success() {
        bail!(
            "PUT /api/permissions/{v}/{MGMT_USER}: {} {}",
            r.status(),
            r.text().await?
        );
    }
    Ok(())
}

/// Message count (ready + unacknowledged) of `queue` in `vhost` from the management
/// API at `mgmt`; `None` when the queue does not exist, the API cannot be reached, or
/// the broker has no statistics yet (just after a restart). They lag by up to ~1 s.
pub async fn mgmt_queue_messages(mgmt: &str, vhost: &str, queue: &str) -> Option<u64> {
    let url = format!(
        "{mgmt}/api/queues/{}/{}",
        percent_encode(vhost),
        percent_encode(queue)
    );
    let resp = mgmt_send(http().get(url)).await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let body: serde_json::Value = resp.json().await.ok()?;
    // Right after a (re)start the broker has no statistics yet and omits the field:
    // that is "unknown", not "empty".
    body.get("messages").and_then(|m| m.as_u64())
}

/// A fresh RabbitMQ vhost `t_<12 hex>` (guest has all permissions), deleted on drop,
/// provisioned as a deployment provisions its broker: the event catalog's whole
/// topology, and one user per service with the least permissions
/// ([`TestVhost::service_amqp_url`]; the users are deleted on drop too).
#[derive(Debug)]
pub struct TestVhost {
    pub name: String,
    amqp_base: String,
    mgmt: String,
    users: ServiceUsers,
}

impl TestVhost {
    /// Creates and provisions the vhost. Panics when the broker cannot be reached.
    pub async fn new() -> TestVhost {
        let s = servers().await;
        let name = unique_name();
        if let Err(e) = create_vhost(&s.mgmt_url, &name).await {
            panic!("aftersales-testkit: cannot create vhost {name}: {e:#}");
        }
        let vhost = TestVhost {
            users: ServiceUsers::for_vhost(&name),
            name,
            amqp_base: s.amqp_base.clone(),
            mgmt: s.mgmt_url.clone(),
        };
        let provisioned = broker_users::provision(
            &http(),
            &vhost.amqp_url(),
            &vhost.mgmt,
            (MGMT_USER, MGMT_PASSWORD),
            &vhost.users,
        )
        .await;
        if let Err(e) = provisioned {
            panic!(
                "aftersales-testkit: cannot provision vhost {}: {e:#}",
                vhost.name
            );
        }
        vhost
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/<vhost>`: the administrator.
    pub fn amqp_url(&self) -> String {
        amqp_url(&self.amqp_base, &self.name)
    }

    /// The URL `service` connects with: its own user in this vhost, which may
    /// configure and read only its own queues and publish only its own event types.
    /// Panics for a name that is not one of the four services.
    pub fn service_amqp_url(&self, service: &str) -> String {
        self.users
            .amqp_url(&self.amqp_base, service)
            .unwrap_or_else(|| panic!("aftersales-testkit: {service} is not a service"))
    }

    /// Base URL of the management API (`http://127.0.0.1:MGMT`, guest/guest).
    pub fn mgmt_url(&self) -> String {
        self.mgmt.clone()
    }

    /// Message count (ready + unacked) of `queue` in this vhost, `None` if the queue
    /// does not exist. Management statistics lag by up to ~1 s; see
    /// [`TestVhost::wait_queue_messages`].
    pub async fn queue_messages(&self, queue: &str) -> Option<u64> {
        mgmt_queue_messages(&self.mgmt, &self.name, queue).await
    }

    /// Polls [`TestVhost::queue_messages`] until it equals `expected` or `timeout`
    /// passes; returns the last value seen.
    pub async fn wait_queue_messages(
        &self,
        queue: &str,
        expected: u64,
        timeout: Duration,
    ) -> Option<u64> {
        let deadline = Instant::now() + timeout;
        loop {
            let n = self.queue_messages(queue).await;
            if n == Some(expected) || Instant::now() >= deadline {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for TestVhost {
    fn drop(&mut self) {
        let url = format!("{}/api/vhosts/{}", self.mgmt, percent_encode(&self.name));
        let name = self.name.clone();
        let (users, mgmt) = (self.users.clone(), self.mgmt.clone());
        run_detached(async move {
            if let Err(e) = users
                .delete(&http(), &mgmt, (MGMT_USER, MGMT_PASSWORD))
                .await
            {
                eprintln!("aftersales-testkit: cannot delete the users of vhost {name}: {e:#}");
            }
            match mgmt_send(http().delete(url)).await {
                Ok(r) if r.status().is_success() || r.status() == 404 => {}
                Ok(r) => eprintln!(
                    "aftersales-testkit: cannot delete vhost {name}: {}",
                    r.status()
                ),
                Err(e) => eprintln!("aftersales-testkit: cannot delete vhost {name}: {e:#}"),
            }
        });
    }
}

// ---------------------------------------------------------------------------------
// PrivateBroker
// ---------------------------------------------------------------------------------

/// A RabbitMQ node of its own (own folder, free ports) for tests that stop, kill
/// and restart the broker. Stopped and deleted on drop; a watchdog does the same if
/// the test process dies first.
#[derive(Debug)]
pub struct PrivateBroker {
    server: RabbitServer,
    dir: PathBuf,
}

impl PrivateBroker {
    /// Starts the node (about 6 s). Panics when it cannot.
    pub async fn start() -> PrivateBroker {
        Self::start_with(false).await
    }

    /// [`PrivateBroker::start`] with AMQP over TLS only ([`RabbitServer::start_tls`]);
    /// [`PrivateBroker::amqps_url`] reaches it.
    pub async fn start_tls() -> PrivateBroker {
        Self::start_with(true).await
    }

    async fn start_with(tls: bool) -> PrivateBroker {
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<PrivateBroker> {
            let dir = fresh_temp_dir("aftersales-broker")?;
            let server = RabbitServer::at(&dir.join("rabbitmq"), free_port_block(6))?;
            spawn_watchdog(
                std::process::id(),
                &format!(
                    "{}\nrm -rf {}",
                    server.stop_script(),
                    sh_quote(&dir.to_string_lossy())
                ),
            )?;
            let server = if tls {
                RabbitServer::start_tls(&server.base_dir, server.amqp_port)?
            } else {
                RabbitServer::start(&server.base_dir, server.amqp_port)?
            };
            Ok(PrivateBroker { server, dir })
        })
        .await;
        let broker = match res {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => panic!("aftersales-testkit: cannot start a private broker: {e:#}"),
            Err(e) => panic!("aftersales-testkit: private broker start-up panicked: {e}"),
        };
        // A TLS-only node has no plain listener: its administrator comes in over TLS.
        let admin_url = if tls {
            aftersales_messaging::tls::with_query_param(
                &broker.amqps_url(),
                "cacertfile",
                &crate::tls::ca_file().to_string_lossy(),
            )
        } else {
            broker.amqp_url()
        };
        let provisioned = broker_users::provision(
            &http(),
            &admin_url,
            &broker.mgmt_url(),
            (MGMT_USER, MGMT_PASSWORD),
            &broker.users(),
        )
        .await;
        if let Err(e) = provisioned {
            panic!("aftersales-testkit: cannot provision the private broker: {e:#}");
        }
        broker
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/%2f` (the default vhost): the administrator.
    pub fn amqp_url(&self) -> String {
        self.server.amqp_url("/")
    }

    /// `amqps://guest:guest@localhost:TLS_PORT/%2f` of a [`PrivateBroker::start_tls`] node.
    pub fn amqps_url(&self) -> String {
        self.server
            .amqps_url("/")
            .unwrap_or_else(|| panic!("the private broker was started without TLS"))
    }

    /// The services' own users in the default vhost, provisioned at start (the node
    /// is this test's alone, so the plain names serve).
    pub fn users(&self) -> ServiceUsers {
        ServiceUsers::plain("/")
    }

    /// The URL `service` connects with as its own user. Panics for a name that is not
    /// one of the four services.
    pub fn service_amqp_url(&self, service: &str) -> String {
        self.users()
            .amqp_url(&self.server.amqp_base(), service)
            .unwrap_or_else(|| panic!("aftersales-testkit: {service} is not a service"))
    }

    /// Base URL of the node's management API.
    pub fn mgmt_url(&self) -> String {
        self.server.mgmt_url()
    }

    /// The node itself (ports, folder, pid).
    pub fn server(&self) -> &RabbitServer {
        &self.server
    }

    /// Message count of `queue` in the default vhost (see [`mgmt_queue_messages`]).
    pub async fn queue_messages(&self, queue: &str) -> Option<u64> {
        mgmt_queue_messages(&self.server.mgmt_url(), "/", queue).await
    }

    /// Stops the node gracefully (TERM); its data stays for [`PrivateBroker::restart`].
    pub async fn stop(&self) {
        let s = self.server.clone();
        let res = tokio::task::spawn_blocking(move || s.stop()).await;
        if let Ok(Err(e)) | Err(e) = res.map_err(anyhow::Error::from) {
            panic!("aftersales-testkit: cannot stop the private broker: {e:#}");
        }
    }

    /// Kills the node with SIGKILL (a crash); its data stays.
    pub async fn kill(&self) {
        let s = self.server.clone();
        let res = tokio::task::spawn_blocking(move || s.kill()).await;
        if let Ok(Err(e)) | Err(e) = res.map_err(anyhow::Error::from) {
            panic!("aftersales-testkit: cannot kill the private broker: {e:#}");
        }
    }

    /// Starts the node again on the same ports with the same data, so durable
    /// queues and their messages survive.
    pub async fn restart(&self) {
        let (dir, port) = (self.server.base_dir.clone(), self.server.amqp_port);
        let tls = self.server.tls_port.is_some();
        let res = tokio::task::spawn_blocking(move || match tls {
            true => RabbitServer::start_tls(&dir, port),
            false => RabbitServer::start(&dir, port),
        })
        .await;
        if let Ok(Err(e)) | Err(e) = res.map_err(anyhow::Error::from) {
            panic!("aftersales-testkit: cannot restart the private broker: {e:#}");
        }
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        // The data is thrown away: no graceful shutdown needed.
        if let Err(e) = self.server.kill() {
            eprintln!("aftersales-testkit: cannot stop the private broker: {e:#}");
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------
// PrivateDatabase
// ---------------------------------------------------------------------------------

/// A PostgreSQL cluster of its own (own folder, free port) for tests that stop and
/// restart the database. Holds database [`TEST_DATABASE`]. Stopped and deleted on
/// drop; a watchdog does the same if the test process dies first.
#[derive(Debug)]
pub struct PrivateDatabase {
    server: PgServer,
    dir: PathBuf,
}

impl PrivateDatabase {
    /// Starts the cluster (about a second). Panics when it cannot.
    pub async fn start() -> PrivateDatabase {
        Self::start_with(false).await
    }

    /// [`PrivateDatabase::start`], TCP over TLS only ([`PgServer::start_tls`]).
    pub async fn start_tls() -> PrivateDatabase {
        Self::start_with(true).await
    }

    async fn start_with(tls: bool) -> PrivateDatabase {
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<PrivateDatabase> {
            let dir = fresh_temp_dir("aftersales-pg")?;
            let server = PgServer::at(&dir.join("pg"), free_port())?;
            spawn_watchdog(
                std::process::id(),
                &format!(
                    "{}\nrm -rf {}",
                    server.stop_script(),
                    sh_quote(&dir.to_string_lossy())
                ),
            )?;
            let server = if tls {
                PgServer::start_tls(&server.data_dir, server.port)?
            } else {
                PgServer::start(&server.data_dir, server.port)?
            };
            Ok(PrivateDatabase { server, dir })
        })
        .await;
        let db = match res {
            Ok(Ok(db)) => db,
            Ok(Err(e)) => panic!("aftersales-testkit: cannot start a private database: {e:#}"),
            Err(e) => panic!("aftersales-testkit: private database start-up panicked: {e}"),
        };
        if let Err(e) = ensure_database(&db.admin_url(), TEST_DATABASE).await {
            panic!("aftersales-testkit: cannot create {TEST_DATABASE}: {e:#}");
        }
        db
    }

    /// Superuser URL of database [`TEST_DATABASE`] on this cluster.
    pub fn admin_url(&self) -> String {
        self.server.admin_url(TEST_DATABASE)
    }

    /// This cluster's port.
    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// Stops the cluster (fast shutdown: open connections are cut); data stays.
    pub async fn stop(&self) {
        let s = self.server.clone();
        let res = tokio::task::spawn_blocking(move || s.stop()).await;
        if let Ok(Err(e)) | Err(e) = res.map_err(anyhow::Error::from) {
            panic!("aftersales-testkit: cannot stop the private database: {e:#}");
        }
    }

    /// Starts the cluster again on the same port with the same data.
    pub async fn restart(&self) {
        let (dir, port) = (self.server.data_dir.clone(), self.server.port);
        let res = tokio::task::spawn_blocking(move || PgServer::start(&dir, port)).await;
        if let Ok(Err(e)) | Err(e) = res.map_err(anyhow::Error::from) {
            panic!("aftersales-testkit: cannot restart the private database: {e:#}");
        }
    }
}

impl Drop for PrivateDatabase {
    fn drop(&mut self) {
        if let Err(e) = self.server.stop_immediate() {
            eprintln!("aftersales-testkit: cannot stop the private database: {e:#}");
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
