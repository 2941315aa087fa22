//! The faults: a seeded schedule that SIGKILLs and restarts a replica of each service
//! (one at a time), restarts
//! RabbitMQ and PostgreSQL and cuts the broker connections, while the drivers run;
//! and the evidence a failed run keeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aftersales_e2e::ServiceProcess;
use aftersales_e2e::chaos::Rng;
use aftersales_testkit::{PrivateBroker, PrivateDatabase, Proxy};

use super::run::Run;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL one replica of the named service, then start it again.
    Kill(&'static str),
    RestartBroker,
    RestartDatabase,
    CutBrokerConnections,
}

pub const EVERY_FAULT: [Fault; 7] = [
    Fault::Kill("catalog"),
    Fault::Kill("orders"),
    Fault::Kill("inspection"),
    Fault::Kill("recovery"),
    Fault::RestartBroker,
    Fault::RestartDatabase,
    Fault::CutBrokerConnections,
];

/// The servers under the services (dropping the last handle stops them).
#[derive(Clone)]
pub struct Servers {
    pub broker: Arc<PrivateBroker>,
    pub database: Arc<PrivateDatabase>,
    pub proxy: Arc<Proxy>,
}

/// Every kind of fault once in a seeded order, then more at random until `done`.
/// Returns what struck, and the services' replicas (still running) for the checks.
pub async fn fault_schedule(
    run: Arc<Run>,
    mut rng: Rng,
    full: bool,
    done: Arc<AtomicBool>,
    mut services: Vec<ServiceProcess>,
    servers: Servers,
) -> (Vec<Fault>, Vec<ServiceProcess>) {
    let mut first = EVERY_FAULT.to_vec();
    rng.shuffle(&mut first);
    let mut injected = Vec::new();
    loop {
        let fault = if injected.len() < first.len() {
            first[injected.len()]
        } else if done.load(Ordering::SeqCst) {
            break;
        } else {
            *rng.pick(&EVERY_FAULT)
        };
        tokio::time::sleep(if full {
            rng.millis(2000, 8000)
        } else {
            rng.millis(500, 2500)
        })
        .await;
        let down = rng.millis(0, 2000);
        let mut replicas: Vec<&mut ServiceProcess> = match fault {
            Fault::Kill(name) => services.iter_mut().filter(|s| s.name == name).collect(),
            _ => Vec::new(),
        };
        let victim = rng.range(0, replicas.len() as u64) as usize;
        let at = replicas.get(victim).map(|r| format!(" at {}", r.base));
        run.log(&format!(
            "fault {}: {fault:?}{}, down {down:?}",
            injected.len() + 1,
            at.unwrap_or_default()
        ));
        match fault {
            Fault::Kill(_) => {
                if let Some(service) = replicas.get_mut(victim) {
                    service.kill();
                    tokio::time::sleep(down).await;
                    service.restart().await;
                }
            }
            Fault::RestartBroker => {
                if rng.chance(0.5) {
                    servers.broker.kill().await;
                } else {
                    servers.broker.stop().await;
                }
                tokio::time::sleep(down).await;
                servers.broker.restart().await;
            }
            Fault::RestartDatabase => {
                servers.database.stop().await;
                tokio::time::sleep(down).await;
                servers.database.restart().await;
            }
            Fault::CutBrokerConnections => {
                servers.proxy.cut_for(down);
                tokio::time::sleep(down).await;
            }
        }
        run.log(&format!("fault {} over", injected.len() + 1));
        injected.push(fault);
    }
    (injected, services)
}

/// Copies the services' logs (deleted with their processes) and the broker's view of
/// queues and bindings next to each other, for a failed run.
pub async fn keep_evidence(seed: u64, mgmt: &str, services: &[ServiceProcess]) {
    let dir = std::env::temp_dir().join(format!("aftersales-faults-{seed}"));
    let _ = std::fs::create_dir_all(&dir);
    for service in services {
        let name = service.name;
        // The log is named after the service, its schema (here the same) and its port.
        let port = service.base.rsplit(':').next().unwrap_or_default();
        for log in [format!("{name}-{name}-{port}"), format!("{name}-{name}")] {
            let from = std::env::temp_dir().join(format!("aftersales-e2e-{log}.log"));
            if std::fs::copy(&from, dir.join(format!("{name}-{port}.log"))).is_ok() {
                break;
            }
        }
    }
    let client = aftersales_web::http_client::client();
    for what in ["queues", "bindings", "exchanges", "connections"] {
        if let Ok(res) = client
            .get(format!("{mgmt}/api/{what}"))
            .basic_auth("guest", Some("guest"))
            .send()
            .await
        {
            let _ = std::fs::write(
                dir.join(format!("{what}.json")),
                res.text().await.unwrap_or_default(),
            );
        }
    }
    eprintln!("[faults] evidence kept in {}", dir.display());
}
