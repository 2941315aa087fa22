//! Findings 2 and 3: a service fails closed on its authentication settings, and both
//! token verifiers refuse tokens that are not valid yet, live too long, name nobody or
//! are meant for another audience.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aftersales_e2e::{ServiceProcess, binary, keys};
use aftersales_testkit::tokens::AUDIENCE;
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::{Claims, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// The fixed issuer and audience of shared-secret tokens (docs/api.md).
const DEV_ISSUER: &str = "aftersales-dev";
const DEV_AUDIENCE: &str = "aftersales-dev";

/// A shared secret long enough for `AUTH_MODE=hs256`.
const SECRET: &str = "security-suite-secret-0123456789abcdef";

/// Runs `orders` with only `env` (and the image's defaults) and returns its exit
/// success and what it wrote; a process still running after `bound` is killed, and
/// that counts as starting.
fn run_refused(env: &[(&str, &str)], bound: Duration) -> (bool, String) {
    let mut child = Command::new(binary("orders"))
        .env_clear()
        // Nothing listens there: a service that got past its configuration would hang
        // on the database instead of exiting.
        .env("DATABASE_URL", "postgres://orders:orders@127.0.0.1:9/none")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the orders binary");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > bound {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            return (true, String::from_utf8_lossy(&out.stderr).into_owned());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn without_authentication_settings_the_image_defaults_do_not_start() {
    let port = aftersales_testkit::free_port().to_string();
    let addr = format!("0.0.0.0:{port}");
    let image = [("HTTP_ADDR", addr.as_str()), ("LOG_FORMAT", "json")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut env = image.to_vec();
        env.extend_from_slice(extra);
        env
    };
    // (the environment, the variable the message must name, what it must say)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: [Case<'_>; 5] = [
        (with(&[]), "AUTH_MODE", "OIDC_ISSUER"),
        // The review's case: any secret, on every interface, with JSON logs.
        (
            with(&[("JWT_SECRET", SECRET)]),
            "AUTH_MODE",
            "AUTH_MODE=hs256",
        ),
        (
            with(&[("JWT_SECRET", "dev")]),
            "AUTH_MODE",
            "AUTH_MODE=hs256",
        ),
        (
            with(&[("AUTH_MODE", "hs256"), ("JWT_SECRET", SECRET)]),
            "HTTP_ADDR",
            "loopback",
        ),
        (
            vec![
                ("HTTP_ADDR", "127.0.0.1:0"),
                ("AUTH_MODE", "hs256"),
                ("JWT_SECRET", "short"),
            ],
            "JWT_SECRET",
            "at least 32 bytes",
        ),
    ];
    for (env, var, says) in cases {
        let (started, output) = run_refused(&env, Duration::from_secs(30));
        assert!(!started, "orders started with {env:?}:\n{output}");
        assert!(
            output.contains(&format!("for {var}:")) && output.contains(says),
            "{env:?}: the message should name {var} and say {says:?}:\n{output}"
        );
        assert!(
            !output.contains("short") && !output.contains(SECRET),
            "{output}"
        );
    }
}

/// `GET /api/v1/orders` with `token`: the status and the problem's detail.
async fn answer(service: &ServiceProcess, token: &str) -> (u16, String) {
    let res = aftersales_web::http_client::client()
        .get(service.url("/api/v1/orders"))
        .bearer_auth(token)
        .send()
        .await
        .expect("orders answers");
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (
        status,
        body["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

/// An admin's claims for `iss`/`aud`, valid an hour.
fn claims(iss: &str, aud: &str) -> Value {
    let mut claims = json!(Claims::new(
        "auditor",
        Role::Admin,
        None,
        chrono::Duration::hours(1)
    ));
    claims["iss"] = json!(iss);
    claims["aud"] = json!(aud);
    claims
}

/// The forged tokens both verifiers must refuse: (what, edit, the detail's words).
type Forgery = (&'static str, fn(&mut Value), &'static str);

fn forgeries() -> [Forgery; 5] {
    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }
    [
        (
            "nbf an hour ahead",
            |c| c["nbf"] = json!(now() + 3600),
            "not valid yet",
        ),
        (
            "valid for 100 years",
            |c| c["exp"] = json!(now() + 100 * 365 * 86_400),
            "TOKEN_MAX_LIFETIME",
        ),
        ("empty sub", |c| c["sub"] = json!(""), "`sub` is empty"),
        (
            "another audience",
            |c| c["aud"] = json!("urn:someone:else"),
            "wrong audience",
        ),
        (
            "no iat",
            |c| drop(c.as_object_mut().map(|o| o.remove("iat"))),
            "missing claim `iat`",
        ),
    ]
}

async fn assert_refused(
    service: &ServiceProcess,
    mode: &str,
    sign: impl Fn(&Value) -> String,
    valid: Value,
) {
    assert_eq!(
        answer(service, &sign(&valid)).await.0,
        200,
        "{mode}: a valid token"
    );
    for (what, edit, says) in forgeries() {
        let mut forged = valid.clone();
        edit(&mut forged);
        let (status, detail) = answer(service, &sign(&forged)).await;
        assert_eq!(status, 401, "{mode}, {what}: {status} {detail}");
        assert!(detail.contains(says), "{mode}, {what}: {detail:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn both_verifiers_refuse_early_endless_anonymous_and_misaddressed_tokens() {
    let vhost = TestVhost::new().await;
    let (oidc_db, dev_db) = (TestDb::new().await, TestDb::new().await);

    let oidc = ServiceProcess::start(
        "orders",
        &oidc_db.admin_url(),
        &oidc_db.schema,
        &vhost.amqp_url(),
    )
    .await;
    let issuer = keys();
    assert_refused(
        &oidc,
        "oidc",
        |c| issuer.encode(c),
        claims(issuer.issuer(), AUDIENCE),
    )
    .await;

    let dev = ServiceProcess::start_with(
        "orders",
        &dev_db.admin_url(),
        &dev_db.schema,
        &vhost.amqp_url(),
        vec![
            ("AUTH_MODE".into(), "hs256".into()),
            ("JWT_SECRET".into(), SECRET.into()),
        ],
    )
    .await;
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let sign = |c: &Value| {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), c, &key).expect("HS256 signing")
    };
    assert_refused(&dev, "hs256", sign, claims(DEV_ISSUER, DEV_AUDIENCE)).await;
    // A shared-secret token must name the development issuer too.
    let foreign = claims("https://sso.example.com", DEV_AUDIENCE);
    let (status, detail) = answer(&dev, &sign(&foreign)).await;
    assert_eq!(
        (status, detail.as_str()),
        (401, "invalid token: wrong issuer")
    );
}
