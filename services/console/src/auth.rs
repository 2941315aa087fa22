//! Sign-in as a backend for frontend: `/auth/login` starts the authorization-code
//! flow with PKCE, `/auth/callback` finishes it and opens a server-side session,
//! `/auth/me` tells the SPA who is signed in (and its CSRF token), `/auth/logout`
//! ends the session here and sends the browser to end it at the provider.
//!
//! Cookies: the session id (`Path=/`) and, during a sign-in, the sign-in itself sealed
//! (`crate::login`, `Path=/auth`); both HttpOnly and SameSite=Lax, Secure unless
//! configured off for plain-http development. State-changing requests carry the
//! session's CSRF token in `X-CSRF-Token` (the sign-out form in `csrf_token`).

use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use aftersales_web::{ApiError, Query};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

pub use crate::login::LOGIN_COOKIE;
use crate::login::{LOGIN_TIMEOUT, LoginSealer, PendingLogin};
use crate::oidc::{Oidc, OidcError};
use crate::session::{Session, SessionStore, User, random_token, same_secret};

pub const SESSION_COOKIE: &str = "console_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What the auth routes share.
#[derive(Clone)]
pub struct AuthState {
    pub oidc: Oidc,
    pub sessions: SessionStore,
    pub logins: std::sync::Arc<LoginSealer>,
    pub cookie_secure: bool,
    /// The URL people open: `return_to` must stay on its origin.
    pub public_url: Url,
    pub session_ttl: std::time::Duration,
}

impl AuthState {
    fn cookie<'c>(
        &self,
        name: &'c str,
        value: String,
        path: &'c str,
        max_age: std::time::Duration,
    ) -> Cookie<'c> {
        Cookie::build(name, value)
            .path(path)
            .http_only(true)
            .secure(self.cookie_secure)
            .same_site(SameSite::Lax)
            .max_age(time::Duration::seconds(
                i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
            ))
            .finish()
    }

    fn expired_cookie<'c>(&self, name: &'c str, path: &'c str) -> Cookie<'c> {
        let mut cookie = self.cookie(name, String::new(), path, std::time::Duration::ZERO);
        cookie.make_removal();
        cookie
    }
}

/// A signed-in request: its session, or 401 (no cookie, unknown or expired session).
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub id: String,
    session: Session,
}

impl std::ops::Deref for CurrentSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl FromRequest for CurrentSession {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AuthState>>() else {
            return ready(Err(ApiError::Internal(
                "AuthState is not registered".into(),
            )));
        };
        let found = req
            .cookie(SESSION_COOKIE)
            .and_then(|c| {
                let id = c.value().to_owned();
                state
                    .sessions
                    .get(&id, Utc::now())
                    .map(|session| CurrentSession { id, session })
            })
            .ok_or_else(|| {
                ApiError::unauthorized("not signed in, or the session has expired; sign in again")
            });
        ready(found)
    }
}

/// Refuses a state-changing request without the session's CSRF token. A page of
/// another site can make the browser send the cookie, but cannot read the token.
pub fn require_csrf(req: &HttpRequest, session: &Session) -> Result<(), ApiError> {
    if req.method().is_safe() {
        return Ok(());
    }
    check_csrf(csrf_header(req), session)
}

fn csrf_header(req: &HttpRequest) -> Option<&str> {
    req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok())
}

fn check_csrf(sent: Option<&str>, session: &Session) -> Result<(), ApiError> {
    match sent {
        Some(token) if same_secret(token, &session.csrf_token) => Ok(()),
        Some(_) => Err(ApiError::forbidden(
            "the X-CSRF-Token header does not match this session",
        )),
        None => Err(ApiError::forbidden(
            "a state-changing request needs the X-CSRF-Token header (or, for a form, csrf_token)",
        )),
    }
}

/// A path (and query) of this console to return to after sign-in, checked once
/// when the sign-in starts; anything that could lead elsewhere becomes `/`.
///
/// Checked by resolving against the public URL rather than by looking at the first
/// characters: browsers drop tabs and newlines from a `Location` (so `/\t/evil.example`
/// would become `//evil.example`) and read `\` as `/`, and CR/LF cannot go into a
/// header at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    pub fn home() -> ReturnPath {
        ReturnPath("/".to_owned())
    }

    /// `candidate` as the SPA sent it (already percent-decoded once by the query).
    pub fn new(candidate: Option<&str>, public_url: &Url) -> ReturnPath {
        candidate
            .and_then(|c| Self::checked(c, public_url))
            .unwrap_or_else(Self::home)
    }

    fn checked(candidate: &str, public_url: &Url) -> Option<ReturnPath> {
        let refused = |c: char| c.is_ascii_control() || c.is_ascii_whitespace() || c == '\\';
        if !candidate.starts_with('/')
            || candidate.len() > MAX_RETURN_PATH
            || candidate.chars().any(refused)
            || encodes_refused_byte(candidate)
        {
            return None;
        }
        let resolved = public_url.join(candidate).ok()?;
        if resolved.origin() != public_url.origin() || resolved.path().starts_with("/auth/") {
            return None;
        }
        let mut local = resolved.path().to_owned();
        if let Some(query) = resolved.query() {
            local.push('?');
            local.push_str(query);
        }
        // Checked again once normalised: percent-encoding can triple a path's length.
        (local.len() <= MAX_RETURN_PATH).then_some(ReturnPath(local))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest return path kept: it travels in the sealed sign-in cookie, and a
/// browser keeps no cookie over 4 KiB.
pub const MAX_RETURN_PATH: usize = 2048;

/// Whether `s` percent-encodes a control character, whitespace or a backslash: the
/// SPA's router decodes its path again, so those are refused even encoded.
fn encodes_refused_byte(s: &str) -> bool {
    s.split('%').skip(1).any(|rest| {
        rest.get(..2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .is_some_and(|b| b.is_ascii_control() || b.is_ascii_whitespace() || b == b'\\')
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

/// `GET /auth/login`: to the provider's authorization endpoint.
///
/// The query is read like the services read theirs (`aftersales_web::Query`), but this
/// is where the SPA sends the browser: a query that does not parse (a repeated
/// `return_to`) is logged and the sign-in goes on, returning home, rather than leaving
/// the person on an error document.
async fn login(
    state: web::Data<AuthState>,
    query: Result<Query<LoginQuery>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let return_to = match &query {
        Ok(q) => q.return_to.as_deref(),
        Err(e) => {
            tracing::info!(problem = %e, "sign-in with a malformed query; returning home");
            None
        }
    };
    let request = state.oidc.authorization_request().await.map_err(|e| {
        tracing::warn!(error = %e, "cannot start a sign-in");
        ApiError::ServiceUnavailable(
            "the sign-in provider cannot be reached; try again shortly".into(),
        )
    })?;
    let pending = PendingLogin {
        state: request.state,
        pkce_verifier: request.pkce_verifier,
        nonce: request.nonce,
        return_to: ReturnPath::new(return_to, &state.public_url)
            .as_str()
            .to_owned(),
        expires_at: (Utc::now() + LOGIN_TIMEOUT).timestamp(),
    };
    let sealed = state
        .logins
        .seal(&pending)
        .map_err(|e| ApiError::internal(format!("cannot seal the sign-in: {e}")))?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, request.url.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(state.cookie(LOGIN_COOKIE, sealed, "/auth", LOGIN_TIMEOUT))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Why a sign-in did not finish, as the SPA's `/signed-out?error=` page names it.
#[derive(Debug, Clone, Copy)]
enum SignInFailure {
    /// No, a changed or an expired sign-in cookie, another `state` (another browser's
    /// callback), or a code the provider no longer takes (a replayed callback).
    Expired,
    /// The provider said no (`error=access_denied`, …).
    Refused,
    /// The token exchange or the ID token failed.
    Provider,
    /// Signed in, but the access token names no role (or a dealer no dealer code).
    NoRole,
}

impl SignInFailure {
    fn code(self) -> &'static str {
        match self {
            SignInFailure::Expired => "expired",
            SignInFailure::Refused => "refused",
            SignInFailure::Provider => "provider",
            SignInFailure::NoRole => "no_role",
        }
    }
}

/// `GET /auth/callback`: code → tokens → session. Always a redirect: the browser
/// arrives here from the provider, so even a query that does not parse (`aftersales_web::
/// Query`'s 400, e.g. a repeated `state`) ends on `/signed-out?error=expired` (this
/// sign-in cannot be finished; start again), never on a problem document.
async fn callback(
    req: HttpRequest,
    state: web::Data<AuthState>,
    query: Result<Query<CallbackQuery>, ApiError>,
) -> HttpResponse {
    let outcome = match query {
        Ok(query) => finish_sign_in(&req, &state, query.into_inner()).await,
        Err(e) => {
            tracing::info!(problem = %e, "a sign-in callback with a malformed query");
            Err(SignInFailure::Expired)
        }
    };
    match outcome {
        Ok((session_id, return_to)) => see_other(return_to.as_str())
            .cookie(state.cookie(SESSION_COOKIE, session_id, "/", state.session_ttl))
            .cookie(state.expired_cookie(LOGIN_COOKIE, "/auth"))
            .finish(),
        Err(failure) => see_other(&format!("/signed-out?error={}", failure.code()))
            .cookie(state.expired_cookie(LOGIN_COOKIE, "/auth"))
            .finish(),
    }
}

async fn finish_sign_in(
    req: &HttpRequest,
    state: &AuthState,
    query: CallbackQuery,
) -> Result<(String, ReturnPath), SignInFailure> {
    let now = Utc::now();
    let cookie = req.cookie(LOGIN_COOKIE);
    let pending = state
        .logins
        .open(
            cookie.as_ref().map(|c| c.value()),
            query.state.as_deref().unwrap_or_default(),
            now,
        )
        .map_err(|e| {
            tracing::info!(reason = %e, "a sign-in callback without its sign-in");
            SignInFailure::Expired
        })?;
    if let Some(error) = query.error {
        tracing::info!(%error, "the provider refused the sign-in");
        return Err(SignInFailure::Refused);
    }
    let code = query.code.ok_or(SignInFailure::Refused)?;
    let signed_in = state
        .oidc
        .finish(code, pending.pkce_verifier, &pending.nonce)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "sign-in failed");
            match e {
                OidcError::NoRole(_) => SignInFailure::NoRole,
                OidcError::GrantRefused(_) => SignInFailure::Expired,
                _ => SignInFailure::Provider,
            }
        })?;
    // The session ends with its access token: the earlier of the provider's
    // `expires_in` and the token's own `exp` (the services refuse it after that).
    let token_ends = match signed_in.expires_in {
        Some(t) => (now + chrono::Duration::from_std(t).unwrap_or(chrono::Duration::zero()))
            .min(signed_in.access_expires_at),
        None => signed_in.access_expires_at,
    };
    let ttl = chrono::Duration::from_std(state.session_ttl).unwrap_or(chrono::Duration::zero());
    let expires_at = token_ends.min(now + ttl);
    tracing::info!(sub = %signed_in.user.sub, role = %signed_in.user.role, "signed in");
    let id = state.sessions.create(Session {
        user: signed_in.user,
        access_token: signed_in.access_token,
        id_token: signed_in.id_token,
        csrf_token: random_token(),
        expires_at,
    });
    Ok((
        id,
        ReturnPath::new(Some(&pending.return_to), &state.public_url),
    ))
}

/// `GET /auth/me`.
#[derive(Debug, Serialize)]
pub struct Me {
    #[serde(flatten)]
    user: User,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

async fn me(session: CurrentSession) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Me {
            user: session.user.clone(),
            csrf_token: session.csrf_token.clone(),
            expires_at: session.expires_at,
        })
}

/// `POST /auth/logout`, a form the SPA submits (`csrf_token`) or a request with the
/// `X-CSRF-Token` header: the session ends here, and a 303 sends the browser to the
/// provider's end-session URL so its session ends too. A redirect rather than a
/// body the SPA reads: the URL carries the ID token as `id_token_hint`, and no
/// script of the page needs it.
async fn logout(
    req: HttpRequest,
    state: web::Data<AuthState>,
    session: Option<CurrentSession>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(session) = session else {
        // Signed out already (another tab, an expired session): nothing to end here.
        return Ok(see_other("/signed-out")
            .cookie(state.expired_cookie(SESSION_COOKIE, "/"))
            .finish());
    };
    let from_form = url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value.into_owned());
    check_csrf(csrf_header(&req).or(from_form.as_deref()), &session)?;
    state.sessions.remove(&session.id);
    tracing::info!(sub = %session.user.sub, "signed out");
    let location = state
        .oidc
        .end_session_url(&session.id_token)
        .await
        .map_or_else(|| "/signed-out".to_owned(), |u| u.to_string());
    Ok(see_other(&location)
        .cookie(state.expired_cookie(SESSION_COOKIE, "/"))
        .finish())
}

fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth")
            .route("/login", web::get().to(login))
            .route("/callback", web::get().to(callback))
            .route("/me", web::get().to(me))
            .route("/logout", web::post().to(logout)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returned_to(candidate: &str) -> String {
        let public = Url::parse("https://console.example.com/").unwrap();
        ReturnPath::new(Some(candidate), &public)
            .as_str()
            .to_owned()
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(returned_to("/orders/42?x=1"), "/orders/42?x=1");
        // Short enough as sent, three times longer once percent-encoded: home instead.
        let accented = format!("/parts/{}", "é".repeat(1000));
        assert!(accented.len() <= MAX_RETURN_PATH);
        assert_eq!(returned_to(&accented), "/");
        assert_eq!(returned_to("/parts/AL%2F3001"), "/parts/AL%2F3001");
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "https://x",
            "//x",
            "/\\x",
            "/\\evil",
            "/\t/evil.example",
            "/%09/x",
            "/\n",
            "/%0d%0a",
            "/\r\nSet-Cookie: a=b",
            "/ /x",
            "/%5cx",
            "orders",
            "/auth/login",
            "/x/../auth/login",
            "",
        ] {
            assert_eq!(returned_to(bad), "/", "{bad:?}");
        }
        let public = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(ReturnPath::new(None, &public), ReturnPath::home());
    }
}
