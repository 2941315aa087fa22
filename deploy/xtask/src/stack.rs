//! `up`, `down` and `status` of the local stack: PostgreSQL, RabbitMQ, the development
//! OpenID provider, the four services and the web console, all under `.local/`, all on
//! loopback. The services run in OIDC mode against the provider, as they do in
//! production, and the console signs people in through it.

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aftersales_testkit::util::{pid_alive, read_pid_file, signal, tail, terminate};
use aftersales_testkit::{PgServer, RabbitServer};
use anyhow::{Context, bail};

use aftersales_testkit::dev_provider::{self, DemoUsers};

use crate::{paths, token};

/// The development OpenID provider's name in pid and log files.
const OIDC: &str = "oidc";
/// Its tokens live 12 h locally, so a token printed by `up` lasts a working day.
const OIDC_TOKEN_TTL_SECS: &str = "43200";

pub const PG_PORT: u16 = 55432;
pub const AMQP_PORT: u16 = 55672;
pub const DATABASE: &str = "aftersales";

/// The services and their HTTP ports.
pub const SERVICES: [(&str, u16); 4] = [
    ("catalog", 8081),
    ("orders", 8082),
    ("inspection", 8083),
    ("recovery", 8084),
];

/// The web console; the development provider's default redirect URI names this port.
pub const CONSOLE: (&str, u16) = ("console", 8080);

/// Everything `up` starts from this workspace's binaries, with its HTTP port.
fn processes() -> [(&'static str, u16); 5] {
    let [a, b, c, d] = SERVICES;
    [a, b, c, d, CONSOLE]
}

fn pg() -> anyhow::Result<PgServer> {
    PgServer::at(&paths::pg_data(), PG_PORT)
}

fn rabbit() -> anyhow::Result<RabbitServer> {
    RabbitServer::at(&paths::rabbit_base(), AMQP_PORT)
}

fn service_pid(service: &str) -> Option<u32> {
    read_pid_file(&paths::service_pid(service)).filter(|p| pid_alive(*p))
}

/// The service runs as `<service>_app`, which may only read and write its tables; `up`
/// migrates as `<service>`, the schema's owner, first.
fn database_url(service: &str) -> String {
    let role = aftersales_web::config::app_role(service);
    format!("postgres://{role}:{role}@127.0.0.1:{PG_PORT}/{DATABASE}")
}

/// The log file of a process `up` starts (appended to), with the pid folder made too.
fn open_log(name: &str) -> anyhow::Result<fs::File> {
    fs::create_dir_all(paths::logs())?;
    fs::create_dir_all(paths::run())?;
    Ok(fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths::service_log(name))?)
}

/// Starts the development OpenID provider (after `npm ci` on first use) unless it runs.
async fn start_provider() -> anyhow::Result<()> {
    if let Some(pid) = service_pid(OIDC) {
        println!("{OIDC:<10} already running (pid {pid})");
        return Ok(());
    }
    dev_provider::ensure_packages()?;
    let log = open_log(OIDC)?;
    let node = dev_provider::command(
        token::ISSUER,
        &paths::oidc_state(),
        &[("OIDC_ACCESS_TOKEN_TTL", OIDC_TOKEN_TTL_SECS)],
    );
    let mut cmd = Command::new("setsid");
    cmd.arg(node.get_program())
        .args(node.get_args())
        .current_dir(paths::root())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    for (k, v) in node.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let pid = cmd.spawn().context("cannot start node")?.id();
    fs::write(paths::service_pid(OIDC), format!("{pid}\n"))?;
    if let Err(e) = dev_provider::wait_ready(token::ISSUER, Duration::from_secs(30)).await {
        bail!(
            "{e:#}; last lines of {}:\n{}",
            paths::service_log(OIDC).display(),
            tail(&paths::service_log(OIDC), 30)
        );
    }
    println!(
        "{OIDC:<10} up  {} (pid {pid}), log {}",
        token::ISSUER,
        paths::service_log(OIDC).display()
    );
    Ok(())
}

/// The environment of `name` (a service or the console) on `port`.
fn env_of(name: &str, port: u16) -> Vec<(&'static str, String)> {
    if name == CONSOLE.0 {
        let upstreams: Vec<(&str, String)> = SERVICES
            .iter()
            .map(|(svc, port)| (*svc, format!("http://127.0.0.1:{port}")))
            .collect();
        return crate::ephemeral::console_env(
            &format!("http://127.0.0.1:{port}"),
            token::ISSUER,
            &upstreams,
        );
    }
    vec![
        ("DATABASE_URL", database_url(name)),
        (
            "AMQP_URL",
            aftersales_testkit::broker_users::ServiceUsers::plain("/")
                .amqp_url(&format!("amqp://guest:guest@127.0.0.1:{AMQP_PORT}"), name)
                .unwrap_or_default(),
        ),
        ("AUTH_MODE", "oidc".to_owned()),
        ("OIDC_ISSUER", token::ISSUER.to_owned()),
        ("OIDC_AUDIENCE", dev_provider::AUDIENCE.to_owned()),
        ("LOG_FORMAT", "pretty".to_owned()),
    ]
}

fn start_service(service: &str, port: u16) -> anyhow::Result<u32> {
    let exe = paths::target_dir().join("debug").join(service);
    if !exe.is_file() {
        bail!("{} was not built", exe.display());
    }
    let log = open_log(service)?;
    let mut cmd = Command::new("setsid");
    cmd.arg(&exe)
        .current_dir(paths::root())
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .envs(env_of(service, port))
        .env_remove("JWT_SECRET")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "info");
    }
    // `setsid` execs in place (the child is no process-group leader), so the pid is
    // the service's own.
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let pid = child.id();
    fs::write(paths::service_pid(service), format!("{pid}\n"))?;
    Ok(pid)
}

async fn ready(client: &reqwest::Client, port: u16) -> Option<u16> {
    client
        .get(format!("http://127.0.0.1:{port}/health/ready"))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

fn http() -> reqwest::Client {
    aftersales_web::http_client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("reqwest client")
}

/// `cargo xtask up`
pub async fn up() -> anyhow::Result<()> {
    let t0 = Instant::now();
    crate::packages::ensure(&crate::packages::SERVERS)?;
    fs::create_dir_all(paths::local())?;

    let (pg, rabbit) = std::thread::scope(|s| {
        let pg = s.spawn(|| PgServer::start(&paths::pg_data(), PG_PORT));
        let rabbit = s.spawn(|| RabbitServer::start(&paths::rabbit_base(), AMQP_PORT));
        (
            pg.join().expect("pg start-up panicked"),
            rabbit.join().expect("rabbit start-up panicked"),
        )
    });
    let (pg, rabbit) = (pg?, rabbit?);
    println!(
        "postgres  up  127.0.0.1:{} (pid {})    [{:.1}s]",
        pg.port,
        pg.pid().unwrap_or(0),
        t0.elapsed().as_secs_f64()
    );
    println!(
        "rabbitmq  up  127.0.0.1:{} (pid {})    [{:.1}s]",
        rabbit.amqp_port,
        rabbit.pid().unwrap_or(0),
        t0.elapsed().as_secs_f64()
    );

    crate::ephemeral::provision(&pg, DATABASE, &SERVICES.map(|(s, _)| s)).await?;
    println!(
        "database  {DATABASE}: roles and schemas {} provisioned",
        SERVICES.map(|(s, _)| s).join(", ")
    );
    crate::ephemeral::provision_broker(&rabbit).await?;
    println!(
        "rabbitmq  topology and users aftersales-{{{}}} provisioned",
        SERVICES.map(|(s, _)| s).join(",")
    );

    let mut build = aftersales_testkit::cargo::command();
    build.arg("build").current_dir(paths::root());
    for (svc, _) in SERVICES {
        build.args(["-p", svc]);
    }
    // The console's package is prefixed (crates.io's `console` is in the graph).
    build.args(["-p", "aftersales-console"]);
    let status = build.status().context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build of the services and the console failed ({status})");
    }

    let services = SERVICES.map(|(s, _)| s);
    crate::ephemeral::migrate(&paths::target_dir().join("debug"), &pg, DATABASE, &services)?;
    println!("database  migrations applied as each schema's owner");

    start_provider().await?;
    for (svc, port) in processes() {
        match service_pid(svc) {
            Some(pid) => println!(
                "{svc:<10} already running (pid {pid}); `cargo xtask down` first to run a new build"
            ),
            None => {
                let pid = start_service(svc, port)?;
                println!(
                    "{svc:<10} started (pid {pid}), log {}",
                    paths::service_log(svc).display()
                );
            }
        }
    }

    let client = http();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut pending: Vec<(&str, u16)> = processes().to_vec();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for (svc, port) in pending {
            if ready(&client, port).await == Some(200) {
                println!("{svc:<10} ready   [{:.1}s]", t0.elapsed().as_secs_f64());
            } else if service_pid(svc).is_none() {
                bail!(
                    "{svc} exited during start-up; last lines of {}:\n{}",
                    paths::service_log(svc).display(),
                    tail(&paths::service_log(svc), 30)
                );
            } else {
                still.push((svc, port));
            }
        }
        pending = still;
        if !pending.is_empty() {
            if Instant::now() >= deadline {
                bail!(
                    "not ready after 60 s: {} (see {})",
                    pending
                        .iter()
                        .map(|(s, _)| *s)
                        .collect::<Vec<_>>()
                        .join(", "),
                    paths::logs().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    println!("\nall up in {:.1}s", t0.elapsed().as_secs_f64());
    let users = DemoUsers::load()?;
    // One token per role from the provider, for the demo data and for the listing.
    let mut tokens = Vec::new();
    for role in aftersales_web::Role::ALL {
        let dealer = (role == aftersales_web::Role::Dealer).then_some(token::DEV_DEALER);
        let user = users.find(role.as_str(), dealer)?;
        let token =
            dev_provider::client_credentials(token::ISSUER, &user.cli_client_id, &users.cli_secret)
                .await?;
        tokens.push((role, dealer, token));
    }
    crate::demo::load(
        |role| {
            tokens
                .iter()
                .find(|(r, _, _)| *r == role)
                .map(|(_, _, t)| t.clone())
                .unwrap_or_default()
        },
        |service| {
            let port = SERVICES
                .iter()
                .find(|(s, _)| *s == service)
                .map_or(0, |(_, p)| *p);
            format!("http://127.0.0.1:{port}")
        },
    )
    .await?;
    println!("demo data: {}\n", crate::demo::SUMMARY);
    for (svc, port) in SERVICES {
        let base = format!("http://127.0.0.1:{port}");
        println!("{svc:<10} {base}/docs  {base}/openapi.json  {base}/metrics");
    }
    println!(
        "rabbitmq   {}  (guest/guest)  amqp://guest:guest@127.0.0.1:{AMQP_PORT}/%2f",
        rabbit.mgmt_url()
    );
    println!("postgres   {}", pg.admin_url(DATABASE));
    println!(
        "console    http://127.0.0.1:{}  (the web console; sign in as a demo user below)",
        CONSOLE.1
    );
    println!(
        "oidc       {}  (development OpenID provider; audience {})",
        token::ISSUER,
        dev_provider::AUDIENCE
    );
    println!(
        "\ndemo users (password {:?}; sign in through the console):",
        users.password
    );
    for user in &users.users {
        let role = match &user.dealer_code {
            Some(d) => format!("{} {d}", user.role),
            None => user.role.clone(),
        };
        println!("  {:<14} {role}", user.username);
    }
    println!(
        "\ntokens (12 h) from the provider, use as `Authorization: Bearer <token>` \
         (more: cargo xtask token --role <role> [--dealer D00n]):"
    );
    for (role, dealer, token) in &tokens {
        let label = match dealer {
            Some(d) => format!("{role} ({d})"),
            None => role.to_string(),
        };
        println!("{label:<14} {token}");
    }
    Ok(())
}

/// `cargo xtask down`
pub fn down() -> anyhow::Result<()> {
    // TERM all services at once, then wait for each (KILL after 10 s).
    let running: Vec<(&str, Option<u32>)> = processes()
        .iter()
        .map(|(svc, _)| (*svc, service_pid(svc)))
        .collect();
    for (_, pid) in &running {
        if let Some(pid) = pid {
            signal(*pid, "TERM");
        }
    }
    for (svc, pid) in running {
        match pid {
            Some(pid) => {
                terminate(pid, Duration::from_secs(10));
                println!("{svc:<10} stopped (pid {pid})");
            }
            None => println!("{svc:<10} not running"),
        }
        let _ = fs::remove_file(paths::service_pid(svc));
    }
    match service_pid(OIDC) {
        Some(pid) => {
            terminate(pid, Duration::from_secs(10));
            println!("{OIDC:<10} stopped (pid {pid})");
        }
        None => println!("{OIDC:<10} not running"),
    }
    let _ = fs::remove_file(paths::service_pid(OIDC));
    let rabbit = rabbit()?;
    match rabbit.pid() {
        Some(pid) => {
            rabbit.stop()?;
            println!("rabbitmq   stopped (pid {pid})");
        }
        None => {
            rabbit.stop()?; // still reaps a left-over epmd
            println!("rabbitmq   not running");
        }
    }
    if paths::pg_data().join("PG_VERSION").is_file() {
        let pg = pg()?;
        match pg.pid() {
            Some(pid) => {
                if let Err(e) = pg.stop() {
                    eprintln!("pg_ctl stop failed ({e:#}); terminating pid {pid}");
                    terminate(pid, Duration::from_secs(10));
                }
                println!("postgres   stopped (pid {pid})");
            }
            None => println!("postgres   not running"),
        }
    } else {
        println!("postgres   not running");
    }
    Ok(())
}

/// `cargo xtask status`
pub async fn status() -> anyhow::Result<()> {
    let show = |name: &str, pid: Option<u32>, extra: String| match pid {
        Some(pid) => println!("{name:<10} running  pid {pid:<8} {extra}"),
        None => println!("{name:<10} stopped"),
    };
    let pg_pid = if paths::pg_data().join("PG_VERSION").is_file() {
        pg()?.pid()
    } else {
        None
    };
    show("postgres", pg_pid, format!("127.0.0.1:{PG_PORT}"));
    let rabbit = rabbit()?;
    show(
        "rabbitmq",
        rabbit.pid(),
        format!("127.0.0.1:{AMQP_PORT}  {}", rabbit.mgmt_url()),
    );
    show(OIDC, service_pid(OIDC), token::ISSUER.to_owned());
    let client = http();
    for (svc, port) in processes() {
        let pid = service_pid(svc);
        let health = match pid {
            Some(_) => match ready(&client, port).await {
                Some(code) => format!("http://127.0.0.1:{port}  /health/ready: {code}"),
                None => format!("http://127.0.0.1:{port}  /health/ready: no answer"),
            },
            None => String::new(),
        };
        show(svc, pid, health);
    }
    Ok(())
}
