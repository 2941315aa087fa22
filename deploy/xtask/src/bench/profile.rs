//! What one order costs: the statements and transactions each service's database user
//! ran (from `pg_stat_statements`), and the CPU each process took, over a timed phase.

use std::collections::BTreeMap;

use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::RunQueryDsl;

use super::*;

/// CPU ticks per process at one moment, with the group the process is counted in.
pub(super) struct CpuSnapshot {
    at: Instant,
    ticks: BTreeMap<u32, (String, u64)>,
}

impl CpuSnapshot {
    pub(super) fn take() -> CpuSnapshot {
        let mut ticks = BTreeMap::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse().ok()) else {
                    continue;
                };
                if let Some(sample) = process_ticks(pid) {
                    ticks.insert(pid, sample);
                }
            }
        }
        CpuSnapshot {
            at: Instant::now(),
            ticks,
        }
    }

    /// Percent of one core each group used between `self` and `later`, largest first
    /// (a process born in between counts whole; one that died in between is lost).
    pub(super) fn split(&self, later: &CpuSnapshot) -> Vec<(String, f64)> {
        let seconds = later.at.duration_since(self.at).as_secs_f64().max(1e-3);
        let hz = clock_ticks_per_second();
        let mut groups: BTreeMap<&str, u64> = BTreeMap::new();
        for (pid, (group, now)) in &later.ticks {
            let before = self.ticks.get(pid).map_or(0, |(_, t)| *t);
            *groups.entry(group).or_default() += now.saturating_sub(before);
        }
        let mut split: Vec<(String, f64)> = groups
            .into_iter()
            .map(|(g, t)| (g.to_owned(), t as f64 / hz / seconds * 100.0))
            .filter(|(_, pct)| *pct >= 0.5)
            .collect();
        split.sort_by(|a, b| b.1.total_cmp(&a.1));
        split
    }
}

/// `(group, utime + stime)` of one process; `None` when it is gone.
fn process_ticks(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((group_of(&String::from_utf8_lossy(&cmdline)), utime + stime))
}

/// The group a process is counted in: a PostgreSQL backend by its database user
/// (`postgres: <user> <db> …` in its title), PostgreSQL's own processes together, the
/// broker, and everything else by executable name.
fn group_of(cmdline: &str) -> String {
    let mut words = cmdline.split(['\0', ' ']).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or_default();
    if first == "postgres:" {
        let second = words.next().unwrap_or_default();
        // Backends name user and database; background processes name their job.
        return match words.next() {
            Some(_)
                if !matches!(
                    second,
                    "checkpointer"
                        | "background"
                        | "walwriter"
                        | "autovacuum"
                        | "logical"
                        | "archiver"
                        | "stats"
                        | "startup"
                ) =>
            {
                format!("postgres backend {second}")
            }
            _ => "postgres background".to_owned(),
        };
    }
    let exe = first.rsplit('/').next().unwrap_or(first);
    match exe {
        "beam.smp" | "erl_child_setup" | "epmd" | "inet_gethost" => "rabbitmq".to_owned(),
        "" => "kernel threads".to_owned(),
        other => other.to_owned(),
    }
}

/// The unit of `/proc/<pid>/stat` times (100 on every Linux build we know of).
fn clock_ticks_per_second() -> f64 {
    static HZ: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|hz: &f64| *hz > 0.0)
            .unwrap_or(100.0)
    })
}

/// Makes `pg_stat_statements` readable in `database` and clears it.
pub(super) async fn reset_statements(admin_url: &str) -> anyhow::Result<()> {
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut conn)
        .await?;
    diesel::sql_query("SELECT pg_stat_statements_reset()")
        .execute(&mut conn)
        .await?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Statement {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Text)]
    query: String,
    #[diesel(sql_type = BigInt)]
    calls: i64,
    #[diesel(sql_type = Double)]
    total_ms: f64,
}

/// Per service user: statements and transactions per `unit` (an order, a claim) of
/// which `count` went through, and the statements that took most of the database's
/// time, per `unit`; the keys name the unit (`statements_per_order`).
pub(super) async fn statements_per(
    admin_url: &str,
    users: &[&str],
    unit: &str,
    count: f64,
) -> anyhow::Result<Value> {
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    let rows: Vec<Statement> = diesel::sql_query(
        "SELECT r.rolname AS role, s.query, s.calls, s.total_exec_time AS total_ms \
         FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid \
         WHERE r.rolname = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(users)
    .load(&mut conn)
    .await?;
    let count = count.max(1.0);
    let mut per_user = serde_json::Map::new();
    for user in users {
        let mine: Vec<&Statement> = rows.iter().filter(|r| r.role == *user).collect();
        let calls: i64 = mine.iter().map(|r| r.calls).sum();
        let commits: i64 = mine
            .iter()
            .filter(|r| r.query.trim().eq_ignore_ascii_case("commit"))
            .map(|r| r.calls)
            .sum();
        let ms: f64 = mine.iter().map(|r| r.total_ms).sum();
        per_user.insert(
            (*user).to_owned(),
            json!({
                format!("statements_per_{unit}"): calls as f64 / count,
                format!("transactions_per_{unit}"): commits as f64 / count,
                format!("database_ms_per_{unit}"): ms / count,
            }),
        );
    }
    let mut top: Vec<&Statement> = rows.iter().collect();
    top.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
    let top: Vec<Value> = top
        .iter()
        .take(40)
        .map(|s| {
            json!({
                "user": s.role,
                format!("calls_per_{unit}"): s.calls as f64 / count,
                format!("ms_per_{unit}"): s.total_ms / count,
                "query": s.query.split_whitespace().collect::<Vec<_>>().join(" "),
            })
        })
        .collect();
    Ok(json!({"by_user": per_user, "top": top}))
}

/// A report section: the CPU each process group took, in % of one core and per `unit`.
pub(super) fn cpu_markdown(
    title: &str,
    cpu: &[(String, f64)],
    unit: &str,
    units_per_s: f64,
) -> String {
    let mut md = format!(
        "\n### {title}\n\n| process | % of one core | CPU ms per {unit} |\n|---|---|---|\n"
    );
    let total: f64 = cpu.iter().map(|(_, p)| p).sum();
    for (group, pct) in cpu.iter().chain([&("all".to_owned(), total)]) {
        let per_unit = pct / 100.0 * 1000.0 / units_per_s.max(1e-3);
        md += &format!("| {group} | {pct:.0} % | {per_unit:.2} |\n");
    }
    md
}

/// The report's section on the database work per order (or per `unit`) of a phase.
pub(super) fn markdown(title: &str, statements: &Value, unit: &str) -> String {
    let mut md = format!(
        "\n### {title}\n\n| user | statements | transactions | database ms |\n|---|---|---|---|\n"
    );
    if let Some(users) = statements["by_user"].as_object() {
        for (user, s) in users {
            md += &format!(
                "| {user} | {:.1} | {:.2} | {:.2} |\n",
                s[format!("statements_per_{unit}")].as_f64().unwrap_or(0.0),
                s[format!("transactions_per_{unit}")]
                    .as_f64()
                    .unwrap_or(0.0),
                s[format!("database_ms_per_{unit}")].as_f64().unwrap_or(0.0),
            );
        }
    }
    md += &format!(
        "\n| user | calls per {unit} | ms per {unit} | statement (by database time) |\n|---|---|---|---|\n"
    );
    for s in statements["top"].as_array().into_iter().flatten().take(15) {
        let query = s["query"].as_str().unwrap_or_default();
        let query: String = query.chars().take(140).collect();
        md += &format!(
            "| {} | {:.2} | {:.3} | `{}` |\n",
            s["user"].as_str().unwrap_or_default(),
            s[format!("calls_per_{unit}")].as_f64().unwrap_or(0.0),
            s[format!("ms_per_{unit}")].as_f64().unwrap_or(0.0),
            query.replace('|', "\\|"),
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_are_grouped_by_database_user_broker_and_executable() {
        let g = group_of;
        assert_eq!(
            g("postgres: catalog_app aftersales 127.0.0.1(4242) idle"),
            "postgres backend catalog_app"
        );
        assert_eq!(g("postgres: walwriter "), "postgres background");
        assert_eq!(g("postgres: autovacuum launcher "), "postgres background");
        assert_eq!(g("/usr/lib/postgresql/15/bin/postgres\0-D\0/x"), "postgres");
        assert_eq!(g("/usr/lib/erlang/erts-13/bin/beam.smp\0-W\0w"), "rabbitmq");
        assert_eq!(g("/work/target/release/orders\0"), "orders");
        assert_eq!(g(""), "kernel threads");
    }

    #[test]
    fn cpu_split_counts_what_each_group_used_in_between() {
        let at = Instant::now();
        let snap = |ticks: &[(u32, &str, u64)], at| CpuSnapshot {
            at,
            ticks: ticks
                .iter()
                .map(|(p, g, t)| (*p, ((*g).to_owned(), *t)))
                .collect(),
        };
        let hz = clock_ticks_per_second() as u64;
        let before = snap(&[(1, "orders", 10), (2, "orders", 0)], at);
        let after = snap(
            &[
                (1, "orders", 10 + hz / 2),
                (2, "orders", hz / 2),
                (3, "catalog", hz / 4),
            ],
            at + Duration::from_secs(1),
        );
        let split = before.split(&after);
        assert_eq!(split[0].0, "orders");
        assert!((split[0].1 - 100.0).abs() < 1.0, "{split:?}");
        assert_eq!(split[1].0, "catalog");
        assert!((split[1].1 - 25.0).abs() < 1.0, "{split:?}");
    }

    #[test]
    fn a_section_reads_the_figures_of_its_unit() {
        let statements = json!({
            "by_user": {"inspection_app": {"statements_per_claim": 12.5,
                "transactions_per_claim": 4.0, "database_ms_per_claim": 1.25}},
            "top": [{"user": "inspection_app", "calls_per_claim": 1.0,
                "ms_per_claim": 0.5, "query": "INSERT INTO audit_log | x"}],
        });
        let md = markdown("Claims", &statements, "claim");
        assert!(
            md.contains("| inspection_app | 12.5 | 4.00 | 1.25 |"),
            "{md}"
        );
        assert!(md.contains("| calls per claim | ms per claim |"), "{md}");
        assert!(
            md.contains("| inspection_app | 1.00 | 0.500 | `INSERT INTO audit_log \\| x` |"),
            "{md}"
        );
    }
}
