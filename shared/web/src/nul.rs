//! The NUL character (U+0000), which PostgreSQL text cannot hold: a request that
//! carries one is answered before any handler passes it to the database, so that no
//! free-text field, filter or path segment can turn it into a 500 (found by
//! `cargo xtask fuzz`).
//!
//! - in the path (`%00`): 404, nothing is named that way;
//! - in the query string: 400, no parameter accepts it;
//! - in a JSON body (`\u0000` in a string or a key): 422 naming the field;
//! - in a text body (a CSV upload): 400.
//!
//! The path and query are checked by the middleware, `App::new().wrap(RejectNul)`
//! inside the error-handling middlewares. Bodies are checked by the body extractors
//! ([`crate::body`]) once they have read them: the middleware runs before the token
//! is checked and before the route's body limit is known, so it never reads a body.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use crate::{ApiError, FieldError};

/// Middleware answering requests that carry the NUL character (see the module docs).
pub struct RejectNul;

impl<S, B> Transform<S, ServiceRequest> for RejectNul
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RejectNulMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RejectNulMiddleware {
            service: Rc::new(service),
        }))
    }
}

pub struct RejectNulMiddleware<S> {
    service: Rc<S>,
}

/// The answer to a request target (path and query) that carries a NUL.
fn check_target(req: &ServiceRequest) -> Result<(), ApiError> {
    // The URI is still percent-encoded here, and a raw NUL is no valid URI byte.
    if req.path().contains("%00") {
        return Err(ApiError::not_found(
            "no resource at this path: it contains the NUL character",
        ));
    }
    if req.query_string().contains("%00") {
        return Err(ApiError::bad_request(
            "the query string contains the NUL character (%00), which no parameter accepts",
        ));
    }
    Ok(())
}

/// The answer to a JSON body that carries a NUL in a string or key.
pub(crate) fn check_json(body: &[u8]) -> Result<(), ApiError> {
    // JSON strings carry a NUL only as the escape `\u0000` (a raw control character is
    // invalid JSON, which the extractor refuses); most bodies have none, so they are
    // not parsed twice.
    if !has_escaped_nul(body) {
        return Ok(());
    }
    let field = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| nul_path(&value, String::new()));
    let message = "must not contain the NUL character (\\u0000)";
    Err(match field {
        Some(field) if !field.is_empty() => ApiError::Unprocessable {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError::new(field, message)],
        },
        _ => ApiError::unprocessable(format!("the body {message}")),
    })
}

/// Whether the JSON text holds the escape `\u0000` (not an escaped backslash followed
/// by `u0000`).
fn has_escaped_nul(body: &[u8]) -> bool {
    const ESCAPE: &[u8] = b"u0000";
    let mut backslashes = 0usize;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && body[i..].starts_with(ESCAPE) {
            return true;
        }
        backslashes = 0;
    }
    false
}

/// The path of the first string or key holding a NUL: `lines[0].description`.
fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.contains('\0').then_some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, here)
            }
        }),
        _ => None,
    }
}

impl<S, B> Service<ServiceRequest> for RejectNulMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Err(error) = check_target(&req) {
            let response = req.error_response(error);
            return Box::pin(async move { Ok(response.map_into_right_body()) });
        }
        let call = self.service.call(req);
        Box::pin(async move { Ok(call.await?.map_into_left_body()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::http::header;
    use actix_web::test as actix_test;
    use actix_web::{App, web};
    use serde_json::json;

    async fn echo_text(body: String) -> String {
        body
    }

    macro_rules! app {
        () => {
            actix_test::init_service(
                App::new()
                    .wrap(RejectNul)
                    .route("/items/{name}", web::get().to(|| async { "item" }))
                    .route("/text", web::post().to(echo_text)),
            )
            .await
        };
    }

    #[actix_web::test]
    async fn nul_in_path_or_query_is_refused() {
        let app = app!();
        let get = |uri| actix_test::TestRequest::get().uri(uri).to_request();
        let res = actix_test::call_service(&app, get("/items/a%00b")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let res = actix_test::call_service(&app, get("/items/a?q=x%00")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let res = actix_test::call_service(&app, get("/items/a?q=x%2500")).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "an encoded percent sign is no NUL"
        );
    }

    #[actix_web::test]
    async fn bodies_are_left_to_the_body_extractors() {
        let app = app!();
        // The middleware reads no body: a NUL in one reaches the route unread.
        let res = actix_test::call_service(
            &app,
            actix_test::TestRequest::post()
                .uri("/text")
                .insert_header((header::CONTENT_TYPE, "text/csv"))
                .set_payload(&b"a\0b"[..])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    #[test]
    fn finds_escaped_nuls_only() {
        assert!(has_escaped_nul(br#""\u0000""#));
        assert!(has_escaped_nul(br#""\\\u0000""#));
        assert!(!has_escaped_nul(br#""\\u0000""#));
        assert!(!has_escaped_nul(br#""u0000""#));
        assert!(!has_escaped_nul(br#""\u00001""#[..5].as_ref()));
        let value = json!({"a": {"b": ["x", "y\u{0}"]}});
        assert_eq!(nul_path(&value, String::new()).as_deref(), Some("a.b[1]"));
    }
}
