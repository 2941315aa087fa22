//! Suppliers, parts, prices, supersession, search and warehouses.

use aftersales_web::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::{Svc, other_roles, part};

#[tokio::test(flavor = "multi_thread")]
async fn part_update_needs_a_fresh_etag_and_every_change_publishes() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, body, headers) = svc
        .call_as(Role::Dealer, Method::GET, "/parts/A", None, &[])
        .await;
    assert_eq!(s, 200, "all roles read parts");
    assert_eq!(body["list_price"], "10.0000");
    let etag = headers["etag"].to_str().unwrap().to_owned();

    let mut update = part("A");
    update.as_object_mut().unwrap().remove("list_price");
    update["description"] = json!("Brake pad, ceramic");
    let (s, b, h) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/A",
            Some(update.clone()),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_ne!(h["etag"].to_str().unwrap(), etag);
    // The old ETag is stale now.
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/A",
            Some(update.clone()),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(s, 412, "{b}");
    assert_eq!(b["status"], 412);

    let (s, b) = svc
        .post(Role::Admin, "/parts/A/deactivate", json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["active"], false);

    let events = svc.outbox_envelopes("catalog.part_upserted").await;
    let a: Vec<_> = events
        .iter()
        .filter(|e| e.payload["part_number"] == "A")
        .collect();
    assert_eq!(a.len(), 3, "create, update, deactivate");
    assert_eq!(a[1].payload["description"], "Brake pad, ceramic");
    assert_eq!(a[2].payload["active"], false);
    assert_eq!(a[2].payload["list_price"], "10.0000");
}

#[tokio::test(flavor = "multi_thread")]
async fn price_in_force_is_the_latest_effective_one() {
    let svc = Svc::start().await;
    svc.seed().await;
    let past = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let future = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let (s, b) = svc
        .post(
            Role::Admin,
            "/parts/B/prices",
            json!({"price": "12.3456", "effective_from": future}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (_, b) = svc.get(Role::Finance, "/parts/B").await;
    assert_eq!(
        b["list_price"], "10.0000",
        "a future price is not in force yet"
    );
    // Backdated before the first price: history keeps it, but the newer one wins.
    let (s, _) = svc
        .post(
            Role::Admin,
            "/parts/B/prices",
            json!({"price": "9.00", "effective_from": past}),
        )
        .await;
    assert_eq!(s, 201);
    let (_, b) = svc.get(Role::Finance, "/parts/B").await;
    assert_eq!(b["list_price"], "10.0000");
    let (s, _) = svc
        .post(Role::Admin, "/parts/B/prices", json!({"price": "11.50"}))
        .await;
    assert_eq!(s, 201);
    let (_, b) = svc.get(Role::Quality, "/parts/B").await;
    assert_eq!(b["list_price"], "11.5000");
    let (s, hist) = svc.get(Role::Dealer, "/parts/B/prices").await;
    assert_eq!(s, 200);
    assert_eq!(hist.as_array().unwrap().len(), 4);
    let last = svc
        .outbox_envelopes("catalog.part_upserted")
        .await
        .into_iter()
        .last()
        .unwrap();
    assert_eq!(last.payload["list_price"], "11.5000");

    for (price, why) in [
        ("1.23456", "5 decimals"),
        ("0", "zero"),
        ("-1", "negative"),
        ("10000000000", "too large"),
    ] {
        let (s, b) = svc
            .post(Role::Admin, "/parts/B/prices", json!({"price": price}))
            .await;
        assert_eq!(s, 422, "{why}: {b}");
        assert_eq!(b["errors"][0]["field"], "price", "{b}");
    }
    let (s, _) = svc
        .post(Role::Admin, "/parts/B/prices", json!({"price": "abc"}))
        .await;
    assert!(s == 400 || s == 422, "malformed decimal: {s}");
    let (s, _) = svc
        .post(Role::Admin, "/parts/NOPE/prices", json!({"price": "1.00"}))
        .await;
    assert_eq!(s, 404);
    let (s, _) = svc
        .post(Role::Warehouse, "/parts/B/prices", json!({"price": "1.00"}))
        .await;
    assert_eq!(s, 403);
    let (_, hist) = svc.get(Role::Dealer, "/parts/B/prices").await;
    assert_eq!(
        hist.as_array().unwrap().len(),
        4,
        "nothing written by the failures"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn supersession_chains_and_cycles() {
    let svc = Svc::start().await;
    svc.seed().await;
    let with = |pn: &str, succ: Option<&str>| {
        let mut p = part(pn);
        p.as_object_mut().unwrap().remove("list_price");
        p["superseded_by"] = json!(succ);
        p
    };
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/A",
            Some(with("A", Some("B"))),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/B",
            Some(with("B", Some("C"))),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/C",
            Some(with("C", Some("A"))),
            &[],
        )
        .await;
    assert_eq!(s, 422, "cycle: {b}");
    assert_eq!(b["errors"][0]["field"], "superseded_by");
    let (s, _, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/C",
            Some(with("C", Some("C"))),
            &[],
        )
        .await;
    assert_eq!(s, 422);
    let (s, b, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/C",
            Some(with("C", Some("ZZZ"))),
            &[],
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("ZZZ"));
    let (_, c) = svc.get(Role::Admin, "/parts/C").await;
    assert_eq!(c["superseded_by"], json!(null), "nothing half-written");
    let mut c = svc.pool.get().await.unwrap();
    assert_eq!(
        catalog::app::parts::final_successor(&mut c, "A")
            .await
            .unwrap()
            .as_deref(),
        Some("C")
    );
    assert_eq!(
        catalog::app::parts::final_successor(&mut c, "NO-SUCH-PART")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_by_prefix_text_supplier_category_with_pagination() {
    let svc = Svc::start().await;
    svc.seed().await;
    let (s, _) = svc
        .post(
            Role::Admin,
            "/suppliers",
            json!({"code": "SUP2", "name": "Two"}),
        )
        .await;
    assert_eq!(s, 201);
    for (pn, desc, cat, sup) in [
        ("BP-100", "Front brake disc", "brakes", "SUP2"),
        ("BP-101", "Rear brake disc", "brakes", "SUP2"),
        ("BP-200", "Oil filter", "filters", "SUP1"),
        ("X-1", "Air filter", "filters", "SUP2"),
    ] {
        let mut p = part(pn);
        p["description"] = json!(desc);
        p["category"] = json!(cat);
        p["supplier_code"] = json!(sup);
        let (s, b) = svc.post(Role::Admin, "/parts", p).await;
        assert_eq!(s, 201, "{b}");
    }
    let numbers = |v: &serde_json::Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["part_number"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (_, b) = svc.get(Role::Dealer, "/parts?prefix=bp-1").await;
    assert_eq!(numbers(&b), ["BP-100", "BP-101"]);
    let (_, b) = svc.get(Role::Dealer, "/parts?q=FILTER").await;
    assert_eq!(numbers(&b), ["BP-200", "X-1"]);
    let (_, b) = svc
        .get(Role::Dealer, "/parts?supplier=SUP2&category=filters")
        .await;
    assert_eq!(numbers(&b), ["X-1"]);
    let (_, b) = svc.get(Role::Dealer, "/parts?q=100%25").await;
    assert_eq!(numbers(&b), Vec::<String>::new(), "% is literal");

    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/parts?limit=2&cursor={c}"),
            None => "/parts?limit=2".to_owned(),
        };
        let (s, b) = svc.get(Role::Warehouse, &path).await;
        assert_eq!(s, 200, "{b}");
        all.extend(numbers(&b));
        match b["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(all, ["A", "B", "BP-100", "BP-101", "BP-200", "C", "X-1"]);
    let (s, _) = svc.get(Role::Dealer, "/parts?cursor=garbage!").await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn master_data_wrong_roles_and_bad_input() {
    let svc = Svc::start().await;
    svc.seed().await;
    for role in other_roles(&[Role::Admin]) {
        for (path, body) in [
            ("/suppliers", json!({"code": "S9", "name": "x"})),
            ("/parts", part("Z9")),
            (
                "/warehouses",
                json!({"code": "W9", "name": "x", "kind": "central"}),
            ),
            ("/parts/A/deactivate", json!({})),
            ("/suppliers/SUP1/deactivate", json!({})),
        ] {
            let (s, b) = svc.post(role, path, body).await;
            assert_eq!(s, 403, "{role} {path}: {b}");
            assert_eq!(b["type"], "https://aftersales.dev/problems/forbidden");
        }
        let (s, _, _) = svc
            .call_as(role, Method::PUT, "/parts/A", Some(part("A")), &[])
            .await;
        assert_eq!(s, 403);
        let (s, _, _) = svc
            .call_as(
                role,
                Method::PATCH,
                "/suppliers/SUP1",
                Some(json!({"name": "n"})),
                &[],
            )
            .await;
        assert_eq!(s, 403);
    }
    let (s, _) = svc.get(Role::Dealer, "/suppliers").await;
    assert_eq!(s, 403);
    let res = svc.http.get(svc.api("/parts")).send().await.unwrap();
    assert_eq!(res.status(), 401);

    let before = svc.outbox_envelopes("catalog.part_upserted").await.len();
    let mut bad = part("N1");
    bad["supplier_code"] = json!("NOSUCH");
    let (s, b) = svc.post(Role::Admin, "/parts", bad).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["field"], "supplier_code");
    assert!(b["detail"].as_str().unwrap().contains("NOSUCH"));

    let (s, b) = svc
        .post(Role::Admin, "/parts", json!({"part_number": "bad pn", "description": "", "category": "c", "supplier_code": "SUP1",
            "warranty_months": -1, "list_price": "1.00001", "currency": "euro"}))
        .await;
    assert_eq!(s, 422, "{b}");
    let fields: Vec<_> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "part_number",
        "description",
        "warranty_months",
        "list_price",
        "currency",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (s, _) = svc
        .post(Role::Admin, "/parts", json!({"part_number": "N2"}))
        .await;
    assert_eq!(s, 422, "missing fields");
    let res = svc
        .http
        .post(svc.api("/parts"))
        .bearer_auth(aftersales_testkit::tokens::token(Role::Admin))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "malformed JSON");
    let (s, _) = svc.post(Role::Admin, "/parts", part("A")).await;
    assert_eq!(s, 409, "duplicate part");
    let (s, _) = svc
        .post(
            Role::Admin,
            "/suppliers",
            json!({"code": "SUP1", "name": "again"}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = svc
        .post(
            Role::Admin,
            "/warehouses",
            json!({"code": "CENTRAL", "name": "x", "kind": "central"}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = svc
        .post(
            Role::Admin,
            "/warehouses",
            json!({"code": "W2", "name": "x", "kind": "moon"}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = svc.get(Role::Admin, "/parts/NOSUCH").await;
    assert_eq!(s, 404);
    let (s, _) = svc.get(Role::Admin, "/suppliers/NOSUCH").await;
    assert_eq!(s, 404);
    let (s, _) = svc.get(Role::Admin, "/warehouses/NOSUCH").await;
    assert_eq!(s, 404);
    let (s, _, _) = svc
        .call_as(
            Role::Admin,
            Method::PUT,
            "/parts/A",
            Some(json!({"description": "x"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(s, 422);
    let (s, _, _) = svc
        .call_as(
            Role::Admin,
            Method::PATCH,
            "/suppliers/SUP1",
            Some(json!({"name": "n"})),
            &[("If-Match", "\"7\"")],
        )
        .await;
    assert_eq!(s, 412);
    assert_eq!(
        svc.outbox_envelopes("catalog.part_upserted").await.len(),
        before,
        "no event from a failed request"
    );
    let (_, w) = svc.get(Role::Dealer, "/warehouses").await;
    assert_eq!(w.as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_idempotency_key_creates_once() {
    let svc = Svc::start().await;
    svc.seed().await;
    let key = [("Idempotency-Key", "k-1")];
    let (s1, b1, _) = svc
        .call_as(Role::Admin, Method::POST, "/parts", Some(part("K1")), &key)
        .await;
    let (s2, b2, _) = svc
        .call_as(Role::Admin, Method::POST, "/parts", Some(part("K1")), &key)
        .await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (201, 201));
    assert_eq!(b1, b2);
    let (s3, _, _) = svc
        .call_as(Role::Admin, Method::POST, "/parts", Some(part("K2")), &key)
        .await;
    assert_eq!(s3, 422, "same key, other body");
    let n = svc
        .outbox_envelopes("catalog.part_upserted")
        .await
        .iter()
        .filter(|e| e.payload["part_number"] == "K1")
        .count();
    assert_eq!(n, 1);
}
