//! `cargo xtask audit verify|prune --service <name>`: walks a service's audit chain and
//! names the first broken link; prunes old sealed records as the schema's owner,
//! anchoring the chain at the first record kept (docs/audit.md).

use aftersales_messaging::contracts::SERVICES;
use aftersales_web::audit::chain;
use anyhow::{Context, bail};
use clap::Subcommand;

use crate::stack::{DATABASE, PG_PORT};

#[derive(Debug, Subcommand)]
pub enum Audit {
    /// Walk the service's audit chain from its start and name the first broken link
    /// (exit status 1); print the number of links and the head hash when it is intact.
    Verify {
        #[arg(long)]
        service: String,
        /// The service's database (default: the one `up` started, as `<service>_app`)
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Delete the service's sealed audit records written before a date or timestamp, and
    /// anchor the chain at the first record kept. Runs as the schema's owner: the
    /// runtime role may not delete audit records.
    Prune {
        #[arg(long)]
        service: String,
        /// A date (UTC, records before its midnight) or an RFC 3339 timestamp
        #[arg(long)]
        before: String,
        /// The owner's URL (default: the one `up` started, as `<service>`)
        #[arg(long)]
        database_url: Option<String>,
    },
}

/// Runs the command; `Ok(false)` when verification found a broken link.
pub async fn run(command: Audit) -> anyhow::Result<bool> {
    match command {
        Audit::Verify {
            service,
            database_url,
        } => {
            let url = url(
                &service,
                database_url,
                &aftersales_web::config::app_role(&service),
            )?;
            let mut c = connect(&url, &service).await?;
            match chain::verify(&mut c)
                .await
                .context("reading the audit chain")?
            {
                Ok(v) => {
                    println!(
                        "{service}: audit chain intact: {} links from position {}, head {}; {} record(s) not sealed yet",
                        v.links, v.first_position, v.head, v.unsealed
                    );
                    Ok(true)
                }
                Err(broken) => {
                    println!("{service}: audit chain BROKEN: {broken}");
                    Ok(false)
                }
            }
        }
        Audit::Prune {
            service,
            before,
            database_url,
        } => {
            let before = aftersales_web::request::period_bound("before", &before, false)
                .map_err(|e| anyhow::anyhow!("--before {before}: {e}"))?;
            let url = url(&service, database_url, &service)?;
            let mut c = connect(&url, &service).await?;
            match chain::prune(&mut c, before).await.context("pruning")? {
                Some(p) => println!(
                    "{service}: {} audit record(s) before {before} deleted; the chain is anchored at position {}",
                    p.records, p.anchor
                ),
                None => println!("{service}: no sealed audit record before {before}"),
            }
            Ok(true)
        }
    }
}

fn url(service: &str, given: Option<String>, role: &str) -> anyhow::Result<String> {
    if !SERVICES.contains(&service) {
        bail!(
            "unknown service {service:?}; services: {}",
            SERVICES.join(", ")
        );
    }
    let url =
        given.unwrap_or_else(|| format!("postgres://{role}:{role}@127.0.0.1:{PG_PORT}/{DATABASE}"));
    Ok(aftersales_web::db::connection_url(&url, Some(service)))
}

async fn connect(url: &str, service: &str) -> anyhow::Result<diesel_async::AsyncPgConnection> {
    aftersales_web::db::establish(url).await.with_context(|| {
        format!("cannot reach {service}'s database (is `cargo xtask up` running, or pass --database-url)")
    })
}
