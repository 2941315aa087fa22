//! Service configuration from environment variables, with defaults that work on one
//! machine (the local stack's ports).

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

/// The JWT secret used when `JWT_SECRET` is unset. Fine locally, never in production.
pub const DEV_JWT_SECRET: &str = "aftersales-dev-secret";

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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
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
    pub jwt_secret: String,
    pub log_format: LogFormat,
    pub db_pool_size: usize,
    /// Deliveries the consumer applies at once (each in its own transaction).
    pub consumer_concurrency: usize,
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
    /// | `DATABASE_URL` | `postgres://<service>:<service>@127.0.0.1:55432/aftersales` |
    /// | `DATABASE_SCHEMA` | none |
    /// | `AMQP_URL` | `amqp://guest:guest@127.0.0.1:55672/%2f` |
    /// | `JWT_SECRET` | [`DEV_JWT_SECRET`] (with a warning) |
    /// | `LOG_FORMAT` | `pretty` (or `json`) |
    /// | `DB_POOL_SIZE` | `10` |
    /// | `CONSUMER_CONCURRENCY` | `4` |
    ///
    /// An empty variable counts as unset, except `JWT_SECRET`, where it is an error.
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

        let database_url = get("DATABASE_URL").unwrap_or_else(|| {
            format!("postgres://{service}:{service}@127.0.0.1:55432/aftersales")
        });
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid(
                "DATABASE_URL",
                &redact_url(&database_url),
                "expected a postgres:// URL",
            ));
        }

        let database_schema = match get("DATABASE_SCHEMA") {
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

        let amqp_url =
            get("AMQP_URL").unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:55672/%2f".to_owned());
        if !(amqp_url.starts_with("amqp://") || amqp_url.starts_with("amqps://")) {
            return Err(invalid(
                "AMQP_URL",
                &redact_url(&amqp_url),
                "expected an amqp:// URL",
            ));
        }

        let jwt_secret = match lookup("JWT_SECRET") {
            Some(v) if v.is_empty() => {
                return Err(invalid("JWT_SECRET", "", "must not be empty"));
            }
            Some(v) => v,
            None => {
                tracing::warn!(
                    service,
                    "JWT_SECRET is not set; using the development secret"
                );
                DEV_JWT_SECRET.to_owned()
            }
        };

        let log_format = match get("LOG_FORMAT") {
            Some(v) => v
                .parse()
                .map_err(|e: String| invalid("LOG_FORMAT", &v, e))?,
            None => LogFormat::default(),
        };

        let count = |var: &'static str, max: usize, default: usize| match get(var) {
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                Ok(_) => Err(invalid(var, &v, format!("must be between 1 and {max}"))),
                Err(e) => Err(invalid(var, &v, e)),
            },
            None => Ok(default),
        };
        let db_pool_size = count("DB_POOL_SIZE", 1000, 10)?;
        let consumer_concurrency = count("CONSUMER_CONCURRENCY", 256, 4)?;

        Ok(WebConfig {
            http_addr,
            database_url,
            database_schema,
            amqp_url,
            jwt_secret,
            log_format,
            db_pool_size,
            consumer_concurrency,
        })
    }

    /// Whether the well-known development JWT secret is in use.
    pub fn uses_dev_jwt_secret(&self) -> bool {
        self.jwt_secret == DEV_JWT_SECRET
    }

    /// Logs warnings about development defaults. Call after [`crate::telemetry::init`]:
    /// configuration is read before logging is set up, so its own warning may be lost.
    pub fn log_warnings(&self) {
        if self.uses_dev_jwt_secret() {
            tracing::warn!("JWT_SECRET is not set; tokens are signed with the development secret");
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
            .field("jwt_secret", &"<redacted>")
            .field("log_format", &self.log_format)
            .field("db_pool_size", &self.db_pool_size)
            .field("consumer_concurrency", &self.consumer_concurrency)
            .finish()
    }
}

fn invalid(var: &'static str, value: &str, reason: impl fmt::Display) -> ConfigError {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<WebConfig, ConfigError> {
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
            "postgres://orders:orders@127.0.0.1:55432/aftersales"
        );
        assert_eq!(c.database_schema, None);
        assert_eq!(c.amqp_url, "amqp://guest:guest@127.0.0.1:55672/%2f");
        assert_eq!(c.jwt_secret, DEV_JWT_SECRET);
        assert!(c.uses_dev_jwt_secret());
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.db_pool_size, 10);
        assert_eq!(c.consumer_concurrency, 4);
    }

    #[test]
    fn explicit_values() {
        let c = load(&[
            ("HTTP_ADDR", "0.0.0.0:9000"),
            ("DATABASE_URL", "postgresql://u:p@db:5432/x"),
            ("DATABASE_SCHEMA", "orders"),
            ("AMQP_URL", "amqps://u:p@mq:5671/prod"),
            ("JWT_SECRET", "s3cret"),
            ("LOG_FORMAT", "JSON"),
            ("DB_POOL_SIZE", "25"),
            ("CONSUMER_CONCURRENCY", "1"),
        ])
        .unwrap();
        assert_eq!(c.http_addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(c.database_url, "postgresql://u:p@db:5432/x");
        assert_eq!(c.database_schema.as_deref(), Some("orders"));
        assert_eq!(c.amqp_url, "amqps://u:p@mq:5671/prod");
        assert_eq!(c.jwt_secret, "s3cret");
        assert!(!c.uses_dev_jwt_secret());
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.db_pool_size, 25);
        assert_eq!(c.consumer_concurrency, 1);
        assert_eq!(
            c.connection_url(),
            "postgresql://u:p@db:5432/x?options=-c%20search_path%3Dorders"
        );
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = load(&[("DATABASE_SCHEMA", ""), ("HTTP_ADDR", " ")]).unwrap();
        assert_eq!(c.database_schema, None);
        assert_eq!(c.http_addr.port(), 8082);
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
        assert_eq!(var_of(load(&[("JWT_SECRET", "")])), "JWT_SECRET");
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
            ("JWT_SECRET", "jwtpass"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("dbpass") && !shown.contains("jwtpass"),
            "{shown}"
        );
        let err = load(&[("AMQP_URL", "http://u:mqpass@h")]).unwrap_err();
        assert!(!err.to_string().contains("mqpass"));
    }

    #[test]
    fn redacts_only_the_password() {
        assert_eq!(redact_url("postgres://u:p@h:1/d"), "postgres://u:***@h:1/d");
        assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact_url("no-scheme"), "no-scheme");
    }
}
