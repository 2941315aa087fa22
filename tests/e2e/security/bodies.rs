//! Finding 1, memory before authentication: oversized and slow bodies, with and
//! without a token, leave a service's memory and its database pool alone.

use std::time::Duration;

use aftersales_e2e::ServiceProcess;
use aftersales_testkit::tokens::{admin, dealer};
use aftersales_testkit::{TestDb, TestVhost};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIB: usize = 1024 * 1024;

/// Sends `POST path` declaring `declared` bytes of body and then writes up to `send`
/// bytes of it in chunks (stopping when the server closes), and returns the status
/// code the server answered, if any.
async fn post_body(
    base: &str,
    path: &str,
    token: Option<&str>,
    declared: usize,
    send: usize,
    pause: Duration,
) -> Option<u16> {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < send {
            let n = chunk.len().min(send - sent);
            if write.write_all(&chunk[..n]).await.is_err() {
                break;
            }
            sent += n;
            tokio::time::sleep(pause).await;
        }
    });
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(60), read.read(&mut answer))
        .await
        .ok()?
        .ok()?;
    writer.abort();
    let line = String::from_utf8_lossy(&answer[..n]);
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_are_read_only_after_the_token_and_within_the_route_limit() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    let service = ServiceProcess::start_on("orders", &db, &vhost, &[]).await;
    let idle = service.rss_kib().expect("the service's memory");

    // Eight connections each to a public endpoint and to an API endpoint without a
    // token, and eight with a token, each declaring and sending 30 MiB: the review
    // took a service from 43 to 286 MiB this way.
    let big = 30 * MIB;
    let token = dealer("D001");
    let mut attacks = Vec::new();
    for i in 0..24 {
        let (base, token) = (service.base.clone(), token.clone());
        attacks.push(tokio::spawn(async move {
            let (path, token) = match i % 3 {
                0 => ("/health/live", None),
                1 => ("/api/v1/orders", None),
                _ => ("/api/v1/orders", Some(token)),
            };
            let status = post_body(&base, path, token.as_deref(), big, big, Duration::ZERO).await;
            (path, token.is_some(), status)
        }));
    }
    let mut peak = idle;
    let mut answers = Vec::new();
    for attack in attacks {
        answers.push(attack.await.unwrap());
        peak = peak.max(service.rss_kib().unwrap_or(0));
    }
    for (path, signed_in, status) in answers {
        let expected = match (path, signed_in) {
            ("/health/live", _) => 404,
            (_, false) => 401,
            (_, true) => 413,
        };
        assert_eq!(status, Some(expected), "{path} signed in: {signed_in}");
    }
    let after = service.rss_kib().unwrap();
    println!(
        "RSS idle {} KiB, peak {} KiB, after {} KiB",
        idle, peak, after
    );
    assert!(
        peak < idle + 16 * 1024,
        "24 large bodies grew the service from {idle} KiB to {peak} KiB"
    );

    // A slow body without a token is answered at once, not when it has arrived.
    let started = std::time::Instant::now();
    let status = post_body(
        &service.base,
        "/api/v1/orders",
        None,
        MIB,
        MIB,
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(status, Some(401));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_bodies_hold_no_database_connection() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    let service = ServiceProcess::start_on("orders", &db, &vhost, &[]).await;
    let addr = service.base.trim_start_matches("http://").to_owned();

    // More stalled bodies than the pool has connections (10), from an admin, on an
    // endpoint that takes a connection and a body: each declares 100 bytes, sends none.
    let token = admin();
    let mut stalled = Vec::new();
    for _ in 0..14 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "PUT /api/v1/dealers/D001 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: 100\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Everyone else is still served: the stalled requests wait for their bodies
    // (until the 30 s body timeout), not with a pooled connection each.
    let client = aftersales_web::http_client::client();
    let started = std::time::Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .get(service.url("/api/v1/orders"))
            .bearer_auth(dealer("D001"))
            .send(),
    )
    .await;
    let status = answer
        .unwrap_or_else(|_| panic!("no answer within 10 s while 14 bodies stall"))
        .unwrap()
        .status();
    assert_eq!(status, 200, "after {:?}", started.elapsed());
    drop(stalled);
}
