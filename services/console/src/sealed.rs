//! Values the console hands the browser to keep and give back unread and unchanged:
//! encrypted and authenticated (AES-256-GCM) under a key derived from `COOKIE_KEY`,
//! bound to the cookie's name, so no replica needs to remember them.
//!
//! ring's AEAD rather than the `cookie` crate's private jar: ring is already the TLS
//! provider, while the private jar would add aes-gcm and its RustCrypto tree.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

/// Bytes of key material `COOKIE_KEY` must carry at least (after base64).
pub const MIN_KEY_BYTES: usize = 32;

/// The configured secret every replica shares (`COOKIE_KEY`), or one made at start for
/// local development.
#[derive(Clone, PartialEq, Eq)]
pub struct CookieKey(Vec<u8>);

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey(<redacted>)")
    }
}

impl CookieKey {
    /// From `COOKIE_KEY`: base64 (standard or URL-safe, padded or not) of at least
    /// [`MIN_KEY_BYTES`] random bytes, e.g. `openssl rand -base64 48`.
    pub fn from_base64(text: &str) -> Result<CookieKey, String> {
        let text = text.trim();
        let bytes = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            URL_SAFE_NO_PAD,
        ]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or("expected base64 (e.g. the output of `openssl rand -base64 48`)")?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "carries {} bytes; at least {MIN_KEY_BYTES} random bytes are needed \
                 (`openssl rand -base64 48`)",
                bytes.len()
            ));
        }
        Ok(CookieKey(bytes))
    }

    /// A random key for this process only: sealed values do not survive a restart and
    /// no other replica can open them, which is fine for local development only.
    pub fn generate() -> Result<CookieKey, ring::error::Unspecified> {
        let mut bytes = vec![0u8; MIN_KEY_BYTES];
        SystemRandom::new().fill(&mut bytes)?;
        Ok(CookieKey(bytes))
    }
}

/// Why a sealed value could not be opened; all mean "not from us, or changed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sealed value was changed, sealed under another key or for another cookie")]
pub struct Unsealable;

/// Seals and opens values for one purpose (the cookie's name is the associated data).
pub struct Sealer {
    key: LessSafeKey,
    random: SystemRandom,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(<redacted>)")
    }
}

impl Sealer {
    /// The key for one purpose, derived (HKDF-SHA256) from the configured key: a value
    /// sealed for one cookie can never be opened as another.
    pub fn new(key: &CookieKey, purpose: &'static str) -> Result<Sealer, ring::error::Unspecified> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"aftersales console cookies").extract(&key.0);
        let info = [purpose.as_bytes()];
        let okm = prk.expand(&info, &AES_256_GCM)?;
        Ok(Sealer {
            key: LessSafeKey::new(UnboundKey::from(okm)),
            random: SystemRandom::new(),
        })
    }

    /// `plain` encrypted under a fresh random nonce, as base64url (cookie-safe).
    pub fn seal(&self, aad: &str, plain: &[u8]) -> Result<String, Unsealable> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce).map_err(|_| Unsealable)?;
        let mut in_out = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| Unsealable)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&in_out);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// The plain bytes of a value [`Sealer::seal`] made with the same key and `aad`.
    pub fn open(&self, aad: &str, sealed: &str) -> Result<Vec<u8>, Unsealable> {
        let mut bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| Unsealable)?;
        if bytes.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let mut in_out = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| Unsealable)?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut in_out)
            .map_err(|_| Unsealable)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CookieKey {
        CookieKey::generate().unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_unchanged_with_its_key_and_purpose() {
        let k = key();
        let sealer = Sealer::new(&k, "login").unwrap();
        let sealed = sealer.seal("console_login", b"secret").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(sealer.open("console_login", &sealed).unwrap(), b"secret");
        // Fresh nonce every time: the same value seals differently.
        assert_ne!(sealer.seal("console_login", b"secret").unwrap(), sealed);

        // Another cookie name, purpose or key.
        assert_eq!(sealer.open("console_session", &sealed), Err(Unsealable));
        assert_eq!(
            Sealer::new(&k, "session")
                .unwrap()
                .open("console_login", &sealed),
            Err(Unsealable)
        );
        assert_eq!(
            Sealer::new(&key(), "login")
                .unwrap()
                .open("console_login", &sealed),
            Err(Unsealable)
        );
        // Any changed byte, truncation or garbage.
        let mut raw = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        for i in [0, NONCE_LEN, raw.len() - 1] {
            raw[i] ^= 1;
            let tampered = URL_SAFE_NO_PAD.encode(&raw);
            assert_eq!(sealer.open("console_login", &tampered), Err(Unsealable));
            raw[i] ^= 1;
        }
        assert_eq!(sealer.open("console_login", &sealed[..20]), Err(Unsealable));
        assert_eq!(sealer.open("console_login", ""), Err(Unsealable));
        assert_eq!(sealer.open("console_login", "!!"), Err(Unsealable));
    }

    #[test]
    fn a_configured_key_is_base64_of_enough_bytes() {
        let long = base64::engine::general_purpose::STANDARD.encode([7u8; 48]);
        let a = CookieKey::from_base64(&long).unwrap();
        let url = URL_SAFE_NO_PAD.encode([7u8; 48]);
        assert_eq!(CookieKey::from_base64(&url).unwrap(), a);
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        assert!(
            CookieKey::from_base64(&short)
                .unwrap_err()
                .contains("16 bytes")
        );
        assert!(CookieKey::from_base64("not base64 at all!").is_err());
        assert_eq!(format!("{a:?}"), "CookieKey(<redacted>)");
        // Two replicas with the same configured key open each other's values.
        let sealed = Sealer::new(&a, "login").unwrap().seal("c", b"v").unwrap();
        let b = CookieKey::from_base64(&long).unwrap();
        assert_eq!(
            Sealer::new(&b, "login")
                .unwrap()
                .open("c", &sealed)
                .unwrap(),
            b"v"
        );
    }
}
