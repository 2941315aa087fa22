//! Webhook signatures, as the Standard Webhooks specification lays them out so that a
//! receiver can use any of its libraries: the headers `webhook-id` (the message id),
//! `webhook-timestamp` (Unix seconds) and `webhook-signature`, `v1,<base64 HMAC-SHA256>`
//! over `<id>.<timestamp>.<body>` keyed with the subscription's secret. While a rotated
//! secret is still honoured the header carries both signatures, space-separated.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a timestamp may be from the receiver's clock: older is a replay.
pub const TOLERANCE_SECONDS: i64 = 300;

const PREFIX: &str = "whsec_";

/// A subscription's signing secret: `whsec_` and 32 random bytes in base64.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the secret is not `whsec_` followed by base64")]
    BadSecret,
    #[error("no random bytes for a secret: {0}")]
    Random(String),
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is more than {TOLERANCE_SECONDS} s away from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

impl Secret {
    pub fn generate() -> Result<Self, SignatureError> {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).map_err(|e| SignatureError::Random(e.to_string()))?;
        Ok(Secret(key))
    }

    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let encoded = text.strip_prefix(PREFIX).ok_or(SignatureError::BadSecret)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SignatureError::BadSecret)?;
        if key.is_empty() {
            return Err(SignatureError::BadSecret);
        }
        Ok(Secret(key))
    }

    /// The secret as the subscriber is given it (and as it is stored).
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,<signature>` of one delivery.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mac = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(mac))
    }

    /// The HMAC over `<id>.<timestamp>.<body>`, before finalising.
    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// Checks a delivery as a receiver does: the timestamp within
    /// [`TOLERANCE_SECONDS`] of `now`, and one of the header's `v1` signatures this
    /// secret's (compared in constant time).
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let timestamp: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if (now - timestamp).abs() > TOLERANCE_SECONDS {
            return Err(SignatureError::Stale);
        }
        let matches = signatures
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .filter_map(|s| STANDARD.decode(s).ok())
            .any(|given| self.mac(id, timestamp, body).verify_slice(&given).is_ok());
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

/// The `webhook-signature` header for `secrets` (the current one first).
pub fn header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_secret_only() {
        let secret = Secret::generate().unwrap();
        let other = Secret::generate().unwrap();
        let sig = secret.sign("m1", 1_700_000_000, b"{}");
        assert_eq!(
            secret.verify("m1", "1700000000", &sig, b"{}", 1_700_000_010),
            Ok(())
        );
        assert_eq!(
            other.verify("m1", "1700000000", &sig, b"{}", 1_700_000_010),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_id_timestamp_and_body_are_all_signed() {
        let secret = Secret::generate().unwrap();
        let sig = secret.sign("m1", 1_700_000_000, b"{\"a\":1}");
        let now = 1_700_000_000;
        for (id, ts, body) in [
            ("m2", "1700000000", &b"{\"a\":1}"[..]),
            ("m1", "1700000001", &b"{\"a\":1}"[..]),
            ("m1", "1700000000", &b"{\"a\":2}"[..]),
        ] {
            assert_eq!(
                secret.verify(id, ts, &sig, body, now),
                Err(SignatureError::Mismatch)
            );
        }
    }

    #[test]
    fn an_old_timestamp_is_a_replay() {
        let secret = Secret::generate().unwrap();
        let sig = secret.sign("m1", 1_000, b"");
        assert_eq!(
            secret.verify("m1", "1000", &sig, b"", 1_000 + TOLERANCE_SECONDS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            secret.verify("m1", "soon", &sig, b"", 1_000),
            Err(SignatureError::BadTimestamp)
        );
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let (new, old) = (Secret::generate().unwrap(), Secret::generate().unwrap());
        let both = header(&[new.clone(), old.clone()], "m1", 5, b"x");
        assert!(new.verify("m1", "5", &both, b"x", 5).is_ok());
        assert!(old.verify("m1", "5", &both, b"x", 5).is_ok());
    }

    #[test]
    fn a_secret_round_trips_through_its_text() {
        let secret = Secret::generate().unwrap();
        let text = secret.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text), Ok(secret));
        assert_eq!(Secret::parse("whsec_"), Err(SignatureError::BadSecret));
        assert_eq!(Secret::parse("abc"), Err(SignatureError::BadSecret));
        assert_eq!(format!("{:?}", Secret::parse(&text).unwrap()), "Secret(…)");
    }

    #[test]
    fn a_known_vector_from_the_standard_webhooks_specification() {
        // The specification's example: its secret, id, timestamp, body and signature.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
