//! `cargo xtask bench`: a load benchmark of the order pipeline (catalog + orders) and
//! the claims pipeline (inspection + recovery), release builds, on a PostgreSQL and
//! RabbitMQ of its own, reported next to the same machine's `pgbench` so the figures
//! mean something on any machine. Reports; never fails on a time.
//!
//! Measures: pgbench tpcb-like TPS; orders/s from POST to `reserved` with N
//! concurrent dealers (closed loop) and its ratio to pgbench; POST→reserved latency
//! percentiles at half that rate (open loop); one hot part ordered 100 times at once
//! (nothing oversold); each service's peak RSS; what an order of the throughput
//! phase costs: CPU per process and statements per service (`profile`); and, after
//! all that, claims/s from submission to recovery line (`claims`). Writes
//! `.local/bench/bench-<time>.md` and `.json`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aftersales_testkit::PgServer;
use aftersales_testkit::provision::ensure_database;
use aftersales_web::{JwtKeys, Role};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::ephemeral::{self, Servers, ServiceProcess};
use crate::paths;
use crate::watch::StatusWatch;

mod baselines;
mod claims;
mod load;
mod profile;
mod stages;

use baselines::{pgbench, relay_vs_raw};
use load::{Client, closed_loop, open_loop};
use stages::{STAGES, percentile, sorted, stage_latencies};

const DATABASE: &str = "aftersales";
// At least 32 bytes: the services refuse a shorter shared secret.
const SECRET: &str = "bench-secret-of-the-throwaway-servers";
const SERVICES: [&str; 4] = ["catalog", "orders", "inspection", "recovery"];

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Concurrent dealers placing orders for the throughput run: enough to keep the
    /// pipeline full (each order spends two broker confirms, about 16 ms, in flight)
    #[arg(long, default_value_t = 64)]
    pub dealers: usize,
    /// Seconds of each timed phase (pgbench, throughput, latency, claims)
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Concurrent claims in the claims phase (each a dealer's claim through quality's
    /// steps until recovery has its line)
    #[arg(long, default_value_t = 16)]
    pub claims_workers: usize,
    /// Skip `cargo build --release` (use the binaries already in target/release)
    #[arg(long)]
    pub no_build: bool,
}

/// The servers and service processes of one run, stopped on drop (the services
/// first: fields drop in order).
struct Stack {
    services: Vec<ServiceProcess>,
    servers: Servers,
}

impl Stack {
    fn url(&self, service: &str) -> &str {
        self.services
            .iter()
            .find(|s| s.name == service)
            .map_or("", |s| s.url.as_str())
    }

    fn peak_rss_kib(&self) -> Vec<(&'static str, u64)> {
        self.services
            .iter()
            .map(|service| {
                let status = std::fs::read_to_string(format!("/proc/{}/status", service.pid()))
                    .unwrap_or_default();
                let kib = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                    .unwrap_or(0);
                (service.name, kib)
            })
            .collect()
    }
}

pub async fn run(opts: Options) -> anyhow::Result<()> {
    let dir = paths::local().join("bench");
    std::fs::create_dir_all(&dir)?;
    if !opts.no_build {
        println!(
            "==> cargo build --release -p catalog -p orders -p inspection -p recovery -p xtask"
        );
        let status = aftersales_testkit::cargo::command()
            .args([
                "build",
                "--release",
                "-p",
                "catalog",
                "-p",
                "orders",
                "-p",
                "inspection",
                "-p",
                "recovery",
                "-p",
                "xtask",
            ])
            .current_dir(paths::root())
            .status()
            .context("cargo build")?;
        if !status.success() {
            bail!("release build failed");
        }
    }
    if cfg!(debug_assertions) {
        // The load generator shares the machine with what it measures: run it
        // from the release build too, or its own overhead counts against the system.
        let exe = paths::target_dir().join("release").join("xtask");
        let status = Command::new(&exe)
            .args(["bench", "--no-build", "--seconds"])
            .arg(opts.seconds.to_string())
            .arg("--dealers")
            .arg(opts.dealers.to_string())
            .arg("--claims-workers")
            .arg(opts.claims_workers.to_string())
            .status()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        if !status.success() {
            bail!("the release build of the benchmark failed");
        }
        return Ok(());
    }
    let run_dir = dir.join("run");
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(&run_dir)?;
    let mut stack = Stack {
        services: Vec::new(),
        servers: Servers::start("aftersales-xtask-bench")?,
    };
    let (pg, rabbit) = (stack.servers.pg(), stack.servers.rabbit());
    println!(
        "==> postgres 127.0.0.1:{}, rabbitmq 127.0.0.1:{}",
        pg.port, rabbit.amqp_port
    );

    let pgbench_tps = pgbench(pg, opts.seconds).await?;
    println!("==> pgbench tpcb-like: {pgbench_tps:.0} TPS");

    ephemeral::provision(pg, DATABASE, &SERVICES).await?;
    ephemeral::migrate(
        &paths::target_dir().join("release"),
        pg,
        DATABASE,
        &SERVICES,
    )?;
    ephemeral::provision_broker(rabbit).await?;
    println!("==> outbox relay vs raw lapin publish with confirms");
    let relay = relay_vs_raw(pg, rabbit)?;
    let (raw_rate, relay_rate) = (relay["raw_per_s"].as_f64(), relay["relay_per_s"].as_f64());
    let (raw_rate, relay_rate) = (raw_rate.unwrap_or(0.0), relay_rate.unwrap_or(0.0));
    println!("    raw {raw_rate:.0} events/s, relay {relay_rate:.0} events/s");
    for svc in SERVICES {
        let exe = paths::target_dir().join("release").join(svc);
        let log = run_dir.join(format!("{svc}.log"));
        let service = ServiceProcess::spawn(svc, &exe, &log, |port| {
            let mut env = ephemeral::service_env(svc, port, pg, DATABASE, rabbit, SECRET);
            env.extend([
                ("LOG_FORMAT", "json".to_owned()),
                ("RUST_LOG", "warn".to_owned()),
                ("DB_POOL_SIZE", "20".to_owned()),
            ]);
            env
        })?;
        stack.services.push(service);
    }
    ephemeral::wait_ready(&mut stack.services, Duration::from_secs(60)).await?;
    let watch = StatusWatch::start(&pg.admin_url(DATABASE), "orders").await?;
    let client = Client::new(
        stack.url("catalog"),
        stack.url("orders"),
        opts.dealers.max(100),
        watch,
    );
    let client = Arc::new(client);
    client.seed(opts.dealers.max(100)).await?;

    println!(
        "==> throughput: {} dealers, {} s",
        opts.dealers, opts.seconds
    );
    profile::reset_statements(&pg.admin_url(DATABASE)).await?;
    let cpu_before = profile::CpuSnapshot::take();
    let (peak, done) =
        closed_loop(&client, opts.dealers, Duration::from_secs(opts.seconds)).await?;
    let cpu = cpu_before.split(&profile::CpuSnapshot::take());
    let statements = profile::statements_per_order(
        &pg.admin_url(DATABASE),
        &["catalog_app", "orders_app"],
        done.len() as f64,
    )
    .await?;
    println!("    {peak:.1} orders/s");
    let half = peak / 2.0;
    println!("==> latency at {half:.1} orders/s, {} s", opts.seconds);
    let phase_started = chrono::Utc::now();
    let latencies = open_loop(&client, half, Duration::from_secs(opts.seconds)).await?;
    let stages = stage_latencies(&pg.admin_url(DATABASE), phase_started).await?;
    let latencies_ms = sorted(latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect());
    let pct = |p: f64| percentile(&latencies_ms, p).unwrap_or(0.0);
    let (p50, p90, p99) = (pct(0.50), pct(0.90), pct(0.99));
    println!("==> hot part: 100 concurrent orders of 1 for 50 in stock");
    let hot = client.hot_part().await?;
    println!(
        "==> claims: {} workers, {} s",
        opts.claims_workers, opts.seconds
    );
    let claims = claims::run(
        &client,
        &pg.admin_url(DATABASE),
        stack.url("inspection"),
        stack.url("recovery"),
        opts.claims_workers,
        Duration::from_secs(opts.seconds),
    )
    .await?;
    let rss = stack.peak_rss_kib();

    let report = json!({
        "at": chrono::Utc::now().to_rfc3339(),
        "dealers": opts.dealers,
        "seconds": opts.seconds,
        "pgbench_tps": pgbench_tps,
        "orders_per_s": peak,
        "orders_per_pgbench_tx": peak / pgbench_tps,
        "latency_rate_per_s": half,
        "latency_samples": latencies.len(),
        "latency_ms": {"p50": p50, "p90": p90, "p99": p99},
        "latency_by_stage_ms": stages,
        "relay": relay,
        "relay_per_raw": relay_rate / raw_rate,
        "hot_part": hot,
        "claims": claims.json(pgbench_tps),
        "throughput_cpu_pct": cpu.iter().map(|(g, p)| (g.clone(), json!(p))).collect::<serde_json::Map<_, _>>(),
        "throughput_statements": statements,
        "peak_rss_kib": rss.iter().map(|(s, k)| (s.to_string(), json!(k))).collect::<serde_json::Map<_, _>>(),
    });
    let mut md = String::from("| measure | value |\n|---|---|\n");
    md += &format!("| pgbench tpcb-like (same PostgreSQL) | {pgbench_tps:.0} TPS |\n");
    md += &format!(
        "| orders POST→reserved, {} dealers | {peak:.1} orders/s ({:.3} × pgbench TPS) |\n",
        opts.dealers,
        peak / pgbench_tps
    );
    md += &format!(
        "| POST→reserved at {half:.1} orders/s ({} orders) | p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms |\n",
        latencies.len()
    );
    for (stage, what) in STAGES {
        let p = &stages[stage];
        md += &format!(
            "| … {what} | p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms |\n",
            p["p50"].as_f64().unwrap_or(0.0),
            p["p90"].as_f64().unwrap_or(0.0),
            p["p99"].as_f64().unwrap_or(0.0),
        );
    }
    md += &format!(
        "| outbox relay vs raw lapin publish with confirms ({} events) | {relay_rate:.0} vs {raw_rate:.0} events/s ({:.2} × raw) |\n",
        relay["events"],
        relay_rate / raw_rate
    );
    md += &format!(
        "| hot part, 100 concurrent orders for 50 units | reserved {}, backordered {}, on hand {}, oversold {} |\n",
        hot["reserved"], hot["backordered"], hot["on_hand"], hot["oversold"]
    );
    md += &claims.markdown(pgbench_tps);
    for (svc, kib) in &rss {
        md += &format!(
            "| peak RSS {svc} (VmHWM) | {:.1} MiB |\n",
            *kib as f64 / 1024.0
        );
    }
    md += &profile::markdown(&cpu, &statements, peak);
    println!("\n{md}");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let (md_path, json_path): (PathBuf, PathBuf) = (
        dir.join(format!("bench-{stamp}.md")),
        dir.join(format!("bench-{stamp}.json")),
    );
    std::fs::write(&md_path, &md)?;
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    println!("written: {} and {}", md_path.display(), json_path.display());
    drop(stack);
    let _ = std::fs::remove_dir_all(&run_dir);
    Ok(())
}
