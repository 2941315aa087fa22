//! Logging and traces.
//!
//! Logging: `tracing` with an `EnvFilter` (`RUST_LOG`, default `info`), human-readable
//! or one JSON object per line.
//!
//! Traces (docs/observability.md): when an OTLP endpoint is configured
//! (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and
//! `OTEL_SDK_DISABLED` is not `true`, the `info` spans (requests, publishes, consumed
//! events) are exported over OTLP http/protobuf, read by the OpenTelemetry SDK from the
//! standard `OTEL_*` variables (service name, sampler, batch sizes, headers). Without an
//! endpoint no layer, exporter or thread exists, and `aftersales_messaging`'s trace
//! context stays off: the process costs what it did before traces existed.

use std::time::Duration;

use aftersales_messaging::trace_context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::LogFormat;

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("the OTLP trace exporter cannot be set up: {0}")]
    Exporter(String),
}

/// What [`init`] set up; [`Telemetry::shutdown`] exports the spans still buffered.
#[must_use = "call `shutdown` when the service stopped, or buffered spans are lost"]
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn traces(&self) -> bool {
        self.provider.is_some()
    }

    /// Exports what is buffered and stops the exporter. Blocks (up to the SDK's export
    /// timeout): call it once the runtime has finished, as a binary's last step.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider {
            trace_context::set_enabled(false);
            if let Err(err) = provider.shutdown() {
                tracing::warn!(error = %err, "traces not flushed at shutdown");
            }
        }
    }
}

/// Installs the global subscriber, with the OTLP trace export when configured (see the
/// module docs). Safe to call more than once (tests do): only the first call takes
/// effect. A configured endpoint that cannot be used is an error, like any bad setting.
pub fn init(service: &str, format: LogFormat) -> Result<Telemetry, TelemetryError> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let provider = match traces_configured(|name| std::env::var(name).ok()) {
        true => Some(provider(service)?),
        false => None,
    };
    let registry = tracing_subscriber::registry();
    let installed = match &provider {
        // The filter is global, exactly as before traces existed.
        None => registry
            .with(filter)
            .with(fmt_layer(format))
            .try_init()
            .is_ok(),
        // Each layer its own filter: `RUST_LOG=warn` quiets the log, not the traces.
        Some(provider) => {
            let traces = tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("aftersales"))
                .with_tracked_inactivity(false)
                .with_filter(LevelFilter::INFO);
            registry
                .with(fmt_layer(format).with_filter(filter))
                .with(traces)
                .try_init()
                .is_ok()
        }
    };
    if !installed {
        if let Some(provider) = provider {
            let _ = provider.shutdown();
        }
        return Ok(Telemetry::default());
    }
    trace_context::set_enabled(provider.is_some());
    tracing::info!(
        service,
        ?format,
        traces = provider.is_some(),
        "logging initialised"
    );
    Ok(Telemetry { provider })
}

fn fmt_layer<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let layer = tracing_subscriber::fmt::layer();
    match format {
        LogFormat::Pretty => layer.boxed(),
        LogFormat::Json => layer
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    }
}

/// Whether traces are exported, by the variables `env` gives: an OTLP endpoint is set,
/// the SDK is not disabled and the traces exporter is not `none`. (The SDK has a
/// default endpoint, but exporting to it unasked would be a surprise, not a default.)
fn traces_configured(env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if set("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return false;
    }
    if set("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim().eq_ignore_ascii_case("none")) {
        return false;
    }
    set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
        || set("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
}

/// The tracer provider: batches of spans to the OTLP endpoint, the sampler and the
/// resource from the `OTEL_*` variables, `service` as the name unless they give one.
fn provider(service: &str) -> Result<SdkTracerProvider, TelemetryError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(ExportClient::new()?)
        .build()
        .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
    let mut resource = Resource::builder().build();
    let named = resource
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    if !named {
        resource = Resource::builder()
            .with_service_name(service.to_owned())
            .build();
    }
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// The OTLP exporter's HTTP client: our reqwest client (ring, the platform's roots; no
/// second reqwest, no aws-lc-rs) on a runtime of its own. The SDK exports from a thread
/// of its own that blocks on each export, outside any Tokio runtime, and at shutdown
/// after the service's runtime is gone; so the requests run on a one-thread runtime
/// that lives as long as the exporter.
#[derive(Debug)]
struct ExportClient {
    client: reqwest::Client,
    runtime: Option<tokio::runtime::Runtime>,
}

/// The most of an OTLP response body read (a partial-success message is a few bytes).
const MAX_RESPONSE: usize = 1024 * 1024;

impl ExportClient {
    fn new() -> Result<Self, TelemetryError> {
        let failed = |e: &dyn std::fmt::Display| TelemetryError::Exporter(e.to_string());
        let client = crate::http_client::builder()
            .timeout(export_timeout(|name| std::env::var(name).ok()))
            .build()
            .map_err(|e| failed(&e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-export")
            .enable_all()
            .build()
            .map_err(|e| failed(&e))?;
        Ok(ExportClient {
            client,
            runtime: Some(runtime),
        })
    }
}

impl Drop for ExportClient {
    fn drop(&mut self) {
        // Dropped wherever the SDK drops its exporter, maybe inside an async context,
        // where a blocking runtime drop would panic.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        let runtime = self.runtime.as_ref().ok_or("the export runtime is gone")?;
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let (status, headers, body) = runtime
            .spawn(async move {
                let mut response = client.execute(request).await?;
                let (status, headers) = (response.status(), response.headers().clone());
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await? {
                    if body.len() + chunk.len() > MAX_RESPONSE {
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok::<_, reqwest::Error>((status, headers, body))
            })
            .await??;
        let mut response = http::Response::new(bytes::Bytes::from(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

/// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds),
/// else the specification's 10 s: the SDK leaves the timeout to a custom client.
fn export_timeout(env: impl Fn(&str) -> Option<String>) -> Duration {
    [
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ]
    .into_iter()
    .find_map(|name| env(name)?.trim().parse::<u64>().ok())
    .map_or(Duration::from_secs(10), Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_idempotent() {
        init("test", LogFormat::Json).unwrap().shutdown();
        init("test", LogFormat::Pretty).unwrap().shutdown();
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn traces_are_exported_only_to_a_configured_endpoint_unless_disabled() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
        let traces_endpoint = (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://c:4318/v1/traces",
        );
        // Nothing set (the SDK's default endpoint is not a reason), or only other
        // OTEL_* variables: off.
        assert!(!traces_configured(env(&[])));
        assert!(!traces_configured(env(&[
            ("OTEL_SERVICE_NAME", "orders"),
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", " "),
        ])));
        assert!(traces_configured(env(&[endpoint])));
        assert!(traces_configured(env(&[traces_endpoint])));
        assert!(traces_configured(env(&[
            endpoint,
            ("OTEL_SDK_DISABLED", "false")
        ])));
        assert!(!traces_configured(env(&[
            endpoint,
            ("OTEL_SDK_DISABLED", "TRUE")
        ])));
        assert!(!traces_configured(env(&[
            traces_endpoint,
            ("OTEL_TRACES_EXPORTER", "none")
        ])));
    }

    #[test]
    fn the_export_timeout_prefers_the_traces_variable() {
        assert_eq!(export_timeout(env(&[])), Duration::from_secs(10));
        assert_eq!(
            export_timeout(env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")])),
            Duration::from_millis(2500)
        );
        assert_eq!(
            export_timeout(env(&[
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
                ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
            ])),
            Duration::from_millis(700)
        );
    }
}
