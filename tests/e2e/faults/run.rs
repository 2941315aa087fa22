//! What the drivers and the fault schedule share: where the replicas of each service
//! answer, a token per role, the retrying client, what the services answered (for the checker) and
//! the driver's errors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use aftersales_e2e::chaos::{Call, RetryingClient};
use aftersales_e2e::invariants::Answered;
use reqwest::Method;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

pub const DEALERS: [&str; 4] = ["D001", "D002", "D003", "D004"];

pub struct Tokens {
    pub admin: String,
    pub warehouse: String,
    pub quality: String,
    pub quality_lead: String,
    pub finance: String,
    pub dealers: Vec<String>,
}

/// The base URLs of one service's replicas, taken in turn: each call starts at the
/// next replica (and its retries go on to the following ones).
pub struct Replicas {
    bases: Vec<String>,
    next: AtomicUsize,
}

impl Replicas {
    /// `path` on every replica, the one whose turn it is first.
    pub fn at(&self, path: &str) -> Vec<String> {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.bases.len();
        (0..n)
            .map(|i| format!("{}{path}", self.bases[(first + i) % n]))
            .collect()
    }
}

pub struct Run {
    pub http: RetryingClient,
    pub tokens: Tokens,
    pub catalog: Replicas,
    pub orders: Replicas,
    pub inspection: Replicas,
    pub recovery: Replicas,
    answered: Mutex<Answered>,
    /// Driver errors: a call that never got an acceptable answer.
    errors: Mutex<Vec<String>>,
    pub started: Instant,
}

impl Run {
    /// `bases`: the replicas' base URLs of catalog, orders, inspection and recovery.
    pub fn new(http: RetryingClient, tokens: Tokens, bases: [Vec<String>; 4]) -> Run {
        let [catalog, orders, inspection, recovery] = bases.map(|bases| Replicas {
            bases,
            next: AtomicUsize::new(0),
        });
        Run {
            http,
            tokens,
            catalog,
            orders,
            inspection,
            recovery,
            answered: Mutex::default(),
            errors: Mutex::default(),
            started: Instant::now(),
        }
    }

    pub fn log(&self, what: &str) {
        eprintln!(
            "[faults +{:>6.1}s] {what}",
            self.started.elapsed().as_secs_f64()
        );
    }

    pub fn error(&self, e: String) {
        self.log(&format!("driver error: {e}"));
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e);
    }

    pub fn errors(&self) -> Vec<String> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the services answered so far (a driver task panicking elsewhere must not
    /// hide it).
    pub fn answered(&self) -> MutexGuard<'_, Answered> {
        self.answered.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The final status and body, or `None` (recorded as an error) when the call
    /// never got an answer that is not an outage.
    pub async fn send(&self, call: &Call<'_>) -> Option<(u16, Value)> {
        match self.http.send(call).await {
            Ok(answer) => Some(answer),
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    /// The body when the status is one of `ok`; anything else is an error.
    pub async fn call(&self, call: Call<'_>, ok: &[u16]) -> Option<Value> {
        match self.send(&call).await? {
            (status, body) if ok.contains(&status) => Some(body),
            (status, body) => {
                self.error(format!("{call}: unexpected {status} {body}"));
                None
            }
        }
    }

    pub async fn get(&self, urls: Vec<String>, token: &str) -> Option<Value> {
        let call = Call {
            method: Method::GET,
            urls,
            token,
            body: None,
            idempotency_key: None,
            also_retry: &[],
        };
        self.call(call, &[200]).await
    }

    /// A creating request: repeated with its `Idempotency-Key` until answered.
    pub fn post<'a>(
        &self,
        urls: Vec<String>,
        token: &'a str,
        body: Value,
        key: Option<String>,
    ) -> Call<'a> {
        Call {
            method: Method::POST,
            urls,
            token,
            body: Some(body),
            idempotency_key: key,
            // An idempotency key whose first request is still being handled.
            also_retry: &[409],
        }
    }

    /// Posts `verb` on the resource at `path` of `service`. Actions take no key: a
    /// repeat after a lost answer meets the first attempt's effect as a 409, so the
    /// resource is then read back instead. `took_effect` says whether what came back
    /// shows the action done; returns the resource after the action.
    pub async fn act(
        &self,
        service: &Replicas,
        path: &str,
        verb: &str,
        token: &str,
        body: Option<Value>,
        took_effect: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let call = self.action(service.at(&format!("{path}/{verb}")), token, body);
        let after = match self.send(&call).await? {
            (200, after) => after,
            (409, _) => self.get(service.at(path), token).await?,
            (status, answer) => {
                self.error(format!("{call}: unexpected {status} {answer}"));
                return None;
            }
        };
        if took_effect(&after) {
            Some(after)
        } else {
            self.error(format!("{call} did not take effect: {after}"));
            None
        }
    }

    /// An action on a resource (`POST …/{id}/<verb>`), which takes no key: a repeat
    /// after a lost answer meets the first attempt's effect as a 409.
    pub fn action<'a>(&self, urls: Vec<String>, token: &'a str, body: Option<Value>) -> Call<'a> {
        Call {
            method: Method::POST,
            urls,
            token,
            body,
            idempotency_key: None,
            also_retry: &[],
        }
    }
}

/// A decimal string of an answer (`"245.00"`); zero when absent.
pub fn decimal(value: &Value) -> Decimal {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default()
}

/// Half of `amount`, to the cent, half away from zero.
pub fn half(amount: Decimal) -> Decimal {
    (amount / Decimal::TWO).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}
