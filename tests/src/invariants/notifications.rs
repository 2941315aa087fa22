//! Invariant 18: notifications. Every change a subscriber was promised is told once and
//! reaches its webhook: each shipment of an order is exactly one `order.shipped`
//! notification, none is left undelivered or dead once the run settled, the receiver got
//! every webhook notification (by id) and nothing else, and each delivery it got was
//! signed with its subscription's secret.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aftersales_testkit::webhooks::Received;
use diesel_async::AsyncPgConnection;

use super::{Stores, count, rows};

/// Waits until no webhook delivery is pending: those in backoff after the receiver's
/// last outage are still due (the longest backoff after a few failed attempts is
/// seconds). Take what the receiver got only after this, or a delivery that lands
/// during the wait is missed. A violation when some are still pending after 120 s.
pub async fn wait_for_deliveries(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
) -> Result<Vec<String>, String> {
    let orders = stores.schema("orders");
    let pending =
        format!("SELECT count(*) AS n FROM {orders}.notify_delivery WHERE status = 'pending'");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut left = count(conn, &pending).await?;
    while left > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        left = count(conn, &pending).await?;
    }
    Ok(if left > 0 {
        vec![format!(
            "{left} webhook deliveries still pending 120 s after the run settled"
        )]
    } else {
        vec![]
    })
}

/// The rest of invariant 18, on what the receiver got once [`wait_for_deliveries`]
/// returned.
pub async fn check(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    received: &[Received],
    secrets: &BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let orders = stores.schema("orders");
    let mut violations = Vec::new();
    if secrets.len() < 4 {
        violations.push(format!("only {} dealers subscribed", secrets.len()));
    }

    let dead = count(
        conn,
        &format!("SELECT count(*) AS n FROM {orders}.notify_delivery WHERE status = 'dead'"),
    )
    .await?;
    if dead > 0 {
        violations.push(format!("{dead} webhook deliveries dead"));
    }

    // Each shipment told exactly once.
    let shipments = rows(
        conn,
        &format!(
            "SELECT s.shipment_id::text AS shipment, \
                    (SELECT count(*) FROM {orders}.notify_message m \
                     WHERE m.topic = 'order.shipped' AND m.data->>'shipment_id' = s.shipment_id::text) AS told \
             FROM {orders}.order_shipments s"
        ),
    )
    .await?;
    for s in &shipments {
        if s["told"] != 1 {
            violations.push(format!(
                "shipment {} was told {} times, not once",
                s["shipment"], s["told"]
            ));
        }
    }

    // What the receiver got is exactly what was sent to it, each signed.
    let sent: BTreeSet<String> = rows(
        conn,
        &format!(
            "SELECT DISTINCT d.message_id::text AS id FROM {orders}.notify_delivery d \
             JOIN {orders}.notify_subscription s ON s.id = d.subscription_id WHERE s.url IS NOT NULL"
        ),
    )
    .await?
    .iter()
    .filter_map(|r| r["id"].as_str().map(str::to_owned))
    .collect();
    let got: BTreeSet<String> = received.iter().map(|r| r.id.clone()).collect();
    for missing in sent.difference(&got) {
        violations.push(format!("notification {missing} never reached the webhook"));
    }
    for stray in got.difference(&sent) {
        violations.push(format!("the webhook got {stray}, which was never sent"));
    }
    for r in received {
        let dealer = r.json()["dealer_code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let signed = secrets
            .get(&dealer)
            .is_some_and(|secret| r.verifies(secret));
        if !signed {
            violations.push(format!(
                "notification {} for {dealer} is not signed with its subscription's secret",
                r.id
            ));
        }
    }
    eprintln!(
        "[faults] notifications: {} shipments, {} webhook notifications sent, {} deliveries received ({} repeated)",
        shipments.len(),
        sent.len(),
        received.len(),
        received.len() - got.len()
    );
    Ok(violations)
}
