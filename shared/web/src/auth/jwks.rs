//! Verification of access tokens signed by an OpenID provider (RS*, PS*, ES256/384, EdDSA).
//!
//! Owns the provider's signing keys: the JWKS is fetched (its address found through the
//! issuer's discovery document unless configured), cached by `kid`, and fetched again when a
//! token names a key not held, which is how a key rotation arrives. Fetches are rate-limited
//! ([`MIN_REFRESH_INTERVAL`]) so a flood of tokens with made-up kids cannot hammer the
//! provider; keys older than [`MAX_KEY_AGE`] are refreshed so a retired key stops counting.
//! Issuer and audience are pinned, `exp`, `nbf`, a non-empty `sub` and the lifetime
//! from `iat` are checked ([`super::check_subject_and_lifetime`]), and no shared-secret
//! (HS*) algorithm is ever accepted here: a service holds no key that could mint tokens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{Mutex, OnceCell, RwLock};

use super::{
    AuthError, Claims, DEFAULT_MAX_LIFETIME, LEEWAY_SECS, Role, check_subject_and_lifetime,
    map_jwt_error,
};
use crate::config::OidcConfig;

/// The shortest time between two JWKS fetches after a successful one.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// After a failed fetch the next may come sooner: the provider may just have started.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2);
/// Keys are fetched again once this old, so a key the provider retired stops counting.
pub const MAX_KEY_AGE: Duration = Duration::from_secs(15 * 60);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// A JWKS or discovery document larger than this is refused (they are a few KiB).
const MAX_DOCUMENT_BYTES: usize = 512 * 1024;

/// The asymmetric algorithms a provider may sign with.
pub const ALLOWED_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("cannot build the HTTP client for the JWKS: {0}")]
    Client(#[source] reqwest::Error),
    #[error("OIDC_CA_FILE: {0}")]
    CaFile(#[from] crate::http_client::CaFileError),
}

/// Why the keys could not be had; logged, and the caller gets a 503.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("GET {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("{url}: {reason}")]
    Document { url: String, reason: String },
}

struct Key {
    decoding: DecodingKey,
    /// The `alg` the JWK pins, if it does.
    alg: Option<Algorithm>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Key>,
    fetched: Option<Instant>,
}

/// Checks bearer tokens against one provider's published keys.
pub struct JwksVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    jwks_url: OnceCell<String>,
    cache: RwLock<Cache>,
    /// When the next fetch may start; the lock also makes concurrent misses share a fetch.
    next_fetch: Mutex<Option<Instant>>,
    min_refresh_interval: Duration,
    max_lifetime: Duration,
    fetches: AtomicU64,
}

impl std::fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("issuer", &self.config.issuer)
            .field("audience", &self.config.audience)
            .finish_non_exhaustive()
    }
}

impl JwksVerifier {
    pub fn new(config: OidcConfig) -> Result<Self, JwksError> {
        let http = crate::http_client::builder_trusting(config.ca_file.as_deref())?
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(JwksError::Client)?;
        Ok(Self {
            config,
            http,
            jwks_url: OnceCell::new(),
            cache: RwLock::new(Cache::default()),
            next_fetch: Mutex::new(None),
            min_refresh_interval: MIN_REFRESH_INTERVAL,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            fetches: AtomicU64::new(0),
        })
    }

    /// Another minimum interval between fetches (tests rotate keys within a second).
    pub fn with_min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// Another cap on a token's `exp - iat` than [`DEFAULT_MAX_LIFETIME`].
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// How many times the JWKS has been requested (discovery not counted).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Checks signature, algorithm, issuer, audience and expiry, then reads the role and
    /// dealer code from the configured claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let payload = self.verify_signed(token).await?;
        self.claims(payload)
    }

    /// Checks signature, algorithm, issuer, audience, `exp`, `nbf`, the subject and the
    /// lifetime; the claims as signed (the console tells a token without a role apart
    /// from a forged one).
    pub async fn verify_signed(&self, token: &str) -> Result<Value, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(map_jwt_error)?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(AuthError::Invalid("algorithm not allowed".into()));
        }
        let kid = header
            .kid
            .as_deref()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| AuthError::Invalid("token names no signing key (kid)".into()))?;
        let validation = self.validation(header.alg);

        if self.is_stale().await
            && let Err(err) = self.refresh().await
        {
            // The keys held are still the best answer while the provider is away.
            tracing::warn!(error = %err, "could not refresh the OpenID provider's keys");
        }
        let payload = match self
            .decode_cached(token, kid, header.alg, &validation)
            .await
        {
            Some(result) => result?,
            None => {
                if let Err(err) = self.refresh().await {
                    tracing::warn!(error = %err, "could not fetch the OpenID provider's keys");
                }
                // Also when `refresh` was a no-op inside the retry window after a failed
                // fetch: with no keys ever held, the token cannot be judged (503, not 401).
                if self.cache.read().await.fetched.is_none() {
                    return Err(AuthError::KeysUnavailable);
                }
                self.decode_cached(token, kid, header.alg, &validation)
                    .await
                    .ok_or_else(|| AuthError::Invalid("unknown signing key".into()))??
            }
        };
        check_subject_and_lifetime(&payload, self.max_lifetime)?;
        Ok(payload)
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut validation = Validation::new(alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation
    }

    /// `None` when no key has this kid.
    async fn decode_cached(
        &self,
        token: &str,
        kid: &str,
        alg: Algorithm,
        validation: &Validation,
    ) -> Option<Result<Value, AuthError>> {
        let cache = self.cache.read().await;
        let key = cache.keys.get(kid)?;
        if key.alg.is_some_and(|pinned| pinned != alg) {
            return Some(Err(AuthError::Invalid(
                "algorithm does not match the signing key".into(),
            )));
        }
        Some(
            jsonwebtoken::decode::<Value>(token, &key.decoding, validation)
                .map(|data| data.claims)
                .map_err(map_jwt_error),
        )
    }

    async fn is_stale(&self) -> bool {
        self.cache
            .read()
            .await
            .fetched
            .is_some_and(|t| t.elapsed() >= MAX_KEY_AGE)
    }

    /// Fetches the keys unless a fetch happened too recently (then it is a no-op).
    async fn refresh(&self) -> Result<(), FetchError> {
        let mut next = self.next_fetch.lock().await;
        if next.is_some_and(|at| Instant::now() < at) {
            return Ok(());
        }
        let result = self.fetch().await;
        let wait = match &result {
            Ok(_) => self.min_refresh_interval,
            Err(_) => RETRY_AFTER_FAILURE.min(self.min_refresh_interval),
        };
        *next = Some(Instant::now() + wait);
        let keys = result?;
        let mut cache = self.cache.write().await;
        cache.keys = keys;
        cache.fetched = Some(Instant::now());
        Ok(())
    }

    async fn fetch(&self) -> Result<HashMap<String, Key>, FetchError> {
        let url = self
            .jwks_url
            .get_or_try_init(|| self.discover())
            .await?
            .clone();
        self.fetches.fetch_add(1, Ordering::Relaxed);
        #[derive(Deserialize)]
        struct RawSet {
            keys: Vec<Value>,
        }
        let set: RawSet = self.get_json(&url).await?;
        let keys: HashMap<String, Key> = set.keys.into_iter().filter_map(usable_key).collect();
        if keys.is_empty() {
            return Err(FetchError::Document {
                url,
                reason: "no usable signing key (each needs a kid)".into(),
            });
        }
        tracing::info!(%url, keys = keys.len(), "fetched the OpenID provider's keys");
        Ok(keys)
    }

    async fn discover(&self) -> Result<String, FetchError> {
        if let Some(url) = &self.config.jwks_url {
            return Ok(url.clone());
        }
        #[derive(Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let url = self.config.discovery_url();
        let doc: Discovery = self.get_json(&url).await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer it was asked of.
        if doc.issuer != self.config.issuer {
            return Err(FetchError::Document {
                url,
                reason: format!(
                    "names issuer {:?}, expected {:?}",
                    doc.issuer, self.config.issuer
                ),
            });
        }
        Ok(doc.jwks_uri)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, FetchError> {
        let http = |reason: String| FetchError::Http {
            url: url.to_owned(),
            reason,
        };
        let mut response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| http(e.to_string()))?;
        if !response.status().is_success() {
            return Err(http(format!("status {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| http(e.to_string()))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                return Err(http(format!("larger than {MAX_DOCUMENT_BYTES} bytes")));
            }
        }
        serde_json::from_slice(&body).map_err(|e| FetchError::Document {
            url: url.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The subject, role and dealer code from verified claims ([`Self::verify_signed`]).
    pub fn claims(&self, payload: Value) -> Result<Claims, AuthError> {
        let sub = payload
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::Invalid("claim `sub` must be a string".into()))?
            .to_owned();
        let role_claim = &self.config.role_claim;
        let role = match role_claim.find(&payload) {
            Some(Value::String(s)) => s
                .parse::<Role>()
                .map_err(|e| AuthError::Invalid(format!("claim `{role_claim}`: {e}")))?,
            // A list (Keycloak's realm_access.roles): the first role we know counts.
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .find_map(|s| s.parse::<Role>().ok())
                .ok_or_else(|| {
                    AuthError::Invalid(format!("claim `{role_claim}` names no known role"))
                })?,
            Some(_) => {
                return Err(AuthError::Invalid(format!(
                    "claim `{role_claim}` must be a string or a list"
                )));
            }
            None => {
                return Err(AuthError::Invalid(format!("missing claim `{role_claim}`")));
            }
        };
        let dealer_code = match self.config.dealer_claim.find(&payload) {
            Some(Value::String(s)) => Some(s.as_str()),
            // A multi-valued user attribute arrives as a list of one.
            Some(Value::Array(items)) => items.first().and_then(Value::as_str),
            _ => None,
        }
        // An attribute typed into a provider's form may carry stray spaces.
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
        if role == Role::Dealer && dealer_code.is_none() {
            return Err(AuthError::Invalid(format!(
                "dealer token without `{}`",
                self.config.dealer_claim
            )));
        }
        let number = |name: &str| payload.get(name).and_then(Value::as_i64);
        Ok(Claims {
            sub,
            role,
            dealer_code,
            exp: number("exp").unwrap_or_default(),
            iat: number("iat").unwrap_or_default(),
        })
    }
}

/// A signing key with a kid, as (kid, key); encryption keys and key types we cannot
/// verify with are skipped, so one odd key does not hide the others.
fn usable_key(raw: Value) -> Option<(String, Key)> {
    let jwk: Jwk = serde_json::from_value(raw).ok()?;
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let kid = jwk.common.key_id.clone().filter(|k| !k.is_empty())?;
    let alg = match jwk.common.key_algorithm {
        Some(a) => Some(a.to_string().parse::<Algorithm>().ok()?),
        None => None,
    };
    if alg.is_some_and(|a| !ALLOWED_ALGORITHMS.contains(&a)) {
        return None;
    }
    let decoding = DecodingKey::from_jwk(&jwk).ok()?;
    Some((kid, Key { decoding, alg }))
}

#[cfg(test)]
mod tests;
