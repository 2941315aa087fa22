//! Where the local stack lives: everything under `<project root>/.local`.

use std::path::PathBuf;

/// The workspace root (two levels above this crate).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
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

pub fn jwt_secret() -> PathBuf {
    local().join("jwt-secret")
}

pub fn service_log(service: &str) -> PathBuf {
    logs().join(format!("{service}.log"))
}

pub fn service_pid(service: &str) -> PathBuf {
    run().join(format!("{service}.pid"))
}
