//! The console against a test OpenID provider and an echoing upstream: sign-in with
//! PKCE, cookie flags, the gateway, CSRF refusal, expired sessions, sign-out and the
//! embedded app.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod gateway;
mod provider;
mod sign_in;
mod spa;
mod upstream;

use std::collections::HashMap;

use aftersales_console::config::ConsoleConfig;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::provider::TestProvider;
use crate::upstream::Echo;

/// A loopback listener on a free port and its base URL, for a test server.
pub fn listener() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// Runs a test server in the background; the handle stops it.
pub fn spawn(server: actix_web::dev::Server) -> actix_web::dev::ServerHandle {
    let handle = server.handle();
    tokio::spawn(server);
    handle
}

/// A console wired to a test provider, with every service answered by one echo.
pub struct Harness {
    pub provider: TestProvider,
    pub echo: Echo,
    pub console: aftersales_console::Running,
    /// Where the test connects (plain http on loopback).
    pub base: String,
    /// `CONSOLE_PUBLIC_URL`: https, as behind a TLS-terminating proxy, unless a test
    /// asks for plain http. The test browser sends requests for it to `base`.
    pub public: String,
    /// The console's environment (a second replica starts from it).
    pub vars: HashMap<String, String>,
}

/// The `COOKIE_KEY` of the test consoles (base64 of 54 bytes).
pub const COOKIE_KEY: &str =
    "c2l4dHktZm91ciBieXRlcyBvZiBrZXkgbWF0ZXJpYWwgZm9yIHRoZSB0ZXN0cyBvbmx5Li4u";

impl Harness {
    pub async fn start() -> Harness {
        Self::start_with(&[]).await
    }

    pub async fn start_with(extra: &[(&str, &str)]) -> Harness {
        Self::start_on("https", extra).await
    }

    /// With `CONSOLE_PUBLIC_URL` on `scheme` (`http` or `https`).
    pub async fn start_on(scheme: &str, extra: &[(&str, &str)]) -> Harness {
        Self::start_for(TestProvider::start().await, scheme, extra).await
    }

    /// With `provider` as the OpenID provider.
    pub async fn start_for(
        provider: TestProvider,
        scheme: &str,
        extra: &[(&str, &str)],
    ) -> Harness {
        let echo = Echo::start().await;
        // The redirect URI names the port, so it is chosen before the console binds.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let public = format!("{scheme}://{addr}");
        let mut vars: HashMap<String, String> = [
            ("HTTP_ADDR", addr.as_str()),
            ("CONSOLE_PUBLIC_URL", public.as_str()),
            ("OIDC_ISSUER", provider.issuer.as_str()),
            ("CATALOG_URL", echo.url.as_str()),
            ("ORDERS_URL", echo.url.as_str()),
            ("INSPECTION_URL", echo.url.as_str()),
            ("RECOVERY_URL", "http://127.0.0.1:9"),
            ("COOKIE_KEY", COOKIE_KEY),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = ConsoleConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
        let console = aftersales_console::start(config).await.unwrap();
        let base = format!("http://{}", console.addr);
        Harness {
            provider,
            echo,
            console,
            base,
            public,
            vars,
        }
    }

    /// Another replica behind the same public URL, with the same configuration.
    pub async fn replica(&self) -> aftersales_console::Running {
        let mut vars = self.vars.clone();
        vars.insert("HTTP_ADDR".into(), "127.0.0.1:0".into());
        let config = ConsoleConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
        aftersales_console::start(config).await.unwrap()
    }

    pub async fn stop(self) {
        self.console.stop().await;
        self.echo.stop().await;
        self.provider.stop().await;
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            public: self.public.clone(),
            // Trusts the test CA too, as a browser of a site with a private CA would.
            http: aftersales_web::http_client::builder_trusting(Some(
                &aftersales_testkit::tls::ca_file(),
            ))
            .unwrap()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
            cookies: HashMap::new(),
            csrf: None,
        }
    }
}

/// One browser: its cookie jar (by name; the test servers share one host) and the
/// CSRF token the SPA would have read from `/auth/me`.
pub struct Browser {
    pub base: String,
    pub public: String,
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
}

/// The `Set-Cookie` line for `name`.
pub fn set_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

pub fn location(headers: &HeaderMap) -> String {
    headers.get(LOCATION).unwrap().to_str().unwrap().to_owned()
}

impl Browser {
    fn remember(&mut self, headers: &HeaderMap) {
        for line in headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let pair = line.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A request from this browser: its cookies, its CSRF token when it has one.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if let Some(rest) = path.strip_prefix(&self.public) {
            format!("{}{rest}", self.base)
        } else if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self
            .http
            .request(method, url)
            .header("cookie", self.cookie_header());
        if let Some(token) = &self.csrf {
            req = req.header("x-csrf-token", token);
        }
        req
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> reqwest::Response {
        let resp = req.send().await.unwrap();
        self.remember(resp.headers());
        resp
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let req = self.request(reqwest::Method::GET, path);
        self.send(req).await
    }

    /// The whole code flow, as a browser follows it; returns the callback's answer.
    pub async fn sign_in_flow(&mut self, return_to: &str) -> reqwest::Response {
        let login = self
            .get(&format!("/auth/login?return_to={return_to}"))
            .await;
        assert_eq!(login.status(), 302);
        let at_provider = self
            .http
            .get(location(login.headers()))
            .send()
            .await
            .unwrap();
        assert_eq!(at_provider.status(), 302, "{:?}", at_provider.text().await);
        let callback = location(at_provider.headers());
        self.get(&callback).await
    }

    /// Signs in and reads `/auth/me` as the SPA does (keeping the CSRF token).
    pub async fn sign_in(&mut self) -> Value {
        let done = self.sign_in_flow("/").await;
        assert_eq!(done.status(), 303);
        let me: Value = self.get("/auth/me").await.json().await.unwrap();
        self.csrf = me["csrf_token"].as_str().map(str::to_owned);
        me
    }
}

pub fn dealer(code: &str) -> Value {
    json!({"sub": format!("dealer-{code}"), "role": "dealer", "dealer_code": code, "name": format!("Dealer {code}")})
}
