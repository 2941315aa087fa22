//! `cargo xtask test`: format check, clippy, cargo-deny, then the whole test suite against a
//! throwaway PostgreSQL and RabbitMQ (not the `up` ones) that are removed afterwards,
//! then the console's browser tests (`cargo xtask browser-test`), then the short run
//! of `cargo xtask fuzz`.

use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use aftersales_testkit::TEST_DATABASE;
use aftersales_testkit::provision::ensure_database;
use anyhow::Context;

use crate::ephemeral::Servers;
use crate::paths;

fn cargo() -> Command {
    let mut c = aftersales_testkit::cargo::command();
    c.current_dir(paths::root());
    c
}

/// The line that closes a step opened by "==> name".
fn report(name: &str, ok: bool, started: Instant) {
    println!(
        "==> {name}: {} in {:.1}s",
        if ok { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
}

fn step(name: &str, cmd: &mut Command) -> anyhow::Result<ExitStatus> {
    let t = Instant::now();
    println!("==> {name}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    report(name, status.success(), t);
    Ok(status)
}

fn code(status: ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}

/// Runs the suite; returns the exit code to propagate. The fuzzing follows a green
/// run of the whole suite (no test-runner arguments: a run of one crate or one test
/// is not the place for it), unless `fuzz` is false.
pub async fn run(args: &[String], lint: bool, fuzz: bool) -> anyhow::Result<i32> {
    // Ctrl-C reaches the children (same process group); this process survives it so
    // that the throwaway servers get stopped.
    let _sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot handle SIGINT")?;
    let t0 = Instant::now();
    // Everything the whole run needs, in one apt-get, before anything starts.
    // (the browser tests and the fuzzing follow only a run of the whole suite).
    {
        use crate::packages::{CHROMIUM, PYTHON_VENV, SERVERS, ensure};
        let mut wanted = SERVERS.to_vec();
        if lint || args.is_empty() {
            wanted.push(PYTHON_VENV);
        }
        if args.is_empty() {
            wanted.push(CHROMIUM);
        }
        ensure(&wanted)?;
    }

    // The servers start (about 7 s) while fmt and clippy run.
    let servers = std::thread::spawn(|| Servers::start("aftersales-xtask-test"));
    let joined = |h: std::thread::JoinHandle<anyhow::Result<Servers>>| {
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
        let t = Instant::now();
        println!("==> cargo deny");
        let denied = crate::deny::run()?;
        report("cargo deny", denied, t);
        if !denied {
            drop(joined(servers));
            return Ok(1);
        }
    }

    let stack = joined(servers).context("starting the test servers")?;
    let (pg, rabbit) = (stack.pg(), stack.rabbit());
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
    let mut exit = code(tests);
    // The console in a browser, against a stack of its own (after a whole green suite).
    if exit == 0 && args.is_empty() {
        let t = Instant::now();
        println!("==> cargo xtask browser-test");
        let passed = crate::browser::run(&[]).await?;
        report("cargo xtask browser-test", passed, t);
        if !passed {
            exit = 1;
        }
    }
    if exit == 0 && fuzz && args.is_empty() {
        let t = Instant::now();
        println!("==> cargo xtask fuzz (the short run; --no-fuzz skips it)");
        let passed = crate::fuzz::run(crate::fuzz::Options::default()).await?;
        report("cargo xtask fuzz", passed, t);
        if !passed {
            exit = 1;
        }
    }
    println!("==> total {:.1}s", t0.elapsed().as_secs_f64());
    Ok(exit)
}
