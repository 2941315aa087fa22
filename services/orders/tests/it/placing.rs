//! Group commit of `POST /orders` (`api::placing`): orders sent at once share
//! transactions, and each is answered as if it had been sent alone.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{Svc, dealer};

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "standard", "EUR").await;
    svc.add_part("A", "10", true).await;
    svc.add_part("B", "2.50", true).await;
    svc
}

fn body(part: &str, qty: i64) -> Value {
    json!({"priority": "stock", "lines": [{"part_number": part, "qty": qty}]})
}

/// What one request of the burst sends, and what it must get.
struct Shot {
    dealer: &'static str,
    key: Option<String>,
    body: Value,
    expect: u16,
}

async fn fire(svc: &Svc, shots: &[Shot]) -> Vec<(u16, Value)> {
    join_all(shots.iter().map(|s| async move {
        let headers: Vec<(&str, &str)> = s
            .key
            .as_deref()
            .map(|k| vec![("Idempotency-Key", k)])
            .unwrap_or_default();
        svc.call_with(
            "POST",
            "/orders",
            Some(&dealer(s.dealer)),
            Some(s.body.clone()),
            &headers,
        )
        .await
    }))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_orders_is_answered_as_if_each_came_alone() {
    let svc = setup().await;
    let mut shots = Vec::new();
    for i in 0..24 {
        let dealer = if i % 2 == 0 { "D001" } else { "D002" };
        shots.push(Shot {
            dealer,
            key: None,
            body: body("A", i + 1),
            expect: 201,
        });
    }
    for i in 0..6 {
        // Refused by the rules: must not hold back the orders beside them.
        shots.push(Shot {
            dealer: "D001",
            key: (i % 2 == 0).then(|| format!("bad-{i}")),
            body: body("NOPE", 1),
            expect: 422,
        });
    }
    for i in 0..6 {
        // Twins: the same key and request sent together; both 201, one order.
        for _ in 0..2 {
            shots.push(Shot {
                dealer: "D002",
                key: Some(format!("twin-{i}")),
                body: body("B", 2),
                expect: 201,
            });
        }
    }
    let answers = fire(&svc, &shots).await;

    for (shot, (status, answer)) in shots.iter().zip(&answers) {
        assert_eq!(status, &shot.expect, "{answer}");
    }
    let placed: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, a)| a)
        .collect();
    let ids: HashSet<&str> = placed.iter().map(|a| a["id"].as_str().unwrap()).collect();
    let numbers: HashSet<&str> = placed
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 24 + 6, "each pair of twins is one order");
    assert_eq!(numbers.len(), ids.len(), "every order has its own number");
    for (shot, (_, answer)) in shots.iter().zip(&answers).take(24) {
        assert_eq!(answer["dealer_code"], shot.dealer);
        assert_eq!(answer["lines"][0]["qty"], shot.body["lines"][0]["qty"]);
    }
    for pair in answers[30..].chunks(2) {
        assert_eq!(pair[0].1["id"], pair[1].1["id"], "twins answer one order");
    }
    for (_, refused) in &answers[24..30] {
        assert_eq!(refused["errors"][0]["field"], "lines[0].part_number");
    }

    let orders = i64::try_from(ids.len()).unwrap();
    assert_eq!(svc.count("SELECT count(*) AS n FROM orders").await, orders);
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.order_placed'")
            .await,
        orders
    );
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM order_timeline").await,
        orders
    );
    assert_eq!(
        svc.count(
            "SELECT count(*) AS n FROM idempotency_keys \
             WHERE key LIKE 'twin-%' AND response_status = 201"
        )
        .await,
        6,
        "every twin's key holds its answer"
    );
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM idempotency_keys WHERE key LIKE 'bad-%'")
            .await,
        0,
        "a refused order keeps no key"
    );

    // A refused order's key is free: the corrected request is placed under it.
    let (status, fixed) = svc
        .call_with(
            "POST",
            "/orders",
            Some(&dealer("D001")),
            Some(body("A", 1)),
            &[("Idempotency-Key", "bad-0")],
        )
        .await;
    assert_eq!(status, 201, "{fixed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_the_database_refuses_is_written_one_order_at_a_time() {
    let svc = setup().await;
    // The database refuses D002's orders, as a lost race would (serialization failure,
    // 503: try again). A batch holding one of them fails as a whole; D001's orders of
    // that batch must be written all the same.
    svc.exec(
        "CREATE FUNCTION refuse_d002() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.dealer_code = 'D002' THEN \
             RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'serialization_failure'; \
           END IF; RETURN NEW; END $$",
    )
    .await;
    svc.exec(
        "CREATE TRIGGER refuse_d002 BEFORE INSERT ON orders \
         FOR EACH ROW EXECUTE FUNCTION refuse_d002()",
    )
    .await;

    let shots: Vec<Shot> = (0..30)
        .map(|i| Shot {
            dealer: if i % 3 == 0 { "D002" } else { "D001" },
            key: Some(format!("k-{i}")),
            body: body("A", 1),
            expect: if i % 3 == 0 { 503 } else { 201 },
        })
        .collect();
    let answers = fire(&svc, &shots).await;
    for (shot, (status, answer)) in shots.iter().zip(&answers) {
        assert_eq!(status, &shot.expect, "{} {answer}", shot.dealer);
    }
    assert_eq!(svc.count("SELECT count(*) AS n FROM orders").await, 20);
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM outbox WHERE event_type = 'orders.order_placed'")
            .await,
        20
    );
    assert_eq!(
        svc.count("SELECT count(*) AS n FROM idempotency_keys")
            .await,
        20,
        "the refused orders' keys were rolled back with them"
    );
}
