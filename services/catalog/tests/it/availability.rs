//! `GET /availability`: a band per part and active warehouse, for every role, with no
//! counts and nothing of who reserved what.

use aftersales_web::Role;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Svc, envelope, order};

/// `{part: {warehouse: band}}` of an answer.
fn bands(body: &Value) -> Vec<(String, Vec<(String, String)>)> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let whs = p["warehouses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    // Only the warehouse and its band: no count, no reservation.
                    let mut keys: Vec<&String> = w.as_object().unwrap().keys().collect();
                    keys.sort();
                    assert_eq!(keys, ["band", "name", "warehouse"], "{w}");
                    (
                        w["warehouse"].as_str().unwrap().to_owned(),
                        w["band"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (p["part_number"].as_str().unwrap().to_owned(), whs)
        })
        .collect()
}

fn wb(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(w, b)| ((*w).to_owned(), (*b).to_owned()))
        .collect()
}

async fn reorder_point(svc: &Svc, wh: &str, pn: &str, point: i64) {
    let (s, b, _) = svc
        .call_as(
            Role::Warehouse,
            Method::PUT,
            &format!("/stock/{wh}/{pn}"),
            Some(json!({"reorder_point": point, "reorder_qty": 10})),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dealers_see_a_band_per_active_warehouse_without_counts() {
    let svc = Svc::start().await;
    svc.seed().await;
    svc.receive("CENTRAL", "A", 10).await;
    reorder_point(&svc, "CENTRAL", "A", 5).await;
    svc.receive("NORTH", "B", 3).await;
    reorder_point(&svc, "NORTH", "B", 5).await;

    let path = "/availability?part_number=A&part_number=b&part_number=C&part_number=A";
    let (s, body) = svc.get(Role::Dealer, path).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        bands(&body),
        vec![
            (
                "A".to_owned(),
                wb(&[("CENTRAL", "in_stock"), ("NORTH", "none")])
            ),
            ("B".to_owned(), wb(&[("CENTRAL", "none"), ("NORTH", "low")])),
            (
                "C".to_owned(),
                wb(&[("CENTRAL", "none"), ("NORTH", "none")])
            ),
        ]
    );

    // Another dealer's order reserves 6 of A: 4 left, at or below the reorder point.
    let id = Uuid::new_v4();
    svc.publish_envelope(&envelope(&order(id, &[(1, "A", 6)], false, 0)))
        .await;
    svc.wait("reservation", || async {
        svc.reservation(id).await.is_some()
    })
    .await;
    let (s, body) = svc.get(Role::Dealer, "/availability?part_number=A").await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        bands(&body),
        vec![("A".to_owned(), wb(&[("CENTRAL", "low"), ("NORTH", "none")]))]
    );

    // An inactive warehouse is not offered.
    let mut c = svc.pool.get().await.unwrap();
    diesel::sql_query("UPDATE warehouses SET active = false WHERE code = 'NORTH'")
        .execute(&mut c)
        .await
        .unwrap();
    for role in Role::ALL {
        let (s, body) = svc.get(role, "/availability?part_number=B").await;
        assert_eq!(s, 200, "{role}: {body}");
        assert_eq!(
            bands(&body),
            vec![("B".to_owned(), wb(&[("CENTRAL", "none")]))],
            "{role}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_availability_query_names_the_parameter() {
    let svc = Svc::start().await;
    svc.seed().await;
    let fifty_one: String = (0..51)
        .map(|i| format!("part_number=P{i}"))
        .collect::<Vec<_>>()
        .join("&");
    for (query, status, field) in [
        ("", 422, Some("part_number")),
        (
            "?part_number=A&part_number=NOPE",
            422,
            Some("part_number[1]"),
        ),
        (
            "?part_number=A&part_number=%20",
            422,
            Some("part_number[1]"),
        ),
        (&format!("?{fifty_one}")[..], 422, Some("part_number")),
        ("?part=A", 400, Some("part")),
    ] {
        let (s, body) = svc
            .get(Role::Dealer, &format!("/availability{query}"))
            .await;
        assert_eq!(s, status, "{query}: {body}");
        assert_eq!(
            body["errors"][0]["field"].as_str(),
            field,
            "{query}: {body}"
        );
        if field.is_some() {
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(
                !message.is_empty() && !message.contains("failed check"),
                "{message}"
            );
        }
    }
    let (s, body) = svc
        .get(Role::Dealer, "/availability?part_number=NOPE")
        .await;
    assert_eq!(s, 422);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no part NOPE")),
        "{body}"
    );
}
