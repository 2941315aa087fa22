//! The audit entries of recovery's changes (`aftersales_web::audit`). Each use case
//! collects the entries of its change here and writes them with one
//! `Origin::record` call in its own transaction, so a change and its record commit or
//! roll back together; what is refused (a 4xx) or replayed (an `Idempotency-Key`)
//! writes nothing.
//!
//! Money is recorded as the amount to the cent (`"115.00"`); dates and times as their
//! JSON strings. No entry names a dealer (`entity_dealer`): recovery keeps no dealer
//! data, and what a supplier is charged back under its agreement is finance's to read,
//! not the dealer's.

use aftersales_web::audit::{Entry, Origin};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use crate::db;
use crate::domain::agreement::NotRecoverable;
use crate::domain::claim::ClaimStatus;
use crate::domain::line::LineStatus;
use crate::domain::money::cents;

/// The actor name of the filing-deadline sweep (`app::filing`).
pub const FILING_SWEEP: &str = "filing_deadline_sweep";

/// The correlation id of the events a change publishes: its origin's, or a new one
/// for a job that starts a flow of its own.
pub fn correlation(origin: &Origin) -> Uuid {
    origin.correlation_id.unwrap_or_else(Uuid::new_v4)
}

/// Catalog's part as recovery copies it (the supplier it charges back).
#[derive(Serialize)]
struct PartCopy<'a> {
    description: &'a str,
    supplier_code: &'a str,
    active: bool,
}

fn part_copy(p: &db::parts::Part) -> PartCopy<'_> {
    PartCopy {
        description: &p.description,
        supplier_code: p.supplier_code.as_str(),
        active: p.active,
    }
}

/// `part.copied`: catalog's part as this event brought it, against the copy before.
pub fn part_copied(before: Option<&db::parts::Part>, after: &db::parts::Part) -> Entry {
    Entry::new("part.copied", "part", after.part_number.as_str())
        .diff(&before.map(part_copy), &part_copy(after))
}

/// An agreement's validity and terms as its entries show them.
#[derive(Serialize)]
struct Terms<'a> {
    supplier_code: &'a str,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    parts_recovery_pct: Decimal,
    labor_recovery_pct: Decimal,
    handling_fee: Decimal,
    currency: &'a str,
    claim_window_days: i32,
}

fn terms(a: &db::agreements::Agreement) -> Terms<'_> {
    Terms {
        supplier_code: &a.supplier_code,
        valid_from: a.valid_from,
        valid_to: a.valid_to,
        parts_recovery_pct: cents(a.parts_recovery_pct),
        labor_recovery_pct: cents(a.labor_recovery_pct),
        handling_fee: cents(a.handling_fee),
        currency: &a.currency,
        claim_window_days: a.claim_window_days,
    }
}

/// `agreement.created`: every field new.
pub fn agreement_created(a: &db::agreements::Agreement) -> Entry {
    Entry::new("agreement.created", "agreement", a.id).created(&terms(a))
}

/// `action` (`agreement.amended`, `agreement.ended`) with the fields that changed;
/// `None` when none did (the same terms sent again change nothing).
pub fn agreement_changed(
    action: &'static str,
    before: &db::agreements::Agreement,
    after: &db::agreements::Agreement,
) -> Option<Entry> {
    let entry = Entry::new(action, "agreement", after.id).diff(&terms(before), &terms(after));
    (!entry.changes.is_empty()).then_some(entry)
}

/// What a new line holds, as its entry shows it.
#[derive(Serialize)]
struct NewLine<'a> {
    warranty_claim_id: Uuid,
    claim_number: &'a str,
    supplier_code: &'a str,
    causal_part_number: &'a str,
    decision: &'static str,
    decided_at: DateTime<Utc>,
    parts_amount: Decimal,
    labor_amount: Decimal,
    currency: &'a str,
    agreement_id: Option<Uuid>,
    status: LineStatus,
    amount: Option<Decimal>,
    reason: Option<NotRecoverable>,
    filing_deadline: Option<NaiveDate>,
}

/// `recovery_line.created` from an adjudication, with the reason a line is not
/// recoverable.
pub fn line_created(line: &db::lines::Line) -> Entry {
    let fields = NewLine {
        warranty_claim_id: line.claim_id,
        claim_number: &line.claim_number,
        supplier_code: line.supplier_code.as_str(),
        causal_part_number: &line.causal_part_number,
        decision: line.decision.as_str(),
        decided_at: line.decided_at,
        parts_amount: cents(line.parts_amount),
        labor_amount: cents(line.labor_amount),
        currency: line.currency.as_str(),
        agreement_id: line.agreement_id,
        status: line.status,
        amount: line.amount.map(cents),
        reason: line.reason,
        filing_deadline: line.filing_deadline,
    };
    let entry = Entry::new("recovery_line.created", "recovery_line", line.id).created(&fields);
    match line.reason {
        Some(reason) => entry.because(reason.as_str()),
        None => entry,
    }
}

/// The assessment of a line, as a reassessment changes it.
#[derive(Serialize)]
struct Assessment {
    agreement_id: Option<Uuid>,
    status: LineStatus,
    amount: Option<Decimal>,
    reason: Option<NotRecoverable>,
    filing_deadline: Option<NaiveDate>,
}

fn assessment(line: &db::lines::Line) -> Assessment {
    Assessment {
        agreement_id: line.agreement_id,
        status: line.status,
        amount: line.amount.map(cents),
        reason: line.reason,
        filing_deadline: line.filing_deadline,
    }
}

/// `recovery_line.reassessed`: a line kept for want of an agreement, assessed again
/// when one was recorded or changed.
pub fn line_reassessed(before: &db::lines::Line, after: &db::lines::Line) -> Entry {
    Entry::new("recovery_line.reassessed", "recovery_line", after.id)
        .diff(&assessment(before), &assessment(after))
}

/// A line entering or leaving a recovery claim (`recovery_line.batched`,
/// `recovery_line.unbatched`, `recovery_line.filed`): its status and claim.
pub fn line_moved(
    action: &'static str,
    line: Uuid,
    status: (LineStatus, LineStatus),
    claim: (Option<Uuid>, Option<Uuid>),
) -> Entry {
    Entry::new(action, "recovery_line", line)
        .change("status", status.0, status.1)
        .change("recovery_claim_id", claim.0, claim.1)
}

/// `recovery_line.answered`: the supplier's answer, with its reason (a rejection's).
pub fn line_answered(line: Uuid, before: LineStatus, answer: &db::lines::Response) -> Entry {
    let entry = Entry::new("recovery_line.answered", "recovery_line", line)
        .change("status", before, LineStatus::from(answer.outcome))
        .change(
            "accepted_amount",
            None::<Decimal>,
            cents(answer.accepted_amount),
        );
    match &answer.reason {
        Some(reason) => entry.because(reason),
        None => entry,
    }
}

/// `recovery_line.forfeited` by the sweep: the deadline passed before submission.
pub fn line_forfeited(before: &db::lines::Line, after: &db::lines::Line) -> Entry {
    let deadline = after.filing_deadline.map_or_else(
        || "its filing deadline".to_owned(),
        |d| format!("filing deadline {d}"),
    );
    Entry::new("recovery_line.forfeited", "recovery_line", after.id)
        .change("status", before.status, after.status)
        .change(
            "recovery_claim_id",
            before.recovery_claim_id,
            after.recovery_claim_id,
        )
        .change("forfeited_at", before.forfeited_at, after.forfeited_at)
        .because(format!("{deadline} passed before the line was submitted"))
}

/// `recovery_line.flagged_at_risk` by the sweep: announced once, `days` before its
/// deadline.
pub fn line_at_risk(line: &db::lines::Line, today: NaiveDate) -> Entry {
    let entry = Entry::new("recovery_line.flagged_at_risk", "recovery_line", line.id).change(
        "at_risk_since",
        None::<DateTime<Utc>>,
        line.at_risk_since,
    );
    match line.filing_deadline {
        Some(d) => entry.because(format!(
            "filing deadline {d}, {} days left",
            crate::domain::filing::days_left(d, today)
        )),
        None => entry,
    }
}

/// A new recovery claim as its entry shows it.
#[derive(Serialize)]
struct NewClaim<'a> {
    number: &'a str,
    supplier_code: &'a str,
    currency: &'a str,
    status: ClaimStatus,
    origin: crate::domain::claim::Origin,
    lines: &'a [Uuid],
    amount: Decimal,
}

/// `recovery_claim.drafted`, by finance or the sweep, with its lines and amount.
pub fn claim_drafted(claim: &db::claims::Claim, lines: &[Uuid], amount: Decimal) -> Entry {
    Entry::new("recovery_claim.drafted", "recovery_claim", claim.id).created(&NewClaim {
        number: &claim.number,
        supplier_code: claim.supplier_code.as_str(),
        currency: claim.currency.as_str(),
        status: claim.status,
        origin: claim.origin,
        lines,
        amount: cents(amount),
    })
}

/// The lines of a draft claim and what they claim together, before and after an edit.
pub struct Lines {
    pub ids: Vec<Uuid>,
    pub amount: Decimal,
}

/// `action` (`recovery_claim.lines_added`, `recovery_claim.line_removed`) on a draft.
pub fn claim_lines_changed(
    action: &'static str,
    claim: Uuid,
    before: &Lines,
    after: &Lines,
) -> Entry {
    Entry::new(action, "recovery_claim", claim)
        .change("lines", &before.ids, &after.ids)
        .change("amount", cents(before.amount), cents(after.amount))
}

/// The claim's move from `before` to `after` at `at`, named after where it went
/// (`recovery_claim.submitted`, `.responded`, `.settled`); `None` if it stayed.
pub fn claim_moved(
    claim: Uuid,
    before: ClaimStatus,
    after: ClaimStatus,
    at: DateTime<Utc>,
) -> Option<Entry> {
    let (action, stamp) = match after {
        _ if after == before => return None,
        ClaimStatus::Submitted => ("recovery_claim.submitted", Some("submitted_at")),
        ClaimStatus::Responded => ("recovery_claim.responded", Some("responded_at")),
        ClaimStatus::Settled => ("recovery_claim.settled", Some("settled_at")),
        // No action takes a claim back to draft; were one to, it is still recorded.
        ClaimStatus::Draft => ("recovery_claim.redrafted", None),
    };
    let entry = Entry::new(action, "recovery_claim", claim).change("status", before, after);
    Some(match stamp {
        Some(stamp) => entry.change(stamp, None::<DateTime<Utc>>, at),
        None => entry,
    })
}

/// A payment's share of one line, as its entry lists it.
#[derive(Serialize)]
struct Share {
    line_id: Uuid,
    recovery_claim_id: Uuid,
    amount: Decimal,
}

fn shares(allocations: &[super::allocation::Share]) -> Vec<Share> {
    allocations
        .iter()
        .map(|s| Share {
            line_id: s.line_id,
            recovery_claim_id: s.recovery_claim_id,
            amount: cents(s.amount),
        })
        .collect()
}

#[derive(Serialize)]
struct NewMemo<'a> {
    supplier_code: &'a str,
    reference: &'a str,
    memo_date: NaiveDate,
    amount: Decimal,
    currency: &'a str,
    allocations: Vec<Share>,
}

/// `credit_memo.recorded` with where it was allocated.
pub fn memo_recorded(
    memo: &db::payments::CreditMemo,
    allocations: &[super::allocation::Share],
) -> Entry {
    Entry::new("credit_memo.recorded", "credit_memo", memo.id).created(&NewMemo {
        supplier_code: &memo.supplier_code,
        reference: &memo.reference,
        memo_date: memo.memo_date,
        amount: cents(memo.amount),
        currency: &memo.currency,
        allocations: shares(allocations),
    })
}

#[derive(Serialize)]
struct NewWriteOff<'a> {
    recovery_claim_id: Uuid,
    recovery_claim_number: &'a str,
    amount: Decimal,
    currency: &'a str,
    allocations: Vec<Share>,
}

/// `write_off.recorded` with its amount, where it was allocated and finance's reason.
pub fn write_off_recorded(
    write_off: &db::payments::WriteOff,
    claim: &db::claims::Claim,
    allocations: &[super::allocation::Share],
) -> Entry {
    Entry::new("write_off.recorded", "write_off", write_off.id)
        .created(&NewWriteOff {
            recovery_claim_id: write_off.recovery_claim_id,
            recovery_claim_number: &claim.number,
            amount: cents(write_off.amount),
            currency: claim.currency.as_str(),
            allocations: shares(allocations),
        })
        .because(&write_off.reason)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_claim_that_stays_where_it_was_has_no_entry() {
        let id = Uuid::nil();
        let at = Utc::now();
        assert!(claim_moved(id, ClaimStatus::Submitted, ClaimStatus::Submitted, at).is_none());
        let settled =
            claim_moved(id, ClaimStatus::Responded, ClaimStatus::Settled, at).expect("an entry");
        assert_eq!(settled.action, "recovery_claim.settled");
        assert_eq!(
            settled.changes.to_json()["status"],
            json!({"before": "responded", "after": "settled"})
        );
    }

    #[test]
    fn amounts_are_recorded_to_the_cent() {
        let before = Lines {
            ids: vec![],
            amount: Decimal::ZERO,
        };
        let after = Lines {
            ids: vec![Uuid::nil()],
            amount: Decimal::new(115, 0),
        };
        let e = claim_lines_changed("recovery_claim.lines_added", Uuid::nil(), &before, &after);
        assert_eq!(
            e.changes.to_json()["amount"],
            json!({"before": "0.00", "after": "115.00"})
        );
    }
}
