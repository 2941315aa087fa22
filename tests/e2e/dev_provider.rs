//! A service in OIDC mode against the real development OpenID provider of `deploy/oidc`
//! (Node, `oidc-provider`): tokens from its client credentials grant and from a full
//! authorization code + PKCE sign-in of a demo user (what the console does) are
//! accepted through discovery and the provider's JWKS; another issuer's are not.

use std::collections::BTreeMap;

use aftersales_e2e::launch;
use aftersales_testkit::dev_provider::{AUDIENCE, DevProvider};
use aftersales_testkit::{TestDb, TestVhost, tokens};
use aftersales_web::service::test_config_with;
use base64::Engine as _;
use reqwest::{StatusCode, header};
use serde_json::Value;
use sha2::Digest as _;

const CONSOLE_REDIRECT: &str = "http://127.0.0.1:8080/auth/callback";

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A browser's cookie jar, enough for the provider's sign-in (all cookies, every path).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.0.insert(name.to_owned(), value.to_owned());
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("no redirect from {}: {}", res.url(), res.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Signs `username` in through the console client, as a browser would, and returns the
/// access token the console would get.
async fn sign_in(issuer: &str, username: &str, password: &str) -> Result<String, StatusCode> {
    let http = aftersales_web::http_client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = format!("{}{}", uuid_hex(), uuid_hex());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut jar = Jar::default();
    let auth = reqwest::Url::parse_with_params(
        &format!("{issuer}/auth"),
        &[
            ("client_id", "console"),
            ("response_type", "code"),
            ("scope", "openid profile aftersales"),
            ("redirect_uri", CONSOLE_REDIRECT),
            ("state", "st"),
            ("nonce", "no"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let res = http.get(auth).send().await.unwrap();
    jar.take(&res);
    let interaction = format!("{issuer}{}", location(&res));
    let page = http
        .get(&interaction)
        .header(header::COOKIE, jar.header())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"name="username""#) && html.contains(r#"name="password""#),
        "{html}"
    );
    let res = http
        .post(format!("{interaction}/login"))
        .header(header::COOKIE, jar.header())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("username={username}&password={password}"))
        .send()
        .await
        .unwrap();
    if res.status() == StatusCode::UNAUTHORIZED {
        return Err(res.status());
    }
    jar.take(&res);
    let res = http
        .get(location(&res))
        .header(header::COOKIE, jar.header())
        .send()
        .await
        .unwrap();
    let callback = reqwest::Url::parse(&location(&res)).unwrap();
    assert!(
        callback.as_str().starts_with(CONSOLE_REDIRECT),
        "{callback}"
    );
    let query: BTreeMap<_, _> = callback.query_pairs().into_owned().collect();
    assert_eq!(query.get("state").map(String::as_str), Some("st"));
    let code = query.get("code").expect("an authorization code");
    let res = http
        .post(format!("{issuer}/token"))
        .basic_auth("console", Some("console-dev-secret"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=authorization_code&code={code}&code_verifier={verifier}&redirect_uri={}",
            "http%3A%2F%2F127.0.0.1%3A8080%2Fauth%2Fcallback"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        claims(body["id_token"].as_str().unwrap())["role"],
        claims(body["access_token"].as_str().unwrap())["role"]
    );
    Ok(body["access_token"].as_str().unwrap().to_owned())
}

fn uuid_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[tokio::test]
async fn a_service_in_oidc_mode_accepts_the_dev_providers_tokens() {
    let provider = DevProvider::start()
        .await
        .expect("the development provider");
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let auth = [
        ("AUTH_MODE", "oidc".to_owned()),
        ("OIDC_ISSUER", provider.issuer.clone()),
        ("OIDC_AUDIENCE", AUDIENCE.to_owned()),
    ];
    let config = test_config_with(
        catalog::NAME,
        &db.admin_url(),
        &db.schema,
        &vhost.amqp_url(),
        &auth,
    );
    let catalog = launch(catalog::spec(), config).await;
    let http = aftersales_web::http_client::client();
    let call = |method: reqwest::Method, path: &str, token: Option<&str>| {
        let mut req = http.request(method, catalog.url(&format!("/api/v1{path}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };

    // Client credentials: the token speaks for the demo user's role and dealer.
    let dealer = provider.token_for("dealer-d002").await.unwrap();
    let c = claims(&dealer);
    assert_eq!(c["role"], "dealer");
    assert_eq!(c["dealer_code"], "D002");
    assert_eq!(c["aud"], AUDIENCE);
    assert_eq!(c["iss"], provider.issuer);
    let parts = call(reqwest::Method::GET, "/parts", Some(&dealer))
        .await
        .unwrap();
    assert_eq!(parts.status(), 200);
    let denied = call(reqwest::Method::GET, "/stock", Some(&dealer))
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);

    // The console's way: authorization code + PKCE, a demo user's password.
    let admin = sign_in(&provider.issuer, "admin", "aftersales-dev")
        .await
        .unwrap();
    assert_eq!(claims(&admin)["sub"], "admin");
    let suppliers = call(reqwest::Method::GET, "/suppliers", Some(&admin))
        .await
        .unwrap();
    assert_eq!(suppliers.status(), 200);
    assert_eq!(
        sign_in(&provider.issuer, "admin", "wrong-password").await,
        Err(StatusCode::UNAUTHORIZED)
    );

    // Another issuer's token (the test issuer's), and none at all.
    let foreign = tokens::admin();
    let res = call(reqwest::Method::GET, "/suppliers", Some(&foreign))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = call(reqwest::Method::GET, "/suppliers", None)
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    catalog.running.stop().await;
}
