//! The gateway: `/api/<service>/v1/…` is forwarded to `<service base>/api/v1/…` with
//! the session's access token as `Authorization: Bearer`, so the browser talks to one
//! origin and never holds a token. Status, body and the headers the API contract uses
//! (content type, `Location`, `ETag`, `Idempotent-Replayed`, …) come back unchanged,
//! problem+json included.
//!
//! Only the versioned API is reachable: a service's `/metrics`, `/docs` and health
//! endpoints stay inside the cluster.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::ApiError;
use aftersales_web::correlation::{self, CorrelationId};
use futures_util::TryStreamExt as _;
use url::Url;

use crate::auth::{CurrentSession, require_csrf};
use crate::config::Upstreams;

/// The services behind the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    Catalog,
    Orders,
    Inspection,
    Recovery,
}

impl Upstream {
    /// Its name in the console's paths (`/api/<name>/v1/…`).
    pub fn name(self) -> &'static str {
        match self {
            Upstream::Catalog => "catalog",
            Upstream::Orders => "orders",
            Upstream::Inspection => "inspection",
            Upstream::Recovery => "recovery",
        }
    }
}

impl FromStr for Upstream {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Upstream::Catalog,
            Upstream::Orders,
            Upstream::Inspection,
            Upstream::Recovery,
        ]
        .into_iter()
        .find(|u| u.name() == s)
        .ok_or(())
    }
}

/// Request headers a service reads. Cookies, the CSRF token and anything else the
/// browser sends stay here.
const REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
];

/// Response headers the API contract gives meaning to.
const RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "content-disposition",
    "location",
    "etag",
    "idempotent-replayed",
    "retry-after",
    "cache-control",
];

/// The HTTP client to the services and where they are.
#[derive(Clone)]
pub struct Gateway {
    http: reqwest::Client,
    upstreams: Upstreams,
}

impl Gateway {
    pub fn new(upstreams: Upstreams) -> Result<Gateway, reqwest::Error> {
        let http = aftersales_web::http_client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(3))
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        Ok(Gateway { http, upstreams })
    }
}

/// Whether the upstream URL built from `tail` stays under `/api/v1`. Looking at the
/// start is not enough: `Url` resolves `.` and `..` segments (`%2e` spelled too) and
/// reads `\\` as `/`, so `v1/../../metrics` would reach the service's metrics.
fn stays_in_versioned_api(tail: &str) -> bool {
    let dot_segment = |segment: &str| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    };
    (tail == "v1" || tail.starts_with("v1/"))
        && !tail.contains('\\')
        && !tail.to_ascii_lowercase().contains("%5c")
        && !tail.split('/').any(dot_segment)
}

/// A service's `Location` as the browser reaches it: `/api/v1/…` (or an absolute URL on
/// the service's own origin) is `/api/<service>/v1/…` here. `None`: pass it unchanged
/// (another header, or a URL elsewhere).
fn browser_location(header: &str, value: &[u8], base: &Url, service: &str) -> Option<String> {
    if header != "location" {
        return None;
    }
    let text = std::str::from_utf8(value).ok()?;
    let path_and_query = if text.starts_with('/') && !text.starts_with("//") {
        text.to_owned()
    } else {
        let url = Url::parse(text).ok()?;
        if url.origin() != base.origin() {
            return None;
        }
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    };
    let rest = path_and_query.strip_prefix("/api/v1")?;
    if !(rest.is_empty() || rest.starts_with(['/', '?'])) {
        return None;
    }
    Some(format!("/api/{service}/v1{rest}"))
}

/// `/api/{service}/{tail}`: any method.
pub async fn forward(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    session: CurrentSession,
    gateway: web::Data<Gateway>,
    correlation: CorrelationId,
) -> Result<HttpResponse, ApiError> {
    let (service, tail) = path.into_inner();
    let upstream: Upstream = service
        .parse()
        .map_err(|()| ApiError::not_found(format!("no service named {service:?}")))?;
    if !stays_in_versioned_api(&tail) {
        return Err(ApiError::not_found(
            "only the versioned API (/v1/…) is forwarded",
        ));
    }
    require_csrf(&req, &session)?;

    let base = gateway.upstreams.base(upstream).clone();
    let mut url = base.clone();
    url.set_path(&format!("/api/{tail}"));
    url.set_query(Some(req.query_string()).filter(|q| !q.is_empty()));

    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(|_| ApiError::bad_request("unsupported method"))?;
    let mut outgoing = gateway
        .http
        .request(method, url)
        .bearer_auth(&session.access_token)
        .header(correlation::HEADER, correlation.0.to_string());
    for name in REQUEST_HEADERS {
        for value in req.headers().get_all(*name) {
            outgoing = outgoing.header(*name, value.as_bytes());
        }
    }
    if !body.is_empty() {
        outgoing = outgoing.body(body);
    }
    let answer = outgoing.send().await.map_err(|e| {
        tracing::warn!(?upstream, error = %e, "upstream unreachable");
        ApiError::ServiceUnavailable(format!("{service} cannot be reached; try again shortly"))
    })?;

    let status = StatusCode::from_u16(answer.status().as_u16())
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut response = HttpResponse::build(status);
    for name in RESPONSE_HEADERS {
        for value in answer.headers().get_all(*name) {
            match browser_location(name, value.as_bytes(), &base, upstream.name()) {
                Some(location) => response.append_header((*name, location)),
                None => response.append_header((*name, value.as_bytes())),
            };
        }
    }
    Ok(response.streaming(answer.bytes_stream().map_err(std::io::Error::other)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_services_and_nothing_else() {
        assert_eq!("orders".parse(), Ok(Upstream::Orders));
        assert_eq!("recovery".parse(), Ok(Upstream::Recovery));
        assert_eq!("Orders".parse::<Upstream>(), Err(()));
        assert_eq!("metrics".parse::<Upstream>(), Err(()));
    }

    #[test]
    fn a_location_of_the_service_is_rewritten_to_the_consoles_path() {
        let base = Url::parse("http://orders:8082").unwrap();
        let at = |v: &str| browser_location("location", v.as_bytes(), &base, "orders");
        assert_eq!(
            at("/api/v1/orders/7").as_deref(),
            Some("/api/orders/v1/orders/7")
        );
        assert_eq!(at("/api/v1?x=1").as_deref(), Some("/api/orders/v1?x=1"));
        assert_eq!(
            at("http://orders:8082/api/v1/orders/7?a=b").as_deref(),
            Some("/api/orders/v1/orders/7?a=b")
        );
        for unchanged in [
            "/api/v10/x",
            "/metrics",
            "//orders:8082/api/v1/x",
            "http://other:8082/api/v1/x",
            "https://evil.example/api/v1/x",
        ] {
            assert_eq!(at(unchanged), None, "{unchanged}");
        }
        assert_eq!(
            browser_location("etag", b"/api/v1/x", &base, "orders"),
            None
        );
    }

    #[test]
    fn only_paths_under_v1_are_forwarded() {
        for ok in [
            "v1",
            "v1/orders/7",
            "v1/parts/AL-3001.v2",
            "v1/a..b/...",
            "v1/%2F",
        ] {
            assert!(stays_in_versioned_api(ok), "{ok}");
        }
        for bad in [
            "metrics",
            "v10/x",
            "v1/../../metrics",
            "v1/..",
            "v1/./x",
            "v1/%2e%2e/%2E%2E/docs",
            "v1/.%2E/x",
            "v1/%2e/x",
            "v1/a\\..\\..\\metrics",
            "v1/a%5C..%5c..%5Cmetrics",
        ] {
            assert!(!stays_in_versioned_api(bad), "{bad}");
        }
    }
}
