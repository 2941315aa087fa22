//! The console's configuration from environment variables, with defaults that fit
//! `cargo xtask up` (the services on 8081–8084, the development provider on 8090).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use aftersales_web::LogFormat;
use url::Url;

use crate::sealed::CookieKey;
use crate::upstream::Upstream;

/// The services' configuration error: the variable, its value and why it is wrong.
pub use aftersales_web::config::ConfigError;

/// A dotted path into a token's claims (`role`, `realm_access.roles`): the services'
/// type, so the console reads the access token exactly as they do.
pub use aftersales_web::config::ClaimPath;

/// How the console signs people in.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The provider's issuer; its `/.well-known/openid-configuration` is read at start.
    /// Kept as written: discovery requires the `issuer` to match it exactly.
    pub issuer: String,
    pub client_id: String,
    /// None for a public client (PKCE only).
    pub client_secret: Option<String>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The services' audience: the access token must name it, as they require.
    pub audience: String,
    /// Where the access token carries the role and the dealer code (as for the services).
    pub role_claim: ClaimPath,
    pub dealer_claim: ClaimPath,
    /// RFC 8707 resource indicator sent with the authorization and token requests,
    /// for providers that issue JWT access tokens only for a named API.
    pub resource: Option<String>,
    /// PEM certificates trusted besides the platform's roots when talking to the
    /// provider over https (one behind a private CA).
    pub ca_file: Option<std::path::PathBuf>,
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("scopes", &self.scopes)
            .field("audience", &self.audience)
            .field("role_claim", &self.role_claim.to_string())
            .field("dealer_claim", &self.dealer_claim.to_string())
            .field("resource", &self.resource)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// Base URL of each service the console forwards `/api/<service>/…` to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstreams {
    pub catalog: Url,
    pub orders: Url,
    pub inspection: Url,
    pub recovery: Url,
}

impl Upstreams {
    pub fn base(&self, upstream: Upstream) -> &Url {
        match upstream {
            Upstream::Catalog => &self.catalog,
            Upstream::Orders => &self.orders,
            Upstream::Inspection => &self.inspection,
            Upstream::Recovery => &self.recovery,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    pub http_addr: SocketAddr,
    /// The URL people open; the OIDC redirect URI is `<public_url>/auth/callback`.
    pub public_url: Url,
    pub oidc: OidcConfig,
    pub upstreams: Upstreams,
    /// `Secure` on the cookies: on for an https public URL, off for a plain-http one
    /// (local development), where a browser would not send the cookie back.
    pub cookie_secure: bool,
    /// A session ends this long after sign-in, or when its access token expires,
    /// whichever comes first.
    pub session_ttl: Duration,
    /// Largest request body forwarded (CSV imports are the big ones).
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    /// Seals what the browser keeps for the console (the sign-in in progress); the
    /// same on every replica.
    pub cookie_key: CookieKey,
    /// No `COOKIE_KEY` was configured and this process made one (local development).
    pub cookie_key_generated: bool,
}

pub const DEFAULT_PORT: u16 = 8080;

/// The services' audience, as the development provider and `k8s/` name it.
pub const DEFAULT_AUDIENCE: &str = "urn:aftersales:api";

/// The development provider `cargo xtask up` starts (`deploy/oidc/provider.mjs`).
pub const DEV_ISSUER: &str = "http://127.0.0.1:8090";
/// The secret that provider gives its confidential `console` client: a default only
/// while the issuer is that provider, never for a real one.
pub const DEV_CLIENT_SECRET: &str = "console-dev-secret";

impl ConsoleConfig {
    pub fn from_env() -> Result<ConsoleConfig, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// | variable | default |
    /// |---|---|
    /// | `HTTP_ADDR` | `127.0.0.1:8080` |
    /// | `CONSOLE_PUBLIC_URL` | `http://<HTTP_ADDR>` |
    /// | `OIDC_ISSUER` | `http://127.0.0.1:8090` |
    /// | `OIDC_CLIENT_ID` | `console` |
    /// | `OIDC_CLIENT_SECRET` | `console-dev-secret` when the issuer is the development provider (`http://127.0.0.1:8090`), otherwise none (a public client with PKCE) |
    /// | `OIDC_SCOPES` | `profile aftersales` (space-separated; `openid` is always asked for; `aftersales` is the development provider's scope for `role` and `dealer_code`) |
    /// | `OIDC_AUDIENCE` | `urn:aftersales:api` (the services' audience, which access tokens must name) |
    /// | `OIDC_ROLE_CLAIM` | `role` (in the access token, as for the services) |
    /// | `OIDC_DEALER_CLAIM` | `dealer_code` |
    /// | `OIDC_RESOURCE` | none |
    /// | `OIDC_CA_FILE` | none: the platform's roots only (a PEM file of extra CA certificates for an https provider) |
    /// | `CATALOG_URL` … `RECOVERY_URL` | `http://127.0.0.1:8081` … `:8084` |
    /// | `COOKIE_SECURE` | `true` for an https `CONSOLE_PUBLIC_URL`, `false` for http (`true` with http is refused) |
    /// | `SESSION_TTL_SECS` | `28800` (8 h) |
    /// | `MAX_BODY_BYTES` | `33554432` (32 MiB) |
    /// | `LOG_FORMAT` | `pretty` |
    /// | `COOKIE_KEY` | required unless the issuer is plain http on loopback (local development, where a random key is made at start): base64 of at least 32 random bytes (`openssl rand -base64 48`), the same on every replica |
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let url = |var: &'static str, default: &str| -> Result<Url, ConfigError> {
            let raw = get(var).unwrap_or_else(|| default.to_owned());
            let parsed = Url::parse(raw.trim()).map_err(|e| invalid(var, &raw, e))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(invalid(var, &raw, "expected an http(s) URL"));
            }
            Ok(parsed)
        };

        let http_addr: SocketAddr = match get("HTTP_ADDR") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|e: std::net::AddrParseError| invalid("HTTP_ADDR", &v, e))?,
            None => SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
        };
        let public_url = url("CONSOLE_PUBLIC_URL", &format!("http://{http_addr}"))?;
        let issuer = url("OIDC_ISSUER", DEV_ISSUER)
            .map(|_| get("OIDC_ISSUER").unwrap_or_else(|| DEV_ISSUER.to_owned()))?
            .trim()
            .to_owned();
        let client_secret = get("OIDC_CLIENT_SECRET")
            .or_else(|| (issuer == DEV_ISSUER).then(|| DEV_CLIENT_SECRET.to_owned()));
        let claim = |var: &'static str, default: &str| -> Result<ClaimPath, ConfigError> {
            let raw = get(var).unwrap_or_else(|| default.to_owned());
            raw.parse().map_err(|e: String| invalid(var, &raw, e))
        };
        let oidc = OidcConfig {
            issuer,
            client_id: get("OIDC_CLIENT_ID").unwrap_or_else(|| "console".to_owned()),
            client_secret,
            scopes: get("OIDC_SCOPES")
                .unwrap_or_else(|| "profile aftersales".to_owned())
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(str::to_owned)
                .collect(),
            audience: get("OIDC_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
            role_claim: claim("OIDC_ROLE_CLAIM", "role")?,
            dealer_claim: claim("OIDC_DEALER_CLAIM", "dealer_code")?,
            resource: get("OIDC_RESOURCE"),
            ca_file: get("OIDC_CA_FILE").map(std::path::PathBuf::from),
        };
        let upstreams = Upstreams {
            catalog: url("CATALOG_URL", "http://127.0.0.1:8081")?,
            orders: url("ORDERS_URL", "http://127.0.0.1:8082")?,
            inspection: url("INSPECTION_URL", "http://127.0.0.1:8083")?,
            recovery: url("RECOVERY_URL", "http://127.0.0.1:8084")?,
        };
        let https = public_url.scheme() == "https";
        let cookie_secure = match get("COOKIE_SECURE") {
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" if !https => {
                    return Err(invalid(
                        "COOKIE_SECURE",
                        &v,
                        format!(
                            "CONSOLE_PUBLIC_URL {public_url} is plain http, where a browser does \
                             not send a Secure cookie back; set CONSOLE_PUBLIC_URL to the https \
                             URL people open, or leave COOKIE_SECURE unset (or false) for local \
                             development"
                        ),
                    ));
                }
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => return Err(invalid("COOKIE_SECURE", &v, "expected true or false")),
            },
            None => https,
        };
        let number = |var: &'static str, min: u64, max: u64, default: u64| match get(var) {
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                Ok(_) => Err(invalid(var, &v, format!("must be between {min} and {max}"))),
                Err(e) => Err(invalid(var, &v, e)),
            },
            None => Ok(default),
        };
        let session_ttl = Duration::from_secs(number("SESSION_TTL_SECS", 1, 7 * 86_400, 28_800)?);
        let max_body_bytes =
            usize::try_from(number("MAX_BODY_BYTES", 1024, 1 << 30, 32 << 20)?).unwrap_or(32 << 20);
        let log_format = match get("LOG_FORMAT") {
            Some(v) => v
                .parse()
                .map_err(|e: String| invalid("LOG_FORMAT", &v, e))?,
            None => LogFormat::default(),
        };
        let (cookie_key, cookie_key_generated) = match get("COOKIE_KEY") {
            // The value is a secret: never echoed in the error.
            Some(v) => (
                CookieKey::from_base64(&v).map_err(|e| invalid("COOKIE_KEY", "<redacted>", e))?,
                false,
            ),
            None if is_local_development(&oidc.issuer) => (
                CookieKey::generate().map_err(|_| {
                    invalid(
                        "COOKIE_KEY",
                        "",
                        "no random source to make a development key",
                    )
                })?,
                true,
            ),
            None => {
                return Err(invalid(
                    "COOKIE_KEY",
                    "",
                    format!(
                        "required with the OpenID provider {}: set it to base64 of at least \
                         32 random bytes (`openssl rand -base64 48`), the same on every \
                         replica (k8s: key COOKIE_KEY of the console-secrets Secret)",
                        oidc.issuer
                    ),
                ));
            }
        };
        Ok(ConsoleConfig {
            http_addr,
            public_url,
            oidc,
            upstreams,
            cookie_secure,
            session_ttl,
            max_body_bytes,
            log_format,
            cookie_key,
            cookie_key_generated,
        })
    }

    /// Where the provider sends the browser back with the authorization code.
    pub fn redirect_url(&self) -> String {
        format!(
            "{}/auth/callback",
            self.public_url.as_str().trim_end_matches('/')
        )
    }

    /// Where the provider sends the browser after signing out there.
    pub fn post_logout_url(&self) -> String {
        format!("{}/", self.public_url.as_str().trim_end_matches('/'))
    }

    pub fn log_warnings(&self) {
        if self.cookie_key_generated {
            tracing::warn!(
                "COOKIE_KEY unset: a key for this process only (local development); a \
                 restart drops the sign-ins in progress"
            );
        }
        if !self.cookie_secure {
            tracing::warn!("COOKIE_SECURE=false: session cookies travel over plain http");
        }
    }
}

/// An issuer on plain http on this machine: the development provider, never production.
fn is_local_development(issuer: &str) -> bool {
    let Ok(url) = Url::parse(issuer) else {
        return false;
    };
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

fn invalid(var: &'static str, value: &str, reason: impl fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        var,
        value: value.to_owned(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<ConsoleConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ConsoleConfig::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_fit_the_local_stack() {
        let c = load(&[]).unwrap();
        assert_eq!(c.http_addr.port(), 8080);
        assert_eq!(c.redirect_url(), "http://127.0.0.1:8080/auth/callback");
        assert_eq!(c.oidc.issuer, "http://127.0.0.1:8090");
        assert_eq!(c.oidc.client_id, "console");
        // The development provider registers `console` as a confidential client.
        assert_eq!(c.oidc.client_secret.as_deref(), Some(DEV_CLIENT_SECRET));
        assert_eq!(c.oidc.scopes, ["profile", "aftersales"]);
        assert_eq!(c.oidc.role_claim.to_string(), "role");
        assert_eq!(c.upstreams.base(Upstream::Recovery).port(), Some(8084));
        // http://127.0.0.1:8080: a Secure cookie would never come back.
        assert!(!c.cookie_secure);
        assert_eq!(c.session_ttl, Duration::from_secs(28_800));
    }

    #[test]
    fn explicit_values() {
        let c = load(&[
            ("CONSOLE_PUBLIC_URL", "https://console.example.com/"),
            ("OIDC_SCOPES", "openid profile email"),
            ("OIDC_ROLE_CLAIM", "realm_access.roles"),
            ("COOKIE_SECURE", "false"),
            ("SESSION_TTL_SECS", "60"),
            ("OIDC_CLIENT_SECRET", "s3cret"),
        ])
        .unwrap();
        assert_eq!(
            c.redirect_url(),
            "https://console.example.com/auth/callback"
        );
        assert_eq!(
            c.oidc.scopes,
            vec!["profile".to_owned(), "email".to_owned()]
        );
        assert_eq!(
            c.oidc.role_claim.segments().collect::<Vec<_>>(),
            ["realm_access", "roles"]
        );
        assert!(!c.cookie_secure);
        assert_eq!(c.session_ttl, Duration::from_secs(60));
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    const KEY: (&str, &str) = (
        "COOKIE_KEY",
        "c2l4dHktZm91ciBieXRlcyBvZiBrZXkgbWF0ZXJpYWwgZm9yIHRoZSB0ZXN0cyBvbmx5Li4u",
    );

    #[test]
    fn a_real_provider_needs_a_configured_cookie_key() {
        // Local development: a key of this process.
        let dev = load(&[]).unwrap();
        assert!(dev.cookie_key_generated);
        assert_ne!(dev.cookie_key, load(&[]).unwrap().cookie_key);
        let localhost = load(&[("OIDC_ISSUER", "http://localhost:9999")]).unwrap();
        assert!(localhost.cookie_key_generated);
        // Any other provider: refused without one, the way the services fail closed.
        for issuer in [
            "https://id.example.com/realms/aftersales",
            "http://keycloak.keycloak.svc:8080/realms/aftersales",
            "https://127.0.0.1:8090",
        ] {
            match load(&[("OIDC_ISSUER", issuer)]) {
                Err(ConfigError::Invalid { var, reason, .. }) => {
                    assert_eq!(var, "COOKIE_KEY");
                    assert!(reason.contains("openssl rand"), "{reason}");
                }
                Ok(_) => panic!("{issuer} started without COOKIE_KEY"),
            }
        }
        let configured = load(&[("OIDC_ISSUER", "https://id.example.com"), KEY]).unwrap();
        assert!(!configured.cookie_key_generated);
        assert_eq!(configured.cookie_key, load(&[KEY]).unwrap().cookie_key);
        // A short or garbled key is refused, and never shown back.
        for bad in ["c2hvcnQ=", "not base64 !"] {
            match load(&[("COOKIE_KEY", bad)]) {
                Err(
                    e @ ConfigError::Invalid {
                        var: "COOKIE_KEY", ..
                    },
                ) => {
                    assert!(!e.to_string().contains(bad), "{e}");
                }
                other => panic!("COOKIE_KEY={bad}: {other:?}"),
            }
        }
        assert!(!format!("{configured:?}").contains(KEY.1));
    }

    #[test]
    fn the_development_secret_is_never_sent_to_another_provider() {
        let c = load(&[
            ("OIDC_ISSUER", "https://id.example.com/realms/aftersales"),
            KEY,
        ])
        .unwrap();
        assert_eq!(c.oidc.client_secret, None);
        let c = load(&[("OIDC_ISSUER", DEV_ISSUER), ("OIDC_CLIENT_SECRET", "other")]).unwrap();
        assert_eq!(c.oidc.client_secret.as_deref(), Some("other"));
    }

    #[test]
    fn secure_cookies_follow_the_public_url() {
        let https = load(&[("CONSOLE_PUBLIC_URL", "https://console.example.com")]).unwrap();
        assert!(https.cookie_secure);
        let explicit = load(&[
            ("CONSOLE_PUBLIC_URL", "https://console.example.com"),
            ("COOKIE_SECURE", "true"),
        ])
        .unwrap();
        assert!(explicit.cookie_secure);
        let plain = load(&[("CONSOLE_PUBLIC_URL", "http://console.local:8080")]).unwrap();
        assert!(!plain.cookie_secure);
        match load(&[
            ("CONSOLE_PUBLIC_URL", "http://console.local:8080"),
            ("COOKIE_SECURE", "true"),
        ]) {
            Err(ConfigError::Invalid { var, reason, .. }) => {
                assert_eq!(var, "COOKIE_SECURE");
                assert!(reason.contains("CONSOLE_PUBLIC_URL"), "{reason}");
                assert!(reason.contains("https"), "{reason}");
            }
            Ok(_) => panic!("COOKIE_SECURE=true with an http public URL was accepted"),
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("HTTP_ADDR", "localhost"),
            ("OIDC_ISSUER", "not a url"),
            ("ORDERS_URL", "ftp://x"),
            ("OIDC_ROLE_CLAIM", "a..b"),
            ("COOKIE_SECURE", "maybe"),
            ("SESSION_TTL_SECS", "0"),
            ("LOG_FORMAT", "xml"),
        ] {
            match load(&[(var, value)]) {
                Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, var),
                Ok(_) => panic!("{var}={value} was accepted"),
            }
        }
    }
}
