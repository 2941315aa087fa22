//! The console's typed API client against the services' OpenAPI documents: the
//! TypeScript types committed under `services/console/web/src/api/schema/` must be
//! exactly what `openapi-typescript` makes of each service's current document, so
//! the console cannot drift from the contract.
//!
//! After an API change: `AFTERSALES_REGENERATE_CLIENT=1 cargo nextest run -p
//! aftersales-e2e console_client`, then commit the changed files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .join("services/console/web")
}

/// What `openapi-typescript` generates from `openapi` (the console's pinned version,
/// installed by the console's build).
fn generate(name: &str, openapi: utoipa::openapi::OpenApi) -> String {
    let web = web_dir();
    let tool = web.join("node_modules/.bin/openapi-typescript");
    assert!(
        tool.is_file(),
        "{} is missing: build the console (`cargo build -p console`) or run `npm ci` in {}",
        tool.display(),
        web.display()
    );
    let dir = std::env::temp_dir().join(format!("console-client-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join(format!("{name}.json"));
    let output = dir.join(format!("{name}.ts"));
    std::fs::write(&input, serde_json::to_string_pretty(&openapi).unwrap()).unwrap();
    let status = Command::new(&tool)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .current_dir(&web)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&output).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    text
}

#[test]
fn the_committed_client_types_are_what_the_services_documents_generate() {
    let regenerate = std::env::var_os("AFTERSALES_REGENERATE_CLIENT").is_some();
    let mut stale = Vec::new();
    for (name, openapi) in [
        (catalog::NAME, catalog::spec().openapi),
        (orders::NAME, orders::spec().openapi),
        (inspection::NAME, inspection::spec().openapi),
        (recovery::NAME, recovery::spec().openapi),
    ] {
        let generated = generate(name, openapi);
        let committed_path = web_dir().join(format!("src/api/schema/{name}.ts"));
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        if committed != generated {
            if regenerate {
                std::fs::create_dir_all(committed_path.parent().unwrap()).unwrap();
                std::fs::write(&committed_path, generated).unwrap();
            }
            stale.push(name);
        }
    }
    assert!(
        regenerate || stale.is_empty(),
        "the console's API types are stale for {stale:?}: regenerate them with \
         AFTERSALES_REGENERATE_CLIENT=1 (see this file's doc) and commit the result"
    );
}
