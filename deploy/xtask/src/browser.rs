//! `cargo xtask browser-test`: the console's Playwright tests in Debian's chromium
//! against the real stack, started here and removed afterwards: a throwaway
//! PostgreSQL and RabbitMQ, the development OpenID provider (`deploy/oidc`), the four
//! services verifying its tokens, the console, and the demo data loaded through the
//! services' APIs with the provider's client-credentials tokens. Nothing is mocked.
//!
//! Logs, screenshots of failures and of the main screens stay in `.local/browser/`;
//! with `AFTERSALES_UPDATE_SCREENSHOTS=1` the main screens replace the README's
//! pictures in `docs/screenshots/` (they show dates, so every run would change them).

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aftersales_testkit::free_port;
use aftersales_web::Role;
use anyhow::{Context, bail};

use crate::ephemeral::{self, Servers, ServiceProcess};
use crate::paths;

const SERVICES: [&str; 4] = ["catalog", "orders", "inspection", "recovery"];
const DATABASE: &str = "aftersales_browser";
const AUDIENCE: &str = "urn:aftersales:api";
const CLI_SECRET: &str = "cli-dev-secret";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The development provider as a child process; dropping it stops it.
struct Provider(Child);

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn npm(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .status()
        .context("cannot run npm: the browser tests need Node 20 and npm")?;
    if !status.success() {
        bail!(
            "npm {} in {} failed ({status})",
            args.join(" "),
            dir.display()
        );
    }
    Ok(())
}

/// `npm ci` unless `node_modules` is newer than the lock file.
fn npm_ci(dir: &Path) -> anyhow::Result<()> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json"));
    match (installed, locked) {
        (Some(i), Some(l)) if i >= l => Ok(()),
        _ => npm(dir, &["ci", "--no-audit", "--no-fund"]),
    }
}

async fn wait_for(url: &str, what: &str, timeout: Duration) -> anyhow::Result<()> {
    let client = aftersales_web::http_client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + timeout;
    loop {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("{what} did not answer {url} within {} s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A client-credentials token of the demo user playing `role`.
async fn token(issuer: &str, role: Role) -> anyhow::Result<String> {
    let user = role.as_str().replace('_', "-");
    let answer: serde_json::Value = aftersales_web::http_client::client()
        .post(format!("{issuer}/token"))
        .basic_auth(format!("cli-{user}"), Some(CLI_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("no token for cli-{user}"))?
        .json()
        .await?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("the token answer has no access_token")
}

/// Runs the browser tests; `args` go to `playwright test`. Returns whether they passed.
pub async fn run(args: &[String]) -> anyhow::Result<bool> {
    let t0 = Instant::now();
    crate::packages::ensure(&[crate::packages::CHROMIUM])?;
    let dir = paths::local().join("browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let web = paths::root().join("services/console/web");
    let oidc = paths::root().join("deploy/oidc");

    let servers = std::thread::spawn(|| Servers::start("aftersales-xtask-browser"));
    npm_ci(&oidc)?;
    npm_ci(&web)?;
    // The app's own unit tests (message catalogs, problem documents) first: seconds.
    npm(&web, &["test"])?;
    println!("==> cargo build (services and console)");
    let mut build = vec!["--quiet"];
    for svc in SERVICES.iter().chain(&["console"]) {
        build.extend(["--bin", svc]);
    }
    let built = ephemeral::cargo_build(&build);
    let servers = servers.join().expect("server start-up panicked");
    built?;
    let servers = servers.context("starting the throwaway servers")?;
    let (pg, rabbit) = (servers.pg(), servers.rabbit());
    ephemeral::provision(pg, DATABASE, &SERVICES).await?;
    ephemeral::migrate(&paths::target_dir().join("debug"), pg, DATABASE, &SERVICES)?;
    ephemeral::provision_broker(rabbit).await?;

    // Everyone pins the issuer, so its port is chosen first; the provider learns the
    // console's redirect URI once the console has its port.
    let issuer = format!("http://127.0.0.1:{}", free_port());
    let mut processes: Vec<ServiceProcess> = Vec::new();
    for svc in SERVICES {
        let exe = paths::target_dir().join("debug").join(svc);
        let log = dir.join(format!("{svc}.log"));
        let issuer = issuer.clone();
        processes.push(ServiceProcess::spawn(svc, &exe, &log, |port| {
            let mut env: Vec<_> = ephemeral::service_env(svc, port, pg, DATABASE, rabbit, "")
                .into_iter()
                .filter(|(k, _)| *k != "JWT_SECRET")
                .collect();
            env.extend([
                ("AUTH_MODE", "oidc".to_owned()),
                ("OIDC_ISSUER", issuer),
                ("OIDC_AUDIENCE", AUDIENCE.to_owned()),
                ("RUST_LOG", "warn".to_owned()),
            ]);
            env
        })?);
    }
    let url_of: HashMap<&str, String> = processes.iter().map(|p| (p.name, p.url.clone())).collect();
    let console_exe = paths::target_dir().join("debug/console");
    let console_log = dir.join("console.log");
    processes.push(ServiceProcess::spawn(
        "console",
        &console_exe,
        &console_log,
        |port| {
            let upstreams: Vec<(&str, String)> =
                SERVICES.iter().map(|s| (*s, url_of[s].clone())).collect();
            ephemeral::console_env(&format!("http://127.0.0.1:{port}"), &issuer, &upstreams)
        },
    )?);
    let console_url = processes.last().map(|p| p.url.clone()).unwrap_or_default();

    let provider_log = std::fs::File::create(dir.join("oidc.log"))?;
    let provider = Provider(
        ephemeral::ending_with_xtask(Path::new("node"))
            .arg(oidc.join("provider.mjs"))
            .env("OIDC_ISSUER", &issuer)
            .env("OIDC_AUDIENCE", AUDIENCE)
            .env("OIDC_STATE_DIR", dir.join("oidc-state"))
            .env(
                "OIDC_CONSOLE_REDIRECT_URIS",
                format!("{console_url}/auth/callback"),
            )
            .env("OIDC_CONSOLE_LOGOUT_URIS", format!("{console_url}/"))
            .stdin(Stdio::null())
            .stdout(provider_log.try_clone()?)
            .stderr(provider_log)
            .spawn()
            .context("cannot start the OpenID provider (node deploy/oidc/provider.mjs)")?,
    );
    wait_for(
        &format!("{issuer}/.well-known/openid-configuration"),
        "the OpenID provider",
        Duration::from_secs(30),
    )
    .await?;
    ephemeral::wait_ready(&mut processes, Duration::from_secs(90)).await?;

    println!(
        "==> stack ready [{:.1}s]; loading demo data",
        t0.elapsed().as_secs_f64()
    );
    let mut tokens = HashMap::new();
    for role in [Role::Admin, Role::Warehouse, Role::Finance] {
        tokens.insert(role, token(&issuer, role).await?);
    }
    crate::demo::load(
        |role| tokens.get(&role).cloned().unwrap_or_default(),
        |svc| url_of.get(svc).cloned().unwrap_or_default(),
    )
    .await?;

    let screenshots = if std::env::var_os("AFTERSALES_UPDATE_SCREENSHOTS").is_some() {
        paths::root().join("docs/screenshots")
    } else {
        dir.join("screenshots")
    };
    std::fs::create_dir_all(&screenshots)?;
    println!("==> playwright test ({console_url})");
    let started = Instant::now();
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .args(args)
        .current_dir(&web)
        .env("CONSOLE_URL", &console_url)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .env("PLAYWRIGHT_OUTPUT_DIR", dir.join("results"))
        .env("SCREENSHOT_DIR", screenshots)
        .status()
        .context("cannot run npx playwright")?;
    println!(
        "==> playwright: {} in {:.1}s (logs in {})",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    ephemeral::stop_all(&mut processes);
    drop(provider);
    drop(servers);
    Ok(status.success())
}
