//! The claim list as quality's work queues read it: oldest first with cursor paging
//! that sees every claim once in either order, and the approvals queue filtered on
//! the server by the approval-limit rule a decision applies.

use inspection::domain::approval::{DEFAULT_APPROVAL_LIMIT, needs_lead};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{Svc, brake_claim, dealer, id_of, quality, token};
use aftersales_web::Role;

/// Every claim of `query`, following `next_cursor` with pages of `limit`.
async fn every_page(svc: &Svc, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/claims?{query}&limit={limit}&cursor={c}"),
            None => format!("/claims?{query}&limit={limit}"),
        };
        let (status, page) = svc.call("GET", &path, Some(&quality()), None).await;
        assert_eq!(status, 200, "{path}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// A brake claim on VIN-1 of `qty` pads and `hours` of labor at 80.00/h.
fn claim_of(qty: u32, hours: &str) -> Value {
    let mut body = brake_claim();
    body["parts"] = json!([{"part_number": "BRK-1", "qty": qty}]);
    body["labor"] = json!([{"operation_code": "BRK-R01", "hours": hours}]);
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_see_every_claim_once_newest_or_oldest_first() {
    let svc = Svc::standard().await;
    let mut filed = Vec::new();
    for qty in 1..=7 {
        filed.push(id_of(&svc.claim("D001", claim_of(qty, "1.00")).await));
    }
    let ids = |items: &[Value]| items.iter().map(id_of).collect::<Vec<_>>();
    let submitted = |items: &[Value]| {
        items
            .iter()
            .map(|c| c["submitted_at"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let newest = every_page(&svc, "order=newest", 50).await;
    let default = every_page(&svc, "status=rejected", 50).await;
    assert_eq!(ids(&newest).len(), 7);
    let mut reversed = filed.clone();
    reversed.reverse();
    assert_eq!(
        ids(&newest),
        reversed,
        "newest first is the filing order reversed"
    );
    // The duplicates (all but the first) are rejected, newest first by default.
    assert_eq!(ids(&default), reversed[..6].to_vec());
    for limit in 1..=4 {
        for (order, expected) in [("newest", &reversed), ("oldest", &filed)] {
            let items = every_page(&svc, &format!("order={order}"), limit).await;
            assert_eq!(&ids(&items), expected, "order={order}&limit={limit}");
            let times = submitted(&items);
            let mut sorted = times.clone();
            sorted.sort();
            if order == "newest" {
                sorted.reverse();
            }
            assert_eq!(times, sorted, "order={order}&limit={limit}");
        }
    }

    // Oldest first works with the other filters; a dealer still sees only its own.
    let (_, page) = svc
        .call(
            "GET",
            "/claims?order=oldest&status=awaiting_part",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(
        ids(page["items"].as_array().unwrap()),
        vec![filed[0].clone()]
    );
    let (_, page) = svc
        .call("GET", "/claims?order=oldest", Some(&dealer("D002")), None)
        .await;
    assert_eq!(page["items"], json!([]));

    // A cursor names its order: taken under one, it is refused under the other.
    let (_, first) = svc
        .call(
            "GET",
            "/claims?order=newest&limit=2",
            Some(&quality()),
            None,
        )
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (status, problem) = svc
        .call(
            "GET",
            &format!("/claims?order=oldest&limit=2&cursor={cursor}"),
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "cursor", "{problem}");

    // An order that is neither is a 400 that says which are.
    let (status, problem) = svc
        .call("GET", "/claims?order=sideways", Some(&quality()), None)
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "order", "{problem}");
    assert_eq!(
        problem["errors"][0]["message"],
        "must be one of: newest, oldest"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_approvals_filter_holds_exactly_the_claims_a_lead_must_decide() {
    let svc = Svc::standard().await;
    // Totals 980.00, 1000.00 (at the limit: an inspector decides), 1040.00, 1100.00.
    for (qty, hours) in [(15, "1.00"), (15, "1.25"), (16, "1.00"), (17, "1.00")] {
        svc.claim("D001", claim_of(qty, hours)).await;
    }
    let every = every_page(&svc, "order=oldest", 50).await;
    let total = |c: &Value| {
        c["amounts"]["total"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap()
    };
    let totals = |items: &[Value]| items.iter().map(total).collect::<Vec<_>>();
    assert_eq!(
        totals(&every),
        ["980.00", "1000.00", "1040.00", "1100.00"].map(|t| t.parse::<Decimal>().unwrap())
    );

    // The filter and the decision's rule agree on every claim, at the limit too.
    let above = every_page(&svc, "above_approval_limit=true&order=oldest", 1).await;
    let within = every_page(&svc, "above_approval_limit=false&order=oldest", 1).await;
    let rule = |lead: bool| {
        every
            .iter()
            .filter(|c| needs_lead(total(c), DEFAULT_APPROVAL_LIMIT) == lead)
            .map(total)
            .collect::<Vec<_>>()
    };
    assert_eq!(totals(&above), rule(true));
    assert_eq!(totals(&within), rule(false));
    assert_eq!(above.len(), 2);
    // Each claim says so itself, by the same rule.
    for c in &every {
        let lead = needs_lead(total(c), DEFAULT_APPROVAL_LIMIT);
        assert_eq!(c["above_approval_limit"], json!(lead), "{c}");
    }

    let (status, problem) = svc
        .call(
            "GET",
            "/claims?above_approval_limit=yes",
            Some(&quality()),
            None,
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        problem["errors"][0]["field"], "above_approval_limit",
        "{problem}"
    );
    let (status, _) = svc
        .call(
            "GET",
            "/claims?above_approval_limit=true",
            Some(&token(Role::Finance)),
            None,
        )
        .await;
    assert_eq!(status, 403);
}
