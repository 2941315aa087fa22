//! The development OpenID provider of `deploy/oidc/` (Node + the certified `oidc-provider`
//! package): installing its packages (`npm ci`), the command that runs it, waiting until
//! it answers, and a token for a demo user through the client credentials grant.
//!
//! `cargo xtask up` runs it as a long-lived process of the local stack; a test runs one
//! of its own ([`DevProvider`]), stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The audience of the provider's access tokens unless `OIDC_AUDIENCE` says otherwise.
pub const AUDIENCE: &str = "urn:aftersales:api";
/// The secret of every `cli-<username>` client (see `deploy/oidc/README.md`).
pub const CLI_SECRET: &str = "cli-dev-secret";

/// `deploy/oidc/` of this workspace.
pub fn dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../deploy/oidc");
    dir.canonicalize().unwrap_or(dir)
}

/// Runs `npm ci` in `deploy/oidc` unless its packages are installed already.
pub fn ensure_packages() -> anyhow::Result<()> {
    let dir = dir();
    if dir
        .join("node_modules/oidc-provider/package.json")
        .is_file()
    {
        return Ok(());
    }
    if crate::util::which("npm").is_none() || crate::util::which("node").is_none() {
        bail!(
            "the development OpenID provider needs Node.js 20 or later with npm \
             (Debian: apt-get install -y nodejs npm)"
        );
    }
    println!("installing the development OpenID provider's packages (npm ci) …");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .context("cannot run npm")?;
    if !status.success() {
        bail!("npm ci in {} failed ({status})", dir.display());
    }
    Ok(())
}

/// The command that runs the provider at `issuer` (its port is the listening port),
/// keeping its keys in `state_dir`, with `extra` environment (`OIDC_ACCESS_TOKEN_TTL`…).
pub fn command(issuer: &str, state_dir: &Path, extra: &[(&str, &str)]) -> Command {
    let dir = dir();
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("provider.mjs"))
        .current_dir(&dir)
        .env("OIDC_ISSUER", issuer)
        .env("OIDC_STATE_DIR", state_dir)
        .envs(extra.iter().copied());
    cmd
}

/// Waits until the provider serves its discovery document.
pub async fn wait_ready(issuer: &str, timeout: Duration) -> anyhow::Result<()> {
    let client = aftersales_web::http_client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let url = format!("{issuer}/.well-known/openid-configuration");
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(r) = client.get(&url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("the OpenID provider at {issuer} did not answer within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An access token for `client_id` through the client credentials grant (RFC 6749 §4.4).
pub async fn client_credentials(
    issuer: &str,
    client_id: &str,
    secret: &str,
) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct TokenResponse {
        access_token: String,
    }
    let res = aftersales_web::http_client::client()
        .post(format!("{issuer}/token"))
        .basic_auth(client_id, Some(secret))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body("grant_type=client_credentials")
        .send()
        .await
        .with_context(|| format!("cannot reach the OpenID provider at {issuer}"))?;
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() {
        bail!("the OpenID provider refused a token for {client_id}: {status} {body}");
    }
    Ok(serde_json::from_str::<TokenResponse>(&body)
        .with_context(|| format!("unexpected token response: {body}"))?
        .access_token)
}

/// One demo user as the provider lists them (`provider.mjs --print-users`).
#[derive(Debug, Clone, Deserialize)]
pub struct DemoUser {
    pub username: String,
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub dealer_code: Option<String>,
    pub cli_client_id: String,
}

/// What the provider says about itself: its users and their password.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoUsers {
    pub password: String,
    pub cli_secret: String,
    pub users: Vec<DemoUser>,
}

impl DemoUsers {
    /// The provider script is the one list of users; this asks it.
    pub fn load() -> anyhow::Result<DemoUsers> {
        let out = Command::new("node")
            .arg(dir().join("provider.mjs"))
            .arg("--print-users")
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run node")?;
        if !out.status.success() {
            bail!("provider.mjs --print-users failed ({})", out.status);
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// The demo user of `role` (and of `dealer`, for dealers).
    pub fn find(&self, role: &str, dealer: Option<&str>) -> anyhow::Result<&DemoUser> {
        self.users
            .iter()
            .find(|u| u.role == role && (dealer.is_none() || u.dealer_code.as_deref() == dealer))
            .with_context(|| {
                let known: Vec<String> = self
                    .users
                    .iter()
                    .map(|u| match &u.dealer_code {
                        Some(d) => format!("{} {d}", u.role),
                        None => u.role.clone(),
                    })
                    .collect();
                format!(
                    "no demo user for role {role:?}{}; there are: {}",
                    dealer
                        .map(|d| format!(" of dealer {d}"))
                        .unwrap_or_default(),
                    known.join(", ")
                )
            })
    }
}

/// A provider run for one test on a free port, with keys in a temp folder; killed and
/// its folder removed on drop.
pub struct DevProvider {
    pub issuer: String,
    child: Child,
    state: PathBuf,
}

impl DevProvider {
    pub async fn start() -> anyhow::Result<DevProvider> {
        Self::start_with(&[]).await
    }

    /// With more settings, e.g. `OIDC_CONSOLE_REDIRECT_URIS` for a console on its own port.
    pub async fn start_with(extra: &[(&str, &str)]) -> anyhow::Result<DevProvider> {
        ensure_packages()?;
        let issuer = format!("http://127.0.0.1:{}", crate::free_port());
        let state = crate::util::fresh_temp_dir("aftersales-oidc")?;
        let child = command(&issuer, &state, extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start node")?;
        let provider = DevProvider {
            issuer,
            child,
            state,
        };
        wait_ready(&provider.issuer, Duration::from_secs(30)).await?;
        Ok(provider)
    }

    /// A token for the demo user `username` (through its `cli-<username>` client).
    pub async fn token_for(&self, username: &str) -> anyhow::Result<String> {
        client_credentials(&self.issuer, &format!("cli-{username}"), CLI_SECRET).await
    }
}

impl Drop for DevProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.state);
    }
}
