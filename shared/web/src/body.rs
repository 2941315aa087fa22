//! Request bodies, read only when a handler asks for one: a JSON body
//! ([`Json`]) or a text body such as a CSV upload ([`Text`]).
//!
//! A body is read only from a caller whose token is valid and whose role may use the
//! endpoint: the extractor verifies the [`Principal`] first (once per request, shared
//! with the handler's own), so a request without a valid token is answered 401 with its
//! body unread, even while the token's keys are being fetched; then it checks the roles
//! the handler declares by taking [`Allowed<R>`](crate::auth::Allowed), so a role that
//! may never use the endpoint gets 403 whatever it sent, again with the body unread. A
//! handler with a body that declares no roles is a bug that every call shows (500):
//! forgetting the declaration cannot quietly let bodies be judged before roles. The
//! body is then read only up to
//! its route's limit ([`BodyLimit`]; 413 at once when `Content-Length` says more, or
//! as soon as more arrives) and only for [`BODY_TIMEOUT`] (408). A handler's
//! [`DbConn`](crate::DbConn) is taken only once its body has arrived
//! ([`BodyArrival`]): actix polls a handler's extractors side by side, and a slow
//! body must not hold a pooled connection.
//!
//! A JSON body is read as its type says and no more loosely: a struct only from a JSON
//! object (serde alone also takes an array of its fields, see [`objects_only`]), and
//! what does not fit is a 422 naming the field by its path.
//!
//! Both check for the NUL character, which PostgreSQL text cannot hold (see
//! [`crate::nul`]): in a JSON string or key → 422 naming the field; in a text body →
//! 400.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

mod objects_only;

use crate::auth::DeclaredRoles;
use crate::error::{body_error, json_error};
use crate::{ApiError, Principal};

/// The largest body a route accepts unless it says otherwise (actix's own default
/// for JSON): far above any order, claim or form, small enough to hold per request.
pub const DEFAULT_LIMIT: usize = 2 * 1024 * 1024;

/// How long reading a whole body may take. A client on a slow line sends a form's
/// few kilobytes in well under a second; a parts import of 20 MiB at 2 MB/s in ten.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest body of a route (or scope, or app), in bytes:
/// `web::resource(..).app_data(BodyLimit(20 * 1024 * 1024))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    fn of(req: &HttpRequest) -> usize {
        req.app_data::<BodyLimit>().map_or(DEFAULT_LIMIT, |l| l.0)
    }
}

/// Whether the request's body has been read (or refused): put in the request's
/// extensions by a body extractor, awaited by [`DbConn`](crate::DbConn).
#[derive(Clone)]
pub(crate) struct BodyArrival(tokio::sync::watch::Receiver<bool>);

impl BodyArrival {
    /// Waits until the body of `req`, if a body extractor reads one, has been read.
    pub(crate) async fn of(req: &HttpRequest) {
        let arrival = req.extensions().get::<BodyArrival>().cloned();
        if let Some(mut arrival) = arrival {
            // A dropped sender (the extractor gave up) also ends the wait.
            let _ = arrival.0.wait_for(|arrived| *arrived).await;
        }
    }
}

/// The body of `req`, for a caller with a valid token and an allowed role, as the
/// module docs say; `refused` (a wrong media type, say) is the answer instead, once
/// token and role are known.
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    refused: Option<ApiError>,
) -> LocalBoxFuture<'static, Result<Bytes, ApiError>> {
    let (arrived, arrival) = tokio::sync::watch::channel(false);
    req.extensions_mut().insert(BodyArrival(arrival));
    let principal = Principal::from_http(req);
    let (limit, declared) = (BodyLimit::of(req), declared_length(req));
    let mut payload = payload.take();
    let req = req.clone();
    Box::pin(async move {
        let principal = principal.await?;
        // Read now, not when the extractor was made: `Allowed` may come after the body
        // among the handler's arguments, but every extractor exists before any is polled.
        let roles = req.extensions().get::<DeclaredRoles>().copied();
        match roles {
            Some(DeclaredRoles(roles)) => principal.require(roles)?,
            None => {
                return Err(ApiError::internal(format!(
                    "the handler of {} {} reads a body but declares no roles: take \
                     `Allowed<..>` instead of `Principal`",
                    req.method(),
                    req.path()
                )));
            }
        }
        if let Some(refused) = refused {
            return Err(refused);
        }
        let body = read(&mut payload, declared, limit, BODY_TIMEOUT).await;
        let _ = arrived.send(true);
        body
    })
}

/// A JSON body of type `T` (`Content-Type: application/json` or `…+json`).
///
/// Errors as problem documents: no JSON content type, malformed JSON → 400; too large
/// → 413; too slow → 408; a NUL in a string, or JSON that does not fit `T` → 422
/// naming the field when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json =
            media_type(req).is_some_and(|e| e == "application/json" || e.ends_with("+json"));
        let refused =
            (!is_json).then(|| json_error(actix_web::error::JsonPayloadError::ContentType));
        let body = read_body(req, payload, refused);
        Box::pin(async move {
            let body = body.await?;
            crate::nul::check_json(&body)?;
            json_body(&body).map(Json)
        })
    }
}

/// `body` as `T`, as the module docs say: malformed JSON → 400; JSON that does not fit
/// `T` → 422 naming the field by its path.
fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value =
        serde_path_to_error::deserialize(objects_only::ObjectsOnly(&mut de)).map_err(|e| {
            let path = e.path().to_string();
            body_error(e.inner(), if path == "." { "" } else { &path })
        })?;
    // What serde_json::from_slice refuses as well: anything after the value.
    de.end().map_err(|e| body_error(&e, ""))?;
    Ok(value)
}

/// A text body such as a CSV file, as bytes. A NUL byte → 400. The handler checks
/// its media type and decodes it, after the role: a role that may not upload learns
/// that first (403), whatever it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub Bytes);

impl std::ops::Deref for Text {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl FromRequest for Text {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, None);
        Box::pin(async move {
            let body = body.await?;
            if body.contains(&0) {
                return Err(ApiError::bad_request(
                    "the body contains a NUL byte; send the file as text",
                ));
            }
            Ok(Text(body))
        })
    }
}

/// The request's media type without parameters, lower case: `application/json`.
pub fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The whole body, at most `limit` bytes, within `timeout`.
async fn read(
    payload: &mut Payload,
    declared: Option<u64>,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the body is larger than this endpoint accepts ({limit} bytes); send less"
        ))
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let collect = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::bad_request(format!("could not read the body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, collect)
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::RequestTimeout(format!(
                "the body did not arrive within {} s; send it again",
                timeout.as_secs()
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};
    use serde_json::{Value, json};

    crate::roles! {
        Admins = [Admin];
    }

    // The body first: the declaration still counts.
    async fn echo_json(body: Json<Value>, _: crate::auth::Allowed<Admins>) -> HttpResponse {
        HttpResponse::Ok().json(body.into_inner())
    }

    async fn echo_text(_: crate::auth::Allowed<Admins>, body: Text) -> HttpResponse {
        HttpResponse::Ok().body(body.0)
    }

    /// A handler that forgot to say who may send it a body.
    async fn undeclared(_: Principal, body: Json<Value>) -> HttpResponse {
        HttpResponse::Ok().json(body.into_inner())
    }

    const SECRET: &str = "body-test-secret";

    fn token() -> String {
        token_of(crate::Role::Admin)
    }

    fn token_of(role: crate::Role) -> String {
        crate::JwtKeys::new(SECRET).mint("u", role, None, chrono::Duration::hours(1))
    }

    macro_rules! app {
        () => {
            actix_test::init_service(
                App::new()
                    .app_data(web::Data::new(crate::JwtKeys::new(SECRET)))
                    .route("/json", web::post().to(echo_json))
                    .service(
                        web::resource("/small")
                            .app_data(BodyLimit(16))
                            .route(web::post().to(echo_json)),
                    )
                    .route("/text", web::post().to(echo_text))
                    .route("/undeclared", web::post().to(undeclared)),
            )
            .await
        };
    }

    fn post(path: &str, content_type: &str, body: impl Into<Bytes>) -> actix_test::TestRequest {
        actix_test::TestRequest::post()
            .uri(path)
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::AUTHORIZATION, format!("Bearer {}", token())))
            .set_payload(body.into())
    }

    async fn answer(
        app: &impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse,
            Error = actix_web::Error,
        >,
        req: actix_test::TestRequest,
    ) -> (StatusCode, Value) {
        let res = actix_test::call_service(app, req.to_request()).await;
        let status = res.status();
        let body = actix_test::read_body(res).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    #[actix_web::test]
    async fn json_bodies_parse_and_their_problems_are_named() {
        let app = app!();
        let (status, body) = answer(&app, post("/json", "application/json", r#"{"a":1}"#)).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"a": 1})));
        let (status, _) = answer(&app, post("/json", "application/problem+json", "{}")).await;
        assert_eq!(status, StatusCode::OK);

        let (status, body) = answer(&app, post("/json", "text/plain", "{}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["detail"].as_str().unwrap().contains("Content-Type"),
            "{body}"
        );
        let (status, _) = answer(&app, post("/json", "application/json", "{")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let nul = r#"{"lines":[{"description":"a\u0000b"}]}"#;
        let (status, body) = answer(&app, post("/json", "application/json", nul)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "lines[0].description", "{body}");
        // An escaped backslash followed by u0000 is no NUL.
        let (status, _) = answer(
            &app,
            post("/json", "application/json", r#"{"a":"\\u0000"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "the fields are only deserialized")]
    struct Order {
        dealer: String,
        lines: Vec<Line>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "the fields are only deserialized")]
    struct Line {
        part_number: String,
        qty: u32,
    }

    async fn typed(_: crate::auth::Allowed<Admins>, _: Json<Order>) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    /// `body` parsed as an [`Order`]: the 422's single field and its message.
    fn order_error(body: &str) -> (String, String) {
        match json_body::<Order>(body.as_bytes()) {
            Err(ApiError::Unprocessable { errors, detail }) => {
                assert_eq!(errors.len(), 1, "{body}: {errors:?}");
                assert!(detail.contains(&errors[0].field), "{detail}");
                (errors[0].field.clone(), errors[0].message.clone())
            }
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn a_body_that_does_not_fit_names_the_field_by_its_path() {
        let line = r#"{"part_number":"A","qty":1}"#;
        for (body, field, says) in [
            (
                format!(r#"{{"dealer":"D1","lines":[{line},{{"part_number":"B","qty":"2"}}]}}"#),
                "lines[1].qty",
                "invalid type: string \"2\"",
            ),
            (
                format!(r#"{{"dealer":"D1","lines":[{line},{{"part_number":"B"}}]}}"#),
                "lines[1].qty",
                "missing field `qty`",
            ),
            (
                r#"{"dealer":"D1","lines":[{"part_number":"B","qty":1,"colour":"red"}]}"#
                    .to_owned(),
                "lines[0].colour",
                "unknown field `colour`",
            ),
            (
                format!(r#"{{"lines":[{line}]}}"#),
                "dealer",
                "missing field `dealer`",
            ),
            (
                format!(r#"{{"dealer":"D1","lines":[{line}],"extra":true}}"#),
                "extra",
                "unknown field `extra`",
            ),
            (
                r#"{"dealer":"D1","lines":[["A",1]]}"#.to_owned(),
                "lines[0]",
                "invalid type: sequence, expected struct Line",
            ),
            (
                r#"{"dealer":"D1","lines":[{"part_number":"A","qty":1,"qty":2}]}"#.to_owned(),
                "lines[0].qty",
                "duplicate field `qty`",
            ),
            (
                r#"{"dealer":7,"lines":[]}"#.to_owned(),
                "dealer",
                "invalid type: integer `7`",
            ),
            (
                format!(r#"{{"dealer":"D1","lines":[{line},{{"part_number":"B","qty":-1}}]}}"#),
                "lines[1].qty",
                "invalid value: integer `-1`",
            ),
        ] {
            let (got, message) = order_error(&body);
            assert_eq!(got, field, "{body}: {message}");
            assert!(message.starts_with(says), "{body}: {message}");
        }
    }

    #[test]
    fn a_body_error_does_not_send_a_long_value_back() {
        let long = "x".repeat(10_000);
        let (field, message) = order_error(&format!(r#"{{"dealer":"D1","lines":"{long}"}}"#));
        assert_eq!(field, "lines");
        assert!(message.len() < 300, "{message}");
    }

    #[test]
    fn a_body_that_is_not_one_json_value_is_400() {
        for body in [
            r#"{"dealer":"D1","lines":[]} {}"#,
            r#"{"dealer":"D1""#,
            "nope",
        ] {
            assert!(
                matches!(
                    json_body::<Order>(body.as_bytes()),
                    Err(ApiError::BadRequest(_))
                ),
                "{body}"
            );
        }
        // Not an object at all: nothing to name. An array of the fields' values
        // neither (serde alone would take it).
        for body in [&b"[1]"[..], br#"["D1", []]"#] {
            assert!(
                matches!(
                    json_body::<Order>(body),
                    Err(ApiError::Unprocessable { ref errors, .. }) if errors.is_empty()
                ),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(json_body::<Order>(br#"{"dealer":"D1","lines":[]}"#).is_ok());
    }

    #[actix_web::test]
    async fn the_extractor_answers_422_naming_the_field() {
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(crate::JwtKeys::new(SECRET)))
                .route("/orders", web::post().to(typed)),
        )
        .await;
        let body = r#"{"dealer":"D1","lines":[{"part_number":"A","qty":"one"}]}"#;
        let (status, problem) = answer(&app, post("/orders", "application/json", body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "lines[0].qty", "{problem}");
        let body = r#"{"dealer":"D1","lines":[]}"#;
        let (status, problem) = answer(&app, post("/orders", "application/json", body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{problem}");
    }

    #[actix_web::test]
    async fn a_body_over_the_route_limit_is_413_whether_declared_or_not() {
        let app = app!();
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(32));
        let (status, body) = answer(&app, post("/small", "application/json", big.clone())).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("16 bytes"),
            "{body}"
        );
        // Declared small, sent large (the stream is cut at the limit).
        let lying =
            post("/small", "application/json", big).insert_header((header::CONTENT_LENGTH, "8"));
        let (status, _) = answer(&app, lying).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        // The same body is fine where the default limit applies.
        let (status, _) = answer(
            &app,
            post(
                "/json",
                "application/json",
                format!(r#"{{"a":"{}"}}"#, "x".repeat(32)),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    #[actix_web::test]
    async fn without_a_valid_token_the_body_is_not_read() {
        let app = app!();
        // Declared far over the limit: were the body looked at, this would be 413.
        let huge = format!(r#"{{"a":"{}"}}"#, "x".repeat(64));
        for auth in [None, Some("Bearer not-a-token")] {
            let mut req = actix_test::TestRequest::post()
                .uri("/small")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(huge.clone());
            if let Some(auth) = auth {
                req = req.insert_header((header::AUTHORIZATION, auth));
            }
            let (status, _) = answer(&app, req).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        }
    }

    #[actix_web::test]
    async fn a_role_that_may_not_send_a_body_is_403_before_it_is_read() {
        let app = app!();
        let wrong = format!("Bearer {}", token_of(crate::Role::Finance));
        // Malformed, of the wrong media type, over the limit, or a NUL: all 403.
        let bodies: [(&str, &str, Bytes); 5] = [
            ("/json", "application/json", Bytes::from_static(b"{")),
            (
                "/json",
                "application/json",
                Bytes::from_static(b"\"not an object\""),
            ),
            ("/json", "text/plain", Bytes::from_static(b"{}")),
            ("/small", "application/json", Bytes::from(vec![b' '; 64])),
            ("/text", "text/csv", Bytes::from_static(b"a,\0")),
        ];
        for (path, content_type, body) in bodies {
            let req = post(path, content_type, body.clone())
                .insert_header((header::AUTHORIZATION, wrong.clone()));
            let (status, problem) = answer(&app, req).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} {body:?}: {problem}");
            assert!(
                problem["detail"].as_str().unwrap().contains("finance"),
                "{problem}"
            );
        }
    }

    #[actix_web::test]
    async fn a_handler_with_a_body_and_no_declared_roles_fails_loudly() {
        let app = app!();
        let (status, _) = answer(&app, post("/undeclared", "application/json", "{}")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[actix_web::test]
    async fn a_body_that_stops_arriving_is_408() {
        let started = futures_util::stream::iter([Ok::<_, actix_web::error::PayloadError>(
            Bytes::from_static(b"{\"a\":"),
        )]);
        let stalled: std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>> =
            Box::pin(started.chain(futures_util::stream::pending()));
        let mut payload = Payload::from(stalled);
        let error = read(&mut payload, None, 1024, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::RequestTimeout(_)), "{error:?}");
    }

    #[actix_web::test]
    async fn text_bodies_refuse_nul() {
        let app = app!();
        let res =
            actix_test::call_service(&app, post("/text", "text/csv", "a,b\n1,2\n").to_request())
                .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(actix_test::read_body(res).await, "a,b\n1,2\n");
        let (status, body) = answer(&app, post("/text", "text/csv", &b"a,b\n1,\0\n"[..])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().unwrap().contains("NUL"), "{body}");
    }
}
