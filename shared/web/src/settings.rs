//! The database limits and the retention of the shared tables, read from the
//! environment by [`crate::config::WebConfig`].
//!
//! Durations are written `<number><unit>` with the unit `ms`, `s`, `m`, `h` or `d`
//! (`500ms`, `30s`, `7d`).

use std::time::Duration;

use crate::config::{ConfigError, invalid};

/// How long the service waits on the database before it gives up and says so (503 with
/// `Retry-After`) instead of queueing without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbLimits {
    /// `DB_ACQUIRE_TIMEOUT`: the longest a request waits for a pooled connection.
    pub acquire: Duration,
    /// `DB_STATEMENT_TIMEOUT`: PostgreSQL's `statement_timeout` on every pooled connection.
    pub statement: Duration,
    /// `DB_LOCK_TIMEOUT`: `lock_timeout`, the longest one statement waits for a lock.
    pub lock: Duration,
    /// `DB_IDLE_IN_TRANSACTION_TIMEOUT`: `idle_in_transaction_session_timeout`; a
    /// connection left idle inside a transaction longer than this is closed by the server,
    /// releasing its locks.
    pub idle_in_transaction: Duration,
}

impl Default for DbLimits {
    fn default() -> Self {
        DbLimits {
            acquire: Duration::from_secs(2),
            statement: Duration::from_secs(30),
            lock: Duration::from_secs(10),
            idle_in_transaction: Duration::from_secs(60),
        }
    }
}

impl DbLimits {
    /// Reads the `DB_*_TIMEOUT` variables through `get` (unset or empty: the default).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = DbLimits::default();
        let limit = |var, default, max| duration(&get, var, default, Duration::from_millis(1), max);
        let hour = Duration::from_secs(3600);
        Ok(DbLimits {
            acquire: limit("DB_ACQUIRE_TIMEOUT", d.acquire, Duration::from_secs(60))?,
            statement: limit("DB_STATEMENT_TIMEOUT", d.statement, hour)?,
            lock: limit("DB_LOCK_TIMEOUT", d.lock, hour)?,
            idle_in_transaction: limit(
                "DB_IDLE_IN_TRANSACTION_TIMEOUT",
                d.idle_in_transaction,
                hour,
            )?,
        })
    }
}

/// How long rows of the shared tables are kept, and how the pruning job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `IDEMPOTENCY_RETENTION`: a key (and its stored response) older than this is
    /// deleted; a retry with it after that runs as a new request.
    pub idempotency: Duration,
    /// `INBOX_RETENTION`: an inbox row older than this is deleted; a copy of its event
    /// delivered after that (a dead letter replayed later) would be applied again.
    pub inbox: Duration,
    /// `OUTBOX_RETENTION`: how long published outbox rows are kept (unpublished rows are
    /// never pruned).
    pub outbox: Duration,
    /// `NOTIFICATION_RETENTION`: notifications older than this are deleted with their
    /// deliveries (read or not, delivered or dead; one still being delivered is kept).
    pub notifications: Duration,
    /// `RETENTION_INTERVAL`: time between pruning runs (the first runs at start).
    pub interval: Duration,
    /// `RETENTION_BATCH`: rows deleted per statement, so a large backlog never holds
    /// many row locks or one long transaction.
    pub batch: i64,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl Default for Retention {
    fn default() -> Self {
        Retention {
            idempotency: 7 * DAY,
            inbox: 30 * DAY,
            outbox: 7 * DAY,
            notifications: 90 * DAY,
            interval: Duration::from_secs(3600),
            batch: 1000,
        }
    }
}

impl Retention {
    /// Reads the retention variables through `get` (unset or empty: the default).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Retention::default();
        let year = 366 * DAY;
        // Less than an hour would break clients retrying (idempotency) or redeliveries
        // in flight (inbox): no setting that short is meant.
        let kept =
            |var, default| duration(&get, var, default, Duration::from_secs(3600), 10 * year);
        let batch = match get("RETENTION_BATCH") {
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                Ok(_) => {
                    return Err(invalid(
                        "RETENTION_BATCH",
                        &v,
                        "must be between 1 and 100000",
                    ));
                }
                Err(e) => return Err(invalid("RETENTION_BATCH", &v, e)),
            },
            None => d.batch,
        };
        Ok(Retention {
            idempotency: kept("IDEMPOTENCY_RETENTION", d.idempotency)?,
            inbox: kept("INBOX_RETENTION", d.inbox)?,
            outbox: kept("OUTBOX_RETENTION", d.outbox)?,
            notifications: kept("NOTIFICATION_RETENTION", d.notifications)?,
            interval: duration(
                &get,
                "RETENTION_INTERVAL",
                d.interval,
                Duration::from_secs(1),
                DAY,
            )?,
            batch,
        })
    }
}

/// The duration in `var`, within `min..=max`, or `default` when unset.
pub(crate) fn duration(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
    min: Duration,
    max: Duration,
) -> Result<Duration, ConfigError> {
    let Some(value) = get(var) else {
        return Ok(default);
    };
    let parsed = parse_duration(&value).map_err(|e| invalid(var, &value, e))?;
    if parsed < min || parsed > max {
        return Err(invalid(
            var,
            &value,
            format!("must be between {} and {}", show(min), show(max)),
        ));
    }
    Ok(parsed)
}

/// `500ms`, `30s`, `5m`, `1h`, `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const EXPECTED: &str = "expected a number and a unit (ms, s, m, h or d), such as 30s or 7d";
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| EXPECTED.to_owned())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| EXPECTED.to_owned())?;
    let millis = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => return Err(EXPECTED.to_owned()),
    };
    millis
        .map(Duration::from_millis)
        .ok_or_else(|| "too long".to_owned())
}

/// A duration the way it is configured, for messages.
fn show(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        _ if ms.is_multiple_of(86_400_000) => format!("{}d", ms / 86_400_000),
        _ if ms.is_multiple_of(3_600_000) => format!("{}h", ms / 3_600_000),
        _ if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        _ => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn var_of(result: Result<impl std::fmt::Debug, ConfigError>) -> &'static str {
        match result {
            Err(ConfigError::Invalid { var, .. }) => var,
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration(" 30s "), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("7d"), Ok(7 * DAY));
        for bad in [
            "30",
            "s",
            "-1s",
            "1.5s",
            "3 s",
            "1w",
            "",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn limits_default_and_read() {
        assert_eq!(
            DbLimits::from_lookup(lookup(&[])).unwrap(),
            DbLimits::default()
        );
        let l = DbLimits::from_lookup(lookup(&[
            ("DB_ACQUIRE_TIMEOUT", "250ms"),
            ("DB_STATEMENT_TIMEOUT", "5s"),
            ("DB_LOCK_TIMEOUT", "1s"),
            ("DB_IDLE_IN_TRANSACTION_TIMEOUT", "2m"),
        ]))
        .unwrap();
        assert_eq!(l.acquire, Duration::from_millis(250));
        assert_eq!(l.statement, Duration::from_secs(5));
        assert_eq!(l.lock, Duration::from_secs(1));
        assert_eq!(l.idle_in_transaction, Duration::from_secs(120));
        assert_eq!(
            var_of(DbLimits::from_lookup(lookup(&[(
                "DB_ACQUIRE_TIMEOUT",
                "0ms"
            )]))),
            "DB_ACQUIRE_TIMEOUT"
        );
        assert_eq!(
            var_of(DbLimits::from_lookup(lookup(&[(
                "DB_STATEMENT_TIMEOUT",
                "30"
            )]))),
            "DB_STATEMENT_TIMEOUT"
        );
    }

    #[test]
    fn retention_defaults_and_bounds() {
        let r = Retention::from_lookup(lookup(&[])).unwrap();
        assert_eq!(r, Retention::default());
        assert_eq!(r.idempotency, 7 * DAY);
        assert_eq!(r.inbox, 30 * DAY);
        let r = Retention::from_lookup(lookup(&[
            ("INBOX_RETENTION", "90d"),
            ("RETENTION_INTERVAL", "1s"),
            ("RETENTION_BATCH", "10"),
        ]))
        .unwrap();
        assert_eq!(r.inbox, 90 * DAY);
        assert_eq!(r.interval, Duration::from_secs(1));
        assert_eq!(r.batch, 10);
        let err = Retention::from_lookup(lookup(&[("IDEMPOTENCY_RETENTION", "10m")])).unwrap_err();
        assert!(err.to_string().contains("between 1h and"), "{err}");
        assert_eq!(
            var_of(Retention::from_lookup(lookup(&[("RETENTION_BATCH", "0")]))),
            "RETENTION_BATCH"
        );
    }
}
