//! A sign-in between `/auth/login` and `/auth/callback`, kept by the browser itself:
//! its PKCE verifier, nonce, `state`, return path and expiry sealed into the
//! `console_login` cookie ([`crate::sealed`]). No replica holds anything per sign-in,
//! so a flood of abandoned sign-ins costs no memory, and any replica can finish one.
//!
//! The cookie is also what binds the callback to the browser that started the sign-in
//! (login CSRF): another browser has no such cookie. It is removed when the callback
//! is answered, and the provider takes an authorization code once only, so a callback
//! replayed after a sign-in finished cannot open a second session.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sealed::{CookieKey, Sealer, Unsealable};
use crate::session::same_secret;

/// How long a sign-in may take at the provider.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(600);

/// The cookie the sealed sign-in travels in (its name is sealed with it).
pub const LOGIN_COOKIE: &str = "console_login";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The `state` sent to the provider; the callback must bring the same back.
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
    /// Checked when the sign-in started (`auth::ReturnPath`), checked again when read.
    pub return_to: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
}

/// Why the callback's sign-in cannot be used; each ends on `/signed-out?error=expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoSignIn {
    #[error("no sign-in cookie (another browser, or the sign-in was finished already)")]
    Missing,
    #[error("the sign-in cookie was changed or sealed under another key")]
    Unsealable,
    #[error("the callback's state is not this browser's sign-in")]
    OtherState,
    #[error("the sign-in took longer than allowed")]
    Expired,
}

/// Seals sign-ins into cookie values and opens them again.
#[derive(Debug)]
pub struct LoginSealer(Sealer);

impl LoginSealer {
    pub fn new(key: &CookieKey) -> Result<LoginSealer, ring::error::Unspecified> {
        Sealer::new(key, LOGIN_COOKIE).map(LoginSealer)
    }

    pub fn seal(&self, pending: &PendingLogin) -> Result<String, Unsealable> {
        let plain = serde_json::to_vec(pending).map_err(|_| Unsealable)?;
        self.0.seal(LOGIN_COOKIE, &plain)
    }

    /// The sign-in sealed in `cookie`, if the callback's `state` is its own and it has
    /// not expired at `now`.
    pub fn open(
        &self,
        cookie: Option<&str>,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<PendingLogin, NoSignIn> {
        let sealed = cookie.ok_or(NoSignIn::Missing)?;
        let plain = self
            .0
            .open(LOGIN_COOKIE, sealed)
            .map_err(|_| NoSignIn::Unsealable)?;
        let pending: PendingLogin =
            serde_json::from_slice(&plain).map_err(|_| NoSignIn::Unsealable)?;
        if !same_secret(&pending.state, state) {
            return Err(NoSignIn::OtherState);
        }
        if pending.expires_at <= now.timestamp() {
            return Err(NoSignIn::Expired);
        }
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(expires_at: DateTime<Utc>) -> PendingLogin {
        PendingLogin {
            state: "s".repeat(43),
            pkce_verifier: "v".repeat(43),
            nonce: "n".repeat(43),
            return_to: "/orders/7".into(),
            expires_at: expires_at.timestamp(),
        }
    }

    #[test]
    fn a_sealed_sign_in_comes_back_only_with_its_state_before_it_expires() {
        let sealer = LoginSealer::new(&CookieKey::generate().unwrap()).unwrap();
        let now = Utc::now();
        let p = pending(now + chrono::Duration::seconds(60));
        let sealed = sealer.seal(&p).unwrap();
        assert!(!sealed.contains(&p.pkce_verifier) && !sealed.contains("orders"));
        // Fits in a cookie with room to spare, even with a long return path.
        assert!(sealed.len() < 1024, "{}", sealed.len());
        assert_eq!(sealer.open(Some(&sealed), &p.state, now), Ok(p.clone()));

        assert_eq!(sealer.open(None, &p.state, now), Err(NoSignIn::Missing));
        assert_eq!(
            sealer.open(Some(&sealed), "another state", now),
            Err(NoSignIn::OtherState)
        );
        assert_eq!(
            sealer.open(Some(&sealed), &p.state, now + chrono::Duration::seconds(61)),
            Err(NoSignIn::Expired)
        );
        let other = LoginSealer::new(&CookieKey::generate().unwrap()).unwrap();
        assert_eq!(
            other.open(Some(&sealed), &p.state, now),
            Err(NoSignIn::Unsealable)
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            sealer.open(Some(&tampered), &p.state, now),
            Err(NoSignIn::Unsealable)
        );
    }
}
