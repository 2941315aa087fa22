//! Server-side sessions: who is signed in, their access token and their CSRF token.
//! (Sign-ins in progress are sealed into the browser's cookie: `crate::login`.)
//!
//! The browser holds only an opaque, random session id in an HttpOnly cookie; tokens
//! never reach it. Sessions live in this process's memory: a restart signs everyone
//! out (the provider's own session signs them back in without a password), and more
//! than one replica needs sticky sessions (see `k8s/base/console`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use aftersales_web::Role;
use chrono::{DateTime, Utc};
use serde::Serialize;

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

#[derive(Debug, Default)]
struct Maps {
    sessions: HashMap<String, Session>,
}

/// The sessions behind one lock: every operation is a few hash-map steps.
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

    /// Drops expired sessions; returns how many were dropped.
    pub fn sweep(&self, now: DateTime<Utc>) -> usize {
        let mut maps = self.lock();
        let before = maps.sessions.len();
        maps.sessions.retain(|_, s| s.expires_at > now);
        before - maps.sessions.len()
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
    fn sweep_drops_only_what_expired() {
        let store = SessionStore::default();
        let now = Utc::now();
        store.create(session(now + chrono::Duration::seconds(60)));
        store.create(session(now - chrono::Duration::seconds(1)));
        assert_eq!(store.sweep(now), 1);
        assert_eq!(store.len(), 1);
    }
}
