//! A minimal OpenID provider for the console's own tests: discovery, JWKS, an
//! authorization endpoint that signs in whoever the test chose, a token endpoint that
//! checks the PKCE verifier and signs an RS256 ID token, and an end-session endpoint.
//! The browser tests use the real development provider (`deploy/oidc`); this one lets
//! a test choose the user, the claims and the token lifetime.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// PKCS#1 DER of a throwaway 2048-bit key made for these tests only.
const KEY: &[u8] = include_bytes!("fixtures/test-provider-key.der");
const JWKS: &str = include_str!("fixtures/test-provider-jwks.json");

/// Who the next sign-in is, and how long their access token lives.
#[derive(Debug, Clone)]
pub struct NextUser {
    pub claims: Value,
    pub expires_in: u64,
}

/// How the token endpoint signs the next ID tokens.
#[derive(Debug, Clone, Copy)]
pub enum Signing {
    /// RS256 with the key the JWKS publishes, as a provider normally signs.
    Published,
    /// RS256 under a `kid` the JWKS does not list (a rotation not yet published).
    UnknownKid,
    /// The published key, but for another audience.
    OtherAudience,
    /// HS256 with this secret (the client secret); discovery advertises HS256 too.
    Hmac(&'static str),
}

#[derive(Default)]
struct Codes {
    /// code → (nonce, PKCE challenge, user)
    issued: HashMap<String, (String, String, NextUser)>,
}

pub struct TestProvider {
    pub issuer: String,
    next: Arc<Mutex<NextUser>>,
    signing: Arc<Mutex<Signing>>,
    discoveries: Arc<AtomicUsize>,
    server: actix_web::dev::ServerHandle,
}

impl TestProvider {
    pub async fn start() -> TestProvider {
        let (listener, issuer) = crate::listener();
        Self::serve(listener, issuer)
    }

    /// Behind TLS: `https://localhost:<port>`, with a certificate of the test CA
    /// (`aftersales_testkit::tls::ca_file`), which no platform trusts.
    pub async fn start_behind_tls() -> TestProvider {
        let (listener, _) = crate::listener();
        let tls = aftersales_testkit::tls::front(listener.local_addr().unwrap()).await;
        Self::serve(listener, format!("https://localhost:{}", tls.port()))
    }

    fn serve(listener: std::net::TcpListener, issuer: String) -> TestProvider {
        let next = Arc::new(Mutex::new(NextUser {
            claims: json!({"sub": "dealer-d001", "role": "dealer", "dealer_code": "D001", "name": "Dealer One"}),
            expires_in: 3600,
        }));
        let codes = Arc::new(Mutex::new(Codes::default()));
        let signing = Arc::new(Mutex::new(Signing::Published));
        let discoveries = Arc::new(AtomicUsize::new(0));
        let (iss, nx, sg, hits) = (
            issuer.clone(),
            next.clone(),
            signing.clone(),
            discoveries.clone(),
        );
        let server = HttpServer::new(move || {
            let (iss, nx, codes, sg, hits) = (
                iss.clone(),
                nx.clone(),
                codes.clone(),
                sg.clone(),
                hits.clone(),
            );
            let iss2 = iss.clone();
            let codes2 = codes.clone();
            App::new()
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || {
                        hits.fetch_add(1, Ordering::SeqCst);
                        discovery(iss.clone())
                    }),
                )
                .route(
                    "/jwks",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(JWKS)
                    }),
                )
                .route(
                    "/authorize",
                    web::get().to(move |q: web::Query<HashMap<String, String>>| {
                        authorize(q.into_inner(), nx.clone(), codes.clone())
                    }),
                )
                .route(
                    "/token",
                    web::post().to(move |f: web::Form<HashMap<String, String>>| {
                        token(
                            f.into_inner(),
                            iss2.clone(),
                            codes2.clone(),
                            *sg.lock().unwrap(),
                        )
                    }),
                )
                .route(
                    "/end_session",
                    web::get().to(|| async { HttpResponse::Ok().body("signed out") }),
                )
        })
        .listen(listener)
        .unwrap()
        .workers(1)
        .run();
        let handle = crate::spawn(server);
        TestProvider {
            issuer,
            next,
            signing,
            discoveries,
            server: handle,
        }
    }

    pub fn sign_in_as(&self, claims: Value, expires_in: u64) {
        *self.next.lock().unwrap() = NextUser { claims, expires_in };
    }

    pub fn sign_with(&self, signing: Signing) {
        *self.signing.lock().unwrap() = signing;
    }

    /// How many times the discovery document was read.
    pub fn discoveries(&self) -> usize {
        self.discoveries.load(Ordering::SeqCst)
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

async fn discovery(issuer: String) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/end_session"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "HS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn authorize(
    q: HashMap<String, String>,
    next: Arc<Mutex<NextUser>>,
    codes: Arc<Mutex<Codes>>,
) -> HttpResponse {
    let (Some(redirect), Some(state), Some(nonce), Some(challenge)) = (
        q.get("redirect_uri"),
        q.get("state"),
        q.get("nonce"),
        q.get("code_challenge"),
    ) else {
        return HttpResponse::BadRequest().body("missing parameter");
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256")
        || q.get("response_type").map(String::as_str) != Some("code")
        || q.get("client_id").map(String::as_str) != Some("console")
    {
        return HttpResponse::BadRequest().body("wrong request");
    }
    let code = format!("code-{}", uuid_like());
    let user = next.lock().unwrap().clone();
    codes
        .lock()
        .unwrap()
        .issued
        .insert(code.clone(), (nonce.clone(), challenge.clone(), user));
    HttpResponse::Found()
        .insert_header(("location", format!("{redirect}?code={code}&state={state}")))
        .finish()
}

async fn token(
    f: HashMap<String, String>,
    issuer: String,
    codes: Arc<Mutex<Codes>>,
    signing: Signing,
) -> HttpResponse {
    let issued = f
        .get("code")
        .and_then(|c| codes.lock().unwrap().issued.remove(c));
    let Some((nonce, challenge, user)) = issued else {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant"}));
    };
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
        return HttpResponse::BadRequest()
            .json(json!({"error": "invalid_grant", "error_description": "PKCE"}));
    }
    let now = chrono::Utc::now().timestamp();
    let mut claims = user.claims.clone();
    let audience = match signing {
        Signing::OtherAudience => "another-client",
        _ => "console",
    };
    let extra =
        json!({"iss": issuer, "aud": audience, "iat": now, "exp": now + 300, "nonce": nonce});
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let (header, key) = match signing {
        Signing::Hmac(secret) => (
            jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        ),
        _ => {
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            header.kid = Some(match signing {
                Signing::UnknownKid => "rotated-key".into(),
                _ => "test-key".into(),
            });
            (header, jsonwebtoken::EncodingKey::from_rsa_der(KEY))
        }
    };
    let id_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    HttpResponse::Ok().json(json!({
        "access_token": format!("at-{}", uuid_like()),
        "token_type": "Bearer",
        "expires_in": user.expires_in,
        "id_token": id_token,
    }))
}

fn uuid_like() -> String {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
