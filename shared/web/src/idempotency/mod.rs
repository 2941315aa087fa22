//! Idempotency keys for creating and state-changing requests, stored in the
//! service's own schema.
//!
//! A handler takes a [`Keyed`] and runs its work through [`Keyed::once`] (a pooled
//! connection and [`once`], which owns the transaction):
//!
//! ```ignore
//! let answer = idempotency::once(&mut conn, &who.sub, key.as_ref(), &request,
//!     StatusCode::CREATED, async |c| {
//!         /* do the work in `c`, return what the client gets */
//!     }).await?;
//! Ok(answer.located("/api/v1/orders", "id"))
//! ```
//!
//! The key row, the state change and the stored response commit together, or not at
//! all. A repeat with the same key and request answers the stored response (marked
//! `Idempotent-Replayed: true`) and does nothing; the same key with another request is
//! 422. A twin request sent while the first is in flight blocks on the primary key
//! until the first commits, then replays it (or claims anew if the first rolled back).
//! This relies on READ COMMITTED, PostgreSQL's default isolation level. [`claim`] and
//! [`complete`] are the two halves, for the rare caller that must hold the
//! transaction itself.

use std::future::{Ready, ready};

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::ApiError;

pub use crate::MIGRATIONS;

mod batch;
mod keyed;
pub use batch::{Completed, KeyedRequest, claim_many, complete_many, release_many};
pub use keyed::{KeyHeader, Keyed};

/// The request header carrying the key.
pub const HEADER: &str = "Idempotency-Key";
/// The response header that marks a replayed answer.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
const MAX_KEY_LEN: usize = 255;

mod schema {
    diesel::table! {
        idempotency_keys (principal, key) {
            principal -> Text,
            key -> Text,
            request_hash -> Bytea,
            response_status -> Nullable<SmallInt>,
            response_body -> Nullable<Jsonb>,
            created_at -> Timestamptz,
        }
    }
}

use schema::idempotency_keys as keys;

/// A client-chosen key: 1 to 255 visible ASCII characters.
///
/// As a handler argument it requires the header (400 when missing or malformed).
/// For an optional key use [`MaybeIdempotencyKey`]: actix's `Option<T>` extractor
/// turns *any* extraction error into `None`, so `Option<IdempotencyKey>` would
/// silently ignore a malformed key instead of answering 400.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        if value.is_empty() || value.len() > MAX_KEY_LEN {
            return Err(ApiError::bad_request(format!(
                "{HEADER} must be 1 to {MAX_KEY_LEN} characters"
            )));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request(format!(
                "{HEADER} must be visible ASCII characters only"
            )));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key from the request's headers: `Ok(None)` when absent, 400 when malformed.
    pub fn from_headers(
        headers: &actix_web::http::header::HeaderMap,
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get(HEADER) else {
            return Ok(None);
        };
        let value = value.to_str().map_err(|_| {
            ApiError::bad_request(format!("{HEADER} must be visible ASCII characters only"))
        })?;
        Self::parse(value).map(Some)
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(IdempotencyKey::from_headers(req.headers()).and_then(|key| {
            key.ok_or_else(|| ApiError::bad_request(format!("{HEADER} header is required")))
        }))
    }
}

/// An optional [`IdempotencyKey`]: `None` without the header, 400 when malformed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MaybeIdempotencyKey(pub Option<IdempotencyKey>);

impl MaybeIdempotencyKey {
    pub fn into_inner(self) -> Option<IdempotencyKey> {
        self.0
    }

    pub fn as_ref(&self) -> Option<&IdempotencyKey> {
        self.0.as_ref()
    }
}

impl FromRequest for MaybeIdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(IdempotencyKey::from_headers(req.headers()).map(MaybeIdempotencyKey))
    }
}

/// SHA-256 of the canonical JSON of `body` (object keys sorted, no whitespace), so
/// the same request hashes the same whatever the field order. Hash what identifies
/// the request: e.g. `&(path, &body)` when one key space spans several endpoints.
pub fn request_hash(body: &(impl Serialize + ?Sized)) -> Vec<u8> {
    let mut canonical = String::new();
    match serde_json::to_value(body) {
        Ok(value) => write_canonical(&value, &mut canonical),
        // Only a broken Serialize impl gets here; hash its error so the call is total.
        Err(e) => canonical = format!("!{e}"),
    }
    Sha256::digest(canonical.as_bytes()).to_vec()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The outcome of [`claim`].
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use of the key: do the work, then [`complete`].
    New,
    /// The key was used before with the same request: answer this, do nothing.
    Replay { status: u16, body: Value },
}

/// Claims `key` for `principal` inside the caller's transaction.
///
/// `INSERT … ON CONFLICT DO NOTHING`; when the row already exists: a different
/// `hash` → 422, the same → [`Claim::Replay`] of the stored response. A row without
/// a response (committed without [`complete`], or claimed twice in one
/// transaction) → 409.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    principal: &str,
    key: &IdempotencyKey,
    hash: &[u8],
) -> Result<Claim, ApiError> {
    let inserted = diesel::insert_into(keys::table)
        .values((
            keys::principal.eq(principal),
            keys::key.eq(key.as_str()),
            keys::request_hash.eq(hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::New);
    }

    let stored: Option<Stored> = keys::table
        .find((principal, key.as_str()))
        .select((
            keys::request_hash,
            keys::response_status,
            keys::response_body,
        ))
        .first(conn)
        .await
        .optional()?;
    resolve(stored, hash)
}

/// A key's row as [`claim`] finds it: the request's hash, the stored answer if any.
type Stored = (Vec<u8>, Option<i16>, Option<Value>);

/// What a key already in the table means for a request with `hash`.
fn resolve(stored: Option<Stored>, hash: &[u8]) -> Result<Claim, ApiError> {
    let Some((stored_hash, status, body)) = stored else {
        // Purged between the insert and the select: rare; the client may retry.
        return Err(ApiError::conflict(format!(
            "{HEADER} is being recycled; retry the request"
        )));
    };
    if stored_hash != hash {
        return Err(ApiError::unprocessable(format!(
            "{HEADER} reused with a different request"
        )));
    }
    match (status.and_then(|s| u16::try_from(s).ok()), body) {
        (Some(status), body) => Ok(Claim::Replay {
            status,
            body: body.unwrap_or(Value::Null),
        }),
        (None, _) => Err(ApiError::conflict(format!(
            "a request with this {HEADER} has not completed"
        ))),
    }
}

/// Stores the response for a key claimed with [`claim`] in this transaction.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    principal: &str,
    key: &IdempotencyKey,
    status: u16,
    body: &Value,
) -> Result<(), ApiError> {
    let status = i16::try_from(status)
        .map_err(|_| ApiError::internal(format!("HTTP status {status} out of range")))?;
    let updated = diesel::update(keys::table.find((principal, key.as_str())))
        .set((
            keys::response_status.eq(status),
            keys::response_body.eq(body),
        ))
        .execute(conn)
        .await?;
    if updated == 1 {
        Ok(())
    } else {
        Err(ApiError::internal(
            "idempotency::complete called for a key that was not claimed",
        ))
    }
}

/// The work of an idempotent request: an async closure over the transaction's
/// connection whose future is `Send` (actix handlers run on a multi-threaded runtime).
/// Any `async |c| { … }` closure of the right type is one; callers never name it.
pub trait Work<'c, T>:
    AsyncFnOnce(&'c mut AsyncPgConnection) -> Result<T, ApiError>
    + FnOnce(&'c mut AsyncPgConnection) -> <Self as Work<'c, T>>::Fut
{
    type Fut: Future<Output = Result<T, ApiError>> + Send;
}

impl<'c, T, F, Fut> Work<'c, T> for F
where
    F: AsyncFnOnce(&'c mut AsyncPgConnection) -> Result<T, ApiError>
        + FnOnce(&'c mut AsyncPgConnection) -> Fut,
    Fut: Future<Output = Result<T, ApiError>> + Send,
{
    type Fut = Fut;
}

/// What an idempotent request answers: the first result, or its replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    /// True when this is the stored answer of an earlier request with the same key.
    pub replayed: bool,
}

impl Answer {
    /// The answer as JSON, with `Idempotent-Replayed: true` on a replay.
    pub fn into_response(self) -> HttpResponse {
        self.respond(None)
    }

    /// Like [`Answer::into_response`], plus `Location: {base}/{id}` when the body has a
    /// string field `id_field` (the created resource).
    pub fn located(self, base: &str, id_field: &str) -> HttpResponse {
        let location = self
            .body
            .get(id_field)
            .and_then(Value::as_str)
            .map(|id| format!("{base}/{id}"));
        self.respond(location)
    }

    fn respond(self, location: Option<String>) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        if let Some(location) = location {
            resp.insert_header((header::LOCATION, location));
        }
        if self.replayed {
            resp.insert_header((REPLAYED_HEADER, "true"));
        }
        resp.json(self.body)
    }
}

/// Runs `work` once per (`principal`, `key`) in one transaction of its own; without a
/// key, simply runs it in a transaction. `request` is what identifies the request
/// (hashed with [`request_hash`]: include the route when one key space spans several
/// endpoints); `status` is the status of a first answer.
pub async fn once<T, F>(
    conn: &mut AsyncPgConnection,
    principal: &str,
    key: Option<&IdempotencyKey>,
    request: &(impl Serialize + ?Sized),
    status: StatusCode,
    work: F,
) -> Result<Answer, ApiError>
where
    T: Serialize + Send,
    F: for<'c> Work<'c, T> + Send,
{
    let hash = request_hash(request);
    conn.transaction(async |c| {
        if let Some(key) = key
            && let Claim::Replay { status, body } = claim(c, principal, key, &hash).await?
        {
            let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
            return Ok(Answer {
                status,
                body,
                replayed: true,
            });
        }
        let result = work(c).await?;
        let body = serde_json::to_value(&result).map_err(ApiError::internal)?;
        if let Some(key) = key {
            complete(c, principal, key, status.as_u16(), &body).await?;
        }
        Ok(Answer {
            status,
            body,
            replayed: false,
        })
    })
    .await
}

/// Deletes keys created before `cutoff`; returns how many. For a periodic job.
pub async fn purge_before(
    conn: &mut AsyncPgConnection,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> Result<usize, diesel::result::Error> {
    diesel::delete(keys::table.filter(keys::created_at.lt(cutoff)))
        .execute(conn)
        .await
}

/// Deletes up to `batch` keys created before `cutoff`, oldest first; returns how many.
/// For the retention job (`crate::retention`): rows another transaction holds are
/// skipped (`SKIP LOCKED`) and left for the next run; a key whose first request is still
/// in flight is not even visible (its row is not committed yet).
pub async fn purge_batch(
    conn: &mut AsyncPgConnection,
    cutoff: chrono::DateTime<chrono::Utc>,
    batch: i64,
) -> Result<usize, diesel::result::Error> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE (principal, key) IN (\
           SELECT principal, key FROM idempotency_keys WHERE created_at < $1 \
           ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, ResponseError, web};
    use serde_json::json;

    #[test]
    fn key_syntax() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("550e8400-e29b-41d4-a716-446655440000").is_ok());
        for bad in ["", " ", "has space", "tab\t", "é", &"k".repeat(256)] {
            let err = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(err.status_code(), StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }

    #[test]
    fn hash_ignores_key_order_but_not_values() {
        let a = request_hash(&json!({"a": 1, "b": {"x": [1, 2], "y": "z"}}));
        let b = request_hash(&json!({"b": {"y": "z", "x": [1, 2]}, "a": 1}));
        let c = request_hash(&json!({"a": 1, "b": {"x": [2, 1], "y": "z"}}));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 32);
        assert_ne!(request_hash(&json!("1")), request_hash(&json!(1)));
    }

    async fn optional(key: MaybeIdempotencyKey) -> HttpResponse {
        HttpResponse::Ok().body(key.0.map_or("none".to_owned(), |k| k.as_str().to_owned()))
    }

    async fn required(key: IdempotencyKey) -> HttpResponse {
        HttpResponse::Ok().body(key.as_str().to_owned())
    }

    #[actix_web::test]
    async fn extractors() {
        let app = actix_test::init_service(
            App::new()
                .route("/opt", web::post().to(optional))
                .route("/req", web::post().to(required)),
        )
        .await;
        let call = |uri: &'static str, key: Option<&'static str>| {
            let mut req = actix_test::TestRequest::post().uri(uri);
            if let Some(k) = key {
                req = req.insert_header((HEADER, k));
            }
            req.to_request()
        };

        let resp = actix_test::call_service(&app, call("/opt", None)).await;
        assert_eq!(actix_test::read_body(resp).await, "none");
        let resp = actix_test::call_service(&app, call("/opt", Some("k-1"))).await;
        assert_eq!(actix_test::read_body(resp).await, "k-1");
        let resp = actix_test::call_service(&app, call("/opt", Some("a b"))).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

        let resp = actix_test::call_service(&app, call("/req", None)).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let resp = actix_test::call_service(&app, call("/req", Some("k-2"))).await;
        assert_eq!(actix_test::read_body(resp).await, "k-2");
    }
}
