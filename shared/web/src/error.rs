//! `ApiError`, the one mapping from failures to `application/problem+json` (RFC 9457),
//! and the actix extractor configs that route actix's own rejections through it.

use std::fmt::Write as _;

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

/// Base of the `type` URI of every problem document.
pub const PROBLEM_BASE: &str = "https://aftersales.dev/problems/";
/// Media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// What went wrong with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `lines[0].qty`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The error every handler returns. Each variant is one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed (syntax, headers, cursor).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no token, or a token that is not valid. Carries `WWW-Authenticate: Bearer`.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: a valid token whose role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: unknown, or not the caller's to see.
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: the resource's state does not allow this.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 412: `If-Match` does not match the current `ETag`.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// 422: well-formed but invalid; `errors` names the fields when known.
    #[error("unprocessable: {detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 500: our fault. The cause is logged, never sent to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// 503: a dependency (database, broker) is unreachable; retrying later may work.
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest(detail.into())
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::Unauthorized(detail.into())
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(detail.into())
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::NotFound(detail.into())
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict(detail.into())
    }

    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::PreconditionFailed(detail.into())
    }

    /// 422 without a field list.
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::Unprocessable {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 422 naming one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self::Unprocessable {
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    /// 500 from any error; the cause chain goes to the log when the response is built.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn service_unavailable(detail: impl Into<String>) -> Self {
        Self::ServiceUnavailable(detail.into())
    }

    /// The short name used in the problem `type` URI.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::Unprocessable { .. } => "validation",
            Self::Internal(_) => "internal",
            Self::ServiceUnavailable(_) => "service-unavailable",
        }
    }

    /// The problem document this error is sent as.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::PreconditionFailed(d)
            | Self::ServiceUnavailable(d) => (d.clone(), None),
            Self::Unprocessable { detail, errors } => {
                (detail.clone(), (!errors.is_empty()).then(|| errors.clone()))
            }
            Self::Internal(_) => (
                "an unexpected error occurred; it has been logged".into(),
                None,
            ),
        };
        Problem::new(self.slug(), status, detail, errors)
    }
}

/// An RFC 9457 problem document, the body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "https://aftersales.dev/problems/validation",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "request body is invalid",
    "errors": [{"field": "lines[0].qty", "message": "must be at least 1"}]
}))]
pub struct Problem {
    /// URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind (the HTTP reason phrase).
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// For validation problems: the offending fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl Problem {
    pub fn new(
        slug: &str,
        status: StatusCode,
        detail: impl Into<String>,
        errors: Option<Vec<FieldError>>,
    ) -> Self {
        Self {
            problem_type: format!("{PROBLEM_BASE}{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors,
        }
    }

    /// The response carrying this document.
    pub fn to_response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE))
            .json(self)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error = %cause_chain(cause.as_ref()), "internal error");
            }
            Self::ServiceUnavailable(detail) => {
                tracing::warn!(%detail, "dependency unavailable");
            }
            _ => {}
        }
        let mut response = self.problem().to_response();
        if matches!(self, Self::Unauthorized(_)) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// `outer: middle: root` for an error and its sources.
pub fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(out, ": {cause}");
        source = cause.source();
    }
    out
}

/// 422 listing every failing field; nested fields read `lines[0].qty`.
impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten_validation(&errors, "", &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        let detail = match fields.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("request has {} invalid fields", fields.len()),
        };
        Self::Unprocessable {
            detail,
            errors: fields,
        }
    }
}

fn flatten_validation(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (name, kind) in errors.errors() {
        // `__all__` holds struct-level (schema) validations: they belong to the parent.
        let path = match (prefix.is_empty(), name.as_ref()) {
            (true, "__all__") => String::new(),
            (false, "__all__") => prefix.to_owned(),
            (true, n) => n.to_owned(),
            (false, n) => format!("{prefix}.{n}"),
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| FieldError::new(&path, describe(e))));
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// The custom message if the validator has one, else the rule and its limits.
/// The rejected value itself is left out: it may be large or sensitive.
fn describe(error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let mut params: Vec<_> = error
        .params
        .iter()
        .filter(|(k, _)| k.as_ref() != "value")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    params.sort();
    if params.is_empty() {
        format!("failed check '{}'", error.code)
    } else {
        format!("failed check '{}' ({})", error.code, params.join(", "))
    }
}

/// `NotFound` → 404; a transient error (the database restarting, a lost race) → 503;
/// every other diesel error → 500.
///
/// Constraint violations caused by client input (unique keys, foreign keys, checks)
/// must be mapped by the calling service to 409/422 *before* `?`, since only it
/// knows which constraint means what.
impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Self::NotFound("resource not found".into()),
            // The database restarting or a lost race, not the request: try again.
            e if aftersales_messaging::transient::is_transient(&e) => {
                Self::ServiceUnavailable(format!("database unavailable, try again: {e}"))
            }
            other => Self::Internal(Box::new(other)),
        }
    }
}

/// Cannot get a pooled connection: the database is unreachable or saturated → 503.
impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::ServiceUnavailable(format!("database unavailable: {error}"))
    }
}

// ---------------------------------------------------------------------------
// actix rejections → problem documents

/// JSON body extractor config: bad syntax, wrong content type, too large → 400;
/// JSON that parses but does not fit the type → 422 naming the field when known.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().error_handler(|error, _req| json_error(error).into())
}

/// Query string extractor config: an unparsable query → 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        let actix_web::error::QueryPayloadError::Deserialize(e) = &error else {
            return ApiError::bad_request("invalid query string").into();
        };
        ApiError::bad_request(format!("invalid query string: {e}")).into()
    })
}

/// Path extractor config: a path segment that does not parse (e.g. a malformed UUID)
/// names no resource → 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req| {
        let actix_web::error::PathError::Deserialize(e) = &error else {
            return ApiError::not_found("no resource at this path").into();
        };
        ApiError::not_found(format!("no resource at this path: {e}")).into()
    })
}

fn json_error(error: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match error {
        E::OverflowKnownLength { length, limit } => ApiError::bad_request(format!(
            "request body of {length} bytes is larger than the limit of {limit} bytes"
        )),
        E::Overflow { limit } => ApiError::bad_request(format!(
            "request body is larger than the limit of {limit} bytes"
        )),
        E::ContentType => {
            ApiError::bad_request("request body must be JSON (Content-Type: application/json)")
        }
        E::Deserialize(e) => match e.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&e.to_string());
                match quoted_field(&message) {
                    Some(field) => ApiError::Unprocessable {
                        detail: format!("request body does not fit: {message}"),
                        errors: vec![FieldError::new(field, message.clone())],
                    },
                    None => {
                        ApiError::unprocessable(format!("request body does not fit: {message}"))
                    }
                }
            }
            serde_json::error::Category::Eof => {
                ApiError::bad_request(format!("request body is incomplete JSON: {e}"))
            }
            _ => ApiError::bad_request(format!("request body is not valid JSON: {e}")),
        },
        E::Payload(e) => ApiError::bad_request(format!("could not read request body: {e}")),
        // Serialize errors happen on our side (responses), not on client input.
        other => ApiError::internal(other.to_string()),
    }
}

/// serde_json appends ` at line L column C`; for data errors the position says little.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The field serde names in ``missing field `qty` `` / ``unknown field `x`, expected …``.
fn quoted_field(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))
        .or_else(|| message.strip_prefix("duplicate field `"))?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

// ---------------------------------------------------------------------------
// Fallback routes

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

async fn method_not_allowed_handler(req: HttpRequest) -> HttpResponse {
    Problem::new(
        "method-not-allowed",
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", req.method(), req.path()),
        None,
    )
    .to_response()
}

/// The app's default service: a 404 problem for unknown routes.
/// `App::new().default_service(default_service())`.
pub fn default_service() -> actix_web::Route {
    web::to(not_found)
}

/// A resource's default service: a 405 problem when the path exists but the method
/// does not. `web::resource("/x").route(..).default_service(method_not_allowed())`.
pub fn method_not_allowed() -> actix_web::Route {
    web::to(method_not_allowed_handler)
}

/// Middleware turning every error response that is not already JSON (actix's own bare
/// 404/405/413 and text errors from other middleware) into a problem document with the
/// same status and headers. `App::new().wrap(problem_fallback())`.
pub fn problem_fallback<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_json = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"));
        if is_json {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let (req, original) = res.into_parts();
        let reason = status.canonical_reason().unwrap_or("Error");
        let slug = reason.to_ascii_lowercase().replace([' ', '\''], "-");
        let detail = match status {
            StatusCode::NOT_FOUND => format!("no route for {} {}", req.method(), req.path()),
            StatusCode::METHOD_NOT_ALLOWED => {
                format!("{} is not allowed on {}", req.method(), req.path())
            }
            _ => reason.to_owned(),
        };
        let mut response = Problem::new(&slug, status, detail, None).to_response();
        for (name, value) in original.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, response).map_into_right_body(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test as actix_test;
    use actix_web::{App, body::to_bytes};
    use serde_json::{Value, json};
    use validator::Validate;

    #[derive(Debug, Deserialize, Serialize, Validate)]
    struct Line {
        #[validate(range(min = 1, message = "must be at least 1"))]
        qty: i32,
    }

    #[derive(Debug, Deserialize, Serialize, Validate)]
    struct Order {
        #[validate(length(min = 1, max = 10))]
        dealer: String,
        #[validate(nested)]
        lines: Vec<Line>,
    }

    async fn create(body: web::Json<Order>) -> Result<HttpResponse, ApiError> {
        body.validate()?;
        Ok(HttpResponse::Created().json(body.into_inner()))
    }

    async fn by_id(id: web::Path<uuid::Uuid>) -> String {
        id.to_string()
    }

    #[derive(Debug, Deserialize)]
    struct Q {
        #[allow(dead_code, reason = "only its parsing is under test")]
        limit: u32,
    }

    async fn query(_q: web::Query<Q>) -> &'static str {
        "ok"
    }

    macro_rules! app {
        () => {
            actix_test::init_service(
                App::new()
                    .app_data(json_config())
                    .app_data(query_config())
                    .app_data(path_config())
                    .route("/orders", web::post().to(create))
                    .route("/orders/{id}", web::get().to(by_id))
                    .route("/q", web::get().to(query))
                    .service(
                        web::resource("/only-get")
                            .route(web::get().to(|| async { "ok" }))
                            .default_service(method_not_allowed()),
                    )
                    .default_service(default_service()),
            )
            .await
        };
    }

    async fn problem_of<B: actix_web::body::MessageBody>(
        resp: ServiceResponse<B>,
    ) -> (StatusCode, Value) {
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(content_type.as_deref(), Some(PROBLEM_CONTENT_TYPE));
        let body = to_bytes(resp.into_body()).await.ok().unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["status"], json!(status.as_u16()));
        (status, value)
    }

    fn post_json(body: &str) -> actix_test::TestRequest {
        actix_test::TestRequest::post()
            .uri("/orders")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body.to_owned())
    }

    #[actix_web::test]
    async fn malformed_json_is_400() {
        let app = app!();
        let resp = actix_test::call_service(&app, post_json("{\"dealer\": ").to_request()).await;
        let (status, body) = problem_of(resp).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["type"], "https://aftersales.dev/problems/bad-request");
        assert_eq!(body["title"], "Bad Request");

        let resp = actix_test::call_service(&app, post_json("not json").to_request()).await;
        assert_eq!(problem_of(resp).await.0, StatusCode::BAD_REQUEST);
    }

    #[actix_web::test]
    async fn wrong_content_type_is_400() {
        let app = app!();
        let req = actix_test::TestRequest::post()
            .uri("/orders")
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload("{}")
            .to_request();
        let (status, _) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[actix_web::test]
    async fn missing_field_is_422_naming_it() {
        let app = app!();
        let resp = actix_test::call_service(&app, post_json(r#"{"lines": []}"#).to_request()).await;
        let (status, body) = problem_of(resp).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "dealer");
    }

    #[actix_web::test]
    async fn wrong_type_is_422() {
        let app = app!();
        let resp = actix_test::call_service(
            &app,
            post_json(r#"{"dealer": 5, "lines": []}"#).to_request(),
        )
        .await;
        let (status, body) = problem_of(resp).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.get("errors").is_none());
    }

    #[actix_web::test]
    async fn validation_lists_nested_fields() {
        let app = app!();
        let resp = actix_test::call_service(
            &app,
            post_json(r#"{"dealer": "", "lines": [{"qty": 1}, {"qty": 0}]}"#).to_request(),
        )
        .await;
        let (status, body) = problem_of(resp).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["type"], "https://aftersales.dev/problems/validation");
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0]["field"], "dealer");
        assert!(errors[0]["message"].as_str().unwrap().contains("length"));
        assert_eq!(errors[1]["field"], "lines[1].qty");
        assert_eq!(errors[1]["message"], "must be at least 1");
    }

    #[actix_web::test]
    async fn valid_body_passes() {
        let app = app!();
        let resp = actix_test::call_service(
            &app,
            post_json(r#"{"dealer": "D1", "lines": [{"qty": 2}]}"#).to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }

    #[actix_web::test]
    async fn unknown_route_is_404_problem() {
        let app = app!();
        let req = actix_test::TestRequest::get().uri("/nope").to_request();
        let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["type"], "https://aftersales.dev/problems/not-found");
    }

    #[actix_web::test]
    async fn wrong_method_is_405_problem() {
        let app = app!();
        let req = actix_test::TestRequest::delete()
            .uri("/only-get")
            .to_request();
        let (status, _) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    }

    #[actix_web::test]
    async fn bad_path_is_404_and_bad_query_is_400() {
        let app = app!();
        let req = actix_test::TestRequest::get()
            .uri("/orders/not-a-uuid")
            .to_request();
        assert_eq!(
            problem_of(actix_test::call_service(&app, req).await)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let req = actix_test::TestRequest::get()
            .uri("/q?limit=abc")
            .to_request();
        assert_eq!(
            problem_of(actix_test::call_service(&app, req).await)
                .await
                .0,
            StatusCode::BAD_REQUEST
        );
    }

    #[actix_web::test]
    async fn internal_hides_cause_and_unauthorized_has_challenge() {
        let resp = ApiError::internal("db password is hunter2").error_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(resp.into_body()).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("hunter2"));

        let resp = ApiError::unauthorized("no token").error_response();
        assert_eq!(
            resp.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer"
        );
    }

    #[actix_web::test]
    async fn fallback_turns_bare_errors_into_problems_and_leaves_json_alone() {
        let app = actix_test::init_service(
            App::new()
                .wrap(problem_fallback())
                .service(web::resource("/r").route(web::get().to(|| async { "ok" })))
                .route(
                    "/text-error",
                    web::get().to(|| async { HttpResponse::PayloadTooLarge().body("too big") }),
                )
                .route(
                    "/json-503",
                    web::get().to(|| async {
                        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "x"}))
                    }),
                )
                .route(
                    "/api-error",
                    web::get().to(|| async { Err::<HttpResponse, _>(ApiError::conflict("c")) }),
                ),
        )
        .await;

        let req = actix_test::TestRequest::post().uri("/r").to_request();
        let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            body["type"],
            "https://aftersales.dev/problems/method-not-allowed"
        );

        let req = actix_test::TestRequest::get()
            .uri("/text-error")
            .to_request();
        let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            body["type"],
            "https://aftersales.dev/problems/payload-too-large"
        );

        let req = actix_test::TestRequest::get().uri("/nowhere").to_request();
        let (status, _) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let req = actix_test::TestRequest::get()
            .uri("/api-error")
            .to_request();
        let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["detail"], "c");

        let req = actix_test::TestRequest::get().uri("/json-503").to_request();
        let resp = actix_test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = actix_test::read_body_json(resp).await;
        assert_eq!(body, serde_json::json!({"status": "x"}));
    }

    #[test]
    fn diesel_not_found_maps_to_404_outages_to_503_others_to_500() {
        let e: ApiError = diesel::result::Error::NotFound.into();
        assert_eq!(e.status_code(), StatusCode::NOT_FOUND);
        let restarting = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("terminating connection due to administrator command".to_owned()),
        );
        let e: ApiError = restarting.into();
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let e: ApiError = diesel::result::Error::RollbackTransaction.into();
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn cause_chain_walks_sources() {
        let e = ApiError::internal(std::io::Error::other("disk"));
        assert_eq!(cause_chain(&e), "internal error: disk");
    }
}
