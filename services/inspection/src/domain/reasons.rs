//! The one vocabulary of reason codes a claim is rejected with, at submission, by the
//! return-deadline job, or by an inspector.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The failure date is after the coverage end (in-service date + warranty months).
    ExpiredWarranty,
    /// The usage at failure is above the policy's usage limit.
    UsageExceeded,
    /// Submitted more than the policy's submission window after the repair.
    OutsideSubmissionWindow,
    /// The unit already has an open or approved claim for the same causal part.
    DuplicateClaim,
    /// A labor line claims more hours than the operation's standard time.
    LaborExceedsStandard,
    /// The returnable part did not reach a warehouse by its return deadline.
    PartNotReturned,
    /// No warranty policy covers the causal part (neither for the part nor its category).
    NotCovered,
    /// A core part failed within its replace-only months and was not replaced (the
    /// causal part is not among the parts lines).
    ReplacementRequired,
    /// The inspection found no fault in the returned part.
    NoFaultFound,
    /// The inspection found the failure was caused by misuse.
    Misuse,
    /// A part is priced in another currency than the dealer's labor rate.
    CurrencyMismatch,
    /// The claim's total is above the estimate of the pre-authorization it is filed
    /// under.
    ExceedsPreauthorizedEstimate,
    /// The claim's total is above the pre-authorization limit and it was filed under
    /// no pre-authorization.
    PreauthorizationRequired,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 13] = [
        ReasonCode::ExpiredWarranty,
        ReasonCode::UsageExceeded,
        ReasonCode::OutsideSubmissionWindow,
        ReasonCode::DuplicateClaim,
        ReasonCode::LaborExceedsStandard,
        ReasonCode::PartNotReturned,
        ReasonCode::NotCovered,
        ReasonCode::ReplacementRequired,
        ReasonCode::NoFaultFound,
        ReasonCode::Misuse,
        ReasonCode::CurrencyMismatch,
        ReasonCode::ExceedsPreauthorizedEstimate,
        ReasonCode::PreauthorizationRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::ExpiredWarranty => "expired_warranty",
            ReasonCode::UsageExceeded => "usage_exceeded",
            ReasonCode::OutsideSubmissionWindow => "outside_submission_window",
            ReasonCode::DuplicateClaim => "duplicate_claim",
            ReasonCode::LaborExceedsStandard => "labor_exceeds_standard",
            ReasonCode::PartNotReturned => "part_not_returned",
            ReasonCode::NotCovered => "not_covered",
            ReasonCode::ReplacementRequired => "replacement_required",
            ReasonCode::NoFaultFound => "no_fault_found",
            ReasonCode::Misuse => "misuse",
            ReasonCode::CurrencyMismatch => "currency_mismatch",
            ReasonCode::ExceedsPreauthorizedEstimate => "exceeds_preauthorized_estimate",
            ReasonCode::PreauthorizationRequired => "preauthorization_required",
        }
    }

    pub fn parse(value: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for r in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(ReasonCode::parse("nope"), None);
    }
}
