//! `cargo xtask bench`: a load benchmark of the order pipeline (catalog + orders) and
//! the claims pipeline (inspection + recovery), release builds, on a PostgreSQL and
//! RabbitMQ of its own, reported next to the same machine's `pgbench` so the figures
//! mean something on any machine. Reports; never fails on a time.
//!
//! Measures: pgbench tpcb-like TPS before and after the order phases (their mean is
//! every ratio's yardstick); orders/s from POST to `reserved` with N
//! concurrent dealers (closed loop) and its ratio to pgbench; POST→reserved latency
//! percentiles at half that rate and at a fixed `--fixed-rate` (open loop, 60/s unless
//! told: a load that stays the same while the peak moves); one hot part ordered 100 times at once
//! (nothing oversold); each service's peak RSS; what an order of the throughput
//! phase costs: CPU per process and statements per service (`profile`); and claims/s
//! from submission to recovery line (`claims`). Unless `--quick`: the order
//! throughput again with two replicas of each service, and the order pipeline again
//! over a large history (`large`) with the plans of its hot statements (`plans`).
//! Writes `.local/bench/bench-<time>.md` and `.json`.

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
mod large;
mod load;
mod plans;
mod profile;
mod stages;

use baselines::{pgbench, pgbench_init, relay_vs_raw};
use load::{Client, closed_loop, open_loop};
use stages::{STAGES, p50_90_99, percentile, percentiles_json, sorted, stage_latencies};

const DATABASE: &str = "aftersales";
// At least 32 bytes: the services refuse a shorter shared secret.
const SECRET: &str = "bench-secret-of-the-throwaway-servers";
/// The services of the order pipeline, started first and measured alone.
const SERVICES: [&str; 2] = ["catalog", "orders"];
/// The services of the claims pipeline, started for its phase.
const CLAIM_SERVICES: [&str; 2] = ["inspection", "recovery"];
/// The database users whose statements the order phases profile, and the claims phase.
const ORDER_USERS: [&str; 2] = ["catalog_app", "orders_app"];
const CLAIM_USERS: [&str; 2] = ["inspection_app", "recovery_app"];
/// Every schema the run migrates.
const SCHEMAS: [&str; 4] = ["catalog", "orders", "inspection", "recovery"];

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
    /// Only the small data set with one replica of each service: skip the two-replica
    /// and large-data runs (a few minutes shorter)
    #[arg(long)]
    pub quick: bool,
    /// Orders per second of the fixed-rate latency phase: unlike half of the measured
    /// peak, the same load in every run and on every version, so its p99 compares
    #[arg(long, default_value_t = 60.0)]
    pub fixed_rate: f64,
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
        let mut args = vec!["build", "--release", "-p", "xtask"];
        for schema in SCHEMAS {
            args.extend(["-p", schema]);
        }
        println!("==> cargo {}", args.join(" "));
        let status = aftersales_testkit::cargo::command()
            .args(&args)
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
        let mut cmd = Command::new(&exe);
        cmd.args(["bench", "--no-build", "--seconds"])
            .arg(opts.seconds.to_string())
            .arg("--dealers")
            .arg(opts.dealers.to_string())
            .arg("--claims-workers")
            .arg(opts.claims_workers.to_string());
        if opts.quick {
            cmd.arg("--quick");
        }
        let status = cmd
            .status()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        if !status.success() {
            bail!("the release build of the benchmark failed");
        }
        return Ok(());
    }
    // A folder per run: two benchmarks at once must not remove each other's logs.
    let run_dir = dir.join(format!("run-{}", std::process::id()));
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
    let admin_url = pg.admin_url(DATABASE);

    pgbench_init(pg).await?;
    let pgbench_before = pgbench(pg, opts.seconds)?;
    println!("==> pgbench tpcb-like: {pgbench_before:.0} TPS");

    ephemeral::provision(pg, DATABASE, &SCHEMAS).await?;
    ephemeral::migrate(&paths::target_dir().join("release"), pg, DATABASE, &SCHEMAS)?;
    ephemeral::provision_broker(rabbit).await?;
    println!("==> outbox relay vs raw lapin publish with confirms");
    let relay = relay_vs_raw(pg, rabbit)?;
    let (raw_rate, relay_rate) = (relay["raw_per_s"].as_f64(), relay["relay_per_s"].as_f64());
    let (raw_rate, relay_rate) = (raw_rate.unwrap_or(0.0), relay_rate.unwrap_or(0.0));
    println!("    raw {raw_rate:.0} events/s, relay {relay_rate:.0} events/s");
    for svc in SERVICES {
        let replica = spawn_replica(&stack.servers, svc, &run_dir, 1)?;
        stack.services.push(replica);
    }
    ephemeral::wait_ready(&mut stack.services, Duration::from_secs(60)).await?;
    let watch = StatusWatch::start(&admin_url, "orders").await?;
    let client = Client::new(
        stack.url("catalog"),
        vec![stack.url("orders").to_owned()],
        opts.dealers.max(100),
        watch,
    );
    let client = Arc::new(client);
    client.seed(opts.dealers.max(100)).await?;

    let small = pipeline(&client, &admin_url, &opts, "small data set").await?;
    println!("==> hot part: 100 concurrent orders of 1 for 50 in stock");
    let hot = client.hot_part().await?;
    // The machine's speed drifts (a shared host): measured again right after the
    // order phases, the ratio's yardstick is the machine the orders ran on.
    settle()?;
    let pgbench_after = pgbench(pg, opts.seconds)?;
    println!("==> pgbench tpcb-like again: {pgbench_after:.0} TPS");
    let pgbench_tps = (pgbench_before + pgbench_after) / 2.0;
    // Started only now, so that the order phases measure catalog and orders alone.
    let mut claim_services = Vec::new();
    for svc in CLAIM_SERVICES {
        claim_services.push(spawn_replica(&stack.servers, svc, &run_dir, 1)?);
    }
    ephemeral::wait_ready(&mut claim_services, Duration::from_secs(60)).await?;
    stack.services.extend(claim_services);
    settle()?;
    println!(
        "==> claims: {} workers, {} s",
        opts.claims_workers, opts.seconds
    );
    let claims = claims::run(
        &client,
        &admin_url,
        stack.url("inspection"),
        stack.url("recovery"),
        opts.claims_workers,
        Duration::from_secs(opts.seconds),
    )
    .await?;
    let rss = stack.peak_rss_kib();
    // The later order phases measure catalog and orders alone again.
    stack.services.retain(|s| !CLAIM_SERVICES.contains(&s.name));

    let mut report = json!({
        "at": chrono::Utc::now().to_rfc3339(),
        "dealers": opts.dealers,
        "seconds": opts.seconds,
        "pgbench_tps": pgbench_tps,
        "pgbench_tps_runs": [pgbench_before, pgbench_after],
        "orders_per_s": small.orders_per_s,
        "orders_per_pgbench_tx": small.orders_per_s / pgbench_tps,
        "latency_rate_per_s": small.latency_rate,
        "latency_samples": small.latencies_ms.len(),
        "latency_ms": small.percentiles(),
        "latency_by_stage_ms": small.stages,
        "latency_fixed_rate": small.fixed_rate_json(),
        "relay": relay,
        "relay_per_raw": relay_rate / raw_rate,
        "hot_part": hot,
        "claims": claims.json(pgbench_tps),
        "throughput_cpu_pct": small.cpu.cpu_json(),
        "throughput_statements": small.statements,
        "peak_rss_kib": rss.iter().map(|(s, k)| (s.to_string(), json!(k))).collect::<serde_json::Map<_, _>>(),
    });
    let mut md = String::from("| measure | value |\n|---|---|\n");
    md += &format!(
        "| pgbench tpcb-like (same PostgreSQL), before / after the order phases | {pgbench_tps:.0} TPS ({pgbench_before:.0} / {pgbench_after:.0}) |\n"
    );
    md += &small.summary_rows(opts.dealers, pgbench_tps);
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
    let mut sections = small.cpu.cpu_markdown("Throughput phase: CPU per process");
    sections += &profile::markdown(
        "Throughput phase: database work per order",
        &small.statements,
        "order",
    );
    sections += &claims.profile_markdown();

    if !opts.quick {
        let two = two_replicas(&mut stack, &client, &run_dir, &opts).await?;
        md += &format!(
            "| two replicas of catalog and orders, {} dealers | {:.1} orders/s ({:.2} × one replica) |\n",
            opts.dealers,
            two.orders_per_s,
            two.orders_per_s / small.orders_per_s
        );
        sections += &two.cpu_markdown("Two replicas: CPU per process");
        report["two_replicas"] = json!({
            "orders_per_s": two.orders_per_s,
            "per_one_replica": two.orders_per_s / small.orders_per_s,
            "cpu_pct": two.cpu_json(),
        });

        println!("==> large data set");
        let loaded = large::load(&admin_url, large::LARGE).await?;
        let big = pipeline(&client, &admin_url, &opts, "large data set").await?;
        let plans = plans::hot_plans(&admin_url, &big.statements).await?;
        let (p99, big_p50, big_p99) = (
            small.percentile(0.99),
            big.percentile(0.50),
            big.percentile(0.99),
        );
        md += &format!(
            "| large data set, {} dealers | {:.1} orders/s ({:.2} × small data set) |\n",
            opts.dealers,
            big.orders_per_s,
            big.orders_per_s / small.orders_per_s
        );
        md += &format!(
            "| large data set, POST→reserved at {:.1} orders/s | p50 {big_p50:.1} ms, p99 {big_p99:.1} ms ({:.2} × small data set's p99) |\n",
            big.latency_rate,
            big_p99 / p99.max(1e-3)
        );
        sections += &format!(
            "\n### Large data set: what was loaded before the run ({:.0} s)\n\n| table | rows |\n|---|---|\n",
            loaded["seconds"].as_f64().unwrap_or(0.0)
        );
        for (table, rows) in loaded["rows"].as_object().into_iter().flatten() {
            sections += &format!("| {table} | {rows} |\n");
        }
        sections += &profile::markdown(
            "Large data set: database work per order",
            &big.statements,
            "order",
        );
        sections += &plans::markdown(&plans);
        sections += &big.cpu.cpu_markdown("Large data set: CPU per process");
        report["large"] = json!({
            "loaded": loaded,
            "orders_per_s": big.orders_per_s,
            "per_small": big.orders_per_s / small.orders_per_s,
            "latency_ms": big.percentiles(),
            "p99_per_small": big_p99 / p99.max(1e-3),
            "latency_by_stage_ms": big.stages,
            "latency_fixed_rate": big.fixed_rate_json(),
            "cpu_pct": big.cpu.cpu_json(),
            "statements": big.statements,
            "plans": plans,
        });
    }
    md += &sections;
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

/// Flushes what earlier phases wrote (pgbench's tables, the relay run's queue, a
/// loaded history) from the page cache to the disk before a phase is measured: the
/// kernel's writeback of it would otherwise stall every fsync of the measurement (each
/// broker confirm waits for one) for tens to hundreds of milliseconds.
fn settle() -> anyhow::Result<()> {
    let synced = Command::new("sync").status().context("sync")?;
    if !synced.success() {
        bail!("sync failed: {synced}");
    }
    Ok(())
}

/// Starts replica `n` of `service` (release build) on the run's servers.
fn spawn_replica(
    servers: &Servers,
    service: &'static str,
    run_dir: &std::path::Path,
    n: usize,
) -> anyhow::Result<ServiceProcess> {
    let exe = paths::target_dir().join("release").join(service);
    let log = run_dir.join(format!("{service}-{n}.log"));
    let (pg, rabbit) = (servers.pg(), servers.rabbit());
    ServiceProcess::spawn(service, &exe, &log, |port| {
        let mut env = ephemeral::service_env(service, port, pg, DATABASE, rabbit, SECRET);
        env.extend([
            ("LOG_FORMAT", "json".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
            ("DB_POOL_SIZE", "20".to_owned()),
        ]);
        env
    })
}

/// One measurement of the order pipeline: throughput (closed loop), what it cost, and
/// the latency at half that rate (open loop) with its stages.
struct PipelineRun {
    orders_per_s: f64,
    cpu: Throughput,
    statements: Value,
    latency_rate: f64,
    latencies_ms: Vec<f64>,
    stages: Value,
    fixed_rate: f64,
    /// POST→reserved at `fixed_rate`, sorted.
    fixed_rate_ms: Vec<f64>,
}

impl PipelineRun {
    fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies_ms, p).unwrap_or(0.0)
    }

    fn percentiles(&self) -> Value {
        percentiles_json(&self.latencies_ms)
    }

    fn fixed_rate_json(&self) -> Value {
        json!({
            "rate_per_s": self.fixed_rate,
            "samples": self.fixed_rate_ms.len(),
            "latency_ms": percentiles_json(&self.fixed_rate_ms),
        })
    }

    /// The report's rows of the throughput and latency, stage by stage.
    fn summary_rows(&self, dealers: usize, pgbench_tps: f64) -> String {
        let mut md = format!(
            "| orders POST→reserved, {dealers} dealers | {:.1} orders/s ({:.3} × pgbench TPS) |\n",
            self.orders_per_s,
            self.orders_per_s / pgbench_tps
        );
        md += &format!(
            "| POST→reserved at {:.1} orders/s ({} orders) | p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms |\n",
            self.latency_rate,
            self.latencies_ms.len(),
            self.percentile(0.50),
            self.percentile(0.90),
            self.percentile(0.99),
        );
        for (stage, what) in STAGES {
            let p = &self.stages[stage];
            md += &format!(
                "| … {what} | p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms |\n",
                p["p50"].as_f64().unwrap_or(0.0),
                p["p90"].as_f64().unwrap_or(0.0),
                p["p99"].as_f64().unwrap_or(0.0),
            );
        }
        let [p50, p90, p99] = p50_90_99(&self.fixed_rate_ms);
        md += &format!(
            "| POST→reserved at a fixed {:.1} orders/s ({} orders) | p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms |\n",
            self.fixed_rate,
            self.fixed_rate_ms.len(),
        );
        md
    }
}

async fn pipeline(
    client: &Arc<Client>,
    admin_url: &str,
    opts: &Options,
    data: &str,
) -> anyhow::Result<PipelineRun> {
    settle()?;
    println!(
        "==> throughput, {data}: {} dealers, {} s",
        opts.dealers, opts.seconds
    );
    profile::reset_statements(admin_url).await?;
    let cpu_before = profile::CpuSnapshot::take();
    let (orders_per_s, done) =
        closed_loop(client, opts.dealers, Duration::from_secs(opts.seconds)).await?;
    let cpu = cpu_before.split(&profile::CpuSnapshot::take());
    let statements =
        profile::statements_per(admin_url, &ORDER_USERS, "order", done.len() as f64).await?;
    println!("    {orders_per_s:.1} orders/s");
    let latency_rate = orders_per_s / 2.0;
    println!(
        "==> latency, {data}: {latency_rate:.1} orders/s, {} s",
        opts.seconds
    );
    settle()?;
    let phase_started = chrono::Utc::now();
    let latencies = open_loop(client, latency_rate, Duration::from_secs(opts.seconds)).await?;
    let stages = stage_latencies(admin_url, phase_started).await?;
    println!(
        "==> latency, {data}: a fixed {:.1} orders/s, {} s",
        opts.fixed_rate, opts.seconds
    );
    settle()?;
    let fixed = open_loop(client, opts.fixed_rate, Duration::from_secs(opts.seconds)).await?;
    Ok(PipelineRun {
        orders_per_s,
        cpu: Throughput { orders_per_s, cpu },
        statements,
        latency_rate,
        latencies_ms: sorted(latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect()),
        stages,
        fixed_rate: opts.fixed_rate,
        fixed_rate_ms: sorted(fixed.iter().map(|d| d.as_secs_f64() * 1000.0).collect()),
    })
}

/// The throughput of the closed loop with a second replica of each service running
/// beside the first (the dealers spread over both orders replicas; the catalog
/// replicas share its queue), and its CPU split. The second replicas stop after.
async fn two_replicas(
    stack: &mut Stack,
    client: &Client,
    run_dir: &std::path::Path,
    opts: &Options,
) -> anyhow::Result<Throughput> {
    let mut second = Vec::new();
    for svc in SERVICES {
        second.push(spawn_replica(&stack.servers, svc, run_dir, 2)?);
    }
    ephemeral::wait_ready(&mut second, Duration::from_secs(60)).await?;
    let orders: Vec<String> = [stack.url("orders")]
        .into_iter()
        .chain(
            second
                .iter()
                .filter(|s| s.name == "orders")
                .map(|s| s.url.as_str()),
        )
        .map(str::to_owned)
        .collect();
    let client = Arc::new(client.with_orders(orders));
    settle()?;
    println!(
        "==> throughput, two replicas: {} dealers, {} s",
        opts.dealers, opts.seconds
    );
    let cpu_before = profile::CpuSnapshot::take();
    let (orders_per_s, _) =
        closed_loop(&client, opts.dealers, Duration::from_secs(opts.seconds)).await?;
    let cpu = cpu_before.split(&profile::CpuSnapshot::take());
    println!("    {orders_per_s:.1} orders/s");
    drop(second);
    Ok(Throughput { orders_per_s, cpu })
}

/// A closed-loop throughput and the CPU each process group took during it.
struct Throughput {
    orders_per_s: f64,
    cpu: Vec<(String, f64)>,
}

impl Throughput {
    fn cpu_json(&self) -> serde_json::Map<String, Value> {
        self.cpu
            .iter()
            .map(|(g, p)| (g.clone(), json!(p)))
            .collect()
    }

    fn cpu_markdown(&self, title: &str) -> String {
        profile::cpu_markdown(title, &self.cpu, "order", self.orders_per_s)
    }
}
