//! `cargo xtask test`: format check, clippy, then the whole test suite against a
//! throwaway PostgreSQL and RabbitMQ (not the `up` ones) that are removed afterwards.

use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use aftersales_testkit::provision::ensure_database;
use aftersales_testkit::util::{fresh_temp_dir, sh_quote, spawn_watchdog};
use aftersales_testkit::{PgServer, RabbitServer, TEST_DATABASE, free_port, free_port_block};
use anyhow::Context;

use crate::paths;

/// Throwaway servers; stopped and deleted on drop (and by a watchdog should this
/// process die without unwinding).
struct TestStack {
    dir: PathBuf,
    pg: Option<PgServer>,
    rabbit: Option<RabbitServer>,
}

impl TestStack {
    fn start() -> anyhow::Result<TestStack> {
        let dir = fresh_temp_dir("aftersales-xtask-test")?;
        let pg = PgServer::at(&dir.join("pg"), free_port())?;
        let rabbit = RabbitServer::at(&dir.join("rabbitmq"), free_port_block(5))?;
        spawn_watchdog(
            std::process::id(),
            &format!(
                "{}\n{}\nrm -rf {}",
                pg.stop_script(),
                rabbit.stop_script(),
                sh_quote(&dir.to_string_lossy())
            ),
        )?;
        let mut stack = TestStack {
            dir,
            pg: None,
            rabbit: None,
        };
        let (p, r) = std::thread::scope(|s| {
            let p = s.spawn(|| PgServer::start(&pg.data_dir, pg.port));
            let r = s.spawn(|| RabbitServer::start(&rabbit.base_dir, rabbit.amqp_port));
            (
                p.join().expect("pg start-up panicked"),
                r.join().expect("rabbit start-up panicked"),
            )
        });
        // Keep whatever started so that drop stops it even if the other failed.
        stack.pg = p.as_ref().ok().cloned();
        stack.rabbit = r.as_ref().ok().cloned();
        p?;
        r?;
        Ok(stack)
    }
}

impl Drop for TestStack {
    fn drop(&mut self) {
        // Everything is deleted afterwards: no graceful shutdown needed.
        if let Some(r) = &self.rabbit
            && let Err(e) = r.kill()
        {
            eprintln!("xtask: stopping test RabbitMQ: {e:#}");
        }
        if let Some(p) = &self.pg
            && let Err(e) = p.stop_immediate()
        {
            eprintln!("xtask: stopping test PostgreSQL: {e:#}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(paths::root());
    c
}

fn step(name: &str, cmd: &mut Command) -> anyhow::Result<ExitStatus> {
    let t = Instant::now();
    println!("==> {name}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    println!(
        "==> {name}: {} in {:.1}s",
        if status.success() { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    Ok(status)
}

fn code(status: ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}

/// Runs the suite; returns the exit code to propagate.
pub async fn run(args: &[String], lint: bool) -> anyhow::Result<i32> {
    // Ctrl-C reaches the children (same process group); this process survives it so
    // that the throwaway servers get stopped.
    let _sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot handle SIGINT")?;
    let t0 = Instant::now();

    // The servers start (about 7 s) while fmt and clippy run.
    let servers = std::thread::spawn(TestStack::start);
    let joined = |h: std::thread::JoinHandle<anyhow::Result<TestStack>>| {
        h.join().expect("server start-up panicked")
    };

    if lint {
        let fmt = step(
            "cargo fmt --check",
            cargo().args(["fmt", "--all", "--", "--check"]),
        )?;
        if !fmt.success() {
            drop(joined(servers));
            return Ok(code(fmt));
        }
        let clippy = step(
            "cargo clippy",
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
        if !clippy.success() {
            drop(joined(servers));
            return Ok(code(clippy));
        }
    }

    let stack = joined(servers).context("starting the test servers")?;
    let pg = stack.pg.as_ref().expect("started");
    let rabbit = stack.rabbit.as_ref().expect("started");
    ensure_database(&pg.admin_url("postgres"), TEST_DATABASE).await?;
    println!(
        "==> test servers: postgres 127.0.0.1:{}, rabbitmq 127.0.0.1:{} (management {})",
        pg.port,
        rabbit.amqp_port,
        rabbit.mgmt_url()
    );

    let nextest = cargo()
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let mut cmd = cargo();
    if nextest {
        cmd.args(["nextest", "run", "--no-fail-fast"]);
    } else {
        cmd.args(["test", "--no-fail-fast"]);
    }
    // The whole workspace unless the caller picked packages.
    let picks_packages = args
        .iter()
        .any(|a| a == "-p" || a.starts_with("--package") || a.starts_with("-p"));
    if !picks_packages {
        cmd.arg("--workspace");
    }
    cmd.args(args)
        .env("AFTERSALES_TEST_PG_URL", pg.admin_url(TEST_DATABASE))
        .env("AFTERSALES_TEST_AMQP_URL", rabbit.amqp_base())
        .env("AFTERSALES_TEST_RABBIT_MGMT_URL", rabbit.mgmt_url());
    let tests = step(
        if nextest {
            "cargo nextest run"
        } else {
            "cargo test"
        },
        &mut cmd,
    )?;
    drop(stack);
    println!("==> total {:.1}s", t0.elapsed().as_secs_f64());
    Ok(code(tests))
}
