//! What inspection tells the people a claim concerns (docs/notifications.md): the
//! claim was decided, its failed part must be returned, the return is due soon, the
//! part arrived. Written with `aftersales_web::notify::emit` in the transaction of the
//! change, where its audit record is written (or, for the reminder, where the claim is
//! marked reminded): a replayed request, a duplicate event or a second sweep tells
//! nobody twice. Every notice names the claim's dealer, so a dealer's subscription
//! gets only its own claims'.

use aftersales_messaging::contracts::inspection::{ClaimAdjudicated, Decision};
use aftersales_web::Role;
use aftersales_web::notify::{Notice, Topic};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::db;
use crate::domain::returns;

/// The entity type of a claim's notices.
const CLAIM: &str = "claim";

pub const DECIDED: Topic = Topic {
    name: "claim.decided",
    description: "a warranty claim was decided: approved, partially approved or rejected, \
                  with the approved amounts and the reasons",
    roles: &[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin],
};

pub const AWAITING_PART: Topic = Topic {
    name: "claim.awaiting_part",
    description: "a warranty claim passed its checks and waits for its failed part to be \
                  returned by the return deadline",
    roles: &[Role::Dealer, Role::Quality, Role::QualityLead, Role::Admin],
};

pub const PART_RETURN_DUE: Topic = Topic {
    name: "claim.part_return_due",
    description: "a claim's failed part is due back within 3 days and has not arrived; \
                  after the deadline the claim is rejected",
    roles: &[Role::Dealer, Role::Quality, Role::Admin],
};

pub const PART_RECEIVED: Topic = Topic {
    name: "claim.part_received",
    description: "a claim's returned part arrived at a warehouse and is ready for inspection",
    roles: &[Role::Quality, Role::QualityLead, Role::Admin],
};

/// The topics inspection offers.
pub const TOPICS: &[Topic] = &[DECIDED, AWAITING_PART, PART_RETURN_DUE, PART_RECEIVED];

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// "1 unit", "3 units".
fn units(n: impl Into<i64>) -> String {
    match n.into() {
        1 => "1 unit".to_owned(),
        n => format!("{n} units"),
    }
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "Claim decided", from the decision as `inspection.claim_adjudicated` announces it
/// (an inspector's, or the return-deadline job's rejection).
pub fn decided(event: &ClaimAdjudicated) -> Notice {
    let (parts, labor) = (event.approved_parts_amount, event.approved_labor_amount);
    let total = parts + labor;
    let currency = event.currency.as_str();
    let reasons = event.reason_codes.join(", ");
    let (decision, summary) = match event.decision {
        Decision::Approved => (
            "approved",
            format!(
                "Claim {} approved: {total} {currency} (parts {parts}, labor {labor})",
                event.claim_number
            ),
        ),
        Decision::PartiallyApproved => (
            "partially_approved",
            format!(
                "Claim {} partially approved: {total} {currency} (parts {parts}, labor {labor}); reasons: {reasons}",
                event.claim_number
            ),
        ),
        Decision::Rejected => (
            "rejected",
            format!("Claim {} rejected: {reasons}", event.claim_number),
        ),
    };
    Notice::new(&DECIDED, CLAIM, event.claim_id, summary)
        .of_dealer(event.dealer_code.as_str())
        .with_data(json!({
            "claim_number": event.claim_number,
            "decision": decision,
            "approved_parts_amount": parts,
            "approved_labor_amount": labor,
            "approved_total": total,
            "currency": currency,
            "reason_codes": event.reason_codes,
            "cause_code": event.cause_code,
            "causal_part_number": event.causal_part_number,
            "decided_at": instant(event.decided_at),
        }))
}

/// "Claim awaits its part", for a claim just submitted that must return `quantity` of
/// its causal part by its return deadline; None for any other claim.
pub fn awaiting_part(claim: &db::claims::Claim, quantity: i64) -> Option<Notice> {
    let deadline = claim.return_deadline?;
    let part = claim.causal_part_number.as_str();
    Some(
        Notice::new(
            &AWAITING_PART,
            CLAIM,
            claim.id,
            format!(
                "Claim {}: return the failed part {part} ({}) by {}",
                claim.number,
                units(quantity),
                minute(deadline)
            ),
        )
        .of_dealer(claim.dealer_code.as_str())
        .with_data(json!({
            "claim_number": claim.number,
            "part_number": part,
            "quantity": quantity,
            "return_deadline": instant(deadline),
        })),
    )
}

/// "Part return due", for a claim reminded at `now` that `quantity` of its part is
/// due back soon.
pub fn part_return_due(due: &db::claims::DueReturn, quantity: i64, now: DateTime<Utc>) -> Notice {
    let days = returns::days_left(due.return_deadline, now);
    let within = match days {
        1 => "within a day".to_owned(),
        n => format!("within {n} days"),
    };
    Notice::new(
        &PART_RETURN_DUE,
        CLAIM,
        due.id,
        format!(
            "Claim {}: the failed part {} ({}) is due back by {}, {within}; \
             the claim is rejected if it has not arrived by then",
            due.number,
            due.causal_part_number,
            units(quantity),
            minute(due.return_deadline)
        ),
    )
    .of_dealer(due.dealer_code.as_str())
    .with_data(json!({
        "claim_number": due.number,
        "part_number": due.causal_part_number,
        "quantity": quantity,
        "return_deadline": instant(due.return_deadline),
        "days_left": days,
    }))
}

/// "Part received", for the returned part of `claim` that arrived at `warehouse`.
pub fn part_received(claim: &db::claims::Claim, warehouse: &str, quantity: i32) -> Notice {
    let part = claim.causal_part_number.as_str();
    Notice::new(
        &PART_RECEIVED,
        CLAIM,
        claim.id,
        format!(
            "Claim {}: the returned part {part} ({}) arrived at {warehouse}, ready for inspection",
            claim.number,
            units(quantity)
        ),
    )
    .of_dealer(claim.dealer_code.as_str())
    .with_data(json!({
        "claim_number": claim.number,
        "part_number": part,
        "quantity": quantity,
        "warehouse": warehouse,
    }))
}
