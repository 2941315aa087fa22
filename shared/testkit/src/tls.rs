//! A TLS front for test servers: an https provider in tests without a certificate from a
//! public CA. It presents `tls/server.pem` (for `localhost` and `127.0.0.1`), which the
//! test CA `tls/ca.pem` issued; a client trusts it only when given [`ca_file`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The test CA's certificate (PEM), as `OIDC_CA_FILE` would name it.
pub fn ca_file() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tls/ca.pem"))
}

/// A CA certificate (PEM) that did not issue the test certificate: a client trusting
/// only it must refuse the test servers.
pub fn other_ca_file() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tls/other-ca.pem"))
}

/// The test server's certificate and key (PEM), for servers the harness starts with TLS.
pub fn server_files() -> (&'static [u8], &'static [u8]) {
    (
        include_bytes!("../tls/server.pem"),
        include_bytes!("../tls/server.key"),
    )
}

/// Listens on a free loopback port, terminates TLS and pipes every connection to
/// `plain`; returns the port's address. Runs until the test's runtime ends.
pub async fn front(plain: SocketAddr) -> SocketAddr {
    let (cert, key) = server_files();
    let certs = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<Vec<_>, _>>()
        .expect("the fixture certificate");
    let key = PrivateKeyDer::from_pem_slice(key).expect("the fixture key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS 1.2 and 1.3")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("the fixture certificate and key match");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("a bound port");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to pipe.
                if let Ok(mut tls) = acceptor.accept(tcp).await
                    && let Ok(mut upstream) = tokio::net::TcpStream::connect(plain).await
                {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                }
            });
        }
    });
    addr
}
