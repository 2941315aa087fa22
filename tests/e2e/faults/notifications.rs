//! Notifications in the fault run: every dealer subscribes a webhook to its orders'
//! "backorder filled" and "order shipped" before the drivers start, and the receiver
//! has outages of its own while the services have theirs: down (connections refused)
//! and failing (503) in turns. The checker then wants every notification delivered.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aftersales_testkit::WebhookReceiver;
use serde_json::json;
use tokio::sync::Mutex;

use super::run::{DEALERS, Run};

/// Each dealer's subscription secret, by dealer code.
pub async fn subscribe(run: &Run, url: &str) -> BTreeMap<String, String> {
    let mut secrets = BTreeMap::new();
    for (i, dealer) in DEALERS.iter().enumerate() {
        let call = run.post(
            run.orders.at("/api/v1/subscriptions"),
            &run.tokens.dealers[i],
            json!({"topics": ["order.shipped", "order.backorder_filled"], "url": url}),
            None,
        );
        let Some(sub) = run.call(call, &[201]).await else {
            continue;
        };
        if let Some(secret) = sub["secret"].as_str() {
            secrets.insert((*dealer).to_owned(), secret.to_owned());
        }
    }
    secrets
}

/// Takes the receiver down and makes it fail in turns until `done`, then leaves it up.
pub async fn outages(
    run: Arc<Run>,
    receiver: Arc<Mutex<WebhookReceiver>>,
    done: Arc<AtomicBool>,
    every: Duration,
) -> usize {
    let mut outages = 0;
    while !done.load(Ordering::SeqCst) {
        tokio::time::sleep(every).await;
        let refused = outages % 2 == 0;
        {
            let mut receiver = receiver.lock().await;
            if refused {
                receiver.down().await;
            } else {
                receiver.set_failing(true);
            }
        }
        run.log(if refused {
            "webhook receiver down"
        } else {
            "webhook receiver answering 503"
        });
        tokio::time::sleep(every / 2).await;
        let mut receiver = receiver.lock().await;
        receiver.set_failing(false);
        receiver.up().await;
        outages += 1;
    }
    outages
}
