//! Supplier agreements: their terms, when one is in force, and what an adjudicated
//! claim becomes under them (a recoverable amount, or the reason it is not).

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Currency;
use super::money::{Percent, recovery_amount};

/// The days an agreement is valid: from `from` to `to` inclusive, open-ended
/// without `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Validity {
    pub fn parse(from: NaiveDate, to: Option<NaiveDate>) -> Result<Self, String> {
        if to.is_some_and(|to| to < from) {
            return Err("must not be before valid_from".into());
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.from && self.to.is_none_or(|to| day <= to)
    }

    pub fn overlaps(&self, other: &Validity) -> bool {
        let ends_before = |a: &Validity, b: &Validity| a.to.is_some_and(|to| to < b.from);
        !ends_before(self, other) && !ends_before(other, self)
    }
}

/// What an agreement charges back.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub parts_pct: Percent,
    pub labor_pct: Percent,
    pub handling_fee: Decimal,
    pub currency: Currency,
    /// Days after the decision within which the supplier accepts a claim.
    pub claim_window_days: u32,
}

/// One agreement as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement<Id> {
    pub id: Id,
    pub validity: Validity,
    pub terms: Terms,
}

/// Why an adjudicated supplier-defect claim cannot be charged back. The line is kept
/// with this reason, never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotRecoverable {
    /// No agreement of the supplier is in force on the decision date.
    NoAgreement,
    /// The claim is in another currency than the agreement.
    CurrencyMismatch,
    /// The agreement's claim window after the decision has passed.
    ClaimWindowPassed,
}

impl NotRecoverable {
    pub fn as_str(self) -> &'static str {
        match self {
            NotRecoverable::NoAgreement => "no_agreement",
            NotRecoverable::CurrencyMismatch => "currency_mismatch",
            NotRecoverable::ClaimWindowPassed => "claim_window_passed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            NotRecoverable::NoAgreement,
            NotRecoverable::CurrencyMismatch,
            NotRecoverable::ClaimWindowPassed,
        ]
        .into_iter()
        .find(|r| r.as_str() == value)
    }
}

/// The approved amounts of an adjudicated claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjudicated {
    pub parts: Decimal,
    pub labor: Decimal,
    pub currency: Currency,
    pub decided_on: NaiveDate,
}

/// What a claim becomes: the agreement applied (when one is in force) and the amount
/// or the reason it is not recoverable.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment<Id> {
    pub agreement: Option<Id>,
    pub outcome: Result<Decimal, NotRecoverable>,
}

/// Assesses `claim` against the supplier's agreements, on `today`: the agreement in
/// force on the decision date applies; the claim must be in its currency, and `today`
/// within `claim_window_days` after the decision.
pub fn assess<Id: Clone>(
    claim: &Adjudicated,
    agreements: &[Agreement<Id>],
    today: NaiveDate,
) -> Assessment<Id> {
    let Some(agreement) = agreements
        .iter()
        .find(|a| a.validity.contains(claim.decided_on))
    else {
        return Assessment {
            agreement: None,
            outcome: Err(NotRecoverable::NoAgreement),
        };
    };
    let terms = &agreement.terms;
    let outcome = if terms.currency != claim.currency {
        Err(NotRecoverable::CurrencyMismatch)
    } else if window_passed(claim.decided_on, terms.claim_window_days, today) {
        Err(NotRecoverable::ClaimWindowPassed)
    } else {
        Ok(recovery_amount(
            claim.parts,
            claim.labor,
            terms.parts_pct,
            terms.labor_pct,
            terms.handling_fee,
        ))
    };
    Assessment {
        agreement: Some(agreement.id.clone()),
        outcome,
    }
}

/// Why an amendment of an agreement is refused: a line priced under it keeps the
/// terms and the validity it was priced under.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmendmentRefused {
    #[error(
        "{lines} recovery line(s) were priced under these terms; end the agreement and \
         record a new one from the next day instead"
    )]
    TermsOfPricedLines { lines: usize },
    #[error(
        "a recovery line priced under this agreement was decided on {decided_on}, which the \
         new validity leaves out"
    )]
    LeavesOutPricedLine { decided_on: NaiveDate },
}

/// Whether `current` may become `amended`, given the decision dates of the lines
/// priced under it: its terms only while none is, its validity only if it still holds
/// every one of them.
pub fn check_amendment<Id>(
    current: &Agreement<Id>,
    amended: &Agreement<Id>,
    priced: &[NaiveDate],
) -> Result<(), AmendmentRefused> {
    if !priced.is_empty() && current.terms != amended.terms {
        return Err(AmendmentRefused::TermsOfPricedLines {
            lines: priced.len(),
        });
    }
    match priced.iter().find(|d| !amended.validity.contains(**d)) {
        Some(day) => Err(AmendmentRefused::LeavesOutPricedLine { decided_on: *day }),
        None => Ok(()),
    }
}

/// The last day the supplier still accepts a claim decided on `decided_on`:
/// `window_days` days after it (`None` past the calendar's end: it never closes).
pub fn window_closes_on(decided_on: NaiveDate, window_days: u32) -> Option<NaiveDate> {
    decided_on.checked_add_days(Days::new(u64::from(window_days)))
}

/// Whether `today` is later than `window_days` days after `decided_on` (the last day
/// of the window still counts).
pub fn window_passed(decided_on: NaiveDate, window_days: u32, today: NaiveDate) -> bool {
    window_closes_on(decided_on, window_days).is_some_and(|last| today > last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn agreement(id: u8, from: &str, to: Option<&str>) -> Agreement<u8> {
        Agreement {
            id,
            validity: Validity::parse(day(from), to.map(day)).unwrap(),
            terms: Terms {
                parts_pct: Percent::parse(d("100")).unwrap(),
                labor_pct: Percent::parse(d("50")).unwrap(),
                handling_fee: d("10.00"),
                currency: Currency::parse("EUR").unwrap(),
                claim_window_days: 30,
            },
        }
    }
    fn claim(decided: &str, currency: &str) -> Adjudicated {
        Adjudicated {
            parts: d("100.00"),
            labor: d("40.01"),
            currency: Currency::parse(currency).unwrap(),
            decided_on: day(decided),
        }
    }

    #[test]
    fn validity_and_overlap() {
        assert!(Validity::parse(day("2024-02-01"), Some(day("2024-01-31"))).is_err());
        let a = Validity::parse(day("2024-01-01"), Some(day("2024-06-30"))).unwrap();
        let b = Validity::parse(day("2024-07-01"), None).unwrap();
        let c = Validity::parse(day("2024-06-30"), Some(day("2024-06-30"))).unwrap();
        let open = Validity::parse(day("2023-01-01"), None).unwrap();
        assert!(!a.overlaps(&b) && !b.overlaps(&a));
        assert!(a.overlaps(&c) && c.overlaps(&a));
        assert!(open.overlaps(&a) && open.overlaps(&b) && b.overlaps(&open));
        assert!(a.contains(day("2024-06-30")) && !a.contains(day("2024-07-01")));
        assert!(b.contains(day("2099-01-01")));
    }

    #[test]
    fn the_agreement_in_force_on_the_decision_date_applies() {
        let agreements = [
            agreement(1, "2024-01-01", Some("2024-06-30")),
            agreement(2, "2024-07-01", None),
        ];
        let a = assess(&claim("2024-06-30", "EUR"), &agreements, day("2024-07-10"));
        assert_eq!(a.agreement, Some(1));
        // 100.00 + round(40.01 × 0.5 = 20.005) = 20.01 + 10.00
        assert_eq!(a.outcome, Ok(d("130.01")));
        let a = assess(&claim("2024-07-01", "EUR"), &agreements, day("2024-07-10"));
        assert_eq!(a.agreement, Some(2));
    }

    #[test]
    fn priced_lines_pin_the_terms_and_their_days() {
        let current = agreement(1, "2024-01-01", None);
        let mut ended = current.clone();
        ended.validity = Validity::parse(day("2024-01-01"), Some(day("2024-06-30"))).unwrap();
        let mut cheaper = current.clone();
        cheaper.terms.handling_fee = d("5.00");
        // Nothing priced yet: anything goes.
        assert_eq!(check_amendment(&current, &cheaper, &[]), Ok(()));
        assert_eq!(check_amendment(&current, &ended, &[]), Ok(()));
        let priced = [day("2024-03-01"), day("2024-06-30")];
        assert_eq!(check_amendment(&current, &ended, &priced), Ok(()));
        assert_eq!(
            check_amendment(&current, &cheaper, &priced),
            Err(AmendmentRefused::TermsOfPricedLines { lines: 2 })
        );
        ended.validity = Validity::parse(day("2024-01-01"), Some(day("2024-06-29"))).unwrap();
        assert_eq!(
            check_amendment(&current, &ended, &priced),
            Err(AmendmentRefused::LeavesOutPricedLine {
                decided_on: day("2024-06-30")
            })
        );
    }

    #[test]
    fn not_recoverable_reasons() {
        let agreements = [agreement(1, "2024-01-01", Some("2024-06-30"))];
        let none = assess(&claim("2023-12-31", "EUR"), &agreements, day("2024-01-01"));
        assert_eq!(
            (none.agreement, none.outcome),
            (None, Err(NotRecoverable::NoAgreement))
        );
        let usd = assess(&claim("2024-03-01", "USD"), &agreements, day("2024-03-02"));
        assert_eq!(usd.outcome, Err(NotRecoverable::CurrencyMismatch));
        // Window of 30 days: the 30th day after the decision is the last one.
        let last = assess(&claim("2024-03-01", "EUR"), &agreements, day("2024-03-31"));
        assert!(last.outcome.is_ok());
        let late = assess(&claim("2024-03-01", "EUR"), &agreements, day("2024-04-01"));
        assert_eq!(late.outcome, Err(NotRecoverable::ClaimWindowPassed));
        assert_eq!(
            window_closes_on(day("2024-03-01"), 30),
            Some(day("2024-03-31"))
        );
        assert_eq!(window_closes_on(NaiveDate::MAX, 1), None);
        assert!(!window_passed(NaiveDate::MAX, 1, NaiveDate::MAX));
        for r in [
            NotRecoverable::NoAgreement,
            NotRecoverable::CurrencyMismatch,
            NotRecoverable::ClaimWindowPassed,
        ] {
            assert_eq!(NotRecoverable::parse(r.as_str()), Some(r));
        }
    }
}
