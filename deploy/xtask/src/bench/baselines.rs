//! The machine's own yardsticks: pgbench, and raw publishing against the relay.

use super::*;

/// Runs `xtask bench-relay` from the release build (see `relay_bench`) and returns
/// its JSON report.
pub(super) fn relay_vs_raw(
    pg: &PgServer,
    rabbit: &aftersales_testkit::RabbitServer,
) -> anyhow::Result<Value> {
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

/// `pgbench -i` on a database of its own, for [`pgbench`].
pub(super) async fn pgbench_init(pg: &PgServer) -> anyhow::Result<()> {
    ensure_database(&pg.admin_url("postgres"), "pgbench").await?;
    let init = Command::new("pgbench")
        .args(pgbench_target(pg))
        .args(["-i", "-q", "-s", "10", "pgbench"])
        .output()
        .context("pgbench not found (apt-get install postgresql-contrib or postgresql-client)")?;
    if !init.status.success() {
        bail!("pgbench -i: {}", String::from_utf8_lossy(&init.stderr));
    }
    Ok(())
}

/// A tpcb-like run of `seconds` on the database [`pgbench_init`] made; returns TPS.
pub(super) fn pgbench(pg: &PgServer, seconds: u64) -> anyhow::Result<f64> {
    let secs = seconds.to_string();
    let out = Command::new("pgbench")
        .args(pgbench_target(pg))
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

fn pgbench_target(pg: &PgServer) -> Vec<String> {
    let port = pg.port.to_string();
    ["-h", "127.0.0.1", "-p", port.as_str(), "-U", "postgres"]
        .map(str::to_owned)
        .to_vec()
}
