//! One dealer's warranty claims, from filing to disposition: the dealer registers a
//! unit and files a claim (one in ten fails a submission check and is rejected at
//! once); quality receives the returned part (catalog quarantines it), records
//! findings (mostly `supplier_defect`), decides and disposes of the part (catalog
//! releases the quarantine). Claims advance interleaved, a step at a time, and some
//! are left early on purpose (a part that never comes back, a decision without
//! disposition) so that the checker meets every state.

use std::sync::Arc;
use std::time::Duration;

use aftersales_e2e::chaos::Rng;
use chrono::{Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::run::{DEALERS, Run, decimal, half};
use super::seed::{PARTS, Part, USAGE_LIMIT, WAREHOUSES, labor_operation};

/// Where the driver leaves a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stop {
    AwaitingPart,
    PartReceived,
    Decided,
    Closed,
}

struct Case {
    id: String,
    status: String,
    stop: Stop,
    parts: Decimal,
    labor: Decimal,
    received: bool,
}

pub async fn drive_claims(
    run: Arc<Run>,
    mut rng: Rng,
    dealer: usize,
    count: usize,
    pace: Duration,
) {
    let mut open: Vec<Case> = Vec::new();
    let mut filed = 0;
    while filed < count || !open.is_empty() {
        if filed < count && (open.is_empty() || rng.chance(0.3)) {
            open.extend(file(&run, &mut rng, dealer, filed).await);
            filed += 1;
        } else {
            let i = rng.range(0, open.len() as u64) as usize;
            if !advance(&run, &mut rng, &mut open[i]).await {
                open.swap_remove(i);
            }
        }
        tokio::time::sleep(rng.millis(0, 2 * pace.as_millis() as u64)).await;
    }
}

/// Registers a unit and files a claim for it; `None` when the claim needs nothing
/// more (rejected at submission) or was not filed (an error is recorded).
async fn file(run: &Run, rng: &mut Rng, dealer: usize, n: usize) -> Option<Case> {
    let token = &run.tokens.dealers[dealer];
    let serial = format!("U-{}-{n}", DEALERS[dealer]);
    let today = Utc::now().date_naive();
    let usage_at_sale = rng.range(0, 100);
    let unit = json!({"serial": serial, "model": "Hauler 7",
                      "in_service_date": days_before(today, rng.range(60, 300)),
                      "usage_at_sale": usage_at_sale, "usage_unit": "km"});
    let units = run.inspection.at("/api/v1/units");
    let key = Some(format!("u-{serial}"));
    run.call(run.post(units, token, unit, key), &[200, 201])
        .await?;

    let part = if rng.chance(0.1) {
        &PARTS[5]
    } else {
        rng.pick(&PARTS[..5])
    };
    let body = claim_body(rng, part, &serial, today, usage_at_sale);
    let claims = run.inspection.at("/api/v1/claims");
    let key = Some(format!("c-{serial}"));
    let claim = run
        .call(run.post(claims, token, body, key), &[200, 201])
        .await?;
    let (Some(id), Some(status)) = (claim["id"].as_str(), claim["status"].as_str()) else {
        run.error(format!("a claim answered without id or status: {claim}"));
        return None;
    };
    run.answered()
        .claims
        .insert(id.to_owned(), status.to_owned());
    if status == "rejected" {
        return None;
    }
    let stop = match rng.range(0, 100) {
        0..5 => Stop::AwaitingPart,
        5..10 => Stop::PartReceived,
        10..20 => Stop::Decided,
        _ => Stop::Closed,
    };
    Some(Case {
        id: id.to_owned(),
        status: status.to_owned(),
        stop,
        parts: decimal(&claim["amounts"]["parts"]),
        labor: decimal(&claim["amounts"]["labor"]),
        received: false,
    })
}

fn days_before(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap_or(day)
}

fn claim_body(rng: &mut Rng, part: &Part, serial: &str, today: NaiveDate, sale: u64) -> Value {
    let failure = days_before(today, rng.range(2, 20));
    let repair = failure
        .checked_add_days(Days::new(rng.range(0, 3)))
        .map_or(failure, |d| d.min(today));
    let (operation, standard) = labor_operation(part.category);
    let mut hours = if rng.chance(0.3) { "1.00" } else { standard };
    let mut usage = sale + rng.range(100, 100_000);
    let mut parts = vec![json!({"part_number": part.number, "qty": 1})];
    if rng.chance(0.3) {
        let other = rng.pick(&PARTS[..5]).number;
        parts.push(json!({"part_number": other, "qty": rng.range(1, 3)}));
    }
    // One in ten fails a check at submission: rejected at once, with its reason.
    if rng.chance(0.1) {
        match rng.range(0, 3) {
            0 => hours = "9.00",
            1 if part.core => {
                parts.remove(0);
            }
            _ => usage = USAGE_LIMIT as u64 + rng.range(1, 50_000),
        }
    }
    json!({"unit_serial": serial, "failure_date": failure, "repair_date": repair,
           "usage_at_failure": usage, "complaint": "Grinding noise", "cause": "Worn out early",
           "correction": "Replaced", "causal_part_number": part.number, "parts": parts,
           "labor": [{"operation_code": operation, "hours": hours}]})
}

/// One step further; false once the claim is where the driver leaves it (or a step
/// failed, which is recorded).
async fn advance(run: &Run, rng: &mut Rng, case: &mut Case) -> bool {
    let quality = run.tokens.quality.as_str();
    match case.status.as_str() {
        "awaiting_part" if case.stop > Stop::AwaitingPart => {
            let warehouse = rng.pick(&WAREHOUSES);
            if rng.chance(0.2) {
                // More than the claim replaced: refused, and nothing changes.
                let path = format!("/api/v1/claims/{}/part-receipt", case.id);
                let body = json!({"warehouse": warehouse, "quantity": 99});
                let call = run.action(run.inspection.at(&path), quality, Some(body));
                run.call(call, &[422]).await;
            }
            // The claim replaced one causal part.
            let body = json!({"warehouse": warehouse, "quantity": 1});
            case.received = act(run, case, "part-receipt", quality, body, "part_received").await;
            case.received
        }
        "submitted" | "part_received" if case.stop > Stop::PartReceived => {
            let cause = match rng.range(0, 100) {
                0..65 => "supplier_defect",
                65..80 => "assembly_defect",
                80..90 => "misuse",
                _ => "no_fault_found",
            };
            let mut body = json!({"failure_mode": "seal leak", "cause_code": cause});
            if cause == "supplier_defect" && rng.chance(0.1) {
                // A supplier without agreement: its line is not recoverable.
                body["responsible_supplier"] = json!("SUP4");
            }
            act(run, case, "findings", quality, body, "under_inspection").await
        }
        "under_inspection" => {
            let (verdict, body) = match rng.range(0, 100) {
                0..60 => ("approved", json!({"decision": "approved"})),
                60..85 => (
                    "partially_approved",
                    json!({"decision": "partially_approved",
                           "approved_parts_amount": case.parts.to_string(),
                           "approved_labor_amount": half(case.labor).to_string()}),
                ),
                _ => (
                    "rejected",
                    json!({"decision": "rejected",
                           "reasons": [rng.pick(&["misuse", "no_fault_found"])]}),
                ),
            };
            // Above the inspector's approval limit (1000.00) a quality lead decides.
            let token = if case.parts + case.labor > Decimal::ONE_THOUSAND {
                run.tokens.quality_lead.as_str()
            } else {
                quality
            };
            act(run, case, "decision", token, body, verdict).await
        }
        "approved" | "partially_approved" | "rejected"
            if case.stop == Stop::Closed && case.received =>
        {
            let body = json!({"disposition": rng.pick(&["scrap", "return_to_supplier"])});
            act(run, case, "disposition", quality, body, "closed").await
        }
        _ => false,
    }
}

/// Quality's `verb` on the claim, which must leave it in status `to`.
async fn act(run: &Run, case: &mut Case, verb: &str, token: &str, body: Value, to: &str) -> bool {
    let path = format!("/api/v1/claims/{}", case.id);
    let done = run
        .act(&run.inspection, &path, verb, token, Some(body), |claim| {
            claim["status"] == to
        })
        .await
        .is_some();
    if done {
        case.status = to.to_owned();
        run.answered()
            .claims
            .insert(case.id.clone(), case.status.clone());
    }
    done
}
