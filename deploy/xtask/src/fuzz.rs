//! `cargo xtask fuzz`: schemathesis against each service's own `/openapi.json`, with
//! valid tokens, on a throwaway PostgreSQL and RabbitMQ.
//!
//! The four services run as real processes (the debug binaries), loaded with the
//! demo data and a few more rows (an order, a transfer, a unit with two claims, a
//! recovery claim) whose ids `deploy/fuzz/hooks.py` mixes into the generated path
//! parameters, so that generated requests reach real rows and not only 404s. Every
//! request carries an admin token, or the token of the role that may use the
//! operation (`deploy/fuzz/schemathesis.toml`, which also says what is checked: no
//! 5xx, status, content type and body as documented, and every 4xx/5xx a
//! problem+json document, a check of ours in `hooks.py`). Schemathesis comes from
//! PyPI, pinned with all its dependencies in `deploy/fuzz/requirements.txt` (the same
//! seed generates the same cases only with the same Hypothesis), into
//! `.local/fuzz-venv`. Reports and service logs stay in `.local/fuzz/`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use aftersales_web::{JwtKeys, Role};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::ephemeral::{self, Servers, ServiceProcess};
use crate::paths;

/// The seed of the CI run; `--seed` overrides it.
pub const DEFAULT_SEED: u64 = 62026;
/// Cases per service asked for in the CI run: the four services take about 80 s of
/// fuzzing on two idle cores (well over 1000 cases each, as the coverage, examples
/// and stateful phases add theirs); `--cases 1000` is the long run.
pub const DEFAULT_CASES: u32 = 500;

const SERVICES: [&str; 4] = ["catalog", "orders", "inspection", "recovery"];
const DATABASE: &str = "aftersales";
// At least 32 bytes: the services refuse a shorter shared secret.
const SECRET: &str = "fuzz-secret-of-the-throwaway-servers";

/// Options of `cargo xtask fuzz`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Generated test cases per service, at least (the long run: 1000)
    #[arg(long, default_value_t = DEFAULT_CASES)]
    pub cases: u32,
    /// Seed of the generated cases (printed; rerun with it to get the same cases)
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Fuzz only this service (repeatable; default: all four)
    #[arg(long = "service", value_parser = clap::builder::PossibleValuesParser::new(SERVICES))]
    pub services: Vec<String>,
    /// Keep the services running after the run until Ctrl-C (prints their URLs and
    /// the token), to replay the failures' curl commands
    #[arg(long)]
    pub hold: bool,
}

impl Default for Options {
    /// The CI run.
    fn default() -> Self {
        Options {
            cases: DEFAULT_CASES,
            seed: DEFAULT_SEED,
            services: Vec::new(),
            hold: false,
        }
    }
}

fn fuzz_dir() -> PathBuf {
    paths::local().join("fuzz")
}

fn requirements() -> PathBuf {
    paths::root().join("deploy/fuzz/requirements.txt")
}

fn hooks() -> PathBuf {
    paths::root().join("deploy/fuzz/hooks.py")
}

/// `.local/fuzz-venv` with schemathesis. Returns the `schemathesis` executable.
fn ensure_venv() -> anyhow::Result<PathBuf> {
    crate::venv::ensure("fuzz-venv", &requirements(), "schemathesis")
}

/// What one service's run found, from schemathesis' JSON report.
struct Outcome {
    service: &'static str,
    generated: u64,
    failures: u64,
    errors: u64,
    exit_code: i64,
    seconds: f64,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.exit_code == 0 && self.failures == 0 && self.errors == 0
    }
}

/// Runs the fuzzing; returns whether everything passed.
pub async fn run(opts: Options) -> anyhow::Result<bool> {
    // Ctrl-C reaches the children (same process group); this process survives it to
    // stop the servers and report.
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot handle SIGINT")?;
    let t0 = Instant::now();
    let selected: Vec<&'static str> = SERVICES
        .into_iter()
        .filter(|s| opts.services.is_empty() || opts.services.iter().any(|o| o == s))
        .collect();
    println!(
        "==> fuzzing {} with seed {} and at least {} cases per service",
        selected.join(", "),
        opts.seed,
        opts.cases
    );
    // One run at a time per checkout: they share the venv and the report folder.
    std::fs::create_dir_all(paths::local())?;
    let lock = std::fs::File::create(paths::local().join("fuzz.lock"))?;
    if lock.try_lock().is_err() {
        println!("==> waiting for another `cargo xtask fuzz` in this checkout to finish");
        lock.lock()?;
    }
    let dir = fuzz_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;

    // The venv (first time: about 20 s of pip) and the servers start side by side.
    let venv = std::thread::spawn(ensure_venv);
    let servers = std::thread::spawn(|| Servers::start("aftersales-xtask-fuzz"));
    // All four run whatever is fuzzed: the reference data travels between them.
    // Built like the test suite builds them, so this is a no-op after it.
    println!("==> cargo build --workspace --bins");
    let built = ephemeral::cargo_build(&["--quiet", "--workspace", "--bins"]);
    let servers = servers.join().expect("server start-up panicked");
    let schemathesis = venv.join().expect("venv set-up panicked")?;
    built?;
    let servers = servers.context("starting the throwaway servers")?;
    let (pg, rabbit) = (servers.pg(), servers.rabbit());
    ephemeral::provision(pg, DATABASE, &SERVICES).await?;
    ephemeral::migrate(&paths::target_dir().join("debug"), pg, DATABASE, &SERVICES)?;
    ephemeral::provision_broker(rabbit).await?;

    let mut services = Vec::new();
    for svc in SERVICES {
        let exe = paths::target_dir().join("debug").join(svc);
        let log = dir.join(format!("{svc}.log"));
        services.push(ServiceProcess::spawn(svc, &exe, &log, |port| {
            let mut env = ephemeral::service_env(svc, port, pg, DATABASE, rabbit, SECRET);
            env.extend([
                ("LOG_FORMAT", "pretty".to_owned()),
                ("RUST_LOG", "warn".to_owned()),
            ]);
            env
        })?);
    }
    ephemeral::wait_ready(&mut services, Duration::from_secs(60)).await?;
    let url = |name: &str| {
        services
            .iter()
            .find(|s| s.name == name)
            .map_or_else(String::new, |s| s.url.clone())
    };
    println!(
        "==> services ready [{:.1}s]; loading reference data",
        t0.elapsed().as_secs_f64()
    );
    let keys = JwtKeys::new(SECRET);
    let token = |role| keys.mint("demo-loader", role, None, chrono::Duration::minutes(10));
    crate::demo::load(token, url).await?;
    let refs = reference_data(&url).await?;
    let refs_file = dir.join("refs.json");
    std::fs::write(&refs_file, serde_json::to_string_pretty(&refs)?)?;
    println!(
        "==> reference data loaded [{:.1}s]",
        t0.elapsed().as_secs_f64()
    );

    let keys = JwtKeys::new(SECRET);
    let mint = |role: Role| {
        let dealer = (role == Role::Dealer).then_some(FUZZ_DEALER);
        keys.mint("fuzz", role, dealer, chrono::Duration::hours(12))
    };
    let token = mint(Role::Admin);
    let mut outcomes = Vec::new();
    let mut interrupted = false;
    for svc in &selected {
        let report = dir.join(format!("{svc}.json"));
        let started = Instant::now();
        println!("\n==> schemathesis: {svc} ({}/openapi.json)", url(svc));
        let max_examples = max_examples(&url(svc), opts.cases).await?;
        let mut cmd = tokio::process::Command::from(ephemeral::ending_with_xtask(&schemathesis));
        cmd.arg("--config-file")
            .arg(paths::root().join("deploy/fuzz/schemathesis.toml"))
            .arg("run")
            .arg(format!("{}/openapi.json", url(svc)))
            .args(["--max-examples", &max_examples.to_string()])
            .args(["--seed", &opts.seed.to_string()])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            // Shown in the output and reports: the tokens are this throwaway run's.
            .args(["--output-sanitize", "false"])
            .args(["--report", "json"])
            .arg("--report-json-path")
            .arg(&report)
            .env("SCHEMATHESIS_HOOKS", hooks())
            .env("AFTERSALES_FUZZ_REFS", &refs_file)
            .envs(
                [Role::Warehouse, Role::Dealer, Role::QualityLead].map(|role| {
                    (
                        format!("AFTERSALES_FUZZ_TOKEN_{}", role.as_str().to_uppercase()),
                        mint(role),
                    )
                }),
            )
            .current_dir(&dir)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().context("cannot start schemathesis")?;
        let status = tokio::select! {
            status = child.wait() => status?,
            _ = sigint.recv() => {
                interrupted = true;
                // It got the SIGINT too: give it a moment to stop by itself.
                match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
                    Ok(status) => status?,
                    Err(_) => {
                        child.kill().await?;
                        child.wait().await?
                    }
                }
            }
        };
        if interrupted {
            break;
        }
        let mut outcome = read_report(svc, &report).unwrap_or(Outcome {
            service: svc,
            generated: 0,
            failures: 0,
            errors: 1,
            exit_code: i64::from(status.code().unwrap_or(1)),
            seconds: 0.0,
        });
        outcome.seconds = started.elapsed().as_secs_f64();
        if status.code() != Some(0) && outcome.exit_code == 0 {
            outcome.exit_code = i64::from(status.code().unwrap_or(1));
        }
        outcomes.push(outcome);
    }

    // A service that died or panicked under the fuzzing is a finding even if every
    // answer passed (actix survives a handler's panic; the client only sees the
    // connection close).
    let mut crashed = Vec::new();
    for service in &mut services {
        if let Some(exit) = service.exited() {
            crashed.push(format!(
                "{} exited during the run ({exit}); see {}",
                service.name,
                service.log.display()
            ));
        }
        let panics = std::fs::read_to_string(&service.log)
            .unwrap_or_default()
            .matches(" panicked at ")
            .count();
        if panics > 0 {
            crashed.push(format!(
                "{} panicked {panics} time(s); see {}",
                service.name,
                service.log.display()
            ));
        }
    }

    println!("\n==> fuzz summary (seed {})", opts.seed);
    println!(
        "{:<12} {:>10} {:>9} {:>7} {:>8}",
        "service", "cases", "failures", "errors", "time"
    );
    for o in &outcomes {
        println!(
            "{:<12} {:>10} {:>9} {:>7} {:>7.0}s  {}",
            o.service,
            o.generated,
            o.failures,
            o.errors,
            o.seconds,
            if o.ok() { "ok" } else { "FAILED" }
        );
    }
    for line in &crashed {
        println!("{line}");
    }
    println!(
        "reports and service logs: {}; total {:.0}s",
        dir.display(),
        t0.elapsed().as_secs_f64()
    );
    if interrupted {
        bail!("interrupted");
    }
    let passed = crashed.is_empty() && outcomes.iter().all(Outcome::ok);
    if !passed {
        println!(
            "reproduce: cargo xtask fuzz --seed {} --cases {}{}",
            opts.seed,
            opts.cases,
            outcomes
                .iter()
                .filter(|o| !o.ok())
                .map(|o| format!(" --service {}", o.service))
                .collect::<String>()
        );
    }

    if opts.hold {
        println!("\nholding the services until Ctrl-C; token (admin): {token}");
        for s in &services {
            println!("{:<12} {}/docs", s.name, s.url);
        }
        let _ = sigint.recv().await;
    }
    ephemeral::stop_all(&mut services);
    drop(servers);
    Ok(passed)
}

/// Hypothesis examples per operation for at least `cases` per service: the fuzzing
/// phase draws up to this many for each operation, and the examples, coverage and
/// stateful phases add theirs.
async fn max_examples(base: &str, cases: u32) -> anyhow::Result<u32> {
    let spec: Value = aftersales_web::http_client::client()
        .get(format!("{base}/openapi.json"))
        .send()
        .await?
        .json()
        .await?;
    let operations = spec["paths"]
        .as_object()
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|ops| ops.len())
                .sum::<usize>()
        })
        .unwrap_or(1)
        .max(1);
    let operations = u32::try_from(operations).unwrap_or(u32::MAX);
    Ok(cases.div_ceil(operations).max(1))
}

fn read_report(service: &'static str, path: &Path) -> Option<Outcome> {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let failures = report["failures"]
        .as_array()?
        .iter()
        .filter_map(|f| f["count"].as_u64())
        .sum();
    let errors = report["errors"]
        .as_array()?
        .iter()
        .filter_map(|f| f["count"].as_u64())
        .sum();
    Some(Outcome {
        service,
        generated: report["test_cases"]["generated"].as_u64()?,
        failures,
        errors,
        exit_code: report["exit_code"].as_i64()?,
        seconds: 0.0,
    })
}

/// Requests of the reference-data loader, each with the token of the role that may
/// make it.
struct Loader {
    http: reqwest::Client,
    keys: JwtKeys,
}

impl Loader {
    fn token(&self, role: Role) -> String {
        let dealer = (role == Role::Dealer).then_some(FUZZ_DEALER);
        self.keys
            .mint("fuzz-loader", role, dealer, chrono::Duration::minutes(30))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        role: Role,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(self.token(role));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    async fn get(&self, url: &str, role: Role) -> anyhow::Result<Value> {
        match self.send(reqwest::Method::GET, url, role, None).await? {
            (200, body) => Ok(body),
            (status, body) => bail!("reference data: GET {url} answered {status}: {body}"),
        }
    }

    /// POSTs until it succeeds: what it refers to may still be on its way to this
    /// service as an event (a 4xx meanwhile), for up to 30 s.
    async fn post(&self, url: &str, role: Role, body: Value) -> anyhow::Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, answer) = self
                .send(reqwest::Method::POST, url, role, Some(&body))
                .await?;
            if (200..300).contains(&status) {
                return Ok(answer);
            }
            if status >= 500 || Instant::now() >= deadline {
                bail!("reference data: POST {url} {body} answered {status}: {answer}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// GETs until `ready` holds (events still on their way), for up to 30 s.
    async fn get_until(
        &self,
        url: &str,
        role: Role,
        ready: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, answer) = self.send(reqwest::Method::GET, url, role, None).await?;
            if status == 200 && ready(&answer) {
                return Ok(answer);
            }
            if Instant::now() >= deadline {
                bail!("reference data: GET {url} never became ready; last {status}: {answer}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The dealer whose token fuzzes dealer operations (demo data).
const FUZZ_DEALER: &str = "D001";

fn field(value: &Value, name: &str) -> Value {
    value.get(name).cloned().unwrap_or(Value::Null)
}

/// `name` of every item of a page.
fn items(page: &Value, name: &str) -> Vec<Value> {
    page["items"]
        .as_array()
        .map(|items| items.iter().map(|i| field(i, name)).collect())
        .unwrap_or_default()
}

/// Rows beyond the demo data that generated requests can hit: a transfer, an order,
/// a unit with two warranty claims (one still awaiting its part, one adjudicated as
/// a supplier defect) and the recovery line and recovery claim that follow from it.
/// Returns the ids and codes of these and the demo rows for hooks.py:
/// `{"<first path segment>": {"<path parameter>": [values]}}`.
async fn reference_data(url: &impl Fn(&str) -> String) -> anyhow::Result<Value> {
    let api = Loader {
        http: aftersales_web::http_client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        keys: JwtKeys::new(SECRET),
    };
    let (catalog, orders, inspection, recovery) = (
        url("catalog"),
        url("orders"),
        url("inspection"),
        url("recovery"),
    );
    let today = chrono::Utc::now().date_naive();
    let days_ago = |n: i64| (today - chrono::Duration::days(n)).to_string();

    let suppliers = api
        .get(&format!("{catalog}/api/v1/suppliers"), Role::Admin)
        .await?;
    let parts = api
        .get(&format!("{catalog}/api/v1/parts"), Role::Admin)
        .await?;
    let warehouses = api
        .get(&format!("{catalog}/api/v1/warehouses"), Role::Admin)
        .await?;
    let transfer = api
        .post(
            &format!("{catalog}/api/v1/transfers"),
            Role::Warehouse,
            json!({"from_warehouse": "WH1", "to_warehouse": "WH2", "part_number": "BP-1001", "qty": 1}),
        )
        .await?;

    let dealers = api
        .get(&format!("{orders}/api/v1/dealers"), Role::Admin)
        .await?;
    let order = api
        .post(
            &format!("{orders}/api/v1/orders"),
            Role::Dealer,
            json!({"priority": "stock", "lines": [{"part_number": "BP-1001", "qty": 2},
                                                  {"part_number": "FL-5001", "qty": 5}]}),
        )
        .await?;

    let serial = "VIN-FUZZ-0001";
    api.post(
        &format!("{inspection}/api/v1/units"),
        Role::Dealer,
        json!({"serial": serial, "model": "Tractor T7", "in_service_date": days_ago(200),
               "usage_at_sale": 12, "usage_unit": "hours"}),
    )
    .await?;
    let claim = |part: &str, labor: &str| {
        json!({"unit_serial": serial, "failure_date": days_ago(3), "repair_date": days_ago(2),
               "usage_at_failure": 340, "complaint": "no charge", "cause": "failed part",
               "correction": "replaced the part", "causal_part_number": part,
               "parts": [{"part_number": part, "qty": 1}],
               "labor": [{"operation_code": labor, "hours": "1.20"}]})
    };
    let open_claim = api
        .post(
            &format!("{inspection}/api/v1/claims"),
            Role::Dealer,
            claim("WP-4001", "WP-RR"),
        )
        .await?;
    let decided_claim = api
        .post(
            &format!("{inspection}/api/v1/claims"),
            Role::Dealer,
            claim("AL-3001", "ALT-RR"),
        )
        .await?;
    let claim_url = format!(
        "{inspection}/api/v1/claims/{}",
        decided_claim["id"].as_str().unwrap_or_default()
    );
    for (step, body) in [
        ("part-receipt", json!({"warehouse": "WH1", "quantity": 1})),
        (
            "findings",
            json!({"failure_mode": "bearing seized", "cause_code": "supplier_defect",
                   "responsible_supplier": "VALEO"}),
        ),
        ("decision", json!({"decision": "approved", "reasons": []})),
    ] {
        api.post(&format!("{claim_url}/{step}"), Role::QualityLead, body)
            .await?;
    }
    let policies = api
        .get(&format!("{inspection}/api/v1/policies"), Role::Admin)
        .await?;

    let agreements = api
        .get(&format!("{recovery}/api/v1/agreements"), Role::Finance)
        .await?;
    let lines = api
        .get_until(
            &format!("{recovery}/api/v1/recovery-lines?status=open"),
            Role::Finance,
            |page| !items(page, "id").is_empty(),
        )
        .await?;
    let line_ids = items(&lines, "id");
    let recovery_claim = api
        .post(
            &format!("{recovery}/api/v1/recovery-claims"),
            Role::Finance,
            json!({"line_ids": line_ids}),
        )
        .await?;

    Ok(json!({
        "suppliers": {"code": items(&suppliers, "code")},
        "parts": {"part_number": items(&parts, "part_number")},
        "warehouses": {"code": items(&warehouses, "code")},
        "stock": {"warehouse": items(&warehouses, "code"), "part_number": items(&parts, "part_number")},
        "transfers": {"id": [field(&transfer, "id")]},
        "dealers": {"code": items(&dealers, "code")},
        "orders": {"id": [field(&order, "id")]},
        "units": {"serial": [serial]},
        "claims": {"id": [field(&open_claim, "id"), field(&decided_claim, "id")]},
        "policies": {"id": items(&policies, "id")},
        "agreements": {"id": items(&agreements, "id")},
        "recovery-lines": {"id": line_ids},
        "recovery-claims": {"id": [field(&recovery_claim, "id")], "line_id": line_ids},
    }))
}
