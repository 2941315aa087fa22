//! `/api/<service>/v1/…`: forwarded with the session's token, answers passed through,
//! state-changing requests refused without the CSRF token.

use reqwest::Method;
use serde_json::Value;

use crate::Harness;

#[tokio::test]
async fn a_read_is_forwarded_with_the_bearer_token_and_without_the_cookies() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    let resp = b
        .send(
            b.request(
                Method::GET,
                "/api/orders/v1/price-book?part=AL-3001&limit=5",
            )
            .header("accept-language", "zh-CN"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    // The service's own path, as the browser reaches it through the console.
    assert_eq!(resp.headers()["location"], "/api/orders/v1/orders/1");
    assert!(resp.headers().get("x-internal-secret").is_none());
    let seen: Value = resp.json().await.unwrap();
    assert_eq!(seen["method"], "GET");
    assert_eq!(seen["path"], "/api/v1/price-book");
    assert_eq!(seen["query"], "part=AL-3001&limit=5");
    let auth = seen["headers"]["authorization"].as_str().unwrap();
    // The access token the provider issued at sign-in, as it issued it.
    assert_eq!(auth, format!("Bearer {}", h.provider.last_access_token()));
    assert_eq!(seen["headers"]["accept-language"], "zh-CN");
    assert!(seen["headers"].get("cookie").is_none());
    assert!(seen["headers"].get("x-csrf-token").is_none());
    assert!(seen["headers"]["x-correlation-id"].is_string());
    h.stop().await;
}

#[tokio::test]
async fn a_write_with_the_csrf_token_carries_its_body_and_idempotency_key() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    let resp = b
        .send(
            b.request(Method::POST, "/api/orders/v1/orders")
                .header("content-type", "application/json")
                .header("idempotency-key", "order-1")
                .body(r#"{"priority":"stock"}"#),
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["idempotent-replayed"], "true");
    let seen: Value = resp.json().await.unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["body"], r#"{"priority":"stock"}"#);
    assert_eq!(seen["headers"]["idempotency-key"], "order-1");
    assert_eq!(seen["headers"]["content-type"], "application/json");
    h.stop().await;
}

#[tokio::test]
async fn a_problem_comes_back_as_the_service_wrote_it() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    let resp = b
        .send(
            b.request(Method::POST, "/api/catalog/v1/problem")
                .body("{}"),
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "lines[0].qty");
    h.stop().await;
}

#[tokio::test]
async fn a_write_without_the_right_csrf_token_never_reaches_the_service() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    let token = b.csrf.clone().unwrap();
    let before = h.echo.count();
    for sent in [None, Some("forged"), Some(&token[1..])] {
        b.csrf = sent.map(str::to_owned);
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let resp = b
                .send(b.request(method.clone(), "/api/orders/v1/orders/1/cancel"))
                .await;
            assert_eq!(resp.status(), 403, "{method} with {sent:?}");
            assert_eq!(resp.headers()["content-type"], "application/problem+json");
        }
    }
    assert_eq!(h.echo.count(), before);
    h.stop().await;
}

#[tokio::test]
async fn without_a_session_nothing_is_forwarded() {
    let h = Harness::start().await;
    let mut b = h.browser();
    let resp = b.get("/api/orders/v1/orders").await;
    assert_eq!(resp.status(), 401);
    b.cookies.insert("console_session".into(), "guessed".into());
    assert_eq!(b.get("/api/orders/v1/orders").await.status(), 401);
    assert_eq!(h.echo.count(), 0);
    h.stop().await;
}

#[tokio::test]
async fn only_the_four_services_versioned_apis_are_reachable() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    for path in [
        "/api/metrics/v1/x",
        "/api/orders/metrics",
        "/api/orders/docs/",
        "/api/orders/health/ready",
        "/api/orders/v10/x",
    ] {
        let resp = b.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
    }
    assert_eq!(h.echo.count(), 0);
    // Recovery points at a closed port: a 503 problem, not a hang or a 500.
    let down = b.get("/api/recovery/v1/recovery-claims").await;
    assert_eq!(down.status(), 503);
    assert_eq!(down.headers()["content-type"], "application/problem+json");
    h.stop().await;
}

#[tokio::test]
async fn dot_segments_and_backslashes_never_leave_the_versioned_api() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    // Sent as written: reqwest would resolve the dot segments itself.
    let addr = h.console.addr;
    for path in [
        "/api/orders/v1/../../metrics",
        "/api/orders/v1/../../docs/",
        "/api/orders/v1/%2e%2e/%2E%2E/health/ready",
        "/api/orders/v1/.%2e/.%2E/metrics",
        "/api/orders/v1/./orders",
        "/api/orders/v1/%2e/orders",
        "/api/orders/v1/..",
        "/api/orders/v1/a\\..\\..\\metrics",
        "/api/orders/v1/a%5c..%5c..%5cmetrics",
    ] {
        let status = raw_get(addr, path, &b.cookie_header()).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(h.echo.count(), 0);
    // A dot inside a segment is an ordinary character.
    let status = raw_get(addr, "/api/orders/v1/parts/AL-3001.v2", &b.cookie_header()).await;
    assert_eq!(status, 201);
    h.stop().await;
}

/// A GET with the request target exactly as given, and its status code.
async fn raw_get(addr: std::net::SocketAddr, target: &str, cookies: &str) -> u16 {
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
    );
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer}"))
}

#[tokio::test]
async fn a_location_names_the_resource_as_the_browser_reaches_it() {
    let h = Harness::start().await;
    let mut b = h.browser();
    b.sign_in().await;
    for (path, expected) in [
        ("/api/catalog/v1/parts", "/api/catalog/v1/orders/1"),
        (
            "/api/inspection/v1/located-absolute",
            "/api/inspection/v1/orders/2?x=1",
        ),
        (
            "/api/orders/v1/located-elsewhere",
            "https://elsewhere.example/api/v1/x",
        ),
    ] {
        let resp = b.get(path).await;
        assert_eq!(resp.status(), 201, "{path}");
        assert_eq!(resp.headers()["location"], expected, "{path}");
    }
    h.stop().await;
}
