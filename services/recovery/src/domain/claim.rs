//! The recovery claim's life, in one function: `draft` → `submitted` → `responded`
//! → `settled`.
//!
//! - Lines are added and removed only while `draft`.
//! - Submitting needs at least one line.
//! - The supplier answers per line while `submitted`; once every line has an answer
//!   the claim is `responded`.
//! - Credit memos and write-offs reduce what is outstanding on accepted lines
//!   (`submitted` or `responded`); the claim is `settled` when every line is answered
//!   and nothing accepted is outstanding. A claim whose lines were all rejected is
//!   settled by the last response.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    Draft,
    Submitted,
    Responded,
    Settled,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 4] = [
        ClaimStatus::Draft,
        ClaimStatus::Submitted,
        ClaimStatus::Responded,
        ClaimStatus::Settled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Draft => "draft",
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::Responded => "responded",
            ClaimStatus::Settled => "settled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// Who drafted a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A finance user.
    Finance,
    /// The filing-deadline sweep, for lines at risk (`domain::filing`).
    FilingDeadlineSweep,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Finance => "finance",
            Origin::FilingDeadlineSweep => "filing_deadline_sweep",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Origin::Finance, Origin::FilingDeadlineSweep]
            .into_iter()
            .find(|o| o.as_str() == value)
    }
}

/// Where the claim's lines stand after a change, as the transition needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub lines: usize,
    /// Every line has the supplier's answer.
    pub all_answered: bool,
    /// Nothing accepted is left to credit or write off.
    pub nothing_outstanding: bool,
}

/// What someone does to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add or remove lines.
    EditLines,
    Submit,
    /// Record the supplier's answer for some lines.
    Respond,
    /// Credit (a memo) or write off accepted amounts.
    Pay,
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Action::EditLines => "change the lines of",
            Action::Submit => "submit",
            Action::Respond => "record responses on",
            Action::Pay => "credit or write off on",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a {status} recovery claim{extra}")]
pub struct Illegal {
    pub action: &'static str,
    pub status: &'static str,
    pub extra: &'static str,
}

/// The status after `action` on a claim in `status`, given its lines' `progress`
/// after the action; `Illegal` (→ 409) when the action is not allowed now.
pub fn transition(
    status: ClaimStatus,
    action: Action,
    progress: Progress,
) -> Result<ClaimStatus, Illegal> {
    use Action::*;
    use ClaimStatus::*;
    let illegal = |extra| Illegal {
        action: action.describe(),
        status: status.as_str(),
        extra,
    };
    let settled_or = |otherwise| {
        if progress.all_answered && progress.nothing_outstanding {
            Settled
        } else {
            otherwise
        }
    };
    match (status, action) {
        (Draft, EditLines) => Ok(Draft),
        (Draft, Submit) if progress.lines == 0 => Err(illegal(" without lines")),
        (Draft, Submit) => Ok(Submitted),
        (Submitted, Respond) => Ok(settled_or(if progress.all_answered {
            Responded
        } else {
            Submitted
        })),
        (Submitted | Responded, Pay) => Ok(settled_or(status)),
        _ => Err(illegal("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use ClaimStatus::*;

    fn p(lines: usize, all_answered: bool, nothing_outstanding: bool) -> Progress {
        Progress {
            lines,
            all_answered,
            nothing_outstanding,
        }
    }

    #[test]
    fn the_happy_path() {
        assert_eq!(transition(Draft, EditLines, p(1, false, true)), Ok(Draft));
        assert_eq!(transition(Draft, Submit, p(1, false, true)), Ok(Submitted));
        assert_eq!(
            transition(Submitted, Respond, p(2, false, false)),
            Ok(Submitted)
        );
        assert_eq!(
            transition(Submitted, Respond, p(2, true, false)),
            Ok(Responded)
        );
        assert_eq!(transition(Responded, Pay, p(2, true, false)), Ok(Responded));
        assert_eq!(transition(Responded, Pay, p(2, true, true)), Ok(Settled));
        // Everything rejected: settled by the last response.
        assert_eq!(
            transition(Submitted, Respond, p(2, true, true)),
            Ok(Settled)
        );
        // Paid before the last answer: stays submitted.
        assert_eq!(transition(Submitted, Pay, p(2, false, true)), Ok(Submitted));
    }

    #[test]
    fn everything_else_is_illegal() {
        let err = transition(Draft, Submit, p(0, false, true)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot submit a draft recovery claim without lines"
        );
        for status in [Submitted, Responded, Settled] {
            assert!(transition(status, EditLines, p(1, false, false)).is_err());
            assert!(transition(status, Submit, p(1, false, false)).is_err());
        }
        for status in [Draft, Responded, Settled] {
            assert!(transition(status, Respond, p(1, true, false)).is_err());
        }
        for status in [Draft, Settled] {
            assert!(transition(status, Pay, p(1, true, false)).is_err());
        }
        for s in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(s.as_str()), Some(s));
        }
        for o in [Origin::Finance, Origin::FilingDeadlineSweep] {
            assert_eq!(Origin::parse(o.as_str()), Some(o));
        }
    }
}
