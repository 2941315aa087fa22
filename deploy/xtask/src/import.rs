//! `cargo xtask import-parts FILE`: the command-line path of the catalog's CSV import.
//! The file goes to `POST /api/v1/parts/import` as one request (the import is
//! all-or-nothing), with a progress bar while it uploads and a spinner while catalog
//! validates and writes; then the report: counts, or every bad row.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

const CHUNK: usize = 64 * 1024;

pub async fn run(file: &std::path::Path, catalog_url: &str, token: &str) -> anyhow::Result<()> {
    let bytes = tokio::fs::read(file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    let total = bytes.len() as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("uploading {bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .context("progress bar template")?,
    );
    let uploaded = bar.clone();
    let chunks: Vec<Vec<u8>> = bytes.chunks(CHUNK).map(<[u8]>::to_vec).collect();
    let body = futures_util::stream::iter(chunks).map(move |chunk| {
        uploaded.inc(chunk.len() as u64);
        Ok::<_, std::io::Error>(chunk)
    });

    let request = aftersales_web::http_client::client()
        .post(format!("{catalog_url}/api/v1/parts/import"))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .header(reqwest::header::CONTENT_LENGTH, total)
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let waiting = async {
        // Once the last byte is out, catalog is validating every row and writing.
        while bar.position() < total {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bar.set_style(
            ProgressStyle::with_template("{spinner} catalog is validating and importing {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        loop {
            bar.tick();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let response = tokio::select! {
        response = request => response.context("catalog did not answer (is `cargo xtask up` running?)")?,
        _ = waiting => unreachable!("the spinner loops until the answer"),
    };
    bar.finish_and_clear();

    let status = response.status();
    let report: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_success() {
        println!(
            "imported {} rows: {} created, {} updated, {} unchanged, {} prices added",
            report["rows"],
            report["created"],
            report["updated"],
            report["unchanged"],
            report["prices_added"]
        );
        return Ok(());
    }
    eprintln!(
        "{}",
        report["detail"]
            .as_str()
            .unwrap_or("the import was refused")
    );
    for error in report["errors"].as_array().into_iter().flatten() {
        eprintln!(
            "  {}: {}",
            error["field"].as_str().unwrap_or("?"),
            error["message"].as_str().unwrap_or("?")
        );
    }
    bail!("nothing was imported ({status})")
}
