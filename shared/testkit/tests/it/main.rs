//! Integration tests of the testkit against real servers (self-started unless the
//! AFTERSALES_TEST_* variables point elsewhere).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a broken set-up should stop the test at once, loudly"
)]

mod clusters;

use std::time::Duration;

use aftersales_testkit::provision::{connect, query_bool};
use aftersales_testkit::util::{percent_encode, unique_name, with_database};
use aftersales_testkit::{PrivateBroker, TestDb, TestVhost, provision_service, servers};
use diesel_async::SimpleAsyncConnection;

async fn schema_exists(admin_url: &str, schema: &str) -> bool {
    let mut conn = connect(admin_url).await.unwrap();
    query_bool(
        &mut conn,
        &format!("EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '{schema}')"),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn test_dbs_are_isolated_and_dropped() {
    let (a, b) = tokio::join!(TestDb::new(), TestDb::new());
    assert_ne!(a.schema, b.schema);
    assert!(a.url().contains("options=-c%20search_path%3d"));

    let mut ca = a.conn().await;
    let mut cb = b.conn().await;
    assert!(
        query_bool(&mut ca, &format!("current_schema() = '{}'", a.schema))
            .await
            .unwrap()
    );
    ca.batch_execute("CREATE TABLE widgets (id int PRIMARY KEY); INSERT INTO widgets VALUES (1)")
        .await
        .unwrap();
    assert!(
        query_bool(&mut ca, "to_regclass('widgets') IS NOT NULL")
            .await
            .unwrap()
    );
    assert!(
        query_bool(&mut cb, "to_regclass('widgets') IS NULL")
            .await
            .unwrap()
    );
    // The same name in the other schema is a different table.
    cb.batch_execute("CREATE TABLE widgets (id int PRIMARY KEY)")
        .await
        .unwrap();
    assert!(
        query_bool(&mut cb, "(SELECT count(*) FROM widgets) = 0")
            .await
            .unwrap()
    );
    drop((ca, cb));

    let admin = a.admin_url();
    let (sa, sb) = (a.schema.clone(), b.schema.clone());
    assert!(schema_exists(&admin, &sa).await);
    drop(a);
    drop(b);
    assert!(
        !schema_exists(&admin, &sa).await,
        "schema {sa} was not dropped"
    );
    assert!(
        !schema_exists(&admin, &sb).await,
        "schema {sb} was not dropped"
    );
}

async fn mgmt(method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> u16 {
    let url = format!("{}{path}", servers().await.mgmt_url);
    let mut req = aftersales_web::http_client::client()
        .request(method, url)
        .basic_auth("guest", Some("guest"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn test_vhosts_are_isolated_and_deleted() {
    let (a, b) = tokio::join!(TestVhost::new(), TestVhost::new());
    assert_ne!(a.name, b.name);
    assert!(a.amqp_url().ends_with(&format!("/{}", a.name)));
    assert_eq!(a.mgmt_url(), servers().await.mgmt_url);

    let status = mgmt(
        reqwest::Method::PUT,
        &format!("/api/queues/{}/jobs", a.name),
        Some(serde_json::json!({"durable": true})),
    )
    .await;
    assert!(
        (200..300).contains(&status),
        "queue declare answered {status}"
    );
    let published = mgmt(
        reqwest::Method::POST,
        &format!("/api/exchanges/{}/amq.default/publish", a.name),
        Some(serde_json::json!({
            "properties": {}, "routing_key": "jobs", "payload": "x", "payload_encoding": "string"
        })),
    )
    .await;
    assert_eq!(published, 200);
    assert_eq!(
        a.wait_queue_messages("jobs", 1, Duration::from_secs(10))
            .await,
        Some(1)
    );
    assert_eq!(b.queue_messages("jobs").await, None);

    let (na, nb) = (a.name.clone(), b.name.clone());
    assert_eq!(
        mgmt(reqwest::Method::GET, &format!("/api/vhosts/{na}"), None).await,
        200
    );
    drop(a);
    drop(b);
    assert_eq!(
        mgmt(reqwest::Method::GET, &format!("/api/vhosts/{na}"), None).await,
        404
    );
    assert_eq!(
        mgmt(reqwest::Method::GET, &format!("/api/vhosts/{nb}"), None).await,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioned_roles_reach_only_their_schema() {
    let admin = servers().await.pg_admin_url.clone();
    let db = "aftersales_test";
    let (one, two) = (unique_name(), unique_name());
    for svc in [&one, &two] {
        provision_service(&admin, db, svc, "s3cret'pw", "app'pw")
            .await
            .unwrap();
        // Idempotent.
        provision_service(&admin, db, svc, "s3cret'pw", "app'pw")
            .await
            .unwrap();
    }
    let login_url = |role: &str, password: &str| {
        with_database(
            &admin.replacen(
                "postgres@",
                &format!("{role}:{}@", percent_encode(password)),
                1,
            ),
            db,
        )
    };
    let role_url = |svc: &str| login_url(svc, "s3cret'pw");
    let mut c1 = connect(&role_url(&one)).await.unwrap();
    assert!(
        query_bool(&mut c1, &format!("current_schema() = '{one}'"))
            .await
            .unwrap()
    );
    c1.batch_execute("CREATE TABLE things (id int)")
        .await
        .unwrap();
    let mut c2 = connect(&role_url(&two)).await.unwrap();
    c2.batch_execute("CREATE TABLE things (id int)")
        .await
        .unwrap();
    let denied = c2
        .batch_execute(&format!("SELECT * FROM {one}.things"))
        .await
        .unwrap_err()
        .to_string();
    assert!(denied.contains("permission denied"), "{denied}");
    let public = c2
        .batch_execute("CREATE TABLE public.nope (id int)")
        .await
        .unwrap_err()
        .to_string();
    assert!(public.contains("permission denied"), "{public}");

    // The app role uses the tables its owner created after provisioning, and only uses them.
    let mut app = connect(&login_url(&format!("{one}_app"), "app'pw"))
        .await
        .unwrap();
    app.batch_execute(
        "INSERT INTO things VALUES (1); UPDATE things SET id = 2; DELETE FROM things",
    )
    .await
    .expect("the app role reads and writes its schema's tables");
    for ddl in [
        "DROP TABLE things",
        "ALTER TABLE things ADD COLUMN x int",
        "CREATE TABLE more (id int)",
        "TRUNCATE things",
    ] {
        let err = app.batch_execute(ddl).await.unwrap_err().to_string();
        assert!(
            err.contains("permission denied") || err.contains("must be owner"),
            "{ddl}: {err}"
        );
    }
    let err = app
        .batch_execute(&format!("SELECT * FROM {two}.things"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("permission denied"), "{err}");
    drop((c1, c2, app));

    let mut conn = connect(&admin).await.unwrap();
    for svc in [&one, &two] {
        conn.batch_execute(&format!(
            "DROP SCHEMA {svc} CASCADE; REVOKE CONNECT ON DATABASE {db} FROM {svc}, {svc}_app; \
             DROP OWNED BY {svc}, {svc}_app; DROP ROLE {svc}; DROP ROLE {svc}_app"
        ))
        .await
        .unwrap();
    }
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn private_broker_restarts_with_its_data() {
    let broker = PrivateBroker::start().await;
    let port = broker.server().amqp_port;
    assert_eq!(
        broker.amqp_url(),
        format!("amqp://guest:guest@127.0.0.1:{port}/%2f")
    );
    let client = aftersales_web::http_client::client();
    let mgmt = broker.mgmt_url();
    let put = client
        .put(format!("{mgmt}/api/queues/%2f/durable_q"))
        .basic_auth("guest", Some("guest"))
        .json(&serde_json::json!({"durable": true}))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let publish = client
        .post(format!("{mgmt}/api/exchanges/%2f/amq.default/publish"))
        .basic_auth("guest", Some("guest"))
        .json(&serde_json::json!({
            "properties": {"delivery_mode": 2}, "routing_key": "durable_q",
            "payload": "kept", "payload_encoding": "string"
        }))
        .send()
        .await
        .unwrap();
    assert!(publish.status().is_success());

    let pid = broker.server().pid().expect("broker runs");
    broker.stop().await;
    assert!(!aftersales_testkit::util::pid_alive(pid));
    assert!(!port_open(port));

    broker.restart().await;
    assert!(port_open(port));
    let mut n = None;
    for _ in 0..50 {
        n = broker.queue_messages("durable_q").await;
        if n == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(n, Some(1), "durable message survived the restart");

    let base = broker.server().base_dir.clone();
    let pid = broker.server().pid().expect("broker runs again");
    drop(broker);
    assert!(!aftersales_testkit::util::pid_alive(pid));
    assert!(!base.exists());
}
