use aftersales_messaging::Envelope;
use chrono::Duration;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::support::{Svc, dealer_event, part};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

async fn text(svc: &Svc, sql: &str) -> String {
    let mut conn = svc.db.conn().await;
    diesel::sql_query(sql)
        .get_result::<Row>(&mut conn)
        .await
        .expect("row")
        .v
}

#[tokio::test(flavor = "multi_thread")]
async fn part_read_model_keeps_the_newest_and_ignores_late_and_repeated_events() {
    let svc = Svc::start().await;
    let mut newer = part("BRK-1", "brakes", "70.00", false, true);
    newer.supplier_code = "SUP2".parse().unwrap();
    let older = part("BRK-1", "brakes", "60.00", false, true);
    let mut newer_env =
        aftersales_messaging::Envelope::new("catalog", &newer, uuid::Uuid::new_v4()).unwrap();
    let mut older_env =
        aftersales_messaging::Envelope::new("catalog", &older, uuid::Uuid::new_v4()).unwrap();
    older_env.occurred_at = newer_env.occurred_at - Duration::minutes(5);
    newer_env.occurred_at += Duration::seconds(0);
    svc.publish_envelope(&newer_env).await;
    assert!(svc.consumed(&newer_env).await);
    svc.publish_envelope(&older_env).await;
    assert!(svc.consumed(&older_env).await);
    // Redelivery of the newer one: skipped by the inbox.
    svc.publish_envelope(&newer_env).await;
    let got = text(
        &svc,
        "SELECT list_price::text || '|' || supplier_code || '|' || category || '|' || returnable::text AS v FROM parts WHERE part_number = 'BRK-1'",
    )
    .await;
    assert_eq!(got, "70.0000|SUP2|brakes|true");
    assert_eq!(svc.count("SELECT count(*) AS n FROM parts").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn dealer_read_model_keeps_the_newest() {
    let svc = Svc::start().await;
    let newer = dealer_event("D001", "95.00", "EUR");
    let mut older = dealer_event("D001", "80.00", "USD");
    older.active = false;
    let newer_env =
        aftersales_messaging::Envelope::new("orders", &newer, uuid::Uuid::new_v4()).unwrap();
    let mut older_env =
        aftersales_messaging::Envelope::new("orders", &older, uuid::Uuid::new_v4()).unwrap();
    older_env.occurred_at = newer_env.occurred_at - Duration::seconds(1);
    svc.publish_envelope(&newer_env).await;
    assert!(svc.consumed(&newer_env).await);
    svc.publish_envelope(&older_env).await;
    assert!(svc.consumed(&older_env).await);
    let got = text(
        &svc,
        "SELECT labor_rate::text || '|' || currency || '|' || active::text AS v FROM dealers WHERE dealer_code = 'D001'",
    )
    .await;
    assert_eq!(got, "95.0000|EUR|true");

    // A later event does replace it.
    svc.add_dealer("D001", "99.50", "EUR").await;
    let got = text(
        &svc,
        "SELECT labor_rate::text AS v FROM dealers WHERE dealer_code = 'D001'",
    )
    .await;
    assert_eq!(got, "99.5000");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_payload_is_rejected_not_applied() {
    let svc = Svc::start().await;
    // A currency that is no ISO 4217 code cannot even be decoded.
    let part = part("BRK-1", "brakes", "-1", false, true);
    let mut bad = Envelope::new("catalog", &part, Uuid::new_v4()).unwrap();
    bad.payload["currency"] = "euro".into();
    svc.publish_envelope(&bad).await;
    // Rejected payloads go to the dead-letter queue; nothing reaches the read model.
    assert_eq!(
        svc.vhost
            .wait_queue_messages("inspection.dead", 1, crate::support::WAIT)
            .await,
        Some(1),
        "not dead-lettered"
    );
    assert_eq!(svc.count("SELECT count(*) AS n FROM parts").await, 0);
}
