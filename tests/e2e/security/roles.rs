//! Finding 5, third class: a role that may never use an endpoint learns that first
//! (403), whatever body it sends: malformed, of the wrong shape or media type, or far
//! over the endpoint's limit (then unread: the answer comes before the body is sent).

use aftersales_e2e::{Service, launch_all};
use aftersales_testkit::TestVhost;
use aftersales_web::Role;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::access::{Access, expected, operations, url_of};

/// Sends `method url` with `body` as `content_type`, declaring `declared` bytes of
/// body (more than `body` when the body should never be needed), and returns the
/// status line's code.
async fn status_of(
    url: &str,
    method: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
    declared: usize,
) -> u16 {
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(body).await.expect("body");
    let mut answer = vec![0u8; 256];
    let n = stream.read(&mut answer).await.expect("answer");
    let line = String::from_utf8_lossy(&answer[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// Every operation with a body × every role the design denies it × bad bodies.
async fn walk(service: &Service, findings: &mut Vec<String>) -> usize {
    let http = aftersales_web::http_client::client();
    let api: Value = http
        .get(service.url("/openapi.json"))
        .send()
        .await
        .expect("openapi.json")
        .json()
        .await
        .expect("openapi json");
    let mut checked = 0;
    for op in operations(&api) {
        let Some(content) = op.op["requestBody"]["content"].as_object() else {
            continue;
        };
        let media = content.keys().next().cloned().unwrap_or_default();
        let Some(row) = expected(service.name, &op.method, &op.path) else {
            continue;
        };
        let url = url_of(&service.base, &op, &Default::default());
        let method = op.method.to_uppercase();
        // 64 MiB declared: over every endpoint's limit, parts import's 20 MiB too.
        let huge = 64 * 1024 * 1024;
        let bad: [(&str, &str, &[u8]); 5] = [
            ("malformed", media.as_str(), b"{\"lines\": ["),
            ("wrong shape", media.as_str(), b"\"not an object\""),
            ("wrong media type", "application/xml", b"<order/>"),
            ("NUL", media.as_str(), b"{\"a\":\"\\u0000\"}"),
            // Declared, never sent.
            ("over the limit", media.as_str(), b""),
        ];
        for (role, access) in Role::ALL.into_iter().zip(row) {
            if access != Access::Denied {
                continue;
            }
            let dealer = (role == Role::Dealer).then_some("D001");
            let token = aftersales_e2e::keys().sign(&aftersales_web::Claims::new(
                "roles",
                role,
                dealer,
                chrono::Duration::hours(1),
            ));
            for (what, content_type, body) in bad {
                checked += 1;
                let declared = if body.is_empty() { huge } else { body.len() };
                let status = status_of(&url, &method, &token, content_type, body, declared).await;
                if status != 403 {
                    findings.push(format!(
                        "{} {method} {} as {role}, {what} body: {status}, expected 403",
                        service.name, op.path
                    ));
                }
            }
        }
    }
    checked
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forbidden_role_gets_403_whatever_body_it_sends() {
    let vhost = TestVhost::new().await;
    let (_dbs, services) = launch_all(&vhost).await;
    let mut findings = Vec::new();
    let mut checked = 0;
    for service in &services {
        checked += walk(service, &mut findings).await;
    }
    for service in services {
        service.running.stop().await;
    }
    eprintln!("[roles] {checked} requests, {} findings", findings.len());
    for f in &findings {
        eprintln!("  finding: {f}");
    }
    // Every service has endpoints with bodies that some role may never use.
    assert!(
        checked > 100,
        "only {checked} requests: the walk found no bodies"
    );
    assert!(
        findings.is_empty(),
        "{} of {checked} answered other than 403; first: {}",
        findings.len(),
        findings[0]
    );
}
