//! Server-side sessions: who is signed in, their access token and their CSRF token,
//! and the sign-ins in progress (PKCE verifier, nonce, where to return).
//!
//! The browser holds only an opaque, random session id in an HttpOnly cookie; tokens
//! never reach it. Sessions live in this process's memory: a restart signs everyone
//! out (the provider's own session signs them back in without a password), and more
//! than one replica needs sticky sessions (see `k8s/base/console`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use aftersales_web::Role;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::ReturnPath;

/// A random, unguessable identifier (256 bits, base64url): session ids, CSRF tokens.
pub fn random_token() -> String {
    openidconnect::CsrfToken::new_random_len(32)
        .secret()
        .clone()
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The person signed in, as the SPA sees them (`GET /auth/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub sub: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_code: Option<String>,
    pub name: String,
}

#[derive(Clone)]
pub struct Session {
    pub user: User,
    pub access_token: String,
    /// Sent back to the provider as `id_token_hint` when signing out there.
    pub id_token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A sign-in between `/auth/login` and `/auth/callback`, keyed by its `state`.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub pkce_verifier: String,
    pub nonce: String,
    pub return_to: ReturnPath,
    /// Binds the callback to the browser that started the sign-in (login CSRF).
    pub browser_binding: String,
    pub expires_at: DateTime<Utc>,
}

/// How long a sign-in may take at the provider.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(600);

/// Sign-ins in progress held at once. `/auth/login` needs no session, so without a
/// bound anyone could fill the memory with abandoned sign-ins.
pub const MAX_PENDING_LOGINS: usize = 10_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("too many sign-ins in progress")]
pub struct TooManyLogins;

#[derive(Debug, Default)]
struct Maps {
    sessions: HashMap<String, Session>,
    pending: HashMap<String, PendingLogin>,
}

/// Both maps behind one lock: every operation is a few hash-map steps.
#[derive(Debug, Clone, Default)]
pub struct SessionStore {
    inner: Arc<Mutex<Maps>>,
}

impl SessionStore {
    fn lock(&self) -> MutexGuard<'_, Maps> {
        // A panic while holding the lock leaves plain maps behind, still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores `session` under a new id, which it returns.
    pub fn create(&self, session: Session) -> String {
        let id = random_token();
        self.lock().sessions.insert(id.clone(), session);
        id
    }

    /// The live session with this id; an expired one is removed and `None`.
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> Option<Session> {
        let mut maps = self.lock();
        match maps.sessions.get(id) {
            Some(s) if s.expires_at > now => Some(s.clone()),
            Some(_) => {
                maps.sessions.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, id: &str) -> Option<Session> {
        self.lock().sessions.remove(id)
    }

    /// Keeps a sign-in until its callback; refused while [`MAX_PENDING_LOGINS`] live
    /// ones are held (expired ones are dropped first).
    pub fn begin_login(&self, state: String, pending: PendingLogin) -> Result<(), TooManyLogins> {
        let mut maps = self.lock();
        if maps.pending.len() >= MAX_PENDING_LOGINS {
            let now = Utc::now();
            maps.pending.retain(|_, p| p.expires_at > now);
            if maps.pending.len() >= MAX_PENDING_LOGINS {
                return Err(TooManyLogins);
            }
        }
        maps.pending.insert(state, pending);
        Ok(())
    }

    /// Takes the sign-in started with `state`: it can be finished once only.
    pub fn finish_login(&self, state: &str, now: DateTime<Utc>) -> Option<PendingLogin> {
        self.lock()
            .pending
            .remove(state)
            .filter(|p| p.expires_at > now)
    }

    /// Drops expired sessions and abandoned sign-ins; returns how many were dropped.
    pub fn sweep(&self, now: DateTime<Utc>) -> usize {
        let mut maps = self.lock();
        let before = maps.sessions.len() + maps.pending.len();
        maps.sessions.retain(|_, s| s.expires_at > now);
        maps.pending.retain(|_, p| p.expires_at > now);
        before - maps.sessions.len() - maps.pending.len()
    }

    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(expires_at: DateTime<Utc>) -> Session {
        Session {
            user: User {
                sub: "u".into(),
                role: Role::Dealer,
                dealer_code: Some("D001".into()),
                name: "U".into(),
            },
            access_token: "at".into(),
            id_token: "it".into(),
            csrf_token: random_token(),
            expires_at,
        }
    }

    fn pending(expires_at: DateTime<Utc>) -> PendingLogin {
        PendingLogin {
            pkce_verifier: "v".into(),
            nonce: "n".into(),
            return_to: ReturnPath::home(),
            browser_binding: "b".into(),
            expires_at,
        }
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43, "{a}");
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, ""));
    }

    #[test]
    fn an_expired_session_is_gone() {
        let store = SessionStore::default();
        let now = Utc::now();
        let live = store.create(session(now + chrono::Duration::seconds(60)));
        let dead = store.create(session(now - chrono::Duration::seconds(1)));
        assert!(store.get(&live, now).is_some());
        assert!(store.get(&dead, now).is_none());
        assert_eq!(store.len(), 1);
        assert!(store.get("unknown", now).is_none());
    }

    #[test]
    fn a_sign_in_finishes_once_and_not_after_its_timeout() {
        let store = SessionStore::default();
        let now = Utc::now();
        store
            .begin_login("s1".into(), pending(now + chrono::Duration::seconds(60)))
            .unwrap();
        store
            .begin_login("s2".into(), pending(now - chrono::Duration::seconds(1)))
            .unwrap();
        assert!(store.finish_login("s1", now).is_some());
        assert!(store.finish_login("s1", now).is_none());
        assert!(store.finish_login("s2", now).is_none());
    }

    #[test]
    fn sign_ins_in_progress_are_bounded_but_expired_ones_make_room() {
        let store = SessionStore::default();
        let now = Utc::now();
        for i in 0..MAX_PENDING_LOGINS {
            let expires = if i == 0 {
                now - chrono::Duration::seconds(1)
            } else {
                now + chrono::Duration::seconds(60)
            };
            store
                .begin_login(format!("s{i}"), pending(expires))
                .unwrap();
        }
        // The expired one makes room for one more, then the store is full.
        store
            .begin_login(
                "one more".into(),
                pending(now + chrono::Duration::seconds(60)),
            )
            .unwrap();
        assert_eq!(
            store.begin_login(
                "too many".into(),
                pending(now + chrono::Duration::seconds(60))
            ),
            Err(TooManyLogins)
        );
    }

    #[test]
    fn sweep_drops_only_what_expired() {
        let store = SessionStore::default();
        let now = Utc::now();
        store.create(session(now + chrono::Duration::seconds(60)));
        store.create(session(now - chrono::Duration::seconds(1)));
        assert_eq!(store.sweep(now), 1);
        assert_eq!(store.len(), 1);
    }
}
