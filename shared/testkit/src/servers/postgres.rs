//! A throwaway PostgreSQL cluster from the system packages.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use super::absolute;
use crate::util::{
    create_shared_dir, is_root, percent_encode, pid_alive, read_pid_file, run_checked, sh_quote,
    tail,
};

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
/// process crash loses nothing, an OS crash may) and `max_connections=300`, and loads
/// `pg_stat_statements` (the benchmark counts each service's statements with it).
#[derive(Debug, Clone)]
pub struct PgServer {
    pub port: u16,
    pub data_dir: PathBuf,
    /// Unix socket directory: `<parent of data_dir>/<data_dir name>.sock`.
    pub socket_dir: PathBuf,
    bin_dir: PathBuf,
    as_postgres: bool,
    tls: bool,
    /// Commits wait for their WAL (`synchronous_commit=on`), so a synchronous standby
    /// holds every acknowledged commit; see [`PgServer::start_replicated`].
    replicated: bool,
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
            tls: false,
            replicated: false,
        })
    }

    /// [`PgServer::start`] for a cluster that streams its WAL to standbys: commits
    /// wait for their WAL to be written (`synchronous_commit=on`; the throwaway default
    /// is off), which is what makes a commit wait for a synchronous standby too.
    /// `fsync` stays off: the faults kill processes, not the machine, so what reached
    /// the OS survives them.
    pub fn start_replicated(data_dir: &Path, port: u16) -> anyhow::Result<PgServer> {
        let pg = PgServer {
            replicated: true,
            ..PgServer::at(data_dir, port)?
        };
        pg.ensure_started()?;
        Ok(pg)
    }

    /// A streaming standby in `data_dir` (emptied first) on `port` of the primary that
    /// answers on 127.0.0.1:`source_port` (the primary's own port, or a proxy to it
    /// that then carries the replication): `pg_basebackup -R` from it, then started.
    /// It follows the primary until [`PgServer::promote`].
    pub fn start_standby_of(
        source_port: u16,
        data_dir: &Path,
        port: u16,
    ) -> anyhow::Result<PgServer> {
        let pg = PgServer {
            replicated: true,
            ..PgServer::at(data_dir, port)?
        };
        if pg.data_dir.exists() {
            fs::remove_dir_all(&pg.data_dir)?;
        }
        let parent = pg.data_dir.parent().context("data_dir has a parent")?;
        create_shared_dir(parent)?;
        if pg.as_postgres {
            run_checked(Command::new("chown").arg("postgres:postgres").arg(parent))?;
        }
        run_checked(
            pg.cmd("pg_basebackup")
                .arg("-D")
                .arg(&pg.data_dir)
                .args(["-h", "127.0.0.1", "-p", &source_port.to_string()])
                .args([
                    "-U",
                    "postgres",
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                    "--no-sync",
                ]),
        )
        .with_context(|| format!("pg_basebackup from port {source_port}"))?;
        // The copy carries the primary's log; the standby starts its own.
        let _ = fs::remove_file(pg.log_file());
        pg.ensure_started()?;
        Ok(pg)
    }

    /// `pg_ctl promote`: the standby stops following and accepts writes.
    pub fn promote(&self) -> anyhow::Result<()> {
        run_checked(
            self.cmd("pg_ctl")
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-w", "-t", "60", "promote"]),
        )?;
        Ok(())
    }

    /// SIGKILL the postmaster and every process of the cluster at once, as the loss
    /// of its machine would: no backend outlives it to answer one more query.
    pub fn kill(&self) {
        let Some(pid) = self.pid() else { return };
        // The postmaster leads its own process group (pg_ctl starts it with setsid).
        crate::util::signal_group(pid, "KILL");
        crate::util::wait_pid_gone(pid, std::time::Duration::from_secs(10));
        // A killed postmaster leaves its socket's lock file, and may stay a zombie
        // when nothing reaps it, which PostgreSQL takes for a live owner: a node
        // started on this port again would refuse. A lost machine loses the file too.
        for name in [
            format!(".s.PGSQL.{}", self.port),
            format!(".s.PGSQL.{}.lock", self.port),
        ] {
            let _ = fs::remove_file(self.socket_dir.join(name));
        }
    }

    /// [`PgServer::start`], but a new cluster accepts TCP connections over TLS only,
    /// presenting the test certificate of [`crate::tls`] (for `localhost` and
    /// `127.0.0.1`, issued by [`crate::tls::ca_file`]).
    pub fn start_tls(data_dir: &Path, port: u16) -> anyhow::Result<PgServer> {
        let pg = PgServer {
            tls: true,
            ..PgServer::at(data_dir, port)?
        };
        pg.ensure_started()?;
        Ok(pg)
    }

    /// Writes the certificate and key into a fresh cluster's folder, turns `ssl` on in
    /// its `postgresql.conf` (so a restart keeps it) and lets TCP clients in only over
    /// TLS; the Unix socket stays open for the harness.
    fn enable_tls(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let (cert, key) = crate::tls::server_files();
        for (name, pem) in [("server.crt", cert), ("server.key", key)] {
            let path = self.data_dir.join(name);
            fs::write(&path, pem)?;
            // PostgreSQL refuses a key that others may read.
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        }
        fs::write(
            self.data_dir.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )?;
        let mut conf = fs::OpenOptions::new()
            .append(true)
            .open(self.data_dir.join("postgresql.conf"))?;
        std::io::Write::write_all(
            &mut conf,
            b"ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
        )?;
        if self.as_postgres {
            run_checked(
                Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(self.data_dir.join("server.crt"))
                    .arg(self.data_dir.join("server.key"))
                    .arg(self.data_dir.join("pg_hba.conf")),
            )?;
        }
        Ok(())
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
        // Joining a cluster another test process started: leave its folder alone. A
        // `chown -R` over a live data folder races PostgreSQL's own temporary files
        // (seen: ENOENT on `pg_internal.init.NNNN`).
        if self.is_running() {
            return Ok(());
        }
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
            if self.tls {
                self.enable_tls()?;
            }
        }
        let log = self.log_file();
        let commits = if self.replicated { "on" } else { "off" };
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit={commits} \
             -c full_page_writes=off -c max_connections=300 \
             -c shared_preload_libraries=pg_stat_statements",
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
