//! One dealer's stream of orders (stock and emergency, some cancelled), with the
//! warehouse's receipts, shipments and purchase orders mixed in.

use std::sync::Arc;
use std::time::Duration;

use aftersales_e2e::chaos::Rng;
use serde_json::{Value, json};

use super::purchasing;
use super::run::{DEALERS, Run};
use super::seed::{order_parts, receipt_body};

pub async fn drive_orders(
    run: Arc<Run>,
    mut rng: Rng,
    dealer: usize,
    count: usize,
    pace: Duration,
) {
    let token = run.tokens.dealers[dealer].clone();
    let parts = order_parts();
    let mut mine: Vec<String> = Vec::new();
    let mut purchase_orders = Vec::new();
    for i in 0..count {
        let mut chosen = parts.clone();
        rng.shuffle(&mut chosen);
        let lines: Vec<Value> = chosen[..rng.range(1, 4) as usize]
            .iter()
            .map(|p| json!({"part_number": p, "qty": rng.range(1, 5)}))
            .collect();
        let priority = if rng.chance(0.2) {
            "emergency"
        } else {
            "stock"
        };
        let key = format!("{}-{i}", DEALERS[dealer]);
        let placed = run
            .call(
                run.post(
                    run.orders.at("/api/v1/orders"),
                    &token,
                    json!({"priority": priority, "lines": lines}),
                    Some(key),
                ),
                &[200, 201],
            )
            .await;
        if let Some(id) = placed.as_ref().and_then(|o| o["id"].as_str()) {
            mine.push(id.to_owned());
            run.answered().orders.insert(id.to_owned());
        }
        if rng.chance(0.08) && !mine.is_empty() {
            let id = if rng.chance(0.5) {
                mine[mine.len() - 1].clone()
            } else {
                rng.pick(&mine).clone()
            };
            cancel(&run, &token, &id).await;
        }
        if rng.chance(0.12) {
            let part = *rng.pick(&parts);
            let key = format!("r-{}-{i}", DEALERS[dealer]);
            let body = receipt_body(part, rng.range(5, 25), &key);
            let url = run.catalog.at("/api/v1/receipts");
            run.call(
                run.post(url, &run.tokens.warehouse, body, Some(key)),
                &[200, 201],
            )
            .await;
        }
        purchasing::step(&run, &mut rng, dealer, i, &mut purchase_orders).await;
        if rng.chance(0.15) {
            let target = {
                let all = &run.answered().orders;
                let n = rng.range(0, all.len() as u64) as usize;
                all.iter().nth(n).cloned()
            };
            if let Some(id) = target {
                ship(&run, &id).await;
            }
        }
        tokio::time::sleep(rng.millis(0, 2 * pace.as_millis() as u64)).await;
    }
}

async fn cancel(run: &Run, token: &str, id: &str) {
    // A repeat after a lost answer meets its own cancellation: 409 is fine.
    let call = run.action(
        run.orders.at(&format!("/api/v1/orders/{id}/cancel")),
        token,
        None,
    );
    run.call(call, &[200, 201, 202, 409]).await;
}

async fn ship(run: &Run, id: &str) {
    // Everything reserved; nothing reserved (or cancelled) is a 409 or 422. Shipments
    // take no Idempotency-Key, so a repeat after a lost answer ships what has been
    // reserved since: still a legal operation.
    let call = run.action(
        run.catalog.at("/api/v1/shipments"),
        &run.tokens.warehouse,
        Some(json!({"order_id": id, "carrier": "DHL", "tracking_ref": "T"})),
    );
    // 404: catalog has not consumed the order yet.
    run.call(call, &[200, 201, 404, 409, 422]).await;
}
