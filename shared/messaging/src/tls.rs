//! TLS for every connection a service opens to PostgreSQL and RabbitMQ: the pool, the
//! migrations, the relay's LISTEN connection and the broker links all connect through
//! [`connect_pg`] and [`amqp_tls_config`], so one URL decides how each of them is secured.
//!
//! Both use rustls with the `ring` provider (never aws-lc-rs: see the root Cargo.toml).
//!
//! **PostgreSQL** follows libpq's `sslmode` in the URL:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! |---|---|---|
//! | `disable` | no | – |
//! | `prefer` (default) | if the server offers TLS | only when a CA file is given |
//! | `require` | always | only when a CA file is given (then as `verify-ca`) |
//! | `verify-ca` | always | chain to the CA file (required) |
//! | `verify-full` | always | chain and host name; the CA file, else the platform's roots |
//!
//! The CA file is libpq's `sslrootcert` URL parameter (`DATABASE_CA_FILE` adds it, see
//! `aftersales_web::config`); `sslrootcert=system` names the platform's roots. A CA file
//! replaces the platform's roots, as in libpq: the database's private CA, not every
//! public one, vouches for it.
//!
//! **RabbitMQ**: `amqps://` always verifies the chain and the host name, against the
//! platform's roots plus the CA file named by the URL's `cacertfile` parameter (RabbitMQ's
//! own URI parameter; `AMQP_CA_FILE` adds it).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use diesel::{ConnectionError, ConnectionResult};
use diesel_async::AsyncPgConnection;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error(
        "unknown sslmode {0:?}: use disable, prefer, require, verify-ca or verify-full \
         (verify-full in production)"
    )]
    SslMode(String),
    #[error(
        "sslmode=verify-ca needs a CA file (DATABASE_CA_FILE or sslrootcert): against the \
         platform's roots it would accept any certificate a public CA issued; give the \
         database's CA, or use verify-full"
    )]
    VerifyCaWithoutCa,
    #[error("a CA file is given but sslmode=disable turns TLS off: drop one of them")]
    CaWithoutTls,
    #[error("the database URL does not parse: {0}")]
    Url(String),
    #[error("cannot read the CA file {path}: {reason}")]
    CaRead { path: PathBuf, reason: String },
    #[error("the CA file {path} holds no PEM certificate (`BEGIN CERTIFICATE`)")]
    CaEmpty { path: PathBuf },
    #[error(
        "no CA certificates found on this platform ({0}); install ca-certificates or give a CA file"
    )]
    NoPlatformRoots(String),
    #[error("TLS set-up failed: {0}")]
    Setup(String),
}

/// libpq's `sslmode` values that tokio-postgres can honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = TlsError;

    fn from_str(s: &str) -> Result<Self, TlsError> {
        match s {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            // `allow` (plain first, TLS only if refused) is not offered by tokio-postgres.
            other => Err(TlsError::SslMode(other.to_owned())),
        }
    }
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Encryption without authentication (libpq's `prefer`/`require` without a CA).
    None,
    /// The chain must lead to the CA file; any host name.
    Chain,
    /// Chain and host name.
    Full,
}

/// A PostgreSQL URL split into what tokio-postgres reads and the TLS settings it does
/// not know (`verify-*`, `sslrootcert`).
#[derive(Debug, Clone)]
pub struct PgTarget {
    config: tokio_postgres::Config,
    pub mode: SslMode,
    /// `None`: the platform's roots.
    pub root_cert: Option<PathBuf>,
}

impl PgTarget {
    /// Parses `url` and checks that its TLS settings make sense together (not the CA
    /// file itself: see [`PgTarget::check_ca_file`]).
    pub fn parse(url: &str) -> Result<PgTarget, TlsError> {
        let (rest, params) = take_query_params(url, &["sslmode", "sslrootcert"]);
        let mode = match params[0].as_deref() {
            Some(m) => m.parse()?,
            None => SslMode::Prefer,
        };
        let root_cert = params[1]
            .as_deref()
            .filter(|p| *p != "system")
            .map(PathBuf::from);
        if mode == SslMode::VerifyCa && root_cert.is_none() {
            return Err(TlsError::VerifyCaWithoutCa);
        }
        if mode == SslMode::Disable && root_cert.is_some() {
            return Err(TlsError::CaWithoutTls);
        }
        let mut config =
            tokio_postgres::Config::from_str(&rest).map_err(|e| TlsError::Url(e.to_string()))?;
        config.ssl_mode(match mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        Ok(PgTarget {
            config,
            mode,
            root_cert,
        })
    }

    /// How the server certificate is checked; a CA file makes `prefer` and `require`
    /// check the chain, as libpq does when it finds a root certificate.
    pub fn verification(&self) -> Verification {
        match (self.mode, &self.root_cert) {
            (SslMode::VerifyFull, _) => Verification::Full,
            (SslMode::VerifyCa, _) | (_, Some(_)) => Verification::Chain,
            _ => Verification::None,
        }
    }

    /// Reads the CA file now, so a wrong path stops the service at start.
    pub fn check_ca_file(&self) -> Result<(), TlsError> {
        match &self.root_cert {
            Some(path) => read_ca_file(path).map(drop),
            None => Ok(()),
        }
    }

    fn client_config(&self) -> Result<ClientConfig, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let roots = || match &self.root_cert {
            Some(path) => roots_of(read_ca_file(path)?),
            None => platform_roots(),
        };
        let libpq = |roots: Option<RootCertStore>| LibpqVerifier {
            roots: roots.map(Arc::new),
            provider,
        };
        Ok(match self.verification() {
            Verification::Full => builder.with_root_certificates(roots()?),
            Verification::Chain => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(libpq(Some(roots()?)))),
            Verification::None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(libpq(None))),
        }
        .with_no_client_auth())
    }

    /// Opens one connection as the URL says.
    pub async fn connect(&self) -> ConnectionResult<AsyncPgConnection> {
        // tokio-postgres's own message is only the kind ("error performing TLS
        // handshake"); the cause ("invalid peer certificate: UnknownIssuer") is its source.
        let failed = |e: tokio_postgres::Error| ConnectionError::BadConnection(with_causes(&e));
        if self.mode == SslMode::Disable {
            let (client, conn) = self
                .config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(failed)?;
            return AsyncPgConnection::try_from_client_and_connection(client, conn).await;
        }
        let tls = self
            .client_config()
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
        let (client, conn) = self.config.connect(tls).await.map_err(failed)?;
        AsyncPgConnection::try_from_client_and_connection(client, conn).await
    }
}

/// `error` and its sources, `: `-separated.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// One connection to the PostgreSQL `url`, TLS as its `sslmode` says (see the module
/// docs). Every connection of a service goes through here.
pub async fn connect_pg(url: &str) -> ConnectionResult<AsyncPgConnection> {
    PgTarget::parse(url)
        .map_err(|e| ConnectionError::InvalidConnectionUrl(e.to_string()))?
        .connect()
        .await
}

/// The TLS settings of an `amqps://` URL: its `cacertfile` (PEM) trusted besides the
/// platform's roots. An `amqp://` URL gets the defaults (no TLS is used).
pub fn amqp_tls_config(url: &str) -> Result<lapin::tcp::OwnedTLSConfig, TlsError> {
    let (_, params) = take_query_params(url, &["cacertfile"]);
    let cert_chain = match params[0].as_deref() {
        Some(path) => {
            let path = Path::new(path);
            read_ca_file(path)?;
            Some(std::fs::read_to_string(path).map_err(|e| TlsError::CaRead {
                path: path.to_owned(),
                reason: e.to_string(),
            })?)
        }
        None => None,
    };
    Ok(lapin::tcp::OwnedTLSConfig {
        identity: None,
        cert_chain,
    })
}

/// `url` with the query parameter `name=value` added (the value percent-encoded);
/// a fragment stays last.
pub fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let separator = match base.find('?') {
        None => "?",
        Some(i) if i + 1 == base.len() || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut out = format!("{base}{separator}{name}={}", percent_encode(value));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Whether `url` has the query parameter `name`.
pub fn has_query_param(url: &str, name: &str) -> bool {
    take_query_params(url, &[name]).1[0].is_some()
}

/// `url` without the query parameters `names`, and their (percent-decoded) values in
/// the order of `names`; the last one wins when a name repeats.
fn take_query_params(url: &str, names: &[&str]) -> (String, Vec<Option<String>>) {
    let mut found = vec![None; names.len()];
    let (without_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let Some((base, query)) = without_fragment.split_once('?') else {
        return (url.to_owned(), found);
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match names.iter().position(|n| *n == key) {
            Some(i) => found[i] = Some(percent_decode(value)),
            None => kept.push(pair),
        }
    }
    let mut rest = base.to_owned();
    if !kept.is_empty() {
        rest.push('?');
        rest.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        rest.push('#');
        rest.push_str(f);
    }
    (rest, found)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(&[h, l]) = bytes.get(i + 1..i + 3)
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            // Two hex digits are at most 255.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The certificates of a PEM file; an unreadable or empty one is an error.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = std::fs::read(path).map_err(|e| TlsError::CaRead {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::CaRead {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::CaEmpty {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}

fn roots_of(certs: Vec<CertificateDer<'static>>) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| TlsError::Setup(format!("a CA certificate is unusable: {e}")))?;
    }
    Ok(roots)
}

fn platform_roots() -> Result<RootCertStore, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        return Err(TlsError::NoPlatformRoots(errors.join("; ")));
    }
    Ok(roots)
}

/// The certificate checks rustls's own verifier does not offer: `verify-ca` (`roots`:
/// the chain must lead to one of them, the name is not compared) and libpq's
/// `prefer`/`require` without a CA (no `roots`: any certificate is taken). Either way the
/// handshake's signatures are checked against the certificate.
#[derive(Debug)]
struct LibpqVerifier {
    roots: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_root_cert_come_out_of_the_url() {
        let t = PgTarget::parse(
            "postgres://u:p@db:5432/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&options=-c%20a%3Db",
        )
        .unwrap();
        assert_eq!(t.mode, SslMode::VerifyFull);
        assert_eq!(t.root_cert.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(t.verification(), Verification::Full);
        assert_eq!(
            t.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        assert_eq!(t.config.get_options(), Some("-c a=b"));

        let default = PgTarget::parse("postgres://u@h/x").unwrap();
        assert_eq!(default.mode, SslMode::Prefer);
        assert_eq!(default.verification(), Verification::None);
        let system = PgTarget::parse("postgres://u@h/x?sslmode=verify-full&sslrootcert=system");
        assert_eq!(system.unwrap().root_cert, None);
    }

    #[test]
    fn a_ca_file_never_weakens_and_a_weak_mode_never_hides_behind_it() {
        let with_ca = |mode: &str| {
            PgTarget::parse(&format!(
                "postgres://u@h/x?sslmode={mode}&sslrootcert=/ca.pem"
            ))
        };
        assert_eq!(
            with_ca("prefer").unwrap().verification(),
            Verification::Chain
        );
        assert_eq!(
            with_ca("require").unwrap().verification(),
            Verification::Chain
        );
        assert_eq!(
            with_ca("verify-ca").unwrap().verification(),
            Verification::Chain
        );
        assert_eq!(
            with_ca("verify-full").unwrap().verification(),
            Verification::Full
        );
        assert_eq!(with_ca("disable").unwrap_err(), TlsError::CaWithoutTls);
        assert_eq!(
            PgTarget::parse("postgres://u@h/x?sslmode=verify-ca").unwrap_err(),
            TlsError::VerifyCaWithoutCa
        );
        assert!(matches!(
            PgTarget::parse("postgres://u@h/x?sslmode=allow"),
            Err(TlsError::SslMode(m)) if m == "allow"
        ));
        assert!(matches!(
            PgTarget::parse("postgres://u@h/x?sslmode=verify_full"),
            Err(TlsError::SslMode(_))
        ));
    }

    #[test]
    fn query_params_are_added_and_found() {
        assert_eq!(
            with_query_param("postgres://h/d", "sslrootcert", "/a b/ca.pem"),
            "postgres://h/d?sslrootcert=/a%20b/ca.pem"
        );
        assert_eq!(
            with_query_param("amqps://h/%2f?heartbeat=5", "cacertfile", "/ca.pem"),
            "amqps://h/%2f?heartbeat=5&cacertfile=/ca.pem"
        );
        assert!(has_query_param("amqps://h/v?cacertfile=/x", "cacertfile"));
        assert!(!has_query_param("amqps://h/v?heartbeat=5", "cacertfile"));
        let (rest, found) = take_query_params("postgres://h/d?a=1&sslmode=disable#f", &["sslmode"]);
        assert_eq!(
            (rest.as_str(), found[0].as_deref()),
            ("postgres://h/d?a=1#f", Some("disable"))
        );
    }

    #[test]
    fn ca_files_must_hold_certificates() {
        assert!(matches!(
            read_ca_file(Path::new("/nonexistent/ca.pem")),
            Err(TlsError::CaRead { .. })
        ));
        assert!(matches!(
            amqp_tls_config("amqps://h/v?cacertfile=/nonexistent/ca.pem"),
            Err(TlsError::CaRead { .. })
        ));
        let plain = amqp_tls_config("amqp://h/v").unwrap();
        assert_eq!(plain.cert_chain, None);
    }
}
