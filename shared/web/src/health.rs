//! Liveness and readiness endpoints.
//!
//! `GET /health/live` answers as long as the process serves HTTP. `GET /health/ready`
//! runs every registered check at once, each with a [`CHECK_TIMEOUT`], and answers 503
//! naming the failing ones, so the orchestrator stops routing traffic here.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, join_all};
use serde_json::json;

use crate::db::DbPool;

pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A readiness check: `Ok` when the dependency answers, else a short reason.
pub type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<(String, CheckFn)>,
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
    pub async fn run(&self) -> BTreeMap<String, Result<(), String>> {
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
    let results = readiness.run().await;
    let all_ok = results.values().all(Result::is_ok);
    let checks: BTreeMap<String, String> = results
        .into_iter()
        .map(|(name, result)| {
            let text = match result {
                Ok(()) => "ok".to_owned(),
                Err(reason) => {
                    tracing::warn!(check = %name, %reason, "readiness check failed");
                    reason
                }
            };
            (name, text)
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

    #[actix_web::test]
    async fn database_check_reports_an_unreachable_database() {
        let pool = crate::db::pool("postgres://u:p@127.0.0.1:1/none", 1).unwrap();
        let r = Readiness::new().with("database", database_check(pool));
        let (status, body) = get(r, "/health/ready").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body["checks"]["database"].is_string());
    }
}
