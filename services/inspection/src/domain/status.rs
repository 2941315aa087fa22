//! The claim state machine: every status change of a claim goes through
//! [`transition`], the one place that says which are legal.
//!
//! ```text
//! submitted ──(return required)──▶ awaiting_part ──receive──▶ part_received
//!     │  │                              │                          │
//!     │  └─checks failed─▶ rejected     └─deadline passed─▶ rejected
//!     │                                                            │
//!     └──────────findings (no return)──▶ under_inspection ◀─findings┘
//!                                            │ (findings may be amended)
//!                                            ▼ decide
//!                         approved / partially_approved / rejected
//!                                            │ dispose (part in hand)
//!                                            ▼
//!                                          closed
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Priced and checked; waiting for inspection (no part to return).
    Submitted,
    /// The failed part must come back by the return deadline.
    AwaitingPart,
    /// The failed part is at a warehouse.
    PartReceived,
    /// Findings recorded; waiting for a decision.
    UnderInspection,
    Approved,
    PartiallyApproved,
    Rejected,
    /// The returned part was disposed of.
    Closed,
}

/// The outcome an inspector decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approved,
    PartiallyApproved,
    Rejected,
}

/// What happens to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// At submission: the checks failed.
    RejectAtSubmission,
    /// At submission: the part must be returned.
    AwaitPart,
    /// The returned part arrived at a warehouse.
    ReceivePart,
    /// The return deadline passed without the part.
    ReturnDeadlinePassed,
    /// An inspector records (or amends) findings.
    RecordFindings,
    Decide(Verdict),
    /// The returned part is scrapped or returned to its supplier.
    Dispose,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::RejectAtSubmission,
        Action::AwaitPart,
        Action::ReceivePart,
        Action::ReturnDeadlinePassed,
        Action::RecordFindings,
        Action::Decide(Verdict::Approved),
        Action::Decide(Verdict::PartiallyApproved),
        Action::Decide(Verdict::Rejected),
        Action::Dispose,
    ];

    fn describe(self) -> &'static str {
        match self {
            Action::RejectAtSubmission => "reject at submission",
            Action::AwaitPart => "await the part",
            Action::ReceivePart => "receive the part",
            Action::ReturnDeadlinePassed => "reject for the missed return deadline",
            Action::RecordFindings => "record findings",
            Action::Decide(_) => "decide",
            Action::Dispose => "dispose of the part",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: ClaimStatus,
    pub action: Action,
}

impl std::fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a claim that is {} cannot {}{}",
            self.from.as_str(),
            self.action.describe(),
            self.next_step()
        )
    }
}

impl std::error::Error for IllegalTransition {}

impl IllegalTransition {
    /// What the person should do instead, as `"; …"` (empty when nothing helps).
    fn next_step(&self) -> &'static str {
        use Action as A;
        use ClaimStatus as S;
        let decided = matches!(self.from, S::Approved | S::PartiallyApproved | S::Rejected);
        match (self.from, self.action) {
            (S::Submitted | S::PartReceived, A::Decide(_)) => "; record findings first",
            (S::AwaitingPart, A::Decide(_)) => {
                "; receive the returned part and record findings first"
            }
            (S::AwaitingPart, A::RecordFindings) => "; receive the returned part first",
            (S::Submitted, A::ReceivePart) => "; no part return was asked for this claim",
            (S::PartReceived | S::UnderInspection, A::ReceivePart) => {
                "; the part was received already"
            }
            (_, A::Decide(_) | A::RecordFindings) if decided => "; it is decided already",
            (S::Submitted | S::AwaitingPart | S::PartReceived | S::UnderInspection, A::Dispose) => {
                "; decide the claim first"
            }
            _ => "",
        }
    }
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::PartiallyApproved => "partially_approved",
            Verdict::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Verdict> {
        [
            Verdict::Approved,
            Verdict::PartiallyApproved,
            Verdict::Rejected,
        ]
        .into_iter()
        .find(|v| v.as_str() == value)
    }
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 8] = [
        ClaimStatus::Submitted,
        ClaimStatus::AwaitingPart,
        ClaimStatus::PartReceived,
        ClaimStatus::UnderInspection,
        ClaimStatus::Approved,
        ClaimStatus::PartiallyApproved,
        ClaimStatus::Rejected,
        ClaimStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::AwaitingPart => "awaiting_part",
            ClaimStatus::PartReceived => "part_received",
            ClaimStatus::UnderInspection => "under_inspection",
            ClaimStatus::Approved => "approved",
            ClaimStatus::PartiallyApproved => "partially_approved",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<ClaimStatus> {
        ClaimStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Open claims and approved ones (also once closed) block a second claim for the
    /// same unit and causal part (`duplicate_claim`); a rejected one does not.
    pub fn blocks_duplicate(self, decision: Option<Verdict>) -> bool {
        match self {
            ClaimStatus::Rejected => false,
            ClaimStatus::Closed => decision.is_some_and(|d| d != Verdict::Rejected),
            _ => true,
        }
    }

    pub fn is_decided(self) -> bool {
        matches!(
            self,
            ClaimStatus::Approved | ClaimStatus::PartiallyApproved | ClaimStatus::Rejected
        )
    }
}

/// The status after `action`, or why the claim cannot take it (a 409).
///
/// `part_in_hand`: whether a returned part was received (only such a part can be
/// disposed of).
pub fn transition(
    from: ClaimStatus,
    action: Action,
    part_in_hand: bool,
) -> Result<ClaimStatus, IllegalTransition> {
    use ClaimStatus as S;
    let to = match (from, action) {
        (S::Submitted, Action::RejectAtSubmission) => Some(S::Rejected),
        (S::Submitted, Action::AwaitPart) => Some(S::AwaitingPart),
        (S::AwaitingPart, Action::ReceivePart) => Some(S::PartReceived),
        (S::AwaitingPart, Action::ReturnDeadlinePassed) => Some(S::Rejected),
        (S::Submitted | S::PartReceived | S::UnderInspection, Action::RecordFindings) => {
            Some(S::UnderInspection)
        }
        (S::UnderInspection, Action::Decide(v)) => Some(match v {
            Verdict::Approved => S::Approved,
            Verdict::PartiallyApproved => S::PartiallyApproved,
            Verdict::Rejected => S::Rejected,
        }),
        (S::Approved | S::PartiallyApproved | S::Rejected, Action::Dispose) if part_in_hand => {
            Some(S::Closed)
        }
        _ => None,
    };
    to.ok_or(IllegalTransition { from, action })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClaimStatus as S;

    #[test]
    fn a_refused_transition_says_what_to_do_next() {
        let refused = |from, action| IllegalTransition { from, action }.to_string();
        assert_eq!(
            refused(ClaimStatus::PartReceived, Action::Decide(Verdict::Approved)),
            "a claim that is part_received cannot decide; record findings first"
        );
        assert_eq!(
            refused(ClaimStatus::AwaitingPart, Action::RecordFindings),
            "a claim that is awaiting_part cannot record findings; receive the returned part first"
        );
        assert_eq!(
            refused(ClaimStatus::Approved, Action::Decide(Verdict::Rejected)),
            "a claim that is approved cannot decide; it is decided already"
        );
    }

    /// Every legal `(from, action, part_in_hand) → to`; everything else is illegal.
    fn legal() -> Vec<(ClaimStatus, Action, bool, ClaimStatus)> {
        let mut v = Vec::new();
        for hand in [false, true] {
            v.push((S::Submitted, Action::RejectAtSubmission, hand, S::Rejected));
            v.push((S::Submitted, Action::AwaitPart, hand, S::AwaitingPart));
            v.push((S::AwaitingPart, Action::ReceivePart, hand, S::PartReceived));
            v.push((
                S::AwaitingPart,
                Action::ReturnDeadlinePassed,
                hand,
                S::Rejected,
            ));
            for from in [S::Submitted, S::PartReceived, S::UnderInspection] {
                v.push((from, Action::RecordFindings, hand, S::UnderInspection));
            }
            v.push((
                S::UnderInspection,
                Action::Decide(Verdict::Approved),
                hand,
                S::Approved,
            ));
            v.push((
                S::UnderInspection,
                Action::Decide(Verdict::PartiallyApproved),
                hand,
                S::PartiallyApproved,
            ));
            v.push((
                S::UnderInspection,
                Action::Decide(Verdict::Rejected),
                hand,
                S::Rejected,
            ));
        }
        for from in [S::Approved, S::PartiallyApproved, S::Rejected] {
            v.push((from, Action::Dispose, true, S::Closed));
        }
        v
    }

    #[test]
    fn every_pair_is_legal_or_illegal_as_the_table_says() {
        let table = legal();
        let mut legal_count = 0;
        for from in ClaimStatus::ALL {
            for action in Action::ALL {
                for hand in [false, true] {
                    let expected = table
                        .iter()
                        .find(|(f, a, h, _)| *f == from && *a == action && *h == hand)
                        .map(|(_, _, _, to)| *to);
                    let got = transition(from, action, hand);
                    match expected {
                        Some(to) => {
                            legal_count += 1;
                            assert_eq!(got, Ok(to), "{from:?} {action:?} {hand}");
                        }
                        None => assert_eq!(
                            got,
                            Err(IllegalTransition { from, action }),
                            "{from:?} {action:?} {hand}"
                        ),
                    }
                }
            }
        }
        assert_eq!(legal_count, table.len());
    }

    #[test]
    fn closed_is_final_and_a_part_not_received_cannot_be_disposed() {
        for action in Action::ALL {
            assert!(transition(S::Closed, action, true).is_err());
        }
        assert!(transition(S::Approved, Action::Dispose, false).is_err());
        let err = transition(S::Closed, Action::Dispose, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a claim that is closed cannot dispose of the part"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(S::AwaitingPart.blocks_duplicate(None) && S::Approved.blocks_duplicate(None));
        assert!(S::Closed.blocks_duplicate(Some(Verdict::PartiallyApproved)));
        assert!(!S::Rejected.blocks_duplicate(None));
        assert!(!S::Closed.blocks_duplicate(Some(Verdict::Rejected)));
    }
}
