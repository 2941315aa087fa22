//! The single-page app, embedded in the binary at build time (see `build.rs`).
//!
//! Vite names every built asset after its content hash, so `/assets/…` may be cached
//! for a year; `index.html` is revalidated on each load (`no-cache` with an ETag) so
//! a new release is picked up at once. A path that is not a file is one of the SPA's
//! own routes (`/orders/42`): it gets `index.html` and the app routes it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::ApiError;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/dist"]
struct Assets;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The page's Content-Security-Policy: no inline script, no foreign origin, no
/// framing. Forms go to this console only, but the sign-out form is answered with a
/// redirect to the provider's end-session endpoint, and browsers apply `form-action`
/// to that redirect too: the provider's origin is allowed there.
#[derive(Debug, Clone)]
pub struct Csp(String);

impl Csp {
    /// `provider`: the OpenID issuer (its origin is what counts).
    pub fn new(provider: &url::Url) -> Csp {
        Csp(format!(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
             form-action 'self' {}; frame-ancestors 'none'",
            provider.origin().ascii_serialization()
        ))
    }
}

/// Prefixes that are never the SPA's: an unknown path there is a 404 problem, not the
/// app's HTML (a client expecting JSON must not get a page).
const SERVER_PREFIXES: &[&str] = &["/api/", "/auth/", "/health/", "/metrics"];

/// Every GET not matched by another route.
pub async fn serve(req: HttpRequest, csp: web::Data<Csp>) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if SERVER_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return Err(ApiError::not_found(format!("no route {path}")));
    }
    let wanted = path.trim_start_matches('/');
    let (name, file) = match Assets::get(wanted) {
        Some(file) if !wanted.is_empty() => (wanted, file),
        _ => {
            // A missing hashed asset is a stale page asking for an old release.
            if wanted.starts_with("assets/")
                || wanted.rsplit('/').next().is_some_and(|s| s.contains('.'))
            {
                return Err(ApiError::not_found(format!("no file {path}")));
            }
            let index = Assets::get("index.html").ok_or_else(|| {
                ApiError::Internal("the console was built without its app".into())
            })?;
            ("index.html", index)
        }
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let cache = if name.starts_with("assets/") {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    if name == "index.html" {
        response.insert_header((header::CONTENT_SECURITY_POLICY, csp.0.as_str()));
    }
    if fresh {
        return Ok(response.finish());
    }
    let mime = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(response
        .insert_header((header::CONTENT_TYPE, mime))
        .body(file.data.into_owned()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the app was embedded (a readiness fact worth logging at start).
pub fn has_app() -> bool {
    Assets::get("index.html").is_some()
}
