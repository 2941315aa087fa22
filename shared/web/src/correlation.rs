//! The correlation id of a request: taken from `X-Correlation-Id` when the caller sent
//! a valid one, otherwise new. It is echoed in the response, recorded on the request's
//! tracing span, and handlers pass it into the envelopes of the events they produce,
//! so one id follows a business flow across services and RabbitMQ.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use tracing::Instrument;
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

/// Middleware that assigns the correlation id and opens the request span.
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
        let span = tracing::info_span!(
            "http",
            method = %req.method(),
            path = %req.path(),
            correlation_id = %id,
        );
        let fut = self.service.call(req);
        Box::pin(
            async move {
                let mut res = fut.await?;
                if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                    res.headers_mut()
                        .insert(HeaderName::from_static(HEADER), value);
                }
                Ok(res)
            }
            .instrument(span),
        )
    }
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
