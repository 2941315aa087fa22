//! The write-off list: newest first with cursor paging, each with its claim and
//! allocations, filtered by supplier and period; finance and admin only.

use aftersales_web::Role;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Svc, fields, finance, id_of, token};

/// A submitted claim of SUP1 whose one line (115.00) the supplier accepted.
async fn accepted_claim(svc: &Svc) -> (String, String) {
    let line = svc.open_line("100", "40").await;
    let id = svc.draft(&[&line]).await;
    let claim = svc
        .ok("POST", &format!("/recovery-claims/{id}/submit"), None, 200)
        .await;
    svc.ok(
        "POST",
        &format!("/recovery-claims/{id}/responses"),
        Some(json!({"responses": [{"line_id": line, "outcome": "accepted"}]})),
        200,
    )
    .await;
    (id, claim["number"].as_str().unwrap().to_owned())
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn write_offs_are_listed_newest_first_by_supplier_and_period() {
    let svc = Svc::with_agreement(365).await;
    let (claim, number) = accepted_claim(&svc).await;
    let mut written = Vec::new();
    for (amount, reason) in [("10.00", "goodwill"), ("20.00", "disputed labor")] {
        let w = svc
            .ok(
                "POST",
                "/write-offs",
                Some(json!({"recovery_claim_id": claim, "amount": amount, "reason": reason})),
                201,
            )
            .await;
        assert_eq!(w["recovery_claim_number"], number.as_str(), "{w}");
        written.push(id_of(&w));
    }
    written.reverse();

    let page = svc.ok("GET", "/write-offs", None, 200).await;
    assert_eq!(ids(&page), written, "newest first: {page}");
    let first = &page["items"][0];
    assert_eq!(first["amount"], "20.00");
    assert_eq!(first["reason"], "disputed labor");
    assert_eq!(first["supplier_code"], "SUP1");
    assert_eq!(first["currency"], "EUR");
    assert_eq!(first["recovery_claim_id"], claim.as_str());
    assert_eq!(first["allocations"][0]["amount"], "20.00");
    assert!(page["next_cursor"].is_null());

    // One a page, each once.
    let one = svc.ok("GET", "/write-offs?limit=1", None, 200).await;
    assert_eq!(ids(&one), written[..1].to_vec());
    let cursor = one["next_cursor"].as_str().expect("a next page");
    let two = svc
        .ok(
            "GET",
            &format!("/write-offs?limit=1&cursor={cursor}"),
            None,
            200,
        )
        .await;
    assert_eq!(ids(&two), written[1..].to_vec());
    assert!(two["next_cursor"].is_null());

    // By supplier and by the day written off (a date as `to` includes that day).
    let today = Utc::now().date_naive();
    let yesterday = today - Duration::days(1);
    for (query, expected) in [
        (format!("recovery_claim={claim}"), 2),
        (format!("recovery_claim={}", uuid::Uuid::nil()), 0),
        ("supplier=SUP1".to_owned(), 2),
        ("supplier=SUP2".to_owned(), 0),
        (format!("from={today}&to={today}"), 2),
        (format!("to={yesterday}"), 0),
        (format!("from={}", today + Duration::days(1)), 0),
    ] {
        let page = svc
            .ok("GET", &format!("/write-offs?{query}"), None, 200)
            .await;
        assert_eq!(ids(&page).len(), expected, "{query}: {page}");
    }
    let (status, _) = svc
        .call("GET", "/write-offs", Some(&token(Role::Admin)), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_write_off_list_refuses_other_roles_and_bad_parameters() {
    let svc = Svc::start().await;
    for role in [Role::Dealer, Role::Quality, Role::Warehouse] {
        let (status, _) = svc
            .call("GET", "/write-offs", Some(&token(role)), None)
            .await;
        assert_eq!(status, 403, "{role:?}");
    }
    for (query, status, field) in [
        ("from=yesterday", 422, "from"),
        ("from=2026-02-01&to=2026-01-01", 422, "to"),
        ("supplier=not%20a%20code", 422, "supplier"),
        ("limit=many", 400, "limit"),
        ("recovery_claim=RC-1", 400, "recovery_claim"),
        ("cursor=garbage", 400, "cursor"),
    ] {
        let (got, problem) = svc
            .call(
                "GET",
                &format!("/write-offs?{query}"),
                Some(&finance()),
                None,
            )
            .await;
        assert_eq!(got, status, "{query}: {problem}");
        assert_eq!(
            fields(&problem),
            vec![field.to_owned()],
            "{query}: {problem}"
        );
        let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && !message.contains("failed"),
            "{query}: {problem}"
        );
    }
}
