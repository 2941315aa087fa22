//! The claims pipeline: dealers file warranty claims, quality receives the returned
//! part, finds a supplier defect and approves, and recovery turns
//! `inspection.claim_adjudicated` into a recovery line. Claims/s from the submission to
//! that line, closed loop, the latency of each claim over the same span, and how long
//! each of its steps took ([`STEPS`]).
//!
//! Runs after the order phases on their master data (supplier `SUP1`, warehouse `WH1`,
//! the dealers and their tokens), so it adds only what claims need.

use chrono::{Days, NaiveDate};
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::RunQueryDsl;

use super::load::{dealer_code, repeat};
use super::*;

/// Parts a claim may name as causal; inspection refuses a second open claim for the
/// same unit and causal part, so a unit takes one claim per part (see [`slot`]).
const PARTS: usize = 32;
const CATEGORY: &str = "cooling";
const OPERATION: &str = "OP-BENCH";

fn part_number(i: usize) -> String {
    format!("C-{:03}", 100 + i % PARTS)
}

/// The unit and causal part of a worker's `n`-th claim: every part of one unit, then
/// the next unit, so no two claims of a worker are duplicates of each other.
fn slot(n: usize) -> (usize, usize) {
    (n / PARTS, n % PARTS)
}

/// Each worker registers units of its own: workers share dealers when there are more
/// workers than dealers.
fn serial(worker: usize, unit: usize) -> String {
    format!("VIN-B{worker:03}-{unit:05}")
}

/// The steps of a claim, one after the other: the four requests, each until its
/// answer, then the wait from the decision's answer until recovery's line is seen.
const STEPS: [(&str, &str); 5] = [
    ("submit", "POST /claims (dealer)"),
    ("part_receipt", "POST …/part-receipt (quality)"),
    ("findings", "POST …/findings (quality)"),
    ("decision", "POST …/decision (quality)"),
    ("recovery_line", "decision answered → recovery line seen"),
];

/// One claim's [`STEPS`], in order.
type Timing = [Duration; STEPS.len()];

/// Claims/s and the latencies of the claims phase.
pub(super) struct Summary {
    workers: usize,
    per_s: f64,
    /// Submission to recovery line, sorted.
    latencies_ms: Vec<f64>,
    /// Each of [`STEPS`], sorted.
    steps_ms: Vec<Vec<f64>>,
    /// The database work per claim ([`profile::statements_per`]).
    statements: Value,
    /// The CPU each process group took, in % of one core.
    cpu: Vec<(String, f64)>,
}

impl Summary {
    fn of(
        workers: usize,
        per_s: f64,
        timings: &[Timing],
        statements: Value,
        cpu: Vec<(String, f64)>,
    ) -> Summary {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        Summary {
            workers,
            per_s,
            statements,
            cpu,
            latencies_ms: sorted(timings.iter().map(|t| ms(t.iter().sum())).collect()),
            steps_ms: (0..STEPS.len())
                .map(|i| sorted(timings.iter().map(|t| ms(t[i])).collect()))
                .collect(),
        }
    }

    pub(super) fn json(&self, pgbench_tps: f64) -> Value {
        let steps: serde_json::Map<_, _> = STEPS
            .iter()
            .zip(&self.steps_ms)
            .map(|((step, _), v)| (step.to_string(), percentiles_json(v)))
            .collect();
        json!({
            "workers": self.workers,
            "claims": self.latencies_ms.len(),
            "claims_per_s": self.per_s,
            "claims_per_pgbench_tx": self.per_s / pgbench_tps,
            "submit_to_recovery_line_ms": percentiles_json(&self.latencies_ms),
            "steps_ms": steps,
            "statements": self.statements,
            "cpu_pct": self.cpu.iter().map(|(g, p)| (g.clone(), json!(p))).collect::<serde_json::Map<_, _>>(),
        })
    }

    /// The report's sections on the CPU and the database work per claim.
    pub(super) fn profile_markdown(&self) -> String {
        profile::cpu_markdown(
            "Claims phase: CPU per process",
            &self.cpu,
            "claim",
            self.per_s,
        ) + &profile::markdown(
            "Claims phase: database work per claim",
            &self.statements,
            "claim",
        )
    }

    /// Rows of the report's table.
    pub(super) fn markdown(&self, pgbench_tps: f64) -> String {
        let row = |what: &str, v: &[f64]| {
            let [p50, p90, p99] = p50_90_99(v);
            format!("| {what} | p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms |\n")
        };
        let mut md = format!(
            "| claims submitted→recovery line, {} workers | {:.1} claims/s ({:.3} × pgbench TPS) |\n",
            self.workers,
            self.per_s,
            self.per_s / pgbench_tps,
        );
        md += &row(
            &format!(
                "submitted→recovery line, same run ({} claims)",
                self.latencies_ms.len()
            ),
            &self.latencies_ms,
        );
        for ((_, what), v) in STEPS.iter().zip(&self.steps_ms) {
            md += &row(&format!("… {what}"), v);
        }
        md
    }
}

struct Claims {
    /// The order phases' client: its connections, tokens and `post`.
    load: Arc<Client>,
    lines: StatusWatch,
    inspection: String,
    recovery: String,
    quality: String,
    finance: String,
    today: NaiveDate,
}

/// Seeds what claims need and runs `workers` of them in a closed loop for `time`.
pub(super) async fn run(
    load: &Arc<Client>,
    admin_url: &str,
    inspection: &str,
    recovery: &str,
    workers: usize,
    time: Duration,
) -> anyhow::Result<Summary> {
    let keys = JwtKeys::new(SECRET);
    let mint = |role| keys.mint("bench", role, None, chrono::Duration::hours(4));
    let lines = StatusWatch::on(
        admin_url,
        "SELECT claim_id::text AS id, status FROM recovery.recovery_lines \
         WHERE claim_id = ANY($1::text[]::uuid[])"
            .to_owned(),
    )
    .await?;
    let claims = Arc::new(Claims {
        load: load.clone(),
        lines,
        inspection: inspection.to_owned(),
        recovery: recovery.to_owned(),
        quality: mint(Role::Quality),
        finance: mint(Role::Finance),
        today: chrono::Utc::now().date_naive(),
    });
    claims.seed(admin_url, workers).await?;
    profile::reset_statements(admin_url).await?;
    let cpu_before = profile::CpuSnapshot::take();
    let (per_s, timings) = repeat(workers, time, move |worker, n| {
        let claims = claims.clone();
        async move { claims.one(worker, n).await }
    })
    .await?;
    let cpu = cpu_before.split(&profile::CpuSnapshot::take());
    let statements =
        profile::statements_per(admin_url, &CLAIM_USERS, "claim", timings.len() as f64).await?;
    Ok(Summary::of(workers, per_s, &timings, statements, cpu))
}

impl Claims {
    fn days_ago(&self, n: u64) -> NaiveDate {
        self.today - Days::new(n)
    }

    fn dealer(&self, worker: usize) -> usize {
        worker % self.load.dealers.len()
    }

    /// Returnable parts of supplier `SUP1` under a policy that wants them back, a labor
    /// operation, and `SUP1`'s agreement in recovery; then waits until inspection's read
    /// models know the parts and the workers' dealers.
    async fn seed(&self, admin_url: &str, workers: usize) -> anyhow::Result<()> {
        let (load, admin) = (&self.load, &self.load.admin);
        let parts: Vec<String> = (0..PARTS).map(part_number).collect();
        for part in &parts {
            load.post(
                load.catalog_url("/api/v1/parts"),
                admin,
                json!({"part_number": part, "description": part, "category": CATEGORY,
                       "supplier_code": "SUP1", "warranty_months": 24, "returnable": true,
                       "list_price": "10.00"}),
            )
            .await?;
        }
        load.post(
            format!("{}/api/v1/policies", self.inspection),
            admin,
            json!({"category": CATEGORY, "terms": {"warranty_months": 24, "usage_limit": 100000,
                   "core_replace_only_months": 0, "submission_window_days": 30,
                   "return_required": true, "return_deadline_days": 30}}),
        )
        .await?;
        load.post(
            format!("{}/api/v1/labor-operations", self.inspection),
            admin,
            json!({"code": OPERATION, "description": "Replace pump", "standard_hours": "1.0"}),
        )
        .await?;
        load.post(
            format!("{}/api/v1/agreements", self.recovery),
            &self.finance,
            json!({"supplier_code": "SUP1", "valid_from": "2020-01-01", "parts_recovery_pct": "80",
                   "labor_recovery_pct": "50", "handling_fee": "25.00", "currency": "EUR",
                   "claim_window_days": 365}),
        )
        .await?;
        let dealers: Vec<String> = (0..workers.min(load.dealers.len()))
            .map(dealer_code)
            .collect();
        until_inspection_knows(admin_url, &parts, &dealers).await
    }

    /// Claim `n` of `worker`, from the submission until recovery has its line; the unit
    /// is registered first (not timed) when the claim is its first.
    async fn one(&self, worker: usize, n: usize) -> anyhow::Result<Timing> {
        let (unit, part) = slot(n);
        let new_unit = part == 0;
        let (serial, part) = (serial(worker, unit), part_number(part));
        let dealer = &self.load.dealers[self.dealer(worker)];
        if new_unit {
            self.load
                .post(
                    format!("{}/api/v1/units", self.inspection),
                    dealer,
                    json!({"serial": serial, "model": "Hauler 7",
                           "in_service_date": self.days_ago(200),
                           "usage_at_sale": 10, "usage_unit": "km"}),
                )
                .await?;
        }
        let mut timing = Timing::default();
        let mut last = Instant::now();
        let mut lap = |i: usize, now: Instant| {
            timing[i] = now.saturating_duration_since(last);
            last = now;
        };
        let claim = self
            .load
            .post(
                format!("{}/api/v1/claims", self.inspection),
                dealer,
                json!({"unit_serial": serial, "failure_date": self.days_ago(5),
                       "repair_date": self.days_ago(2), "usage_at_failure": 15000,
                       "complaint": "Coolant leak", "cause": "Pump seal failed",
                       "correction": "Replaced pump", "causal_part_number": part,
                       "parts": [{"part_number": part, "qty": 1}],
                       "labor": [{"operation_code": OPERATION, "hours": "1.0"}]}),
            )
            .await?;
        lap(0, Instant::now());
        if claim["status"] != "awaiting_part" {
            bail!("claim for {serial} / {part} not accepted as it should be: {claim}");
        }
        let id = claim["id"].as_str().context("claim id")?;
        let url = |action: &str| format!("{}/api/v1/claims/{id}/{action}", self.inspection);
        let quality = &self.quality;
        let steps = [
            ("part-receipt", json!({"warehouse": "WH1", "quantity": 1})),
            (
                "findings",
                json!({"failure_mode": "seal leak", "cause_code": "supplier_defect"}),
            ),
            ("decision", json!({"decision": "approved"})),
        ];
        for (i, (action, body)) in steps.into_iter().enumerate() {
            self.load.post(url(action), quality, body).await?;
            lap(i + 1, Instant::now());
        }
        let (seen, status) = self
            .lines
            .until(id, &["open", "not_recoverable"], Duration::from_secs(60))
            .await?;
        if status != "open" {
            bail!("recovery line of claim {id} is {status}: SUP1's agreement did not apply");
        }
        lap(STEPS.len() - 1, seen);
        Ok(timing)
    }
}

/// Waits until inspection's read models hold `parts` and `dealers` (from catalog's and
/// orders' events): a claim naming an unknown one is refused.
async fn until_inspection_knows(
    admin_url: &str,
    parts: &[String],
    dealers: &[String],
) -> anyhow::Result<()> {
    #[derive(diesel::QueryableByName)]
    struct Known {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let want = (parts.len() + dealers.len()) as i64;
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let known: Known = diesel::sql_query(
            "SELECT (SELECT count(*) FROM inspection.parts WHERE part_number = ANY($1)) \
                  + (SELECT count(*) FROM inspection.dealers WHERE dealer_code = ANY($2)) AS n",
        )
        .bind::<Array<Text>, _>(parts)
        .bind::<Array<Text>, _>(dealers)
        .get_result(&mut conn)
        .await?;
        if known.n == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "inspection knows {} of the {want} parts and dealers after 30 s",
                known.n
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_worker_never_files_two_claims_for_one_unit_and_part() {
        let mut seen = HashSet::new();
        for n in 0..10 * PARTS {
            let (unit, part) = slot(n);
            assert!(
                seen.insert((serial(3, unit), part_number(part))),
                "claim {n}"
            );
        }
        assert_eq!(slot(PARTS), (1, 0), "a new unit after every part");
        assert_ne!(serial(1, 0), serial(0, 1));
    }

    /// Claim `i` (from 1) spent `i` ms in each step but the last, which took 4 × `i`.
    fn timings(n: u64) -> Vec<Timing> {
        (1..=n)
            .map(|i| {
                let mut t = [Duration::from_millis(i); STEPS.len()];
                t[STEPS.len() - 1] = Duration::from_millis(4 * i);
                t
            })
            .collect()
    }

    #[test]
    fn a_claim_lasts_the_sum_of_its_steps() {
        let summary = Summary::of(16, 50.0, &timings(100), Value::Null, vec![]);
        let json = summary.json(1000.0);
        assert_eq!(json["claims"], 100);
        assert_eq!(json["claims_per_pgbench_tx"], 0.05);
        assert_eq!(json["submit_to_recovery_line_ms"]["p50"], 400.0);
        assert_eq!(json["submit_to_recovery_line_ms"]["p99"], 792.0);
        assert_eq!(json["steps_ms"]["submit"]["p90"], 90.0);
        assert_eq!(json["steps_ms"]["recovery_line"]["p50"], 200.0);
    }

    #[test]
    fn the_table_gives_rate_ratio_total_and_each_step() {
        let md = Summary::of(16, 50.0, &timings(100), Value::Null, vec![]).markdown(1000.0);
        let rows: Vec<&str> = md.lines().collect();
        assert_eq!(rows.len(), 2 + STEPS.len(), "{md}");
        assert_eq!(
            rows[0],
            "| claims submitted→recovery line, 16 workers | 50.0 claims/s (0.050 × pgbench TPS) |"
        );
        assert_eq!(
            rows[1],
            "| submitted→recovery line, same run (100 claims) | p50 400.0 ms, p90 720.0 ms, p99 792.0 ms |"
        );
        assert_eq!(
            rows[2],
            "| … POST /claims (dealer) | p50 50.0 ms, p90 90.0 ms, p99 99.0 ms |"
        );
    }

    #[test]
    fn an_empty_run_reports_zeros_not_a_panic() {
        let summary = Summary::of(1, 0.0, &[], Value::Null, vec![]);
        assert_eq!(
            summary.json(1000.0)["submit_to_recovery_line_ms"]["p99"],
            0.0
        );
        assert!(summary.markdown(1000.0).contains("(0 claims)"));
    }
}
