//! Prometheus metrics: a per-service registry, a request-metrics middleware and
//! `GET /metrics`.
//!
//! Request series are labelled by route *pattern* (`/api/v1/orders/{id}`), never the raw
//! path, so the number of series stays bounded whatever clients send.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::rc::Rc;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::{Method, header};
use actix_web::{HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use prometheus::{Encoder as _, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

/// Route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";
const LABELS: [&str; 3] = ["method", "route", "status"];

/// The service's registry and the HTTP request collectors. Other crates register
/// their own collectors into `registry`. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub http_requests_total: IntCounterVec,
    pub http_request_duration_seconds: HistogramVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A registry whose every series carries the constant label `service`.
    #[allow(
        clippy::expect_used,
        reason = "these fail only on invalid metric or label names or a duplicate \
                  registration, all fixed here: a programming error every test would show"
    )]
    pub fn new(service: &str) -> Self {
        let labels = HashMap::from([("service".to_owned(), service.to_owned())]);
        let registry =
            Registry::new_custom(None, Some(labels)).expect("constant registry labels are valid");
        let http_requests_total = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests served"),
            &LABELS,
        )
        .expect("valid counter definition");
        let http_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from request to response headers",
            ),
            &LABELS,
        )
        .expect("valid histogram definition");
        registry
            .register(Box::new(http_requests_total.clone()))
            .expect("first registration of http_requests_total");
        registry
            .register(Box::new(http_request_duration_seconds.clone()))
            .expect("first registration of http_request_duration_seconds");
        Self {
            registry,
            http_requests_total,
            http_request_duration_seconds,
        }
    }

    /// The request-metrics middleware: `App::new().wrap(metrics.middleware())`.
    pub fn middleware(&self) -> RequestMetrics {
        RequestMetrics {
            metrics: self.clone(),
        }
    }

    /// All series in Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.http_requests_total.with_label_values(&labels).inc();
        self.http_request_duration_seconds
            .with_label_values(&labels)
            .observe(seconds);
    }
}

/// Standard methods keep their name; anything else is `OTHER` (bounded cardinality).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware recording `http_requests_total` and `http_request_duration_seconds`.
pub struct RequestMetrics {
    metrics: Metrics,
}

impl<S, B> Transform<S, ServiceRequest> for RequestMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestMetricsService {
            service: Rc::new(service),
            metrics: self.metrics.clone(),
        }))
    }
}

pub struct RequestMetricsService<S> {
    service: Rc<S>,
    metrics: Metrics,
}

impl<S, B> Service<ServiceRequest> for RequestMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let method = method_label(req.method());
        let metrics = self.metrics.clone();
        let fut = self.service.call(req);
        Box::pin(async move {
            let result = fut.await;
            // Routing happens inside the inner service: the pattern is known only now.
            let (route, status) = match &result {
                Ok(res) => (
                    res.request()
                        .match_pattern()
                        .unwrap_or_else(|| UNMATCHED.to_owned()),
                    res.status().as_u16(),
                ),
                Err(e) => (
                    UNMATCHED.to_owned(),
                    e.as_response_error().status_code().as_u16(),
                ),
            };
            metrics.observe(method, &route, status, started.elapsed().as_secs_f64());
            result
        })
    }
}

async fn render(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, prometheus::TEXT_FORMAT))
            .body(text),
        Err(e) => actix_web::ResponseError::error_response(&crate::ApiError::internal(e)),
    }
}

/// Registers `GET /metrics`.
pub fn configure(cfg: &mut web::ServiceConfig, metrics: web::Data<Metrics>) {
    cfg.route("/metrics", web::get().to(move || render(metrics.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::App;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;

    #[actix_web::test]
    async fn records_route_patterns_not_raw_paths() {
        let metrics = Metrics::new("orders");
        let app = actix_test::init_service(
            App::new()
                .wrap(metrics.middleware())
                .configure(|c| configure(c, web::Data::new(metrics.clone())))
                .route(
                    "/api/v1/orders/{id}",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                )
                .route(
                    "/fail",
                    web::get()
                        .to(|| async { Err::<HttpResponse, _>(crate::ApiError::conflict("no")) }),
                )
                .default_service(crate::error::default_service()),
        )
        .await;
        for uri in [
            "/api/v1/orders/123",
            "/api/v1/orders/456",
            "/fail",
            "/x/secret-token",
        ] {
            actix_test::call_service(&app, actix_test::TestRequest::get().uri(uri).to_request())
                .await;
        }

        let resp = actix_test::call_service(
            &app,
            actix_test::TestRequest::get().uri("/metrics").to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/plain; version=0.0.4"
        );
        let text = String::from_utf8(actix_test::read_body(resp).await.to_vec()).unwrap();
        let count = |route: &str, status: u16| {
            let wanted = format!(r#"route="{route}",status="{status}",service="orders"}}"#);
            text.lines()
                .find(|l| l.starts_with("http_requests_total{") && l.contains(&wanted))
                .and_then(|l| l.rsplit(' ').next())
                .map(str::to_owned)
        };
        assert_eq!(
            count("/api/v1/orders/{id}", 200).as_deref(),
            Some("2"),
            "{text}"
        );
        assert_eq!(count("/fail", 409).as_deref(), Some("1"), "{text}");
        assert_eq!(count(UNMATCHED, 404).as_deref(), Some("1"), "{text}");
        assert!(text.contains("http_request_duration_seconds_bucket"));
        assert!(
            !text.contains("orders/123") && !text.contains("secret-token"),
            "{text}"
        );
    }

    #[test]
    fn other_crates_can_register_collectors() {
        let metrics = Metrics::new("catalog");
        let c = prometheus::IntCounter::new("outbox_published_total", "x").unwrap();
        metrics.registry.register(Box::new(c.clone())).unwrap();
        c.inc();
        assert!(
            metrics
                .render()
                .unwrap()
                .contains("outbox_published_total{service=\"catalog\"} 1")
        );
    }

    #[test]
    fn unusual_methods_are_bucketed() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }
}
