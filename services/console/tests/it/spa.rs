//! The embedded app: index.html for the app's own routes, long caching for hashed
//! assets, revalidation for the page, and JSON 404s where a client expects JSON.

use crate::Harness;

#[tokio::test]
async fn client_routes_get_the_page_and_assets_are_cached_for_long() {
    let h = Harness::start().await;
    let mut b = h.browser();
    let index = b.get("/").await;
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert!(
        index.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = index.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    // The sign-out form is answered with a redirect to the provider.
    assert!(
        csp.contains(&format!("form-action 'self' {};", h.provider.issuer)),
        "{csp}"
    );
    let etag = index.headers()["etag"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();

    let deep = b.get("/orders/0190-abc").await;
    assert_eq!(deep.status(), 200);
    assert_eq!(deep.text().await.unwrap(), html);

    let revalidated = b
        .send(
            b.request(reqwest::Method::GET, "/")
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(revalidated.status(), 304);

    let script = html
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(script.starts_with("/assets/"), "{script}");
    let asset = b.get(&script).await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );

    for path in [
        "/assets/gone-123.js",
        "/favicon-none.png",
        "/api/nothing",
        "/auth/nothing",
    ] {
        let resp = b.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    h.stop().await;
}
