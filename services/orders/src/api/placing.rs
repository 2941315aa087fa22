//! Group commit of `POST /orders`: the orders sent while a transaction is being written
//! wait for it, then go together in the next one.
//!
//! A dealer's order is the busiest request, and its cost was round trips: one order
//! alone is about ten statements and a commit. Here a few writer tasks take whatever
//! requests are waiting (at least one, at most [`MAX_BATCH`]) and write them in one
//! transaction with a fixed number of statements ([`place_many`](crate::app::orders::place_many)
//! and the idempotency keys' batch forms). Nothing waits for a batch to fill: a request
//! that finds a writer idle is written at once, alone, so a quiet service answers as
//! fast as before and a busy one shares its commits.
//!
//! Each request keeps the guarantees of a single one: it is answered only after its
//! transaction committed; an order the rules refuse (422) writes nothing and does not
//! hold back the others; an `Idempotency-Key` is claimed, answered or released in the
//! same transaction as the order, and so is the order's audit record (`order.placed`,
//! all of a batch's in one statement, each naming its own sender): a replay or a
//! refused order writes none. Two requests with the same key are never in one
//! batch: the second waits for the next, where it replays the first. A batch the
//! database refuses as a whole (a lost connection, a deadlock) is written again one
//! request per transaction, so a fault costs only the request it belongs to.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::web;
use aftersales_web::audit::Origin;
use aftersales_web::idempotency::{self, Answer, Claim, Completed, IdempotencyKey, KeyedRequest};
use aftersales_web::{ApiError, DbPool};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument;

use super::order_views::OrderView;
use crate::app::orders::{self as use_case, PlaceOrder};

/// The most requests one transaction writes: enough to share a commit among all the
/// dealers a busy service serves at once, few enough that one statement stays small.
pub const MAX_BATCH: usize = 64;
/// Writer tasks: while one waits for its commit, another gathers the next batch.
const WRITERS: usize = 2;

/// One `POST /orders`, parsed and authorised.
#[derive(Debug)]
pub struct Request {
    /// Who sent it: the key space of `key`.
    pub principal: String,
    pub key: Option<IdempotencyKey>,
    /// [`idempotency::request_hash`] of what identifies the request.
    pub hash: Vec<u8>,
    pub order: PlaceOrder,
    /// Who places it, in which request: what its audit record names.
    pub origin: Origin,
}

struct Job {
    request: Request,
    answer: oneshot::Sender<Result<Answer, ApiError>>,
    /// The request's span: the writer runs the transaction in it (or in a batch span
    /// linked to it), so the events it enqueues continue the request's trace.
    span: tracing::Span,
}

/// The handle handlers send their orders to (as `web::Data<Placer>`).
pub struct Placer {
    jobs: mpsc::Sender<Job>,
}

impl Placer {
    /// Starts the writers on the current runtime; they stop when the last handle is
    /// dropped, after answering what was sent.
    pub fn start(pool: DbPool) -> Placer {
        let (jobs, queue) = mpsc::channel(MAX_BATCH * WRITERS * 4);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..WRITERS {
            tokio::spawn(writer(pool.clone(), queue.clone()));
        }
        Placer { jobs }
    }

    /// Places the order of `request` (or replays its key's first answer) once its
    /// transaction has committed.
    pub async fn place(&self, request: Request) -> Result<Answer, ApiError> {
        let stopping =
            || ApiError::ServiceUnavailable("orders is stopping; send the order again".into());
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job {
                request,
                answer,
                span: tracing::Span::current(),
            })
            .await
            .map_err(|_| stopping())?;
        answered.await.map_err(|_| stopping())?
    }
}

/// What [`Placer::start`] registers on every worker's app (`ServiceSpec::with_state`).
pub fn state(pool: &DbPool) -> aftersales_web::service::AppState {
    let placer = web::Data::new(Placer::start(pool.clone()));
    Arc::new(move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(placer.clone());
    })
}

async fn writer(pool: DbPool, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut held_back: Vec<Job> = Vec::new();
    loop {
        let mut batch = std::mem::take(&mut held_back);
        if batch.is_empty() {
            let mut queue = queue.lock().await;
            match queue.recv().await {
                Some(job) => batch.push(job),
                None => return,
            }
            gather(&mut queue, &mut batch);
        } else if let Ok(mut queue) = queue.try_lock() {
            // Never wait for the queue with jobs in hand: the writer holding it may be
            // waiting for a request that nobody will send.
            gather(&mut queue, &mut batch);
        }
        let (batch, twins) = without_twins(batch);
        held_back = twins;
        write(&pool, batch).await;
    }
}

/// Adds what is waiting to `batch`, up to [`MAX_BATCH`].
fn gather(queue: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) {
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// Splits off every job whose key an earlier job of the batch already uses.
fn without_twins(batch: Vec<Job>) -> (Vec<Job>, Vec<Job>) {
    let mut seen = std::collections::HashSet::new();
    batch.into_iter().partition(|job| match &job.request.key {
        Some(key) => seen.insert((job.request.principal.clone(), key.clone())),
        None => true,
    })
}

/// Writes `batch` in one transaction and answers each job; if the database refuses the
/// transaction, writes each job alone.
async fn write(pool: &DbPool, batch: Vec<Job>) {
    let spans: Vec<tracing::Span> = batch.iter().map(|j| j.span.clone()).collect();
    let (requests, answers): (Vec<Request>, Vec<_>) =
        batch.into_iter().map(|j| (j.request, j.answer)).unzip();
    tracing::debug!(orders = requests.len(), "writing orders in one transaction");
    let traced = aftersales_messaging::trace_context::batch_span(&spans);
    let outcomes = match in_one_transaction(pool, &requests).instrument(traced).await {
        Ok(outcomes) => outcomes,
        Err(err) if requests.len() == 1 => vec![Err(err)],
        Err(err) => {
            tracing::warn!(error = %err, orders = requests.len(), "a batch of orders failed; writing them one by one");
            let mut outcomes = Vec::with_capacity(requests.len());
            for (request, span) in requests.iter().zip(&spans) {
                let outcome = in_one_transaction(pool, std::slice::from_ref(request))
                    .instrument(aftersales_messaging::trace_context::batch_span(
                        std::slice::from_ref(span),
                    ))
                    .await
                    .and_then(|mut one| {
                        one.pop()
                            .ok_or_else(|| ApiError::internal("one order answered nothing"))
                    });
                outcomes.push(outcome.and_then(|o| o));
            }
            outcomes
        }
    };
    for (answer, outcome) in answers.into_iter().zip(outcomes) {
        // The client may have hung up; its order stands all the same.
        let _ = answer.send(outcome);
    }
}

async fn in_one_transaction(
    pool: &DbPool,
    requests: &[Request],
) -> Result<Vec<Result<Answer, ApiError>>, ApiError> {
    let mut conn = aftersales_web::db::conn(pool).await?;
    conn.transaction(async |c| place_batch(c, requests).await)
        .await
}

/// The batch's work inside its transaction: claim the keys, place the orders that are
/// not replays, store or release the keys. Answers each request's outcome in order.
async fn place_batch(
    c: &mut AsyncPgConnection,
    requests: &[Request],
) -> Result<Vec<Result<Answer, ApiError>>, ApiError> {
    let mut outcomes: Vec<Option<Result<Answer, ApiError>>> =
        requests.iter().map(|_| None).collect();

    let keyed: Vec<(usize, KeyedRequest<'_>)> = requests
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let key = r.key.as_ref()?;
            Some((
                i,
                KeyedRequest {
                    principal: &r.principal,
                    key,
                    hash: &r.hash,
                },
            ))
        })
        .collect();
    let claims: Vec<KeyedRequest<'_>> = keyed.iter().map(|(_, k)| *k).collect();
    for ((i, _), claim) in keyed.iter().zip(idempotency::claim_many(c, &claims).await?) {
        match claim {
            Ok(Claim::New) => {}
            Ok(Claim::Replay { status, body }) => {
                let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
                outcomes[*i] = Some(Ok(Answer {
                    status,
                    body,
                    replayed: true,
                }));
            }
            Err(refused) => outcomes[*i] = Some(Err(refused)),
        }
    }

    let to_place: Vec<usize> = (0..requests.len())
        .filter(|i| outcomes[*i].is_none())
        .collect();
    let orders: Vec<(&PlaceOrder, &Origin)> = to_place
        .iter()
        .map(|i| (&requests[*i].order, &requests[*i].origin))
        .collect();
    let placed = use_case::place_many(c, &orders).await?;

    let mut released = Vec::new();
    for (i, result) in to_place.iter().zip(placed) {
        let request = &requests[*i];
        outcomes[*i] = Some(match result {
            Ok(detail) => {
                let body =
                    serde_json::to_value(OrderView::from(detail)).map_err(ApiError::internal)?;
                Ok(Answer {
                    status: StatusCode::CREATED,
                    body,
                    replayed: false,
                })
            }
            Err(refused) => {
                if let Some(key) = &request.key {
                    released.push((request.principal.as_str(), key));
                }
                Err(refused)
            }
        });
    }
    let completed: Vec<Completed<'_>> = to_place
        .iter()
        .filter_map(|i| {
            let request = &requests[*i];
            let key = request.key.as_ref()?;
            let Some(Ok(answer)) = &outcomes[*i] else {
                return None;
            };
            Some(Completed {
                principal: &request.principal,
                key,
                status: answer.status.as_u16(),
                body: &answer.body,
            })
        })
        .collect();
    idempotency::complete_many(c, &completed).await?;
    idempotency::release_many(c, &released).await?;

    Ok(outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| Err(ApiError::internal("an order of the batch has no answer")))
        })
        .collect())
}
