//! Who may decide a claim, and for how much: the approved amounts a decision may
//! carry, and the approval limit above which only a quality lead decides.

use rust_decimal::Decimal;

use super::ReasonCode;
use super::pricing::round_cents;
use super::status::Verdict;

/// The default approval limit of an inspector (role `quality`), in the claim's currency.
pub const DEFAULT_APPROVAL_LIMIT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 2);

/// Who is deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// Role `quality`: bound by the approval limit.
    Inspector,
    /// Role `quality_lead`: may decide any amount.
    Lead,
}

/// An inspector deciding more than the limit allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the approved total {total} exceeds the approval limit of {limit}; a quality_lead must decide"
)]
pub struct AboveLimit {
    pub total: Decimal,
    pub limit: Decimal,
}

/// The approval-limit rule: a total above `limit` (not at it) needs a quality lead.
/// The claim list's `above_approval_limit` filter asks the same of the claimed total
/// in SQL (`db::claims::above_limit`; an integration test holds the two together).
pub fn needs_lead(total: Decimal, limit: Decimal) -> bool {
    total > limit
}

/// Whether `who` may decide `approved_total`: above `limit`, only a lead may.
pub fn within_limit(
    who: Authority,
    approved_total: Decimal,
    limit: Decimal,
) -> Result<(), AboveLimit> {
    if needs_lead(approved_total, limit) && who != Authority::Lead {
        return Err(AboveLimit {
            total: approved_total,
            limit,
        });
    }
    Ok(())
}

/// What an inspector decides, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// `partially_approved` only (required): at most the claimed parts amount.
    pub approved_parts_amount: Option<Decimal>,
    /// `partially_approved` only (required): at most the claimed labor amount.
    pub approved_labor_amount: Option<Decimal>,
    /// `rejected` only (at least one).
    pub reasons: Vec<ReasonCode>,
}

/// A decision that cannot be taken as asked: the field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidDecision {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidDecision {
    InvalidDecision {
        field,
        message: message.into(),
    }
}

/// The approved `(parts, labor)` amounts of a decision on a claim of
/// `claimed_parts` + `claimed_labor`.
pub fn approved_amounts(
    input: &Decision,
    claimed_parts: Decimal,
    claimed_labor: Decimal,
) -> Result<(Decimal, Decimal), InvalidDecision> {
    let zero = Decimal::new(0, 2);
    match input.verdict {
        Verdict::Approved | Verdict::Rejected => {
            if input.approved_parts_amount.is_some() || input.approved_labor_amount.is_some() {
                return Err(invalid(
                    "approved_parts_amount",
                    "amounts are given only for partially_approved",
                ));
            }
            if input.verdict == Verdict::Rejected {
                if input.reasons.is_empty() {
                    return Err(invalid(
                        "reasons",
                        "a rejection needs at least one reason code",
                    ));
                }
                return Ok((zero, zero));
            }
            if !input.reasons.is_empty() {
                return Err(invalid("reasons", "only for rejected"));
            }
            Ok((claimed_parts, claimed_labor))
        }
        Verdict::PartiallyApproved => {
            if !input.reasons.is_empty() {
                return Err(invalid("reasons", "only for rejected"));
            }
            let parts = input.approved_parts_amount.ok_or_else(|| {
                invalid("approved_parts_amount", "required for partially_approved")
            })?;
            let labor = input.approved_labor_amount.ok_or_else(|| {
                invalid("approved_labor_amount", "required for partially_approved")
            })?;
            if parts > claimed_parts {
                return Err(invalid(
                    "approved_parts_amount",
                    format!("must not exceed the claimed parts amount {claimed_parts}"),
                ));
            }
            if labor > claimed_labor {
                return Err(invalid(
                    "approved_labor_amount",
                    format!("must not exceed the claimed labor amount {claimed_labor}"),
                ));
            }
            if parts == claimed_parts && labor == claimed_labor {
                return Err(invalid(
                    "approved_parts_amount",
                    "a partial approval approves less than claimed; use approved",
                ));
            }
            Ok((round_cents(parts), round_cents(labor)))
        }
    }
}

/// The reason codes of a decision as stored and published: each once, in the order
/// of their names.
pub fn stored_reasons(reasons: &[ReasonCode]) -> Vec<ReasonCode> {
    let mut reasons = reasons.to_vec();
    reasons.sort_by_key(|r| r.as_str());
    reasons.dedup();
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_limit_binds_an_inspector_but_not_a_lead() {
        let limit = d("1000.00");
        assert!(within_limit(Authority::Inspector, d("1000.00"), limit).is_ok());
        assert!(within_limit(Authority::Inspector, d("1000.01"), limit).is_err());
        assert!(within_limit(Authority::Lead, d("1000.01"), limit).is_ok());
        assert!(!needs_lead(d("1000.00"), limit));
        assert!(needs_lead(d("1000.01"), limit));
        assert_eq!(DEFAULT_APPROVAL_LIMIT, d("1000.00"));
    }

    fn input(
        verdict: Verdict,
        parts: Option<&str>,
        labor: Option<&str>,
        reasons: Vec<ReasonCode>,
    ) -> Decision {
        Decision {
            verdict,
            approved_parts_amount: parts.map(d),
            approved_labor_amount: labor.map(d),
            reasons,
        }
    }

    #[test]
    fn approved_amounts_follow_the_decision() {
        let (p, l) = (d("100.00"), d("50.00"));
        assert_eq!(
            approved_amounts(&input(Verdict::Approved, None, None, vec![]), p, l).unwrap(),
            (p, l)
        );
        assert_eq!(
            approved_amounts(
                &input(
                    Verdict::PartiallyApproved,
                    Some("80"),
                    Some("50.00"),
                    vec![]
                ),
                p,
                l
            )
            .unwrap(),
            (d("80.00"), l)
        );
        assert_eq!(
            approved_amounts(
                &input(Verdict::Rejected, None, None, vec![ReasonCode::Misuse]),
                p,
                l
            )
            .unwrap(),
            (Decimal::ZERO, Decimal::ZERO)
        );
        for bad in [
            input(Verdict::Rejected, None, None, vec![]),
            input(Verdict::Approved, Some("1"), None, vec![]),
            input(Verdict::PartiallyApproved, Some("101"), Some("0"), vec![]),
            input(Verdict::PartiallyApproved, Some("100"), Some("50"), vec![]),
            input(Verdict::PartiallyApproved, None, Some("1"), vec![]),
        ] {
            assert!(approved_amounts(&bad, p, l).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stored_reasons_are_unique_and_sorted_by_name() {
        assert_eq!(
            stored_reasons(&[
                ReasonCode::Misuse,
                ReasonCode::ExpiredWarranty,
                ReasonCode::Misuse
            ]),
            vec![ReasonCode::ExpiredWarranty, ReasonCode::Misuse]
        );
        // By name, not by the vocabulary's order.
        assert_eq!(
            stored_reasons(&[ReasonCode::NotCovered, ReasonCode::Misuse]),
            vec![ReasonCode::Misuse, ReasonCode::NotCovered]
        );
    }
}
