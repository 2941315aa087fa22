//! Helpers for the end-to-end suites in `e2e/`: the four services started in-process
//! against the test run's PostgreSQL and RabbitMQ, each in its own schema.

use aftersales_messaging::Handler;
use aftersales_messaging::contracts::topology_v1;
use aftersales_testkit::TestDb;
pub use aftersales_testkit::eventually;
use aftersales_web::config::WebConfig;
use aftersales_web::service::{Running, ServiceSpec, start, test_config};

/// One started service and its base URL.
pub struct Service {
    pub name: &'static str,
    pub base: String,
    pub running: Running,
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// The configuration a service gets in these tests (see `service::test_config`).
pub fn config(name: &str, database_url: &str, schema: &str, amqp_url: &str) -> WebConfig {
    test_config(name, database_url, schema, amqp_url, JWT_SECRET)
}

pub const JWT_SECRET: &str = "e2e-secret";

pub async fn launch<H: Handler + Clone>(spec: ServiceSpec<H>, config: WebConfig) -> Service {
    let name = spec.name;
    let running = start(spec, config, topology_v1())
        .await
        .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
    Service {
        name,
        base: format!("http://{}", running.addr),
        running,
    }
}

/// The four services, each in a fresh schema of the test database, on `amqp_url`.
/// Keep the returned schemas alive as long as the services.
pub async fn launch_all(amqp_url: &str) -> (Vec<TestDb>, Vec<Service>) {
    let mut dbs = Vec::new();
    for _ in 0..4 {
        dbs.push(TestDb::new().await);
    }
    let cfg = |i: usize, name: &str| config(name, &dbs[i].admin_url(), &dbs[i].schema, amqp_url);
    let services = vec![
        launch(catalog::spec(), cfg(0, catalog::NAME)).await,
        launch(orders::spec(), cfg(1, orders::NAME)).await,
        launch(inspection::spec(), cfg(2, inspection::NAME)).await,
        launch(recovery::spec(), cfg(3, recovery::NAME)).await,
    ];
    (dbs, services)
}

pub async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    match client.get(url).send().await {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}
