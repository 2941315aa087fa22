//! The NUL character (U+0000), which PostgreSQL text cannot hold: a request that
//! carries one is answered before any handler sees it, so that no free-text field,
//! filter or path segment a handler passes to the database unparsed can turn it into
//! a 500 (found by `cargo xtask fuzz`).
//!
//! - in the path (`%00`): 404, nothing is named that way;
//! - in the query string: 400, no parameter accepts it;
//! - in a JSON body (`\u0000` in a string or a key): 422 naming the field;
//! - in a text body (a CSV upload): 400.
//!
//! `App::new().wrap(RejectNul)`, inside the error-handling middlewares.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

use crate::{ApiError, FieldError};

/// Bodies up to this size are checked; the rest of a larger one passes unchecked
/// (every extractor's own limit is smaller, so it is refused anyway).
const MAX_CHECKED: usize = 32 * 1024 * 1024;

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

/// What kind of body is checked, by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Text,
}

fn body_kind(req: &ServiceRequest) -> Option<BodyKind> {
    let content_type = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Some(BodyKind::Json)
    } else if essence.starts_with("text/") {
        Some(BodyKind::Text)
    } else {
        None
    }
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

/// The answer to a body that carries a NUL.
fn check_body(kind: BodyKind, body: &[u8]) -> Result<(), ApiError> {
    match kind {
        BodyKind::Json => check_json(body),
        BodyKind::Text if body.contains(&0) => {
            Err(ApiError::bad_request("the body contains a NUL byte"))
        }
        BodyKind::Text => Ok(()),
    }
}

fn check_json(body: &[u8]) -> Result<(), ApiError> {
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

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if let Err(error) = check_target(&req) {
            let response = req.error_response(error);
            return Box::pin(async move { Ok(response.map_into_right_body()) });
        }
        let Some(kind) = body_kind(&req) else {
            let call = self.service.call(req);
            return Box::pin(async move { Ok(call.await?.map_into_left_body()) });
        };
        let service = self.service.clone();
        Box::pin(async move {
            let mut payload = req.take_payload();
            let mut body = BytesMut::new();
            let mut overflow: Option<Payload> = None;
            while let Some(chunk) = payload.next().await {
                match chunk {
                    Ok(chunk) => body.extend_from_slice(&chunk),
                    Err(e) => {
                        let error = ApiError::bad_request(format!("could not read the body: {e}"));
                        return Ok(req.error_response(error).map_into_right_body());
                    }
                }
                if body.len() > MAX_CHECKED {
                    overflow = Some(payload);
                    break;
                }
            }
            let body = body.freeze();
            match overflow {
                Some(rest) => {
                    let head = futures_util::stream::once(async move { Ok::<Bytes, _>(body) });
                    let stream: std::pin::Pin<
                        Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>,
                    > = Box::pin(head.chain(rest));
                    req.set_payload(Payload::from(stream));
                }
                None => {
                    if let Err(error) = check_body(kind, &body) {
                        return Ok(req.error_response(error).map_into_right_body());
                    }
                    req.set_payload(Payload::from(body));
                }
            }
            Ok(service.call(req).await?.map_into_left_body())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};
    use serde_json::{Value, json};

    async fn echo_json(body: web::Json<Value>) -> HttpResponse {
        HttpResponse::Ok().json(body.into_inner())
    }

    async fn echo_text(body: String) -> String {
        body
    }

    macro_rules! app {
        () => {
            actix_test::init_service(
                App::new()
                    .wrap(RejectNul)
                    .route("/items/{name}", web::get().to(|| async { "item" }))
                    .route("/json", web::post().to(echo_json))
                    .route("/text", web::post().to(echo_text)),
            )
            .await
        };
    }

    fn post(path: &str, content_type: &str, body: &'static [u8]) -> actix_test::TestRequest {
        actix_test::TestRequest::post()
            .uri(path)
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
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
    async fn nul_in_json_names_the_field() {
        let app = app!();
        let res = actix_test::call_service(
            &app,
            post(
                "/json",
                "application/json",
                br#"{"lines": [{"qty": 1, "note": "a\u0000b"}]}"#,
            )
            .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = actix_test::read_body_json(res).await;
        assert_eq!(body["errors"][0]["field"], "lines[0].note");
    }

    #[actix_web::test]
    async fn everything_else_reaches_the_handler_whole() {
        let app = app!();
        // An escaped backslash followed by "u0000" is text, not a NUL.
        let res = actix_test::call_service(
            &app,
            post("/json", "application/json", br#"{"note": "a\\u0000b"}"#).to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = actix_test::read_body_json(res).await;
        assert_eq!(body, json!({"note": "a\\u0000b"}));

        let res =
            actix_test::call_service(&app, post("/text", "text/csv", b"a,b\n1,2\n").to_request())
                .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(actix_test::read_body(res).await, "a,b\n1,2\n");

        let res = actix_test::call_service(
            &app,
            post("/text", "text/csv; charset=utf-8", b"a\0b").to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
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
