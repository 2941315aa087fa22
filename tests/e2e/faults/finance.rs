//! Finance, while the claims come in: every few seconds it batches the open recovery
//! lines per supplier into recovery claims, and moves each claim it holds a step
//! further: submits it, records the supplier's answers (accepted, partially accepted,
//! rejected), credit memos and write-offs. Each claim has a plan that stops somewhere
//! (a draft never sent, answers still pending, an amount outstanding), so the
//! reconciliation meets pending, rejected, credited, written-off and outstanding
//! amounts.
//!
//! SUP2's lines are left to recovery's filing-deadline sweep (its claim window is
//! shorter than the sweep's lead time): finance adopts the drafts the sweep makes and
//! moves them on like its own.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aftersales_e2e::chaos::Rng;
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::run::{Run, decimal, half};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Submit,
    /// Answers for every line, or for the first half of them.
    Answer {
        all: bool,
    },
    /// A credit memo for all that is outstanding, or for half of it.
    Credit {
        all: bool,
    },
    WriteOff,
}

/// A recovery claim finance holds, and what it still means to do with it.
struct Batch {
    id: String,
    number: String,
    supplier: String,
    currency: String,
    /// (line id, amount)
    lines: Vec<(String, Decimal)>,
    plan: VecDeque<Step>,
}

pub async fn drive_finance(run: Arc<Run>, mut rng: Rng, done: Arc<AtomicBool>, pace: Duration) {
    let mut batches: Vec<Batch> = Vec::new();
    for round in 0.. {
        // The round after the other drivers finished is the last.
        let last = done.load(Ordering::SeqCst);
        batch_open_lines(&run, &mut rng, round, &mut batches).await;
        for batch in &mut batches {
            if rng.chance(0.6) && !advance(&run, &mut rng, batch).await {
                batch.plan.clear();
            }
        }
        batches.retain(|b| !b.plan.is_empty());
        if last {
            break;
        }
        tokio::time::sleep(pace).await;
    }
}

async fn batch_open_lines(run: &Run, rng: &mut Rng, round: usize, batches: &mut Vec<Batch>) {
    let finance = run.tokens.finance.as_str();
    let url = run
        .recovery
        .at("/api/v1/recovery-lines?status=open&limit=200");
    let Some(page) = run.get(url, finance).await else {
        return;
    };
    let mut open: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in page["items"].as_array().into_iter().flatten() {
        if let (Some(supplier), Some(id)) = (line["supplier_code"].as_str(), line["id"].as_str())
            && supplier != SWEPT
        {
            open.entry(supplier).or_default().push(id);
        }
    }
    for (supplier, ids) in open {
        for (k, chunk) in ids.chunks(25).enumerate() {
            let url = run.recovery.at("/api/v1/recovery-claims");
            let key = Some(format!("rc-{round}-{supplier}-{k}"));
            let body = json!({"line_ids": chunk});
            if let Some(claim) = run
                .call(run.post(url, finance, body, key), &[200, 201])
                .await
                && let Some(batch) = Batch::new(rng, &claim)
            {
                run.answered().recovery_claims.insert(batch.id.clone());
                batches.push(batch);
            }
        }
    }
    adopt_sweep_drafts(run, rng, batches).await;
}

/// The supplier whose lines the filing-deadline sweep drafts.
const SWEPT: &str = "SUP2";

/// Takes on the drafts the filing-deadline sweep made that finance does not hold yet.
async fn adopt_sweep_drafts(run: &Run, rng: &mut Rng, batches: &mut Vec<Batch>) {
    let url = run
        .recovery
        .at("/api/v1/recovery-claims?origin=filing_deadline_sweep&status=draft&limit=200");
    let Some(page) = run.get(url, run.tokens.finance.as_str()).await else {
        return;
    };
    for claim in page["items"].as_array().into_iter().flatten() {
        let id = text(&claim["id"]);
        if !batches.iter().any(|b| b.id == id) && run.answered().swept_claims.insert(id) {
            batches.extend(Batch::new(rng, claim));
        }
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

impl Batch {
    fn new(rng: &mut Rng, claim: &Value) -> Option<Batch> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let id = text(&claim["id"])?;
        let mut plan = VecDeque::new();
        // One in twelve stays a draft; the others are answered and paid to some point.
        if rng.range(0, 12) != 0 {
            plan.push_back(Step::Submit);
            match rng.range(0, 100) {
                0..12 => {}
                12..24 => plan.push_back(Step::Answer { all: false }),
                _ => plan.push_back(Step::Answer { all: true }),
            }
            plan.extend(match rng.range(0, 100) {
                0..35 => vec![Step::Credit { all: true }],
                35..60 => vec![Step::Credit { all: false }, Step::WriteOff],
                60..75 => vec![Step::Credit { all: false }],
                75..85 => vec![Step::WriteOff],
                _ => vec![],
            });
        }
        Some(Batch {
            id,
            number: text(&claim["number"])?,
            supplier: text(&claim["supplier_code"])?,
            currency: text(&claim["currency"])?,
            lines: claim["lines"]
                .as_array()?
                .iter()
                .filter_map(|l| Some((text(&l["id"])?, decimal(&l["amount"]))))
                .collect(),
            plan,
        })
    }
}

/// The next step of the batch's plan; false when it failed (recorded) or cannot
/// apply (nothing outstanding to pay).
async fn advance(run: &Run, rng: &mut Rng, batch: &mut Batch) -> bool {
    let Some(step) = batch.plan.pop_front() else {
        return false;
    };
    let finance = run.tokens.finance.as_str();
    let (recovery, path) = (
        &run.recovery,
        format!("/api/v1/recovery-claims/{}", batch.id),
    );
    match step {
        Step::Submit => run
            .act(recovery, &path, "submit", finance, None, |c| {
                c["status"] != "draft"
            })
            .await
            .is_some(),
        Step::Answer { all } => {
            let answering = if all {
                batch.lines.len()
            } else {
                batch.lines.len() / 2
            };
            let responses: Vec<Value> = batch.lines[..answering]
                .iter()
                .map(|(id, amount)| match rng.range(0, 100) {
                    0..60 => json!({"line_id": id, "outcome": "accepted"}),
                    60..85 => json!({"line_id": id, "outcome": "partially_accepted",
                                     "accepted_amount": half(*amount).to_string()}),
                    _ => json!({"line_id": id, "outcome": "rejected",
                                "reason": "outside the supplier's responsibility"}),
                })
                .collect();
            if responses.is_empty() {
                return false;
            }
            let answered = |claim: &Value| {
                let lines = claim["lines"].as_array().map_or(&[][..], Vec::as_slice);
                batch.lines[..answering].iter().all(|(id, _)| {
                    lines
                        .iter()
                        .any(|l| l["id"] == *id && !l["response"].is_null())
                })
            };
            let body = Some(json!({"responses": responses}));
            run.act(recovery, &path, "responses", finance, body, answered)
                .await
                .is_some()
        }
        Step::Credit { .. } | Step::WriteOff => {
            let Some(claim) = run.get(recovery.at(&path), finance).await else {
                return false;
            };
            let outstanding = decimal(&claim["figures"]["outstanding"]);
            if outstanding <= Decimal::ZERO {
                return false;
            }
            pay(run, batch, step, outstanding).await
        }
    }
}

async fn pay(run: &Run, batch: &Batch, step: Step, outstanding: Decimal) -> bool {
    let finance = run.tokens.finance.as_str();
    let paid = batch.plan.len();
    let (what, body) = match step {
        Step::Credit { all } => {
            let amount = if all { outstanding } else { half(outstanding) };
            if amount <= Decimal::ZERO {
                return false;
            }
            let reference = format!("CM-{}-{paid}", batch.number);
            (
                "credit-memos",
                json!({"supplier_code": batch.supplier, "reference": reference,
                       "memo_date": Utc::now().date_naive(), "amount": amount.to_string(),
                       "currency": batch.currency, "recovery_claim_ids": [batch.id]}),
            )
        }
        _ => (
            "write-offs",
            json!({"recovery_claim_id": batch.id, "reason": "the supplier will not pay"}),
        ),
    };
    let url = run.recovery.at(&format!("/api/v1/{what}"));
    let key = Some(format!("{what}-{}-{paid}", batch.id));
    let Some(id) = run
        .call(run.post(url, finance, body, key), &[200, 201])
        .await
        .and_then(|answer| answer["id"].as_str().map(str::to_owned))
    else {
        return false;
    };
    let mut answered = run.answered();
    if what == "credit-memos" {
        answered.credit_memos.insert(id);
    } else {
        answered.write_offs.insert(id);
    }
    true
}
