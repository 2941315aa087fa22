//! Finding 6, under load, fail fast: with every pooled connection stuck, a request
//! waits for a connection only `DB_ACQUIRE_TIMEOUT` and then answers 503 with
//! `Retry-After`; a statement stuck longer than `DB_STATEMENT_TIMEOUT` is cancelled
//! and answered 503 too; readiness has connections of its own and keeps answering.
//!
//! The database is held by the test: a transaction of its own keeps the orders table
//! locked, so every query on it waits. Nothing here is timed: the answers must come
//! while the lock is still held, which without the limits never happens.

use std::time::{Duration, Instant};

use aftersales_e2e::ServiceProcess;
use aftersales_testkit::tokens::dealer;
use aftersales_testkit::{TestDb, TestVhost};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};

/// How long the test waits for answers that must come while the lock is held: far
/// beyond the limits configured below, far below "forever".
const PATIENCE: Duration = Duration::from_secs(30);

/// A transaction of the test's own holding `ACCESS EXCLUSIVE` on the service's orders
/// table: every query of the service on it waits until [`release`].
async fn lock_orders(db: &TestDb) -> AsyncPgConnection {
    let mut conn = db.conn().await;
    conn.batch_execute("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock the orders table");
    conn
}

async fn release(mut conn: AsyncPgConnection) {
    conn.batch_execute("ROLLBACK")
        .await
        .expect("release the lock");
}

#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    content_type: Option<String>,
}

async fn list_orders(client: &reqwest::Client, base: &str) -> Option<Answer> {
    let resp = client
        .get(format!("{base}/api/v1/orders"))
        .bearer_auth(dealer("D001"))
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .ok()?;
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Some(Answer {
        status: resp.status().as_u16(),
        retry_after: header("retry-after"),
        content_type: header("content-type"),
    })
}

async fn ready_status(client: &reqwest::Client, service: &ServiceProcess) -> Option<u16> {
    let resp = client
        .get(service.url("/health/ready"))
        .timeout(PATIENCE)
        .send()
        .await
        .ok()?;
    Some(resp.status().as_u16())
}

fn assert_busy(answer: &Answer) {
    assert_eq!(answer.status, 503, "{answer:?}");
    let retry: u64 = answer
        .retry_after
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a 503 without a Retry-After in seconds: {answer:?}"));
    assert!(retry >= 1, "{answer:?}");
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json"),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_pool_held_requests_get_503_with_retry_after_and_readiness_answers() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    // Statements may wait on locks for an hour: what ends the wait here can only be
    // the acquire timeout.
    let service = ServiceProcess::start_on(
        "orders",
        &db,
        &vhost,
        &[
            ("DB_POOL_SIZE", "2"),
            ("DB_ACQUIRE_TIMEOUT", "500ms"),
            ("DB_STATEMENT_TIMEOUT", "1h"),
            ("DB_LOCK_TIMEOUT", "1h"),
        ],
    )
    .await;
    let client = aftersales_web::http_client::client();
    let lock = lock_orders(&db).await;

    // Two requests take the two connections and wait on the lock; the relay and the
    // consumer may take one for a moment too. The rest find no connection.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let requests = 8;
    for _ in 0..requests {
        let (client, tx) = (client.clone(), tx.clone());
        let base = service.base.clone();
        tokio::spawn(async move {
            let _ = tx.send(list_orders(&client, &base).await);
        });
    }
    let mut answered = Vec::new();
    let waited = Instant::now();
    while answered.len() < requests - 2 {
        match tokio::time::timeout(PATIENCE, rx.recv()).await {
            Ok(Some(Some(answer))) => answered.push(answer),
            Ok(Some(None)) => panic!("a request failed without an answer"),
            Ok(None) | Err(_) => break,
        }
    }
    println!(
        "{} of {requests} requests answered within {:?} while every connection was held: {answered:?}",
        answered.len(),
        waited.elapsed()
    );
    assert!(
        answered.len() >= requests - 2,
        "only {} of {requests} requests were answered while the pool was held",
        answered.len()
    );
    for answer in &answered {
        assert_busy(answer);
    }

    // Readiness does not queue behind the requests: the database is there.
    let started = Instant::now();
    let ready = ready_status(&client, &service).await;
    println!(
        "readiness with the pool held: {ready:?} in {:?}",
        started.elapsed()
    );
    assert_eq!(ready, Some(200));

    // Released, the requests holding the connections finish normally.
    release(lock).await;
    while let Ok(Some(answer)) = tokio::time::timeout(PATIENCE, rx.recv()).await {
        let answer = answer.expect("an answer after the release");
        if answer.status != 503 {
            assert_eq!(answer.status, 200, "{answer:?}");
        }
        answered.push(answer);
        if answered.len() == requests {
            break;
        }
    }
    assert_eq!(answered.len(), requests);
    let after = list_orders(&client, &service.base)
        .await
        .expect("an answer");
    assert_eq!(after.status, 200, "{after:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_past_its_timeout_is_cancelled_and_answered_503() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    let service = ServiceProcess::start_on(
        "orders",
        &db,
        &vhost,
        &[("DB_STATEMENT_TIMEOUT", "1s"), ("DB_LOCK_TIMEOUT", "1h")],
    )
    .await;
    let client = aftersales_web::http_client::client();
    let lock = lock_orders(&db).await;

    let answer = tokio::time::timeout(PATIENCE, list_orders(&client, &service.base)).await;
    release(lock).await;
    let answer = answer
        .expect("no answer while the table was locked: the statement was never cancelled")
        .expect("an answer");
    assert_busy(&answer);

    // The connection whose statement was cancelled is fine for the next request.
    let after = list_orders(&client, &service.base)
        .await
        .expect("an answer");
    assert_eq!(after.status, 200, "{after:?}");
}

/// A probe's status and the checks it named, or why it got no answer.
type Probe = Result<(u16, String), String>;

/// Probes readiness 40 times, 200 ms apart, from a thread and runtime of its own with its
/// own client, as a kubelet would: the 300 clients' tasks in the test's runtime must not
/// delay the probe's own requests and timers, or the figure would measure the test.
/// Returns each probe's time and its status with the body's checks, or why it got none.
fn probe_readiness(url: String) -> Vec<(Duration, Probe)> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the probe");
        runtime.block_on(async move {
            // A new connection per probe, as a kubelet makes.
            let client = aftersales_web::http_client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("the probe's client");
            let mut probes = Vec::new();
            for _ in 0..40 {
                let started = Instant::now();
                let answer = async {
                    let resp = client.get(&url).timeout(PATIENCE).send().await?;
                    let status = resp.status().as_u16();
                    let body: serde_json::Value = resp.json().await?;
                    Ok::<_, reqwest::Error>((status, body["checks"].to_string()))
                }
                .await
                .map_err(|e| format!("{e:?}"));
                probes.push((started.elapsed(), answer));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            probes
        })
    })
    .join()
    .expect("the probe thread")
}

/// Not a limit, a figure: how long readiness takes while 300 clients keep the service
/// busy. A measurement, so not part of the suite: beside the rest of the suite on two
/// cores it measures the machine's load. Run it alone: `cargo nextest run --workspace
/// --run-ignored only -E 'test(readiness_latency)' --no-capture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, run alone (see its doc comment)"]
async fn readiness_latency_under_300_concurrent_clients() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    let service = ServiceProcess::start_on("orders", &db, &vhost, &[]).await;
    let client = aftersales_web::http_client::client();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..300 {
        let (client, stop) = (client.clone(), stop.clone());
        let base = service.base.clone();
        clients.push(tokio::spawn(async move {
            let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let status = list_orders(&client, &base).await.map_or(0, |a| a.status);
                *statuses.entry(status).or_default() += 1;
            }
            statuses
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let url = service.url("/health/ready");
    let probes = tokio::task::spawn_blocking(move || probe_readiness(url))
        .await
        .expect("the probes");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut answers = std::collections::BTreeMap::<u16, u32>::new();
    for c in clients {
        for (status, n) in c.await.unwrap() {
            *answers.entry(status).or_default() += n;
        }
    }
    let mut latencies: Vec<Duration> = probes.iter().map(|(took, _)| *took).collect();
    latencies.sort();
    let mut statuses = std::collections::BTreeMap::<String, u32>::new();
    for (_, answer) in &probes {
        let key = match answer {
            Ok((status, checks)) => format!("{status} {checks}"),
            Err(why) => format!("no answer: {why}"),
        };
        *statuses.entry(key).or_default() += 1;
    }
    println!(
        "readiness under 300 clients: median {:?}, p90 {:?}, max {:?}\n\
         readiness answers: {statuses:#?}\nrequest answers by status: {answers:?}",
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 9 / 10],
        latencies[latencies.len() - 1],
    );
    assert!(
        probes.iter().all(|(_, a)| matches!(a, Ok((200, _)))),
        "readiness failed under load: {statuses:#?}"
    );
}
