//! What recovery tells finance (docs/notifications.md): a recovery line is near its
//! filing deadline. Written with `aftersales_web::notify::emit` by the filing-deadline
//! sweep (`filing`), in the run that stamps the line `at_risk_since` and records
//! `recovery_line.flagged_at_risk`: once per line, however many replicas sweep.
//! Recovery lines belong to suppliers, not dealers: no notice names a dealer.

use aftersales_messaging::contracts::recovery::LineAtRisk;
use aftersales_web::Role;
use aftersales_web::notify::{Notice, Topic};
use chrono::NaiveDate;
use serde_json::json;

use crate::db;
use crate::domain::claim::Origin;
use crate::domain::filing;

pub const FILING_DEADLINE_NEAR: Topic = Topic {
    name: "recovery.filing_deadline_near",
    description: "a recovery line not yet submitted to its supplier is near its filing \
                  deadline (it is in a draft recovery claim to check and submit)",
    roles: &[Role::Finance, Role::Admin],
};

/// The topics recovery offers.
pub const TOPICS: &[Topic] = &[FILING_DEADLINE_NEAR];

/// "Filing deadline near" for `line`, announced at risk on `today` in the draft `claim`.
pub fn filing_deadline_near(
    claim: &db::claims::Claim,
    line: &LineAtRisk,
    today: NaiveDate,
) -> Notice {
    let days = filing::days_left(line.filing_deadline, today);
    let left = match days {
        0 => "today is the last day".to_owned(),
        1 => "1 day left".to_owned(),
        n => format!("{n} days left"),
    };
    let drafted_by_sweep = claim.origin == Origin::FilingDeadlineSweep;
    let draft = if drafted_by_sweep {
        "drafted by the filing-deadline sweep"
    } else {
        "drafted by finance"
    };
    Notice::new(
        &FILING_DEADLINE_NEAR,
        "recovery_line",
        line.line_id,
        format!(
            "Recovery of {} {} from {} for claim {} must be filed by {} ({left}): submit draft {} ({draft})",
            line.amount,
            claim.currency.as_str(),
            claim.supplier_code.as_str(),
            line.claim_number,
            line.filing_deadline,
            claim.number,
        ),
    )
    .with_data(json!({
        "claim_number": line.claim_number,
        "supplier_code": claim.supplier_code.as_str(),
        "amount": line.amount,
        "currency": claim.currency.as_str(),
        "filing_deadline": line.filing_deadline,
        "days_left": days,
        "recovery_claim_id": claim.id,
        "recovery_claim_number": claim.number,
        "drafted_by_sweep": drafted_by_sweep,
    }))
}
