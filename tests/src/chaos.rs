//! Tools for runs that break things on purpose: a seeded random source (so a failing
//! run can be replayed with its seed) and an HTTP client that rides out outages by
//! repeating the same request, with the same `Idempotency-Key`, until it gets an
//! answer that is not an outage.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

/// xorshift64*: tiny, deterministic for a seed, good enough to pick faults and orders.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero is xorshift's fixed point; any other value is fine.
        Rng(seed.max(1))
    }

    /// The seed from `var` when set (to replay a run), else one from the clock.
    pub fn seed_from_env(var: &str) -> u64 {
        std::env::var(var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            })
    }

    /// A new generator for a sub-task, decorrelated from this one.
    pub fn fork(&mut self, salt: u64) -> Rng {
        Rng::new(self.next_u64() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }

    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(self.range(lo, hi))
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.range(0, i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// What the retrying client saw, for the run's summary.
#[derive(Debug, Default)]
pub struct HttpStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub connection_errors: AtomicU64,
    pub status_500: AtomicU64,
    pub status_503: AtomicU64,
    pub other_5xx: AtomicU64,
    /// 408: the server gave up reading the request (a starved worker); not handled.
    pub status_408: AtomicU64,
    /// The longest one call went unserved (from its first outage answer, 503 or no
    /// answer, to the answer that ended it), in milliseconds: what a user would wait.
    pub longest_outage_ms: AtomicU64,
}

impl HttpStats {
    pub fn summary(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "{} requests, {} retries ({} connection errors, {} × 503, {} × 408, {} × 500, {} other 5xx); \
             the longest outage one call rode out: {:.1} s",
            g(&self.requests),
            g(&self.retries),
            g(&self.connection_errors),
            g(&self.status_503),
            g(&self.status_408),
            g(&self.status_500),
            g(&self.other_5xx),
            g(&self.longest_outage_ms) as f64 / 1000.0,
        )
    }

    fn outage_ended(&self, since: Option<tokio::time::Instant>) {
        if let Some(since) = since {
            let ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.longest_outage_ms.fetch_max(ms, Ordering::Relaxed);
        }
    }
}

/// One request, repeated as it was until it is answered by something other than an
/// outage (no connection, a timeout, a 5xx, a 408, or a status in `also_retry`).
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub method: reqwest::Method,
    /// The same resource on each replica of the service (at least one): the first
    /// attempt goes to the first, each retry to the next, so that a replica down is
    /// ridden out by the others.
    pub urls: Vec<String>,
    pub token: &'a str,
    pub body: Option<Value>,
    pub idempotency_key: Option<String>,
    pub also_retry: &'a [u16],
}

/// A client for outage runs; see [`Call`].
#[derive(Debug)]
pub struct RetryingClient {
    http: reqwest::Client,
    /// How long one logical call may take, outages included, before it is an error.
    pub patience: Duration,
    pub stats: HttpStats,
}

impl RetryingClient {
    pub fn new(patience: Duration) -> RetryingClient {
        RetryingClient {
            http: aftersales_web::http_client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("reqwest client"),
            patience,
            stats: HttpStats::default(),
        }
    }

    /// The final status and JSON body, or what was last seen when patience ran out.
    pub async fn send(&self, call: &Call<'_>) -> Result<(u16, Value), String> {
        let deadline = tokio::time::Instant::now() + self.patience;
        let mut backoff = Duration::from_millis(50);
        let mut last;
        let mut outage_since = None;
        for url in call.urls.iter().cycle() {
            let attempt = tokio::time::Instant::now();
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let mut req = self
                .http
                .request(call.method.clone(), url)
                .bearer_auth(call.token);
            if let Some(key) = &call.idempotency_key {
                req = req.header("Idempotency-Key", key);
            }
            if let Some(body) = &call.body {
                req = req.json(body);
            }
            match req.send().await {
                Err(e) => {
                    outage_since.get_or_insert(attempt);
                    self.stats.connection_errors.fetch_add(1, Ordering::Relaxed);
                    last = format!("no answer: {e}");
                }
                Ok(res) => {
                    let status = res.status().as_u16();
                    let body: Value = res.json().await.unwrap_or(Value::Null);
                    match status {
                        500 => self.stats.status_500.fetch_add(1, Ordering::Relaxed),
                        503 => self.stats.status_503.fetch_add(1, Ordering::Relaxed),
                        501..=599 => self.stats.other_5xx.fetch_add(1, Ordering::Relaxed),
                        408 => self.stats.status_408.fetch_add(1, Ordering::Relaxed),
                        _ => 0,
                    };
                    // A 408 says the request was never read, so it may be sent again
                    // (RFC 9110, 15.5.9), as after an outage.
                    if status < 500 && status != 408 && !call.also_retry.contains(&status) {
                        self.stats.outage_ended(outage_since);
                        return Ok((status, body));
                    }
                    if status >= 500 || status == 408 {
                        outage_since.get_or_insert(attempt);
                    }
                    last = format!("{status} {body}");
                }
            }
            if tokio::time::Instant::now() + backoff > deadline {
                self.stats.outage_ended(outage_since);
                return Err(format!(
                    "{call}: still failing after {:?}; last: {last}",
                    self.patience
                ));
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
        Err(format!("{call}: no URL to send it to"))
    }
}

/// `METHOD url` (on the first replica), for messages.
impl std::fmt::Display for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.urls.first().map_or("", String::as_str);
        write!(f, "{} {url}", self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let xs: Vec<u64> = (0..100).map(|_| a.range(0, 1000)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.range(0, 1000)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| *x < 1000));
        assert!(xs.iter().any(|x| *x != xs[0]));
    }

    #[test]
    fn shuffle_keeps_every_item() {
        let mut items: Vec<u32> = (0..20).collect();
        Rng::new(7).shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }
}
