//! Unknown routes (404), wrong methods (405) and error responses from outside the
//! handlers (actix's bare 404/405/413, other middleware) as problem documents.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, web};

use super::{ApiError, Problem};

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
