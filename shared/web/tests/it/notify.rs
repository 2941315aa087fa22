//! Notifications against a real PostgreSQL: a notice reaches exactly the subscriptions
//! it matches (topic and dealer), nobody's means no rows at all, and a rise of the
//! dead-letter queue is told once, whichever replica observes it.

use aftersales_testkit::TestDb;
use aftersales_web::Role;
use aftersales_web::notify::dead_letters::observed;
use aftersales_web::notify::{DEAD_LETTER, Notice, Topic, emit};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::migrated_db;

const SHIPPED: Topic = Topic {
    name: "order.shipped",
    description: "shipped",
    roles: &[Role::Dealer],
};

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(c: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<N>(c).await.unwrap().n
}

async fn subscribe(
    c: &mut AsyncPgConnection,
    owner: &str,
    topic: &str,
    dealer: Option<&str>,
    url: Option<&str>,
) -> Uuid {
    let id = Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO notify_subscription (id, owner, owner_role, dealer_code, topics, url, secret) \
         VALUES ($1, $2, 'dealer', $3, ARRAY[$4], $5, CASE WHEN $5 IS NULL THEN NULL ELSE 'whsec_AAAA' END)",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Text, _>(owner)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(dealer)
    .bind::<diesel::sql_types::Text, _>(topic)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(url)
    .execute(c)
    .await
    .unwrap();
    id
}

fn shipped(dealer: &str) -> Notice {
    Notice::new(&SHIPPED, "order", Uuid::now_v7(), "shipped").of_dealer(dealer)
}

#[tokio::test]
async fn a_notice_reaches_the_subscriptions_of_its_topic_and_dealer_only() {
    let db: TestDb = migrated_db().await;
    let mut c = db.conn().await;
    assert_eq!(emit(&mut c, None, &[shipped("D001")]).await.unwrap(), 0);
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM notify_message").await,
        0,
        "nobody subscribed: nothing written"
    );

    subscribe(
        &mut c,
        "u1",
        "order.shipped",
        Some("D001"),
        Some("http://127.0.0.1:9/h"),
    )
    .await;
    subscribe(&mut c, "u2", "order.shipped", Some("D002"), None).await;
    subscribe(&mut c, "staff", "order.shipped", None, None).await;
    subscribe(&mut c, "u3", "order.backorder_filled", Some("D001"), None).await;

    let written = emit(
        &mut c,
        Some(Uuid::now_v7()),
        &[shipped("D001"), shipped("D003")],
    )
    .await
    .unwrap();
    assert_eq!(written, 3, "D001's to u1 and staff, D003's to staff");
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM notify_message").await,
        2
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM notify_delivery WHERE status = 'pending'"
        )
        .await,
        1,
        "the webhook"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM notify_delivery WHERE status = 'console'"
        )
        .await,
        2
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM notify_delivery d JOIN notify_subscription s ON s.id = d.subscription_id WHERE s.owner IN ('u2', 'u3')").await,
        0
    );
}

#[tokio::test]
async fn a_rise_of_the_dead_letters_is_told_once_and_again_after_a_fall() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    subscribe(&mut c, "admin", DEAD_LETTER.name, None, None).await;
    let told = |n| {
        format!(
            "SELECT count(*) AS n FROM notify_message WHERE topic = 'event.dead_lettered' AND (data->>'new')::int = {n}"
        )
    };

    assert!(!observed(&mut c, "orders", 0).await.unwrap());
    assert!(observed(&mut c, "orders", 2).await.unwrap());
    assert!(
        !observed(&mut c, "orders", 2).await.unwrap(),
        "the same depth again"
    );
    assert!(
        !observed(&mut c, "orders", 0).await.unwrap(),
        "replayed: nothing to tell"
    );
    assert!(observed(&mut c, "orders", 1).await.unwrap());
    assert_eq!(count(&mut c, &told(2)).await, 1);
    assert_eq!(count(&mut c, &told(1)).await, 1);

    // Two replicas observing the same rise at once: one tells it.
    let mut other = db.conn().await;
    let (a, b) = tokio::join!(
        observed(&mut c, "orders", 4),
        observed(&mut other, "orders", 4)
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one replica tells it");
    assert_eq!(count(&mut c, &told(3)).await, 1);
}

#[tokio::test]
async fn pruning_keeps_what_is_recent_or_still_being_delivered() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    subscribe(
        &mut c,
        "u1",
        "order.shipped",
        Some("D001"),
        Some("http://127.0.0.1:9/h"),
    )
    .await;
    subscribe(&mut c, "u2", "order.shipped", Some("D001"), None).await;
    emit(
        &mut c,
        None,
        &[shipped("D001"), shipped("D001"), shipped("D001")],
    )
    .await
    .unwrap();
    // Two are old; of those, one is delivered and one still pending.
    diesel::sql_query(
        "UPDATE notify_message SET created_at = now() - interval '100 days' \
         WHERE id IN (SELECT id FROM notify_message ORDER BY id LIMIT 2)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    diesel::sql_query(
        "UPDATE notify_delivery SET status = 'delivered' \
         WHERE message_id = (SELECT id FROM notify_message ORDER BY id LIMIT 1)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let cutoff = chrono::Utc::now() - chrono::Duration::days(90);
    assert_eq!(
        aftersales_web::notify::prune(&mut c, cutoff, 10)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM notify_message").await,
        2
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM notify_delivery").await,
        4,
        "the deleted one's went with it"
    );
    assert_eq!(
        aftersales_web::notify::prune(&mut c, cutoff, 10)
            .await
            .unwrap(),
        0
    );
}
