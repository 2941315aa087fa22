//! Service configuration from environment variables, with defaults that work on one
//! machine (the local stack's ports).

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// The shortest shared secret `AUTH_MODE=hs256` accepts: HS256's own key size (RFC 7518
/// §3.2), so a guessable word is refused.
pub const MIN_SECRET_BYTES: usize = 32;

/// The switch that lets `AUTH_MODE=hs256` listen beyond loopback (a development machine
/// reached from a phone, say); its only accepted value is `true`.
pub const INSECURE_NETWORK_SWITCH: &str = "INSECURE_HS256_ON_NETWORK";

/// The claim that holds the role when `OIDC_ROLE_CLAIM` is unset.
pub const DEFAULT_ROLE_CLAIM: &str = "role";
/// The claim that names a dealer user's dealer when `OIDC_DEALER_CLAIM` is unset.
pub const DEFAULT_DEALER_CLAIM: &str = "dealer_code";

/// How bearer tokens are verified.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthConfig {
    /// Asymmetrically signed tokens from an OpenID provider, checked against its JWKS.
    Oidc(OidcConfig),
    /// One HS256 secret shared by every service and token minter: local development only,
    /// since any service holding it can mint tokens for all the others. Only with
    /// `AUTH_MODE=hs256` set explicitly, a secret of at least [`MIN_SECRET_BYTES`], and
    /// on a loopback address unless [`INSECURE_NETWORK_SWITCH`] is `true`.
    SharedSecret(String),
}

/// The OpenID provider whose tokens a service accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// Compared exactly with the token's `iss`.
    pub issuer: String,
    /// Must be one of the token's `aud`.
    pub audience: String,
    /// Where the signing keys are; `None`: found through the issuer's discovery document.
    pub jwks_url: Option<String>,
    /// PEM certificates trusted besides the platform's roots when fetching the keys over
    /// https (a provider behind a private CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// Where the role is: a string, or a list of which the first known role counts.
    pub role_claim: ClaimPath,
    /// Where a dealer user's dealer code is.
    pub dealer_claim: ClaimPath,
}

impl OidcConfig {
    /// `<issuer>/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// A claim name, or a dotted path into nested objects (`realm_access.roles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath(Vec<String>);

impl ClaimPath {
    /// Its names, outermost first.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The value at this path in a token's claims, if every step exists.
    pub fn find<'a>(&self, claims: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.0.iter().try_fold(claims, |v, key| v.get(key))
    }
}

impl FromStr for ClaimPath {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<String> = s.trim().split('.').map(str::to_owned).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err("expected a claim name or a dotted path such as realm_access.roles".into());
        }
        Ok(ClaimPath(parts))
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthConfig::Oidc(oidc) => f.debug_tuple("Oidc").field(oidc).finish(),
            AuthConfig::SharedSecret(_) => f.write_str("SharedSecret(<redacted>)"),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable, coloured: local development.
    #[default]
    Pretty,
    /// One JSON object per line: production.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            _ => Err("expected `pretty` or `json`".into()),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("invalid value {value:?} for {var}: {reason}")]
    Invalid {
        var: &'static str,
        value: String,
        reason: String,
    },
}

/// Everything a service needs to start its web side.
#[derive(Clone, PartialEq, Eq)]
pub struct WebConfig {
    pub http_addr: SocketAddr,
    pub database_url: String,
    /// When set, connections use this `search_path` (see [`crate::db::connection_url`]).
    pub database_schema: Option<String>,
    pub amqp_url: String,
    pub auth: AuthConfig,
    /// The longest `exp - iat` a token may have.
    pub token_max_lifetime: Duration,
    pub log_format: LogFormat,
    pub db_pool_size: usize,
    /// Deliveries the consumer applies at once (each in its own transaction).
    pub consumer_concurrency: usize,
    // Issue 15, findings 6 and 7 (see crate::settings).
    /// Timeouts of the pool and of every pooled connection's session.
    pub db_limits: crate::settings::DbLimits,
    /// How long the shared tables keep their rows.
    pub retention: crate::settings::Retention,
}

impl WebConfig {
    /// Reads the process environment. See [`WebConfig::from_lookup`] for the variables.
    pub fn from_env(service: &str, default_port: u16) -> Result<WebConfig, ConfigError> {
        Self::from_lookup(service, default_port, |name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process env.
    ///
    /// | variable | default |
    /// |---|---|
    /// | `HTTP_ADDR` | `127.0.0.1:<default_port>` |
    /// | `DATABASE_URL` | `postgres://<service>_app:<service>_app@127.0.0.1:55432/aftersales` (the role that may only read and write the service's tables) |
    /// | `DATABASE_SCHEMA` | none |
    /// | `AMQP_URL` | `amqp://guest:guest@127.0.0.1:55672/%2f`; several broker nodes may be listed, tried in turn (`amqp://u:p@h1:5672,h2:5672/vhost`, see `aftersales_messaging::broker::node_urls`) |
    /// | `DATABASE_CA_FILE` | none: `sslrootcert` in `DATABASE_URL`, else the platform's roots |
    /// | `AMQP_CA_FILE` | none: `cacertfile` in `AMQP_URL`, else the platform's roots only |
    /// | `AUTH_MODE` | `oidc` if `OIDC_ISSUER` is set; `hs256` only when set explicitly |
    /// | `OIDC_ISSUER`, `OIDC_AUDIENCE` | required in `oidc` mode |
    /// | `OIDC_JWKS_URL` | from `<issuer>/.well-known/openid-configuration` |
    /// | `OIDC_CA_FILE` | none: the platform's roots only (a PEM file of extra CA certificates) |
    /// | `OIDC_ROLE_CLAIM` | `role` (a dotted path such as `realm_access.roles` reaches a list) |
    /// | `OIDC_DEALER_CLAIM` | `dealer_code` |
    /// | `JWT_SECRET` | required in `hs256` mode (local development only): at least 32 bytes |
    /// | `INSECURE_HS256_ON_NETWORK` | unset: `hs256` mode only on a loopback `HTTP_ADDR`; `true` allows any |
    /// | `TOKEN_MAX_LIFETIME` | `12h`: the longest `exp - iat` of a token (a duration, 1m to 7d) |
    /// | `LOG_FORMAT` | `pretty` (or `json`) |
    /// | `DB_POOL_SIZE` | `10` |
    /// | `CONSUMER_CONCURRENCY` | `1` (batches applied at once, see `aftersales_messaging::consumer`) |
    /// | `DB_ACQUIRE_TIMEOUT`, `DB_STATEMENT_TIMEOUT`, `DB_LOCK_TIMEOUT`, `DB_IDLE_IN_TRANSACTION_TIMEOUT` | see [`crate::settings::DbLimits`] |
    /// | `IDEMPOTENCY_RETENTION`, `INBOX_RETENTION`, `OUTBOX_RETENTION`, `RETENTION_INTERVAL`, `RETENTION_BATCH` | see [`crate::settings::Retention`] |
    ///
    /// An empty variable counts as unset, except `JWT_SECRET`, where it is an error. Without
    /// `OIDC_ISSUER` or `AUTH_MODE=hs256` the service refuses to start (a `JWT_SECRET` alone
    /// is not enough: a shared secret must be asked for); with both, `AUTH_MODE` must say
    /// which.
    pub fn from_lookup(
        service: &str,
        default_port: u16,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<WebConfig, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let http_addr = match get("HTTP_ADDR") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|e: std::net::AddrParseError| invalid("HTTP_ADDR", &v, e))?,
            None => SocketAddr::from(([127, 0, 0, 1], default_port)),
        };

        let (database_url, database_schema) = database(&lookup, &app_role(service))?;

        let amqp_url =
            get("AMQP_URL").unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:55672/%2f".to_owned());
        if !(amqp_url.starts_with("amqp://") || amqp_url.starts_with("amqps://")) {
            return Err(invalid(
                "AMQP_URL",
                &redact_url(&amqp_url),
                "expected an amqp:// URL",
            ));
        }

        let (database_url, amqp_url) = transport_security(&get, database_url, amqp_url)?;

        let auth = auth_config(&lookup, http_addr)?;
        let token_max_lifetime = token_max_lifetime(&get)?;

        let log_format = log_format(&lookup)?;

        let count = |var: &'static str, max: usize, default: usize| match get(var) {
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                Ok(_) => Err(invalid(var, &v, format!("must be between 1 and {max}"))),
                Err(e) => Err(invalid(var, &v, e)),
            },
            None => Ok(default),
        };
        let db_pool_size = count("DB_POOL_SIZE", 1000, 10)?;
        let consumer_concurrency = count(
            "CONSUMER_CONCURRENCY",
            256,
            aftersales_messaging::consumer::DEFAULT_CONCURRENCY,
        )?;
        let db_limits = crate::settings::DbLimits::from_lookup(get)?;
        let retention = crate::settings::Retention::from_lookup(get)?;

        Ok(WebConfig {
            http_addr,
            database_url,
            database_schema,
            amqp_url,
            auth,
            token_max_lifetime,
            log_format,
            db_pool_size,
            consumer_concurrency,
            db_limits,
            retention,
        })
    }

    /// Logs warnings about development-only settings. Call after [`crate::telemetry::init`]:
    /// configuration is read before logging is set up.
    pub fn log_warnings(&self) {
        match &self.auth {
            AuthConfig::SharedSecret(_) if !self.http_addr.ip().is_loopback() => tracing::error!(
                addr = %self.http_addr,
                "{INSECURE_NETWORK_SWITCH}=true: tokens are checked with a shared secret on a \
                 network address; anyone who has the secret can act as any role here"
            ),
            AuthConfig::SharedSecret(_) => tracing::warn!(
                "AUTH_MODE=hs256: tokens are checked with a shared secret, which is for local \
                 development only; set OIDC_ISSUER and OIDC_AUDIENCE in production"
            ),
            AuthConfig::Oidc(oidc) => tracing::info!(
                issuer = %oidc.issuer,
                audience = %oidc.audience,
                "tokens are checked against the OpenID provider's keys"
            ),
        }
    }

    /// The database URL with the schema's `search_path` applied.
    pub fn connection_url(&self) -> String {
        crate::db::connection_url(&self.database_url, self.database_schema.as_deref())
    }
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("http_addr", &self.http_addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("database_schema", &self.database_schema)
            .field("amqp_url", &redact_url(&self.amqp_url))
            .field("auth", &self.auth)
            .field("token_max_lifetime", &self.token_max_lifetime)
            .field("log_format", &self.log_format)
            .field("db_pool_size", &self.db_pool_size)
            .field("consumer_concurrency", &self.consumer_concurrency)
            .field("db_limits", &self.db_limits)
            .field("retention", &self.retention)
            .finish()
    }
}

/// What `<service> migrate` needs, and nothing else: it runs as the role that owns the
/// service's schema, and neither the broker's nor the token verifier's settings reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct MigrateConfig {
    /// The schema owner's URL (default `postgres://<service>:<service>@127.0.0.1:55432/aftersales`).
    pub database_url: String,
    pub database_schema: Option<String>,
    pub log_format: LogFormat,
}

impl MigrateConfig {
    /// Reads `DATABASE_URL`, `DATABASE_CA_FILE`, `DATABASE_SCHEMA` and `LOG_FORMAT` from the
    /// process environment.
    pub fn from_env(service: &str) -> Result<MigrateConfig, ConfigError> {
        Self::from_lookup(service, |name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        service: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<MigrateConfig, ConfigError> {
        let (database_url, database_schema) = database(&lookup, service)?;
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = database_transport(&get, database_url)?;
        Ok(MigrateConfig {
            database_url,
            database_schema,
            log_format: log_format(&lookup)?,
        })
    }

    /// The database URL with the schema's `search_path` applied.
    pub fn connection_url(&self) -> String {
        crate::db::connection_url(&self.database_url, self.database_schema.as_deref())
    }
}

impl fmt::Debug for MigrateConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MigrateConfig")
            .field("database_url", &redact_url(&self.database_url))
            .field("database_schema", &self.database_schema)
            .field("log_format", &self.log_format)
            .finish()
    }
}

/// The role a service runs as, beside the role `<service>` that owns its schema.
pub fn app_role(service: &str) -> String {
    format!("{service}_app")
}

/// `DATABASE_URL` (default: `role` on the local stack's PostgreSQL) and `DATABASE_SCHEMA`.
fn database(
    lookup: &impl Fn(&str) -> Option<String>,
    role: &str,
) -> Result<(String, Option<String>), ConfigError> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let url = get("DATABASE_URL")
        .unwrap_or_else(|| format!("postgres://{role}:{role}@127.0.0.1:55432/aftersales"));
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(invalid(
            "DATABASE_URL",
            &redact_url(&url),
            "expected a postgres:// URL",
        ));
    }
    let schema = match get("DATABASE_SCHEMA") {
        Some(v) if is_identifier(v.trim()) => Some(v.trim().to_owned()),
        Some(v) => {
            return Err(invalid(
                "DATABASE_SCHEMA",
                &v,
                "expected a lower-case identifier ([a-z_][a-z0-9_]*)",
            ));
        }
        None => None,
    };
    Ok((url, schema))
}

fn log_format(lookup: &impl Fn(&str) -> Option<String>) -> Result<LogFormat, ConfigError> {
    match lookup("LOG_FORMAT").filter(|v| !v.trim().is_empty()) {
        Some(v) => v.parse().map_err(|e: String| invalid("LOG_FORMAT", &v, e)),
        None => Ok(LogFormat::default()),
    }
}

/// Transport security (issue 15): `DATABASE_CA_FILE` and `AMQP_CA_FILE` go into the URLs
/// as libpq's `sslrootcert` and RabbitMQ's `cacertfile` parameters, so every connection
/// made from a URL (pool, migrations, relay listener, broker links) carries them; then
/// the TLS settings of both URLs are checked, CA files read, so a mistake stops the
/// service at start (see `aftersales_messaging::tls`).
fn transport_security(
    get: &impl Fn(&str) -> Option<String>,
    database_url: String,
    amqp_url: String,
) -> Result<(String, String), ConfigError> {
    use aftersales_messaging::tls;

    let database_url = database_transport(get, database_url)?;
    let amqp_url = with_ca_file(get, amqp_url, "AMQP_URL", "AMQP_CA_FILE", "cacertfile")?;
    if tls::has_query_param(&amqp_url, "cacertfile") && !amqp_url.starts_with("amqps://") {
        return Err(invalid(
            "AMQP_CA_FILE",
            &redact_url(&amqp_url),
            "a CA file is given but AMQP_URL is plain amqp://: use amqps://",
        ));
    }
    tls::amqp_tls_config(&amqp_url)
        .map_err(|e| invalid("AMQP_CA_FILE", &redact_url(&amqp_url), e))?;
    Ok((database_url, amqp_url))
}

/// `DATABASE_CA_FILE` into `database_url` as `sslrootcert`, then its TLS settings checked
/// (the CA file read): shared by `serve` and `migrate`, which both connect to the database.
fn database_transport(
    get: &impl Fn(&str) -> Option<String>,
    database_url: String,
) -> Result<String, ConfigError> {
    let database_url = with_ca_file(
        get,
        database_url,
        "DATABASE_URL",
        "DATABASE_CA_FILE",
        "sslrootcert",
    )?;
    let target = aftersales_messaging::tls::PgTarget::parse(&database_url)
        .map_err(|e| invalid("DATABASE_URL", &redact_url(&database_url), e))?;
    target
        .check_ca_file()
        .map_err(|e| invalid("DATABASE_CA_FILE", &redact_url(&database_url), e))?;
    Ok(database_url)
}

/// `url` with the CA file named by `var` as its query parameter `param`, unless unset; a
/// URL that already names one is refused (two places saying it would disagree one day).
fn with_ca_file(
    get: &impl Fn(&str) -> Option<String>,
    url: String,
    url_var: &'static str,
    var: &'static str,
    param: &str,
) -> Result<String, ConfigError> {
    use aftersales_messaging::tls;
    let Some(path) = get(var) else {
        return Ok(url);
    };
    let path = path.trim().to_owned();
    if tls::has_query_param(&url, param) {
        return Err(invalid(
            var,
            &path,
            format!("{url_var} names a CA file too (`{param}`): keep one of them"),
        ));
    }
    Ok(tls::with_query_param(&url, param, &path))
}

/// `AUTH_MODE` and the variables of the mode it picks.
fn auth_config(
    lookup: &impl Fn(&str) -> Option<String>,
    http_addr: SocketAddr,
) -> Result<AuthConfig, ConfigError> {
    let get = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mode = match get("AUTH_MODE") {
        Some(m) => m.to_ascii_lowercase(),
        None => match (get("OIDC_ISSUER").is_some(), lookup("JWT_SECRET").is_some()) {
            (true, false) => "oidc".to_owned(),
            // The image's defaults with a secret someone passed along must not start.
            (false, true) => {
                return Err(invalid(
                    "AUTH_MODE",
                    "",
                    "JWT_SECRET is set but AUTH_MODE is not: a shared secret is for local \
                     development only. Set OIDC_ISSUER and OIDC_AUDIENCE (the OpenID \
                     provider), or AUTH_MODE=hs256 on a loopback HTTP_ADDR for local \
                     development",
                ));
            }
            (true, true) => {
                return Err(invalid(
                    "AUTH_MODE",
                    "",
                    "both OIDC_ISSUER and JWT_SECRET are set: set AUTH_MODE to `oidc` or \
                     `hs256` (local development only)",
                ));
            }
            (false, false) => {
                return Err(invalid(
                    "AUTH_MODE",
                    "",
                    "no token verification is configured: set OIDC_ISSUER and OIDC_AUDIENCE \
                     (the OpenID provider), or AUTH_MODE=hs256 and JWT_SECRET for local \
                     development with a shared HS256 secret",
                ));
            }
        },
    };
    match mode.as_str() {
        "oidc" => {
            let required = |var: &'static str| {
                get(var).ok_or_else(|| invalid(var, "", "required when AUTH_MODE is oidc"))
            };
            let issuer = required("OIDC_ISSUER")?;
            let audience = required("OIDC_AUDIENCE")?;
            if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
                return Err(invalid(
                    "OIDC_ISSUER",
                    &issuer,
                    "expected an http(s):// URL",
                ));
            }
            let jwks_url = get("OIDC_JWKS_URL");
            if let Some(url) = &jwks_url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(invalid("OIDC_JWKS_URL", url, "expected an http(s):// URL"));
            }
            let ca_file = get("OIDC_CA_FILE").map(std::path::PathBuf::from);
            let claim = |var: &'static str, default: &str| {
                let v = get(var).unwrap_or_else(|| default.to_owned());
                v.parse::<ClaimPath>().map_err(|e| invalid(var, &v, e))
            };
            Ok(AuthConfig::Oidc(OidcConfig {
                issuer,
                audience,
                jwks_url,
                ca_file,
                role_claim: claim("OIDC_ROLE_CLAIM", DEFAULT_ROLE_CLAIM)?,
                dealer_claim: claim("OIDC_DEALER_CLAIM", DEFAULT_DEALER_CLAIM)?,
            }))
        }
        "hs256" => {
            let secret = match lookup("JWT_SECRET") {
                Some(v) if v.is_empty() => {
                    return Err(invalid("JWT_SECRET", "", "must not be empty"));
                }
                // The value is a secret: never echoed in the error.
                Some(v) if v.len() < MIN_SECRET_BYTES => {
                    return Err(invalid(
                        "JWT_SECRET",
                        "<redacted>",
                        format!(
                            "must be at least {MIN_SECRET_BYTES} bytes (`openssl rand -hex 32`)"
                        ),
                    ));
                }
                Some(v) => v,
                None => {
                    return Err(invalid(
                        "JWT_SECRET",
                        "",
                        "required when AUTH_MODE is hs256",
                    ));
                }
            };
            let network_allowed = lookup(INSECURE_NETWORK_SWITCH).is_some_and(|v| v == "true");
            if !http_addr.ip().is_loopback() && !network_allowed {
                return Err(invalid(
                    "HTTP_ADDR",
                    &http_addr.to_string(),
                    format!(
                        "AUTH_MODE=hs256 (a shared secret, local development only) listens \
                         on loopback only: set HTTP_ADDR=127.0.0.1:{port}, or OIDC_ISSUER and \
                         OIDC_AUDIENCE for any other address ({INSECURE_NETWORK_SWITCH}=true \
                         overrides this on a development machine)",
                        port = http_addr.port()
                    ),
                ));
            }
            Ok(AuthConfig::SharedSecret(secret))
        }
        _ => Err(invalid("AUTH_MODE", &mode, "expected `oidc` or `hs256`")),
    }
}

pub(crate) fn invalid(var: &'static str, value: &str, reason: impl fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        var,
        value: value.to_owned(),
        reason: reason.to_string(),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 63
}

/// `scheme://user:***@host/…`: the password never reaches logs or error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `TOKEN_MAX_LIFETIME`: the longest `exp - iat` the services accept (1m to 7d, default
/// [`crate::auth::DEFAULT_MAX_LIFETIME`]). Public so that whatever mints tokens for the
/// services (`cargo xtask token`) refuses to mint one they would refuse.
pub fn token_max_lifetime(get: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    crate::settings::duration(
        get,
        "TOKEN_MAX_LIFETIME",
        crate::auth::DEFAULT_MAX_LIFETIME,
        Duration::from_secs(60),
        Duration::from_secs(7 * 24 * 3600),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A shared secret of the shortest length accepted.
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const HS256: (&str, &str) = ("AUTH_MODE", "hs256");

    /// Loads `vars`, with a shared secret when they configure no authentication at all
    /// (most tests are about other variables).
    fn load(vars: &[(&str, &str)]) -> Result<WebConfig, ConfigError> {
        const AUTH_VARS: [&str; 4] = ["AUTH_MODE", "OIDC_ISSUER", "OIDC_AUDIENCE", "JWT_SECRET"];
        let mut all = vars.to_vec();
        if !vars.iter().any(|(k, _)| AUTH_VARS.contains(k)) {
            all.extend([HS256, ("JWT_SECRET", SECRET)]);
        }
        load_raw(&all)
    }

    fn reason_of(result: Result<WebConfig, ConfigError>) -> String {
        match result {
            Err(e) => e.to_string(),
            Ok(c) => panic!("expected an error, got {c:?}"),
        }
    }

    fn load_raw(vars: &[(&str, &str)]) -> Result<WebConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        WebConfig::from_lookup("orders", 8082, move |k| map.get(k).cloned())
    }

    fn var_of(result: Result<WebConfig, ConfigError>) -> &'static str {
        match result {
            Err(ConfigError::Invalid { var, .. }) => var,
            Ok(c) => panic!("expected an error, got {c:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = load(&[]).unwrap();
        assert_eq!(c.http_addr, "127.0.0.1:8082".parse().unwrap());
        assert_eq!(
            c.database_url,
            "postgres://orders_app:orders_app@127.0.0.1:55432/aftersales"
        );
        assert_eq!(c.database_schema, None);
        assert_eq!(c.amqp_url, "amqp://guest:guest@127.0.0.1:55672/%2f");
        assert_eq!(c.auth, AuthConfig::SharedSecret(SECRET.into()));
        assert_eq!(c.token_max_lifetime, Duration::from_secs(12 * 3600));
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.db_pool_size, 10);
        assert_eq!(c.consumer_concurrency, 1);
    }

    #[test]
    fn explicit_values() {
        let c = load(&[
            ("HTTP_ADDR", "0.0.0.0:9000"),
            ("DATABASE_URL", "postgresql://u:p@db:5432/x"),
            ("DATABASE_SCHEMA", "orders"),
            ("AMQP_URL", "amqps://u:p@mq:5671/prod"),
            HS256,
            ("JWT_SECRET", SECRET),
            (INSECURE_NETWORK_SWITCH, "true"),
            ("TOKEN_MAX_LIFETIME", "90m"),
            ("LOG_FORMAT", "JSON"),
            ("DB_POOL_SIZE", "25"),
            ("CONSUMER_CONCURRENCY", "1"),
        ])
        .unwrap();
        assert_eq!(c.http_addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(c.database_url, "postgresql://u:p@db:5432/x");
        assert_eq!(c.database_schema.as_deref(), Some("orders"));
        assert_eq!(c.amqp_url, "amqps://u:p@mq:5671/prod");
        assert_eq!(c.auth, AuthConfig::SharedSecret(SECRET.into()));
        assert_eq!(c.token_max_lifetime, Duration::from_secs(90 * 60));
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.db_pool_size, 25);
        assert_eq!(c.consumer_concurrency, 1);
        assert_eq!(
            c.connection_url(),
            "postgresql://u:p@db:5432/x?options=-c%20search_path%3Dorders"
        );
    }

    #[test]
    fn ca_files_go_into_the_urls_and_tls_settings_are_checked_at_start() {
        let ca = aftersales_testkit::tls::ca_file();
        let ca = ca.to_str().unwrap();
        let c = load(&[
            ("DATABASE_URL", "postgres://u:p@db/x?sslmode=verify-full"),
            ("DATABASE_CA_FILE", ca),
            ("AMQP_URL", "amqps://u:p@mq/v"),
            ("AMQP_CA_FILE", ca),
        ])
        .unwrap();
        assert_eq!(
            c.database_url,
            format!("postgres://u:p@db/x?sslmode=verify-full&sslrootcert={ca}")
        );
        assert_eq!(c.amqp_url, format!("amqps://u:p@mq/v?cacertfile={ca}"));

        let db = |url: &str, ca: &str| load(&[("DATABASE_URL", url), ("DATABASE_CA_FILE", ca)]);
        assert_eq!(
            var_of(db("postgres://h/x?sslmode=verify_full", "")),
            "DATABASE_URL"
        );
        assert_eq!(
            var_of(db("postgres://h/x?sslmode=verify-ca", "")),
            "DATABASE_URL"
        );
        assert_eq!(
            var_of(db("postgres://h/x?sslmode=disable", ca)),
            "DATABASE_URL"
        );
        assert_eq!(
            var_of(db(
                "postgres://h/x?sslmode=verify-full",
                "/nonexistent/ca.pem"
            )),
            "DATABASE_CA_FILE"
        );
        assert_eq!(
            var_of(db("postgres://h/x?sslrootcert=/a.pem", ca)),
            "DATABASE_CA_FILE"
        );
        let mq = |url: &str, ca: &str| load(&[("AMQP_URL", url), ("AMQP_CA_FILE", ca)]);
        assert_eq!(var_of(mq("amqp://h/v", ca)), "AMQP_CA_FILE");
        assert_eq!(
            var_of(mq("amqps://h/v", "/nonexistent/ca.pem")),
            "AMQP_CA_FILE"
        );
        assert!(mq("amqps://h/v", "").is_ok());
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = load(&[
            ("DATABASE_SCHEMA", ""),
            ("HTTP_ADDR", " "),
            ("TOKEN_MAX_LIFETIME", ""),
        ])
        .unwrap();
        assert_eq!(c.database_schema, None);
        assert_eq!(c.http_addr.port(), 8082);
    }

    const ISSUER: (&str, &str) = ("OIDC_ISSUER", "http://127.0.0.1:8090");
    const AUDIENCE: (&str, &str) = ("OIDC_AUDIENCE", "urn:aftersales:api");

    #[test]
    fn without_any_auth_setting_the_service_refuses_to_start() {
        let err = load_raw(&[]).unwrap_err();
        assert_eq!(var_of(Err(err.clone())), "AUTH_MODE");
        let text = err.to_string();
        assert!(
            text.contains("OIDC_ISSUER") && text.contains("JWT_SECRET"),
            "{text}"
        );
        assert_eq!(var_of(load(&[HS256])), "JWT_SECRET");
        assert_eq!(var_of(load(&[("AUTH_MODE", "oidc")])), "OIDC_ISSUER");
        assert_eq!(var_of(load(&[ISSUER])), "OIDC_AUDIENCE");
        assert_eq!(var_of(load(&[("AUTH_MODE", "jwt")])), "AUTH_MODE");
    }

    #[test]
    fn a_shared_secret_is_only_taken_when_asked_for_long_enough_and_on_loopback() {
        // The image's defaults with nothing but a secret: refused, naming what to set.
        let image = [("HTTP_ADDR", "0.0.0.0:8082"), ("LOG_FORMAT", "json")];
        let alone = load_raw(&[image[0], image[1], ("JWT_SECRET", SECRET)]);
        let text = reason_of(alone.clone());
        assert_eq!(var_of(alone), "AUTH_MODE");
        assert!(
            text.contains("AUTH_MODE=hs256") && text.contains("OIDC_ISSUER"),
            "{text}"
        );
        // Also on loopback: a secret alone never picks the mode.
        assert_eq!(var_of(load_raw(&[("JWT_SECRET", SECRET)])), "AUTH_MODE");

        let short = load(&[HS256, ("JWT_SECRET", &SECRET[1..])]);
        assert!(reason_of(short.clone()).contains("at least 32 bytes"));
        assert_eq!(var_of(short), "JWT_SECRET");

        // Asked for, but on every interface: refused unless the switch says `true`.
        let on_network = [image[0], HS256, ("JWT_SECRET", SECRET)];
        let refused = load_raw(&on_network);
        assert!(reason_of(refused.clone()).contains("HTTP_ADDR=127.0.0.1:8082"));
        assert_eq!(var_of(refused), "HTTP_ADDR");
        for not_quite in ["1", "yes", "TRUE", ""] {
            let mut vars = on_network.to_vec();
            vars.push((INSECURE_NETWORK_SWITCH, not_quite));
            assert_eq!(var_of(load_raw(&vars)), "HTTP_ADDR", "{not_quite}");
        }
        let mut vars = on_network.to_vec();
        vars.push((INSECURE_NETWORK_SWITCH, "true"));
        assert_eq!(
            load_raw(&vars).unwrap().auth,
            AuthConfig::SharedSecret(SECRET.into())
        );
        for loopback in ["127.0.0.1:9000", "[::1]:9000"] {
            let c = load_raw(&[("HTTP_ADDR", loopback), HS256, ("JWT_SECRET", SECRET)]).unwrap();
            assert_eq!(c.auth, AuthConfig::SharedSecret(SECRET.into()));
        }
        // OIDC on every interface is what production does.
        let oidc = load_raw(&[image[0], ISSUER, AUDIENCE]).unwrap();
        assert!(matches!(oidc.auth, AuthConfig::Oidc(_)));
    }

    #[test]
    fn token_lifetimes_in_seconds_minutes_or_hours() {
        for (given, secs) in [
            ("3600s", 3600),
            ("600s", 600),
            ("90m", 5400),
            ("24h", 86_400),
        ] {
            let c = load(&[("TOKEN_MAX_LIFETIME", given)]).unwrap();
            assert_eq!(c.token_max_lifetime, Duration::from_secs(secs), "{given}");
        }
    }

    #[test]
    fn oidc_mode_from_the_issuer() {
        let c = load(&[ISSUER, AUDIENCE]).unwrap();
        let AuthConfig::Oidc(oidc) = c.auth else {
            panic!("expected OIDC mode, got {:?}", c.auth)
        };
        assert_eq!(oidc.issuer, "http://127.0.0.1:8090");
        assert_eq!(oidc.audience, "urn:aftersales:api");
        assert_eq!(oidc.jwks_url, None);
        assert_eq!(
            oidc.discovery_url(),
            "http://127.0.0.1:8090/.well-known/openid-configuration"
        );
        assert_eq!(oidc.role_claim.to_string(), "role");
        assert_eq!(oidc.dealer_claim.to_string(), "dealer_code");
    }

    #[test]
    fn oidc_claims_jwks_and_mode_choice() {
        let c = load(&[
            ("OIDC_ISSUER", "https://sso.example.com/realms/aftersales"),
            AUDIENCE,
            (
                "OIDC_JWKS_URL",
                "http://keycloak:8080/realms/aftersales/certs",
            ),
            ("OIDC_ROLE_CLAIM", "realm_access.roles"),
            ("OIDC_DEALER_CLAIM", "dealer"),
        ])
        .unwrap();
        let AuthConfig::Oidc(oidc) = c.auth else {
            panic!("expected OIDC mode")
        };
        let claims = serde_json::json!({"realm_access": {"roles": ["x", "admin"]}});
        assert_eq!(
            oidc.role_claim.find(&claims),
            Some(&serde_json::json!(["x", "admin"]))
        );
        assert_eq!(oidc.dealer_claim.find(&claims), None);

        // Both configured: AUTH_MODE decides, and nothing is guessed without it.
        assert_eq!(
            var_of(load(&[ISSUER, AUDIENCE, ("JWT_SECRET", SECRET)])),
            "AUTH_MODE"
        );
        let hs = load(&[
            ISSUER,
            AUDIENCE,
            ("JWT_SECRET", SECRET),
            ("AUTH_MODE", "HS256"),
        ])
        .unwrap();
        assert_eq!(hs.auth, AuthConfig::SharedSecret(SECRET.into()));
        let oidc = load(&[
            ISSUER,
            AUDIENCE,
            ("JWT_SECRET", SECRET),
            ("AUTH_MODE", "oidc"),
        ])
        .unwrap();
        assert!(matches!(oidc.auth, AuthConfig::Oidc(_)));

        // Keys are fetched over TLS too, trusting an extra CA file when one is given.
        let https = load(&[
            ("OIDC_ISSUER", "https://sso.example.com"),
            AUDIENCE,
            ("OIDC_JWKS_URL", "https://sso.example.com/certs"),
            ("OIDC_CA_FILE", "/etc/aftersales/ca.pem"),
        ])
        .unwrap();
        let AuthConfig::Oidc(https) = https.auth else {
            panic!("expected OIDC mode")
        };
        assert_eq!(
            https.jwks_url.as_deref(),
            Some("https://sso.example.com/certs")
        );
        assert_eq!(
            https.ca_file.as_deref(),
            Some(std::path::Path::new("/etc/aftersales/ca.pem"))
        );
        assert_eq!(
            var_of(load(&[
                ISSUER,
                AUDIENCE,
                ("OIDC_JWKS_URL", "ftp://x/certs")
            ])),
            "OIDC_JWKS_URL"
        );
        assert_eq!(
            var_of(load(&[("OIDC_ISSUER", "sso"), AUDIENCE])),
            "OIDC_ISSUER"
        );
        assert_eq!(
            var_of(load(&[ISSUER, AUDIENCE, ("OIDC_ROLE_CLAIM", "a..b")])),
            "OIDC_ROLE_CLAIM"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(var_of(load(&[("HTTP_ADDR", "localhost")])), "HTTP_ADDR");
        assert_eq!(var_of(load(&[("HTTP_ADDR", "1.2.3.4:99999")])), "HTTP_ADDR");
        assert_eq!(
            var_of(load(&[("DATABASE_URL", "mysql://x")])),
            "DATABASE_URL"
        );
        assert_eq!(
            var_of(load(&[("DATABASE_SCHEMA", "orders; drop")])),
            "DATABASE_SCHEMA"
        );
        assert_eq!(
            var_of(load(&[("DATABASE_SCHEMA", "Orders")])),
            "DATABASE_SCHEMA"
        );
        assert_eq!(var_of(load(&[("AMQP_URL", "http://x")])), "AMQP_URL");
        assert_eq!(var_of(load(&[HS256, ("JWT_SECRET", "")])), "JWT_SECRET");
        for bad in ["12", "0", "59s", "169h", "12d", "h", "-1h"] {
            assert_eq!(
                var_of(load(&[("TOKEN_MAX_LIFETIME", bad)])),
                "TOKEN_MAX_LIFETIME",
                "{bad}"
            );
        }
        assert_eq!(var_of(load(&[("LOG_FORMAT", "xml")])), "LOG_FORMAT");
        assert_eq!(var_of(load(&[("DB_POOL_SIZE", "ten")])), "DB_POOL_SIZE");
        assert_eq!(var_of(load(&[("DB_POOL_SIZE", "0")])), "DB_POOL_SIZE");
        assert_eq!(var_of(load(&[("DB_POOL_SIZE", "-3")])), "DB_POOL_SIZE");
        assert_eq!(
            var_of(load(&[("CONSUMER_CONCURRENCY", "0")])),
            "CONSUMER_CONCURRENCY"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_and_errors() {
        let c = load(&[
            ("DATABASE_URL", "postgres://u:dbpass@h/x"),
            HS256,
            ("JWT_SECRET", SECRET),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("dbpass") && !shown.contains(SECRET),
            "{shown}"
        );
        let short = reason_of(load(&[HS256, ("JWT_SECRET", "jwtpass")]));
        assert!(!short.contains("jwtpass"), "{short}");
        let err = load(&[("AMQP_URL", "http://u:mqpass@h")]).unwrap_err();
        assert!(!err.to_string().contains("mqpass"));
    }

    #[test]
    fn redacts_only_the_password() {
        assert_eq!(redact_url("postgres://u:p@h:1/d"), "postgres://u:***@h:1/d");
        assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact_url("no-scheme"), "no-scheme");
        assert_eq!(
            redact_url("amqps://u:p@h1:5671,h2:5671,h3/v?cacertfile=/ca.pem"),
            "amqps://u:***@h1:5671,h2:5671,h3/v?cacertfile=/ca.pem"
        );
    }

    #[test]
    fn several_broker_addresses_are_taken_and_their_password_kept_out_of_sight() {
        let url = "amqp://u:mqpass@h1:5672,h2:5673,h3/prod";
        let c = load(&[("AMQP_URL", url)]).unwrap();
        assert_eq!(c.amqp_url, url);
        assert!(!format!("{c:?}").contains("mqpass"));

        let ca = aftersales_testkit::tls::ca_file();
        let ca = ca.to_str().unwrap();
        let c = load(&[
            ("AMQP_URL", "amqps://u:mqpass@h1:5671,h2:5671/prod"),
            ("AMQP_CA_FILE", ca),
        ])
        .unwrap();
        assert_eq!(
            c.amqp_url,
            format!("amqps://u:mqpass@h1:5671,h2:5671/prod?cacertfile={ca}")
        );
        assert_eq!(
            aftersales_messaging::broker::node_urls(&c.amqp_url),
            vec![
                format!("amqps://u:mqpass@h1:5671/prod?cacertfile={ca}"),
                format!("amqps://u:mqpass@h2:5671/prod?cacertfile={ca}"),
            ]
        );

        let plain_with_ca = load(&[
            ("AMQP_URL", "amqp://u:mqpass@h1,h2/prod"),
            ("AMQP_CA_FILE", ca),
        ]);
        assert_eq!(var_of(plain_with_ca), "AMQP_CA_FILE");
        let err = load(&[("AMQP_URL", "http://u:mqpass@h1,h2/prod")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                var: "AMQP_URL",
                ..
            }
        ));
        assert!(!err.to_string().contains("mqpass"), "{err}");
    }

    #[test]
    fn migrate_reads_only_the_database_as_the_schema_owner() {
        // No token or broker settings at all: `migrate` must not need them.
        let c = MigrateConfig::from_lookup("orders", |_| None).unwrap();
        assert_eq!(
            c.database_url,
            "postgres://orders:orders@127.0.0.1:55432/aftersales"
        );
        let c = MigrateConfig::from_lookup("orders", |k| match k {
            "DATABASE_URL" => Some("postgres://o:secret@db/a".into()),
            "DATABASE_SCHEMA" => Some("orders".into()),
            "LOG_FORMAT" => Some("json".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(c.connection_url().contains("search_path"));
        assert!(!format!("{c:?}").contains("secret"));
        let bad = MigrateConfig::from_lookup("orders", |k| {
            (k == "DATABASE_URL").then(|| "mysql://x".to_owned())
        });
        assert!(matches!(
            bad,
            Err(ConfigError::Invalid {
                var: "DATABASE_URL",
                ..
            })
        ));
    }
}
