//! Actix's own rejections of a request's query string and path, and the JSON body
//! errors of [`crate::body::Json`], routed through [`ApiError`] so they are problem
//! documents like every other error.

use actix_web::web;

use super::{ApiError, FieldError, shortened};

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

/// A JSON body's error as a problem: wrong content type → 400; bad syntax → 400; JSON
/// that does not fit the type → 422 ([`body_error`]).
pub(crate) fn json_error(error: actix_web::error::JsonPayloadError) -> ApiError {
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
        E::Deserialize(e) => body_error(&e, ""),
        E::Payload(e) => ApiError::bad_request(format!("could not read request body: {e}")),
        // Serialize errors happen on our side (responses), not on client input.
        other => ApiError::internal(other.to_string()),
    }
}

/// At most this much of serde's message (which may quote the client's value) is sent
/// back.
const SHOWN: usize = 200;

/// serde_json's `error` at `path` in a JSON body ("" for the whole body): malformed
/// JSON → 400; JSON that does not fit the type → 422 naming the field by its path
/// (`lines[0].qty`), as [`crate::query`] names a query parameter, so the client learns
/// which of many fields to fix.
pub(crate) fn body_error(error: &serde_json::Error, path: &str) -> ApiError {
    match error.classify() {
        serde_json::error::Category::Data => {
            let message = shortened(&strip_position(&error.to_string()), SHOWN);
            // A missing or duplicate field is reported at the object that lacks or
            // repeats it (an unknown one at its own path): name the field itself.
            let field = match quoted_field(&message) {
                Some(name) if path.is_empty() => Some(name),
                Some(name) if !message.starts_with("unknown field") => {
                    Some(format!("{path}.{name}"))
                }
                _ => (!path.is_empty()).then(|| path.to_owned()),
            };
            match field {
                Some(field) => ApiError::Unprocessable {
                    detail: format!("request body does not fit: {field}: {message}"),
                    errors: vec![FieldError::new(field, message)],
                },
                None => ApiError::unprocessable(format!("request body does not fit: {message}")),
            }
        }
        serde_json::error::Category::Eof => {
            ApiError::bad_request(format!("request body is incomplete JSON: {error}"))
        }
        _ => ApiError::bad_request(format!("request body is not valid JSON: {error}")),
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
