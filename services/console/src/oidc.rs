//! The OpenID Connect relying party: provider discovery, the authorization request
//! (code flow with PKCE, state and nonce), the code exchange with ID-token
//! verification, the [`User`] from the verified access token (role and dealer code, as
//! the services read them) and the ID token (name), and the provider's sign-out URL.
//!
//! The provider is discovered lazily, so the console can start before the provider
//! does, and again when an ID token names a key it did not publish (its keys may have
//! rotated), at most once per [`MIN_REDISCOVERY_INTERVAL`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreIdTokenVerifier, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse, TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use aftersales_web::auth::jwks::{self, JwksVerifier};
use aftersales_web::error::cause_chain;

use crate::config::{ConsoleConfig, OidcConfig};
use crate::session::User;

/// The shortest time between two rediscoveries caused by an ID token signed with a
/// key the provider did not publish (as `jwks::MIN_REFRESH_INTERVAL` for the services).
pub const MIN_REDISCOVERY_INTERVAL: Duration = jwks::MIN_REFRESH_INTERVAL;

/// Every claim of the ID token, so the role and dealer claims can be configured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AllClaims {
    #[serde(flatten)]
    all: serde_json::Map<String, Value>,
}

impl AdditionalClaims for AllClaims {}

type TokenFields = IdTokenFields<
    AllClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<TokenFields, CoreTokenType>;
type RpClient = Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the OpenID provider cannot be reached or described itself wrongly: {0}")]
    Discovery(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("the provider refused the authorization code: {0}")]
    Exchange(String),
    /// `invalid_grant`: the code was used already, expired, or is not for this client
    /// and verifier (a replayed callback).
    #[error("the provider no longer takes the authorization code: {0}")]
    GrantRefused(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token does not verify: {0}")]
    IdToken(String),
    #[error("the access token does not verify as the services would: {0}")]
    AccessToken(String),
    /// Verified, but without a known role (or a dealer without a dealer code).
    #[error("the access token names no usable role: {0}")]
    NoRole(String),
}

/// What `/auth/login` sends the browser to, and what the callback needs to finish.
pub struct AuthRequest {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The result of a finished sign-in.
pub struct SignedIn {
    pub user: User,
    pub access_token: String,
    pub id_token: String,
    /// Seconds the access token lives, when the provider said.
    pub expires_in: Option<std::time::Duration>,
    /// The access token's `exp`.
    pub access_expires_at: chrono::DateTime<chrono::Utc>,
}

struct Provider {
    client: RpClient,
    end_session: Option<url::Url>,
}

impl Provider {
    fn id_token_verifier(&self) -> CoreIdTokenVerifier<'_> {
        self.client
            .id_token_verifier()
            .set_allowed_algs(id_token_algorithms())
    }
}

/// The relying party; cheap to clone.
#[derive(Clone)]
pub struct Oidc {
    config: Arc<OidcConfig>,
    redirect_url: RedirectUrl,
    post_logout_url: String,
    http: reqwest::Client,
    /// The services' verifier for the access token: issuer and audience pinned, the
    /// provider's published keys, role and dealer code from the configured claims.
    access: Arc<JwksVerifier>,
    provider: Arc<RwLock<Option<Arc<Provider>>>>,
    /// When an unknown ID-token key last made the provider be discovered again; the
    /// lock also makes concurrent sign-ins share one rediscovery.
    last_rediscovery: Arc<Mutex<Option<Instant>>>,
}

impl Oidc {
    pub fn new(config: &ConsoleConfig) -> Result<Oidc, OidcError> {
        let redirect_url = RedirectUrl::new(config.redirect_url())
            .map_err(|e| OidcError::Config(e.to_string()))?;
        // The provider's answers are never followed elsewhere (no SSRF by redirect).
        let http = aftersales_web::http_client::builder_trusting(config.oidc.ca_file.as_deref())
            .map_err(|e| OidcError::Config(e.to_string()))?
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| OidcError::Config(e.to_string()))?;
        let access = JwksVerifier::new(aftersales_web::config::OidcConfig {
            issuer: config.oidc.issuer.clone(),
            audience: config.oidc.audience.clone(),
            jwks_url: None,
            ca_file: config.oidc.ca_file.clone(),
            role_claim: config.oidc.role_claim.clone(),
            dealer_claim: config.oidc.dealer_claim.clone(),
        })
        .map_err(|e| OidcError::Config(e.to_string()))?;
        Ok(Oidc {
            config: Arc::new(config.oidc.clone()),
            redirect_url,
            post_logout_url: config.post_logout_url(),
            http,
            access: Arc::new(access),
            provider: Arc::new(RwLock::new(None)),
            last_rediscovery: Arc::new(Mutex::new(None)),
        })
    }

    async fn call(
        http: &reqwest::Client,
        request: openidconnect::HttpRequest,
    ) -> Result<openidconnect::HttpResponse, reqwest::Error> {
        let response = http.execute(reqwest::Request::try_from(request)?).await?;
        let mut builder = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response.bytes().await?.to_vec();
        // Status and headers came from a valid response, so the builder cannot fail;
        // an empty answer is still an answer the library rejects properly.
        Ok(builder
            .body(body)
            .unwrap_or_else(|_| openidconnect::http::Response::new(Vec::new())))
    }

    /// The provider, discovered now if not yet (or `fresh`: again).
    async fn provider(&self, fresh: bool) -> Result<Arc<Provider>, OidcError> {
        if !fresh && let Some(p) = self.provider.read().await.as_ref() {
            return Ok(p.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OidcError::Config(e.to_string()))?;
        let http = self.http.clone();
        let fetch = move |req| {
            let http = http.clone();
            async move { Self::call(&http, req).await }
        };
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &fetch)
            .await
            .map_err(|e| OidcError::Discovery(cause_chain(&e)))?;
        let end_session = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|u| u.url().clone());
        let client = RpClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect_url.clone());
        let provider = Arc::new(Provider {
            client,
            end_session,
        });
        *self.provider.write().await = Some(provider.clone());
        Ok(provider)
    }

    /// The provider discovered again after `seen` did not know an ID token's key, or
    /// `None` when a rediscovery happened less than [`MIN_REDISCOVERY_INTERVAL`] ago:
    /// a provider that keeps sending such tokens must not be read on every sign-in.
    async fn rediscover(&self, seen: &Arc<Provider>) -> Result<Option<Arc<Provider>>, OidcError> {
        let mut last = self.last_rediscovery.lock().await;
        if let Some(current) = self.provider.read().await.as_ref()
            && !Arc::ptr_eq(current, seen)
        {
            // Another sign-in rediscovered while this one waited for the lock.
            return Ok(Some(current.clone()));
        }
        if last.is_some_and(|at| at.elapsed() < MIN_REDISCOVERY_INTERVAL) {
            return Ok(None);
        }
        *last = Some(Instant::now());
        self.provider(true).await.map(Some)
    }

    /// Whether the provider has been (or can now be) discovered: a readiness check.
    pub async fn check(&self) -> Result<(), String> {
        self.provider(false)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub async fn authorization_request(&self) -> Result<AuthRequest, OidcError> {
        let provider = self.provider(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(resource) = &self.config.resource {
            request = request.add_extra_param("resource", resource.clone());
        }
        let (url, state, nonce) = request.url();
        Ok(AuthRequest {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code, verifies the ID token (signature, issuer, audience, expiry,
    /// nonce) and reads the user from its claims.
    pub async fn finish(
        &self,
        code: String,
        pkce_verifier: String,
        nonce: &str,
    ) -> Result<SignedIn, OidcError> {
        let provider = self.provider(false).await?;
        let http = self.http.clone();
        let fetch = move |req| {
            let http = http.clone();
            async move { Self::call(&http, req).await }
        };
        let mut exchange = provider
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier));
        if let Some(resource) = &self.config.resource {
            exchange = exchange.add_extra_param("resource", resource.clone());
        }
        let tokens = exchange.request_async(&fetch).await.map_err(|e| match &e {
            RequestTokenError::ServerResponse(r)
                if *r.error() == CoreErrorResponseType::InvalidGrant =>
            {
                OidcError::GrantRefused(cause_chain(&e))
            }
            _ => OidcError::Exchange(cause_chain(&e)),
        })?;
        let id_token = tokens.id_token().ok_or(OidcError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&provider.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // Perhaps the provider rotated its keys since discovery: look again.
                let fresh = self.rediscover(&provider).await?.ok_or_else(|| {
                    OidcError::IdToken("signed with a key the provider does not publish".into())
                })?;
                id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|e| OidcError::IdToken(e.to_string()))?
                    .clone()
            }
            Err(e) => return Err(OidcError::IdToken(e.to_string())),
        };
        let sub = claims.subject().as_str().to_owned();
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .unwrap_or_else(|| sub.clone());
        // Who the user is for the services is what the access token says: verify it as
        // they do and take the role and dealer code from it, never from the ID token.
        let access_token = tokens.access_token().secret().clone();
        let verified = self
            .access
            .verify_signed(&access_token)
            .await
            .map_err(|e| OidcError::AccessToken(e.to_string()))?;
        let access = self
            .access
            .claims(verified)
            .map_err(|e| OidcError::NoRole(e.to_string()))?;
        if access.sub != sub {
            return Err(OidcError::AccessToken(
                "its subject is not the ID token's".into(),
            ));
        }
        let access_expires_at = chrono::DateTime::from_timestamp(access.exp, 0)
            .ok_or_else(|| OidcError::AccessToken("its `exp` is out of range".into()))?;
        Ok(SignedIn {
            user: User {
                sub,
                role: access.role,
                dealer_code: access.dealer_code,
                name,
            },
            access_token,
            id_token: id_token.to_string(),
            expires_in: tokens.expires_in(),
            access_expires_at,
        })
    }

    /// Where to send the browser so the provider ends its own session too: the
    /// provider's `end_session_endpoint` (RP-initiated logout), or `None` when it
    /// advertises none.
    pub async fn end_session_url(&self, id_token: &str) -> Option<url::Url> {
        let provider = self.provider(false).await.ok()?;
        let mut url = provider.end_session.clone()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", &self.post_logout_url)
            .append_pair("client_id", &self.config.client_id);
        Some(url)
    }
}

/// The algorithms an ID token may be signed with: the asymmetric ones the services
/// accept for access tokens, whatever the provider's metadata lists. An HMAC would
/// make the client secret (which sits in this console's configuration) a key that
/// can mint ID tokens.
fn id_token_algorithms() -> Vec<CoreJwsSigningAlgorithm> {
    // Both crates name the algorithms by their JOSE `alg`.
    jwks::ALLOWED_ALGORITHMS
        .iter()
        .filter_map(|alg| {
            let name = serde_json::to_value(alg).ok()?;
            serde_json::from_value(name).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_tokens_are_verified_with_the_services_asymmetric_algorithms_only() {
        let algs = id_token_algorithms();
        assert_eq!(algs.len(), jwks::ALLOWED_ALGORITHMS.len());
        assert!(algs.contains(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256));
        assert!(algs.contains(&CoreJwsSigningAlgorithm::EdDsa));
        for hmac in [
            CoreJwsSigningAlgorithm::HmacSha256,
            CoreJwsSigningAlgorithm::HmacSha384,
            CoreJwsSigningAlgorithm::HmacSha512,
        ] {
            assert!(!algs.contains(&hmac));
        }
        assert!(!algs.contains(&CoreJwsSigningAlgorithm::None));
    }
}
