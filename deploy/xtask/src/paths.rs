//! Where the local stack lives: everything under `<project root>/.local`.

use std::path::PathBuf;

/// The workspace root (two levels above this crate).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Cargo's target folder (`CARGO_TARGET_DIR`, relative to the root, or `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

/// `.local/` — the project-local state of `cargo xtask up` (git-ignored).
pub fn local() -> PathBuf {
    root().join(".local")
}

pub fn pg_data() -> PathBuf {
    local().join("pg")
}

pub fn rabbit_base() -> PathBuf {
    local().join("rabbitmq")
}

pub fn logs() -> PathBuf {
    local().join("logs")
}

pub fn run() -> PathBuf {
    local().join("run")
}

/// The development OpenID provider's keys (made on its first start, never committed).
pub fn oidc_state() -> PathBuf {
    local().join("oidc")
}

pub fn jwt_secret() -> PathBuf {
    local().join("jwt-secret")
}

pub fn service_log(service: &str) -> PathBuf {
    logs().join(format!("{service}.log"))
}

pub fn service_pid(service: &str) -> PathBuf {
    run().join(format!("{service}.pid"))
}
