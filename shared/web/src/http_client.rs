//! Every outgoing HTTP client of the workspace: reqwest over rustls with the `ring`
//! provider, trusting the platform's roots and, optionally, an extra CA file.
//!
//! reqwest is built with `rustls-no-provider` (its default provider, aws-lc-rs, is a long
//! C build), so a client built before a rustls provider is installed panics. Hence
//! [`builder`] installs `ring` first, and clippy (`clippy.toml`) refuses
//! `reqwest::Client::new`/`builder` anywhere else.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("cannot read the CA file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the CA file {path} holds no PEM certificate: {reason}")]
    Parse { path: PathBuf, reason: String },
}

/// Makes `ring` the process's rustls provider unless one is installed already.
pub fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race against another thread installing one is fine: either serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// How long a pooled connection may sit idle before the client drops it: well below the
/// 5 s after which the servers it talks to close one (actix-web's default keep-alive,
/// Node's), so a request never goes out on a connection the server is closing (seen as
/// "error sending request" and a reset in browser runs: the console's gateway to orders,
/// its token request to the OpenID provider).
pub const POOL_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A client builder that can reach https servers with the platform's roots, dropping
/// idle pooled connections after [`POOL_IDLE_TIMEOUT`].
#[allow(
    clippy::disallowed_methods,
    reason = "the one place that builds a reqwest client, after installing the provider"
)]
pub fn builder() -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder().pool_idle_timeout(POOL_IDLE_TIMEOUT)
}

/// [`builder`] trusting also the certificates in `ca_file` (PEM, one or more), for a
/// provider whose certificate a private CA issued.
pub fn builder_trusting(ca_file: Option<&Path>) -> Result<reqwest::ClientBuilder, CaFileError> {
    let mut builder = builder();
    if let Some(path) = ca_file {
        for certificate in read_ca_file(path)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    Ok(builder)
}

/// The certificates of a PEM bundle; an empty or unreadable one is an error, so a wrong
/// path is found at start rather than at the first sign-in.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, CaFileError> {
    let pem = std::fs::read(path).map_err(|source| CaFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let parse = |reason: String| CaFileError::Parse {
        path: path.to_owned(),
        reason,
    };
    let certificates =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| parse(e.to_string()))?;
    if certificates.is_empty() {
        return Err(parse("no `BEGIN CERTIFICATE` block".into()));
    }
    Ok(certificates)
}

/// A default client, for tools and tests (like `reqwest::Client::new`, which it replaces).
///
/// # Panics
/// When the TLS backend cannot be set up, as `reqwest::Client::new` does.
#[allow(
    clippy::expect_used,
    reason = "tools and tests only; the same contract as reqwest::Client::new"
)]
pub fn client() -> reqwest::Client {
    builder().build().expect("the HTTP client's TLS backend")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build_with_tls_and_a_provider() {
        // Without an installed provider reqwest would panic here.
        let _client = builder().build().unwrap();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(builder().https_only(true).build().is_ok());
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let missing = Path::new("/nonexistent/ca.pem");
        assert!(matches!(
            read_ca_file(missing),
            Err(CaFileError::Read { .. })
        ));
        let dir = std::env::temp_dir().join(format!("ca-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        assert!(matches!(
            read_ca_file(&empty),
            Err(CaFileError::Parse { .. })
        ));
        let ca = aftersales_testkit::tls::ca_file();
        assert_eq!(read_ca_file(&ca).unwrap().len(), 1);
        assert!(builder_trusting(Some(&ca)).unwrap().build().is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
