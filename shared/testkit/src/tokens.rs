//! Bearer tokens for every role, issued by the test process's own identity provider.
//!
//! The first use makes an Ed25519 key for this process and serves its JWKS and an OpenID
//! discovery document over HTTP on a free loopback port (a thread of its own, so it
//! outlives any one test's runtime and ends with the process). Every service a test
//! starts is configured with that issuer ([`TestIssuer::service_env`]), so each
//! integration and end-to-end test goes through the same JWKS verification as
//! production: discovery, key fetch by `kid`, issuer and audience pinned.

use std::net::TcpListener;
use std::sync::OnceLock;

use actix_web::{App, HttpResponse, HttpServer, web};
use aftersales_web::{Claims, Role};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// The dealer a plain [`token`] of [`Role::Dealer`] belongs to.
pub const DEALER: &str = "D001";

/// The audience every test token names and every test service expects.
pub const AUDIENCE: &str = "urn:aftersales:test";

/// The process's identity provider: its signing key and where its keys are published.
pub struct TestIssuer {
    issuer: String,
    kid: String,
    key: EncodingKey,
}

impl std::fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIssuer")
            .field("issuer", &self.issuer)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The process's issuer, started on first use.
pub fn issuer() -> &'static TestIssuer {
    static ISSUER: OnceLock<TestIssuer> = OnceLock::new();
    ISSUER.get_or_init(TestIssuer::start)
}

impl TestIssuer {
    fn start() -> TestIssuer {
        // A fresh key per process; uuid's v4 bytes come from the OS generator.
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = signing.verifying_key().to_bytes();
        // PKCS#8 v1 wrapping of an Ed25519 seed (RFC 8410 §7): a fixed prefix, then the seed.
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&seed);
        let kid = format!("test-{}", uuid::Uuid::new_v4().simple());
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let jwks = json!({ "keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": kid, "x": b64.encode(public),
        }] });

        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the JWKS");
        let addr = listener.local_addr().expect("the JWKS port");
        let issuer = format!("http://{addr}");
        let discovery = json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/jwks"),
            "id_token_signing_alg_values_supported": ["EdDSA"],
        });
        std::thread::Builder::new()
            .name("test-jwks".into())
            .spawn(move || serve(listener, discovery, jwks))
            .expect("the JWKS thread");
        TestIssuer {
            issuer,
            kid,
            key: EncodingKey::from_ed_der(&der),
        }
    }

    /// `http://127.0.0.1:PORT`: the `iss` of its tokens and where discovery starts.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The variables that make a service accept this issuer's tokens.
    pub fn service_env(&self) -> [(&'static str, String); 3] {
        [
            ("AUTH_MODE", "oidc".to_owned()),
            ("OIDC_ISSUER", self.issuer.clone()),
            ("OIDC_AUDIENCE", AUDIENCE.to_owned()),
        ]
    }

    /// `claims` as a token from this issuer for [`AUDIENCE`].
    pub fn sign(&self, claims: &Claims) -> String {
        let mut claims = json!(claims);
        claims["iss"] = json!(self.issuer);
        claims["aud"] = json!(AUDIENCE);
        self.encode(&claims)
    }

    /// Signs arbitrary claims (as given, without checks) with this issuer's key.
    pub fn encode(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("EdDSA signing of JSON claims")
    }
}

fn serve(listener: TcpListener, discovery: Value, jwks: Value) {
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        HttpServer::new(move || {
            let (discovery, jwks) = (discovery.clone(), jwks.clone());
            App::new()
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || {
                        let body = discovery.clone();
                        async move { HttpResponse::Ok().json(body) }
                    }),
                )
                .route(
                    "/jwks",
                    web::get().to(move || {
                        let body = jwks.clone();
                        async move { HttpResponse::Ok().json(body) }
                    }),
                )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run()
        .await
    });
    if let Err(e) = result {
        eprintln!("test JWKS server stopped: {e}");
    }
}

/// A one-hour token for subject `sub` in `role`, naming `dealer_code` if given.
pub fn mint(sub: &str, role: Role, dealer_code: Option<&str>) -> String {
    issuer().sign(&Claims::new(
        sub,
        role,
        dealer_code,
        chrono::Duration::hours(1),
    ))
}

/// A token of subject `tester` in `role`; a dealer's belongs to dealer [`DEALER`].
pub fn token(role: Role) -> String {
    let dealer = (role == Role::Dealer).then_some(DEALER);
    mint("tester", role, dealer)
}

/// The token of a user of dealer `code` (subject `user-<code>`).
pub fn dealer(code: &str) -> String {
    mint(&format!("user-{code}"), Role::Dealer, Some(code))
}

pub fn warehouse() -> String {
    token(Role::Warehouse)
}

pub fn quality() -> String {
    token(Role::Quality)
}

pub fn quality_lead() -> String {
    token(Role::QualityLead)
}

pub fn finance() -> String {
    token(Role::Finance)
}

pub fn admin() -> String {
    token(Role::Admin)
}

/// Every role but the given ones (those a check expects to be refused).
pub fn other_roles(allowed: &[Role]) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| !allowed.contains(r))
        .collect()
}
