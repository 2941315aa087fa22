//! Builds the single-page app in `web/` into `$OUT_DIR/web`, which `src/assets.rs`
//! embeds, so `cargo build` from a fresh clone gives one self-contained binary.
//!
//! Cargo reruns this only when a file of the app changes. `npm ci` runs only when
//! `node_modules` is missing or older than the lock file; then `npm run build`
//! (type check + Vite). Node is needed at build time only. A build without Node
//! (a container stage that built the app beforehand) names the built folder in
//! `CONSOLE_WEB_DIST`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CONSOLE_WEB_DIST");
    if let Some(dist) = std::env::var_os("CONSOLE_WEB_DIST") {
        let dist = PathBuf::from(dist);
        if !dist.join("index.html").is_file() {
            fail(&format!(
                "CONSOLE_WEB_DIST={} has no index.html",
                dist.display()
            ));
        }
        println!("cargo:rustc-env=CONSOLE_WEB_DIR={}", dist.display());
        return;
    }

    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = manifest.join("web");
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
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("web");

    let installed = web.join("node_modules/.package-lock.json");
    if is_older(&installed, &web.join("package-lock.json")) {
        run(&web, &["ci", "--no-audit", "--no-fund"]);
    }
    let out_text = out.to_string_lossy();
    run(
        &web,
        &["run", "build", "--", "--outDir", &out_text, "--emptyOutDir"],
    );
    println!("cargo:rustc-env=CONSOLE_WEB_DIR={out_text}");
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
             or CONSOLE_WEB_DIST naming an already built app"
        )),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
