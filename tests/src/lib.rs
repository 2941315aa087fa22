//! Helpers for the end-to-end suites in `e2e/`: the four services started in-process
//! against the test run's PostgreSQL and RabbitMQ, each in its own schema.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

pub mod chaos;
pub mod invariants;

use aftersales_messaging::Handler;
use aftersales_messaging::contracts::topology_v1;
pub use aftersales_testkit::eventually;
use aftersales_testkit::tokens::TestIssuer;
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::config::WebConfig;
use aftersales_web::service::{Running, ServiceSpec, start, test_config_with};
use std::time::Duration;

/// The test issuer's variables (the real binary fetches this test process's JWKS over
/// HTTP, like in production) followed by `more` (`DB_POOL_SIZE`…): for
/// [`ServiceProcess::start_with`].
pub fn issuer_env(more: &[(&str, &str)]) -> Vec<(String, String)> {
    keys()
        .service_env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .chain(more.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .collect()
}

/// One started service and its base URL.
pub struct Service {
    pub name: &'static str,
    pub base: String,
    pub running: Running,
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// The configuration a service gets in these tests (see `service::test_config`): it
/// accepts the tokens of [`keys`], checked against that issuer's JWKS.
pub fn config(name: &str, database_url: &str, schema: &str, amqp_url: &str) -> WebConfig {
    test_config_with(name, database_url, schema, amqp_url, &keys().service_env())
}

/// The test run's token issuer (an in-process OpenID-style provider with a JWKS).
pub fn keys() -> &'static TestIssuer {
    aftersales_testkit::tokens::issuer()
}

pub async fn launch<H: Handler + Clone>(spec: ServiceSpec<H>, config: WebConfig) -> Service {
    let name = spec.name;
    let running = start(spec, config, topology_v1())
        .await
        .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
    Service {
        name,
        base: format!("http://{}", running.addr),
        running,
    }
}

/// The four services, each in a fresh schema of the test database, on `vhost`, each
/// as its own broker user. Keep the returned schemas alive as long as the services.
pub async fn launch_all(vhost: &TestVhost) -> (Vec<TestDb>, Vec<Service>) {
    let mut dbs = Vec::new();
    for _ in 0..4 {
        dbs.push(TestDb::new().await);
    }
    let cfg = |i: usize, name: &str| {
        config(
            name,
            &dbs[i].admin_url(),
            &dbs[i].schema,
            &vhost.service_amqp_url(name),
        )
    };
    let services = vec![
        launch(catalog::spec(), cfg(0, catalog::NAME)).await,
        launch(orders::spec(), cfg(1, orders::NAME)).await,
        launch(inspection::spec(), cfg(2, inspection::NAME)).await,
        launch(recovery::spec(), cfg(3, recovery::NAME)).await,
    ];
    (dbs, services)
}

pub async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    match client.get(url).send().await {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

/// `names` as processes ([`ServiceProcess::start_on`]), each in a fresh schema, in that
/// order. Keep the returned schemas alive as long as the processes.
pub async fn start_processes(
    vhost: &TestVhost,
    names: &[&'static str],
) -> (Vec<TestDb>, Vec<ServiceProcess>) {
    let (mut dbs, mut services) = (Vec::new(), Vec::new());
    for name in names {
        let db = TestDb::new().await;
        services.push(ServiceProcess::start_on(name, &db, vhost, &[]).await);
        dbs.push(db);
    }
    (dbs, services)
}

/// A service run as its own process (the real binary), for tests that kill and
/// restart it. The binary is built first if needed; stdout and stderr go to a log
/// file that is printed if the test fails to start it.
pub struct ServiceProcess {
    pub name: &'static str,
    pub base: String,
    env: Vec<(String, String)>,
    log: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl ServiceProcess {
    /// Starts `name` on a free port with its own `schema` of the test database and
    /// waits until it is ready.
    pub async fn start(
        name: &'static str,
        database_url: &str,
        schema: &str,
        amqp_url: &str,
    ) -> Self {
        Self::start_with(name, database_url, schema, amqp_url, issuer_env(&[])).await
    }

    /// [`start`](Self::start) with other authentication variables than the test
    /// issuer's (`AUTH_MODE`, `JWT_SECRET`, `TOKEN_MAX_LIFETIME`…).
    pub async fn start_with(
        name: &'static str,
        database_url: &str,
        schema: &str,
        amqp_url: &str,
        auth: Vec<(String, String)>,
    ) -> Self {
        let port = aftersales_testkit::free_port();
        let mut env = vec![
            ("HTTP_ADDR".to_owned(), format!("127.0.0.1:{port}")),
            ("DATABASE_URL".to_owned(), database_url.to_owned()),
            ("DATABASE_SCHEMA".to_owned(), schema.to_owned()),
            ("AMQP_URL".to_owned(), amqp_url.to_owned()),
            ("LOG_FORMAT".to_owned(), "json".to_owned()),
            (
                "RUST_LOG".to_owned(),
                "warn,aftersales_messaging=info".to_owned(),
            ),
        ];
        env.extend(auth);
        let log = std::env::temp_dir().join(format!("aftersales-e2e-{name}-{schema}-{port}.log"));
        let mut process = ServiceProcess {
            name,
            base: format!("http://127.0.0.1:{port}"),
            env,
            log,
            child: None,
        };
        process.spawn().await;
        process
    }

    /// `name` in the schema of `db`, on `vhost` as its own broker user, with the test
    /// issuer's variables and `more` (`DB_POOL_SIZE`…).
    pub async fn start_on(
        name: &'static str,
        db: &TestDb,
        vhost: &TestVhost,
        more: &[(&str, &str)],
    ) -> Self {
        let amqp = vhost.service_amqp_url(name);
        Self::start_with(name, &db.admin_url(), &db.schema, &amqp, issuer_env(more)).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The process's resident memory in KiB (`VmRSS`), while it runs.
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    async fn spawn(&mut self) {
        let bin = binary(self.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("service log file");
        let child = std::process::Command::new(&bin)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        self.child = Some(child);
        let client = aftersales_web::http_client::client();
        let ready = self.url("/health/ready");
        if !eventually(Duration::from_secs(60), || async {
            status_of(&client, &ready).await == 200
        })
        .await
        {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("{} did not become ready; its log:\n{log}", self.name);
        }
    }

    /// SIGKILL: a crash, no graceful anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, as Kubernetes stops a pod; returns how long the process took to exit.
    pub fn terminate(&mut self) -> Duration {
        let started = std::time::Instant::now();
        if let Some(mut child) = self.child.take() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
        started.elapsed()
    }

    /// Starts the process again after [`kill`](Self::kill) or
    /// [`terminate`](Self::terminate) (or kills it first if it still runs).
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
        // A failed test keeps the log: it is the first thing to read.
        if std::thread::panicking() {
            eprintln!("{} log kept: {}", self.name, self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// The service's binary next to this test binary (`target/<profile>/<name>`), built
/// once per test process so a stale binary is never what gets tested.
pub fn binary(name: &str) -> std::path::PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        // The same selection and profile as the test run itself, so features unify
        // the same way and this is a no-op after `cargo nextest run --workspace`
        // (building `-p <name>` alone would resolve other features and rebuild).
        let status = aftersales_testkit::cargo::command()
            .args(["build", "--quiet", "--workspace", "--tests"])
            .status()
            .expect("cargo build");
        assert!(status.success(), "cargo build --workspace --tests failed");
    });
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    profile_dir.join(name)
}
