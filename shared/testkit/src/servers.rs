//! Throwaway PostgreSQL and RabbitMQ servers from the system packages, no Docker.
//!
//! Both launchers are idempotent: starting a server that already runs from the same
//! folder returns at once. Everything listens on 127.0.0.1 only.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::util::{
    create_shared_dir, is_root, percent_encode, pid_alive, read_pid_file, run_checked, sh_quote,
    tail, terminate,
};

/// A free TCP port on 127.0.0.1, chosen by the OS.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind 127.0.0.1:0 to find a free port")
}

/// The first of `n` consecutive TCP ports that are all free on 127.0.0.1.
///
/// Blocks are picked at random below the Linux ephemeral range (20000–32000), so
/// outgoing connections and [`free_port`] do not collide with them.
pub fn free_port_block(n: u16) -> u16 {
    assert!((1..=100).contains(&n), "port block size must be 1..=100");
    for _ in 0..500 {
        let r = u16::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..2].try_into().unwrap());
        let base = 20000 + r % (12000 - n);
        let held: Result<Vec<TcpListener>, _> = (base..base + n)
            .map(|p| TcpListener::bind(("127.0.0.1", p)))
            .collect();
        if held.is_ok() {
            return base;
        }
    }
    panic!("no block of {n} free consecutive ports found on 127.0.0.1");
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

// ---------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the newest
/// `/usr/lib/postgresql/<major>/bin` (Debian), else the directory of `pg_ctl` on PATH.
pub fn pg_bin_dir() -> anyhow::Result<PathBuf> {
    let mut best: Option<(u32, PathBuf)> = None;
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        for e in entries.flatten() {
            let bin = e.path().join("bin");
            let major = e.file_name().to_string_lossy().parse::<u32>().ok();
            if let Some(major) = major
                && bin.join("initdb").is_file()
                && best.as_ref().is_none_or(|(m, _)| major > *m)
            {
                best = Some((major, bin));
            }
        }
    }
    if let Some((_, bin)) = best {
        return Ok(bin);
    }
    if let Some(pg_ctl) = crate::util::which("pg_ctl")
        && let Some(dir) = pg_ctl.parent()
        && dir.join("initdb").is_file()
    {
        return Ok(dir.to_path_buf());
    }
    bail!(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); \
         install them, e.g. `apt-get install -y postgresql`"
    )
}

/// A PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port`.
///
/// The cluster uses `trust` authentication, `fsync=off` (a throwaway instance: a
/// process crash loses nothing, an OS crash may) and `max_connections=300`.
#[derive(Debug, Clone)]
pub struct PgServer {
    pub port: u16,
    pub data_dir: PathBuf,
    /// Unix socket directory: `<parent of data_dir>/<data_dir name>.sock`.
    pub socket_dir: PathBuf,
    bin_dir: PathBuf,
    as_postgres: bool,
}

impl PgServer {
    /// Describes the cluster in `data_dir` on `port` without starting anything
    /// (for `stop`, `pid` and status checks).
    pub fn at(data_dir: &Path, port: u16) -> anyhow::Result<PgServer> {
        let data_dir = absolute(data_dir)?;
        let parent = data_dir
            .parent()
            .context("data_dir must have a parent directory")?
            .to_path_buf();
        let name = data_dir
            .file_name()
            .context("data_dir must have a name")?
            .to_string_lossy()
            .into_owned();
        Ok(PgServer {
            port,
            socket_dir: parent.join(format!("{name}.sock")),
            data_dir,
            bin_dir: pg_bin_dir()?,
            as_postgres: is_root(),
        })
    }

    /// `initdb` (when `data_dir` holds no cluster yet) and `pg_ctl start` on
    /// 127.0.0.1:`port`. As root, runs both as the `postgres` user via `runuser` and
    /// hands the folders to it. Returns at once when the cluster already runs.
    pub fn start(data_dir: &Path, port: u16) -> anyhow::Result<PgServer> {
        let pg = PgServer::at(data_dir, port)?;
        pg.ensure_started()?;
        Ok(pg)
    }

    fn cmd(&self, tool: &str) -> Command {
        let exe = self.bin_dir.join(tool);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        // Never inherit the terminal's process group: a Ctrl-C in the caller must not
        // shut the server down behind its back.
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        c.env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
        c
    }

    /// Whether `pg_ctl status` reports the cluster as running.
    pub fn is_running(&self) -> bool {
        if !self.data_dir.join("PG_VERSION").is_file() {
            return false;
        }
        self.cmd("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn ensure_started(&self) -> anyhow::Result<()> {
        create_shared_dir(&self.data_dir)?;
        create_shared_dir(&self.socket_dir)?;
        if self.as_postgres {
            run_checked(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&self.data_dir)
                    .arg(&self.socket_dir),
            )?;
        }
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&self.data_dir, fs::Permissions::from_mode(0o700))?;
        }
        if self.is_running() {
            return Ok(());
        }
        if !self.data_dir.join("PG_VERSION").is_file() {
            if fs::read_dir(&self.data_dir)?.next().is_some() {
                bail!(
                    "{} is neither empty nor a PostgreSQL cluster",
                    self.data_dir.display()
                );
            }
            run_checked(
                self.cmd("initdb")
                    .arg("-D")
                    .arg(&self.data_dir)
                    .args(["-U", "postgres", "-A", "trust", "-E", "UTF8"])
                    .args(["--locale=C.UTF-8", "--no-sync"]),
            )
            .with_context(|| {
                format!(
                    "initdb failed (as root, the `postgres` user must be able to reach {})",
                    self.data_dir.display()
                )
            })?;
        }
        let log = self.log_file();
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            self.port,
            sh_quote(&self.socket_dir.to_string_lossy())
        );
        let res = run_checked(
            self.cmd("pg_ctl")
                .arg("-D")
                .arg(&self.data_dir)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &opts, "start"]),
        );
        if let Err(e) = res {
            bail!(
                "PostgreSQL failed to start on port {}: {e:#}\n--- {} ---\n{}",
                self.port,
                log.display(),
                tail(&log, 30)
            );
        }
        Ok(())
    }

    /// The server log (inside the data folder).
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("server.log")
    }

    /// `postgres://postgres@127.0.0.1:PORT/<db>`
    pub fn admin_url(&self, db: &str) -> String {
        pg_admin_url(self.port, db)
    }

    /// `pg_ctl stop -m fast`; a stopped cluster is fine.
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        run_checked(
            self.cmd("pg_ctl")
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-m", "fast", "-w", "-t", "60", "stop"]),
        )?;
        Ok(())
    }

    /// The postmaster's pid, when it runs.
    pub fn pid(&self) -> Option<u32> {
        read_pid_file(&self.data_dir.join("postmaster.pid")).filter(|p| pid_alive(*p))
    }

    /// `pg_ctl stop -m immediate` (no checkpoint; for clusters that are thrown away
    /// or to simulate a crash); a stopped cluster is fine.
    pub fn stop_immediate(&self) -> anyhow::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        run_checked(self.cmd("pg_ctl").arg("-D").arg(&self.data_dir).args([
            "-m",
            "immediate",
            "-w",
            "-t",
            "60",
            "stop",
        ]))?;
        Ok(())
    }

    /// Shell commands that stop this cluster at once (for a watchdog).
    pub fn stop_script(&self) -> String {
        let pg_ctl = sh_quote(&self.bin_dir.join("pg_ctl").to_string_lossy());
        let prefix = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!(
            "{prefix}{pg_ctl} -D {} -m immediate -w stop >/dev/null 2>&1",
            sh_quote(&self.data_dir.to_string_lossy())
        )
    }
}

pub(crate) fn pg_admin_url(port: u16, db: &str) -> String {
    format!(
        "postgres://postgres@127.0.0.1:{port}/{}",
        percent_encode(db)
    )
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

// ---------------------------------------------------------------------------------
// RabbitMQ
// ---------------------------------------------------------------------------------

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
        })
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
        fs::write(
            self.base_dir.join("enabled_plugins"),
            "[rabbitmq_management,rabbitmq_prometheus].\n",
        )?;
        fs::write(
            self.base_dir.join("rabbitmq.conf"),
            format!(
                "listeners.tcp.1 = 127.0.0.1:{amqp}\n\
                 management.tcp.port = {mgmt}\n\
                 management.tcp.ip = 127.0.0.1\n\
                 prometheus.tcp.port = {prom}\n\
                 prometheus.tcp.ip = 127.0.0.1\n\
                 loopback_users = none\n\
                 collect_statistics_interval = 500\n",
                amqp = self.amqp_port,
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
        if port_open(self.amqp_port) {
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
                Some(_) if port_open(self.amqp_port) && port_open(self.mgmt_port) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_urls() {
        let r = RabbitServer::at(Path::new("/tmp/x"), 30000).unwrap();
        assert_eq!(r.amqp_url("/"), "amqp://guest:guest@127.0.0.1:30000/%2f");
        assert_eq!(
            r.amqp_url("t_abc"),
            "amqp://guest:guest@127.0.0.1:30000/t_abc"
        );
        assert_eq!(r.mgmt_url(), "http://127.0.0.1:30001");
        assert_eq!(
            (r.prometheus_port, r.dist_port, r.epmd_port),
            (30002, 30003, 30004)
        );
        assert_eq!(r.node_name, "rabbit_30000@localhost");
        assert_eq!(
            amqp_url("amqp://guest:guest@h:1/", "a/b"),
            "amqp://guest:guest@h:1/a%2fb"
        );
        assert_eq!(
            pg_admin_url(5432, "aftersales"),
            "postgres://postgres@127.0.0.1:5432/aftersales"
        );
    }

    #[test]
    fn port_blocks_are_free() {
        let base = free_port_block(5);
        for p in base..base + 5 {
            TcpListener::bind(("127.0.0.1", p)).expect("port of block is free");
        }
        assert_ne!(free_port(), 0);
    }
}
