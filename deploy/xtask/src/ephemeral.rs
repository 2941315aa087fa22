//! Throwaway servers for one run of a task (`test`, `bench`, `fuzz`): a PostgreSQL and
//! a RabbitMQ in a fresh temp folder, the service roles and schemas, and service
//! binaries started against them. Everything stops when dropped, and nothing outlives
//! xtask even when it dies without unwinding: a watchdog stops the servers and deletes
//! their folder, and each service process gets SIGKILL from the kernel when xtask's
//! main thread ends (`setpriv --pdeathsig`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use aftersales_testkit::broker_users::{self, ServiceUsers};
use aftersales_testkit::provision::{ensure_database, provision_service};
use aftersales_testkit::util::{fresh_temp_dir, sh_quote, signal, spawn_watchdog, tail, which};
use aftersales_testkit::{PgServer, RabbitServer, free_port, free_port_block};
use anyhow::{Context, bail};

/// A PostgreSQL and a RabbitMQ of their own, in a fresh folder under the system temp
/// dir; stopped and deleted on drop.
pub struct Servers {
    pub dir: PathBuf,
    pg: Option<PgServer>,
    rabbit: Option<RabbitServer>,
}

impl Servers {
    /// Starts both side by side (RabbitMQ takes about 7 s). Blocking: call it from a
    /// plain thread, or accept that the caller's runtime waits.
    pub fn start(prefix: &str) -> anyhow::Result<Servers> {
        crate::packages::ensure(&crate::packages::SERVERS)?;
        let dir = fresh_temp_dir(prefix)?;
        let pg = PgServer::at(&dir.join("pg"), free_port())?;
        let rabbit = RabbitServer::at(&dir.join("rabbitmq"), free_port_block(5))?;
        spawn_watchdog(
            std::process::id(),
            &format!(
                "{}\n{}\nrm -rf {}",
                pg.stop_script(),
                rabbit.stop_script(),
                sh_quote(&dir.to_string_lossy())
            ),
        )?;
        let mut servers = Servers {
            dir,
            pg: None,
            rabbit: None,
        };
        let (p, r) = std::thread::scope(|s| {
            let p = s.spawn(|| PgServer::start(&pg.data_dir, pg.port));
            let r = s.spawn(|| RabbitServer::start(&rabbit.base_dir, rabbit.amqp_port));
            (
                p.join().expect("pg start-up panicked"),
                r.join().expect("rabbit start-up panicked"),
            )
        });
        // Keep whatever started so that drop stops it even if the other failed.
        servers.pg = p.as_ref().ok().cloned();
        servers.rabbit = r.as_ref().ok().cloned();
        p?;
        r?;
        Ok(servers)
    }

    pub fn pg(&self) -> &PgServer {
        self.pg.as_ref().expect("started")
    }

    pub fn rabbit(&self) -> &RabbitServer {
        self.rabbit.as_ref().expect("started")
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        // Everything is deleted afterwards: no graceful shutdown needed.
        if let Some(r) = &self.rabbit
            && let Err(e) = r.kill()
        {
            eprintln!("xtask: stopping the throwaway RabbitMQ: {e:#}");
        }
        if let Some(p) = &self.pg
            && let Err(e) = p.stop_immediate()
        {
            eprintln!("xtask: stopping the throwaway PostgreSQL: {e:#}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Creates `database` and, for each service, its schema, the role that owns it and the
/// role the service runs as (`<service>` and `<service>_app`; each role's password is its
/// name), as every service's defaults expect.
pub async fn provision(pg: &PgServer, database: &str, services: &[&str]) -> anyhow::Result<()> {
    let admin = pg.admin_url("postgres");
    ensure_database(&admin, database).await?;
    for service in services {
        let app = aftersales_web::config::app_role(service);
        provision_service(&admin, database, service, service, &app).await?;
    }
    Ok(())
}

/// `postgres://<role>:<role>@…/<database>` on `pg`: the local stacks' roles.
pub fn role_url(pg: &PgServer, role: &str, database: &str) -> String {
    format!("postgres://{role}:{role}@127.0.0.1:{}/{database}", pg.port)
}

/// Runs `<service> migrate` of each binary in `bin_dir` at once, as the role that owns its
/// schema: the services then run as their `_app` roles, which may not migrate.
pub fn migrate(
    bin_dir: &Path,
    pg: &PgServer,
    database: &str,
    services: &[&str],
) -> anyhow::Result<()> {
    let runs = services
        .iter()
        .map(|service| {
            let exe = bin_dir.join(service);
            let child = Command::new(&exe)
                .arg("migrate")
                .env("DATABASE_URL", role_url(pg, service, database))
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .with_context(|| format!("cannot run {} migrate", exe.display()))?;
            Ok((service, child))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (service, child) in runs {
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "{service} migrate failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Ok(())
}

/// Declares the broker's topology in `rabbit`'s default vhost and creates every
/// service's own user there ([`ServiceUsers::plain`]: password = the service's
/// name, like the database roles), with the least permissions of the event catalog.
pub async fn provision_broker(rabbit: &RabbitServer) -> anyhow::Result<()> {
    let client = aftersales_web::http_client::client();
    broker_users::provision(
        &client,
        &rabbit.amqp_url("/"),
        &rabbit.mgmt_url(),
        ("guest", "guest"),
        &ServiceUsers::plain("/"),
    )
    .await
}

/// The URL `service` connects to `rabbit` with: its own user ([`provision_broker`]).
pub fn service_amqp_url(rabbit: &RabbitServer, service: &str) -> String {
    ServiceUsers::plain("/")
        .amqp_url(&rabbit.amqp_base(), service)
        .unwrap_or_else(|| panic!("{service} is not a service"))
}

/// The environment a service binary needs to run against `pg` and `rabbit` on `port`.
pub fn service_env(
    service: &str,
    port: u16,
    pg: &PgServer,
    database: &str,
    rabbit: &RabbitServer,
    jwt_secret: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("HTTP_ADDR", format!("127.0.0.1:{port}")),
        (
            "DATABASE_URL",
            role_url(pg, &aftersales_web::config::app_role(service), database),
        ),
        ("AMQP_URL", service_amqp_url(rabbit, service)),
        // Throwaway servers of one task with tokens minted by xtask itself; explicit, so
        // an OIDC_ISSUER in the caller's environment cannot make the mode ambiguous.
        ("AUTH_MODE", "hs256".to_owned()),
        ("JWT_SECRET", jwt_secret.to_owned()),
    ]
}

/// The development provider's secret for its confidential `console` client
/// (`deploy/oidc/provider.mjs`, `OIDC_CONSOLE_SECRET`).
pub const CONSOLE_SECRET: &str = "console-dev-secret";

/// The environment of the console at `public_url` (plain http on loopback, so its
/// cookies are not `Secure`), signing in through the development provider at
/// `issuer` and forwarding to `upstreams` (service name, base URL).
pub fn console_env(
    public_url: &str,
    issuer: &str,
    upstreams: &[(&str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("CONSOLE_PUBLIC_URL", public_url.to_owned()),
        ("OIDC_ISSUER", issuer.to_owned()),
        ("OIDC_CLIENT_SECRET", CONSOLE_SECRET.to_owned()),
        ("LOG_FORMAT", "pretty".to_owned()),
    ];
    for (service, url) in upstreams {
        let var = match *service {
            "catalog" => "CATALOG_URL",
            "orders" => "ORDERS_URL",
            "inspection" => "INSPECTION_URL",
            "recovery" => "RECOVERY_URL",
            _ => continue,
        };
        env.push((var, url.clone()));
    }
    env
}

/// A service binary run as a child of xtask, its output in a log file. Dropping it
/// stops it (SIGTERM, then SIGKILL after 10 s).
pub struct ServiceProcess {
    pub name: &'static str,
    pub url: String,
    pub log: PathBuf,
    child: Child,
}

impl ServiceProcess {
    /// Starts `exe` on a free port with `env` (see [`service_env`]; `HTTP_ADDR` is
    /// set here). Call it from the main thread: the kernel's parent-death signal
    /// follows the thread that started the child.
    pub fn spawn(
        name: &'static str,
        exe: &Path,
        log: &Path,
        env: impl FnOnce(u16) -> Vec<(&'static str, String)>,
    ) -> anyhow::Result<ServiceProcess> {
        if !exe.is_file() {
            bail!("{} was not built", exe.display());
        }
        let port = free_port();
        let file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut cmd = ending_with_xtask(exe);
        cmd.envs(env(port))
            .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file);
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        Ok(ServiceProcess {
            name,
            url: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, once it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.exited().is_none() {
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A command for `exe` that the kernel kills (SIGKILL) when xtask's main thread ends,
/// through `setpriv --pdeathsig` (util-linux), when it is there.
pub fn ending_with_xtask(exe: &Path) -> Command {
    match which("setpriv") {
        Some(setpriv) => {
            let mut c = Command::new(setpriv);
            c.args(["--pdeathsig", "KILL", "--"]).arg(exe);
            c
        }
        None => Command::new(exe),
    }
}

/// SIGTERM to all at once, then waits for each (SIGKILL after 10 s): stopping them
/// one by one would add their shutdown times up.
pub fn stop_all(services: &mut Vec<ServiceProcess>) {
    for service in services.iter_mut() {
        if service.exited().is_none() {
            signal(service.pid(), "TERM");
        }
    }
    services.clear();
}

/// Waits until every service answers `GET /health/ready` with 200; fails with the
/// end of its log when one exits or is not ready within `timeout`.
pub async fn wait_ready(services: &mut [ServiceProcess], timeout: Duration) -> anyhow::Result<()> {
    let client = aftersales_web::http_client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + timeout;
    for service in services.iter_mut() {
        let url = format!("{}/health/ready", service.url);
        loop {
            let status = client.get(&url).send().await.map(|r| r.status().as_u16());
            if matches!(status, Ok(200)) {
                break;
            }
            if let Some(exit) = service.exited() {
                bail!(
                    "{} exited during start-up ({exit}); the end of {}:\n{}",
                    service.name,
                    service.log.display(),
                    tail(&service.log, 30)
                );
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} not ready after {} s; the end of {}:\n{}",
                    service.name,
                    timeout.as_secs(),
                    service.log.display(),
                    tail(&service.log, 30)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// `cargo build` of whatever `args` select, from the workspace root.
pub fn cargo_build(args: &[&str]) -> anyhow::Result<()> {
    let status = aftersales_testkit::cargo::command()
        .arg("build")
        .args(args)
        .current_dir(crate::paths::root())
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build {} failed ({status})", args.join(" "));
    }
    Ok(())
}
