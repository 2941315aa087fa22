//! The faults: a seeded schedule that SIGKILLs and restarts a replica of each service
//! (one at a time) and, on single servers, restarts RabbitMQ and PostgreSQL and cuts
//! the broker connections, or, on clusters, kills a RabbitMQ node and fails the
//! PostgreSQL primary over to its standby, while the drivers run; and the evidence a
//! failed run keeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aftersales_e2e::ServiceProcess;
use aftersales_e2e::chaos::Rng;
use aftersales_testkit::{
    BrokerCluster, PrivateBroker, PrivateDatabase, Proxy, ReplicatedDatabase,
};

use super::run::Run;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL one replica of the named service, then start it again.
    Kill(&'static str),
    RestartBroker,
    RestartDatabase,
    CutBrokerConnections,
    /// SIGKILL the RabbitMQ node leading the busiest quorum queue, then start it again.
    KillBrokerNode,
    /// Let the standby fall behind, SIGKILL the PostgreSQL primary, promote the
    /// standby, then rebuild the old primary as the new one's standby.
    FailOverDatabase,
}

/// The faults on single servers.
pub const SINGLE_SERVER_FAULTS: [Fault; 7] = [
    Fault::Kill("catalog"),
    Fault::Kill("orders"),
    Fault::Kill("inspection"),
    Fault::Kill("recovery"),
    Fault::RestartBroker,
    Fault::RestartDatabase,
    Fault::CutBrokerConnections,
];

/// The faults on clusters: the loss of a node.
pub const NODE_LOSS_FAULTS: [Fault; 6] = [
    Fault::Kill("catalog"),
    Fault::Kill("orders"),
    Fault::Kill("inspection"),
    Fault::Kill("recovery"),
    Fault::KillBrokerNode,
    Fault::FailOverDatabase,
];

/// The servers under the services (dropping the last handle stops them).
#[derive(Clone)]
pub enum Servers {
    /// One broker node behind a proxy that can cut connections, one database.
    Single {
        broker: Arc<PrivateBroker>,
        database: Arc<PrivateDatabase>,
        proxy: Arc<Proxy>,
    },
    /// Three broker nodes, a primary and a standby.
    Clusters {
        brokers: Arc<BrokerCluster>,
        database: Arc<ReplicatedDatabase>,
    },
}

impl Servers {
    /// Every fault these servers can suffer.
    pub fn faults(&self) -> &'static [Fault] {
        match self {
            Servers::Single { .. } => &SINGLE_SERVER_FAULTS,
            Servers::Clusters { .. } => &NODE_LOSS_FAULTS,
        }
    }

    /// The administrator's URL of the default vhost, every node listed.
    pub fn admin_amqp_url(&self) -> String {
        match self {
            Servers::Single { broker, .. } => broker.amqp_url(),
            Servers::Clusters { brokers, .. } => format!("{}/%2f", brokers.amqp_base()),
        }
    }

    /// A management API of the broker that answers now.
    pub fn mgmt_url(&self) -> String {
        match self {
            Servers::Single { broker, .. } => broker.mgmt_url(),
            Servers::Clusters { brokers, .. } => brokers.mgmt_url(),
        }
    }
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
    let every = servers.faults();
    let mut first = every.to_vec();
    rng.shuffle(&mut first);
    let mut injected = Vec::new();
    loop {
        let fault = if injected.len() < first.len() {
            first[injected.len()]
        } else if done.load(Ordering::SeqCst) {
            break;
        } else {
            *rng.pick(every)
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
        match (fault, &servers) {
            (Fault::Kill(_), _) => {
                if let Some(service) = replicas.get_mut(victim) {
                    service.kill();
                    tokio::time::sleep(down).await;
                    service.restart().await;
                }
            }
            (Fault::RestartBroker, Servers::Single { broker, .. }) => {
                if rng.chance(0.5) {
                    broker.kill().await;
                } else {
                    broker.stop().await;
                }
                tokio::time::sleep(down).await;
                broker.restart().await;
            }
            (Fault::RestartDatabase, Servers::Single { database, .. }) => {
                database.stop().await;
                tokio::time::sleep(down).await;
                database.restart().await;
            }
            (Fault::CutBrokerConnections, Servers::Single { proxy, .. }) => {
                proxy.cut_for(down);
                tokio::time::sleep(down).await;
            }
            (Fault::KillBrokerNode, Servers::Clusters { brokers, .. }) => {
                let node = match brokers.busiest_leader().await {
                    Some(node) => node,
                    None => rng.range(0, brokers.nodes().len() as u64) as usize,
                };
                run.log(&format!("  killing {}", brokers.nodes()[node].node_name));
                brokers.kill(node).await;
                tokio::time::sleep(down).await;
                brokers.restart(node).await;
            }
            (Fault::FailOverDatabase, Servers::Clusters { database, .. }) => {
                // The standby lags when its primary dies: a synchronous primary holds
                // its commits meanwhile, an asynchronous one acknowledges them.
                let lag = rng.millis(200, 1500);
                database.cut_replication(lag * 2);
                tokio::time::sleep(lag).await;
                let failover = database.fail_over().await;
                run.log(&format!(
                    "  primary killed, standby on port {} promoted in {:.1}s",
                    database.primary().port,
                    failover.promoted_in.as_secs_f64()
                ));
                tokio::time::sleep(down).await;
                database.rebuild_standby().await;
            }
            (fault, _) => unreachable!("{fault:?} is not a fault of these servers"),
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
