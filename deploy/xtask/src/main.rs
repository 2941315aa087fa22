//! The task runner: `cargo xtask <command>`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "developer tooling: a broken set-up should stop the task at once, loudly"
)]

mod audit;
mod bench;
mod browser;
mod dead_letters;
mod demo;
mod deny;
mod ephemeral;
mod fuzz;
mod import;
mod packages;
mod paths;
mod relay_bench;
mod stack;
mod test;
mod token;
mod venv;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "aftersales task runner (local stack, tokens, tests)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Install missing system packages, start PostgreSQL, RabbitMQ, the development OpenID
    /// provider and the four services under .local/, print URLs, demo users and tokens.
    Up,
    /// Stop the services, RabbitMQ and PostgreSQL started by `up`.
    Down,
    /// Show what runs and whether the services are ready.
    Status,
    /// Print an access token of a demo user from the stack's development OpenID provider.
    Token {
        /// dealer, warehouse, quality, quality_lead, finance or admin
        #[arg(long)]
        role: String,
        /// Dealer code (required for role dealer: D001, D002 or D003)
        #[arg(long)]
        dealer: Option<String>,
        /// Sign with the local shared secret instead, for services run with AUTH_MODE=hs256
        #[arg(long)]
        hs256: bool,
        /// Validity in hours (--hs256 only; at most TOKEN_MAX_LIFETIME, 12 h by default;
        /// the provider's tokens live 12 h)
        #[arg(long, default_value_t = 12)]
        ttl_hours: u64,
    },
    /// Import parts and prices from a CSV file into the catalog (all or nothing),
    /// with a progress bar.
    ImportParts {
        file: std::path::PathBuf,
        /// Catalog base URL (default: the one `up` started)
        #[arg(long, default_value = "http://127.0.0.1:8081")]
        catalog_url: String,
    },
    /// List (default) or replay the dead letters of a service.
    DeadLetters {
        /// Move them back onto the events exchange instead of listing them
        #[arg(long)]
        replay: bool,
        #[arg(long)]
        service: String,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Broker URL (default: the one `up` started)
        #[arg(long, env = "AMQP_URL")]
        amqp_url: Option<String>,
    },
    /// Verify a service's audit chain, or prune its old records (as the schema's owner).
    #[command(subcommand)]
    Audit(audit::Audit),
    /// Print the Messaging Topology Operator resources (exchanges, queues, bindings,
    /// and every service's user and permissions) the event catalog calls for:
    /// k8s/base/dependencies/rabbitmq-topology.yaml.
    BrokerTopology,
    /// Load benchmark of the order and claims pipelines (release builds) on servers of
    /// its own, next to pgbench on the same PostgreSQL; writes .local/bench/.
    Bench(bench::Options),
    /// The relay half of `bench`, run by it in a release build.
    #[command(hide = true)]
    BenchRelay(relay_bench::Options),
    /// Schemathesis against each service's OpenAPI document on servers of its own:
    /// no 5xx, every error a problem+json document, answers as documented.
    Fuzz(fuzz::Options),
    /// cargo-deny against deny.toml (advisories, licenses, duplicate versions,
    /// sources), offline.
    Deny,
    /// The console's browser tests (Playwright, Debian's chromium) against a throwaway
    /// stack with the development OpenID provider; arguments go to `playwright test`.
    BrowserTest {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// fmt check, clippy, cargo-deny, then the whole suite against throwaway servers, then the
    /// console's browser tests and the short fuzz run (`cargo xtask fuzz`); arguments after `--` go to the test runner
    /// (and skip the fuzzing: it follows only a run of the whole suite).
    Test {
        /// Skip the fmt check, clippy and cargo-deny (run the tests only)
        #[arg(long)]
        no_lint: bool,
        /// Skip the fuzzing after the tests
        #[arg(long)]
        no_fuzz: bool,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Cmd::Up => stack::up().await?,
        Cmd::Down => stack::down()?,
        Cmd::Status => stack::status().await?,
        Cmd::Token {
            role,
            dealer,
            hs256,
            ttl_hours,
        } => token::run(&role, dealer.as_deref(), hs256, ttl_hours).await?,
        Cmd::ImportParts { file, catalog_url } => {
            import::run(
                &file,
                &catalog_url,
                &token::from_provider("admin", None).await?,
            )
            .await?
        }
        Cmd::DeadLetters {
            replay,
            service,
            limit,
            amqp_url,
        } => dead_letters::run(replay, &service, limit, amqp_url.as_deref()).await?,
        Cmd::BrokerTopology => print!(
            "{}",
            aftersales_messaging::permissions::render_k8s(
                &aftersales_messaging::contracts::topology_v1(),
                &aftersales_messaging::contracts::SERVICES,
                aftersales_messaging::permissions::K8S_CLUSTER,
            )
        ),
        Cmd::Audit(command) => {
            if !audit::run(command).await? {
                return Ok(1);
            }
        }
        Cmd::Bench(opts) => bench::run(opts).await?,
        Cmd::BenchRelay(opts) => relay_bench::run(opts).await?,
        Cmd::Fuzz(opts) => {
            if !fuzz::run(opts).await? {
                return Ok(1);
            }
        }
        Cmd::BrowserTest { args } => {
            if !browser::run(&args).await? {
                return Ok(1);
            }
        }
        Cmd::Deny => {
            if !deny::run()? {
                return Ok(1);
            }
        }
        Cmd::Test {
            no_lint,
            no_fuzz,
            args,
        } => {
            let code = test::run(&args, !no_lint, !no_fuzz).await?;
            return Ok(u8::try_from(code).unwrap_or(1));
        }
    }
    Ok(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
