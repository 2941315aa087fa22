//! Tier discounts as data: admins schedule them (`POST /tiers/{tier}/discounts`), every
//! order is priced with its dealer's tier's discount in force when it is placed and
//! keeps it, the price book and the dealer show the one in force now, and the history
//! is listed newest first.

use std::time::Duration;

use aftersales_testkit::tokens::other_roles;
use aftersales_web::Role;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{Svc, admin, dealer, token};

fn dec(value: &Value) -> Decimal {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a decimal string, got {value}"))
        .parse()
        .expect("a decimal")
}

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("a timestamp, got {value}"))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

async fn setup() -> Svc {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    svc.create_dealer("D002", "silver", "EUR").await;
    svc.add_part("BRK-1", "100.00", true).await;
    svc
}

impl Svc {
    async fn tiers(&self) -> Value {
        let (status, body) = self.call("GET", "/tiers", Some(&admin()), None).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn tier(&self, tier: &str) -> Value {
        let tiers = self.tiers().await;
        tiers
            .as_array()
            .expect("a list")
            .iter()
            .find(|t| t["tier"] == tier)
            .cloned()
            .unwrap_or_else(|| panic!("no {tier} in {tiers}"))
    }

    async fn history(&self, tier: &str) -> Value {
        let (status, body) = self
            .call(
                "GET",
                &format!("/tiers/{tier}/discounts"),
                Some(&admin()),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn schedule(&self, tier: &str, body: Value) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/tiers/{tier}/discounts"),
            Some(&admin()),
            Some(body),
        )
        .await
    }

    async fn price_of(&self, dealer_code: &str) -> Value {
        let (status, body) = self
            .call(
                "GET",
                "/price-book?part=BRK-1",
                Some(&dealer(dealer_code)),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_discount_prices_the_orders_placed_from_its_moment_on() {
    let svc = setup().await;

    // The discounts the code used to fix, in force since the epoch, none scheduled.
    let tiers = svc.tiers().await;
    let listed: Vec<(String, Decimal)> = tiers
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tier"].as_str().unwrap().to_owned(),
                dec(&t["discount_pct"]),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("standard".into(), Decimal::from(0)),
            ("silver".into(), Decimal::from(5)),
            ("gold".into(), Decimal::from(10)),
            ("platinum".into(), Decimal::from(15)),
        ]
    );
    for tier in tiers.as_array().unwrap() {
        assert_eq!(tier["effective_from"], "1970-01-01T00:00:00Z", "{tier}");
        assert!(tier["next_discount"].is_null(), "{tier}");
    }

    let before = svc.place(&dealer("D001"), &[("BRK-1", 2)]).await;
    assert_eq!(dec(&before["lines"][0]["discount_pct"]), Decimal::from(10));
    assert_eq!(before["lines"][0]["unit_net_price"], "90.0000");
    assert_eq!(before["total"], "180.00");

    // Gold goes to 12.5 % in a few seconds.
    let from = Utc::now() + chrono::Duration::seconds(3);
    let (status, scheduled) = svc
        .schedule(
            "gold",
            json!({"discount_pct": "12.50", "effective_from": rfc3339(from)}),
        )
        .await;
    assert_eq!(status, 201, "{scheduled}");
    assert_eq!(scheduled["tier"], "gold");
    assert_eq!(scheduled["discount_pct"], "12.5");
    assert_eq!(at(&scheduled["effective_from"]), from.trunc_subsecs(6));
    assert_eq!(scheduled["created_by"], "tester");

    let gold = svc.tier("gold").await;
    assert_eq!(gold["discount_pct"], "10", "still in force: {gold}");
    assert_eq!(gold["next_discount"]["discount_pct"], "12.5");
    assert_eq!(
        at(&gold["next_discount"]["effective_from"]),
        at(&scheduled["effective_from"])
    );
    assert!(
        svc.tier("silver").await["next_discount"].is_null(),
        "other tiers unchanged"
    );

    // Until then, orders and the price book keep the old discount.
    assert_eq!(svc.price_of("D001").await["discount_pct"], "10");
    let still = svc.place(&dealer("D001"), &[("BRK-1", 2)]).await;
    assert!(at(&still["placed_at"]) < from);
    assert_eq!(dec(&still["lines"][0]["discount_pct"]), Decimal::from(10));
    assert_eq!(still["total"], "180.00");

    let wait = (from - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(50);
    tokio::time::sleep(wait).await;

    let after = svc.place(&dealer("D001"), &[("BRK-1", 2)]).await;
    assert!(at(&after["placed_at"]) >= from);
    assert_eq!(
        dec(&after["lines"][0]["discount_pct"]),
        "12.5".parse().unwrap()
    );
    assert_eq!(after["lines"][0]["unit_net_price"], "87.5000");
    assert_eq!(after["total"], "175.00");
    // The stored order says the same.
    let stored = svc.order(after["id"].as_str().unwrap()).await;
    assert_eq!(
        dec(&stored["lines"][0]["discount_pct"]),
        "12.5".parse().unwrap()
    );
    assert_eq!(stored["total"], "175.00");

    // Orders placed before keep what they were priced with.
    for earlier in [&before, &still] {
        let stored = svc.order(earlier["id"].as_str().unwrap()).await;
        assert_eq!(dec(&stored["lines"][0]["discount_pct"]), Decimal::from(10));
        assert_eq!(stored["lines"][0]["unit_net_price"], "90.0000");
        assert_eq!(stored["total"], "180.00");
    }

    // What shows the discount in force now shows the new one; another tier's dealer not.
    assert_eq!(svc.price_of("D001").await["discount_pct"], "12.5");
    assert_eq!(svc.price_of("D001").await["net_unit_price"], "87.5000");
    assert_eq!(svc.price_of("D002").await["discount_pct"], "5");
    let (_, d001) = svc
        .call("GET", "/dealers/D001", Some(&dealer("D001")), None)
        .await;
    assert_eq!(d001["discount_pct"], "12.5");
    let gold = svc.tier("gold").await;
    assert_eq!(gold["discount_pct"], "12.5");
    assert_eq!(
        at(&gold["effective_from"]),
        at(&scheduled["effective_from"])
    );
    assert!(gold["next_discount"].is_null());

    // The history, newest first.
    let history = svc.history("gold").await;
    let entries: Vec<(Decimal, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                dec(&e["discount_pct"]),
                e["created_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("12.5".parse().unwrap(), "tester".to_owned()),
            (Decimal::from(10), "system".to_owned())
        ]
    );
    assert_eq!(history[1]["effective_from"], "1970-01-01T00:00:00Z");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_moment_a_discount_starts_now_and_later_ones_wait_their_turn() {
    let svc = setup().await;
    let sent = Utc::now();
    let (status, now) = svc.schedule("silver", json!({"discount_pct": "7"})).await;
    assert_eq!(status, 201, "{now}");
    let started = at(&now["effective_from"]);
    assert!(
        started >= sent.trunc_subsecs(6) && started <= Utc::now(),
        "{now}"
    );
    assert_eq!(svc.price_of("D002").await["discount_pct"], "7");
    let order = svc.place(&dealer("D002"), &[("BRK-1", 1)]).await;
    assert_eq!(order["lines"][0]["unit_net_price"], "93.0000");

    // Two scheduled: the nearer one is next; a third between them takes its place.
    let far = Utc::now() + chrono::Duration::days(60);
    let near = Utc::now() + chrono::Duration::days(30);
    for (pct, from) in [("9", far), ("8", near)] {
        let (status, body) = svc
            .schedule(
                "silver",
                json!({"discount_pct": pct, "effective_from": rfc3339(from)}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let silver = svc.tier("silver").await;
    assert_eq!(silver["discount_pct"], "7");
    assert_eq!(silver["next_discount"]["discount_pct"], "8");
    let history = svc.history("silver").await;
    let pcts: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["discount_pct"].as_str().unwrap())
        .collect();
    assert_eq!(pcts, ["9", "8", "7", "5"], "newest effective_from first");

    // Warehouse staff read them too.
    let (status, _) = svc
        .call("GET", "/tiers", Some(&token(Role::Warehouse, None)), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = svc
        .call(
            "GET",
            "/tiers/silver/discounts",
            Some(&token(Role::Warehouse, None)),
            None,
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_order_of_a_busy_moment_gets_the_discount_in_force_when_it_was_placed() {
    // Dealers keep ordering (through the group commit, several at once) while an admin
    // changes the discount with effect at once: whichever batch each order lands in,
    // its discount is the one the history gives for the moment it was placed.
    let svc = setup().await;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let orderer = || async {
        let mut placed = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            placed.push(svc.place(&dealer("D001"), &[("BRK-1", 1)]).await);
        }
        placed
    };
    let admin = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (status, body) = svc.schedule("gold", json!({"discount_pct": "20"})).await;
        assert_eq!(status, 201, "{body}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        at(&body["effective_from"])
    };
    let (changed, a, b, c, d) = tokio::join!(admin, orderer(), orderer(), orderer(), orderer());
    let mut counts = (0, 0);
    for order in a.iter().chain(&b).chain(&c).chain(&d) {
        let expected = if at(&order["placed_at"]) >= changed {
            counts.1 += 1;
            Decimal::from(20)
        } else {
            counts.0 += 1;
            Decimal::from(10)
        };
        let stored = svc.order(order["id"].as_str().unwrap()).await;
        assert_eq!(
            dec(&stored["lines"][0]["discount_pct"]),
            expected,
            "placed at {} with the change from {changed}",
            order["placed_at"]
        );
    }
    eprintln!("{} orders before the change, {} after", counts.0, counts.1);
    assert!(counts.0 > 0 && counts.1 > 0, "{counts:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduling_refuses_other_roles_bad_values_the_past_and_unknown_tiers() {
    let svc = setup().await;
    let good = json!({"discount_pct": "12.50"});

    for role in other_roles(&[Role::Admin]) {
        let (status, body) = svc
            .call(
                "POST",
                "/tiers/gold/discounts",
                Some(&token(role, (role == Role::Dealer).then_some("D001"))),
                Some(good.clone()),
            )
            .await;
        assert_eq!(status, 403, "{role:?}: {body}");
    }
    // Refused before the body is read: a bad body from such a role is still 403.
    let (status, _) = svc
        .call(
            "POST",
            "/tiers/gold/discounts",
            Some(&token(Role::Warehouse, None)),
            Some(json!({"discount_pct": 5, "nope": true})),
        )
        .await;
    assert_eq!(status, 403);
    for path in ["/tiers", "/tiers/gold/discounts"] {
        for role in other_roles(&[Role::Admin, Role::Warehouse]) {
            let (status, body) = svc
                .call(
                    "GET",
                    path,
                    Some(&token(role, (role == Role::Dealer).then_some("D001"))),
                    None,
                )
                .await;
            assert_eq!(status, 403, "GET {path} as {role:?}: {body}");
        }
        assert_eq!(svc.call("GET", path, None, None).await.0, 401);
    }
    assert_eq!(
        svc.call("POST", "/tiers/gold/discounts", None, Some(good.clone()))
            .await
            .0,
        401
    );

    // Unknown tiers.
    let (status, body) = svc.schedule("diamond", good.clone()).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        svc.call("GET", "/tiers/diamond/discounts", Some(&admin()), None)
            .await
            .0,
        404
    );
    assert_eq!(
        svc.call("GET", "/tiers/Gold/discounts", Some(&admin()), None)
            .await
            .0,
        404
    );

    // Bad values, each named.
    let past = rfc3339(Utc::now() - chrono::Duration::seconds(1));
    for (body, field, says) in [
        (json!({"discount_pct": "-0.01"}), "discount_pct", "0 to 100"),
        (
            json!({"discount_pct": "100.01"}),
            "discount_pct",
            "0 to 100",
        ),
        (
            json!({"discount_pct": "12.345"}),
            "discount_pct",
            "2 decimals",
        ),
        (
            json!({"discount_pct": 12}),
            "discount_pct",
            "decimal string",
        ),
        (
            json!({"discount_pct": "abc"}),
            "discount_pct",
            "decimal string",
        ),
        (json!({}), "discount_pct", "missing"),
        (
            json!({"discount_pct": "5", "effective_from": past}),
            "effective_from",
            "must not be in the past",
        ),
        (
            json!({"discount_pct": "5", "effective_from": "1970-01-01T00:00:00Z"}),
            "effective_from",
            "must not be in the past",
        ),
        (
            json!({"discount_pct": "5", "effective_from": "+10000-01-01T00:00:00Z"}),
            "effective_from",
            "",
        ),
        (
            json!({"discount_pct": "5", "effective_from": "tomorrow"}),
            "effective_from",
            "",
        ),
        (json!({"discount_pct": "5", "tier": "gold"}), "tier", ""),
    ] {
        let (status, problem) = svc.schedule("gold", body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        let errors = problem["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(says)),
            "{body}: {problem}"
        );
    }
    // 0 and 100 are discounts.
    for (pct, days) in [("0", 10), ("100", 11)] {
        let from = rfc3339(Utc::now() + chrono::Duration::days(days));
        let (status, body) = svc
            .schedule(
                "platinum",
                json!({"discount_pct": pct, "effective_from": from}),
            )
            .await;
        assert_eq!(status, 201, "{pct}: {body}");
    }

    // One discount per tier and moment: the history is never rewritten.
    let from = rfc3339(Utc::now() + chrono::Duration::days(1));
    let body = json!({"discount_pct": "11", "effective_from": from});
    assert_eq!(svc.schedule("gold", body.clone()).await.0, 201);
    let (status, problem) = svc
        .schedule(
            "gold",
            json!({"discount_pct": "13", "effective_from": from}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");

    let gold = svc.history("gold").await;
    assert_eq!(
        gold.as_array().unwrap().len(),
        2,
        "only the one accepted: {gold}"
    );
    assert_eq!(gold[0]["discount_pct"], "11");
    assert_eq!(svc.tier("gold").await["discount_pct"], "10");
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduling_is_idempotent_per_key() {
    let svc = setup().await;
    let from = Utc::now() + chrono::Duration::seconds(1);
    let body = json!({"discount_pct": "11", "effective_from": rfc3339(from)});
    let key = [("Idempotency-Key", "tier-1")];
    let send = |body: Value| {
        let svc = &svc;
        async move {
            let resp = svc
                .send(
                    "POST",
                    "/tiers/gold/discounts",
                    Some(&admin()),
                    Some(body),
                    &key,
                )
                .await;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body: Value = resp.json().await.expect("json");
            (status, headers, body)
        }
    };
    let (status, headers, first) = send(body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(headers["location"], "/api/v1/tiers/gold/discounts");
    assert!(headers.get("idempotent-replayed").is_none());

    // Replayed, also once its moment has passed (it is not asked again).
    tokio::time::sleep(
        (from - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(50),
    )
    .await;
    let (status, headers, again) = send(body.clone()).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again, first);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(headers["location"], "/api/v1/tiers/gold/discounts");

    // The same key with another body.
    let (status, _, other) = send(json!({"discount_pct": "12"})).await;
    assert_eq!(status, 422, "{other}");

    let history = svc.history("gold").await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    assert_eq!(svc.tier("gold").await["discount_pct"], "11");
}
