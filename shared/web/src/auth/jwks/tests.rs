//! The verifier against a real JWKS and discovery document served over HTTP in the test.

use std::sync::Mutex as StdMutex;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, atomic::Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::config::ClaimPath;

const AUDIENCE: &str = "urn:aftersales:api";

fn public_jwks() -> Value {
    serde_json::from_str(include_str!("../testdata/public.json")).unwrap()
}

/// A private key of the fixtures with the kid it is published under.
struct Signer {
    alg: Algorithm,
    kid: String,
    key: EncodingKey,
    jwk: Value,
}

impl Signer {
    fn new(name: &str, kid: &str) -> Signer {
        let (alg, key) = match name {
            "rsa" => (
                Algorithm::RS256,
                EncodingKey::from_rsa_der(include_bytes!("../testdata/rsa.der")),
            ),
            "ec" => (
                Algorithm::ES256,
                EncodingKey::from_ec_der(include_bytes!("../testdata/ec.der")),
            ),
            "ed25519" => (
                Algorithm::EdDSA,
                EncodingKey::from_ed_der(include_bytes!("../testdata/ed25519.der")),
            ),
            other => panic!("no fixture key {other}"),
        };
        let mut jwk = public_jwks()[name].clone();
        jwk["kid"] = json!(kid);
        Signer {
            alg,
            kid: kid.to_owned(),
            key,
            jwk,
        }
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(self.alg, Some(&self.kid), claims)
    }

    fn sign_as(&self, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// The provider: discovery at the issuer, the JWKS at `/jwks`, both replaceable.
struct Provider {
    issuer: String,
    jwks: Arc<StdMutex<Value>>,
    discovery_issuer: Arc<StdMutex<Option<String>>>,
    /// The base URL discovery names instead of the one it was asked at (a TLS front).
    public_base: Arc<StdMutex<Option<String>>>,
    jwks_hits: Arc<AtomicUsize>,
    server: actix_web::dev::ServerHandle,
}

impl Provider {
    async fn start(keys: &[&Signer]) -> Provider {
        let jwks = Arc::new(StdMutex::new(Value::Null));
        let discovery_issuer = Arc::new(StdMutex::new(None::<String>));
        let public_base = Arc::new(StdMutex::new(None::<String>));
        let jwks_hits = Arc::new(AtomicUsize::new(0));
        let (j, d, h, b) = (
            jwks.clone(),
            discovery_issuer.clone(),
            jwks_hits.clone(),
            public_base.clone(),
        );
        let server = HttpServer::new(move || {
            let (j, d, h, b) = (j.clone(), d.clone(), h.clone(), b.clone());
            App::new()
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move |req: actix_web::HttpRequest| {
                        let (d, b) = (d.clone(), b.clone());
                        async move {
                            let own = b.lock().unwrap().clone().unwrap_or_else(|| {
                                format!("http://{}", req.connection_info().host())
                            });
                            let issuer = d.lock().unwrap().clone().unwrap_or(own.clone());
                            HttpResponse::Ok().json(json!({
                                "issuer": issuer,
                                "jwks_uri": format!("{own}/jwks"),
                            }))
                        }
                    }),
                )
                .route(
                    "/jwks",
                    web::get().to(move || {
                        let (j, h) = (j.clone(), h.clone());
                        async move {
                            h.fetch_add(1, Ordering::SeqCst);
                            HttpResponse::Ok().json(j.lock().unwrap().clone())
                        }
                    }),
                )
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let provider = Provider {
            issuer: format!("http://{addr}"),
            jwks,
            discovery_issuer,
            public_base,
            jwks_hits,
            server: handle,
        };
        provider.publish(keys);
        provider
    }

    fn publish(&self, keys: &[&Signer]) {
        let keys: Vec<Value> = keys.iter().map(|k| k.jwk.clone()).collect();
        *self.jwks.lock().unwrap() = json!({ "keys": keys });
    }

    fn config(&self) -> OidcConfig {
        OidcConfig {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.to_owned(),
            jwks_url: None,
            ca_file: None,
            role_claim: "role".parse().unwrap(),
            dealer_claim: "dealer_code".parse().unwrap(),
        }
    }

    fn verifier(&self) -> JwksVerifier {
        JwksVerifier::new(self.config()).unwrap()
    }

    fn claims(&self, role: &str, dealer: Option<&str>) -> Value {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "sub": "user-1",
            "iss": self.issuer,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "role": role,
        });
        if let Some(d) = dealer {
            claims["dealer_code"] = json!(d);
        }
        claims
    }

    async fn stop(self) {
        self.server.stop(false).await;
    }

    /// Puts a TLS front (the test CA's certificate for `localhost`) before the provider; from then on the provider is
    /// `https://localhost:<port>`, in its discovery document as in its tokens.
    async fn behind_tls(&mut self) {
        let plain = self.issuer.trim_start_matches("http://").parse().unwrap();
        let tls = aftersales_testkit::tls::front(plain).await;
        self.issuer = format!("https://localhost:{}", tls.port());
        *self.public_base.lock().unwrap() = Some(self.issuer.clone());
    }
}

fn invalid(result: Result<Claims, AuthError>) -> String {
    match result {
        Err(AuthError::Invalid(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

#[actix_web::test]
async fn accepts_rs256_es256_and_eddsa_tokens_found_through_discovery() {
    let (rsa, ec, ed) = (
        Signer::new("rsa", "k-rsa"),
        Signer::new("ec", "k-ec"),
        Signer::new("ed25519", "k-ed"),
    );
    let provider = Provider::start(&[&rsa, &ec, &ed]).await;
    let verifier = provider.verifier();

    let claims = verifier
        .verify(&rsa.sign(&provider.claims("dealer", Some("D001"))))
        .await
        .unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.role, Role::Dealer);
    assert_eq!(claims.dealer_code.as_deref(), Some("D001"));
    let es = verifier
        .verify(&ec.sign(&provider.claims("quality_lead", None)))
        .await
        .unwrap();
    assert_eq!(es.role, Role::QualityLead);
    let eddsa = verifier
        .verify(&ed.sign(&provider.claims("finance", None)))
        .await
        .unwrap();
    assert_eq!(eddsa.role, Role::Finance);
    // One fetch served all three keys, and they stay cached.
    assert_eq!(verifier.fetch_count(), 1);
    assert_eq!(provider.jwks_hits.load(Ordering::SeqCst), 1);
    provider.stop().await;
}

#[actix_web::test]
async fn wrong_issuer_audience_expiry_and_missing_claims_are_refused() {
    // EdDSA: RSA signing is slow in debug builds and this test signs many tokens.
    let rsa = Signer::new("ed25519", "k1");
    let provider = Provider::start(&[&rsa]).await;
    let verifier = provider.verifier();
    let ok = provider.claims("admin", None);
    assert!(verifier.verify(&rsa.sign(&ok)).await.is_ok());

    let mut other_issuer = ok.clone();
    other_issuer["iss"] = json!("http://evil.example");
    assert_eq!(
        invalid(verifier.verify(&rsa.sign(&other_issuer)).await),
        "wrong issuer"
    );

    let mut other_audience = ok.clone();
    other_audience["aud"] = json!("urn:someone:else");
    assert_eq!(
        invalid(verifier.verify(&rsa.sign(&other_audience)).await),
        "wrong audience"
    );
    let mut audiences = ok.clone();
    audiences["aud"] = json!(["urn:someone:else", AUDIENCE]);
    assert!(verifier.verify(&rsa.sign(&audiences)).await.is_ok());

    let mut expired = ok.clone();
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 60);
    assert_eq!(
        verifier.verify(&rsa.sign(&expired)).await,
        Err(AuthError::Expired)
    );

    for claim in ["exp", "aud", "iss", "sub"] {
        let mut missing = ok.clone();
        missing.as_object_mut().unwrap().remove(claim);
        let reason = invalid(verifier.verify(&rsa.sign(&missing)).await);
        assert!(reason.contains(claim), "{claim}: {reason}");
    }

    let mut not_yet = ok.clone();
    not_yet["nbf"] = json!(chrono::Utc::now().timestamp() + 600);
    assert_eq!(
        invalid(verifier.verify(&rsa.sign(&not_yet)).await),
        "token is not valid yet"
    );

    let dealer = provider.claims("dealer", None);
    assert!(invalid(verifier.verify(&rsa.sign(&dealer)).await).contains("dealer_code"));
    let blank_dealer = provider.claims("dealer", Some(" "));
    assert!(invalid(verifier.verify(&rsa.sign(&blank_dealer)).await).contains("dealer_code"));
    let root = provider.claims("root", None);
    assert!(invalid(verifier.verify(&rsa.sign(&root)).await).contains("unknown role"));
    let mut no_role = ok.clone();
    no_role.as_object_mut().unwrap().remove("role");
    assert_eq!(
        invalid(verifier.verify(&rsa.sign(&no_role)).await),
        "missing claim `role`"
    );
    provider.stop().await;
}

#[actix_web::test]
async fn empty_subjects_long_lifetimes_and_missing_iat_are_refused() {
    let key = Signer::new("ed25519", "k1");
    let provider = Provider::start(&[&key]).await;
    let verifier = provider.verifier();
    let ok = provider.claims("admin", None);
    let now = chrono::Utc::now().timestamp();

    for sub in ["", "  "] {
        let mut empty = ok.clone();
        empty["sub"] = json!(sub);
        let reason = invalid(verifier.verify(&key.sign(&empty)).await);
        assert!(reason.contains("`sub` is empty"), "{sub:?}: {reason}");
    }
    let mut numeric = ok.clone();
    numeric["sub"] = json!(42);
    assert!(invalid(verifier.verify(&key.sign(&numeric)).await).contains("sub"));

    let mut century = ok.clone();
    century["exp"] = json!(now + 100 * 365 * 24 * 3600);
    let reason = invalid(verifier.verify(&key.sign(&century)).await);
    assert!(reason.contains("TOKEN_MAX_LIFETIME"), "{reason}");

    // Exactly the cap is fine; the cap is configurable.
    let mut day = ok.clone();
    day["exp"] = json!(now + 12 * 3600);
    assert!(verifier.verify(&key.sign(&day)).await.is_ok());
    let short = provider
        .verifier()
        .with_max_lifetime(std::time::Duration::from_secs(60));
    assert!(invalid(short.verify(&key.sign(&day)).await).contains("TOKEN_MAX_LIFETIME"));

    let mut no_iat = ok.clone();
    no_iat.as_object_mut().unwrap().remove("iat");
    assert!(invalid(verifier.verify(&key.sign(&no_iat)).await).contains("missing claim `iat`"));
    // An `iat` in the future would stretch the cap past now.
    let mut later = ok.clone();
    later["iat"] = json!(now + 3600);
    later["exp"] = json!(now + 3 * 3600);
    assert!(invalid(verifier.verify(&key.sign(&later)).await).contains("issued in the future"));
    provider.stop().await;
}

#[actix_web::test]
async fn none_and_shared_secret_algorithms_are_refused() {
    let rsa = Signer::new("rsa", "k1");
    let provider = Provider::start(&[&rsa]).await;
    let verifier = provider.verifier();
    let claims = provider.claims("admin", None);

    // HS256 keyed with the provider's public key: the classic algorithm confusion.
    let public = serde_json::to_vec(&rsa.jwk).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let hs = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&public)).unwrap();
    assert_eq!(invalid(verifier.verify(&hs).await), "algorithm not allowed");

    // `alg: none` with no signature.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#),
        b64.encode(serde_json::to_vec(&claims).unwrap())
    );
    assert!(verifier.verify(&none).await.is_err());
    assert!(matches!(
        verifier.verify(&none).await,
        Err(AuthError::Invalid(_))
    ));

    // The key pins RS256: the same key under RS512 is not accepted.
    assert_eq!(
        invalid(
            verifier
                .verify(&rsa.sign_as(Algorithm::RS512, Some("k1"), &claims))
                .await
        ),
        "algorithm does not match the signing key"
    );
    // No kid, a forged signature, garbage.
    assert!(
        invalid(
            verifier
                .verify(&rsa.sign_as(Algorithm::RS256, None, &claims))
                .await
        )
        .contains("kid")
    );
    let ec = Signer::new("ec", "k1");
    let forged = ec.sign_as(Algorithm::ES256, Some("k1"), &claims);
    assert!(verifier.verify(&forged).await.is_err());
    assert!(verifier.verify("not.a.jwt").await.is_err());
    provider.stop().await;
}

#[actix_web::test]
async fn an_unknown_kid_fetches_the_keys_again_once() {
    let (old, new) = (Signer::new("rsa", "2026-01"), Signer::new("ec", "2026-02"));
    let provider = Provider::start(&[&old]).await;
    let verifier = provider
        .verifier()
        .with_min_refresh_interval(Duration::ZERO);
    let claims = provider.claims("warehouse", None);
    assert!(verifier.verify(&old.sign(&claims)).await.is_ok());
    assert_eq!(verifier.fetch_count(), 1);

    // The provider rotates: a token under the new kid makes the verifier fetch again.
    provider.publish(&[&new]);
    assert_eq!(
        verifier.verify(&new.sign(&claims)).await.unwrap().role,
        Role::Warehouse
    );
    assert_eq!(verifier.fetch_count(), 2);
    // The retired key is gone with the old set.
    assert_eq!(
        invalid(verifier.verify(&old.sign(&claims)).await),
        "unknown signing key"
    );
    provider.stop().await;
}

#[actix_web::test]
async fn a_flood_of_unknown_kids_fetches_at_most_once_per_interval() {
    let rsa = Signer::new("ed25519", "real");
    let provider = Provider::start(&[&rsa]).await;
    let verifier = provider.verifier();
    let claims = provider.claims("admin", None);
    for i in 0..50 {
        let token = rsa.sign_as(Algorithm::EdDSA, Some(&format!("made-up-{i}")), &claims);
        assert_eq!(
            invalid(verifier.verify(&token).await),
            "unknown signing key"
        );
    }
    assert_eq!(verifier.fetch_count(), 1);
    assert_eq!(provider.jwks_hits.load(Ordering::SeqCst), 1);
    assert!(verifier.verify(&rsa.sign(&claims)).await.is_ok());
    provider.stop().await;
}

#[actix_web::test]
async fn role_lists_and_custom_claim_names() {
    let rsa = Signer::new("rsa", "k1");
    let provider = Provider::start(&[&rsa]).await;
    let config = OidcConfig {
        role_claim: "realm_access.roles".parse::<ClaimPath>().unwrap(),
        dealer_claim: "dealer".parse::<ClaimPath>().unwrap(),
        ..provider.config()
    };
    let verifier = JwksVerifier::new(config).unwrap();
    let mut claims = provider.claims("ignored", None);
    claims["realm_access"] = json!({"roles": ["offline_access", "dealer", "admin"]});
    claims["dealer"] = json!(["D002"]);
    let got = verifier.verify(&rsa.sign(&claims)).await.unwrap();
    assert_eq!(got.role, Role::Dealer, "the first known role counts");
    assert_eq!(got.dealer_code.as_deref(), Some("D002"));
    // Stray spaces around an attribute are not part of the code (the console reads
    // the same claims, so both see `D003`).
    claims["dealer"] = json!(" D003 ");
    let got = verifier.verify(&rsa.sign(&claims)).await.unwrap();
    assert_eq!(got.dealer_code.as_deref(), Some("D003"));

    claims["realm_access"] = json!({"roles": ["offline_access", "uma_authorization"]});
    assert!(invalid(verifier.verify(&rsa.sign(&claims)).await).contains("no known role"));
    claims["realm_access"] = json!({"roles": 7});
    assert!(invalid(verifier.verify(&rsa.sign(&claims)).await).contains("string or a list"));
    provider.stop().await;
}

#[actix_web::test]
async fn an_unreachable_or_lying_provider_is_a_503_not_a_401() {
    let rsa = Signer::new("rsa", "k1");
    let provider = Provider::start(&[&rsa]).await;
    // Discovery names another issuer: its keys are not trusted.
    *provider.discovery_issuer.lock().unwrap() = Some("http://elsewhere".into());
    let verifier = provider.verifier();
    let token = rsa.sign(&provider.claims("admin", None));
    assert_eq!(
        verifier.verify(&token).await,
        Err(AuthError::KeysUnavailable)
    );
    // A second request inside the retry window fetches nothing, and is still a 503.
    assert_eq!(
        verifier.verify(&token).await,
        Err(AuthError::KeysUnavailable)
    );
    assert_eq!(provider.jwks_hits.load(Ordering::SeqCst), 0);
    let issuer = provider.issuer.clone();
    provider.stop().await;

    let gone = JwksVerifier::new(OidcConfig {
        issuer,
        audience: AUDIENCE.into(),
        jwks_url: None,
        ca_file: None,
        role_claim: "role".parse().unwrap(),
        dealer_claim: "dealer_code".parse().unwrap(),
    })
    .unwrap();
    let err = gone.verify(&token).await.unwrap_err();
    assert_eq!(err, AuthError::KeysUnavailable);
    assert_eq!(
        gone.verify(&token).await,
        Err(AuthError::KeysUnavailable),
        "inside the retry window"
    );
    let api: crate::ApiError = err.into();
    assert!(matches!(api, crate::ApiError::ServiceUnavailable(_)));
}

#[actix_web::test]
async fn the_extractor_uses_the_verifier_from_app_data() {
    use crate::auth::{Principal, TokenVerifier};
    use actix_web::http::{StatusCode, header};
    use actix_web::test as actix_test;

    let rsa = Signer::new("rsa", "k1");
    let provider = Provider::start(&[&rsa]).await;
    let verifier = TokenVerifier::Jwks(Arc::new(provider.verifier()));
    let app = actix_test::init_service(App::new().app_data(web::Data::new(verifier)).route(
        "/who",
        web::get().to(|p: Principal| async move {
            HttpResponse::Ok().body(format!("{}:{}", p.sub, p.role))
        }),
    ))
    .await;
    let call = |token: String| {
        actix_test::TestRequest::get()
            .uri("/who")
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .to_request()
    };
    let resp =
        actix_test::call_service(&app, call(rsa.sign(&provider.claims("quality", None)))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(actix_test::read_body(resp).await, "user-1:quality");

    let mut wrong = provider.claims("quality", None);
    wrong["aud"] = json!("urn:other");
    let resp = actix_test::call_service(&app, call(rsa.sign(&wrong))).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = actix_test::read_body_json(resp).await;
    assert_eq!(body["detail"], "invalid token: wrong audience");
    provider.stop().await;
}

#[actix_web::test]
async fn keys_are_fetched_from_an_https_provider_whose_ca_is_configured() {
    let ed = Signer::new("ed25519", "k-tls");
    let mut provider = Provider::start(&[&ed]).await;
    provider.behind_tls().await;
    let token = ed.sign(&provider.claims("warehouse", None));

    // The fixture CA is no platform root: without OIDC_CA_FILE the TLS handshake fails
    // and the keys cannot be had (so the next part proves that TLS was verified).
    let untrusting = provider.verifier();
    assert_eq!(
        untrusting.verify(&token).await,
        Err(AuthError::KeysUnavailable)
    );
    assert_eq!(provider.jwks_hits.load(Ordering::SeqCst), 0);

    let verifier = JwksVerifier::new(OidcConfig {
        ca_file: Some(aftersales_testkit::tls::ca_file()),
        ..provider.config()
    })
    .unwrap();
    let claims = verifier.verify(&token).await.unwrap();
    assert_eq!(claims.role, Role::Warehouse);
    // Discovery and keys both came over https.
    assert_eq!(provider.jwks_hits.load(Ordering::SeqCst), 1);
    provider.stop().await;
}

#[test]
fn a_missing_ca_file_is_found_at_start() {
    let config = OidcConfig {
        issuer: "https://sso.example.com".into(),
        audience: AUDIENCE.into(),
        jwks_url: None,
        ca_file: Some("/nonexistent/ca.pem".into()),
        role_claim: "role".parse().unwrap(),
        dealer_claim: "dealer_code".parse().unwrap(),
    };
    let err = JwksVerifier::new(config).unwrap_err();
    assert!(err.to_string().contains("OIDC_CA_FILE"), "{err}");
}
