//! The warehouse's purchasing beside one dealer's orders: purchase orders to the run's
//! suppliers for the parts dealers order, sent, received in deliveries (now and then
//! more than ordered, with a reason), rescheduled and sometimes cancelled, so that
//! backorders get, move and lose their expected dates under the faults.

use aftersales_e2e::chaos::Rng;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::run::{DEALERS, Run};
use super::seed::{PARTS, WAREHOUSES};

/// A purchase order this driver sent: its id and, per line, (line number, still open).
pub struct Open {
    id: String,
    lines: Vec<(i64, i64)>,
}

impl Open {
    /// What the service answered of the order, when it answered.
    fn update(&mut self, answer: &Option<Value>) {
        let Some(lines) = answer.as_ref().and_then(|b| b["lines"].as_array()) else {
            return;
        };
        self.lines = lines
            .iter()
            .map(|l| {
                (
                    l["line_no"].as_i64().unwrap_or(1),
                    l["open"].as_i64().unwrap_or(0),
                )
            })
            .collect();
    }
}

fn in_days(days: u64) -> String {
    (Utc::now() + Duration::days(days as i64))
        .date_naive()
        .to_string()
}

/// One step of purchasing at iteration `i` of `dealer`'s stream: maybe a new purchase
/// order (drafted and sent), maybe a delivery, a new date or a cancellation of one of
/// `open`.
pub async fn step(run: &Run, rng: &mut Rng, dealer: usize, i: usize, open: &mut Vec<Open>) {
    let token = run.tokens.warehouse.as_str();
    let tag = format!("{}-{i}", DEALERS[dealer]);
    if rng.chance(0.06) {
        let supplier = *rng.pick(&["SUP1", "SUP2", "SUP3"]);
        let mut parts: Vec<&str> = PARTS
            .iter()
            .filter(|p| p.stocked && p.supplier == supplier)
            .map(|p| p.number)
            .collect();
        rng.shuffle(&mut parts);
        let n = rng.range(1, parts.len() as u64 + 1) as usize;
        let lines: Vec<Value> = parts[..n]
            .iter()
            .map(|p| {
                json!({"part_number": p, "qty": rng.range(4, 20), "unit_price": "5.00",
                       "expected_date": in_days(rng.range(1, 15))})
            })
            .collect();
        let body = json!({"supplier": supplier, "warehouse": WAREHOUSES[0], "currency": "EUR",
                          "lines": lines});
        let url = run.catalog.at("/api/v1/purchase-orders");
        let drafted = run
            .call(
                run.post(url, token, body, Some(format!("po-{tag}"))),
                &[201],
            )
            .await;
        let Some(id) = drafted
            .as_ref()
            .and_then(|b| b["id"].as_str())
            .map(str::to_owned)
        else {
            return;
        };
        run.answered().purchase_orders.insert(id.clone());
        let url = run
            .catalog
            .at(&format!("/api/v1/purchase-orders/{id}/send"));
        let sent = run
            .call(
                run.post(url, token, json!({}), Some(format!("po-send-{tag}"))),
                &[200],
            )
            .await;
        let mut po = Open {
            id,
            lines: Vec::new(),
        };
        po.update(&sent);
        if !po.lines.is_empty() {
            open.push(po);
        }
    }
    if open.is_empty() || !rng.chance(0.10) {
        return;
    }
    let at = rng.range(0, open.len() as u64) as usize;
    let po = &mut open[at];
    let still_open: Vec<(i64, i64)> = po.lines.iter().copied().filter(|l| l.1 > 0).collect();
    let (line_no, left) = *rng.pick(if still_open.is_empty() {
        &po.lines
    } else {
        &still_open
    });
    let roll = rng.range(0, 100);
    // 409: cancelled, or received in full meanwhile; 422: a delivery more than is open
    // after an answer that was lost.
    let answer = if roll < 75 {
        let mut line = json!({"line_no": line_no, "qty": rng.range(1, left.max(1) as u64 + 1)});
        if rng.chance(0.1) {
            line["qty"] = json!(left + 2);
            line["over_receipt_reason"] = json!("the supplier sent a full box");
        }
        let body = json!({"lines": [line], "delivery_note": format!("DN-{tag}")});
        let url = run
            .catalog
            .at(&format!("/api/v1/purchase-orders/{}/receipts", po.id));
        run.call(
            run.post(url, token, body, Some(format!("po-recv-{tag}"))),
            &[200, 409, 422],
        )
        .await
    } else if roll < 95 {
        let body = json!({"expected_date": in_days(rng.range(1, 20))});
        let path = format!(
            "/api/v1/purchase-orders/{}/lines/{line_no}/reschedule",
            po.id
        );
        let url = run.catalog.at(&path);
        run.call(
            run.post(url, token, body, Some(format!("po-date-{tag}"))),
            &[200, 409],
        )
        .await
    } else {
        let url = run
            .catalog
            .at(&format!("/api/v1/purchase-orders/{}/cancel", po.id));
        run.call(
            run.post(url, token, json!({}), Some(format!("po-cancel-{tag}"))),
            &[200, 409],
        )
        .await
    };
    let closed = answer
        .as_ref()
        .and_then(|b| b["status"].as_str())
        .is_some_and(|s| s == "received" || s == "cancelled");
    if answer.as_ref().is_some_and(|b| b["lines"].is_array()) {
        po.update(&answer);
    }
    if closed {
        open.swap_remove(at);
    }
}
