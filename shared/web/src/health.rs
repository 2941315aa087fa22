//! Liveness and readiness endpoints.
//!
//! `GET /health/live` answers as long as the process serves HTTP. `GET /health/ready`
//! answers the latest result of every registered check, each run with a
//! [`CHECK_TIMEOUT`]: 503 naming the failing ones, so the orchestrator stops routing
//! traffic here.
//!
//! A service runs its checks in the background ([`Readiness::monitor`], every
//! [`CHECK_INTERVAL`]) and the endpoint answers from memory: a probe never waits for a
//! database round trip on a worker that 300 clients keep busy, and a flood of
//! unauthenticated probes costs the database nothing. Without a monitor (or with one
//! stuck), the endpoint runs the checks itself, one run at a time, and reuses a result
//! for [`FRESH_FOR`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use aftersales_messaging::Shutdown;
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, join_all};
use serde_json::json;

use crate::db::DbPool;

pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// How often [`Readiness::monitor`] runs the checks while they pass: how late a probe
/// may see a failure.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// How often it runs them while one fails: a service that is starting, or whose
/// dependency came back, is ready within this.
pub const RECHECK_INTERVAL: Duration = Duration::from_millis(200);

/// How long a result answers the endpoint: longer than a monitor's period plus its
/// longest run, so while a monitor runs every answer comes from memory.
pub const FRESH_FOR: Duration = Duration::from_secs(4);

const _: () =
    assert!(CHECK_INTERVAL.as_millis() + CHECK_TIMEOUT.as_millis() < FRESH_FOR.as_millis());

/// A readiness check: `Ok` when the dependency answers, else a short reason.
pub type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// The outcome per check name: `Ok` or the reason it failed.
pub type Results = BTreeMap<String, Result<(), String>>;

/// One run's results and when it ended.
type Report = (Instant, Arc<Results>);

#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<(String, CheckFn)>,
    /// The latest run's results and when they came, shared by every clone.
    latest: Arc<Mutex<Option<Report>>>,
    /// Held while the checks run, so concurrent probes share one run.
    running: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.checks.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a named check.
    pub fn add<F, Fut>(&mut self, name: impl Into<String>, check: F) -> &mut Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: CheckFn = Arc::new(move || check().boxed());
        self.checks.push((name.into(), check));
        self
    }

    /// Registers an already boxed check.
    pub fn add_check(&mut self, name: impl Into<String>, check: CheckFn) -> &mut Self {
        self.checks.push((name.into(), check));
        self
    }

    /// Builder form of [`Readiness::add`].
    pub fn with<F, Fut>(mut self, name: impl Into<String>, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.add(name, check);
        self
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.checks.iter().map(|(name, _)| name.as_str())
    }

    /// Runs every check concurrently; the result per name is `Ok` or the reason.
    pub async fn run(&self) -> Results {
        let runs = self.checks.iter().map(|(name, check)| {
            let fut = check();
            async move {
                let outcome = match tokio::time::timeout(CHECK_TIMEOUT, fut).await {
                    Ok(result) => result,
                    Err(_) => Err(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
                };
                (name.clone(), outcome)
            }
        });
        join_all(runs).await.into_iter().collect()
    }

    /// The latest results if younger than [`FRESH_FOR`], else those of a new run.
    pub async fn current(&self) -> Arc<Results> {
        if let Some(results) = self.fresh() {
            return results;
        }
        let _turn = self.running.lock().await;
        // Another probe may have run the checks while this one waited for its turn.
        if let Some(results) = self.fresh() {
            return results;
        }
        self.refresh().await
    }

    /// Runs the checks now and then every [`CHECK_INTERVAL`] (or [`RECHECK_INTERVAL`]
    /// while one fails) until `shutdown`, keeping the endpoint's answer fresh. Spawn it
    /// on the runtime of the service's background work, not on an HTTP worker, so a busy
    /// server does not delay it.
    pub async fn monitor(self, mut shutdown: Shutdown) {
        loop {
            let ready = {
                let _turn = self.running.lock().await;
                self.refresh().await.values().all(Result::is_ok)
            };
            let pause = if ready {
                CHECK_INTERVAL
            } else {
                RECHECK_INTERVAL
            };
            tokio::select! {
                () = shutdown.wait() => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    fn fresh(&self) -> Option<Arc<Results>> {
        let latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        latest
            .as_ref()
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, results)| results.clone())
    }

    /// Runs the checks (the caller holds `running`), keeps the results and logs what
    /// changed since the previous run: a check run every second must not log every second.
    async fn refresh(&self) -> Arc<Results> {
        let results = Arc::new(self.run().await);
        let previous = self
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace((Instant::now(), results.clone()));
        let before = previous.as_ref().map(|(_, results)| results.as_ref());
        for (name, outcome) in results.iter() {
            let was = before.and_then(|results| results.get(name));
            match (outcome, was) {
                (Err(reason), Some(Err(old))) if old == reason => {}
                (Err(reason), _) => {
                    tracing::warn!(check = %name, %reason, "readiness check failed");
                }
                (Ok(()), Some(Err(_))) => {
                    tracing::info!(check = %name, "readiness check passes again")
                }
                (Ok(()), _) => {}
            }
        }
        results
    }
}

/// A check for [`Readiness::add`] that pings the database pool.
pub fn database_check(
    pool: DbPool,
) -> impl Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static {
    move || {
        let pool = pool.clone();
        async move { crate::db::ping(&pool).await.map_err(|e| e.to_string()) }.boxed()
    }
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "live"}))
}

async fn ready(readiness: Readiness) -> HttpResponse {
    let results = readiness.current().await;
    let all_ok = results.values().all(Result::is_ok);
    let checks: BTreeMap<&str, &str> = results
        .iter()
        .map(|(name, result)| {
            let text = match result {
                Ok(()) => "ok",
                Err(reason) => reason.as_str(),
            };
            (name.as_str(), text)
        })
        .collect();
    if all_ok {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": checks}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "checks": checks}))
    }
}

/// Registers `GET /health/live` and `GET /health/ready`.
pub fn configure(cfg: &mut web::ServiceConfig, readiness: Readiness) {
    cfg.route("/health/live", web::get().to(live)).route(
        "/health/ready",
        web::get().to(move || ready(readiness.clone())),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::App;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use serde_json::Value;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    async fn get(readiness: Readiness, uri: &str) -> (StatusCode, Value) {
        let app = actix_test::init_service(App::new().configure(|c| configure(c, readiness))).await;
        let resp =
            actix_test::call_service(&app, actix_test::TestRequest::get().uri(uri).to_request())
                .await;
        let status = resp.status();
        (status, actix_test::read_body_json(resp).await)
    }

    #[actix_web::test]
    async fn live_is_200() {
        let (status, body) = get(Readiness::default(), "/health/live").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"status": "live"}));
    }

    #[actix_web::test]
    async fn ready_when_all_checks_pass() {
        let r = Readiness::new()
            .with("database", || async { Ok(()) })
            .with("broker", || async { Ok(()) });
        let (status, body) = get(r, "/health/ready").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            json!({"status": "ready", "checks": {"database": "ok", "broker": "ok"}})
        );
    }

    #[actix_web::test]
    async fn a_failing_check_is_503_with_reason() {
        let mut r = Readiness::new();
        r.add("database", || async { Ok(()) })
            .add("broker", || async { Err("connection refused".to_owned()) });
        let (status, body) = get(r, "/health/ready").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["checks"]["broker"], "connection refused");
        assert_eq!(body["checks"]["database"], "ok");
    }

    #[actix_web::test]
    async fn a_hanging_check_times_out_and_checks_run_concurrently() {
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        };
        let mut r = Readiness::new().with("a", slow);
        let boxed: CheckFn = Arc::new(move || slow().boxed());
        r.add_check("b", boxed);
        let started = std::time::Instant::now();
        let (status, body) = get(r, "/health/ready").await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body["checks"]["a"].as_str().unwrap().contains("no answer"));
    }

    /// A check that counts its runs and fails while `failing` is set.
    fn counted(runs: &Arc<AtomicUsize>, failing: &Arc<AtomicBool>) -> Readiness {
        let (runs, failing) = (runs.clone(), failing.clone());
        Readiness::new().with("database", move || {
            runs.fetch_add(1, Ordering::SeqCst);
            let failing = failing.load(Ordering::SeqCst);
            async move {
                // Long enough for concurrent probes to overlap with the run.
                tokio::time::sleep(Duration::from_millis(50)).await;
                if failing {
                    Err("refused".to_owned())
                } else {
                    Ok(())
                }
            }
        })
    }

    #[actix_web::test]
    async fn a_result_answers_probes_while_fresh_and_concurrent_probes_share_one_run() {
        let runs = Arc::new(AtomicUsize::new(0));
        let r = counted(&runs, &Arc::new(AtomicBool::new(false)));
        let probes = (0..50).map(|_| {
            let r = r.clone();
            async move { r.current().await }
        });
        let answers = join_all(probes).await;
        assert!(answers.iter().all(|results| results["database"].is_ok()));
        let (status, _) = get(r.clone(), "/health/ready").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "51 probes, one run of the checks"
        );
    }

    #[actix_web::test]
    async fn a_monitor_keeps_the_answer_current_and_stops_on_shutdown() {
        let runs = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let r = counted(&runs, &failing);
        let (trigger, shutdown) = Shutdown::channel();
        let monitor = tokio::spawn(r.clone().monitor(shutdown));
        while r.fresh().is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (status, _) = get(r.clone(), "/health/ready").await;
        assert_eq!(status, StatusCode::OK);

        // Within FRESH_FOR of its last run only the monitor runs the checks again.
        failing.store(true, Ordering::SeqCst);
        let mut seen = None;
        for _ in 0..300 {
            let (status, body) = get(r.clone(), "/health/ready").await;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                seen = Some(body);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body = seen.expect("the monitor never reported the failing check");
        assert_eq!(body["checks"]["database"], "refused");
        assert!(runs.load(Ordering::SeqCst) >= 2);

        trigger.trigger();
        tokio::time::timeout(Duration::from_secs(30), monitor)
            .await
            .expect("the monitor ends on shutdown")
            .expect("the monitor did not panic");
    }

    #[actix_web::test]
    async fn database_check_reports_an_unreachable_database() {
        let pool = crate::db::pool("postgres://u:p@127.0.0.1:1/none", 1).unwrap();
        let r = Readiness::new().with("database", database_check(pool));
        let (status, body) = get(r, "/health/ready").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body["checks"]["database"].is_string());
    }
}
