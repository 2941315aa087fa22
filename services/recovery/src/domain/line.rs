//! A recovery line's own vocabulary: where it stands and which decision of
//! inspection it came from.

use serde::{Deserialize, Serialize};

use super::ledger::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Recoverable, in no claim yet.
    Open,
    /// Kept with its reason; never claimed.
    NotRecoverable,
    /// In a draft recovery claim.
    Batched,
    /// In a submitted claim, waiting for the supplier's answer.
    Claimed,
    Accepted,
    PartiallyAccepted,
    Rejected,
    /// Was recoverable, but its filing deadline passed before it was submitted
    /// (`domain::filing`): it keeps its amount, what was lost.
    Forfeited,
}

impl LineStatus {
    pub const ALL: [LineStatus; 8] = [
        LineStatus::Open,
        LineStatus::NotRecoverable,
        LineStatus::Batched,
        LineStatus::Claimed,
        LineStatus::Accepted,
        LineStatus::PartiallyAccepted,
        LineStatus::Rejected,
        LineStatus::Forfeited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Open => "open",
            LineStatus::NotRecoverable => "not_recoverable",
            LineStatus::Batched => "batched",
            LineStatus::Claimed => "claimed",
            LineStatus::Accepted => "accepted",
            LineStatus::PartiallyAccepted => "partially_accepted",
            LineStatus::Rejected => "rejected",
            LineStatus::Forfeited => "forfeited",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Recoverable and not yet submitted to the supplier: what a filing deadline
    /// still applies to.
    pub fn is_unsubmitted(self) -> bool {
        matches!(self, LineStatus::Open | LineStatus::Batched)
    }
}

impl From<Outcome> for LineStatus {
    /// The status a claimed line takes with the supplier's answer.
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Accepted => LineStatus::Accepted,
            Outcome::PartiallyAccepted => LineStatus::PartiallyAccepted,
            Outcome::Rejected => LineStatus::Rejected,
        }
    }
}

/// Inspection's decision on the warranty claim a line comes from: only approvals
/// become lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    PartiallyApproved,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::PartiallyApproved => "partially_approved",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Decision::Approved, Decision::PartiallyApproved]
            .into_iter()
            .find(|d| d.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for s in LineStatus::ALL {
            assert_eq!(LineStatus::parse(s.as_str()), Some(s));
        }
        for d in [Decision::Approved, Decision::PartiallyApproved] {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("rejected"), None);
    }
}
