//! Logging setup: `tracing` with an `EnvFilter` (`RUST_LOG`, default `info`),
//! human-readable or one JSON object per line.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (tests do): only the
/// first call takes effect.
pub fn init(service: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let installed = match format {
        LogFormat::Pretty => builder.try_init().is_ok(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
            .is_ok(),
    };
    if installed {
        tracing::info!(service, ?format, "logging initialised");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_idempotent() {
        init("test", LogFormat::Json);
        init("test", LogFormat::Pretty);
    }
}
