//! Running `cargo` from a process that cargo started (a test, `cargo xtask`).

use std::process::Command;

/// The variables cargo sets for the crate it builds or runs, besides the `CARGO_PKG_`
/// and `CARGO_BIN_EXE_` families.
const CRATE_VARS: [&str; 9] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
];

/// `cargo` (the one that started this process, if any) without the variables cargo set
/// for this process's own crate. Build scripts such as ring's declare
/// `rerun-if-env-changed=CARGO_MANIFEST_DIR`, so a nested build that inherits them
/// rebuilds ring and everything above it (rustls, reqwest, lapin, every service), and
/// the next build from a shell rebuilds it all again: minutes per switch on two cores.
pub fn command() -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if CRATE_VARS.contains(&name)
            || name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
        {
            cargo.env_remove(name);
        }
    }
    cargo
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_crates_own_variables_do_not_reach_a_nested_cargo() {
        // This test runs under cargo (or nextest), which set these for this crate.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let cargo = super::command();
        let removed: Vec<_> = cargo
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(
            removed.iter().any(|n| n == "CARGO_MANIFEST_DIR"),
            "{removed:?}"
        );
        assert!(removed.iter().any(|n| n == "CARGO_PKG_NAME"), "{removed:?}");
        assert!(
            !removed.iter().any(|n| n == "CARGO_HOME" || n == "PATH"),
            "{removed:?}"
        );
    }
}
