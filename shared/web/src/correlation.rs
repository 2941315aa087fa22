//! The correlation id of a request: taken from `X-Correlation-Id` when the caller sent
//! a valid one, otherwise new. It is echoed in the response, recorded on the request's
//! tracing span, and handlers pass it into the envelopes of the events they produce,
//! so one id follows a business flow across services and RabbitMQ.
//!
//! The same middleware writes the access log: one line per request, target `access`,
//! with the method, the route template (`/api/v1/orders/{id}`, never the raw path, which
//! carries ids), the status, the duration, the correlation id and the caller's subject
//! once the request was authenticated. Nothing of the headers (the token) or the body is
//! ever logged.
//!
//! With tracing on (`crate::telemetry`), the request span is an OpenTelemetry server
//! span that continues the caller's W3C `traceparent`; the events a handler enqueues
//! keep its context (`aftersales_messaging::trace_context`).

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use aftersales_messaging::trace_context::{self, TraceContext};
use futures_util::future::LocalBoxFuture;
use opentelemetry::trace::TraceContextExt as _;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

pub const HEADER: &str = "x-correlation-id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelationId(pub Uuid);

impl FromRequest for CorrelationId {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        // Outside the middleware (unit tests of a handler) a fresh id is right too.
        let id = req
            .extensions()
            .get::<CorrelationId>()
            .copied()
            .unwrap_or_else(|| CorrelationId(Uuid::new_v4()));
        ready(Ok(id))
    }
}

/// Middleware that assigns the correlation id, opens the request span and writes the
/// request's access-log line.
pub struct Correlation;

impl<S, B> Transform<S, ServiceRequest> for Correlation
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = CorrelationMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorrelationMiddleware { service }))
    }
}

pub struct CorrelationMiddleware<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for CorrelationMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let id = req
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Uuid::parse_str(v).ok())
            .unwrap_or_else(Uuid::new_v4);
        req.extensions_mut().insert(CorrelationId(id));
        let method = req.method().clone();
        let span = tracing::info_span!(
            "http",
            %method,
            correlation_id = %id,
            otel.name = Empty,
            otel.kind = Empty,
            otel.status_code = Empty,
        );
        let traced = trace_context::enabled();
        if traced {
            start_trace(&span, &req);
        }
        let started = std::time::Instant::now();
        let fut = self.service.call(req);
        Box::pin(
            async move {
                let res = fut.await;
                let elapsed = started.elapsed();
                match res {
                    Ok(mut res) => {
                        let (route, subject) = route_and_subject(res.request());
                        if traced {
                            // The future runs in the request span.
                            end_trace(
                                &tracing::Span::current(),
                                &method,
                                &route,
                                res.status().as_u16(),
                            );
                        }
                        access(
                            &method,
                            &route,
                            res.status().as_u16(),
                            elapsed,
                            id,
                            &subject,
                        );
                        if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static(HEADER), value);
                        }
                        Ok(res)
                    }
                    Err(err) => {
                        let status = err.as_response_error().status_code().as_u16();
                        if traced {
                            end_trace(&tracing::Span::current(), &method, "-", status);
                        }
                        access(&method, "-", status, elapsed, id, "-");
                        Err(err)
                    }
                }
            }
            .instrument(span),
        )
    }
}

/// Makes `span` the server span of the request, the child of the caller's W3C
/// `traceparent` (and `tracestate`) when it sent a valid one, else the root of a new
/// trace. Only when tracing is on: off, the span and the log lines stay as they were.
fn start_trace(span: &tracing::Span, req: &ServiceRequest) {
    let header = |name: &str| {
        let values: Vec<&str> = req
            .headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        // Several `tracestate` headers are one list (W3C trace context, 3.3.1.1).
        (!values.is_empty()).then(|| values.join(","))
    };
    span.record("otel.kind", "server");
    span.record("otel.name", req.method().as_str());
    TraceContext {
        traceparent: header(trace_context::TRACEPARENT),
        tracestate: header(trace_context::TRACESTATE),
    }
    .parent(span);
    span.set_attribute("http.request.method", req.method().to_string());
}

/// Names the server span after the route template, as the OpenTelemetry HTTP
/// conventions say (`POST /api/v1/orders/{id}/cancel`), and records the status; a 5xx
/// marks the span failed.
fn end_trace(span: &tracing::Span, method: &actix_web::http::Method, route: &str, status: u16) {
    if route != "-" {
        // The span started before routing; its name can only change on the span itself.
        span.context()
            .span()
            .update_name(format!("{method} {route}"));
        span.set_attribute("http.route", route.to_owned());
    }
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.record("otel.status_code", "error");
    }
}

/// The matched route's template (`-` when none matched) and the authenticated caller's
/// subject (`-` before or without authentication).
fn route_and_subject(req: &HttpRequest) -> (String, String) {
    let route = req.match_pattern().unwrap_or_else(|| "-".to_owned());
    let subject = req
        .extensions()
        .get::<crate::auth::Principal>()
        .map_or_else(|| "-".to_owned(), |p| p.sub.clone());
    (route, subject)
}

fn access(
    method: &actix_web::http::Method,
    route: &str,
    status: u16,
    elapsed: std::time::Duration,
    id: Uuid,
    subject: &str,
) {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    tracing::info!(
        target: "access",
        %method,
        route,
        status,
        duration_ms,
        correlation_id = %id,
        subject,
        "request"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, HttpResponse, test, web};

    async fn echo(id: CorrelationId) -> HttpResponse {
        HttpResponse::Ok().body(id.0.to_string())
    }

    #[actix_web::test]
    async fn keeps_a_valid_incoming_id_and_echoes_it() {
        let app =
            test::init_service(App::new().wrap(Correlation).route("/", web::get().to(echo))).await;
        let id = Uuid::new_v4();
        let req = test::TestRequest::get()
            .uri("/")
            .insert_header((HEADER, id.to_string()))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.headers().get(HEADER).unwrap(), &id.to_string());
        let body = test::read_body(res).await;
        assert_eq!(body, id.to_string());
    }

    /// A writer collecting every log line of the test's subscriber.
    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn signed_in(req: HttpRequest, _body: String) -> HttpResponse {
        // What the auth extractor leaves once it has verified a token.
        req.extensions_mut().insert(crate::auth::Principal {
            sub: "dealer-user-7".into(),
            role: crate::Role::Dealer,
            dealer_code: Some("D001".into()),
        });
        HttpResponse::Created().finish()
    }

    #[actix_web::test]
    async fn one_access_line_per_request_with_the_route_template_and_no_secret() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(Correlation)
                .route("/api/v1/orders/{id}/cancel", web::post().to(signed_in)),
        )
        .await;
        let id = Uuid::new_v4();
        let req = test::TestRequest::post()
            .uri("/api/v1/orders/ORDER-SECRET-ID-42/cancel")
            .insert_header((HEADER, id.to_string()))
            .insert_header(("authorization", "Bearer eyJ.token-never-logged.sig"))
            .set_payload(r#"{"reason":"body-never-logged"}"#)
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), 201);
        let unknown = test::TestRequest::get().uri("/nowhere/at/all").to_request();
        assert_eq!(test::call_service(&app, unknown).await.status(), 404);

        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let access: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|l| l["target"] == "access")
            .collect();
        assert_eq!(access.len(), 2, "{text}");
        let line = &access[0];
        assert_eq!(line["method"], "POST");
        assert_eq!(line["route"], "/api/v1/orders/{id}/cancel");
        assert_eq!(line["status"], 201);
        assert_eq!(line["subject"], "dealer-user-7");
        assert_eq!(line["correlation_id"], id.to_string());
        assert!(line["duration_ms"].as_f64().is_some_and(|d| d >= 0.0));
        assert_eq!(
            (
                &access[1]["route"],
                &access[1]["status"],
                &access[1]["subject"]
            ),
            (&"-".into(), &404.into(), &"-".into())
        );
        for secret in [
            "token-never-logged",
            "body-never-logged",
            "ORDER-SECRET-ID-42",
            "nowhere",
        ] {
            assert!(!text.contains(secret), "{secret} was logged: {text}");
        }
    }

    /// The trace context a handler's events would be stored with.
    async fn trace_of_handler() -> HttpResponse {
        let cx = TraceContext::current();
        HttpResponse::Ok().body(format!(
            "{} {}",
            cx.traceparent.unwrap_or_default(),
            cx.tracestate.unwrap_or_default()
        ))
    }

    #[actix_web::test]
    async fn the_request_span_continues_a_valid_traceparent_and_else_starts_a_trace() {
        let (capture, subscriber) = aftersales_testkit::otlp::capture("test");
        let _guard = tracing::subscriber::set_default(subscriber);
        trace_context::set_enabled(true);
        let app = test::init_service(
            App::new()
                .wrap(Correlation)
                .route("/api/v1/orders/{id}", web::get().to(trace_of_handler)),
        )
        .await;
        let call = async |headers: &[(&str, &str)]| {
            let mut req = test::TestRequest::get().uri("/api/v1/orders/42");
            for header in headers {
                req = req.insert_header(*header);
            }
            let body = test::read_body(test::call_service(&app, req.to_request()).await).await;
            String::from_utf8(body.to_vec()).unwrap()
        };
        let trace = "0af7651916cd43dd8448eb211c80319c";
        let caller = "b7ad6b7169203331";
        let continued = call(&[
            ("traceparent", &format!("00-{trace}-{caller}-01")),
            ("tracestate", "vendor=a"),
        ])
        .await;
        let fresh = call(&[]).await;
        let malformed = call(&[("traceparent", "00-not-a-trace-01")]).await;
        trace_context::set_enabled(false);

        let spans = capture.spans();
        assert_eq!(spans.len(), 3, "{spans:#?}");
        for span in &spans {
            assert_eq!(
                (span.name.as_str(), span.kind),
                ("GET /api/v1/orders/{id}", "server")
            );
            assert_eq!(span.attribute("http.route"), Some("/api/v1/orders/{id}"));
            assert_eq!(span.attribute("http.response.status_code"), Some("200"));
            // What the handler would enqueue is the request span's context.
            let seen = [&continued, &fresh, &malformed]
                .into_iter()
                .filter(|body| body.contains(&format!("-{}-{}-", span.trace_id, span.span_id)))
                .count();
            assert_eq!(seen, 1, "{span:?}");
        }
        assert_eq!(spans[0].trace_id, trace);
        assert_eq!(spans[0].parent_span_id.as_deref(), Some(caller));
        assert!(continued.ends_with(" vendor=a"), "{continued}");
        for root in &spans[1..] {
            assert_ne!(root.trace_id, trace);
            assert_eq!(root.parent_span_id, None);
        }
    }

    #[actix_web::test]
    async fn replaces_a_missing_or_malformed_id_with_a_new_one() {
        let app =
            test::init_service(App::new().wrap(Correlation).route("/", web::get().to(echo))).await;
        let req = test::TestRequest::get()
            .uri("/")
            .insert_header((HEADER, "not-a-uuid"))
            .to_request();
        let res = test::call_service(&app, req).await;
        let header = res
            .headers()
            .get(HEADER)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let body = test::read_body(res).await;
        assert!(Uuid::parse_str(&header).is_ok());
        assert_eq!(body, header);
    }
}
