//! `cargo xtask bench`: a load benchmark of catalog + orders (release builds) on a
//! PostgreSQL and RabbitMQ of its own, reported next to the same machine's `pgbench`
//! so the figures mean something on any machine. Reports; never fails on a time.
//!
//! Measures: pgbench tpcb-like TPS; orders/s from POST to `reserved` with N
//! concurrent dealers (closed loop) and its ratio to pgbench; POST→reserved latency
//! percentiles at half that rate (open loop); one hot part ordered 100 times at once
//! (nothing oversold); each service's peak RSS. Writes `.local/bench/bench-<time>.md`
//! and `.json`.

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

const DATABASE: &str = "aftersales";
const SECRET: &str = "bench-secret";
const SERVICES: [&str; 2] = ["catalog", "orders"];

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Concurrent dealers placing orders for the throughput run
    #[arg(long, default_value_t = 16)]
    pub dealers: usize,
    /// Seconds of each timed phase (pgbench, throughput, latency)
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
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
        println!("==> cargo build --release -p catalog -p orders -p xtask");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--release",
                "-p",
                "catalog",
                "-p",
                "orders",
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
    let (peak, _) = closed_loop(&client, opts.dealers, Duration::from_secs(opts.seconds)).await?;
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
    for (svc, kib) in &rss {
        md += &format!(
            "| peak RSS {svc} (VmHWM) | {:.1} MiB |\n",
            *kib as f64 / 1024.0
        );
    }
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

/// The points of an order's way to `reserved`, each timed from the POST's commit (the
/// `order_placed` outbox row) with the services' own timestamps, so a slow tail can be
/// placed on a hop: the outbox rows' `published_at` is when the broker confirmed,
/// the inbox rows' `received_at` when the consuming transaction began.
const STAGES: [(&str, &str); 4] = [
    ("orders_relay", "order_placed confirmed by the broker"),
    ("catalog_picked_up", "catalog began applying it"),
    ("catalog_relay", "stock_reserved confirmed by the broker"),
    ("orders_picked_up", "orders began applying it"),
];

/// Percentiles of each of [`STAGES`] over the orders placed since `since`.
async fn stage_latencies(
    admin_url: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Value> {
    use diesel::sql_types::{Double, Timestamptz};
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Double)]
        orders_relay: f64,
        #[diesel(sql_type = Double)]
        catalog_picked_up: f64,
        #[diesel(sql_type = Double)]
        catalog_relay: f64,
        #[diesel(sql_type = Double)]
        orders_picked_up: f64,
    }
    let ms = |t: &str| format!("extract(epoch FROM {t} - placed.created_at)::float8 * 1000");
    let sql = format!(
        "SELECT {} AS orders_relay, {} AS catalog_picked_up, {} AS catalog_relay, {} AS orders_picked_up \
         FROM orders.outbox placed \
         JOIN catalog.inbox ci ON ci.event_id = placed.event_id \
         JOIN catalog.outbox reserved ON reserved.event_type = 'catalog.stock_reserved' \
              AND reserved.envelope->>'causation_id' = placed.event_id::text \
         JOIN orders.inbox oi ON oi.event_id = reserved.event_id \
         WHERE placed.event_type = 'orders.order_placed' AND placed.created_at >= $1",
        ms("placed.published_at"),
        ms("ci.received_at"),
        ms("reserved.published_at"),
        ms("oi.received_at"),
    );
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<Timestamptz, _>(since)
        .load(&mut conn)
        .await?;
    let percentiles = |v: Vec<f64>| {
        let v = sorted(v);
        let at = |p: f64| percentile(&v, p);
        json!({"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "samples": v.len()})
    };
    Ok(json!({
        "orders_relay": percentiles(rows.iter().map(|r| r.orders_relay).collect()),
        "catalog_picked_up": percentiles(rows.iter().map(|r| r.catalog_picked_up).collect()),
        "catalog_relay": percentiles(rows.iter().map(|r| r.catalog_relay).collect()),
        "orders_picked_up": percentiles(rows.iter().map(|r| r.orders_picked_up).collect()),
    }))
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The value at fraction `p` of `sorted` (nearest rank, rounding down); `None` when
/// there are no samples.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p) as usize)
        .copied()
}

/// Runs `xtask bench-relay` from the release build (see `relay_bench`) and returns
/// its JSON report.
fn relay_vs_raw(pg: &PgServer, rabbit: &aftersales_testkit::RabbitServer) -> anyhow::Result<Value> {
    let exe = paths::target_dir().join("release").join("xtask");
    let out = Command::new(&exe)
        .args(["bench-relay", "--database-url"])
        .arg(pg.admin_url(DATABASE))
        .arg("--amqp-url")
        .arg(rabbit.amqp_url("/"))
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        bail!(
            "bench-relay failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().context("bench-relay printed nothing")?;
    Ok(serde_json::from_str(line)?)
}

/// `pgbench -i` then a tpcb-like run on a database of its own; returns TPS.
async fn pgbench(pg: &PgServer, seconds: u64) -> anyhow::Result<f64> {
    ensure_database(&pg.admin_url("postgres"), "pgbench").await?;
    let port = pg.port.to_string();
    let base = ["-h", "127.0.0.1", "-p", port.as_str(), "-U", "postgres"];
    let init = Command::new("pgbench")
        .args(base)
        .args(["-i", "-q", "-s", "10", "pgbench"])
        .output()
        .context("pgbench not found (apt-get install postgresql-contrib or postgresql-client)")?;
    if !init.status.success() {
        bail!("pgbench -i: {}", String::from_utf8_lossy(&init.stderr));
    }
    let secs = seconds.to_string();
    let out = Command::new("pgbench")
        .args(base)
        .args([
            "-b",
            "tpcb-like",
            "-c",
            "8",
            "-j",
            "2",
            "-T",
            secs.as_str(),
            "pgbench",
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no tps in pgbench output: {text}"))
}

struct Client {
    http: reqwest::Client,
    watch: StatusWatch,
    catalog: String,
    orders: String,
    admin: String,
    warehouse: String,
    dealers: Vec<String>,
}

impl Client {
    fn new(catalog: &str, orders: &str, dealers: usize, watch: StatusWatch) -> Client {
        let keys = JwtKeys::new(SECRET);
        let mint = |role, dealer: Option<&str>| {
            keys.mint("bench", role, dealer, chrono::Duration::hours(4))
        };
        Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(256)
                .build()
                .expect("reqwest client"),
            watch,
            catalog: catalog.to_owned(),
            orders: orders.to_owned(),
            admin: mint(Role::Admin, None),
            warehouse: mint(Role::Warehouse, None),
            dealers: (0..dealers)
                .map(|i| mint(Role::Dealer, Some(&dealer_code(i))))
                .collect(),
        }
    }

    async fn post(&self, url: String, token: &str, body: Value) -> anyhow::Result<Value> {
        let res = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {url}: {status} {answer}");
        }
        Ok(answer)
    }

    async fn get(&self, url: String, token: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?)
    }

    async fn seed(&self, dealers: usize) -> anyhow::Result<()> {
        let c = |p: &str| format!("{}{p}", self.catalog);
        self.post(
            c("/api/v1/suppliers"),
            &self.admin,
            json!({"code": "SUP1", "name": "S"}),
        )
        .await?;
        self.post(
            c("/api/v1/warehouses"),
            &self.admin,
            json!({"code": "WH1", "name": "C", "kind": "central"}),
        )
        .await?;
        let parts = (0..PARTS).map(|i| (part_number(i), 1_000_000));
        for (part, qty) in parts.chain([("HOT-1".to_owned(), 50)]) {
            self.post(
                c("/api/v1/parts"),
                &self.admin,
                json!({"part_number": part, "description": part, "category": "brakes",
                       "supplier_code": "SUP1", "warranty_months": 24, "list_price": "10.00"}),
            )
            .await?;
            self.post(
                c("/api/v1/receipts"),
                &self.warehouse,
                json!({"warehouse": "WH1", "part_number": part, "qty": qty}),
            )
            .await?;
        }
        for i in 0..dealers {
            self.post(
                format!("{}/api/v1/dealers", self.orders),
                &self.admin,
                json!({"code": dealer_code(i), "name": "D", "tier": "gold", "labor_rate": "80.00",
                       "currency": "EUR", "home_warehouse": "WH1"}),
            )
            .await?;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        for part in [part_number(PARTS - 1).as_str(), "HOT-1"] {
            let url = format!("{}/api/v1/price-book?part={part}", self.orders);
            while self
                .http
                .get(&url)
                .bearer_auth(&self.dealers[0])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .ok()
                != Some(200)
            {
                if Instant::now() > deadline {
                    bail!("orders never learned {part}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// Places one order of `part` and waits until it has one of the `want` statuses;
    /// the time from the POST's answer to that, and the order as it then reads.
    async fn order_until(
        &self,
        dealer: usize,
        part: &str,
        want: &'static [&'static str],
    ) -> anyhow::Result<(Duration, Value)> {
        let token = &self.dealers[dealer];
        let order = self
            .post(
                format!("{}/api/v1/orders", self.orders),
                token,
                json!({"priority": "stock", "lines": [{"part_number": part, "qty": 1}]}),
            )
            .await?;
        let answered = Instant::now();
        let id = order["id"].as_str().context("order id")?.to_owned();
        let (seen, _) = self.watch.until(&id, want, Duration::from_secs(60)).await?;
        let latency = seen.saturating_duration_since(answered);
        let now = self
            .get(format!("{}/api/v1/orders/{id}", self.orders), token)
            .await?;
        Ok((latency, now))
    }

    async fn hot_part(self: &Arc<Self>) -> anyhow::Result<Value> {
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                let me = self.clone();
                tokio::spawn(async move {
                    me.order_until(i, "HOT-1", &["reserved", "backordered"])
                        .await
                })
            })
            .collect();
        let (mut reserved, mut backordered) = (0, 0);
        for t in tasks {
            let (_, order) = t.await??;
            reserved += order["lines"][0]["reserved"].as_i64().unwrap_or(0);
            backordered += order["lines"][0]["backordered"].as_i64().unwrap_or(0);
        }
        let stock = self
            .get(
                format!("{}/api/v1/stock/WH1/HOT-1", self.catalog),
                &self.warehouse,
            )
            .await?;
        let on_hand = stock["on_hand"].as_i64().unwrap_or(-1);
        let catalog_reserved = stock["reserved"].as_i64().unwrap_or(-1);
        Ok(json!({
            "reserved": reserved,
            "backordered": backordered,
            "on_hand": on_hand,
            "catalog_reserved": catalog_reserved,
            "oversold": (reserved - on_hand).max(0) + (catalog_reserved - on_hand).max(0),
        }))
    }
}

/// Parts the throughput and latency runs spread their orders over, so they measure
/// the pipeline rather than one stock row (the hot-part run measures that).
const PARTS: usize = 32;

fn part_number(i: usize) -> String {
    format!("B-{:03}", 100 + i % PARTS)
}

fn dealer_code(i: usize) -> String {
    format!("B{i:03}")
}

/// `dealers` tasks each placing an order and waiting for `reserved`, again and again,
/// for `time`; returns orders/s and the latencies.
async fn closed_loop(
    client: &Arc<Client>,
    dealers: usize,
    time: Duration,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..dealers)
        .map(|d| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while started.elapsed() < time {
                    let part = part_number(lat.len() * dealers + d);
                    lat.push(client.order_until(d, &part, &["reserved"]).await?.0);
                }
                anyhow::Ok(lat)
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((all.len() as f64 / started.elapsed().as_secs_f64(), all))
}

/// Orders started at `rate` per second regardless of answers, for `time`.
async fn open_loop(
    client: &Arc<Client>,
    rate: f64,
    time: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut i = 0usize;
    while started.elapsed() < time {
        let client = client.clone();
        let dealer = i % client.dealers.len();
        tasks.push(tokio::spawn(async move {
            client
                .order_until(dealer, &part_number(i), &["reserved"])
                .await
        }));
        i += 1;
        let next = started + interval * i as u32;
        tokio::time::sleep_until(next.into()).await;
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.push(t.await??.0);
    }
    Ok(lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank_below() {
        let v = sorted(vec![40.0, 10.0, 30.0, 20.0]);
        assert_eq!(percentile(&v, 0.0), Some(10.0));
        assert_eq!(percentile(&v, 0.5), Some(20.0));
        assert_eq!(percentile(&v, 0.99), Some(30.0));
        assert_eq!(percentile(&v, 1.0), Some(40.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
