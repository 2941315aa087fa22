//! Builds the single-page app in `web/` into `web/dist` (git-ignored), which
//! `src/assets.rs` embeds, so `cargo build` from a fresh clone gives one
//! self-contained binary. (`web/dist` rather than `OUT_DIR`: rust-embed reads an
//! environment-dependent folder only with a feature that brings an MPL-2.0 crate.)
//!
//! Cargo reruns this only when a file of the app changes. `npm ci` runs only when
//! `node_modules` is missing or older than the lock file; then `npm run build`
//! (type check + Vite). Node is needed at build time only. A build without Node
//! (a container stage that built the app beforehand into `web/dist`) sets
//! `CONSOLE_WEB_PREBUILT=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = manifest.join("web");
    let out = web.join("dist");
    println!("cargo:rerun-if-env-changed=CONSOLE_WEB_PREBUILT");
    if std::env::var_os("CONSOLE_WEB_PREBUILT").is_some() {
        if !out.join("index.html").is_file() {
            fail(&format!(
                "CONSOLE_WEB_PREBUILT is set but {} has no index.html",
                out.display()
            ));
        }
        return;
    }
    for watched in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed=web/{watched}");
    }
    let installed = web.join("node_modules/.package-lock.json");
    if is_older(&installed, &web.join("package-lock.json")) {
        run(&web, &["ci", "--no-audit", "--no-fund"]);
    }
    let out_text = out.to_string_lossy();
    run(
        &web,
        &["run", "build", "--", "--outDir", &out_text, "--emptyOutDir"],
    );
}

/// Whether `file` is missing or older than `than`.
fn is_older(file: &Path, than: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(file), modified(than)) {
        (Some(a), Some(b)) => a < b,
        _ => true,
    }
}

fn run(dir: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        // Browsers for the end-to-end tests come from the system, never a download.
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!(
            "`npm {}` in {} failed ({s})",
            args.join(" "),
            dir.display()
        )),
        Err(e) => fail(&format!(
            "cannot run npm ({e}): the console's web app needs Node 20 and npm at build time, \
             or an app already built into web/dist and CONSOLE_WEB_PREBUILT=1"
        )),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
