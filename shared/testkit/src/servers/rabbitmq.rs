//! A throwaway RabbitMQ node from the system packages.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::{absolute, port_open};
use crate::util::{percent_encode, pid_alive, read_pid_file, sh_quote, tail, terminate};

const RABBIT_BIN: &str = "/usr/lib/rabbitmq/bin";

/// A single RabbitMQ node with its state in `base_dir`.
///
/// Ports derive from the AMQP port `P`: management `P+1`, Prometheus `P+2`, Erlang
/// distribution `P+3`, epmd `P+4` — reserve 5 consecutive ports
/// ([`free_port_block`]`(5)`). The node is `rabbit_P@localhost`, has its own `HOME`
/// (Erlang cookie), ignores /etc/rabbitmq, enables `rabbitmq_management` and
/// `rabbitmq_prometheus`, and lets `guest`/`guest` in over loopback. Queue statistics
/// in the management API refresh every 500 ms.
#[derive(Debug, Clone)]
pub struct RabbitServer {
    pub amqp_port: u16,
    pub mgmt_port: u16,
    pub prometheus_port: u16,
    pub dist_port: u16,
    pub epmd_port: u16,
    pub base_dir: PathBuf,
    pub node_name: String,
    /// With TLS ([`RabbitServer::start_tls`]): the AMQPS port `P+5`, and no plain AMQP
    /// listener.
    pub tls_port: Option<u16>,
    /// The Erlang cookie of a node that joins others ([`RabbitServer::cluster_node`]):
    /// nodes of one cluster must share it.
    pub cookie: Option<String>,
}

impl RabbitServer {
    /// Describes the node in `base_dir` without starting anything.
    pub fn at(base_dir: &Path, amqp_port: u16) -> anyhow::Result<RabbitServer> {
        if amqp_port > u16::MAX - 4 {
            bail!("amqp_port {amqp_port} leaves no room for the 4 derived ports");
        }
        Ok(RabbitServer {
            amqp_port,
            mgmt_port: amqp_port + 1,
            prometheus_port: amqp_port + 2,
            dist_port: amqp_port + 3,
            epmd_port: amqp_port + 4,
            base_dir: absolute(base_dir)?,
            node_name: format!("rabbit_{amqp_port}@localhost"),
            tls_port: None,
            cookie: None,
        })
    }

    /// Describes a node of a cluster on this machine: its own ports from `amqp_port`
    /// as [`RabbitServer::at`] says, but the epmd on `epmd_port` that every node of the
    /// cluster shares (nodes find each other through it) and the cluster's `cookie`.
    pub fn cluster_node(
        base_dir: &Path,
        amqp_port: u16,
        epmd_port: u16,
        cookie: &str,
    ) -> anyhow::Result<RabbitServer> {
        Ok(RabbitServer {
            epmd_port,
            cookie: Some(cookie.to_owned()),
            ..RabbitServer::at(base_dir, amqp_port)?
        })
    }

    /// Starts this node as described (for a node built with
    /// [`RabbitServer::cluster_node`], or one started before and killed); returns at
    /// once when it runs.
    pub fn ensure_running(&self) -> anyhow::Result<()> {
        self.ensure_started()
    }

    /// Makes this running node a member of `seed`'s cluster (`stop_app`,
    /// `join_cluster`, `start_app`). Its queues and users are dropped for the
    /// cluster's; a node restarted later rejoins by itself.
    pub fn join_cluster(&self, seed: &RabbitServer) -> anyhow::Result<()> {
        for args in [
            vec!["stop_app".to_owned()],
            vec!["join_cluster".to_owned(), seed.node_name.clone()],
            vec!["start_app".to_owned()],
        ] {
            crate::util::run_checked(
                self.cli("rabbitmqctl")
                    .arg("--timeout")
                    .arg("60")
                    .args(&args),
            )
            .with_context(|| format!("rabbitmqctl {} on {}", args.join(" "), self.node_name))?;
        }
        self.wait_ready(Instant::now() + Duration::from_secs(60))
    }

    /// [`RabbitServer::start`] with AMQP over TLS only, on port `P+5` (reserve 6 ports),
    /// presenting the test certificate of [`crate::tls`].
    pub fn start_tls(base_dir: &Path, amqp_port: u16) -> anyhow::Result<RabbitServer> {
        let r = RabbitServer::at(base_dir, amqp_port)?;
        let r = RabbitServer {
            tls_port: Some(r.epmd_port + 1),
            ..r
        };
        r.ensure_started()?;
        Ok(r)
    }

    /// The `rabbitmq.conf` lines of the AMQP listener: plain, or TLS only.
    fn listener_config(&self) -> anyhow::Result<String> {
        let Some(tls_port) = self.tls_port else {
            return Ok(format!("listeners.tcp.1 = 127.0.0.1:{}\n", self.amqp_port));
        };
        let (cert, key) = crate::tls::server_files();
        let dir = self.base_dir.join("tls");
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("server.pem"), cert)?;
        fs::write(dir.join("server.key"), key)?;
        Ok(format!(
            "listeners.tcp = none\n\
             listeners.ssl.1 = 127.0.0.1:{tls_port}\n\
             ssl_options.certfile = {}\n\
             ssl_options.keyfile = {}\n\
             ssl_options.verify = verify_none\n\
             ssl_options.fail_if_no_peer_cert = false\n",
            dir.join("server.pem").display(),
            dir.join("server.key").display(),
        ))
    }

    /// The port the AMQP clients use: the TLS one when there is one.
    fn client_port(&self) -> u16 {
        self.tls_port.unwrap_or(self.amqp_port)
    }

    /// Writes the configuration, starts the node detached and waits (up to 60 s)
    /// until it accepts connections. Returns at once when it already runs.
    pub fn start(base_dir: &Path, amqp_port: u16) -> anyhow::Result<RabbitServer> {
        let r = RabbitServer::at(base_dir, amqp_port)?;
        r.ensure_started()?;
        Ok(r)
    }

    fn pid_file(&self) -> PathBuf {
        self.base_dir.join("rabbit.pid")
    }

    /// The node's console output (its own logs are under `log/`).
    pub fn log_file(&self) -> PathBuf {
        self.base_dir.join("stdout.log")
    }

    fn envs(&self) -> Vec<(&'static str, String)> {
        let d = |p: &str| self.base_dir.join(p).to_string_lossy().into_owned();
        vec![
            ("HOME", d("home")),
            ("RABBITMQ_BASE", d("")),
            ("RABBITMQ_CONF_ENV_FILE", d("rabbitmq-env.conf")),
            ("RABBITMQ_CONFIG_FILE", d("rabbitmq.conf")),
            ("RABBITMQ_ENABLED_PLUGINS_FILE", d("enabled_plugins")),
            ("RABBITMQ_MNESIA_BASE", d("mnesia")),
            ("RABBITMQ_LOG_BASE", d("log")),
            ("RABBITMQ_PID_FILE", d("rabbit.pid")),
            ("RABBITMQ_NODENAME", self.node_name.clone()),
            ("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1".into()),
            ("RABBITMQ_NODE_PORT", self.amqp_port.to_string()),
            ("RABBITMQ_DIST_PORT", self.dist_port.to_string()),
            ("ERL_EPMD_PORT", self.epmd_port.to_string()),
            ("ERL_EPMD_ADDRESS", "127.0.0.1".into()),
            ("LC_ALL", "C.UTF-8".into()),
        ]
    }

    fn write_config(&self) -> anyhow::Result<()> {
        for sub in ["home", "mnesia", "log"] {
            fs::create_dir_all(self.base_dir.join(sub))?;
        }
        fs::write(self.base_dir.join("rabbitmq-env.conf"), "")?;
        if let Some(cookie) = &self.cookie {
            use std::os::unix::fs::PermissionsExt;
            let path = self.base_dir.join("home").join(".erlang.cookie");
            if !path.exists() {
                fs::write(&path, cookie)?;
                // Erlang refuses a cookie file that others may read.
                fs::set_permissions(&path, fs::Permissions::from_mode(0o400))?;
            }
        }
        fs::write(
            self.base_dir.join("enabled_plugins"),
            "[rabbitmq_management,rabbitmq_prometheus].\n",
        )?;
        fs::write(
            self.base_dir.join("rabbitmq.conf"),
            format!(
                "{listener}\
                 management.tcp.port = {mgmt}\n\
                 management.tcp.ip = 127.0.0.1\n\
                 prometheus.tcp.port = {prom}\n\
                 prometheus.tcp.ip = 127.0.0.1\n\
                 loopback_users = none\n\
                 collect_statistics_interval = 500\n",
                listener = self.listener_config()?,
                mgmt = self.mgmt_port,
                prom = self.prometheus_port,
            ),
        )?;
        Ok(())
    }

    /// Runs a RabbitMQ CLI tool (`rabbitmqctl`, `rabbitmq-plugins`, …) against this node.
    pub fn cli(&self, tool: &str) -> Command {
        let mut c = Command::new(Path::new(RABBIT_BIN).join(tool));
        c.envs(self.envs()).arg("-n").arg(&self.node_name);
        c
    }

    fn ensure_started(&self) -> anyhow::Result<()> {
        let server = Path::new(RABBIT_BIN).join("rabbitmq-server");
        if !server.is_file() {
            bail!(
                "{} not found; install RabbitMQ, e.g. `apt-get install -y rabbitmq-server`",
                server.display()
            );
        }
        fs::create_dir_all(&self.base_dir)?;
        if self.pid().is_some() {
            return self.wait_ready(Instant::now() + Duration::from_secs(60));
        }
        if port_open(self.client_port()) {
            bail!(
                "port {} is in use by something other than the node in {}",
                self.amqp_port,
                self.base_dir.display()
            );
        }
        self.write_config()?;
        let _ = fs::remove_file(self.pid_file());
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())?;
        let status = Command::new("setsid")
            .arg("-f")
            .arg(&server)
            .envs(self.envs())
            .current_dir(&self.base_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .status()
            .context("cannot run setsid (util-linux)")?;
        if !status.success() {
            bail!("cannot launch {}: {status}", server.display());
        }
        self.wait_ready(Instant::now() + Duration::from_secs(90))
    }

    /// Waits until the node's pid file names a live process and both the AMQP and
    /// the management listeners accept connections (the AMQP listener opens last in
    /// the boot sequence). Polling from here rather than `rabbitmqctl wait` keeps
    /// a second Erlang VM (which may start an epmd of its own) out of the picture.
    fn wait_ready(&self, deadline: Instant) -> anyhow::Result<()> {
        let fail = |what: &str| -> anyhow::Error {
            anyhow::anyhow!(
                "RabbitMQ node {} {what}\n--- {} ---\n{}\n--- {} ---\n{}",
                self.node_name,
                self.log_file().display(),
                tail(&self.log_file(), 20),
                self.base_dir.join("log").display(),
                tail(
                    &self
                        .base_dir
                        .join("log")
                        .join(format!("{}.log", self.node_name)),
                    20
                )
            )
        };
        loop {
            match read_pid_file(&self.pid_file()) {
                Some(pid) if !pid_alive(pid) => return Err(fail("exited during start-up")),
                Some(_) if port_open(self.client_port()) && port_open(self.mgmt_port) => {
                    return Ok(());
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(fail("did not become ready in time"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/<percent-encoded vhost>`
    pub fn amqp_url(&self, vhost: &str) -> String {
        amqp_url(&self.amqp_base(), vhost)
    }

    /// `amqps://guest:guest@localhost:TLS_PORT/<vhost>` (the name the test certificate
    /// carries); `None` without TLS.
    pub fn amqps_url(&self, vhost: &str) -> Option<String> {
        let port = self.tls_port?;
        Some(amqp_url(
            &format!("amqps://guest:guest@localhost:{port}"),
            vhost,
        ))
    }

    /// `amqp://guest:guest@127.0.0.1:PORT` (no vhost).
    pub fn amqp_base(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}", self.amqp_port)
    }

    /// `http://127.0.0.1:MGMT`
    pub fn mgmt_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.mgmt_port)
    }

    /// TERM the node, wait up to 30 s (then KILL), then stop its epmd.
    pub fn stop(&self) -> anyhow::Result<()> {
        if let Some(pid) = self.pid() {
            terminate(pid, Duration::from_secs(30));
        }
        let _ = fs::remove_file(self.pid_file());
        let _ = Command::new("epmd")
            .arg("-kill")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // The VM's main thread turns zombie (no longer "alive") before its last thread
        // has closed the listeners; a restart in that moment would find the port taken
        // "by something other than the node". Wait until they are closed too.
        let deadline = Instant::now() + Duration::from_secs(10);
        while (port_open(self.client_port()) || port_open(self.mgmt_port))
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// The beam process's pid, when it runs.
    pub fn pid(&self) -> Option<u32> {
        read_pid_file(&self.pid_file()).filter(|p| pid_alive(*p))
    }

    /// SIGKILL the node (a crash: no graceful shutdown, about 5 s faster than
    /// [`RabbitServer::stop`]) and stop its epmd. For nodes whose data is thrown
    /// away, or to simulate a broker crash.
    pub fn kill(&self) -> anyhow::Result<()> {
        if let Some(pid) = self.pid() {
            crate::util::signal(pid, "KILL");
            crate::util::wait_pid_gone(pid, Duration::from_secs(10));
        }
        self.stop()
    }

    /// Shell commands that kill this node and its epmd (for a watchdog that deletes
    /// the node's folder afterwards). Repeated a few times, because a node caught
    /// mid-start may write its pid file or start an epmd only a moment later.
    pub fn stop_script(&self) -> String {
        let pid_file = sh_quote(&self.pid_file().to_string_lossy());
        format!(
            "for round in 1 2 3 4; do\n\
               P=$(head -n1 {pid_file} 2>/dev/null)\n\
               if [ -n \"$P\" ]; then\n\
                 kill -KILL \"$P\" 2>/dev/null\n\
                 i=0; while kill -0 \"$P\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done\n\
               fi\n\
               ERL_EPMD_PORT={} epmd -kill >/dev/null 2>&1\n\
               sleep 1\n\
             done",
            self.epmd_port
        )
    }
}

/// `<base>/<percent-encoded vhost>`, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
pub fn amqp_url(base: &str, vhost: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), percent_encode(vhost))
}
