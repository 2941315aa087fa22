//! Bearer JWT authentication and role checks.
//!
//! Handlers take a [`Principal`] argument to require a valid token, then call
//! [`Principal::require`] for the roles allowed. The extractor asks the app's
//! [`TokenVerifier`]: an OpenID provider's keys ([`jwks`]), or, for local development
//! only, a shared HS256 secret ([`JwtKeys`]).

pub mod jwks;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, dev::Payload, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ApiError;

/// Seconds of clock skew tolerated on `exp`.
pub const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Dealer,
    Warehouse,
    Quality,
    QualityLead,
    Finance,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Dealer,
        Role::Warehouse,
        Role::Quality,
        Role::QualityLead,
        Role::Finance,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Dealer => "dealer",
            Role::Warehouse => "warehouse",
            Role::Quality => "quality",
            Role::QualityLead => "quality_lead",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The JWT payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer_code: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
}

impl Claims {
    /// `sub` acting as `role`, valid for `ttl` from now (a negative `ttl` gives an
    /// already expired token, which tests use).
    pub fn new(sub: &str, role: Role, dealer_code: Option<&str>, ttl: chrono::Duration) -> Self {
        let now = chrono::Utc::now();
        Claims {
            sub: sub.to_owned(),
            role,
            dealer_code: dealer_code.map(str::to_owned),
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing Authorization header")]
    Missing,
    #[error("Authorization header must be `Bearer <token>`")]
    BadScheme,
    #[error("token has expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The provider's keys could not be fetched: the token may be fine, retry later.
    #[error("the identity provider's signing keys are unavailable")]
    KeysUnavailable,
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::KeysUnavailable => ApiError::ServiceUnavailable(error.to_string()),
            _ => ApiError::Unauthorized(error.to_string()),
        }
    }
}

/// What a client learns about a token jsonwebtoken refused: enough to fix its request,
/// nothing about our keys.
pub(crate) fn map_jwt_error(e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::Invalid("token is not valid yet".into()),
        ErrorKind::InvalidSignature => AuthError::Invalid("bad signature".into()),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            AuthError::Invalid("algorithm not allowed".into())
        }
        ErrorKind::InvalidIssuer => AuthError::Invalid("wrong issuer".into()),
        ErrorKind::InvalidAudience => AuthError::Invalid("wrong audience".into()),
        ErrorKind::MissingRequiredClaim(c) => AuthError::Invalid(format!("missing claim `{c}`")),
        ErrorKind::Json(_) => AuthError::Invalid("malformed claims".into()),
        _ => AuthError::Invalid("malformed token".into()),
    }
}

/// How the services check tokens; put one in app data as `web::Data<TokenVerifier>`.
#[derive(Debug, Clone)]
pub enum TokenVerifier {
    /// Local development only: see [`crate::config::AuthConfig::SharedSecret`].
    SharedSecret(Arc<JwtKeys>),
    Jwks(Arc<jwks::JwksVerifier>),
}

impl TokenVerifier {
    pub fn from_config(auth: &crate::config::AuthConfig) -> Result<Self, jwks::JwksError> {
        Ok(match auth {
            crate::config::AuthConfig::SharedSecret(secret) => {
                TokenVerifier::SharedSecret(Arc::new(JwtKeys::new(secret)))
            }
            crate::config::AuthConfig::Oidc(oidc) => {
                TokenVerifier::Jwks(Arc::new(jwks::JwksVerifier::new(oidc.clone())?))
            }
        })
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        match self {
            TokenVerifier::SharedSecret(keys) => keys.verify(token),
            TokenVerifier::Jwks(verifier) => verifier.verify(token).await,
        }
    }
}

/// Signing and verification keys for one shared secret (HS256).
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    /// A token with [`Claims::new`].
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        dealer_code: Option<&str>,
        ttl: chrono::Duration,
    ) -> String {
        self.encode(&Claims::new(sub, role, dealer_code, ttl))
    }

    /// Signs arbitrary claims (as given, without checks).
    #[allow(
        clippy::expect_used,
        reason = "HMAC signing of a plain struct has no failure mode: serializing strings \
                  and integers cannot fail and any key length is valid for HMAC"
    )]
    pub fn encode(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of Claims is infallible")
    }

    /// Checks signature, algorithm and expiry; a dealer token must name its dealer.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(map_jwt_error)?;
        let claims = data.claims;
        if claims.role == Role::Dealer
            && claims
                .dealer_code
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
        {
            return Err(AuthError::Invalid(
                "dealer token without dealer_code".into(),
            ));
        }
        Ok(claims)
    }
}

/// Whose data a caller acts on (see [`Principal::caller`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A dealer: sees and acts on its own dealer's data only.
    Dealer(String),
    /// Every other role: any dealer's data.
    Staff,
}

impl Caller {
    /// The dealer the caller is bound to, if it is a dealer.
    pub fn dealer(&self) -> Option<&str> {
        match self {
            Caller::Dealer(code) => Some(code),
            Caller::Staff => None,
        }
    }

    /// Whether the caller may see data of `dealer_code`.
    pub fn may_see(&self, dealer_code: &str) -> bool {
        self.dealer().is_none_or(|own| own == dealer_code)
    }
}

/// The authenticated caller. As a handler argument it requires a valid
/// `Authorization: Bearer <jwt>`, checked with the app's `web::Data<TokenVerifier>`
/// (or a bare `web::Data<JwtKeys>`, which unit tests of handlers use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub sub: String,
    pub role: Role,
    pub dealer_code: Option<String>,
}

impl Principal {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "role {} may not do this",
                self.role
            )))
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// The dealer a dealer token belongs to (always `Some` for dealers).
    pub fn dealer_code(&self) -> Option<&str> {
        self.dealer_code.as_deref()
    }

    /// The dealer a dealer acts for. Authentication refuses a dealer token without a
    /// dealer code, so a missing one here is our bug: an internal error (logged with
    /// the request), never "no dealer".
    pub fn own_dealer(&self) -> Result<&str, ApiError> {
        self.dealer_code()
            .ok_or_else(|| ApiError::internal(format!("dealer {} has no dealer_code", self.sub)))
    }

    /// The dealer a caller's reads and writes are limited to: its own for a dealer,
    /// none for every other role.
    pub fn dealer_scope(&self) -> Result<Option<&str>, ApiError> {
        if self.is(Role::Dealer) {
            self.own_dealer().map(Some)
        } else {
            Ok(None)
        }
    }

    /// [`Principal::dealer_scope`] as a value a use case can hold.
    pub fn caller(&self) -> Result<Caller, ApiError> {
        Ok(match self.dealer_scope()? {
            Some(code) => Caller::Dealer(code.to_owned()),
            None => Caller::Staff,
        })
    }

    /// The request's principal, verified once per request: the body extractors ask
    /// for it too ([`crate::body`]), and get the first answer.
    pub(crate) fn from_http(req: &HttpRequest) -> LocalBoxFuture<'static, Result<Self, ApiError>> {
        if let Some(known) = req.extensions().get::<Principal>().cloned() {
            return Box::pin(async move { Ok(known) });
        }
        let verifier = match req.app_data::<web::Data<TokenVerifier>>() {
            Some(v) => TokenVerifier::clone(v),
            None => match req.app_data::<web::Data<JwtKeys>>() {
                Some(keys) => TokenVerifier::SharedSecret(keys.clone().into_inner()),
                None => {
                    let err = ApiError::internal(
                        "no token verifier in app data: add web::Data<TokenVerifier>",
                    );
                    return Box::pin(async move { Err(err) });
                }
            },
        };
        let token = bearer_token(req).map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let claims = verifier.verify(&token?).await?;
            let principal = Principal::from(claims);
            req.extensions_mut().insert(principal.clone());
            Ok(principal)
        })
    }
}

impl From<Claims> for Principal {
    fn from(c: Claims) -> Self {
        Principal {
            sub: c.sub,
            role: c.role,
            dealer_code: c.dealer_code,
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Result<&str, AuthError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::BadScheme)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::BadScheme)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::BadScheme);
    }
    Ok(token)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Principal::from_http(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse};

    const SECRET: &str = "test-secret";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET)
    }

    fn hour() -> chrono::Duration {
        chrono::Duration::hours(1)
    }

    fn principal(role: Role, dealer_code: Option<&str>) -> Principal {
        Principal {
            sub: "tester".into(),
            role,
            dealer_code: dealer_code.map(str::to_owned),
        }
    }

    #[test]
    fn a_dealer_is_bound_to_its_code_and_every_other_role_to_none() {
        let dealer = principal(Role::Dealer, Some("D001"));
        assert_eq!(dealer.caller().unwrap(), Caller::Dealer("D001".into()));
        assert_eq!(dealer.dealer_scope().unwrap(), Some("D001"));
        assert_eq!(dealer.own_dealer().unwrap(), "D001");
        assert!(dealer.caller().unwrap().may_see("D001"));
        assert!(!dealer.caller().unwrap().may_see("D002"));
        for role in [Role::Admin, Role::Warehouse, Role::Quality, Role::Finance] {
            // A stray dealer_code on a staff token scopes nothing.
            let staff = principal(role, Some("D001"));
            assert_eq!(staff.caller().unwrap(), Caller::Staff);
            assert_eq!(staff.dealer_scope().unwrap(), None);
            assert!(staff.caller().unwrap().may_see("D002"));
        }
        // Authentication refuses such a token; meeting one anyway is a bug, never "all".
        let broken = principal(Role::Dealer, None);
        assert!(broken.caller().is_err());
        assert!(broken.dealer_scope().is_err());
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.to_string().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{role}\""));
        }
        assert_eq!(Role::QualityLead.to_string(), "quality_lead");
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn mint_then_verify() {
        let token = keys().mint("u1", Role::Dealer, Some("D-001"), hour());
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.sub, "u1");
        assert_eq!(claims.role, Role::Dealer);
        assert_eq!(claims.dealer_code.as_deref(), Some("D-001"));
        assert!(claims.exp > claims.iat);
    }

    #[test]
    fn verify_rejects_bad_tokens() {
        let other = JwtKeys::new("another-secret").mint("u", Role::Admin, None, hour());
        assert!(matches!(keys().verify(&other), Err(AuthError::Invalid(_))));

        let expired = keys().mint("u", Role::Admin, None, chrono::Duration::minutes(-5));
        assert_eq!(keys().verify(&expired), Err(AuthError::Expired));

        let dealer = keys().mint("u", Role::Dealer, None, hour());
        assert!(matches!(keys().verify(&dealer), Err(AuthError::Invalid(_))));

        assert!(matches!(
            keys().verify("garbage"),
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(keys().verify(""), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn verify_rejects_unknown_role_and_other_algorithms() {
        #[derive(Serialize)]
        struct Raw<'a> {
            sub: &'a str,
            role: &'a str,
            exp: i64,
            iat: i64,
        }
        let now = chrono::Utc::now().timestamp();
        let raw = Raw {
            sub: "u",
            role: "root",
            exp: now + 60,
            iat: now,
        };
        let key = EncodingKey::from_secret(SECRET.as_bytes());
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &raw, &key).unwrap();
        assert!(matches!(keys().verify(&token), Err(AuthError::Invalid(_))));

        let raw = Raw {
            role: "admin",
            ..raw
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &raw, &key).unwrap();
        assert!(matches!(keys().verify(&token), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn require_and_is() {
        let p = Principal {
            sub: "u".into(),
            role: Role::Quality,
            dealer_code: None,
        };
        assert!(p.require(&[Role::Quality, Role::Admin]).is_ok());
        let err = p.require(&[Role::Finance]).unwrap_err();
        assert!(matches!(err, ApiError::Forbidden(_)));
        assert!(p.is(Role::Quality) && !p.is(Role::QualityLead));
        assert_eq!(p.dealer_code(), None);
    }

    async fn who(p: Principal) -> Result<HttpResponse, ApiError> {
        p.require(&[Role::Dealer, Role::Admin])?;
        Ok(HttpResponse::Ok().body(format!("{}:{}", p.sub, p.dealer_code().unwrap_or("-"))))
    }

    async fn call(auth: Option<String>) -> actix_web::dev::ServiceResponse {
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(keys()))
                .route("/who", web::get().to(who)),
        )
        .await;
        let mut req = actix_test::TestRequest::get().uri("/who");
        if let Some(a) = auth {
            req = req.insert_header((header::AUTHORIZATION, a));
        }
        actix_test::call_service(&app, req.to_request()).await
    }

    fn assert_401(resp: &actix_web::dev::ServiceResponse) {
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            resp.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer"
        );
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            crate::error::PROBLEM_CONTENT_TYPE
        );
    }

    #[actix_web::test]
    async fn extractor_accepts_a_valid_token() {
        let token = keys().mint("u9", Role::Dealer, Some("D-9"), hour());
        let resp = call(Some(format!("Bearer {token}"))).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = actix_test::read_body(resp).await;
        assert_eq!(body, "u9:D-9");
    }

    #[actix_web::test]
    async fn extractor_401_paths() {
        assert_401(&call(None).await);
        assert_401(&call(Some("Basic dTpw".into())).await);
        assert_401(&call(Some("Bearer".into())).await);
        assert_401(&call(Some("Bearer    ".into())).await);
        assert_401(&call(Some("Bearer not.a.jwt".into())).await);

        let foreign = JwtKeys::new("another-secret").mint("u", Role::Admin, None, hour());
        assert_401(&call(Some(format!("Bearer {foreign}"))).await);

        let expired = keys().mint("u", Role::Admin, None, chrono::Duration::hours(-1));
        let resp = call(Some(format!("Bearer {expired}"))).await;
        assert_401(&resp);
        let body: serde_json::Value = actix_test::read_body_json(resp).await;
        assert_eq!(body["detail"], "token has expired");

        let dealer = keys().mint("u", Role::Dealer, None, hour());
        assert_401(&call(Some(format!("Bearer {dealer}"))).await);
    }

    #[actix_web::test]
    async fn extractor_403_for_wrong_role() {
        let token = keys().mint("u", Role::Finance, None, hour());
        let resp = call(Some(format!("bearer {token}"))).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    }
}
