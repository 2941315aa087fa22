//! `ApiError`, the one mapping from failures to `application/problem+json` (RFC 9457).
//!
//! - this file: the error, the problem document, and the mapping of database errors;
//! - [`validation`]: `validator`'s errors → 422 with a message per field, for people;
//! - [`extractors`]: actix's own JSON/query/path rejections → 400/404/422;
//! - [`fallback`]: unknown routes, wrong methods and bare error responses → problems.

use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod extractors;
mod fallback;
#[cfg(test)]
mod tests;
mod validation;

pub(crate) use extractors::{body_error, json_error};
pub use extractors::{path_config, query_config};
pub use fallback::{default_service, method_not_allowed, problem_fallback};

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
    /// 400: one query parameter (or header) is malformed; `errors` names it.
    #[error("bad request: {}: {}", .0.field, .0.message)]
    BadParameter(FieldError),
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
    /// 408: the body did not arrive in time.
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    /// 413: the body is larger than the endpoint accepts.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
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

    /// 400 naming the malformed parameter, e.g. `?limit=abc` → `limit`.
    pub fn bad_parameter(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadParameter(FieldError::new(field, message))
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
            Self::BadRequest(_) | Self::BadParameter(_) => "bad-request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::RequestTimeout(_) => "request-timeout",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::Unprocessable { .. } => "validation",
            Self::Internal(_) => "internal",
            Self::ServiceUnavailable(_) => "service-unavailable",
        }
    }

    /// The problem document this error is sent as.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            // A 404 names what was asked for, often straight from the path: never
            // send a long input back whole.
            Self::NotFound(d) => (shortened(d, MAX_NOT_FOUND_DETAIL), None),
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::Conflict(d)
            | Self::PreconditionFailed(d)
            | Self::RequestTimeout(d)
            | Self::PayloadTooLarge(d)
            | Self::ServiceUnavailable(d) => (d.clone(), None),
            Self::Unprocessable { detail, errors } => {
                (detail.clone(), (!errors.is_empty()).then(|| errors.clone()))
            }
            Self::BadParameter(e) => (format!("{}: {}", e.field, e.message), Some(vec![e.clone()])),
            Self::Internal(_) => (
                "an unexpected error occurred; it has been logged".into(),
                None,
            ),
        };
        Problem::new(self.slug(), status, detail, errors)
    }
}

/// The longest 404 detail sent, in characters.
const MAX_NOT_FOUND_DETAIL: usize = 200;

/// `text` cut to `max` characters, marked with `…` when cut.
pub(crate) fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
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
            Self::BadRequest(_) | Self::BadParameter(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
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
        match self {
            Self::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            // Busy or briefly unreachable: tell clients when to come back rather than
            // let them retry at once into the same queue.
            Self::ServiceUnavailable(_) => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_SECONDS),
                );
            }
            _ => {}
        }
        response
    }
}

/// The `Retry-After` of every 503, in seconds.
pub const RETRY_AFTER_SECONDS: &str = "2";

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
