//! Finding 5, dates PostgreSQL cannot store: a date or timestamp outside the years
//! 0000 to 9999, in a query, a body or a forged cursor, is a 4xx that names the field
//! and says the range, never a 500 from the database.

use aftersales_e2e::start_processes;
use aftersales_testkit::TestVhost;
use aftersales_testkit::tokens::token;
use aftersales_web::Role;
use aftersales_web::pagination::Cursor;
use serde_json::{Value, json};

async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    role: Role,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, &url).bearer_auth(token(role));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The problem names `field` (in `errors`, or in `detail` for a body) and the range.
fn says_the_range(what: &str, answer: &Value, field: Option<&str>) {
    let text = answer.to_string();
    assert!(
        text.contains("0000") && text.contains("9999"),
        "{what}: the problem does not say the range: {answer}"
    );
    if let Some(field) = field {
        let named = answer["errors"]
            .as_array()
            .is_some_and(|errors| errors.iter().any(|e| e["field"] == field));
        assert!(named, "{what}: the problem does not name {field}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_outside_the_years_0000_to_9999_are_refused_naming_the_field() {
    let vhost = TestVhost::new().await;
    let (_dbs, services) = start_processes(&vhost, &["orders", "inspection", "recovery"]).await;
    let [orders, inspection, recovery] = services.as_slice() else {
        unreachable!("three names, three processes")
    };
    let http = aftersales_web::http_client::client();
    let get = |url: String| send(&http, reqwest::Method::GET, url, Role::Admin, None);

    // The review's reports: `from=-4713-01-01` answered 500.
    for url in [
        orders.url("/api/v1/reports/fill-rate?from=-4713-01-01&to=2026-01-01"),
        inspection.url("/api/v1/reports/claims?from=-4713-01-01&to=2026-01-01"),
        recovery.url("/api/v1/reports/reconciliation?from=-4713-01-01"),
        recovery.url("/api/v1/reports/aging?from=-4713-01-01"),
        recovery.url("/api/v1/reports/aging?as_of=-4713-01-01"),
        orders.url("/api/v1/orders?from=-4713-01-01"),
        inspection.url("/api/v1/claims?to=%2B10000-01-01"),
    ] {
        let (status, answer) = get(url.clone()).await;
        assert_eq!(status, 422, "GET {url}: {answer}");
        let field = if url.contains("as_of") {
            "as_of"
        } else if url.contains("?to") {
            "to"
        } else {
            "from"
        };
        says_the_range(&url, &answer, Some(field));
    }

    // The review's unit: `in_service_date` `-5000-01-01` answered 500.
    let unit = json!({"serial": "VIN-0001", "model": "Hauler 7", "in_service_date": "-5000-01-01",
                      "usage_at_sale": 10, "usage_unit": "km"});
    let (status, answer) = send(
        &http,
        reqwest::Method::POST,
        inspection.url("/api/v1/units"),
        Role::Dealer,
        Some(unit),
    )
    .await;
    assert_eq!(status, 422, "a unit in service in 5001 BC: {answer}");
    says_the_range("in_service_date", &answer, None);

    let agreement = json!({"supplier_code": "SUP1", "valid_from": "-5000-01-01",
                           "parts_recovery_pct": "80", "labor_recovery_pct": "50",
                           "handling_fee": "25.00", "currency": "EUR", "claim_window_days": 365});
    let (status, answer) = send(
        &http,
        reqwest::Method::POST,
        recovery.url("/api/v1/agreements"),
        Role::Finance,
        Some(agreement),
    )
    .await;
    assert_eq!(status, 422, "an agreement valid from 5001 BC: {answer}");
    says_the_range("valid_from", &answer, None);

    // A cursor is base64 of JSON: one forged with a time PostgreSQL cannot compare
    // is not one of ours.
    let id = "00000000-0000-7000-8000-000000000000";
    for (url, position) in [
        (
            orders.url("/api/v1/orders"),
            json!(["-5000-01-01T00:00:00Z", id]),
        ),
        (
            inspection.url("/api/v1/claims"),
            json!(["newest", "-5000-01-01T00:00:00Z", id]),
        ),
        (
            recovery.url("/api/v1/agreements"),
            json!(["SUP1", "-5000-01-01", id]),
        ),
    ] {
        let cursor = Cursor::encode(&position);
        let (status, answer) = get(format!("{url}?cursor={cursor}")).await;
        assert_eq!(status, 400, "GET {url} with {position}: {answer}");
    }
}
