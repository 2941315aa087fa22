//! The extractor a state-changing handler takes to run its use case once per
//! Idempotency-Key, and the header's OpenAPI parameter.

use std::future::{Ready, ready};

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::Serialize;
use utoipa::IntoParams;

use super::{Answer, IdempotencyKey, Work, once};
use crate::{ApiError, DbPool, Principal};

/// The request's optional Idempotency-Key (400 when malformed) with the app's pool:
///
/// ```ignore
/// async fn cancel(who: Principal, keyed: Keyed, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
///     let answer = keyed.once(&who, &("cancel", *id), StatusCode::OK, async |c| { … }).await?;
///     Ok(answer.into_response())
/// }
/// ```
pub struct Keyed {
    pool: web::Data<DbPool>,
    key: Option<IdempotencyKey>,
}

impl Keyed {
    pub fn key(&self) -> Option<&IdempotencyKey> {
        self.key.as_ref()
    }

    /// Runs `work` in a transaction of a pooled connection, once per `who`'s key
    /// ([`once`]); `status` is the status of a first answer.
    pub async fn once<T, W>(
        &self,
        who: &Principal,
        request: &(impl Serialize + ?Sized),
        status: StatusCode,
        work: W,
    ) -> Result<Answer, ApiError>
    where
        T: Serialize + Send,
        W: for<'c> Work<'c, T> + Send,
    {
        let mut conn = crate::db::conn(&self.pool).await?;
        once(
            &mut conn,
            &who.sub,
            self.key.as_ref(),
            request,
            status,
            work,
        )
        .await
    }
}

impl FromRequest for Keyed {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let key = IdempotencyKey::from_headers(req.headers())?;
            let pool = req
                .app_data::<web::Data<DbPool>>()
                .cloned()
                .ok_or_else(|| ApiError::internal("the app has no database pool"))?;
            Ok(Keyed { pool, key })
        })())
    }
}

/// The optional `Idempotency-Key` header, for `#[utoipa::path(params(KeyHeader, …))]`.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct KeyHeader {
    /// Makes the request safe to repeat: a repeat with the same key answers the
    /// first result (marked `Idempotent-Replayed: true`) and changes nothing; the
    /// same key with another request is 422.
    #[param(rename = "Idempotency-Key", max_length = 255)]
    #[allow(dead_code, reason = "read only by the OpenAPI derive")]
    idempotency_key: Option<String>,
}
