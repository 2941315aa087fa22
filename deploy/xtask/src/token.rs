//! Tokens for the local stack: real ones from its development OpenID provider (the
//! services run in OIDC mode), or, with `--hs256`, tokens signed with a local shared
//! secret for services started with `AUTH_MODE=hs256`.

use std::fs;

use aftersales_testkit::dev_provider::{self, DemoUsers};
use aftersales_web::{JwtKeys, Role};
use anyhow::{Context, bail};

use crate::paths;

/// The dealer whose token `up` prints.
pub const DEV_DEALER: &str = "D001";

/// The issuer of the local stack's development OpenID provider.
pub const ISSUER: &str = "http://127.0.0.1:8090";

/// An access token for the demo user of `role` (and `dealer`) from the running
/// development provider, through that user's client-credentials client.
pub async fn from_provider(role: &str, dealer: Option<&str>) -> anyhow::Result<String> {
    let role = parse_role(role, dealer)?;
    let users = DemoUsers::load()?;
    let user = users.find(role.as_str(), dealer)?;
    dev_provider::client_credentials(ISSUER, &user.cli_client_id, &users.cli_secret)
        .await
        .context("is the local stack up? (`cargo xtask up`)")
}

fn parse_role(role: &str, dealer: Option<&str>) -> anyhow::Result<Role> {
    let role: Role = role.parse().map_err(|_| {
        let known: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!("unknown role {role:?}; known roles: {}", known.join(", "))
    })?;
    match (role, dealer) {
        (Role::Dealer, None) => bail!("role dealer needs --dealer <DEALER_CODE>"),
        (Role::Dealer, Some(d)) if d.trim().is_empty() => bail!("--dealer must not be empty"),
        (r, Some(_)) if r != Role::Dealer => bail!("--dealer only applies to role dealer"),
        _ => {}
    }
    Ok(role)
}

/// The signing secret: `JWT_SECRET` if set, else `.local/jwt-secret`, generated
/// (64 random hex digits) on first use.
pub fn secret() -> anyhow::Result<String> {
    if let Ok(s) = std::env::var("JWT_SECRET")
        && !s.is_empty()
    {
        return Ok(s);
    }
    let path = paths::jwt_secret();
    if let Ok(s) = fs::read_to_string(&path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok(s);
        }
    }
    let mut bytes = [0u8; 32];
    {
        use std::io::Read;
        fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .context("cannot read /dev/urandom")?;
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    fs::create_dir_all(paths::local())?;
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(f, "{hex}")?;
    }
    Ok(hex)
}

/// An HS256 token for `role` (and `dealer` for dealers), valid `ttl_hours`, signed with
/// the local shared secret by the services' own code, for services in `AUTH_MODE=hs256`.
pub fn mint(role: &str, dealer: Option<&str>, ttl_hours: u64) -> anyhow::Result<String> {
    let role = parse_role(role, dealer)?;
    if ttl_hours == 0 {
        bail!("--ttl-hours must be at least 1");
    }
    // A token the services would refuse is no use: ask for one they accept.
    let cap = aftersales_web::config::token_max_lifetime(&|var| std::env::var(var).ok())?;
    let cap_hours = cap.as_secs() / 3600;
    if ttl_hours.saturating_mul(3600) > cap.as_secs() {
        bail!(
            "--ttl-hours {ttl_hours} is longer than the services accept ({cap_hours} h, \
             TOKEN_MAX_LIFETIME): ask for at most {cap_hours}, or start the services with a \
             longer TOKEN_MAX_LIFETIME and mint with the same variable set"
        );
    }
    let ttl = chrono::Duration::hours(i64::try_from(ttl_hours).context("--ttl-hours too large")?);
    let keys = JwtKeys::new(&secret()?);
    Ok(keys.mint(&format!("dev-{}", role.as_str()), role, dealer, ttl))
}

/// `cargo xtask token`
pub async fn run(
    role: &str,
    dealer: Option<&str>,
    hs256: bool,
    ttl_hours: u64,
) -> anyhow::Result<()> {
    let token = if hs256 {
        mint(role, dealer, ttl_hours)?
    } else {
        from_provider(role, dealer).await?
    };
    println!("{token}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_longer_than_the_services_accept_is_not_minted() {
        // 200 h is beyond any TOKEN_MAX_LIFETIME (at most 7 d), whatever the environment.
        let err = mint("admin", None, 200).unwrap_err().to_string();
        assert!(err.contains("TOKEN_MAX_LIFETIME"), "{err}");
        assert!(err.contains("--ttl-hours 200"), "{err}");
    }
}
