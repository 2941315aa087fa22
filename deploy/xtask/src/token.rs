//! Development JWTs (HS256) for the local stack.

use std::fs;

use aftersales_web::{JwtKeys, Role};
use anyhow::{Context, bail};

use crate::paths;

/// The dealer whose token `up` prints.
pub const DEV_DEALER: &str = "D001";

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

/// A signed token for `role` (and `dealer` for dealers), valid `ttl_hours`, made
/// with the services' own signing code so the two cannot drift apart.
pub fn mint(role: &str, dealer: Option<&str>, ttl_hours: u64) -> anyhow::Result<String> {
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
    if ttl_hours == 0 {
        bail!("--ttl-hours must be at least 1");
    }
    let ttl = chrono::Duration::hours(i64::try_from(ttl_hours).context("--ttl-hours too large")?);
    let keys = JwtKeys::new(&secret()?);
    Ok(keys.mint(&format!("dev-{}", role.as_str()), role, dealer, ttl))
}

/// `cargo xtask token`
pub fn run(role: &str, dealer: Option<&str>, ttl_hours: u64) -> anyhow::Result<()> {
    println!("{}", mint(role, dealer, ttl_hours)?);
    Ok(())
}
