//! The code flow with PKCE, the cookies it sets, what `/auth/me` says, refusals of a
//! foreign or replayed callback, expiry and sign-out.

use serde_json::json;

use crate::provider::{Signing, TestProvider};
use crate::{Browser, Harness, dealer, location, set_cookie};

#[tokio::test]
async fn login_sends_the_browser_to_the_provider_with_pkce_state_and_nonce() {
    let h = Harness::start().await;
    let mut b = h.browser();
    let login = b.get("/auth/login?return_to=/orders/7").await;
    assert_eq!(login.status(), 302);
    let to = url::Url::parse(&location(login.headers())).unwrap();
    assert!(
        to.as_str()
            .starts_with(&format!("{}/authorize", h.provider.issuer)),
        "{to}"
    );
    let q: std::collections::HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "console");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["redirect_uri"], format!("{}/auth/callback", h.public));
    assert!(q["state"].len() >= 16 && q["nonce"].len() >= 16);
    assert!(
        q["scope"].split(' ').any(|s| s == "openid"),
        "{}",
        q["scope"]
    );
    let cookie = set_cookie(login.headers(), "console_login").unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/auth"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_finished_sign_in_opens_a_session_behind_an_http_only_cookie() {
    let h = Harness::start().await;
    let mut b = h.browser();
    let done = b.sign_in_flow("/orders/7").await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(done.headers()), "/orders/7");
    let cookie = set_cookie(done.headers(), "console_session").unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    // The session id is all the browser gets: no token in any cookie.
    assert!(
        !b.cookies
            .values()
            .any(|v| v.starts_with("at-") || v.contains('.'))
    );
    let me: serde_json::Value = b.get("/auth/me").await.json().await.unwrap();
    assert_eq!(me["sub"], "dealer-d001");
    assert_eq!(me["role"], "dealer");
    assert_eq!(me["dealer_code"], "D001");
    assert_eq!(me["name"], "Dealer One");
    assert!(me["csrf_token"].as_str().unwrap().len() >= 43);
    assert!(me.get("access_token").is_none());
    assert_eq!(h.console.sessions.len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn insecure_cookies_only_when_configured_for_plain_http() {
    let h = Harness::start_with(&[("COOKIE_SECURE", "false")]).await;
    let mut b = h.browser();
    let done = b.sign_in_flow("/").await;
    let cookie = set_cookie(done.headers(), "console_session").unwrap();
    assert!(
        !cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_plain_http_public_url_gets_cookies_the_browser_sends_back() {
    let h = Harness::start_on("http", &[]).await;
    let mut b = h.browser();
    let done = b.sign_in_flow("/").await;
    assert_eq!(done.status(), 303);
    let cookie = set_cookie(done.headers(), "console_session").unwrap();
    assert!(
        !cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert_eq!(b.get("/auth/me").await.status(), 200);
    h.stop().await;
}

#[tokio::test]
async fn a_callback_in_another_browser_or_a_second_time_opens_no_session() {
    let h = Harness::start().await;
    let mut victim = h.browser();
    let login = victim.get("/auth/login").await;
    let at_provider = victim
        .http
        .get(location(login.headers()))
        .send()
        .await
        .unwrap();
    let callback = location(at_provider.headers());

    // Another browser (no login cookie) cannot finish this sign-in…
    let mut other = h.browser();
    let refused = other.get(&callback).await;
    assert_eq!(location(refused.headers()), "/signed-out?error=expired");
    assert!(!other.cookies.contains_key("console_session"));
    assert!(h.console.sessions.is_empty());
    // …the right browser can, once: its sign-in cookie goes with the answer, and the
    // provider takes a code once only, so a replay opens no second session.
    let sealed = victim.cookies["console_login"].clone();
    let done = victim.get(&callback).await;
    assert_eq!(done.status(), 303);
    assert_eq!(h.console.sessions.len(), 1);
    assert!(!victim.cookies.contains_key("console_login"));
    let replayed = victim.get(&callback).await;
    assert_eq!(location(replayed.headers()), "/signed-out?error=expired");
    victim.cookies.insert("console_login".into(), sealed);
    let replayed = victim.get(&callback).await;
    assert_eq!(location(replayed.headers()), "/signed-out?error=expired");
    assert_eq!(h.console.sessions.len(), 1);
    h.stop().await;
}

/// The provider's answer to a sign-in `b` started: the callback URL and its `state`.
async fn at_the_provider(b: &mut Browser, return_to: &str) -> (String, String) {
    let login = b.get(&format!("/auth/login?return_to={return_to}")).await;
    let at_provider = b.http.get(location(login.headers())).send().await.unwrap();
    let callback = location(at_provider.headers());
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    (callback, state)
}

#[tokio::test]
async fn a_changed_expired_or_foreign_sign_in_cookie_ends_on_signed_out_expired() {
    use aftersales_console::login::{LoginSealer, PendingLogin};
    use aftersales_console::sealed::CookieKey;

    let h = Harness::start().await;
    let mut b = h.browser();
    let (callback, state) = at_the_provider(&mut b, "/claims").await;
    let own = b.cookies["console_login"].clone();
    let seal = |key: &CookieKey, state: &str, expires_in: i64| {
        LoginSealer::new(key)
            .unwrap()
            .seal(&PendingLogin {
                state: state.to_owned(),
                pkce_verifier: "v".repeat(43),
                nonce: "n".repeat(43),
                return_to: "/".into(),
                expires_at: chrono::Utc::now().timestamp() + expires_in,
            })
            .unwrap()
    };
    let configured = CookieKey::from_base64(crate::COOKIE_KEY).unwrap();
    let mut changed = own.clone().into_bytes();
    changed[10] = if changed[10] == b'x' { b'y' } else { b'x' };
    // Another browser's sign-in, sealed by this console for its own state.
    let mut other = h.browser();
    at_the_provider(&mut other, "/").await;
    let cases = [
        ("changed", String::from_utf8(changed).unwrap()),
        ("truncated", own[..own.len() / 2].to_owned()),
        ("expired", seal(&configured, &state, -1)),
        (
            "another key",
            seal(&CookieKey::generate().unwrap(), &state, 600),
        ),
        ("another browser's", other.cookies["console_login"].clone()),
        ("not sealed", "{\"state\":\"x\"}".to_owned()),
    ];
    for (case, value) in cases {
        b.cookies.insert("console_login".into(), value);
        let refused = b.get(&callback).await;
        assert_eq!(
            location(refused.headers()),
            "/signed-out?error=expired",
            "{case}"
        );
        let cleared = set_cookie(refused.headers(), "console_login").unwrap();
        assert!(cleared.contains("Max-Age=0"), "{case}: {cleared}");
    }
    assert!(h.console.sessions.is_empty());
    // None of those spent the sign-in: with its own cookie it finishes.
    b.cookies.insert("console_login".into(), own);
    let done = b.get(&callback).await;
    assert_eq!(location(done.headers()), "/claims");
    assert_eq!(h.console.sessions.len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn any_replica_finishes_a_sign_in_another_started_and_none_holds_it() {
    let h = Harness::start().await;
    let replica = h.replica().await;
    let mut b = h.browser();
    let (callback, _) = at_the_provider(&mut b, "/orders").await;
    // Many abandoned sign-ins leave nothing behind in the console.
    for _ in 0..50 {
        assert_eq!(h.browser().get("/auth/login").await.status(), 302);
    }
    assert!(h.console.sessions.is_empty());
    b.base = format!("http://{}", replica.addr);
    let done = b.get(&callback).await;
    assert_eq!(location(done.headers()), "/orders");
    assert_eq!(replica.sessions.len(), 1);
    replica.stop().await;
    h.stop().await;
}

#[tokio::test]
async fn a_token_without_a_role_or_a_dealer_without_a_code_is_refused() {
    let h = Harness::start().await;
    for claims in [
        json!({"sub": "x", "name": "No Role"}),
        json!({"sub": "x", "role": "superuser"}),
        json!({"sub": "x", "role": "dealer"}),
    ] {
        h.provider.sign_in_as(claims.clone(), 3600);
        let mut b = h.browser();
        let done = b.sign_in_flow("/").await;
        assert_eq!(
            location(done.headers()),
            "/signed-out?error=no_role",
            "{claims}"
        );
    }
    assert!(h.console.sessions.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn roles_and_dealer_codes_come_from_the_configured_claims() {
    let h = Harness::start_with(&[
        ("OIDC_ROLE_CLAIM", "realm_access.roles"),
        ("OIDC_DEALER_CLAIM", "attributes.dealer"),
    ])
    .await;
    h.provider.sign_in_as(
        json!({"sub": "kc", "realm_access": {"roles": ["offline_access", "dealer"]}, "attributes": {"dealer": ["D003"]}}),
        3600,
    );
    let mut b = h.browser();
    let me = b.sign_in().await;
    assert_eq!(me["role"], "dealer");
    assert_eq!(me["dealer_code"], "D003");
    h.stop().await;
}

#[tokio::test]
async fn the_role_and_dealer_code_are_the_access_tokens_not_the_id_tokens() {
    let h = Harness::start().await;
    // The services authorise on the access token: the console must see the same user.
    h.provider.sign_in_with(
        json!({"sub": "u1", "role": "admin", "name": "Mixed Claims"}),
        json!({"role": "dealer", "dealer_code": "D002"}),
    );
    let me = h.browser().sign_in().await;
    assert_eq!(me["role"], "dealer");
    assert_eq!(me["dealer_code"], "D002");
    assert_eq!(me["name"], "Mixed Claims");
    // Roles in the ID token only: no role.
    h.provider.sign_in_with(
        json!({"sub": "u1", "role": "admin", "name": "Id Token Only"}),
        json!({}),
    );
    let done = h.browser().sign_in_flow("/").await;
    assert_eq!(location(done.headers()), "/signed-out?error=no_role");
    assert_eq!(h.console.sessions.len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn an_access_token_the_services_would_refuse_opens_no_session() {
    let h = Harness::start().await;
    for signing in [
        Signing::AccessForAnotherAudience,
        Signing::OpaqueAccessToken,
    ] {
        h.provider.sign_with(signing);
        let done = h.browser().sign_in_flow("/").await;
        assert_eq!(
            location(done.headers()),
            "/signed-out?error=provider",
            "{signing:?}"
        );
    }
    // Verified, but for someone else than the ID token.
    h.provider.sign_with(Signing::Published);
    h.provider.sign_in_with(
        dealer("D001"),
        json!({"sub": "someone-else", "role": "admin"}),
    );
    let done = h.browser().sign_in_flow("/").await;
    assert_eq!(location(done.headers()), "/signed-out?error=provider");
    assert!(h.console.sessions.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn an_expired_session_answers_401_everywhere() {
    let h = Harness::start().await;
    // The token's `exp` is in whole seconds, so a lifetime of one second could end at
    // once; three leave at least two for the first request, even on a busy machine.
    let lifetime = std::time::Duration::from_secs(3);
    h.provider.sign_in_as(dealer("D002"), lifetime.as_secs());
    let mut b = h.browser();
    let before_sign_in = tokio::time::Instant::now();
    b.sign_in().await;
    assert_eq!(b.get("/api/orders/v1/orders").await.status(), 201);
    tokio::time::sleep_until(before_sign_in + lifetime + std::time::Duration::from_millis(100))
        .await;
    for path in ["/auth/me", "/api/orders/v1/orders"] {
        let resp = b.get(path).await;
        assert_eq!(resp.status(), 401, "{path}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
    }
    assert!(h.console.sessions.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn sign_out_needs_the_csrf_token_ends_the_session_and_names_the_provider() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    let token = b.csrf.take();
    let refused = b
        .send(b.request(reqwest::Method::POST, "/auth/logout"))
        .await;
    assert_eq!(refused.status(), 403);
    let forged = sign_out_form(&mut b, "forged").await;
    assert_eq!(forged.status(), 403);
    assert_eq!(h.console.sessions.len(), 1);

    // As the SPA signs out: a form posted by the browser, so the answer is a redirect
    // the browser follows and no script ever sees the ID token.
    let out = sign_out_form(&mut b, &token.unwrap()).await;
    assert_eq!(out.status(), 303);
    let cleared = set_cookie(out.headers(), "console_session").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let next = url::Url::parse(&location(out.headers())).unwrap();
    assert!(
        next.as_str()
            .starts_with(&format!("{}/end_session", h.provider.issuer))
    );
    let q: std::collections::HashMap<_, _> = next.query_pairs().into_owned().collect();
    assert_eq!(q["post_logout_redirect_uri"], format!("{}/", h.public));
    assert!(q["id_token_hint"].split('.').count() == 3);
    assert!(out.text().await.unwrap().is_empty());
    assert!(h.console.sessions.is_empty());
    assert_eq!(b.get("/auth/me").await.status(), 401);

    // Signing out again (another tab, an expired session): nothing to end here.
    let again = sign_out_form(&mut b, "whatever").await;
    assert_eq!(again.status(), 303);
    assert_eq!(location(again.headers()), "/signed-out");
    h.stop().await;
}

/// The sign-out form as the SPA posts it.
async fn sign_out_form(b: &mut Browser, csrf_token: &str) -> reqwest::Response {
    let form = b
        .request(reqwest::Method::POST, "/auth/logout")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={csrf_token}"));
    b.send(form).await
}

#[tokio::test]
async fn sign_out_with_the_csrf_header_is_a_redirect_too() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    let out = b
        .send(b.request(reqwest::Method::POST, "/auth/logout"))
        .await;
    assert_eq!(out.status(), 303);
    assert!(location(out.headers()).starts_with(&format!("{}/end_session", h.provider.issuer)));
    assert!(h.console.sessions.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn no_session_is_401_and_an_unreachable_provider_is_503() {
    let h = Harness::start_with(&[("OIDC_ISSUER", "http://127.0.0.1:9")]).await;
    let mut b = h.browser();
    let me = b.get("/auth/me").await;
    assert_eq!(me.status(), 401);
    assert_eq!(me.headers()["content-type"], "application/problem+json");
    assert_eq!(b.get("/auth/login").await.status(), 503);
    let ready = b.get("/health/ready").await;
    assert_eq!(ready.status(), 503);
    assert_eq!(b.get("/health/live").await.status(), 200);
    h.stop().await;
}

#[tokio::test]
async fn a_return_to_that_could_leave_the_console_returns_home() {
    let h = Harness::start().await;
    // As they arrive in the query string: a tab or CR/LF (browsers drop tabs, so
    // `/\t/evil.example` would become `//evil.example`), another host, a backslash.
    for raw in [
        "/%09/evil.example",
        "/%0A",
        "/%0d%0a",
        "/%0D%0ASet-Cookie:%20x=1",
        "//evil.example",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "https://evil.example",
        "https:%2F%2Fevil.example",
        "/%20/evil.example",
    ] {
        let mut b = h.browser();
        let done = b.sign_in_flow(raw).await;
        assert_eq!(done.status(), 303, "{raw}");
        assert_eq!(location(done.headers()), "/", "{raw}");
        assert!(b.cookies.contains_key("console_session"), "{raw}");
    }
    let mut b = h.browser();
    let done = b.sign_in_flow("/orders/7%3Fx%3D1").await;
    assert_eq!(location(done.headers()), "/orders/7?x=1");
    h.stop().await;
}

#[tokio::test]
async fn an_hmac_signed_id_token_is_refused_though_the_provider_advertises_hs256() {
    let h = Harness::start_with(&[("OIDC_CLIENT_SECRET", "console-secret")]).await;
    h.provider.sign_with(Signing::Hmac("console-secret"));
    let mut b = h.browser();
    let done = b.sign_in_flow("/").await;
    assert_eq!(location(done.headers()), "/signed-out?error=provider");
    assert!(h.console.sessions.is_empty());

    h.provider.sign_with(Signing::Published);
    let mut b = h.browser();
    assert_eq!(location(b.sign_in_flow("/").await.headers()), "/");
    h.stop().await;
}

#[tokio::test]
async fn only_an_unknown_signing_key_rediscovers_the_provider_and_not_again_at_once() {
    let h = Harness::start().await;
    let mut b = h.browser();
    assert_eq!(location(b.sign_in_flow("/").await.headers()), "/");
    let discovered = h.provider.discoveries();

    // A token for another audience is no key rotation.
    h.provider.sign_with(Signing::OtherAudience);
    for _ in 0..2 {
        let done = h.browser().sign_in_flow("/").await;
        assert_eq!(location(done.headers()), "/signed-out?error=provider");
    }
    assert_eq!(h.provider.discoveries(), discovered);

    // An unknown key may be a rotation: one look, then none until the interval passed.
    h.provider.sign_with(Signing::UnknownKid);
    for _ in 0..3 {
        let done = h.browser().sign_in_flow("/").await;
        assert_eq!(location(done.headers()), "/signed-out?error=provider");
    }
    assert_eq!(h.provider.discoveries(), discovered + 1);
    assert!(h.console.sessions.len() == 1);
    h.stop().await;
}

#[tokio::test]
async fn an_https_provider_signs_in_once_its_ca_is_trusted() {
    let ca = aftersales_testkit::tls::ca_file();
    let provider = TestProvider::start_behind_tls().await;
    assert!(provider.issuer.starts_with("https://localhost:"));
    let h = Harness::start_for(provider, "https", &[("OIDC_CA_FILE", ca.to_str().unwrap())]).await;
    // Discovery, the token exchange and the keys all over TLS.
    let me = h.browser().sign_in().await;
    assert_eq!(me["role"], "dealer");
    h.stop().await;

    // The test CA is no platform root: without OIDC_CA_FILE the certificate is refused.
    let h = Harness::start_for(TestProvider::start_behind_tls().await, "https", &[]).await;
    assert_eq!(h.browser().get("/auth/login").await.status(), 503);
    h.stop().await;
}

#[tokio::test]
async fn a_callback_or_login_query_that_does_not_parse_still_ends_on_a_page() {
    let h = Harness::start().await;
    let mut b = h.browser();
    let (callback, state) = at_the_provider(&mut b, "/orders").await;
    // A repeated parameter: a 400 problem for an API, a sign-out page for a browser.
    for query in [
        format!("{callback}&state={state}"),
        format!("{callback}&code=another"),
        "/auth/callback?state=a&state=b".to_owned(),
    ] {
        let done = b.get(&query).await;
        assert_eq!(done.status(), 303, "{query}");
        assert_eq!(location(done.headers()), "/signed-out?error=expired");
        let cleared = set_cookie(done.headers(), "console_login").unwrap();
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        assert!(done.headers().get("content-type").is_none(), "{query}");
        // Put the sign-in back for the next attempt (the answer removed it).
        at_the_provider(&mut b, "/orders").await;
    }
    assert!(h.console.sessions.is_empty());

    // A repeated return_to: the sign-in goes on and returns home.
    let login = b
        .get("/auth/login?return_to=/orders&return_to=/claims")
        .await;
    assert_eq!(login.status(), 302);
    let at_provider = b.http.get(location(login.headers())).send().await.unwrap();
    let done = b.get(&location(at_provider.headers())).await;
    assert_eq!(location(done.headers()), "/");
    assert_eq!(h.console.sessions.len(), 1);
    h.stop().await;
}
