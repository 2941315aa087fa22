//! What each recovery line claimed, what the supplier accepted of it, and what was
//! credited and written off; the reconciliation figures summed from them
//! (DESIGN.md, invariant 6):
//!
//! - claimed = accepted + rejected + pending (pending: no answer yet; rejected: the
//!   part of an answered line that was not accepted);
//! - accepted = credited + written off + outstanding;
//! - recovery rate = credited / claimed.
//!
//! Credit memos and write-offs are allocated here, never beyond what is outstanding.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The supplier's answer on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    PartiallyAccepted,
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::PartiallyAccepted => "partially_accepted",
            Outcome::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            Outcome::Accepted,
            Outcome::PartiallyAccepted,
            Outcome::Rejected,
        ]
        .into_iter()
        .find(|o| o.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("a partial acceptance needs an amount above 0 and below the claimed {0}")]
    PartialAmount(Decimal),
    #[error("only a partial acceptance carries an amount")]
    UnexpectedAmount,
    #[error("a rejection needs a reason")]
    MissingReason,
}

/// The amount accepted on a line that claimed `claimed`.
pub fn accepted_amount(
    claimed: Decimal,
    outcome: Outcome,
    amount: Option<Decimal>,
    reason: Option<&str>,
) -> Result<Decimal, ResponseError> {
    match (outcome, amount) {
        (Outcome::Accepted, None) => Ok(claimed),
        (Outcome::PartiallyAccepted, Some(a)) if a > Decimal::ZERO && a < claimed => Ok(a),
        (Outcome::PartiallyAccepted, _) => Err(ResponseError::PartialAmount(claimed)),
        (Outcome::Rejected, None) if reason.is_some_and(|r| !r.trim().is_empty()) => {
            Ok(Decimal::ZERO)
        }
        (Outcome::Rejected, None) => Err(ResponseError::MissingReason),
        (_, Some(_)) => Err(ResponseError::UnexpectedAmount),
    }
}

/// One claimed line: its amount, the accepted amount once answered, and what was
/// credited and written off against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineFigures {
    pub claimed: Decimal,
    /// `None` while the supplier has not answered.
    pub accepted: Option<Decimal>,
    pub credited: Decimal,
    pub written_off: Decimal,
}

impl LineFigures {
    /// What is accepted and not yet credited or written off. Until the supplier
    /// answers, nothing is accepted, so nothing is outstanding.
    pub fn outstanding(&self) -> Decimal {
        let accepted = self.accepted.unwrap_or(Decimal::ZERO);
        accepted - self.credited - self.written_off
    }
}

/// Reconciliation figures of a set of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figures {
    pub claimed: Decimal,
    pub accepted: Decimal,
    pub rejected: Decimal,
    pub pending: Decimal,
    pub credited: Decimal,
    pub written_off: Decimal,
    pub outstanding: Decimal,
}

impl Figures {
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a LineFigures>) -> Figures {
        lines
            .into_iter()
            .fold(Figures::default(), |f, l| f.with_line(l))
    }

    pub fn with_line(mut self, line: &LineFigures) -> Figures {
        self.claimed += line.claimed;
        match line.accepted {
            Some(accepted) => {
                self.accepted += accepted;
                self.rejected += line.claimed - accepted;
            }
            None => self.pending += line.claimed,
        }
        self.credited += line.credited;
        self.written_off += line.written_off;
        self.outstanding += line.outstanding();
        self
    }

    pub fn plus(self, other: Figures) -> Figures {
        Figures {
            claimed: self.claimed + other.claimed,
            accepted: self.accepted + other.accepted,
            rejected: self.rejected + other.rejected,
            pending: self.pending + other.pending,
            credited: self.credited + other.credited,
            written_off: self.written_off + other.written_off,
            outstanding: self.outstanding + other.outstanding,
        }
    }

    /// Invariant 6, to the cent.
    pub fn balanced(&self) -> bool {
        self.claimed == self.accepted + self.rejected + self.pending
            && self.accepted == self.credited + self.written_off + self.outstanding
    }

    /// credited / claimed with 4 decimals (half away from zero); `None` when nothing
    /// was claimed.
    pub fn recovery_rate(&self) -> Option<Decimal> {
        if self.claimed <= Decimal::ZERO {
            return None;
        }
        let mut rate = (self.credited / self.claimed)
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
        rate.rescale(4);
        Some(rate)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{amount} is more than the {outstanding} outstanding")]
pub struct Exceeds {
    pub amount: Decimal,
    pub outstanding: Decimal,
}

/// Splits `amount` over `outstanding` amounts in their order (oldest first), each
/// taking what it still owes; the shares are `(key, share)` with share > 0.
pub fn allocate<K: Clone>(
    amount: Decimal,
    outstanding: &[(K, Decimal)],
) -> Result<Vec<(K, Decimal)>, Exceeds> {
    let total: Decimal = outstanding
        .iter()
        .map(|(_, o)| (*o).max(Decimal::ZERO))
        .sum();
    if amount > total {
        return Err(Exceeds {
            amount,
            outstanding: total,
        });
    }
    let mut left = amount;
    let mut shares = Vec::new();
    for (key, owed) in outstanding {
        if left <= Decimal::ZERO {
            break;
        }
        let share = left.min(*owed);
        if share > Decimal::ZERO {
            shares.push((key.clone(), share));
            left -= share;
        }
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn responses() {
        let c = d("100.00");
        assert_eq!(accepted_amount(c, Outcome::Accepted, None, None), Ok(c));
        assert_eq!(
            accepted_amount(c, Outcome::PartiallyAccepted, Some(d("40")), None),
            Ok(d("40"))
        );
        for bad in ["0", "100.00", "120", "-1"] {
            assert!(accepted_amount(c, Outcome::PartiallyAccepted, Some(d(bad)), None).is_err());
        }
        assert!(accepted_amount(c, Outcome::PartiallyAccepted, None, None).is_err());
        assert_eq!(
            accepted_amount(c, Outcome::Rejected, None, Some("worn")),
            Ok(Decimal::ZERO)
        );
        assert_eq!(
            accepted_amount(c, Outcome::Rejected, None, Some(" ")),
            Err(ResponseError::MissingReason)
        );
        assert_eq!(
            accepted_amount(c, Outcome::Accepted, Some(c), None),
            Err(ResponseError::UnexpectedAmount)
        );
    }

    #[test]
    fn allocation_pays_oldest_first_and_never_beyond_what_is_owed() {
        let owed = [("a", d("10.00")), ("b", d("5.00")), ("c", d("7.50"))];
        assert_eq!(
            allocate(d("12.00"), &owed),
            Ok(vec![("a", d("10.00")), ("b", d("2.00"))])
        );
        assert_eq!(allocate(d("22.50"), &owed).map(|v| v.len()), Ok(3));
        assert_eq!(
            allocate(d("22.51"), &owed),
            Err(Exceeds {
                amount: d("22.51"),
                outstanding: d("22.50")
            })
        );
        assert_eq!(allocate(Decimal::ZERO, &owed), Ok(vec![]));
    }

    #[test]
    fn figures_and_rate() {
        let lines = [
            LineFigures {
                claimed: d("100.00"),
                accepted: Some(d("60.00")),
                credited: d("50.00"),
                written_off: d("5.00"),
            },
            LineFigures {
                claimed: d("30.00"),
                accepted: None,
                ..LineFigures::default()
            },
        ];
        let f = Figures::of(&lines);
        assert_eq!(
            (f.claimed, f.accepted, f.rejected, f.pending),
            (d("130"), d("60"), d("40"), d("30"))
        );
        assert_eq!((f.credited, f.outstanding), (d("50"), d("5")));
        assert!(f.balanced());
        assert_eq!(f.recovery_rate(), Some(d("0.3846")));
        assert_eq!(Figures::default().recovery_rate(), None);
    }

    /// A step of a random history of one supplier's lines.
    #[derive(Debug, Clone)]
    enum Step {
        /// A line of this many cents is claimed.
        Claim(i64),
        /// Line `index % lines` is answered: 0 accepted, 1 partially (the given
        /// per-mille of its amount), 2 rejected.
        Respond(usize, u8, u16),
        /// A credit memo of this many cents over every outstanding line.
        Memo(i64),
        /// A write-off of this many cents on line `index % lines`.
        WriteOff(usize, i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1i64..1_000_000).prop_map(Step::Claim),
            (any::<usize>(), 0u8..3, 1u16..1000).prop_map(|(i, k, p)| Step::Respond(i, k, p)),
            (1i64..2_000_000).prop_map(Step::Memo),
            (any::<usize>(), 1i64..1_000_000).prop_map(|(i, c)| Step::WriteOff(i, c)),
        ]
    }

    /// Applies `step` as the service does: refusing what the rules refuse, leaving
    /// the lines as they were when refused.
    fn apply(lines: &mut Vec<LineFigures>, step: &Step) {
        match *step {
            Step::Claim(cents) => lines.push(LineFigures {
                claimed: Decimal::new(cents, 2),
                ..LineFigures::default()
            }),
            Step::Respond(i, kind, per_mille) if !lines.is_empty() => {
                let n = lines.len();
                let line = &mut lines[i % n];
                if line.accepted.is_some() {
                    return; // answered already: 409 in the service
                }
                let (outcome, amount, reason) = match kind {
                    0 => (Outcome::Accepted, None, None),
                    1 => {
                        let part = aftersales_types::money::round_cents(
                            line.claimed * Decimal::from(per_mille) / Decimal::from(1000),
                        );
                        (Outcome::PartiallyAccepted, Some(part), None)
                    }
                    _ => (Outcome::Rejected, None, Some("not our part")),
                };
                if let Ok(accepted) = accepted_amount(line.claimed, outcome, amount, reason) {
                    line.accepted = Some(accepted);
                }
            }
            Step::Memo(cents) => {
                let owed: Vec<(usize, Decimal)> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (i, l.outstanding()))
                    .collect();
                if let Ok(shares) = allocate(Decimal::new(cents, 2), &owed) {
                    for (i, share) in shares {
                        lines[i].credited += share;
                    }
                }
            }
            Step::WriteOff(i, cents) if !lines.is_empty() => {
                let i = i % lines.len();
                let owed = [(i, lines[i].outstanding())];
                if let Ok(shares) = allocate(Decimal::new(cents, 2), &owed) {
                    for (i, share) in shares {
                        lines[i].written_off += share;
                    }
                }
            }
            _ => {}
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn reconciliation_identities_hold_over_random_histories(
            steps in proptest::collection::vec(step(), 1..60)
        ) {
            let mut lines = Vec::new();
            for step in &steps {
                let before = Figures::of(&lines);
                apply(&mut lines, step);
                let after = Figures::of(&lines);
                prop_assert!(after.balanced(), "{step:?} unbalanced: {after:?}");
                // Nothing is ever paid beyond what was accepted, nor paid back.
                for l in &lines {
                    prop_assert!(l.outstanding() >= Decimal::ZERO);
                    prop_assert!(l.credited >= Decimal::ZERO && l.written_off >= Decimal::ZERO);
                }
                prop_assert!(after.credited >= before.credited);
                prop_assert!(after.claimed >= before.claimed);
                // Everything is to the cent.
                for v in [after.claimed, after.accepted, after.rejected, after.pending,
                          after.credited, after.written_off, after.outstanding] {
                    prop_assert_eq!(v, v.round_dp(2));
                }
                if let Some(rate) = after.recovery_rate() {
                    prop_assert!(rate >= Decimal::ZERO && rate <= Decimal::ONE);
                }
                // Per-line sums equal the sums of any split (per claim, per supplier).
                let (left, right) = lines.split_at(lines.len() / 2);
                prop_assert_eq!(Figures::of(left).plus(Figures::of(right)), after);
            }
        }
    }
}
