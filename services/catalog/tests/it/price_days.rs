//! A list price from a later date is published (`catalog.part_upserted`) on its day,
//! once, whichever replica's job gets there first.

use aftersales_web::Role;
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::Svc;

impl Svc {
    /// The list prices `catalog.part_upserted` carried for `pn`, oldest first.
    async fn published_prices(&self, pn: &str) -> Vec<Value> {
        self.outbox_envelopes("catalog.part_upserted")
            .await
            .into_iter()
            .filter(|e| e.payload["part_number"] == pn)
            .map(|e| e.payload["list_price"].clone())
            .collect()
    }

    /// One run of the price-day job as if it were `at`.
    async fn price_day(&self, at: chrono::DateTime<Utc>) -> Vec<String> {
        let mut c = self.pool.get().await.unwrap();
        c.transaction(async |c| {
            catalog::app::parts::publish_due_prices(
                c,
                at,
                catalog::app::Cause::Job {
                    name: catalog::app::parts::PRICE_DAY_JOB,
                    correlation: Uuid::new_v4(),
                },
            )
            .await
        })
        .await
        .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_later_price_is_published_on_its_day_once() {
    let svc = Svc::start().await;
    svc.seed().await;
    let in_an_hour = Utc::now() + Duration::hours(1);
    let (s, b) = svc
        .post(
            Role::Admin,
            "/parts/A/prices",
            json!({"price": "12.00", "effective_from": in_an_hour}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    // Adding it published the part as it is now: still 10.
    assert_eq!(
        svc.published_prices("A").await,
        vec![json!("10.0000"), json!("10.0000")]
    );
    assert!(
        svc.price_day(Utc::now()).await.is_empty(),
        "not its day yet"
    );

    let version = svc.get(Role::Admin, "/parts/A").await.1["version"].clone();
    let later = in_an_hour + Duration::minutes(1);
    assert_eq!(svc.price_day(later).await, vec!["A".to_owned()]);
    let published = svc.published_prices("A").await;
    assert_eq!(published.last(), Some(&json!("12.0000")), "{published:?}");
    assert_eq!(
        svc.get(Role::Admin, "/parts/A").await.1["version"],
        json!(version.as_i64().unwrap() + 1),
        "the part changed: its ETag moves"
    );
    assert!(svc.price_day(later).await.is_empty(), "published once");
    assert_eq!(svc.published_prices("A").await.len(), 3);

    // A price in force when it is added is published by the change itself, never again.
    let (s, _) = svc
        .post(Role::Admin, "/parts/B/prices", json!({"price": "11.00"}))
        .await;
    assert_eq!(s, 201);
    assert!(svc.price_day(later).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_running_the_job_at_once_publish_each_price_once() {
    let svc = Svc::start().await;
    svc.seed().await;
    let soon = Utc::now() + Duration::minutes(5);
    for (pn, price) in [("A", "12.00"), ("B", "13.00"), ("C", "14.00")] {
        let (s, b) = svc
            .post(
                Role::Admin,
                &format!("/parts/{pn}/prices"),
                json!({"price": price, "effective_from": soon}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let at = soon + Duration::seconds(1);
    let (one, two) = tokio::join!(svc.price_day(at), svc.price_day(at));
    let mut all: Vec<String> = one.into_iter().chain(two).collect();
    all.sort();
    assert_eq!(all, vec!["A", "B", "C"], "each part by one of them");
    for (pn, price) in [("A", "12.0000"), ("B", "13.0000"), ("C", "14.0000")] {
        let published = svc.published_prices(pn).await;
        assert_eq!(
            published.len(),
            3,
            "created, priced, and on its day: {published:?}"
        );
        assert_eq!(published.last(), Some(&json!(price)));
    }
}
