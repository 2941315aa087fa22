//! Bearer JWT authentication and role checks.
//!
//! Handlers take an [`Allowed<R>`] argument, which requires a valid token of one of the
//! roles of `R` (a [`RoleSet`] declared with [`roles!`](crate::roles)), or a bare
//! [`Principal`] and call [`Principal::require`]. A handler with a body must take
//! `Allowed`: the body extractors ([`crate::body`]) check its roles before they read a
//! byte, so a role that may never use an endpoint gets 403 whatever it sent. The
//! extractors ask the app's [`TokenVerifier`]: an OpenID provider's keys ([`jwks`]), or,
//! for local development only, a shared HS256 secret ([`JwtKeys`]).
//!
//! Both verifiers check the signature, `exp`, `nbf`, the issuer and the audience, and
//! require a non-empty `sub` and an `iat` from which the token's lifetime is capped
//! ([`DEFAULT_MAX_LIFETIME`], `TOKEN_MAX_LIFETIME`).

pub mod jwks;

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, dev::Payload, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ApiError;

/// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 5;

/// The longest `exp - iat` a token may have unless `TOKEN_MAX_LIFETIME` says otherwise:
/// a working day, which `cargo xtask token` mints by default; the providers' access
/// tokens live an hour.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The `iss` and `aud` of every shared-secret (HS256) token: such tokens are for local
/// development only, and naming that in the token keeps one from passing anywhere a
/// real issuer and audience are pinned.
pub const DEV_ISSUER: &str = "aftersales-dev";
/// See [`DEV_ISSUER`].
pub const DEV_AUDIENCE: &str = "aftersales-dev";

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
    /// The verifier of `auth`, refusing tokens that live longer than `max_lifetime`.
    pub fn from_config(
        auth: &crate::config::AuthConfig,
        max_lifetime: Duration,
    ) -> Result<Self, jwks::JwksError> {
        Ok(match auth {
            crate::config::AuthConfig::SharedSecret(secret) => TokenVerifier::SharedSecret(
                Arc::new(JwtKeys::new(secret).with_max_lifetime(max_lifetime)),
            ),
            crate::config::AuthConfig::Oidc(oidc) => TokenVerifier::Jwks(Arc::new(
                jwks::JwksVerifier::new(oidc.clone())?.with_max_lifetime(max_lifetime),
            )),
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
    max_lifetime: Duration,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

/// What a shared-secret token carries besides [`Claims`]: the fixed development issuer
/// and audience.
#[derive(Serialize)]
struct DevClaims<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    iss: &'static str,
    aud: &'static str,
}

impl JwtKeys {
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[DEV_ISSUER]);
        validation.set_audience(&[DEV_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }

    /// Another cap on `exp - iat` than [`DEFAULT_MAX_LIFETIME`].
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
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

    /// Signs arbitrary claims (as given, without checks), with [`DEV_ISSUER`] and
    /// [`DEV_AUDIENCE`].
    pub fn encode(&self, claims: &Claims) -> String {
        self.encode_value(&DevClaims {
            claims,
            iss: DEV_ISSUER,
            aud: DEV_AUDIENCE,
        })
    }

    /// Signs any claims exactly as given (tests forge tokens with this).
    #[allow(
        clippy::expect_used,
        reason = "HMAC signing of serializable claims has no failure mode: the claims are \
                  plain JSON values and any key length is valid for HMAC"
    )]
    pub fn encode_value(&self, claims: &impl Serialize) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of JSON claims is infallible")
    }

    /// Checks signature, algorithm, issuer, audience, `exp`, `nbf`, the subject and the
    /// lifetime; a dealer token must name its dealer.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::decode::<Value>(token, &self.decoding, &self.validation)
            .map_err(map_jwt_error)?;
        check_subject_and_lifetime(&data.claims, self.max_lifetime)?;
        let claims: Claims = serde_json::from_value(data.claims)
            .map_err(|e| AuthError::Invalid(format!("malformed claims: {e}")))?;
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

/// What both verifiers require of a signed token beyond what jsonwebtoken checks: a
/// subject that names someone, and an `iat` not in the future with `exp - iat` at most
/// `max_lifetime`, so that a leaked token cannot be good for years.
pub(crate) fn check_subject_and_lifetime(
    payload: &Value,
    max_lifetime: Duration,
) -> Result<(), AuthError> {
    match payload.get("sub") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) => {
            return Err(AuthError::Invalid(
                "claim `sub` is empty: it must name the caller".into(),
            ));
        }
        _ => return Err(AuthError::Invalid("claim `sub` must be a string".into())),
    }
    let time = |name: &str| match payload.get(name) {
        None => Err(AuthError::Invalid(format!(
            "missing claim `{name}` (the token's lifetime is checked from `iat` to `exp`)"
        ))),
        Some(v) => v.as_i64().ok_or_else(|| {
            AuthError::Invalid(format!("claim `{name}` must be seconds since the epoch"))
        }),
    };
    let (exp, iat) = (time("exp")?, time("iat")?);
    let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(i64::MAX);
    if iat > chrono::Utc::now().timestamp().saturating_add(leeway) {
        return Err(AuthError::Invalid(
            "token is issued in the future (`iat`)".into(),
        ));
    }
    let max = i64::try_from(max_lifetime.as_secs()).unwrap_or(i64::MAX);
    if exp.saturating_sub(iat) > max {
        return Err(AuthError::Invalid(format!(
            "token lifetime (`exp` - `iat`) is longer than the {max} s allowed \
             (TOKEN_MAX_LIFETIME); ask for a shorter-lived token"
        )));
    }
    Ok(())
}

/// The roles that may use an endpoint, as a type: declare one with
/// [`roles!`](crate::roles) and take [`Allowed<R>`] in the handler.
pub trait RoleSet {
    const ROLES: &'static [Role];
}

/// Declares [`RoleSet`]s: `roles! { /// Who writes master data. pub Admins = [Admin]; }`.
#[macro_export]
macro_rules! roles {
    ($($(#[$meta:meta])* $vis:vis $name:ident = [$($role:ident),+ $(,)?];)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;
        impl $crate::auth::RoleSet for $name {
            const ROLES: &'static [$crate::Role] = &[$($crate::Role::$role),+];
        }
    )+};
}

/// The caller, with a valid token of one of the roles of `R` (else 401/403). As a
/// handler argument it also tells the handler's body extractor which roles may send a
/// body at all ([`DeclaredRoles`]), so the role is checked before the body is read;
/// destructure it to the principal: `Allowed(who, ..): Allowed<Admins>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed<R: RoleSet>(pub Principal, pub PhantomData<R>);

impl<R: RoleSet> std::ops::Deref for Allowed<R> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// The roles a request's handler allows, put in the request's extensions by
/// [`Allowed`] when the handler's extractors are created (all of them are created
/// before any runs, so the order of the handler's arguments does not matter).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeclaredRoles(pub(crate) &'static [Role]);

impl<R: RoleSet + 'static> FromRequest for Allowed<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        req.extensions_mut().insert(DeclaredRoles(R::ROLES));
        let principal = Principal::from_http(req);
        Box::pin(async move {
            let principal = principal.await?;
            principal.require(R::ROLES)?;
            Ok(Allowed(principal, PhantomData))
        })
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
            iss: &'a str,
            aud: &'a str,
        }
        let now = chrono::Utc::now().timestamp();
        let raw = Raw {
            sub: "u",
            role: "root",
            exp: now + 60,
            iat: now,
            iss: DEV_ISSUER,
            aud: DEV_AUDIENCE,
        };
        let key = EncodingKey::from_secret(SECRET.as_bytes());
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &raw, &key).unwrap();
        let refused = keys().verify(&token);
        assert!(
            matches!(&refused, Err(AuthError::Invalid(m)) if m.contains("unknown variant")),
            "{refused:?}"
        );

        let raw = Raw {
            role: "admin",
            ..raw
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &raw, &key).unwrap();
        assert!(matches!(keys().verify(&token), Err(AuthError::Invalid(_))));
    }

    /// A shared-secret token of `admin` with `edit` applied to its claims.
    fn forged(edit: impl FnOnce(&mut Value)) -> String {
        let mut claims = serde_json::to_value(Claims::new("u", Role::Admin, None, hour())).unwrap();
        claims["iss"] = DEV_ISSUER.into();
        claims["aud"] = DEV_AUDIENCE.into();
        edit(&mut claims);
        keys().encode_value(&claims)
    }

    fn reason(result: Result<Claims, AuthError>) -> String {
        match result {
            Err(AuthError::Invalid(reason)) => reason,
            other => panic!("expected an invalid token, got {other:?}"),
        }
    }

    #[test]
    fn shared_secret_tokens_pin_issuer_audience_nbf_subject_and_lifetime() {
        assert!(keys().verify(&forged(|_| {})).is_ok());
        let now = chrono::Utc::now().timestamp();
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: [(&str, Edit, &str); 9] = [
            (
                "nbf",
                Box::new(move |c| c["nbf"] = (now + 600).into()),
                "not valid yet",
            ),
            (
                "100 years",
                Box::new(move |c| c["exp"] = (now + 100 * 365 * 86_400).into()),
                "TOKEN_MAX_LIFETIME",
            ),
            (
                "empty sub",
                Box::new(|c| c["sub"] = "".into()),
                "`sub` is empty",
            ),
            (
                "blank sub",
                Box::new(|c| c["sub"] = " ".into()),
                "`sub` is empty",
            ),
            (
                "audience",
                Box::new(|c| c["aud"] = "urn:other".into()),
                "wrong audience",
            ),
            (
                "issuer",
                Box::new(|c| c["iss"] = "https://sso.example".into()),
                "wrong issuer",
            ),
            (
                "no audience",
                Box::new(|c| drop(c.as_object_mut().unwrap().remove("aud"))),
                "missing claim `aud`",
            ),
            (
                "no iat",
                Box::new(|c| drop(c.as_object_mut().unwrap().remove("iat"))),
                "missing claim `iat`",
            ),
            (
                "future iat",
                Box::new(move |c| c["iat"] = (now + 3600).into()),
                "issued in the future",
            ),
        ];
        for (case, edit, expected) in cases {
            let got = reason(keys().verify(&forged(edit)));
            assert!(got.contains(expected), "{case}: {got}");
        }
        // The cap is configurable, and a minted token carries the development issuer.
        let short = keys().with_max_lifetime(Duration::from_secs(600));
        assert!(
            reason(short.verify(&keys().mint("u", Role::Admin, None, hour())))
                .contains("TOKEN_MAX_LIFETIME")
        );
        let payload = keys().mint("u", Role::Admin, None, hour());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[DEV_AUDIENCE]);
        let data = jsonwebtoken::decode::<Value>(&payload, &keys().decoding, &validation).unwrap();
        assert_eq!(data.claims["iss"], DEV_ISSUER);
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
