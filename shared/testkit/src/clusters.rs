//! The servers as production runs them, on one machine: a PostgreSQL primary with a
//! streaming standby ([`ReplicatedDatabase`]) and a three-node RabbitMQ cluster
//! ([`BrokerCluster`]), for the fault runs that lose a node. Both are the test's own
//! (own folders, free ports), stopped and deleted on drop, and by a watchdog if the
//! test process dies first.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};

use crate::broker_users::{self, ServiceUsers};
use crate::env::{MGMT_PASSWORD, MGMT_USER, TEST_DATABASE, http, mgmt_queue_messages};
use crate::provision::{connect, ensure_database};
use crate::proxy::Proxy;
use crate::servers::{PgServer, RabbitServer, free_port, free_port_block};
use crate::util::{fresh_temp_dir, percent_encode, sh_quote, spawn_watchdog};

/// Panics with the context of a harness step that failed.
fn must<T>(what: &str, res: Result<anyhow::Result<T>, tokio::task::JoinError>) -> T {
    match res {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => panic!("aftersales-testkit: {what}: {e:#}"),
        Err(e) => panic!("aftersales-testkit: {what} panicked: {e}"),
    }
}

/// A watchdog that stops the nodes (their `stop_script`s) and deletes `dir` if the
/// test process dies without dropping the cluster.
fn watch(dir: &std::path::Path, stop: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let stop: Vec<String> = stop.collect();
    spawn_watchdog(
        std::process::id(),
        &format!(
            "{}\nrm -rf {}",
            stop.join("\n"),
            sh_quote(&dir.to_string_lossy())
        ),
    )
}

// ---------------------------------------------------------------------------------
// ReplicatedDatabase
// ---------------------------------------------------------------------------------

/// Two PostgreSQL clusters, a primary and a streaming standby made from it with
/// `pg_basebackup`, holding database [`TEST_DATABASE`]. With `synchronous`, the
/// primary names every standby synchronous (`synchronous_standby_names = '*'`): a
/// commit is acknowledged, and seen by other sessions, only once the standby has its
/// WAL. Without, replication is asynchronous, PostgreSQL's default, which loses the
/// commits the standby had not received when the primary dies.
///
/// Clients use [`ReplicatedDatabase::admin_url`], a libpq multi-host URL with
/// `target_session_attrs=read-write`: whichever node is primary answers it.
#[derive(Debug)]
pub struct ReplicatedDatabase {
    nodes: [PgServer; 2],
    /// Index in `nodes` of the primary.
    primary: Mutex<usize>,
    /// The standby streams from the primary through this proxy, so that a test can
    /// cut the replication without touching either server.
    link: Mutex<Option<Proxy>>,
    synchronous: bool,
    dir: PathBuf,
}

/// What [`ReplicatedDatabase::fail_over`] did, for the run's log.
#[derive(Debug, Clone, Copy)]
pub struct Failover {
    /// From the primary's death to the standby accepting writes.
    pub promoted_in: Duration,
}

impl ReplicatedDatabase {
    /// Starts the primary, creates [`TEST_DATABASE`], makes the standby and waits until
    /// it streams (and, with `synchronous`, counts as synchronous). A few seconds.
    pub async fn start(synchronous: bool) -> ReplicatedDatabase {
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<ReplicatedDatabase> {
            let dir = fresh_temp_dir("aftersales-pg-pair")?;
            let nodes = [
                PgServer::at(&dir.join("a"), free_port())?,
                PgServer::at(&dir.join("b"), free_port())?,
            ];
            watch(&dir, nodes.iter().map(PgServer::stop_script))?;
            let primary = PgServer::start_replicated(&nodes[0].data_dir, nodes[0].port)?;
            Ok(ReplicatedDatabase {
                nodes: [primary, nodes[1].clone()],
                primary: Mutex::new(0),
                link: Mutex::new(None),
                synchronous,
                dir,
            })
        })
        .await;
        let db = must("cannot start the primary", res);
        if let Err(e) = ensure_database(&db.admin_url(), TEST_DATABASE).await {
            panic!("aftersales-testkit: cannot create {TEST_DATABASE}: {e:#}");
        }
        if let Err(e) = db.attach_standby().await {
            panic!("aftersales-testkit: cannot make the standby: {e:#}");
        }
        db
    }

    fn primary_index(&self) -> usize {
        *self.primary.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The node that is primary now.
    pub fn primary(&self) -> &PgServer {
        &self.nodes[self.primary_index()]
    }

    /// The node that is (or is being rebuilt as) the standby.
    pub fn standby(&self) -> &PgServer {
        &self.nodes[1 - self.primary_index()]
    }

    /// `postgres://postgres@127.0.0.1:A,127.0.0.1:B/aftersales_test?target_session_attrs=read-write`:
    /// the superuser on whichever node is primary.
    pub fn admin_url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!(
            "postgres://postgres@{}/{}?target_session_attrs=read-write",
            hosts.join(","),
            percent_encode(TEST_DATABASE)
        )
    }

    /// Whether commits wait for the standby.
    pub fn is_synchronous(&self) -> bool {
        self.synchronous
    }

    /// Makes the non-primary node a fresh standby of the primary (`pg_basebackup`
    /// into an emptied folder, same port) streaming through a new proxy, waits until
    /// it streams, then asks the primary to wait for it on every commit when the pair
    /// is synchronous.
    async fn attach_standby(&self) -> anyhow::Result<()> {
        let link = Proxy::start(([127, 0, 0, 1], self.primary().port).into()).await?;
        let (source, standby) = (link.port(), self.standby().clone());
        *self.link.lock().unwrap_or_else(|p| p.into_inner()) = Some(link);
        tokio::task::spawn_blocking(move || {
            PgServer::start_standby_of(source, &standby.data_dir, standby.port)
        })
        .await??;
        let mut conn = connect(&self.primary().admin_url("postgres")).await?;
        let wanted = if self.synchronous {
            "sync_state = 'sync'"
        } else {
            "state = 'streaming'"
        };
        if self.synchronous {
            require_standby(&mut conn, true).await?;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let query = format!("EXISTS (SELECT 1 FROM pg_stat_replication WHERE {wanted})");
        while !crate::provision::query_bool(&mut conn, &query).await? {
            if Instant::now() > deadline {
                bail!(
                    "the standby on port {} did not catch up in 60 s",
                    self.standby().port
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Cuts the replication (the standby's connection severed, reconnections
    /// refused for `refuse`), so the standby falls behind: a synchronous primary holds
    /// its commits meanwhile, an asynchronous one acknowledges them without it.
    pub fn cut_replication(&self, refuse: Duration) {
        if let Some(link) = self.link.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            link.cut_for(refuse);
        }
    }

    /// The loss of the primary's machine: SIGKILL every process of the primary,
    /// promote the standby, and stop waiting for a standby until
    /// [`ReplicatedDatabase::rebuild_standby`] gives the new primary one (a synchronous
    /// primary without a standby would hold every commit).
    pub async fn fail_over(&self) -> Failover {
        let old = self.primary().clone();
        let new = self.standby().clone();
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<Duration> {
            old.kill();
            let died = Instant::now();
            new.promote()?;
            Ok(died.elapsed())
        })
        .await;
        let promoted_in = must("cannot fail over", res);
        {
            let mut primary = self.primary.lock().unwrap_or_else(|p| p.into_inner());
            *primary = 1 - *primary;
        }
        if self.synchronous {
            let relaxed = async {
                let mut conn = connect(&self.primary().admin_url("postgres")).await?;
                require_standby(&mut conn, false).await
            };
            if let Err(e) = relaxed.await {
                panic!("aftersales-testkit: the new primary still waits for a standby: {e:#}");
            }
        }
        Failover { promoted_in }
    }

    /// Makes the old primary a standby of the new one: its folder is thrown away and
    /// copied again from the new primary (what an operator, or CloudNativePG, does
    /// with an instance that may hold commits the new timeline lacks).
    pub async fn rebuild_standby(&self) {
        if let Err(e) = self.attach_standby().await {
            panic!("aftersales-testkit: cannot rebuild the standby: {e:#}");
        }
    }
}

/// Sets whether `conn`'s primary waits for a standby on every commit.
async fn require_standby(conn: &mut AsyncPgConnection, wait: bool) -> anyhow::Result<()> {
    // ALTER SYSTEM refuses to run inside a transaction block, which a multi-statement
    // string is: two round trips.
    let set = if wait {
        "ALTER SYSTEM SET synchronous_standby_names = '*'"
    } else {
        "ALTER SYSTEM RESET synchronous_standby_names"
    };
    conn.batch_execute(set).await.context(set)?;
    conn.batch_execute("SELECT pg_reload_conf()").await?;
    Ok(())
}

impl Drop for ReplicatedDatabase {
    fn drop(&mut self) {
        for node in &self.nodes {
            node.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------
// BrokerCluster
// ---------------------------------------------------------------------------------

/// Three RabbitMQ nodes on loopback joined into one cluster (their own ports and
/// folders, one shared epmd and Erlang cookie), with the services' users provisioned
/// as on a [`crate::PrivateBroker`]. Quorum queues declared once all three run get a
/// replica on each.
#[derive(Debug)]
pub struct BrokerCluster {
    nodes: Vec<RabbitServer>,
    dir: PathBuf,
}

impl BrokerCluster {
    /// Starts three nodes side by side and joins the second and third to the first
    /// (about 20 s on two cores).
    pub async fn start() -> BrokerCluster {
        let res = tokio::task::spawn_blocking(|| -> anyhow::Result<BrokerCluster> {
            let dir = fresh_temp_dir("aftersales-broker-cluster")?;
            // Five ports per node, then the shared epmd.
            let base = free_port_block(16);
            let cookie = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
            let nodes = (0..3)
                .map(|i| {
                    RabbitServer::cluster_node(
                        &dir.join(format!("n{i}")),
                        base + 5 * i,
                        base + 15,
                        &cookie,
                    )
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            watch(&dir, nodes.iter().map(RabbitServer::stop_script))?;
            std::thread::scope(|s| {
                let started: Vec<_> = nodes
                    .iter()
                    .map(|n| s.spawn(move || n.ensure_running()))
                    .collect();
                started.into_iter().try_for_each(|h| {
                    h.join()
                        .unwrap_or_else(|_| bail!("a node's start panicked"))
                })
            })?;
            for node in &nodes[1..] {
                node.join_cluster(&nodes[0])?;
            }
            Ok(BrokerCluster { nodes, dir })
        })
        .await;
        let cluster = must("cannot start a broker cluster", res);
        let provisioned = broker_users::provision(
            &http(),
            &cluster.nodes[0].amqp_url("/"),
            &cluster.nodes[0].mgmt_url(),
            (MGMT_USER, MGMT_PASSWORD),
            &cluster.users(),
        )
        .await;
        if let Err(e) = provisioned {
            panic!("aftersales-testkit: cannot provision the broker cluster: {e:#}");
        }
        cluster
    }

    /// The nodes, in the order of the URLs' hosts.
    pub fn nodes(&self) -> &[RabbitServer] {
        &self.nodes
    }

    /// `amqp://guest:guest@127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` (no vhost): every
    /// node, as a service lists them.
    pub fn amqp_base(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.amqp_port))
            .collect();
        format!("amqp://guest:guest@{}", hosts.join(","))
    }

    /// The services' own users in the default vhost.
    pub fn users(&self) -> ServiceUsers {
        ServiceUsers::plain("/")
    }

    /// The URL listing every node that `service` connects with as its own user.
    pub fn service_amqp_url(&self, service: &str) -> String {
        self.users()
            .amqp_url(&self.amqp_base(), service)
            .unwrap_or_else(|| panic!("aftersales-testkit: {service} is not a service"))
    }

    /// The management API of the first node that runs (any node answers for the
    /// whole cluster).
    pub fn mgmt_url(&self) -> String {
        let node = self.nodes.iter().find(|n| n.pid().is_some());
        node.unwrap_or(&self.nodes[0]).mgmt_url()
    }

    /// Message count of `queue` in the default vhost, asked of a running node.
    pub async fn queue_messages(&self, queue: &str) -> Option<u64> {
        mgmt_queue_messages(&self.mgmt_url(), "/", queue).await
    }

    /// The index of the node leading the quorum queue with the most messages (the
    /// node whose loss costs the most), when the management API says.
    pub async fn busiest_leader(&self) -> Option<usize> {
        let url = format!("{}/api/queues/{}", self.mgmt_url(), percent_encode("/"));
        let res = http()
            .get(url)
            .basic_auth(MGMT_USER, Some(MGMT_PASSWORD))
            .send()
            .await
            .ok()?;
        let queues: Vec<serde_json::Value> = res.json().await.ok()?;
        let busiest = queues
            .iter()
            .filter(|q| q["leader"].is_string())
            .max_by_key(|q| q["messages"].as_u64().unwrap_or(0))?;
        let leader = busiest["leader"].as_str()?;
        self.nodes.iter().position(|n| n.node_name == leader)
    }

    /// SIGKILL node `i` (a crash: its data stays for [`BrokerCluster::restart`]).
    pub async fn kill(&self, i: usize) {
        let node = self.nodes[i].clone();
        must(
            "cannot kill a broker node",
            tokio::task::spawn_blocking(move || node.kill()).await,
        );
    }

    /// Starts node `i` again with its data; it rejoins the cluster by itself.
    pub async fn restart(&self, i: usize) {
        let node = self.nodes[i].clone();
        must(
            "cannot restart a broker node",
            tokio::task::spawn_blocking(move || node.ensure_running()).await,
        );
    }
}

impl Drop for BrokerCluster {
    fn drop(&mut self) {
        // The data is thrown away: no graceful shutdown needed.
        for node in &self.nodes {
            if let Err(e) = node.kill() {
                eprintln!("aftersales-testkit: cannot stop a broker node: {e:#}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
