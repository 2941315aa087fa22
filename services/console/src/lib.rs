//! The web console: serves the single-page app (`web/`, embedded at build time),
//! signs people in through OpenID Connect as a backend for frontend, and forwards
//! `/api/<service>/v1/…` to the four services with the session's access token.
//!
//! Rooms: `config` the environment, `oidc` the relying party, `session` the
//! server-side sessions, `login` the sign-ins in progress (sealed into a cookie by
//! `sealed`), `auth` the `/auth/*` routes and CSRF check, `upstream` the
//! gateway, `assets` the embedded app; `main.rs` calls [`main`].

pub mod assets;
pub mod auth;
pub mod config;
pub mod login;
pub mod oidc;
pub mod sealed;
pub mod session;
pub mod upstream;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{App, HttpServer, web};
use aftersales_web::service::{Listening, listen};
use aftersales_web::{Metrics, Readiness};

use crate::auth::AuthState;
use crate::config::ConsoleConfig;
use crate::login::LoginSealer;
use crate::oidc::Oidc;
use crate::session::SessionStore;
use crate::upstream::Gateway;

pub const NAME: &str = "console";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Oidc(#[from] oidc::OidcError),
    #[error("cannot derive the cookie key")]
    CookieKey,
    #[error("http client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("http: {0}")]
    Io(#[from] std::io::Error),
}

/// A started console: its address, its sessions (tests look inside) and its server.
pub struct Running {
    pub addr: SocketAddr,
    pub sessions: SessionStore,
    pub server: actix_web::dev::ServerHandle,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn wait(self) -> std::io::Result<()> {
        let result = aftersales_web::service::served(self.serve).await;
        self.sweeper.abort();
        result
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
        let _ = self.wait().await;
    }
}

/// Starts the HTTP server (the provider is discovered on first use, so the console
/// may start before it).
pub async fn start(config: ConsoleConfig) -> Result<Running, StartError> {
    if !assets::has_app() {
        tracing::warn!("built without the web app; only the API gateway works");
    }
    let oidc = Oidc::new(&config)?;
    let sessions = SessionStore::default();
    let logins = LoginSealer::new(&config.cookie_key).map_err(|_| StartError::CookieKey)?;
    let auth = web::Data::new(AuthState {
        oidc: oidc.clone(),
        sessions: sessions.clone(),
        logins: std::sync::Arc::new(logins),
        cookie_secure: config.cookie_secure,
        public_url: config.public_url.clone(),
        session_ttl: config.session_ttl,
    });
    let gateway = web::Data::new(Gateway::new(config.upstreams.clone())?);
    let issuer = url::Url::parse(&config.oidc.issuer)
        .map_err(|e| oidc::OidcError::Config(format!("OIDC_ISSUER: {e}")))?;
    let csp = web::Data::new(assets::Csp::new(&issuer));
    let metrics = web::Data::new(Metrics::new(NAME));
    let mut readiness = Readiness::new();
    readiness.add("oidc_provider", move || {
        let oidc = oidc.clone();
        async move { oidc.check().await }
    });
    let max_body = config.max_body_bytes;

    let server = HttpServer::new(move || {
        App::new()
            .app_data(auth.clone())
            .app_data(gateway.clone())
            .app_data(csp.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(aftersales_web::query_config())
            .app_data(aftersales_web::path_config())
            .wrap(aftersales_web::nul::RejectNul)
            .wrap(aftersales_web::problem_fallback())
            .wrap(metrics.middleware())
            .wrap(aftersales_web::correlation::Correlation)
            .app_data(metrics.clone())
            .configure(|cfg| aftersales_web::health::configure(cfg, readiness.clone()))
            .configure(|cfg| aftersales_web::metrics::configure(cfg, metrics.clone()))
            .configure(auth::configure)
            .route(
                "/api/{service}/{tail:.*}",
                web::route().to(upstream::forward),
            )
            .route("/{path:.*}", web::get().to(assets::serve))
            .default_service(aftersales_web::default_service())
    });
    let Listening { addr, handle, task } = listen(server, config.http_addr)?;

    let swept = sessions.clone();
    let sweeper = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            let dropped = swept.sweep(chrono::Utc::now());
            if dropped > 0 {
                tracing::debug!(dropped, "expired sessions dropped");
            }
        }
    });
    tracing::info!(service = NAME, %addr, "listening");
    Ok(Running {
        addr,
        sessions,
        server: handle,
        serve: task,
        sweeper,
    })
}

/// The whole `main` of the binary.
pub fn main() -> anyhow::Result<()> {
    let config = ConsoleConfig::from_env()?;
    let telemetry = aftersales_web::telemetry::init(NAME, config.log_format)?;
    config.log_warnings();
    let runtime = tokio::runtime::Runtime::new()?;
    let served = runtime.block_on(async move {
        let running = start(config).await?;
        let handle = running.server.clone();
        tokio::spawn(async move {
            aftersales_web::service::shutdown_signal().await;
            tracing::info!("shutting down");
            handle.stop(true).await;
        });
        running.wait().await?;
        Ok(())
    });
    telemetry.shutdown();
    served
}
