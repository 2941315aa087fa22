//! Finding 5, what the fuzzer's negative-data check found once it was turned on
//! (`deploy/fuzz/schemathesis.toml`): requests the OpenAPI document forbids were
//! answered 2xx (or judged on something else first). A body that is an array of an
//! object's field values was taken as that object, and `limit` was documented as an
//! int32 while the service takes any u32. The document and the service now agree,
//! and a body's 422 names the field.

use aftersales_e2e::ServiceProcess;
use aftersales_testkit::tokens::admin;
use aftersales_testkit::{TestDb, TestVhost};
use serde_json::{Value, json};

async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, &url).bearer_auth(admin());
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_document_forbids_the_service_refuses() {
    let vhost = TestVhost::new().await;
    let db = TestDb::new().await;
    let catalog =
        ServiceProcess::start("catalog", &db.admin_url(), &db.schema, &vhost.amqp_url()).await;
    let http = aftersales_web::http_client::client();
    let (status, answer) = send(
        &http,
        reqwest::Method::POST,
        catalog.url("/api/v1/suppliers"),
        Some(json!({"code": "SUP1", "name": "Supplier one"})),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let patch = |body: Value| {
        send(
            &http,
            reqwest::Method::PATCH,
            catalog.url("/api/v1/suppliers/SUP1"),
            Some(body),
        )
    };

    // The fuzzer's case: `[null, null]` was `{"name": null, "active": null}` (and
    // `["x", false]` renamed and deactivated the supplier).
    for body in [json!([null, null]), json!(["Renamed", false])] {
        let (status, answer) = patch(body.clone()).await;
        assert_eq!(status, 422, "PATCH with {body}: {answer}");
    }
    let (_, supplier) = send(
        &http,
        reqwest::Method::GET,
        catalog.url("/api/v1/suppliers/SUP1"),
        None,
    )
    .await;
    assert_eq!(
        (&supplier["name"], &supplier["active"]),
        (&json!("Supplier one"), &json!(true))
    );

    // A field of the wrong type is named, as a query parameter is.
    let (status, answer) = patch(json!({"name": "Renamed", "active": "no"})).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["errors"][0]["field"], "active", "{answer}");

    // `limit`: the document's bounds are the service's.
    let (_, document) = send(
        &http,
        reqwest::Method::GET,
        catalog.url("/openapi.json"),
        None,
    )
    .await;
    for path in ["/api/v1/parts", "/api/v1/suppliers"] {
        let limit = document["paths"][path]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
            .map(|p| p["schema"].clone())
            .unwrap_or_default();
        assert_eq!(
            (&limit["minimum"], &limit["maximum"]),
            (&json!(0), &json!(4_294_967_295_u64)),
            "{path}: {limit}"
        );
    }
    for path in ["/api/v1/parts", "/api/v1/suppliers"] {
        let (status, answer) = send(
            &http,
            reqwest::Method::GET,
            catalog.url(&format!("{path}?limit=4294967295")),
            None,
        )
        .await;
        assert_eq!(status, 200, "{path}: {answer}");
        let (status, answer) = send(
            &http,
            reqwest::Method::GET,
            catalog.url(&format!("{path}?limit=4294967296")),
            None,
        )
        .await;
        assert_eq!(
            (status, &answer["errors"][0]["field"]),
            (400, &json!("limit")),
            "{path}: {answer}"
        );
    }
}
