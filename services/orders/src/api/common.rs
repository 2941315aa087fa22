//! Small helpers shared by the handlers.

use std::borrow::Cow;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use aftersales_web::ApiError;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::ValidationError;

use crate::domain::InvalidValue;
pub use aftersales_web::request::{etag, if_match, period_bound, wants_csv};

/// The validator error for a domain parse failure, with its message.
pub fn validation(e: InvalidValue) -> ValidationError {
    ValidationError::new("invalid").with_message(Cow::Owned(e.into_message()))
}

/// A JSON body a request may leave out: `None` when it sends no body at all (no
/// `Content-Length` above 0 and no chunked transfer) or JSON `null` (what its OpenAPI
/// schema, an `Option`, allows), else read exactly as [`aftersales_web::Json`] reads
/// one, with the same errors. An optional body that fails to parse is an error, never
/// silently none (actix's `Option<Json<T>>` would drop it).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !has_body(req) {
            return Box::pin(std::future::ready(Ok(OptionalJson(None))));
        }
        let body = aftersales_web::Json::<Option<T>>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalJson(body.await?.into_inner())) })
    }
}

fn has_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match length {
        Some(n) => n > 0,
        None => headers.contains_key(header::TRANSFER_ENCODING),
    }
}
