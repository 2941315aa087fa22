//! [`claim`](super::claim), [`complete`](super::complete) and a rollback of one key, for
//! many requests in one transaction: a writer that commits several requests together
//! (orders' group commit) makes one round trip per step, not one per request.
//!
//! The rules are those of the single forms: a first use claims the key, a repeat of the
//! same request replays the stored answer, another request under the key is 422, and a
//! key claimed in a transaction that rolls back was never claimed. What the single form
//! gets from its rollback, a batch whose request fails gets from [`release_many`].

use diesel::sql_types::{Array, Bytea, Jsonb, SmallInt, Text};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::{Claim, IdempotencyKey, Stored, resolve};
use crate::ApiError;

/// One keyed request of a batch.
#[derive(Debug, Clone, Copy)]
pub struct KeyedRequest<'a> {
    pub principal: &'a str,
    pub key: &'a IdempotencyKey,
    /// [`request_hash`](super::request_hash) of what it asks.
    pub hash: &'a [u8],
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    principal: String,
    #[diesel(sql_type = Text)]
    key: String,
}

#[derive(QueryableByName)]
struct StoredRow {
    #[diesel(sql_type = Text)]
    principal: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Bytea)]
    request_hash: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Nullable<SmallInt>)]
    response_status: Option<i16>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Jsonb>)]
    response_body: Option<Value>,
}

/// Claims every key of `requests` in the caller's transaction: the outcome of each, in
/// the order given, is what [`claim`](super::claim) would answer. No (principal, key)
/// may appear twice: the second would find the first's unanswered claim (409), so a
/// caller holds a twin back until the first has committed.
///
/// The keys are inserted in one order (principal, then key), so two writers claiming
/// overlapping batches wait for each other instead of deadlocking.
pub async fn claim_many(
    conn: &mut AsyncPgConnection,
    requests: &[KeyedRequest<'_>],
) -> QueryResult<Vec<Result<Claim, ApiError>>> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let mut sorted: Vec<&KeyedRequest<'_>> = requests.iter().collect();
    sorted.sort_by_key(|r| (r.principal, r.key.as_str()));
    let principals: Vec<&str> = sorted.iter().map(|r| r.principal).collect();
    let keys: Vec<&str> = sorted.iter().map(|r| r.key.as_str()).collect();
    let hashes: Vec<&[u8]> = sorted.iter().map(|r| r.hash).collect();
    let inserted: Vec<KeyRow> = crate::db::prepared(
        "INSERT INTO idempotency_keys (principal, key, request_hash) \
         SELECT p, k, h FROM unnest($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY AS u(p, k, h, n) \
         ORDER BY n \
         ON CONFLICT DO NOTHING RETURNING principal, key",
    )
    .bind::<Array<Text>, _>(&principals)
    .bind::<Array<Text>, _>(&keys)
    .bind::<Array<Bytea>, _>(&hashes)
    .load(conn)
    .await?;
    let is_new = |r: &KeyedRequest<'_>| {
        inserted
            .iter()
            .any(|row| row.principal == r.principal && row.key == r.key.as_str())
    };

    // The keys used before: one read for all of them.
    let (used_principals, used_keys): (Vec<&str>, Vec<&str>) = requests
        .iter()
        .filter(|r| !is_new(r))
        .map(|r| (r.principal, r.key.as_str()))
        .unzip();
    let stored: Vec<StoredRow> = if used_keys.is_empty() {
        Vec::new()
    } else {
        crate::db::prepared(
            "SELECT principal, key, request_hash, response_status, response_body \
             FROM idempotency_keys \
             WHERE (principal, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
        )
        .bind::<Array<Text>, _>(&used_principals)
        .bind::<Array<Text>, _>(&used_keys)
        .load(conn)
        .await?
    };

    Ok(requests
        .iter()
        .map(|r| {
            if is_new(r) {
                return Ok(Claim::New);
            }
            let row = stored
                .iter()
                .find(|row| row.principal == r.principal && row.key == r.key.as_str())
                .map(|row| -> Stored {
                    (
                        row.request_hash.clone(),
                        row.response_status,
                        row.response_body.clone(),
                    )
                });
            resolve(row, r.hash)
        })
        .collect())
}

/// The answer of one request claimed with [`claim_many`].
#[derive(Debug, Clone, Copy)]
pub struct Completed<'a> {
    pub principal: &'a str,
    pub key: &'a IdempotencyKey,
    pub status: u16,
    pub body: &'a Value,
}

/// Stores the answers of keys claimed in this transaction, in one statement: what
/// [`complete`](super::complete) does for each.
pub async fn complete_many(
    conn: &mut AsyncPgConnection,
    answers: &[Completed<'_>],
) -> Result<(), ApiError> {
    if answers.is_empty() {
        return Ok(());
    }
    let statuses = answers
        .iter()
        .map(|a| {
            i16::try_from(a.status)
                .map_err(|_| ApiError::internal(format!("HTTP status {} out of range", a.status)))
        })
        .collect::<Result<Vec<i16>, _>>()?;
    let principals: Vec<&str> = answers.iter().map(|a| a.principal).collect();
    let keys: Vec<&str> = answers.iter().map(|a| a.key.as_str()).collect();
    let bodies: Vec<&Value> = answers.iter().map(|a| a.body).collect();
    let updated = crate::db::prepared(
        "UPDATE idempotency_keys AS k SET response_status = a.status, response_body = a.body \
         FROM unnest($1::text[], $2::text[], $3::int2[], $4::jsonb[]) AS a(principal, key, status, body) \
         WHERE k.principal = a.principal AND k.key = a.key",
    )
    .bind::<Array<Text>, _>(&principals)
    .bind::<Array<Text>, _>(&keys)
    .bind::<Array<SmallInt>, _>(&statuses)
    .bind::<Array<Jsonb>, _>(&bodies)
    .execute(conn)
    .await?;
    if updated == answers.len() {
        Ok(())
    } else {
        Err(ApiError::internal(
            "idempotency::complete_many called for keys that were not claimed",
        ))
    }
}

/// Forgets keys claimed in this transaction whose request failed, as a rollback of
/// the single form would: the client may send the request again with the same key.
pub async fn release_many(
    conn: &mut AsyncPgConnection,
    requests: &[(&str, &IdempotencyKey)],
) -> QueryResult<()> {
    if requests.is_empty() {
        return Ok(());
    }
    let (principals, keys): (Vec<&str>, Vec<&str>) =
        requests.iter().map(|(p, k)| (*p, k.as_str())).unzip();
    crate::db::prepared(
        "DELETE FROM idempotency_keys \
         WHERE (principal, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
    )
    .bind::<Array<Text>, _>(&principals)
    .bind::<Array<Text>, _>(&keys)
    .execute(conn)
    .await?;
    Ok(())
}
