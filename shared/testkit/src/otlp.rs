//! Spans for assertions: an OTLP/HTTP receiver on loopback that services export to
//! ([`OtlpReceiver`], `POST /v1/traces`, protobuf, as the OpenTelemetry collector
//! takes it), and an in-process capture of the spans of a test's own code
//! ([`capture`]). Both give [`Span`]s, with the ids in lowercase hex as in a
//! `traceparent`.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use prost::Message;
use tracing_subscriber::layer::SubscriberExt as _;

/// One finished span.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The resource's `service.name`.
    pub service: String,
    pub trace_id: String,
    pub span_id: String,
    /// `None` for the root of a trace.
    pub parent_span_id: Option<String>,
    pub name: String,
    /// `internal`, `server`, `client`, `producer` or `consumer`.
    pub kind: &'static str,
    /// Attribute values as text.
    pub attributes: BTreeMap<String, String>,
}

impl Span {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

type Spans = Arc<Mutex<Vec<Span>>>;

/// An OTLP/HTTP trace receiver on a loopback port, keeping every span it is sent.
/// Stopped when dropped.
pub struct OtlpReceiver {
    endpoint: String,
    spans: Spans,
    server: actix_web::dev::ServerHandle,
}

impl OtlpReceiver {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for OTLP");
        let endpoint = format!("http://{}", listener.local_addr().expect("the OTLP port"));
        let spans = Spans::default();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let kept = spans.clone();
        std::thread::Builder::new()
            .name("test-otlp".into())
            .spawn(move || {
                let system = actix_web::rt::System::new();
                let result = system.block_on(async move {
                    let server = HttpServer::new(move || {
                        App::new()
                            .app_data(web::Data::new(kept.clone()))
                            // A batch of 512 spans is some 100 KiB; the default is 256 KiB.
                            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                            .route("/v1/traces", web::post().to(receive))
                    })
                    .workers(1)
                    .disable_signals()
                    .listen(listener)?
                    .run();
                    let _ = handle_tx.send(server.handle());
                    server.await
                });
                if let Err(e) = result {
                    eprintln!("test OTLP receiver stopped: {e}");
                }
            })
            .expect("the OTLP receiver thread");
        let server = handle_rx.recv().expect("the OTLP receiver started");
        OtlpReceiver {
            endpoint,
            spans,
            server,
        }
    }

    /// `http://127.0.0.1:PORT`: the value of `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The variables that make a service export its traces here, as `service`.
    pub fn service_env(&self, service: &str) -> Vec<(String, String)> {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), self.endpoint.clone()),
            ("OTEL_SERVICE_NAME".into(), service.into()),
            ("OTEL_TRACES_SAMPLER".into(), "parentbased_always_on".into()),
            // Batches every 100 ms rather than 5 s: the test waits for them.
            ("OTEL_BSP_SCHEDULE_DELAY".into(), "100".into()),
        ]
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().expect("spans").clone()
    }

    /// The spans received so far of the trace `trace_id` (hex).
    pub fn trace(&self, trace_id: &str) -> Vec<Span> {
        self.spans()
            .into_iter()
            .filter(|s| s.trace_id == trace_id)
            .collect()
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        // Sends the stop at once; nothing needs to wait for it.
        drop(self.server.stop(false));
    }
}

async fn receive(spans: web::Data<Spans>, body: web::Bytes) -> HttpResponse {
    let request = match ExportTraceServiceRequest::decode(body) {
        Ok(request) => request,
        Err(e) => return HttpResponse::BadRequest().body(e.to_string()),
    };
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let resource = resource_spans
            .resource
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        let service = resource.get("service.name").cloned().unwrap_or_default();
        for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
            received.push(Span {
                service: service.clone(),
                trace_id: hex(&span.trace_id),
                span_id: hex(&span.span_id),
                parent_span_id: (!span.parent_span_id.is_empty())
                    .then(|| hex(&span.parent_span_id)),
                name: span.name,
                kind: kind_name(span.kind),
                attributes: attributes(&span.attributes),
            });
        }
    }
    spans.lock().expect("spans").extend(received);
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(ExportTraceServiceResponse::default().encode_to_vec())
}

fn kind_name(kind: i32) -> &'static str {
    match kind {
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "internal",
    }
}

fn attributes(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map(text).unwrap_or_default(),
            )
        })
        .collect()
}

fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The spans of the test's own code, recorded in process. Install the subscriber with
/// `tracing::subscriber::set_default` on a current-thread runtime (the default of
/// `#[tokio::test]`) so every task sees it, and turn the trace context on with
/// `aftersales_messaging::trace_context::set_enabled(true)`.
pub fn capture(service: &str) -> (Capture, impl tracing::Subscriber + Send + Sync) {
    let spans = Spans::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(Collector {
            spans: spans.clone(),
            service: service.to_owned(),
        })
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let subscriber = tracing_subscriber::registry().with(layer);
    (Capture { spans, provider }, subscriber)
}

/// What [`capture`] recorded.
pub struct Capture {
    spans: Spans,
    provider: SdkTracerProvider,
}

impl Capture {
    /// The spans finished so far (each is exported as it ends).
    pub fn spans(&self) -> Vec<Span> {
        let _ = self.provider.force_flush();
        self.spans.lock().expect("spans").clone()
    }
}

#[derive(Debug)]
struct Collector {
    spans: Spans,
    service: String,
}

impl SpanExporter for Collector {
    async fn export(&self, batch: Vec<SpanData>) -> opentelemetry_sdk::error::OTelSdkResult {
        let spans = batch.into_iter().map(|span| Span {
            service: self.service.clone(),
            trace_id: span.span_context.trace_id().to_string(),
            span_id: span.span_context.span_id().to_string(),
            parent_span_id: (span.parent_span_id != opentelemetry::trace::SpanId::INVALID)
                .then(|| span.parent_span_id.to_string()),
            name: span.name.into_owned(),
            kind: match span.span_kind {
                opentelemetry::trace::SpanKind::Server => "server",
                opentelemetry::trace::SpanKind::Client => "client",
                opentelemetry::trace::SpanKind::Producer => "producer",
                opentelemetry::trace::SpanKind::Consumer => "consumer",
                opentelemetry::trace::SpanKind::Internal => "internal",
            },
            attributes: span
                .attributes
                .iter()
                .map(|kv| (kv.key.to_string(), kv.value.as_str().into_owned()))
                .collect(),
        });
        self.spans.lock().expect("spans").extend(spans);
        Ok(())
    }
}
