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
    /// The ID token's claims, and the access token's unless `access_claims` says.
    pub claims: Value,
    pub access_claims: Option<Value>,
    pub expires_in: u64,
}

/// The services' audience, which the console's access tokens are for.
pub const API_AUDIENCE: &str = "urn:aftersales:api";

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
    /// A good ID token, but an access token for another audience than the services'.
    AccessForAnotherAudience,
    /// A good ID token, but an opaque access token (not a JWT the services can verify).
    OpaqueAccessToken,
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
    last_access_token: Arc<Mutex<Option<String>>>,
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
            access_claims: None,
            expires_in: 3600,
        }));
        let codes = Arc::new(Mutex::new(Codes::default()));
        let signing = Arc::new(Mutex::new(Signing::Published));
        let discoveries = Arc::new(AtomicUsize::new(0));
        let last_access_token = Arc::new(Mutex::new(None));
        let (iss, nx, sg, hits, last) = (
            issuer.clone(),
            next.clone(),
            signing.clone(),
            discoveries.clone(),
            last_access_token.clone(),
        );
        let server = HttpServer::new(move || {
            let (iss, nx, codes, sg, hits, last) = (
                iss.clone(),
                nx.clone(),
                codes.clone(),
                sg.clone(),
                hits.clone(),
                last.clone(),
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
                            last.clone(),
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
            last_access_token,
            server: handle,
        }
    }

    pub fn sign_in_as(&self, claims: Value, expires_in: u64) {
        *self.next.lock().unwrap() = NextUser {
            claims,
            access_claims: None,
            expires_in,
        };
    }

    /// An ID token with `id_claims` and an access token with `access_claims`.
    pub fn sign_in_with(&self, id_claims: Value, access_claims: Value) {
        *self.next.lock().unwrap() = NextUser {
            claims: id_claims,
            access_claims: Some(access_claims),
            expires_in: 3600,
        };
    }

    /// The access token the token endpoint issued last.
    pub fn last_access_token(&self) -> String {
        self.last_access_token.lock().unwrap().clone().unwrap()
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
    last_access_token: Arc<Mutex<Option<String>>>,
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
    let with = |claims: &Value, extra: Value| {
        let mut claims = claims.clone();
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    };
    let audience = match signing {
        Signing::OtherAudience => "another-client",
        _ => "console",
    };
    let id_claims = with(
        &user.claims,
        json!({"iss": issuer, "aud": audience, "iat": now, "exp": now + 300, "nonce": nonce}),
    );
    let published = || {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("test-key".into());
        (header, jsonwebtoken::EncodingKey::from_rsa_der(KEY))
    };
    let (header, key) = match signing {
        Signing::Hmac(secret) => (
            jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        ),
        Signing::UnknownKid => {
            let (mut header, key) = published();
            header.kid = Some("rotated-key".into());
            (header, key)
        }
        _ => published(),
    };
    let id_token = jsonwebtoken::encode(&header, &id_claims, &key).unwrap();
    // The access token as a provider issues it for the services' API.
    let access_token = if let Signing::OpaqueAccessToken = signing {
        format!("at-{}", uuid_like())
    } else {
        let api = match signing {
            Signing::AccessForAnotherAudience => "urn:another:api",
            _ => API_AUDIENCE,
        };
        let own = user.access_claims.as_ref().and_then(|c| c.get("sub"));
        let sub = own.unwrap_or(&user.claims["sub"]).clone();
        let access_claims = with(
            user.access_claims.as_ref().unwrap_or(&user.claims),
            json!({"iss": issuer, "aud": api, "sub": sub, "iat": now,
                   "exp": now + i64::try_from(user.expires_in).unwrap()}),
        );
        let (header, key) = published();
        jsonwebtoken::encode(&header, &access_claims, &key).unwrap()
    };
    *last_access_token.lock().unwrap() = Some(access_token.clone());
    HttpResponse::Ok().json(json!({
        "access_token": access_token,
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
