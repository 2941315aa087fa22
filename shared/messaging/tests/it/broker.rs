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

/// Comfortably below [`broker::CONNECT_TIMEOUT`], comfortably above a connection to a
/// local broker on a loaded machine, or the 1 s `connection_timeout` the tests set
/// (long enough for the live broker's handshake, short enough to keep them fast).
const QUICK: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_first_address_is_passed_over_at_once() {
    let vhost = TestVhost::new().await;
    let url = with_first_address(&vhost.amqp_url(), &format!("127.0.0.1:{}", free_port()));
    assert_eq!(broker::node_urls(&url).len(), 2);
    // Whichever address the rotation starts at, every attempt ends on the live one.
    for _ in 0..3 {
        let began = Instant::now();
        let conn = broker::open(&url, "broker-it").await.expect("connected");
        assert!(conn.status().connected());
        assert!(
            began.elapsed() < QUICK,
            "took {:?}: the closed address cost a timeout",
            began.elapsed()
        );
        conn.close(200, "done".into()).await.expect("close");
    }
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

    let vhost = TestVhost::new().await;
    let url = with_first_address(
        &format!("{}?connection_timeout=1000", vhost.amqp_url()),
        &silent.to_string(),
    );
    for _ in 0..2 {
        let began = Instant::now();
        let conn = broker::open(&url, "broker-it").await.expect("connected");
        assert!(began.elapsed() < QUICK, "took {:?}", began.elapsed());
        conn.close(200, "done".into()).await.expect("close");
    }
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

    let vhost = TestVhost::new().await;
    let url = with_first_address(
        &format!("{}?connection_timeout=1000", vhost.amqp_url()),
        &dropping.to_string(),
    );
    for _ in 0..2 {
        let began = Instant::now();
        let conn = broker::open(&url, "broker-it").await.expect("connected");
        assert!(began.elapsed() < QUICK, "took {:?}", began.elapsed());
        conn.close(200, "done".into()).await.expect("close");
    }
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
