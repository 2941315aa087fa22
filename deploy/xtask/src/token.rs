//! Development JWTs (HS256) for the local stack.

use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;

use crate::paths;

/// Every role the services know.
pub const ROLES: [&str; 6] = [
    "dealer",
    "warehouse",
    "quality",
    "quality_lead",
    "finance",
    "admin",
];

/// The dealer whose token `up` prints.
pub const DEV_DEALER: &str = "D001";

#[derive(Debug, Serialize)]
struct Claims<'a> {
    sub: String,
    role: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dealer_code: Option<&'a str>,
    exp: u64,
    iat: u64,
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

/// A signed token for `role` (and `dealer` for dealers), valid `ttl_hours`.
pub fn mint(role: &str, dealer: Option<&str>, ttl_hours: u64) -> anyhow::Result<String> {
    if !ROLES.contains(&role) {
        bail!("unknown role {role:?}; known roles: {}", ROLES.join(", "));
    }
    match (role, dealer) {
        ("dealer", None) => bail!("role dealer needs --dealer <DEALER_CODE>"),
        ("dealer", Some(d)) if d.trim().is_empty() => bail!("--dealer must not be empty"),
        (r, Some(_)) if r != "dealer" => bail!("--dealer only applies to role dealer"),
        _ => {}
    }
    if ttl_hours == 0 {
        bail!("--ttl-hours must be at least 1");
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = Claims {
        sub: format!("dev-{role}"),
        role,
        dealer_code: dealer,
        exp: now + ttl_hours * 3600,
        iat: now,
    };
    let secret = secret()?;
    Ok(jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

/// `cargo xtask token`
pub fn run(role: &str, dealer: Option<&str>, ttl_hours: u64) -> anyhow::Result<()> {
    println!("{}", mint(role, dealer, ttl_hours)?);
    Ok(())
}
