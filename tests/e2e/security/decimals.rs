//! Finding 5, money and hours as JSON numbers: a price, amount, rate or hours sent as
//! a JSON number (`85`, `1.5`) is a 422 that asks for a decimal string, never taken
//! (a binary float such as `0.1` is not the decimal it looks like).

use aftersales_e2e::start_processes;
use aftersales_testkit::TestVhost;
use aftersales_testkit::tokens::token;
use aftersales_web::Role;
use serde_json::{Value, json};

async fn post(http: &reqwest::Client, url: String, role: Role, body: Value) -> (u16, Value) {
    let res = http
        .post(&url)
        .bearer_auth(token(role))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn money_and_hours_as_json_numbers_are_refused_asking_for_a_decimal_string() {
    let vhost = TestVhost::new().await;
    let (_dbs, services) = start_processes(&vhost, &["orders", "inspection", "recovery"]).await;
    let [orders, inspection, recovery] = services.as_slice() else {
        unreachable!("three names, three processes")
    };
    let http = aftersales_web::http_client::client();

    // Each body once with a JSON number in one field, then as the contract writes it.
    let cases = [
        (
            orders.url("/api/v1/dealers"),
            Role::Admin,
            json!({"code": "D001", "name": "Northside Motors", "tier": "standard",
                   "labor_rate": 85, "currency": "EUR", "home_warehouse": "WH1"}),
            "labor_rate",
            json!("85.00"),
        ),
        (
            inspection.url("/api/v1/labor-operations"),
            Role::Admin,
            json!({"code": "OP-PUMP", "description": "Replace water pump", "standard_hours": 1.5}),
            "standard_hours",
            json!("1.5"),
        ),
        (
            recovery.url("/api/v1/agreements"),
            Role::Finance,
            json!({"supplier_code": "SUP1", "valid_from": "2020-01-01", "parts_recovery_pct": "80",
                   "labor_recovery_pct": "50", "handling_fee": 0.1, "currency": "EUR",
                   "claim_window_days": 365}),
            "handling_fee",
            json!("0.10"),
        ),
    ];
    for (url, role, mut body, field, as_string) in cases {
        let (status, answer) = post(&http, url.clone(), role, body.clone()).await;
        assert_eq!(
            status, 422,
            "POST {url} with {field} {}: {answer}",
            body[field]
        );
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(r#"a decimal string like "12.50""#),
            "POST {url} with {field} {}: {answer}",
            body[field]
        );
        body[field] = as_string;
        let (status, answer) = post(&http, url.clone(), role, body).await;
        assert_eq!(status, 201, "POST {url} with {field} a string: {answer}");
    }
}
