//! Several broker addresses in one URL (issue 19): a dead or silent node is passed over
//! quickly for the next.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use aftersales_messaging::broker::{self, LinkState};
use aftersales_testkit::{TestVhost, free_port};

/// `url` with `address` listed before its own host(s).
fn with_first_address(url: &str, address: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user, hosts)) => format!("{scheme}://{user}@{address},{hosts}{tail}"),
        None => format!("{scheme}://{address},{authority}{tail}"),
    }
}

/// Far below what an attempt without a limit waits for a silent or dropping address
/// (for ever, or the kernel's two minutes of SYN retries) and below the 60 s limit the
/// closed-address test sets, far above a connection to a local broker on a loaded
/// machine plus one [`broker::CONNECT_TIMEOUT`]: the tests tell "gave up in time" from
/// "waited", never how fast.
const QUICK: Duration = Duration::from_secs(30);

/// Connects twice through a URL listing `first` before a live broker: whichever
/// address the rotation starts at, each attempt ends on the live one, in time.
async fn connects_past(first: &str, connection_timeout_ms: u64) {
    let vhost = TestVhost::new().await;
    let url = with_first_address(
        &format!(
            "{}?connection_timeout={connection_timeout_ms}",
            vhost.amqp_url()
        ),
        first,
    );
    assert_eq!(broker::node_urls(&url).len(), 2);
    for _ in 0..2 {
        let began = Instant::now();
        let conn = broker::open(&url, "broker-it").await.expect("connected");
        assert!(conn.status().connected());
        assert!(began.elapsed() < QUICK, "took {:?}", began.elapsed());
        conn.close(200, "done".into()).await.expect("close");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_first_address_is_passed_over_at_once() {
    // A refused connection ends the attempt at once, not at the (here 60 s) limit.
    connects_past(&format!("127.0.0.1:{}", free_port()), 60_000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_address_is_given_up_after_its_connect_timeout() {
    // Listening but never accepting: the kernel completes the TCP handshake and then
    // nothing answers, as from a frozen node.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap();

    let alone = format!("amqp://guest:guest@{silent}/%2f?connection_timeout=1000");
    let began = Instant::now();
    let err = broker::open(&alone, "broker-it").await.unwrap_err();
    assert!(err.to_string().contains("no answer within"), "{err}");
    assert!(began.elapsed() < QUICK, "took {:?}", began.elapsed());

    connects_past(&silent.to_string(), 5_000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_that_drops_packets_is_given_up_after_its_connect_timeout() {
    // A listener with a full accept queue drops further SYNs, as a host that is gone
    // does: the TCP connect itself hangs, which lapin would wait out for minutes.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let full = socket.listen(0).unwrap();
    let dropping = full.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..16 {
        let connect = tokio::net::TcpStream::connect(dropping);
        match tokio::time::timeout(Duration::from_millis(300), connect).await {
            Ok(Ok(conn)) => queued.push(conn),
            _ => break,
        }
    }

    let alone = format!("amqp://guest:guest@{dropping}/%2f?connection_timeout=1000");
    let began = Instant::now();
    let err = broker::open(&alone, "broker-it").await.unwrap_err();
    assert!(err.to_string().contains("no answer within"), "{err}");
    assert!(began.elapsed() < QUICK, "took {:?}", began.elapsed());

    connects_past(&dropping.to_string(), 5_000).await;
}

#[tokio::test]
async fn readiness_says_how_many_addresses_were_tried() {
    let url = format!(
        "amqp://guest:guest@127.0.0.1:{},127.0.0.1:{}/%2f",
        free_port(),
        free_port()
    );
    let link = LinkState::new("relay");
    let gave_up = tokio::time::timeout(
        Duration::from_secs(1),
        broker::connect(&url, "broker-it", &link),
    )
    .await;
    assert!(gave_up.is_err(), "nothing listens there");
    let reason = link.check().unwrap_err();
    assert!(
        reason.starts_with("broker unreachable: none of the 2 broker addresses answered: "),
        "{reason}"
    );
}
